// EfficientNet-B0 against torchvision's published figures, its MBConv/SE structure, and a real run of the
// exported weightless model on onnxruntime-node.
import { describe, expect, it } from 'vitest';
import { graphCost } from '../../src/graph/cost.js';
import { efficientnetB0 } from '../../src/zoo/efficientnet.js';
import { expectWithin, inferred, opCount, runExported, shapeOf, weightCount } from './zoo-helpers.js';

// torchvision EfficientNet_B0_Weights.IMAGENET1K_V1 (docs page
// https://pytorch.org/vision/stable/models/generated/torchvision.models.efficientnet_b0.html):
// num_params 5,288,548 and GFLOPS 0.39. torchvision's "GFLOPS" (_ops) are GMACs of convs and linears
// (torchvision/models/efficientnet.py now stores _ops 0.386); num_params excludes BN running stats.
const PUBLISHED_MACS = 0.39e9;
const PUBLISHED_PARAMS = 5_288_548;

describe('EfficientNet-B0', () => {
  const g = inferred(efficientnetB0());

  it('is fully shape-inferred with known costs', () => {
    expect(g.name).toBe('efficientnet-b0');
    expect(g.source).toBe('zoo');
    expect(g.opsets).toEqual({ '': 17 });
    expect(g.inputs).toEqual(['input']);
    expect(shapeOf(g, 'input')).toEqual([1, 3, 224, 224]);
    expect(g.outputs.map((o) => shapeOf(g, o))).toEqual([[1, 1000]]);
    // Every tensor numeric and every cost known: zoo.test.ts checks that for each registered model.
    expect(graphCost(g).unknownCostNodes).toEqual([]);
  });

  it('matches torchvision’s MACs within 3%', () => {
    expectWithin(graphCost(g).macs, PUBLISHED_MACS);
  });

  it('matches torchvision’s parameter count within 3%', () => {
    expectWithin(weightCount(g, { bnRunningStats: false }), PUBLISHED_PARAMS);
  });

  it('has 16 MBConv blocks, each with one depthwise conv and one squeeze-excite', () => {
    const depthwise = g.nodes.filter((n) => n.op === 'Conv' && (n.attrs.group as number) > 1);
    expect(depthwise).toHaveLength(16);
    // SE gates: a Sigmoid feeding the channel-wise Mul of each block's `se` scope.
    expect(g.nodes.filter((n) => n.op === 'Mul' && n.id.endsWith('/se/mul'))).toHaveLength(16);
    // 16 SE squeezes plus the classifier's pool.
    expect(opCount(g, 'GlobalAveragePool')).toBe(17);
    // Convs: stem, 15 expands (not the ratio-1 first block), 16 depthwise, 2 × 16 SE, 16 projects, head.
    expect(opCount(g, 'Conv')).toBe(81);
    // SiLU = Sigmoid + Mul: stem, 15 expands, 16 depthwise, 16 inside SE, head (49); plus 16 SE gates.
    expect(opCount(g, 'Sigmoid')).toBe(49 + 16);
    expect(opCount(g, 'Mul')).toBe(49 + 16);
    // Identity shortcuts only where stride 1 and in == out: 1 + 1 + 2 + 2 + 3 across stages 2–6.
    expect(opCount(g, 'Add')).toBe(9);
    expect(opCount(g, 'BatchNormalization')).toBe(1 + 15 + 16 + 16 + 1);
  });

  it('sizes each squeeze from the block input, not the expanded width', () => {
    // features.2.0: 16 → expand 96 → squeeze max(1, 16 // 4) = 4; features.6.1: 192 → 1152 → 48.
    expect(shapeOf(g, 'features/2/0/se/conv.weight')).toEqual([4, 96, 1, 1]);
    expect(shapeOf(g, 'features/2/0/se/conv_1.weight')).toEqual([96, 4, 1, 1]);
    expect(shapeOf(g, 'features/6/1/se/conv.weight')).toEqual([48, 1152, 1, 1]);
    // The first block has expand ratio 1: no expand conv, SE squeeze = 32 // 4 = 8.
    expect(g.nodes.some((n) => n.id.startsWith('features/1/0/expand/'))).toBe(false);
    expect(shapeOf(g, 'features/1/0/se/conv.weight')).toEqual([8, 32, 1, 1]);
  });

  it('downsamples 224 → 7 and uses the stage kernels', () => {
    expect(shapeOf(g, 'features/0/silu/mul')).toEqual([1, 32, 112, 112]);
    expect(shapeOf(g, 'features/1/0/project/bn')).toEqual([1, 16, 112, 112]);
    expect(shapeOf(g, 'features/3/1/add')).toEqual([1, 40, 28, 28]);
    expect(shapeOf(g, 'features/7/0/project/bn')).toEqual([1, 320, 7, 7]);
    expect(shapeOf(g, 'features/8/silu/mul')).toEqual([1, 1280, 7, 7]);
    const kernels = g.nodes
      .filter((n) => n.op === 'Conv' && (n.attrs.group as number) > 1)
      .map((n) => (n.attrs.kernel_shape as number[])[0]);
    expect(kernels).toEqual([3, 3, 3, 5, 5, 3, 3, 3, 5, 5, 5, 5, 5, 5, 5, 3]);
  });

  it('exported with generated weights at 96×96, runs on onnxruntime-node', async () => {
    const small = inferred(efficientnetB0(96));
    expect(shapeOf(small, 'features/8/silu/mul')).toEqual([1, 1280, 3, 3]);
    await runExported(small);
  });
});
