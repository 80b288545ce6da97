// Shape and cost rules for the TensorFlow ops that TF.js graph models use (domain 'tf').
// Conventions follow the ONNX rules: conv MACs = output elements × kernel elements × input channels
// per group, FLOPs = 2 × MACs + fused per-element work; matmul MACs = M × N × K; element-wise ops 1
// FLOP per output element, TRANSCENDENTAL_FLOPS for exp/log/tanh-like ones; pooling = output × window;
// reductions = input elements. Layout follows `data_format` (NHWC default, NCHW supported).
import type { Dim, DType, Node } from '../types.js';
import { numel } from '../types.js';
import { attrDType, attrInt, attrInts, attrString } from './attrs.js';
import { elems, freshSymbol, inDType, inShape, maybeNumValue, numShape, numValue } from './common.js';
import {
  allNum,
  broadcastShapes,
  dimAdd,
  dimCeilDiv,
  dimFloorDiv,
  dimMul,
  dimProduct,
  dimSub,
  isNum,
  normAxis,
} from './dims.js';
import { TRANSCENDENTAL_FLOPS } from './elementwise.js';
import { registerOp, type OpContext, type OpDef, type OutputInfo, type OpWork } from './registry.js';
import { broadcastValues, castNumber, isIntType, MAX_VALUE_ELEMS } from './values.js';

const TF = 'tf';
const T = TRANSCENDENTAL_FLOPS;
/** Bilinear resize: three 1-D lerps (sub, mul, add) per output element. */
const BILINEAR_FLOPS = 9;
/** TF encodes "to the end" as a huge int in StridedSlice/Slice ends. */
const INT32_MAX = 2 ** 31 - 1;

function reg(op: string | string[], def: OpDef): void {
  registerOp(TF, op, def);
}

function bool(node: Node, name: string): boolean {
  return attrInt(node, name, 0) !== 0;
}

function same(ctx: OpContext, i = 0): OutputInfo {
  const t = ctx.inputs[i];
  if (!t) throw new Error(`input ${i} is missing`);
  return { shape: t.shape, dtype: t.dtype };
}

function numericValue(v: Dim[] | undefined): number[] | undefined {
  return v && allNum(v) ? v : undefined;
}

/** Scalar from a known value (first element), or undefined. */
function scalarValue(ctx: OpContext, i: number): number | undefined {
  const v = maybeNumValue(ctx, i);
  return v && v.length >= 1 ? v[0] : undefined;
}

// ---------------------------------------------------------------- layout and windows

interface Layout {
  h: number;
  w: number;
  c: number;
}

function layout(node: Node): Layout {
  const f = attrString(node, 'data_format', 'NHWC');
  if (f === 'NHWC') return { h: 1, w: 2, c: 3 };
  if (f === 'NCHW') return { h: 2, w: 3, c: 1 };
  throw new Error(`data_format ${f} is not supported`);
}

/** A 4-element per-axis attr (strides, dilations, ksize) in data_format order; default all 1. */
function quad(node: Node, name: string): number[] {
  const v = attrInts(node, name);
  if (!v || v.length === 0) return [1, 1, 1, 1];
  if (v.length === 1) return [1, v[0], v[0], 1];
  if (v.length === 2) return [1, v[0], v[1], 1]; // some converters write only H, W
  if (v.length !== 4) throw new Error(`${name} should have 4 elements, has ${v.length}`);
  return v;
}

/**
 * Output size of one spatial axis. SAME: ceil(in / stride); VALID: floor((in − span) / stride) + 1;
 * EXPLICIT: the same with `explicit_paddings` (pairs per axis in data_format order) added.
 */
function windowOut(
  node: Node,
  inDim: Dim,
  axis: number,
  kernel: number,
  stride: number,
  dilation: number,
): Dim {
  const padding = attrString(node, 'padding', 'VALID');
  const span = (kernel - 1) * dilation + 1;
  if (padding === 'SAME') return dimCeilDiv(inDim, stride);
  let padded = inDim;
  if (padding === 'EXPLICIT') {
    const pads = attrInts(node, 'explicit_paddings') ?? [];
    padded = dimAdd(inDim, (pads[2 * axis] ?? 0) + (pads[2 * axis + 1] ?? 0));
  } else if (padding !== 'VALID') {
    throw new Error(`padding ${padding} is not supported`);
  }
  if (isNum(padded) && padded < span) throw new Error(`window (${span}) larger than input (${padded})`);
  return dimAdd(dimFloorDiv(dimSub(padded, span), stride), 1);
}

function rank4(ctx: OpContext, i: number): Dim[] {
  const s = inShape(ctx, i);
  if (s.length !== 4) throw new Error(`input ${i} should be 4-D, is ${s.length}-D`);
  return s;
}

/** Conv-like output [N, Ho, Wo, outC] in the node's layout for kernel (kh, kw). */
function slidingShape(ctx: OpContext, kh: number, kw: number, outC: Dim, isPool: boolean): Dim[] {
  const x = rank4(ctx, 0);
  const l = layout(ctx.node);
  const strides = quad(ctx.node, 'strides');
  const dil = isPool ? [1, 1, 1, 1] : quad(ctx.node, 'dilations');
  const out = [...x];
  out[l.h] = windowOut(ctx.node, x[l.h], l.h, kh, strides[l.h], dil[l.h]);
  out[l.w] = windowOut(ctx.node, x[l.w], l.w, kw, strides[l.w], dil[l.w]);
  out[l.c] = outC;
  return out;
}

/** Per-output-element FLOPs of the ops fused into _FusedConv2D / _FusedMatMul / FusedDepthwise. */
const FUSED_FLOPS: Record<string, number> = {
  BiasAdd: 1,
  Add: 1,
  Relu: 1,
  Relu6: 1,
  LeakyRelu: 2,
  Prelu: 2,
  Elu: T,
  Selu: T,
  Sigmoid: T,
  Tanh: T,
  FusedBatchNorm: 2,
};

function fusedFlopsPerElem(node: Node): number {
  const ops = node.attrs.fused_ops;
  if (!Array.isArray(ops)) return 0;
  return ops.reduce<number>((sum, op) => sum + (typeof op === 'string' ? (FUSED_FLOPS[op] ?? 1) : 0), 0);
}

function numDim(d: Dim | undefined, what: string): number {
  if (!isNum(d)) throw new Error(`${what} is not known`);
  return d;
}

// ---------------------------------------------------------------- convolutions

// Conv2D filter: [kh, kw, inC / groups, outC].
const conv2d: OpDef = {
  category(ctx) {
    const f = ctx.inputs[1]?.shape;
    const x = ctx.inputs[0]?.shape;
    const c = x && x.length === 4 ? x[layout(ctx.node).c] : undefined;
    return f && f[2] === 1 && isNum(c) && c > 1 ? 'depthwise-conv' : 'conv';
  },
  infer(ctx) {
    const f = inShape(ctx, 1);
    if (f.length !== 4) throw new Error('filter should be 4-D');
    const shape = slidingShape(ctx, numDim(f[0], 'kernel height'), numDim(f[1], 'kernel width'), f[3], false);
    return [{ shape, dtype: inDType(ctx, 0) }];
  },
  work(ctx, outs) {
    const f = numShape(ctx.inputs[1]);
    const n = elems(outs[0]);
    const macs = n * f[0] * f[1] * f[2];
    return { macs, flops: 2 * macs + n * fusedFlopsPerElem(ctx.node) };
  },
};
reg(['Conv2D', '_FusedConv2D'], conv2d);

// Depthwise filter: [kh, kw, C, multiplier]; output channels C × multiplier.
reg(['DepthwiseConv2dNative', 'FusedDepthwiseConv2dNative'], {
  category: 'depthwise-conv',
  infer(ctx) {
    const f = inShape(ctx, 1);
    if (f.length !== 4) throw new Error('filter should be 4-D');
    const shape = slidingShape(
      ctx,
      numDim(f[0], 'kernel height'),
      numDim(f[1], 'kernel width'),
      dimMul(f[2], f[3]),
      false,
    );
    return [{ shape, dtype: inDType(ctx, 0) }];
  },
  work(ctx, outs) {
    const f = numShape(ctx.inputs[1]);
    const n = elems(outs[0]);
    const macs = n * f[0] * f[1];
    return { macs, flops: 2 * macs + n * fusedFlopsPerElem(ctx.node) };
  },
});

// Conv2DBackpropInput(input_sizes, filter [kh, kw, outC, inC], out_backprop): a transposed conv.
reg('Conv2DBackpropInput', {
  category: 'conv',
  infer(ctx) {
    const sizes = ctx.value(0);
    if (sizes && sizes.length === 4) return [{ shape: [...sizes], dtype: inDType(ctx, 2) }];
    const y = rank4(ctx, 2);
    const f = inShape(ctx, 1);
    const l = layout(ctx.node);
    const strides = quad(ctx.node, 'strides');
    const dil = quad(ctx.node, 'dilations');
    const same = attrString(ctx.node, 'padding', 'VALID') === 'SAME';
    const out = [...y];
    for (const [axis, k] of [
      [l.h, f[0]],
      [l.w, f[1]],
    ] as const) {
      const span = (numDim(k, 'kernel size') - 1) * dil[axis] + 1;
      out[axis] = same
        ? dimMul(y[axis], strides[axis])
        : dimAdd(dimMul(dimSub(y[axis], 1), strides[axis]), span);
    }
    out[l.c] = f[2];
    return [{ shape: out, dtype: inDType(ctx, 2) }];
  },
  work(ctx) {
    const f = numShape(ctx.inputs[1]);
    const macs = elems(ctx.inputs[2]) * f[0] * f[1] * f[2];
    return { macs, flops: 2 * macs };
  },
});

// ---------------------------------------------------------------- matrix products

function matmul2d(ctx: OpContext): { m: Dim; n: Dim; k: Dim } {
  const a = inShape(ctx, 0);
  const b = inShape(ctx, 1);
  if (a.length !== 2 || b.length !== 2) throw new Error('MatMul operands must be 2-D');
  const ta = bool(ctx.node, 'transpose_a');
  const tb = bool(ctx.node, 'transpose_b');
  const k = ta ? a[0] : a[1];
  const k2 = tb ? b[1] : b[0];
  if (isNum(k) && isNum(k2) && k !== k2) throw new Error(`inner dims differ: ${k} vs ${k2}`);
  return { m: ta ? a[1] : a[0], n: tb ? b[0] : b[1], k };
}

reg(['MatMul', '_FusedMatMul'], {
  category: 'matmul',
  infer(ctx) {
    const { m, n } = matmul2d(ctx);
    return [{ shape: [m, n], dtype: inDType(ctx, 0) }];
  },
  work(ctx, outs) {
    const k = numDim(matmul2d(ctx).k, 'inner dim');
    const n = elems(outs[0]);
    return { macs: n * k, flops: 2 * n * k + n * fusedFlopsPerElem(ctx.node) };
  },
});

function batchMatmul(ctx: OpContext): { shape: Dim[]; k: Dim } {
  const a = inShape(ctx, 0);
  const b = inShape(ctx, 1);
  if (a.length < 2 || b.length < 2) throw new Error('BatchMatMul operands must be at least 2-D');
  const adjX = bool(ctx.node, 'adj_x');
  const adjY = bool(ctx.node, 'adj_y');
  const [ar, ac] = a.slice(-2);
  const [br, bc] = b.slice(-2);
  const batch = broadcastShapes([a.slice(0, -2), b.slice(0, -2)]);
  return { shape: [...batch, adjX ? ac : ar, adjY ? br : bc], k: adjX ? ar : ac };
}

reg(['BatchMatMul', 'BatchMatMulV2', 'BatchMatMulV3'], {
  category: 'matmul',
  infer: (ctx) => [{ shape: batchMatmul(ctx).shape, dtype: inDType(ctx, 0) }],
  work(ctx, outs) {
    const macs = elems(outs[0]) * numDim(batchMatmul(ctx).k, 'inner dim');
    return { macs, flops: 2 * macs };
  },
});

/** Einsum without ellipsis: MACs = product of the sizes of every letter (a contraction loop nest). */
function einsumPlan(ctx: OpContext): { out: Dim[]; loop: Dim[] } {
  const eq = attrString(ctx.node, 'equation', '').replace(/\s+/g, '');
  if (eq.includes('.')) throw new Error('Einsum with ellipsis is not supported');
  const [lhs, rhs] = eq.split('->');
  if (rhs === undefined) throw new Error('Einsum equation without "->" is not supported');
  const sizes = new Map<string, Dim>();
  lhs.split(',').forEach((term, i) => {
    const s = inShape(ctx, i);
    if (s.length !== term.length) throw new Error(`operand ${i} rank ${s.length} ≠ "${term}"`);
    [...term].forEach((ch, ax) => {
      const prev = sizes.get(ch);
      if (prev === undefined || prev === 1) sizes.set(ch, s[ax]);
    });
  });
  const size = (ch: string): Dim => {
    const d = sizes.get(ch);
    if (d === undefined) throw new Error(`output letter ${ch} is not in any operand`);
    return d;
  };
  return { out: [...rhs].map(size), loop: [...sizes.values()] };
}

reg('Einsum', {
  category: 'matmul',
  infer: (ctx) => [{ shape: einsumPlan(ctx).out, dtype: inDType(ctx, 0) }],
  work(ctx) {
    const loop = einsumPlan(ctx).loop;
    if (!allNum(loop)) throw new Error('Einsum sizes are not known');
    const macs = loop.reduce((a, b) => a * b, 1);
    return { macs, flops: 2 * macs };
  },
});

// ---------------------------------------------------------------- element-wise

type NumFn = (x: number) => number;

function unary(
  ops: string | string[],
  category: 'activation' | 'elementwise',
  flops: number,
  fn?: NumFn,
  out?: DType,
): void {
  reg(ops, {
    category,
    infer(ctx) {
      const o = same(ctx);
      if (out) o.dtype = out;
      const v = numericValue(ctx.value(0));
      if (fn && v) o.value = v.map((x) => castNumber(fn(x), o.dtype));
      return [o];
    },
    work: (_ctx, outs) => ({ macs: 0, flops: flops * elems(outs[0]) }),
  });
}

unary('Relu', 'activation', 1, (x) => Math.max(0, x));
unary('Relu6', 'activation', 1, (x) => Math.min(6, Math.max(0, x)));
unary('LeakyRelu', 'activation', 2);
unary(['Elu', 'Selu', 'Sigmoid', 'Tanh', 'Softplus', 'Softsign', 'Erf'], 'activation', T);
unary(['Softmax', 'LogSoftmax'], 'activation', T);
unary(
  ['Exp', 'Log', 'Log1p', 'Expm1', 'Sin', 'Cos', 'Tan', 'Atan', 'Asin', 'Acos', 'Sinh', 'Cosh', 'Atanh'],
  'elementwise',
  T,
);
unary('Sqrt', 'elementwise', T, Math.sqrt);
unary('Rsqrt', 'elementwise', T, (x) => 1 / Math.sqrt(x));
unary('Square', 'elementwise', 1, (x) => x * x);
unary('Neg', 'elementwise', 1, (x) => -x);
unary('Abs', 'elementwise', 1, Math.abs);
unary('Floor', 'elementwise', 1, Math.floor);
unary('Ceil', 'elementwise', 1, Math.ceil);
unary('Round', 'elementwise', 1, Math.round);
unary('Sign', 'elementwise', 1, Math.sign);
unary('Reciprocal', 'elementwise', 1, (x) => 1 / x);
unary('LogicalNot', 'elementwise', 1, (x) => (x ? 0 : 1), 'bool');
unary(['IsNan', 'IsInf', 'IsFinite'], 'elementwise', 1, undefined, 'bool');
unary(['ZerosLike', 'OnesLike'], 'elementwise', 0);

// Pass-through ops keep shape and known values.
reg(['Identity', 'StopGradient', 'Snapshot', 'PreventGradient', 'EnsureShape', 'CheckNumerics'], {
  category: 'data-movement',
  infer(ctx) {
    const o = same(ctx);
    const v = ctx.value(0);
    if (v) o.value = v;
    return [o];
  },
});

reg('IdentityN', {
  category: 'data-movement',
  infer: (ctx) => ctx.inputs.map((_, i) => same(ctx, i)),
});

reg('Cast', {
  category: 'elementwise',
  infer(ctx) {
    const o = same(ctx);
    o.dtype = attrDType(ctx.node, 'DstT', o.dtype);
    const v = ctx.value(0);
    if (v) o.value = v.map((x) => (isNum(x) ? castNumber(x, o.dtype) : x));
    return [o];
  },
  work: (_ctx, outs) => ({ macs: 0, flops: elems(outs[0]) }),
});

type BinFn = (a: Dim, b: Dim, dtype: DType) => Dim | undefined;

function num2(f: (a: number, b: number) => number): BinFn {
  return (a, b, dtype) => (isNum(a) && isNum(b) ? castNumber(f(a, b), dtype) : undefined);
}

function cmp(f: (a: number, b: number) => boolean): BinFn {
  return (a, b) => (isNum(a) && isNum(b) ? (f(a, b) ? 1 : 0) : undefined);
}

/** Broadcasting n-ary op with optional value propagation (shape arithmetic on int tensors). */
function broadcast(
  ops: string | string[],
  category: 'elementwise' | 'activation',
  opts: { fn?: BinFn; out?: DType; flops?: number; first?: number } = {},
): void {
  const first = opts.first ?? 0;
  reg(ops, {
    category,
    infer(ctx) {
      const idx = ctx.inputs.map((_, i) => i).filter((i) => i >= first && ctx.inputs[i]);
      if (idx.length === 0) throw new Error('no inputs');
      const shapes = idx.map((i) => inShape(ctx, i));
      const dtype = opts.out ?? inDType(ctx, idx[0]);
      const o: OutputInfo = { shape: broadcastShapes(shapes), dtype };
      const fn = opts.fn;
      const vals = idx.map((i) => ctx.value(i));
      if (fn && vals.every((v) => v !== undefined) && (numel(o.shape) ?? Infinity) <= MAX_VALUE_ELEMS) {
        const inType = inDType(ctx, idx[0]);
        const v = broadcastValues(shapes, vals as Dim[][], (xs) => {
          let acc: Dim | undefined = xs[0];
          for (let k = 1; k < xs.length && acc !== undefined; k++) acc = fn(acc, xs[k], inType);
          return acc;
        });
        if (v) o.value = v;
      }
      return [o];
    },
    work(ctx, outs) {
      const inputs = ctx.inputs.filter((t, i) => t && i >= first).length;
      return { macs: 0, flops: (opts.flops ?? 1) * Math.max(1, inputs - 1) * elems(outs[0]) };
    },
  });
}

const add: BinFn = (a, b, t) => (isNum(a) && isNum(b) ? castNumber(a + b, t) : dimAdd(a, b));
broadcast(['Add', 'AddV2', 'AddN', 'BiasAdd'], 'elementwise', { fn: add });
broadcast('Sub', 'elementwise', {
  fn: (a, b, t) => (isNum(a) && isNum(b) ? castNumber(a - b, t) : dimSub(a, b)),
});
broadcast('Mul', 'elementwise', {
  fn: (a, b, t) => (isNum(a) && isNum(b) ? castNumber(a * b, t) : dimMul(a, b)),
});
broadcast(['RealDiv', 'Div', 'DivNoNan'], 'elementwise', {
  fn: (a, b, t) => {
    if (isNum(a) && isNum(b)) return castNumber(isIntType(t) ? Math.trunc(a / b) : a / b, t);
    return isIntType(t) ? dimFloorDiv(a, b) : undefined;
  },
});
broadcast('FloorDiv', 'elementwise', {
  fn: (a, b, t) => (isNum(a) && isNum(b) ? castNumber(Math.floor(a / b), t) : dimFloorDiv(a, b)),
});
broadcast('FloorMod', 'elementwise', { fn: num2((a, b) => a - Math.floor(a / b) * b) });
broadcast('Maximum', 'elementwise', { fn: num2(Math.max) });
broadcast('Minimum', 'elementwise', { fn: num2(Math.min) });
broadcast('Pow', 'elementwise', { fn: num2((a, b) => a ** b), flops: T });
broadcast('SquaredDifference', 'elementwise', { fn: num2((a, b) => (a - b) * (a - b)), flops: 2 });
broadcast('Prelu', 'activation', { flops: 2 });
broadcast('Equal', 'elementwise', { fn: cmp((a, b) => a === b), out: 'bool' });
broadcast('NotEqual', 'elementwise', { fn: cmp((a, b) => a !== b), out: 'bool' });
broadcast('Less', 'elementwise', { fn: cmp((a, b) => a < b), out: 'bool' });
broadcast('LessEqual', 'elementwise', { fn: cmp((a, b) => a <= b), out: 'bool' });
broadcast('Greater', 'elementwise', { fn: cmp((a, b) => a > b), out: 'bool' });
broadcast('GreaterEqual', 'elementwise', { fn: cmp((a, b) => a >= b), out: 'bool' });
broadcast('LogicalAnd', 'elementwise', { fn: num2((a, b) => (a && b ? 1 : 0)), out: 'bool' });
broadcast('LogicalOr', 'elementwise', { fn: num2((a, b) => (a || b ? 1 : 0)), out: 'bool' });
// Select/SelectV2(cond, a, b): shape of the broadcast, dtype of a.
reg(['Select', 'SelectV2'], {
  category: 'elementwise',
  infer: (ctx) => [
    { shape: broadcastShapes([inShape(ctx, 0), inShape(ctx, 1), inShape(ctx, 2)]), dtype: inDType(ctx, 1) },
  ],
  work: (_ctx, outs) => ({ macs: 0, flops: elems(outs[0]) }),
});
reg('ClipByValue', {
  category: 'activation',
  infer: (ctx) => [same(ctx)],
  work: (_ctx, outs) => ({ macs: 0, flops: 2 * elems(outs[0]) }),
});

// ---------------------------------------------------------------- normalization and pooling

// FusedBatchNorm(x, scale, offset, mean, variance): y plus per-channel statistics outputs.
reg(['FusedBatchNorm', 'FusedBatchNormV2', 'FusedBatchNormV3'], {
  category: 'normalization',
  infer(ctx) {
    const y = same(ctx);
    const x = inShape(ctx, 0);
    const c: Dim =
      x.length === 4 ? x[layout(ctx.node).c] : (ctx.inputs[1]?.shape?.[0] ?? freshSymbol(ctx, 1, 0));
    const stat: OutputInfo = { shape: [c], dtype: 'float32' };
    return [
      y,
      ...ctx.node.outputs
        .slice(1)
        .map((name) => (name.endsWith(':5') ? { shape: null, dtype: 'float32' as const } : stat)),
    ];
  },
  work: (_ctx, outs) => ({ macs: 0, flops: 2 * elems(outs[0]) }),
});

reg(['LRN'], {
  category: 'normalization',
  infer: (ctx) => [same(ctx)],
  work: (ctx, outs) => ({ macs: 0, flops: (2 * attrInt(ctx.node, 'depth_radius', 5) + 4) * elems(outs[0]) }),
});

reg(['MaxPool', 'AvgPool'], {
  category: 'pooling',
  infer(ctx) {
    const k = quad(ctx.node, 'ksize');
    const l = layout(ctx.node);
    const x = rank4(ctx, 0);
    return [{ shape: slidingShape(ctx, k[l.h], k[l.w], x[l.c], true), dtype: inDType(ctx, 0) }];
  },
  work(ctx, outs) {
    const k = quad(ctx.node, 'ksize');
    const l = layout(ctx.node);
    return { macs: 0, flops: elems(outs[0]) * k[l.h] * k[l.w] };
  },
});

// ---------------------------------------------------------------- reductions

function reduceAxes(ctx: OpContext, rank: number): number[] {
  const v = maybeNumValue(ctx, 1);
  if (!v) throw new Error('reduction axes are not known before run time');
  return [...new Set(v.map((a) => normAxis(a, rank)))];
}

const REDUCE_VALUE: Record<string, (xs: Dim[]) => Dim | undefined> = {
  Sum: (xs) => (allNum(xs) ? xs.reduce((a, b) => a + b, 0) : undefined),
  Prod: (xs) => dimProduct(xs),
  Max: (xs) => (allNum(xs) ? Math.max(...xs) : undefined),
  Min: (xs) => (allNum(xs) ? Math.min(...xs) : undefined),
};

reg(['Mean', 'Sum', 'Max', 'Min', 'Prod', 'All', 'Any', 'EuclideanNorm'], {
  category: 'reduction',
  infer(ctx) {
    const x = inShape(ctx, 0);
    const axes = reduceAxes(ctx, x.length);
    const keep = bool(ctx.node, 'keep_dims');
    const shape: Dim[] = [];
    x.forEach((d, i) => {
      if (!axes.includes(i)) shape.push(d);
      else if (keep) shape.push(1);
    });
    const o: OutputInfo = { shape, dtype: inDType(ctx, 0) };
    // Shape arithmetic: reducing a whole 1-D int vector (e.g. Prod of a shape slice).
    const v = ctx.value(0);
    const fn = REDUCE_VALUE[ctx.node.op];
    if (fn && v && x.length === 1 && axes.length === 1) {
      const r = fn(v);
      if (r !== undefined) o.value = [r];
    }
    return [o];
  },
  work: (ctx) => ({ macs: 0, flops: elems(ctx.inputs[0]) }),
});

reg(['ArgMax', 'ArgMin'], {
  category: 'reduction',
  infer(ctx) {
    const x = inShape(ctx, 0);
    const axis = normAxis(numValue(ctx, 1, 'dimension')[0], x.length);
    return [{ shape: x.filter((_, i) => i !== axis), dtype: attrDType(ctx.node, 'output_type', 'int64') }];
  },
  work: (ctx) => ({ macs: 0, flops: elems(ctx.inputs[0]) }),
});

reg('TopKV2', {
  category: 'reduction',
  infer(ctx) {
    const x = inShape(ctx, 0);
    if (x.length === 0) throw new Error('TopKV2 of a scalar');
    const k: Dim = scalarValue(ctx, 1) ?? freshSymbol(ctx, 0, x.length - 1);
    const shape = [...x.slice(0, -1), k];
    return [
      { shape, dtype: inDType(ctx, 0) },
      { shape, dtype: 'int32' },
    ];
  },
  // A selection pass over the last axis: about n·log2(k) comparisons per row.
  work(ctx, outs) {
    const k = numShape(outs[0]).at(-1) ?? 1;
    return { macs: 0, flops: elems(ctx.inputs[0]) * Math.max(1, Math.ceil(Math.log2(Math.max(2, k)))) };
  },
});

// ---------------------------------------------------------------- resize and space/depth

reg(['ResizeBilinear', 'ResizeNearestNeighbor', 'ResizeBicubic', 'ResizeArea'], {
  category: 'data-movement',
  infer(ctx) {
    const x = rank4(ctx, 0);
    const size: Dim[] = ctx.value(1) ?? [freshSymbol(ctx, 0, 1), freshSymbol(ctx, 0, 2)];
    if (size.length !== 2) throw new Error('size should have 2 elements');
    return [
      {
        shape: [x[0], size[0], size[1], x[3]],
        dtype: ctx.node.op === 'ResizeNearestNeighbor' ? inDType(ctx, 0) : 'float32',
      },
    ];
  },
  work(ctx, outs) {
    const perElem =
      ctx.node.op === 'ResizeNearestNeighbor'
        ? 0
        : ctx.node.op === 'ResizeBicubic'
          ? 4 * BILINEAR_FLOPS
          : BILINEAR_FLOPS;
    return { macs: 0, flops: perElem * elems(outs[0]) };
  },
});

reg(['DepthToSpace', 'SpaceToDepth'], {
  category: 'data-movement',
  infer(ctx) {
    const x = rank4(ctx, 0);
    const b = attrInt(ctx.node, 'block_size', 2);
    const l = layout(ctx.node);
    const out = [...x];
    const up = ctx.node.op === 'DepthToSpace';
    out[l.h] = up ? dimMul(x[l.h], b) : dimFloorDiv(x[l.h], b);
    out[l.w] = up ? dimMul(x[l.w], b) : dimFloorDiv(x[l.w], b);
    out[l.c] = up ? dimFloorDiv(x[l.c], b * b) : dimMul(x[l.c], b * b);
    return [{ shape: out, dtype: inDType(ctx, 0) }];
  },
});

// SpaceToBatchND(x, block_shape, paddings) / BatchToSpaceND(x, block_shape, crops): atrous-conv wrappers.
reg(['SpaceToBatchND', 'BatchToSpaceND'], {
  category: 'data-movement',
  infer(ctx) {
    const x = inShape(ctx, 0);
    const block = numValue(ctx, 1, 'block_shape');
    const pads = numValue(ctx, 2, ctx.node.op === 'SpaceToBatchND' ? 'paddings' : 'crops');
    const prod = block.reduce((a, b) => a * b, 1);
    const out = [...x];
    const toBatch = ctx.node.op === 'SpaceToBatchND';
    out[0] = toBatch ? dimMul(x[0], prod) : dimFloorDiv(x[0], prod);
    block.forEach((b, i) => {
      const extra = pads[2 * i] + pads[2 * i + 1];
      out[1 + i] = toBatch ? dimFloorDiv(dimAdd(x[1 + i], extra), b) : dimSub(dimMul(x[1 + i], b), extra);
    });
    return [{ shape: out, dtype: inDType(ctx, 0) }];
  },
});

// ---------------------------------------------------------------- shape manipulation

reg('Shape', {
  category: 'data-movement',
  infer(ctx) {
    const x = inShape(ctx, 0);
    return [{ shape: [x.length], dtype: attrDType(ctx.node, 'out_type', 'int32'), value: [...x] }];
  },
});

reg('Size', {
  category: 'data-movement',
  infer(ctx) {
    const x = inShape(ctx, 0);
    return [{ shape: [], dtype: attrDType(ctx.node, 'out_type', 'int32'), value: [dimProduct(x)] }];
  },
});

reg('Rank', {
  category: 'data-movement',
  infer: (ctx) => [{ shape: [], dtype: 'int32', value: [inShape(ctx, 0).length] }],
});

/** TF Reshape: -1 takes what is left; 0 is a real zero (unlike ONNX). Symbols cancel when they match. */
function reshapeTarget(ctx: OpContext, x: Dim[] | null, target: Dim[]): Dim[] {
  const hole = target.indexOf(-1);
  if (hole < 0) return target;
  if (!x) return target.map((d, i) => (i === hole ? freshSymbol(ctx, 0, i) : d));
  const rest = [...x];
  let known = 1;
  for (const [i, d] of target.entries()) {
    if (i === hole) continue;
    if (isNum(d)) known *= d;
    else {
      const j = rest.indexOf(d);
      if (j < 0) return target.map((e, k) => (k === hole ? freshSymbol(ctx, 0, k) : e));
      rest.splice(j, 1);
    }
  }
  const numeric = rest.filter(isNum).reduce((a, b) => a * b, 1);
  const symbols = rest.filter((d) => !isNum(d));
  let fill: Dim;
  if (known === 0 || numeric % known !== 0) fill = symbols.length ? freshSymbol(ctx, 0, hole) : 0;
  else fill = dimMul(numeric / known, dimProduct(symbols));
  return target.map((d, i) => (i === hole ? fill : d));
}

reg('Reshape', {
  category: 'data-movement',
  infer(ctx) {
    const x = ctx.inputs[0]?.shape ?? null;
    const target = ctx.value(1);
    let shape: Dim[] | null;
    if (target) shape = reshapeTarget(ctx, x, target);
    else {
      const s = ctx.inputs[1]?.shape;
      shape =
        s && s.length === 1 && isNum(s[0])
          ? Array.from({ length: s[0] }, (_, i) => freshSymbol(ctx, 0, i))
          : null;
    }
    const o: OutputInfo = { shape, dtype: inDType(ctx, 0) };
    const v = ctx.value(0);
    if (v) o.value = v;
    return [o];
  },
});

reg('Squeeze', {
  category: 'data-movement',
  infer(ctx) {
    const x = inShape(ctx, 0);
    const listed = attrInts(ctx.node, 'squeeze_dims') ?? attrInts(ctx.node, 'axis') ?? [];
    const axes = listed.map((a) => normAxis(a, x.length));
    const shape = x.filter((d, i) => (axes.length ? !axes.includes(i) : d !== 1));
    const o: OutputInfo = { shape, dtype: inDType(ctx, 0) };
    const v = ctx.value(0);
    if (v) o.value = v;
    return [o];
  },
});

reg('ExpandDims', {
  category: 'data-movement',
  infer(ctx) {
    const x = inShape(ctx, 0);
    const a = numValue(ctx, 1, 'axis')[0];
    const axis = normAxis(a, x.length + 1);
    const shape = [...x.slice(0, axis), 1, ...x.slice(axis)];
    const o: OutputInfo = { shape, dtype: inDType(ctx, 0) };
    const v = ctx.value(0);
    if (v) o.value = v;
    return [o];
  },
});

reg('Transpose', {
  category: 'data-movement',
  infer(ctx) {
    const x = inShape(ctx, 0);
    const perm = maybeNumValue(ctx, 1);
    if (!perm) return [{ shape: x.map((_, i) => freshSymbol(ctx, 0, i)), dtype: inDType(ctx, 0) }];
    if (perm.length !== x.length) throw new Error(`perm has ${perm.length} entries for rank ${x.length}`);
    return [{ shape: perm.map((p) => x[normAxis(p, x.length)]), dtype: inDType(ctx, 0) }];
  },
});

/** One axis of a slice: output size and, for known sizes, the source indices. */
interface AxisSlice {
  size: Dim;
  indices?: number[];
}

function sliceAxis(
  d: Dim,
  begin: number,
  end: number,
  stride: number,
  beginAll: boolean,
  endAll: boolean,
): AxisSlice {
  if (stride === 0) throw new Error('slice stride is 0');
  if (isNum(d)) {
    const clamp = (x: number): number => {
      const y = x < 0 ? x + d : x;
      return stride > 0 ? Math.min(Math.max(y, 0), d) : Math.min(Math.max(y, -1), d - 1);
    };
    const b = beginAll ? (stride > 0 ? 0 : d - 1) : clamp(begin);
    const e = endAll ? (stride > 0 ? d : -1) : clamp(end);
    const indices: number[] = [];
    for (let i = b; stride > 0 ? i < e : i > e; i += stride) indices.push(i);
    return { size: indices.length, indices };
  }
  // Symbolic length: the common forward cases, else a fresh symbol.
  if (stride > 0) {
    const b = beginAll ? 0 : begin;
    const toEnd = endAll || end >= INT32_MAX;
    if (b >= 0 && toEnd) return { size: dimCeilDiv(dimSub(d, b), stride) };
    if (b < 0 && toEnd && stride === 1) return { size: -b };
    if (b >= 0 && end >= 0 && !toEnd) return { size: Math.ceil((end - b) / stride) };
    if (b >= 0 && end < 0 && stride === 1) return { size: dimSub(dimAdd(d, end), b) };
  }
  return { size: `?slice(${d})` };
}

function bits(mask: number, i: number): boolean {
  return ((mask >> i) & 1) === 1;
}

/** Gathers known values of a rank-1 tensor at `indices`. */
function pick(v: Dim[] | undefined, indices: number[] | undefined): Dim[] | undefined {
  if (!v || !indices) return undefined;
  const out = indices.map((i) => v[i]);
  return out.every((x) => x !== undefined) ? out : undefined;
}

reg('StridedSlice', {
  category: 'data-movement',
  infer(ctx) {
    const x = inShape(ctx, 0);
    const begin = maybeNumValue(ctx, 1);
    const end = maybeNumValue(ctx, 2);
    const stridesV = maybeNumValue(ctx, 3);
    const node = ctx.node;
    const [bm, em, elm, nam, sam] = [
      'begin_mask',
      'end_mask',
      'ellipsis_mask',
      'new_axis_mask',
      'shrink_axis_mask',
    ].map((m) => attrInt(node, m, 0));
    const n = begin?.length ?? numShape(ctx.inputs[1])[0];
    // Input dims consumed by entries that are neither the ellipsis nor new axes.
    let consumed = 0;
    for (let i = 0; i < n; i++) if (!bits(elm, i) && !bits(nam, i)) consumed++;
    const shape: Dim[] = [];
    let firstIndices: number[] | undefined;
    let dim = 0;
    let sawEllipsis = false;
    for (let i = 0; i < n; i++) {
      if (bits(elm, i)) {
        sawEllipsis = true;
        const span = x.length - consumed;
        for (let k = 0; k < span; k++) shape.push(x[dim++]);
        continue;
      }
      if (bits(nam, i)) {
        shape.push(1);
        continue;
      }
      if (dim >= x.length) throw new Error('slice has more entries than the input has dims');
      const d = x[dim];
      if (!begin || !end || !stridesV) {
        if (!bits(sam, i)) shape.push(freshSymbol(ctx, 0, shape.length));
        dim++;
        continue;
      }
      if (bits(sam, i)) {
        const b = begin[i] < 0 && isNum(d) ? begin[i] + d : begin[i];
        if (dim === 0) firstIndices = [b];
        dim++;
        continue;
      }
      const s = sliceAxis(d, begin[i], end[i], stridesV[i], bits(bm, i), bits(em, i));
      if (dim === 0) firstIndices = s.indices;
      shape.push(s.size);
      dim++;
    }
    if (!sawEllipsis) while (dim < x.length) shape.push(x[dim++]);
    const o: OutputInfo = { shape, dtype: inDType(ctx, 0) };
    if (x.length === 1) {
      const v = pick(ctx.value(0), firstIndices);
      if (v) o.value = v;
    }
    return [o];
  },
});

reg('Slice', {
  category: 'data-movement',
  infer(ctx) {
    const x = inShape(ctx, 0);
    const begin = maybeNumValue(ctx, 1);
    const size = maybeNumValue(ctx, 2);
    if (!begin || !size) return [{ shape: x.map((_, i) => freshSymbol(ctx, 0, i)), dtype: inDType(ctx, 0) }];
    const shape = x.map((d, i) => (size[i] === -1 ? dimSub(d, begin[i]) : size[i]));
    const o: OutputInfo = { shape, dtype: inDType(ctx, 0) };
    const v = ctx.value(0);
    if (v && x.length === 1 && isNum(shape[0])) o.value = v.slice(begin[0], begin[0] + shape[0]);
    return [o];
  },
});

reg(['Pad', 'PadV2', 'MirrorPad'], {
  category: 'data-movement',
  infer(ctx) {
    const x = inShape(ctx, 0);
    const p = maybeNumValue(ctx, 1);
    if (!p) return [{ shape: x.map((_, i) => freshSymbol(ctx, 0, i)), dtype: inDType(ctx, 0) }];
    if (p.length !== 2 * x.length) throw new Error(`paddings has ${p.length} values for rank ${x.length}`);
    return [{ shape: x.map((d, i) => dimAdd(d, p[2 * i] + p[2 * i + 1])), dtype: inDType(ctx, 0) }];
  },
});

reg('Tile', {
  category: 'data-movement',
  infer(ctx) {
    const x = inShape(ctx, 0);
    const m = maybeNumValue(ctx, 1);
    return [
      { shape: x.map((d, i) => (m ? dimMul(d, m[i]) : freshSymbol(ctx, 0, i))), dtype: inDType(ctx, 0) },
    ];
  },
});

reg('BroadcastTo', {
  category: 'data-movement',
  infer(ctx) {
    const target = ctx.value(1);
    if (!target) throw new Error('target shape is not known before run time');
    return [{ shape: broadcastShapes([inShape(ctx, 0), target]), dtype: inDType(ctx, 0) }];
  },
});

reg('Fill', {
  category: 'data-movement',
  infer(ctx) {
    const dims = ctx.value(0);
    const dtype = inDType(ctx, 1);
    if (!dims) {
      const s = ctx.inputs[0]?.shape;
      const r = s && isNum(s[0]) ? s[0] : undefined;
      return [
        {
          shape: r === undefined ? null : Array.from({ length: r }, (_, i) => freshSymbol(ctx, 0, i)),
          dtype,
        },
      ];
    }
    const o: OutputInfo = { shape: [...dims], dtype };
    const count = numel(dims);
    const fill = ctx.value(1);
    if (count !== undefined && count <= MAX_VALUE_ELEMS && fill && fill.length === 1)
      o.value = new Array<Dim>(count).fill(fill[0]);
    return [o];
  },
});

reg('Range', {
  category: 'data-movement',
  infer(ctx) {
    const [start, limit, delta] = [0, 1, 2].map((i) => scalarValue(ctx, i));
    const dtype = attrDType(ctx.node, 'Tidx', inDType(ctx, 0));
    if (start === undefined || limit === undefined || delta === undefined)
      return [{ shape: [freshSymbol(ctx, 0, 0)], dtype }];
    const count = Math.max(0, Math.ceil((limit - start) / delta));
    const o: OutputInfo = { shape: [count], dtype };
    if (count <= MAX_VALUE_ELEMS) o.value = Array.from({ length: count }, (_, k) => start + k * delta);
    return [o];
  },
});

reg('ConcatV2', {
  category: 'data-movement',
  infer(ctx) {
    const last = ctx.inputs.length - 1;
    const parts = ctx.inputs.slice(0, last).map((_, i) => inShape(ctx, i));
    if (parts.length === 0) throw new Error('nothing to concatenate');
    const axis = normAxis(numValue(ctx, last, 'axis')[0], parts[0].length);
    const shape = [...parts[0]];
    shape[axis] = parts.slice(1).reduce<Dim>((acc, p) => dimAdd(acc, p[axis]), parts[0][axis]);
    const o: OutputInfo = { shape, dtype: inDType(ctx, 0) };
    if (shape.length === 1) {
      const vals = parts.map((_, i) => ctx.value(i));
      if (vals.every((v) => v !== undefined)) o.value = vals.flat() as Dim[];
    }
    return [o];
  },
});

reg('Pack', {
  category: 'data-movement',
  infer(ctx) {
    const parts = ctx.inputs.map((_, i) => inShape(ctx, i));
    const base = parts[0];
    const axis = normAxis(attrInt(ctx.node, 'axis', 0), base.length + 1);
    const shape = [...base.slice(0, axis), parts.length, ...base.slice(axis)];
    const o: OutputInfo = { shape, dtype: inDType(ctx, 0) };
    if (base.length === 0) {
      const vals = parts.map((_, i) => ctx.value(i));
      if (vals.every((v) => v && v.length === 1)) o.value = vals.map((v) => v![0]);
    }
    return [o];
  },
});

reg('Unpack', {
  category: 'data-movement',
  infer(ctx) {
    const x = inShape(ctx, 0);
    const axis = normAxis(attrInt(ctx.node, 'axis', 0), x.length);
    const shape = x.filter((_, i) => i !== axis);
    const v = x.length === 1 ? ctx.value(0) : undefined;
    return ctx.node.outputs.map((_, k) => {
      const o: OutputInfo = { shape, dtype: inDType(ctx, 0) };
      if (v && v[k] !== undefined) o.value = [v[k]];
      return o;
    });
  },
});

/** One output per size along `axis`. */
function splitShapes(x: Dim[], axis: number, sizes: Dim[], dtype: DType): OutputInfo[] {
  return sizes.map((s) => {
    const shape = [...x];
    shape[axis] = s;
    return { shape, dtype };
  });
}

// Split(split_dim, value) — the axis comes first.
reg('Split', {
  category: 'data-movement',
  infer(ctx) {
    const x = inShape(ctx, 1);
    const axis = normAxis(numValue(ctx, 0, 'split_dim')[0], x.length);
    const parts = attrInt(ctx.node, 'num_split', ctx.node.outputs.length);
    const size = dimFloorDiv(x[axis], parts);
    return splitShapes(x, axis, new Array<Dim>(parts).fill(size), inDType(ctx, 1));
  },
});

// SplitV(value, size_splits, split_dim); one size may be -1 (the rest).
reg('SplitV', {
  category: 'data-movement',
  infer(ctx) {
    const x = inShape(ctx, 0);
    const axis = normAxis(numValue(ctx, 2, 'split_dim')[0], x.length);
    const sizes = numValue(ctx, 1, 'size_splits');
    const hole = sizes.indexOf(-1);
    const known = sizes.filter((s) => s >= 0).reduce((a, b) => a + b, 0);
    const dims: Dim[] = sizes.map((s, i) => (i === hole ? dimSub(x[axis], known) : s));
    return splitShapes(x, axis, dims, inDType(ctx, 0));
  },
});

// GatherV2(params, indices, axis) with batch_dims: params[:axis] + indices[batch_dims:] + params[axis+1:].
reg('GatherV2', {
  category: 'data-movement',
  infer(ctx) {
    const p = inShape(ctx, 0);
    const idx = inShape(ctx, 1);
    const axis = normAxis(numValue(ctx, 2, 'axis')[0], p.length);
    const batchDims = attrInt(ctx.node, 'batch_dims', 0);
    const bd = batchDims < 0 ? batchDims + idx.length : batchDims;
    const shape = [...p.slice(0, axis), ...idx.slice(bd), ...p.slice(axis + 1)];
    const o: OutputInfo = { shape, dtype: inDType(ctx, 0) };
    const pv = ctx.value(0);
    const iv = maybeNumValue(ctx, 1);
    if (p.length === 1 && pv && iv) {
      const v = iv.map((i) => pv[i < 0 ? i + pv.length : i]);
      if (v.every((e) => e !== undefined)) o.value = v;
    }
    return [o];
  },
});

// GatherNd(params, indices[..., k]): indices[:-1] + params[k:].
reg('GatherNd', {
  category: 'data-movement',
  infer(ctx) {
    const p = inShape(ctx, 0);
    const idx = inShape(ctx, 1);
    const k = numDim(idx.at(-1), 'index depth');
    return [{ shape: [...idx.slice(0, -1), ...p.slice(k)], dtype: inDType(ctx, 0) }];
  },
});

reg('OneHot', {
  category: 'data-movement',
  infer(ctx) {
    const idx = inShape(ctx, 0);
    const depth: Dim = scalarValue(ctx, 1) ?? freshSymbol(ctx, 0, idx.length);
    const a = attrInt(ctx.node, 'axis', -1);
    const axis = a < 0 ? idx.length : a;
    return [{ shape: [...idx.slice(0, axis), depth, ...idx.slice(axis)], dtype: inDType(ctx, 2) }];
  },
});

// ---------------------------------------------------------------- data-dependent outputs

// NonMaxSuppressionV3(boxes, scores, max_output_size, iou, score) → selected indices (count unknown).
// V4 adds pad_to_max_output_size and valid_outputs; V5 adds soft_nms_sigma and selected_scores.
reg(['NonMaxSuppressionV3', 'NonMaxSuppressionV4', 'NonMaxSuppressionV5'], {
  category: 'other',
  infer(ctx) {
    const max = scalarValue(ctx, 2);
    const padded = ctx.node.op === 'NonMaxSuppressionV4' && bool(ctx.node, 'pad_to_max_output_size');
    const count: Dim = padded && max !== undefined ? max : freshSymbol(ctx, 0, 0);
    const outs: OutputInfo[] = [{ shape: [count], dtype: 'int32' }];
    if (ctx.node.op === 'NonMaxSuppressionV4') outs.push({ shape: [], dtype: 'int32' });
    if (ctx.node.op === 'NonMaxSuppressionV5')
      outs.push({ shape: [count], dtype: inDType(ctx, 1) }, { shape: [], dtype: 'int32' });
    return outs;
  },
  // Greedy NMS: each kept box is compared (IoU, ~10 FLOPs) against the remaining candidates.
  work(ctx): OpWork {
    const n = elems(ctx.inputs[1]);
    const max = scalarValue(ctx, 2) ?? n;
    return { macs: 0, flops: 10 * n * Math.min(n, max) };
  },
});

// Where(cond) with one input: coordinates of true elements, [count, rank] int64.
reg('Where', {
  category: 'other',
  infer(ctx) {
    const x = inShape(ctx, 0);
    return [{ shape: [freshSymbol(ctx, 0, 0), x.length], dtype: 'int64' }];
  },
  work: (ctx) => ({ macs: 0, flops: elems(ctx.inputs[0]) }),
});

// ---------------------------------------------------------------- TF1 control flow and tensor lists
// Frozen TF1 while loops (Enter → Merge → Switch → … → NextIteration, Exit) appear in converted
// detection models. The loop body is costed once: these rules only carry shapes through the frame.

reg(['Enter', 'Exit', 'NextIteration', 'LoopCond'], {
  category: 'control-flow',
  infer: (ctx) => [same(ctx)],
});

// Switch(data, pred): both branches carry data's shape.
reg('Switch', {
  category: 'control-flow',
  infer: (ctx) => [same(ctx), same(ctx)],
});

// Merge: the first input whose shape is known (the loop's entry value; the back edge is not yet
// inferred when the cycle is visited), plus the index of the chosen input.
reg('Merge', {
  category: 'control-flow',
  infer(ctx) {
    const known = ctx.inputs.find((t) => t?.shape) ?? ctx.inputs.find((t) => t);
    if (!known) throw new Error('no inputs');
    return [
      { shape: known.shape, dtype: known.dtype },
      { shape: [], dtype: 'int32' },
    ];
  },
});

/** An element_shape input's values; -1 (unknown) dims become fresh symbols. */
function elementShape(ctx: OpContext, i: number, offset: number): Dim[] | null {
  const v = ctx.value(i);
  if (!v) return null;
  return v.map((d, k) => (isNum(d) && d < 0 ? freshSymbol(ctx, 0, k + offset) : d));
}

reg(['TensorListReserve', 'TensorListFromTensor', 'TensorListSetItem', 'TensorListPushBack'], {
  category: 'data-movement',
  infer: () => [{ shape: [], dtype: 'unknown' }],
});

reg('TensorListGetItem', {
  category: 'data-movement',
  infer: (ctx) => [
    { shape: elementShape(ctx, 2, 0), dtype: attrDType(ctx.node, 'element_dtype', 'float32') },
  ],
});

reg('TensorListStack', {
  category: 'data-movement',
  infer(ctx) {
    const el = elementShape(ctx, 1, 1);
    const n = attrInt(ctx.node, 'num_elements', -1);
    return [
      {
        shape: el ? [n >= 0 ? n : freshSymbol(ctx, 0, 0), ...el] : null,
        dtype: attrDType(ctx.node, 'element_dtype', 'float32'),
      },
    ];
  },
});
