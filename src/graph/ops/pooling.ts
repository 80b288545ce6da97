// Pooling. FLOPs = output elements × kernel elements (one compare or add per window element);
// global pooling = input elements.
import type { Dim } from '../types.js';
import { attrInt, attrInts } from './attrs.js';
import { elems, inDType, inShape } from './common.js';
import { readWindow, windowOut } from './conv.js';
import { registerOp } from './registry.js';

registerOp('', ['MaxPool', 'AveragePool', 'LpPool'], {
  category: 'pooling',
  infer(ctx) {
    const x = inShape(ctx, 0);
    if (x.length < 3) throw new Error(`input rank ${x.length} < 3`);
    const kernel = attrInts(ctx.node, 'kernel_shape');
    if (!kernel) throw new Error('kernel_shape is required');
    const w = readWindow(ctx, kernel);
    const ceil = attrInt(ctx.node, 'ceil_mode', 0) === 1;
    const shape: Dim[] = [x[0], x[1]];
    for (let i = 0; i < kernel.length; i++) shape.push(windowOut(x[2 + i], w, i, ceil));
    const outs = [{ shape, dtype: inDType(ctx, 0) }];
    if (ctx.node.op === 'MaxPool' && ctx.node.outputs.length > 1)
      outs.push({ shape, dtype: 'int64' as const });
    return outs;
  },
  work(ctx, outs) {
    const kernel = attrInts(ctx.node, 'kernel_shape') ?? [];
    return { macs: 0, flops: elems(outs[0]) * kernel.reduce((a, b) => a * b, 1) };
  },
});

registerOp('', ['GlobalAveragePool', 'GlobalMaxPool', 'GlobalLpPool'], {
  category: 'pooling',
  infer(ctx) {
    const x = inShape(ctx, 0);
    if (x.length < 2) throw new Error(`input rank ${x.length} < 2`);
    return [{ shape: [x[0], x[1], ...x.slice(2).map(() => 1)], dtype: inDType(ctx, 0) }];
  },
  work: (ctx) => ({ macs: 0, flops: elems(ctx.inputs[0]) }),
});

registerOp('', 'MaxRoiPool', {
  category: 'pooling',
  infer(ctx) {
    const x = inShape(ctx, 0);
    const rois = inShape(ctx, 1);
    const pooled = attrInts(ctx.node, 'pooled_shape');
    if (!pooled) throw new Error('pooled_shape is required');
    return [{ shape: [rois[0], x[1], ...pooled], dtype: inDType(ctx, 0) }];
  },
});
