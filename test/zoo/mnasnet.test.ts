// MnasNet 1.0 (B1) against torchvision's published figures, its `_stack` structure, and a real run of the
// exported weightless model on onnxruntime-node.
import { describe, expect, it } from 'vitest';
import { graphCost } from '../../src/graph/cost.js';
import type { Graph, Node } from '../../src/graph/types.js';
import { mnasnet10 } from '../../src/zoo/mnasnet.js';
import { inferred, itMatchesTorchvision, opCount, runExported, shapeOf } from './zoo-helpers.js';

// torchvision MNASNet1_0_Weights.IMAGENET1K_V1 (meta in torchvision/models/mnasnet.py; docs page
// https://pytorch.org/vision/stable/models/generated/torchvision.models.mnasnet1_0.html): num_params
// 4,383,312 and _ops 0.314, shown as GFLOPS 0.31. torchvision's "GFLOPS" are GMACs of convs and
// linears; num_params counts parameters, not BN running-stat buffers.
const PUBLISHED_MACS = 0.314e9;
const PUBLISHED_PARAMS = 4_383_312;

function depthwiseConvs(g: Graph): Node[] {
  return g.nodes.filter((n) => n.op === 'Conv' && (n.attrs.group as number) > 1);
}

describe('MnasNet 1.0', () => {
  const g = inferred(mnasnet10());

  it('infers [1, 1000] logits from a 224×224 input, through a [1, 1280, 7, 7] feature map', () => {
    expect(g.name).toBe('mnasnet1.0');
    expect(g.source).toBe('zoo');
    expect(g.opsets).toEqual({ '': 17 });
    expect(g.inputs).toEqual(['input']);
    expect(shapeOf(g, 'input')).toEqual([1, 3, 224, 224]);
    expect(g.outputs).toEqual(['classifier/1']);
    expect(shapeOf(g, 'classifier/1')).toEqual([1, 1000]);
    // layers.16 is the head's ReLU; the mean over H and W drops both axes.
    expect(shapeOf(g, 'layers/16')).toEqual([1, 1280, 7, 7]);
    expect(shapeOf(g, 'mean')).toEqual([1, 1280]);
    expect(graphCost(g).unknownCostNodes).toEqual([]);
  });

  itMatchesTorchvision(g, { macs: PUBLISHED_MACS, params: PUBLISHED_PARAMS });

  it('has 16 inverted residuals (3+3+3+2+4+1) plus the stem’s depthwise conv', () => {
    const blocks = new Set(g.nodes.map((n) => /^layers\/\d+\/\d+\//.exec(n.id)?.[0]).filter(Boolean));
    expect(blocks.size).toBe(16);
    expect(depthwiseConvs(g)).toHaveLength(17);
    // Each depthwise conv has as many groups as channels.
    for (const n of depthwiseConvs(g)) {
      const [out, inPerGroup] = g.tensors.get(n.inputs[1] ?? '')?.shape ?? [];
      expect([out, inPerGroup], n.id).toEqual([n.attrs.group, 1]);
    }
    // Kernels per stack: stem 3, then 3×3, 5×3, 5×3, 3×2, 5×4, 3×1.
    const kernels = depthwiseConvs(g).map((n) => (n.attrs.kernel_shape as number[])[0]);
    expect(kernels).toEqual([3, 3, 3, 3, 5, 5, 5, 5, 5, 5, 3, 3, 5, 5, 5, 5, 3]);
    expect(kernels.filter((k) => k === 5)).toHaveLength(10);
  });

  it('adds a shortcut to every block but the first of each stack (10), and has no squeeze-excite', () => {
    expect(opCount(g, 'Add')).toBe(2 + 2 + 2 + 1 + 3 + 0);
    expect(g.nodes.some((n) => n.id === 'layers/8/0/add')).toBe(false);
    expect(shapeOf(g, 'layers/9/2/add')).toEqual([1, 40, 28, 28]);
    expect(opCount(g, 'Sigmoid')).toBe(0);
    expect(opCount(g, 'Mul')).toBe(0);
    expect(opCount(g, 'GlobalAveragePool')).toBe(0);
    // Convs: stem 3, three per block, head; one BN each; ReLU after all but the linear 1×1s.
    expect(opCount(g, 'Conv')).toBe(3 + 3 * 16 + 1);
    expect(opCount(g, 'BatchNormalization')).toBe(3 + 3 * 16 + 1);
    expect(opCount(g, 'Relu')).toBe(2 + 2 * 16 + 1);
    expect(opCount(g, 'Gemm')).toBe(1);
  });

  it('uses torchvision’s module paths and widths', () => {
    expect(shapeOf(g, 'layers/0.weight')).toEqual([32, 3, 3, 3]);
    expect(shapeOf(g, 'layers/3.weight')).toEqual([32, 1, 3, 3]);
    expect(shapeOf(g, 'layers/7')).toEqual([1, 16, 112, 112]);
    // layers.8.0: 16 → expand ×3 = 48 → 3×3/2 depthwise → 24.
    expect(shapeOf(g, 'layers/8/0/layers/0.weight')).toEqual([48, 16, 1, 1]);
    expect(shapeOf(g, 'layers/8/0/layers/3')).toEqual([1, 48, 56, 56]);
    expect(shapeOf(g, 'layers/8/0/layers/6.weight')).toEqual([24, 48, 1, 1]);
    // layers.12.0: 96 → expand ×6 = 576 → 5×5/2 depthwise → 192.
    expect(shapeOf(g, 'layers/12/0/layers/3.weight')).toEqual([576, 1, 5, 5]);
    expect(shapeOf(g, 'layers/13/0/layers/7')).toEqual([1, 320, 7, 7]);
    expect(shapeOf(g, 'layers/14.weight')).toEqual([1280, 320, 1, 1]);
    expect(shapeOf(g, 'classifier/1.weight')).toEqual([1000, 1280]);
    // PyTorch's default BatchNorm2d eps.
    for (const n of g.nodes.filter((m) => m.op === 'BatchNormalization')) expect(n.attrs.epsilon).toBe(1e-5);
  });

  it('exported with generated weights at 96×96, runs on onnxruntime-node', async () => {
    const small = inferred(mnasnet10(96));
    expect(shapeOf(small, 'layers/16')).toEqual([1, 1280, 3, 3]);
    await runExported(small);
  });
});
