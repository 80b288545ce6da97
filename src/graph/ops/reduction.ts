// Reductions, ArgMax/ArgMin and TopK. FLOPs: one per input element (2 for L2/LogSumExp/SumSquare
// which square or exponentiate first); TopK: input elements × log2(k + 1) comparisons.
import type { Dim } from '../types.js';
import { attrInt, attrInts } from './attrs.js';
import { elems, hasInput, inDType, inShape, maybeNumValue, numValue } from './common.js';
import { isNum, normAxis } from './dims.js';
import { registerOp, type OpContext, type OutputInfo } from './registry.js';

function reduceShape(x: Dim[], axes: number[] | undefined, keepDims: boolean, noopEmpty: boolean): Dim[] {
  if (!axes || axes.length === 0) {
    if (noopEmpty) return x;
    return keepDims ? x.map(() => 1) : [];
  }
  const set = new Set(axes.map((a) => normAxis(a, x.length)));
  const out: Dim[] = [];
  x.forEach((d, i) => {
    if (!set.has(i)) out.push(d);
    else if (keepDims) out.push(1);
  });
  return out;
}

const FOLD: Record<string, (v: number[]) => number> = {
  ReduceSum: (v) => v.reduce((a, b) => a + b, 0),
  ReduceProd: (v) => v.reduce((a, b) => a * b, 1),
  ReduceMax: (v) => Math.max(...v),
  ReduceMin: (v) => Math.min(...v),
};

function registerReduce(op: string, flopsPerElem: number): void {
  registerOp('', op, {
    category: 'reduction',
    infer(ctx: OpContext) {
      const x = inShape(ctx, 0);
      const axes = hasInput(ctx, 1) ? numValue(ctx, 1, 'axes') : attrInts(ctx.node, 'axes');
      const keep = attrInt(ctx.node, 'keepdims', 1) === 1;
      const noop = attrInt(ctx.node, 'noop_with_empty_axes', 0) === 1;
      const out: OutputInfo = { shape: reduceShape(x, axes, keep, noop), dtype: inDType(ctx, 0) };
      // Shape arithmetic sometimes multiplies all dims of a 1-D shape value.
      const v = maybeNumValue(ctx, 0);
      const fold = FOLD[op];
      if (fold && v && v.length > 0 && x.length === 1 && out.shape?.every((d) => d === 1))
        out.value = [fold(v)];
      return [out];
    },
    work: (ctx) => ({ macs: 0, flops: flopsPerElem * elems(ctx.inputs[0]) }),
  });
}

for (const op of [
  'ReduceMean',
  'ReduceSum',
  'ReduceMax',
  'ReduceMin',
  'ReduceProd',
  'ReduceL1',
  'ReduceLogSum',
]) {
  registerReduce(op, 1);
}
for (const op of ['ReduceL2', 'ReduceLogSumExp', 'ReduceSumSquare']) registerReduce(op, 2);

registerOp('', ['ArgMax', 'ArgMin'], {
  category: 'reduction',
  infer(ctx) {
    const x = inShape(ctx, 0);
    const axis = attrInt(ctx.node, 'axis', 0);
    return [{ shape: reduceShape(x, [axis], attrInt(ctx.node, 'keepdims', 1) === 1, false), dtype: 'int64' }];
  },
  work: (ctx) => ({ macs: 0, flops: elems(ctx.inputs[0]) }),
});

// TopK: k is an attribute before opset 10 and an input from 10.
registerOp('', 'TopK', {
  category: 'reduction',
  infer(ctx) {
    const x = inShape(ctx, 0);
    const axis = normAxis(attrInt(ctx.node, 'axis', -1), x.length);
    const k: Dim = hasInput(ctx, 1) ? numValue(ctx, 1, 'K')[0] : attrInt(ctx.node, 'k', 0);
    const shape = [...x];
    shape[axis] = k;
    return [
      { shape, dtype: inDType(ctx, 0) },
      { shape, dtype: 'int64' },
    ];
  },
  work(ctx, outs) {
    const k = outs[0].shape?.[normAxis(attrInt(ctx.node, 'axis', -1), outs[0].shape.length)];
    if (!isNum(k)) throw new Error('k unknown');
    return { macs: 0, flops: elems(ctx.inputs[0]) * Math.log2(k + 1) };
  },
});
