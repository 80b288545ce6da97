// SqueezeNet 1.1 against torchvision's published figures, its structure, and a real run of the exported
// weightless model on onnxruntime-node.
import { describe, expect, it } from 'vitest';
import { graphCost } from '../../src/graph/cost.js';
import type { Graph } from '../../src/graph/types.js';
import { squeezenet11 } from '../../src/zoo/squeezenet.js';
import { expectWithin, inferred, opCount, runExported, shapeOf, weightCount } from './zoo-helpers.js';

// torchvision SqueezeNet1_1_Weights.IMAGENET1K_V1 (torchvision/models/squeezenet.py meta; docs page
// pytorch.org/vision/stable/models/generated/torchvision.models.squeezenet1_1.html): num_params 1,235,496,
// _ops 0.349 (shown as GFLOPS 0.35; torchvision's "GFLOPS" are GMACs of convs and linears).
const PUBLISHED_MACS = 0.349e9;
const PUBLISHED_PARAMS = 1_235_496;

/** Output shape of the last Fire module (the feature map the classifier sees). */
function featureShape(g: Graph): unknown {
  const concats = g.nodes.filter((n) => n.op === 'Concat');
  return shapeOf(g, concats[concats.length - 1]?.outputs[0]);
}

describe('SqueezeNet 1.1', () => {
  const g = inferred(squeezenet11());

  it('infers a [1, 1000] output from a 224×224 input, through a 13×13 feature map', () => {
    expect(g.name).toBe('squeezenet1.1');
    expect(g.inputs).toEqual(['input']);
    expect(shapeOf(g, 'input')).toEqual([1, 3, 224, 224]);
    expect(g.outputs.map((o) => shapeOf(g, o))).toEqual([[1, 1000]]);
    // Unpadded 3×3/2 stem: 224 → 111; pools 111 → 55 → 27 → 13.
    expect(featureShape(g)).toEqual([1, 512, 13, 13]);
    expect(graphCost(g).unknownCostNodes).toEqual([]);
  });

  it('honours ceil_mode where it matters: 227 → 113 → 56 → 28 → 14 (floor would give 13)', () => {
    expect(featureShape(inferred(squeezenet11(227)))).toEqual([1, 512, 14, 14]);
  });

  it('matches torchvision’s published MACs within 3%', () => {
    expectWithin(graphCost(g).macs, PUBLISHED_MACS);
  });

  it('matches torchvision’s published parameter count within 3%', () => {
    expectWithin(weightCount(g), PUBLISHED_PARAMS);
  });

  it('has 8 Fire modules, 26 biased convs, 3 ceil-mode max pools and no Gemm or BatchNorm', () => {
    expect(opCount(g, 'Concat')).toBe(8);
    const convs = g.nodes.filter((n) => n.op === 'Conv');
    // Stem + 3 per Fire + the 1×1 classifier.
    expect(convs.length).toBe(1 + 3 * 8 + 1);
    for (const c of convs) expect(c.inputs.length, c.id).toBe(3);
    expect(opCount(g, 'Relu')).toBe(convs.length);
    const pools = g.nodes.filter((n) => n.op === 'MaxPool');
    expect(pools.map((p) => p.attrs.ceil_mode)).toEqual([1, 1, 1]);
    expect(opCount(g, 'GlobalAveragePool')).toBe(1);
    expect(opCount(g, 'Gemm')).toBe(0);
    expect(opCount(g, 'BatchNormalization')).toBe(0);
    expect(g.nodes.map((n) => n.id)).toContain('features/12/expand3x3');
  });

  it('exported with generated weights, runs on onnxruntime-node at 96×96', async () => {
    const small = inferred(squeezenet11(96));
    expect(small.outputs.map((o) => shapeOf(small, o))).toEqual([[1, 1000]]);
    await runExported(small);
  });
});
