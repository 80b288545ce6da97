// GoogLeNet (Inception v1) against torchvision's published figures, its structure, and a real run of the
// exported weightless model on onnxruntime-node.
import { describe, expect, it } from 'vitest';
import { graphCost } from '../../src/graph/cost.js';
import type { Graph } from '../../src/graph/types.js';
import { googlenet } from '../../src/zoo/googlenet.js';
import { inferred, itMatchesTorchvision, opCount, runExported, shapeOf } from './zoo-helpers.js';

// torchvision GoogLeNet_Weights.IMAGENET1K_V1 (docs page
// https://pytorch.org/vision/stable/models/generated/torchvision.models.googlenet.html): num_params
// 6,624,904 and GFLOPS 1.50. torchvision's "GFLOPS" are GMACs of convs and linears; num_params counts
// parameters without the aux classifiers, and not the BN running-stat buffers.
const PUBLISHED_MACS = 1.5e9;
const PUBLISHED_PARAMS = 6_624_904;

const INCEPTION_BLOCKS = ['3a', '3b', '4a', '4b', '4c', '4d', '4e', '5a', '5b'].map((s) => `inception${s}`);

/** The feature map the classifier pools: the input of the GlobalAveragePool. */
function featureShape(g: Graph): unknown {
  return shapeOf(g, g.nodes.find((n) => n.op === 'GlobalAveragePool')?.inputs[0]);
}

function nodeById(g: Graph, id: string): Graph['nodes'][number] | undefined {
  return g.nodes.find((n) => n.id === id);
}

describe('GoogLeNet', () => {
  const g = inferred(googlenet());

  it('infers a [1, 1000] output from a 224×224 input, through a 1024×7×7 feature map', () => {
    expect(g.name).toBe('googlenet');
    expect(g.source).toBe('zoo');
    expect(g.inputs).toEqual(['input']);
    expect(shapeOf(g, 'input')).toEqual([1, 3, 224, 224]);
    expect(g.outputs.map((o) => shapeOf(g, o))).toEqual([[1, 1000]]);
    expect(featureShape(g)).toEqual([1, 1024, 7, 7]);
    expect(graphCost(g).unknownCostNodes).toEqual([]);
  });

  it('follows torchvision’s shapes between stages (its forward() comments)', () => {
    const expected: [string, number[]][] = [
      ['conv1/relu', [1, 64, 112, 112]],
      ['maxpool1', [1, 64, 56, 56]],
      ['maxpool2', [1, 192, 28, 28]],
      ['inception3a/concat', [1, 256, 28, 28]],
      ['inception3b/concat', [1, 480, 28, 28]],
      ['maxpool3', [1, 480, 14, 14]],
      ['inception4a/concat', [1, 512, 14, 14]],
      ['inception4d/concat', [1, 528, 14, 14]],
      ['inception4e/concat', [1, 832, 14, 14]],
      ['maxpool4', [1, 832, 7, 7]],
      ['inception5a/concat', [1, 832, 7, 7]],
      ['inception5b/concat', [1, 1024, 7, 7]],
    ];
    for (const [id, shape] of expected) {
      expect(shapeOf(g, nodeById(g, id)?.outputs[0]), id).toEqual(shape);
    }
  });

  it('honours ceil_mode where it matters: 96 → 48 → 24 → 12 → 6 → 3 (floor would end at 2)', () => {
    expect(featureShape(inferred(googlenet(96)))).toEqual([1, 1024, 3, 3]);
  });

  itMatchesTorchvision(g, { macs: PUBLISHED_MACS, params: PUBLISHED_PARAMS });

  it('has 57 BasicConv2d units, 9 inception blocks and 13 ceil-mode max pools', () => {
    // Stem conv1..conv3, then 6 per inception block (branch1, 2×branch2, 2×branch3, branch4's 1×1).
    expect(opCount(g, 'Conv')).toBe(3 + 6 * 9);
    expect(opCount(g, 'BatchNormalization')).toBe(57);
    expect(opCount(g, 'Relu')).toBe(57);
    for (const n of g.nodes.filter((m) => m.op === 'Conv')) expect(n.inputs, n.id).toHaveLength(2);
    for (const n of g.nodes.filter((m) => m.op === 'BatchNormalization')) {
      expect(n.attrs.epsilon, n.id).toBe(1e-3);
    }
    expect(g.nodes.filter((n) => n.op === 'Concat').map((n) => n.id)).toEqual(
      INCEPTION_BLOCKS.map((name) => `${name}/concat`),
    );

    // 4 stage pools (maxpool4 is 2×2) plus one 3×3/1 pool per inception block's branch4.
    const pools = g.nodes.filter((n) => n.op === 'MaxPool');
    expect(pools).toHaveLength(4 + 9);
    for (const p of pools) expect(p.attrs.ceil_mode, p.id).toBe(1);
    const stagePools = pools.filter((p) => /^maxpool\d$/.test(p.id));
    expect(stagePools.map((p) => [p.id, p.attrs.kernel_shape, p.attrs.strides])).toEqual([
      ['maxpool1', [3, 3], [2, 2]],
      ['maxpool2', [3, 3], [2, 2]],
      ['maxpool3', [3, 3], [2, 2]],
      ['maxpool4', [2, 2], [2, 2]],
    ]);
    const branchPools = pools.filter((p) => p.id.endsWith('/branch4/0'));
    expect(branchPools.map((p) => p.id)).toEqual(INCEPTION_BLOCKS.map((name) => `${name}/branch4/0`));
    for (const p of branchPools) expect(p.attrs.pads, p.id).toEqual([1, 1, 1, 1]);

    expect(opCount(g, 'GlobalAveragePool')).toBe(1);
    expect(opCount(g, 'Gemm')).toBe(1);
    expect(opCount(g, 'AveragePool')).toBe(0); // no aux classifiers at inference
  });

  it('uses a 3×3 conv in the "5×5" branch, as torchvision does', () => {
    const weight = shapeOf(g, nodeById(g, 'inception3a/branch3/1/conv')?.inputs[1]);
    expect(weight).toEqual([32, 16, 3, 3]);
    const ids = g.nodes.map((n) => n.id);
    for (const id of [
      'conv1/conv',
      'conv1/bn',
      'inception3a/branch1/conv',
      'inception5b/branch2/1/bn',
      'fc',
    ]) {
      expect(ids).toContain(id);
    }
    expect(shapeOf(g, 'fc.weight')).toEqual([1000, 1024]);
  });

  it('exported with generated weights, runs on onnxruntime-node at 96×96', async () => {
    const small = inferred(googlenet(96));
    expect(small.outputs.map((o) => shapeOf(small, o))).toEqual([[1, 1000]]);
    await runExported(small);
  });
});
