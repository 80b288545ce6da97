// Normalisations. FLOPs per element: BatchNormalization (inference) 2 (scale and shift folded);
// Layer/Instance/Group normalisation NORM_FLOPS (5: mean, variance, subtract, divide, affine);
// LRN `size` + 3 (window sum of squares, pow, divide).
import type { Dim } from '../types.js';
import { attrInt } from './attrs.js';
import { elems, inDType, inShape } from './common.js';
import { normAxis } from './dims.js';
import { registerOp, type OutputInfo } from './registry.js';

export const NORM_FLOPS = 5;

registerOp('', 'BatchNormalization', {
  category: 'normalization',
  infer(ctx) {
    const x = inShape(ctx, 0);
    const outs: OutputInfo[] = [{ shape: x, dtype: inDType(ctx, 0) }];
    // Training-mode outputs (running/saved mean and variance) are per channel.
    for (let i = 1; i < ctx.node.outputs.length; i++) outs.push({ shape: [x[1]], dtype: inDType(ctx, 1) });
    return outs;
  },
  work: (_ctx, outs) => ({ macs: 0, flops: 2 * elems(outs[0]) }),
});

registerOp('', ['InstanceNormalization', 'MeanVarianceNormalization', 'LpNormalization'], {
  category: 'normalization',
  infer: (ctx) => [{ shape: inShape(ctx, 0), dtype: inDType(ctx, 0) }],
  work: (_ctx, outs) => ({ macs: 0, flops: NORM_FLOPS * elems(outs[0]) }),
});

registerOp('', 'GroupNormalization', {
  category: 'normalization',
  infer: (ctx) => [{ shape: inShape(ctx, 0), dtype: inDType(ctx, 0) }],
  work: (_ctx, outs) => ({ macs: 0, flops: NORM_FLOPS * elems(outs[0]) }),
});

// LayerNormalization: Y like X; optional Mean and InvStdDev keep the dims before `axis`, 1 after.
registerOp('', ['LayerNormalization', 'SimplifiedLayerNormalization'], {
  category: 'normalization',
  infer(ctx) {
    const x = inShape(ctx, 0);
    const axis = normAxis(attrInt(ctx.node, 'axis', -1), x.length);
    const stat: Dim[] = x.map((d, i) => (i < axis ? d : 1));
    const outs: OutputInfo[] = [{ shape: x, dtype: inDType(ctx, 0) }];
    for (let i = 1; i < ctx.node.outputs.length; i++) outs.push({ shape: stat, dtype: 'float32' });
    return outs;
  },
  work: (_ctx, outs) => ({ macs: 0, flops: NORM_FLOPS * elems(outs[0]) }),
});

registerOp('', 'LRN', {
  category: 'normalization',
  infer: (ctx) => [{ shape: inShape(ctx, 0), dtype: inDType(ctx, 0) }],
  work: (ctx, outs) => ({ macs: 0, flops: (attrInt(ctx.node, 'size', 1) + 3) * elems(outs[0]) }),
});
