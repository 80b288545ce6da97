// ResNet-18 against torchvision's published figures, its structure and module names, and a real run of
// the exported weightless model on onnxruntime-node.
import { describe, expect, it } from 'vitest';
import { graphCost } from '../../src/graph/cost.js';
import type { Graph } from '../../src/graph/types.js';
import { resnet18 } from '../../src/zoo/resnet.js';
import { inferred, itMatchesTorchvision, opCount, runExported, shapeOf } from './zoo-helpers.js';

// torchvision ResNet18_Weights.IMAGENET1K_V1, meta in torchvision/models/resnet.py: num_params 11,689,512
// and _ops 1.814, which the weights docs (pytorch.org/vision/stable/models/generated/
// torchvision.models.resnet18.html) show as GFLOPS 1.81. torchvision's "GFLOPS" are GMACs of convs and
// linears; num_params counts parameters, not BN running-stat buffers.
const PUBLISHED_MACS = 1.81e9;
const PUBLISHED_PARAMS = 11_689_512;

function idsOf(g: Graph, op: string): string[] {
  return g.nodes.filter((n) => n.op === op).map((n) => n.id);
}

const G224 = inferred(resnet18());

describe('resnet18', () => {
  it('infers [1, 1000] logits from a 224×224 input, through a [1, 512, 7, 7] feature map', () => {
    expect(G224.name).toBe('resnet18');
    expect(G224.inputs).toEqual(['input']);
    expect(shapeOf(G224, 'input')).toEqual([1, 3, 224, 224]);
    expect(G224.outputs.map((o) => shapeOf(G224, o))).toEqual([[1, 1000]]);
    // The last block's output, which the average pool reads.
    expect(shapeOf(G224, 'layer4/1/relu_1')).toEqual([1, 512, 7, 7]);
    expect(graphCost(G224).unknownCostNodes).toEqual([]);
  });

  itMatchesTorchvision(G224, { macs: PUBLISHED_MACS, params: PUBLISHED_PARAMS });

  it('has 8 basic blocks: 20 bias-free convs with a BN each, 8 residual Adds, 3 projections, one fc', () => {
    const convs = G224.nodes.filter((n) => n.op === 'Conv');
    // Stem + 2 per block + the 3 projection shortcuts of layers 2–4 (layer1 keeps 64 channels at stride 1).
    expect(convs).toHaveLength(1 + 2 * 8 + 3);
    for (const c of convs) expect(c.inputs, c.id).toHaveLength(2);
    expect(opCount(G224, 'BatchNormalization')).toBe(convs.length);
    expect(opCount(G224, 'Add')).toBe(8);
    expect(idsOf(G224, 'Conv').filter((id) => id.includes('downsample'))).toEqual([
      'layer2/0/downsample/0',
      'layer3/0/downsample/0',
      'layer4/0/downsample/0',
    ]);
    expect(idsOf(G224, 'Gemm')).toEqual(['fc']);
    expect(shapeOf(G224, 'fc.weight')).toEqual([1000, 512]);
    // Stem ReLU + two per block.
    expect(opCount(G224, 'Relu')).toBe(1 + 2 * 8);
  });

  it('names nodes by torchvision module path', () => {
    const ids = G224.nodes.map((n) => n.id);
    expect(ids.slice(0, 4)).toEqual(['conv1', 'bn1', 'relu', 'maxpool']);
    expect(ids).toEqual(
      expect.arrayContaining(['layer1/0/conv1', 'layer1/0/bn1', 'layer3/1/conv2', 'layer2/0/downsample/1']),
    );
    expect(ids.slice(-3)).toEqual(['avgpool', 'flatten', 'fc']);
  });

  it('strides the first block of layers 2–4 on its 3×3 conv and its projection', () => {
    for (const stage of [2, 3, 4]) {
      for (const id of [`layer${stage}/0/conv1`, `layer${stage}/0/downsample/0`]) {
        expect(G224.nodes.find((n) => n.id === id)?.attrs.strides, id).toEqual([2, 2]);
      }
      expect(G224.nodes.find((n) => n.id === `layer${stage}/0/conv2`)?.attrs.strides).toEqual([1, 1]);
    }
  });

  it('exported with generated weights, runs on onnxruntime-node at 96×96', async () => {
    const small = inferred(resnet18(96));
    // 96 → 48 (stem) → 24 (maxpool) → 24, 12, 6, 3.
    expect(shapeOf(small, 'layer4/1/relu_1')).toEqual([1, 512, 3, 3]);
    expect(small.outputs.map((o) => shapeOf(small, o))).toEqual([[1, 1000]]);
    await runExported(small);
  });
});
