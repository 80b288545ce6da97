// Element-wise operators: activations, arithmetic with broadcasting, comparisons, logic, Where.
// FLOPs convention (per output element): 1 for arithmetic/comparison/cheap activations (Relu, Clip…);
// TRANSCENDENTAL_FLOPS (4) for ops built on exp/log/erf/tanh/sqrt/pow (Sigmoid, Tanh, Erf, Gelu, Exp…),
// a common rough count for a polynomial/table evaluation; variadic ops cost (inputs − 1) per element.
import type { Dim, DType } from '../types.js';
import { broadcastShapes, dimAdd, dimFloorDiv, dimMul, dimSub } from './dims.js';
import { elems, hasInput, inDType, inShape } from './common.js';
import { registerOp, type OpContext, type OutputInfo } from './registry.js';
import { broadcastValues, castNumber, isIntType, MAX_VALUE_ELEMS } from './values.js';
import { attrFloat } from './attrs.js';
import { numel } from '../types.js';

export const TRANSCENDENTAL_FLOPS = 4;

function sameAsInput(ctx: OpContext, dtype?: DType): OutputInfo[] {
  const t = ctx.inputs[0];
  if (!t) throw new Error('input 0 is missing');
  return [{ shape: t.shape, dtype: dtype ?? t.dtype }];
}

type Unary = (x: number) => number;

/** Unary op that keeps shape; `fn` (when given) propagates known values. */
function unary(
  ops: string | string[],
  category: 'activation' | 'elementwise',
  flopsPerElem: number,
  fn?: Unary,
) {
  registerOp('', ops, {
    category,
    infer(ctx) {
      const out = sameAsInput(ctx)[0];
      const v = ctx.value(0);
      if (fn && v && v.every((x) => typeof x === 'number')) {
        out.value = (v as number[]).map((x) => castNumber(fn(x), out.dtype));
      }
      return [out];
    },
    work: (_ctx, outs) => ({ macs: 0, flops: flopsPerElem * elems(outs[0]) }),
  });
}

const T = TRANSCENDENTAL_FLOPS;
unary('Relu', 'activation', 1, (x) => Math.max(0, x));
unary(['LeakyRelu', 'ThresholdedRelu', 'Shrink'], 'activation', 1);
unary(['HardSigmoid'], 'activation', 2);
unary(['HardSwish'], 'activation', 3);
unary(['Sigmoid', 'Tanh', 'Erf', 'Gelu', 'Elu', 'Selu', 'Celu', 'Softplus', 'Softsign'], 'activation', T);
unary('Mish', 'activation', 3 * T);
unary(
  ['Exp', 'Log', 'Sin', 'Cos', 'Tan', 'Asin', 'Acos', 'Atan', 'Sinh', 'Cosh', 'Asinh', 'Acosh', 'Atanh'],
  'elementwise',
  T,
);
unary('Sqrt', 'elementwise', T, Math.sqrt);
unary('Abs', 'elementwise', 1, Math.abs);
unary('Neg', 'elementwise', 1, (x) => -x);
unary('Reciprocal', 'elementwise', 1, (x) => 1 / x);
unary('Floor', 'elementwise', 1, Math.floor);
unary('Ceil', 'elementwise', 1, Math.ceil);
// ONNX Round is round-half-to-even.
unary('Round', 'elementwise', 1, (x) => {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
});
unary('Sign', 'elementwise', 1, Math.sign);
unary(['Softmax', 'LogSoftmax', 'Hardmax'], 'activation', T);

registerOp('', ['IsNaN', 'IsInf'], {
  category: 'elementwise',
  infer: (ctx) => sameAsInput(ctx, 'bool'),
  work: (_ctx, outs) => ({ macs: 0, flops: elems(outs[0]) }),
});

registerOp('', 'Not', {
  category: 'elementwise',
  infer(ctx) {
    const out = sameAsInput(ctx, 'bool')[0];
    const v = ctx.value(0);
    if (v && v.every((x) => typeof x === 'number')) out.value = v.map((x) => (x ? 0 : 1));
    return [out];
  },
  work: (_ctx, outs) => ({ macs: 0, flops: elems(outs[0]) }),
});

// Clip: min/max attributes before opset 11, optional inputs from 11 on.
registerOp('', 'Clip', {
  category: 'activation',
  infer(ctx) {
    const out = sameAsInput(ctx)[0];
    const v = ctx.value(0);
    if (v && v.every((x) => typeof x === 'number')) {
      let lo = -Infinity;
      let hi = Infinity;
      if (ctx.opset < 11) {
        lo = attrFloat(ctx.node, 'min', lo);
        hi = attrFloat(ctx.node, 'max', hi);
      } else {
        const a = hasInput(ctx, 1) ? ctx.value(1) : [lo];
        const b = hasInput(ctx, 2) ? ctx.value(2) : [hi];
        if (!a || !b || typeof a[0] !== 'number' || typeof b[0] !== 'number') return [out];
        lo = a[0];
        hi = b[0];
      }
      out.value = (v as number[]).map((x) => Math.min(hi, Math.max(lo, x)));
    }
    return [out];
  },
  work: (_ctx, outs) => ({ macs: 0, flops: 2 * elems(outs[0]) }),
});

type Binary = (a: Dim, b: Dim, dtype: DType) => Dim | undefined;

function num2(f: (a: number, b: number) => number): Binary {
  return (a, b, dtype) =>
    typeof a === 'number' && typeof b === 'number' ? castNumber(f(a, b), dtype) : undefined;
}

/** Comparison returning 1/0; symbols compare only when identical (Equal) */
function cmp(f: (a: number, b: number) => boolean, sameSymbol?: boolean): Binary {
  return (a, b) => {
    if (typeof a === 'number' && typeof b === 'number') return f(a, b) ? 1 : 0;
    if (a === b && sameSymbol !== undefined) return sameSymbol ? 1 : 0;
    return undefined;
  };
}

/** Broadcasting n-ary op; `outDType` overrides the output type (comparisons → bool). */
function broadcastOp(
  ops: string | string[],
  category: 'elementwise' | 'activation',
  opts: { fn?: Binary; outDType?: DType; flopsPerElem?: number; variadic?: boolean },
): void {
  registerOp('', ops, {
    category,
    infer(ctx) {
      const present = ctx.inputs.filter((t) => t !== undefined);
      if (present.length === 0) throw new Error('no inputs');
      const shapes = present.map((t) => {
        if (!t.shape) throw new Error(`input ${t.name} has unknown rank`);
        return t.shape;
      });
      const dtype = opts.outDType ?? present[0].dtype;
      const out: OutputInfo = { shape: broadcastShapes(shapes), dtype };
      const fn = opts.fn;
      if (fn) {
        const vals = ctx.inputs.map((_, i) => ctx.value(i));
        if (vals.every((v) => v !== undefined) && (numel(out.shape) ?? Infinity) <= MAX_VALUE_ELEMS) {
          const v = broadcastValues(shapes, vals, (xs) => {
            let acc: Dim | undefined = xs[0];
            for (let k = 1; k < xs.length && acc !== undefined; k++) acc = fn(acc, xs[k], present[0].dtype);
            return acc;
          });
          if (v) out.value = v;
        }
      }
      return [out];
    },
    work(ctx, outs) {
      const n = elems(outs[0]);
      const k = opts.variadic ? Math.max(1, ctx.inputs.filter((t) => t).length - 1) : 1;
      return { macs: 0, flops: (opts.flopsPerElem ?? 1) * k * n };
    },
  });
}

function intAware(intOp: Binary, floatOp: Binary): Binary {
  return (a, b, dtype) => (isIntType(dtype) ? intOp(a, b, dtype) : floatOp(a, b, dtype));
}

broadcastOp('Add', 'elementwise', {
  fn: (a, b, t) => (typeof a === 'number' && typeof b === 'number' ? castNumber(a + b, t) : dimAdd(a, b)),
});
broadcastOp('Sub', 'elementwise', {
  fn: (a, b, t) => (typeof a === 'number' && typeof b === 'number' ? castNumber(a - b, t) : dimSub(a, b)),
});
broadcastOp('Mul', 'elementwise', {
  fn: (a, b, t) => (typeof a === 'number' && typeof b === 'number' ? castNumber(a * b, t) : dimMul(a, b)),
});
// Integer Div truncates toward zero (C semantics, as ONNX Runtime does); symbols divide exactly.
broadcastOp('Div', 'elementwise', {
  fn: intAware(
    (a, b) => (typeof a === 'number' && typeof b === 'number' ? Math.trunc(a / b) : dimFloorDiv(a, b)),
    num2((a, b) => a / b),
  ),
});
broadcastOp('Mod', 'elementwise', {
  fn: num2((a, b) => {
    const r = a % b;
    return r !== 0 && Math.sign(r) !== Math.sign(b) ? r + b : r;
  }),
});
broadcastOp('Pow', 'elementwise', { fn: num2((a, b) => a ** b), flopsPerElem: T });
broadcastOp('PRelu', 'activation', {});
broadcastOp('BitShift', 'elementwise', {});
broadcastOp(['Max'], 'elementwise', { fn: num2(Math.max), variadic: true });
broadcastOp(['Min'], 'elementwise', { fn: num2(Math.min), variadic: true });
broadcastOp('Sum', 'elementwise', { fn: num2((a, b) => a + b), variadic: true });
broadcastOp('Mean', 'elementwise', { variadic: true });
broadcastOp('Equal', 'elementwise', { fn: cmp((a, b) => a === b, true), outDType: 'bool' });
broadcastOp('Less', 'elementwise', { fn: cmp((a, b) => a < b, false), outDType: 'bool' });
broadcastOp('Greater', 'elementwise', { fn: cmp((a, b) => a > b, false), outDType: 'bool' });
broadcastOp('LessOrEqual', 'elementwise', { fn: cmp((a, b) => a <= b, true), outDType: 'bool' });
broadcastOp('GreaterOrEqual', 'elementwise', { fn: cmp((a, b) => a >= b, true), outDType: 'bool' });
broadcastOp('And', 'elementwise', { fn: num2((a, b) => (a && b ? 1 : 0)), outDType: 'bool' });
broadcastOp('Or', 'elementwise', { fn: num2((a, b) => (a || b ? 1 : 0)), outDType: 'bool' });
broadcastOp('Xor', 'elementwise', { fn: num2((a, b) => (!a !== !b ? 1 : 0)), outDType: 'bool' });

// Where(cond, X, Y): broadcast of all three, dtype of X.
registerOp('', 'Where', {
  category: 'elementwise',
  infer(ctx) {
    const shapes = [inShape(ctx, 0), inShape(ctx, 1), inShape(ctx, 2)];
    const out: OutputInfo = { shape: broadcastShapes(shapes), dtype: inDType(ctx, 1) };
    const vals = [ctx.value(0), ctx.value(1), ctx.value(2)];
    if (vals[0] && vals[1] && vals[2]) {
      const v = broadcastValues(shapes, vals as Dim[][], ([c, x, y]) =>
        typeof c === 'number' ? (c ? x : y) : undefined,
      );
      if (v) out.value = v;
    }
    return [out];
  },
  work: (_ctx, outs) => ({ macs: 0, flops: elems(outs[0]) }),
});
