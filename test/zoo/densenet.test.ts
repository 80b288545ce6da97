// DenseNet-121 against torchvision: shapes, published MACs and parameters, structure, and a real run of
// the exported model on onnxruntime-node.
import { describe, expect, it } from 'vitest';
import { graphCost } from '../../src/graph/cost.js';
import type { Graph } from '../../src/graph/types.js';
import { densenet121 } from '../../src/zoo/densenet.js';
import { inferred, itMatchesTorchvision, runExported, shapeOf } from './zoo-helpers.js';

// torchvision DenseNet121_Weights.IMAGENET1K_V1, meta in torchvision/models/densenet.py: num_params
// 7,978,856 and _ops 2.834, which the weights docs (pytorch.org/vision/stable/models/generated/
// torchvision.models.densenet121.html) show as GFLOPS 2.83. torchvision's "GFLOPS" are GMACs of convs
// and linears; num_params counts parameters, not BN running-stat buffers.
const PUBLISHED_MACS = 2.83e9;
const PUBLISHED_PARAMS = 7_978_856;

/** The output of the single node of `op` whose id starts with `prefix`. */
function outputOf(g: Graph, prefix: string, op: string): string {
  const matches = g.nodes.filter((n) => n.op === op && n.id.startsWith(prefix));
  expect(matches.map((n) => n.id)).toHaveLength(1);
  return matches[0]?.outputs[0] ?? '';
}

const G224 = inferred(densenet121());

describe('densenet121', () => {
  it('is fully shape-inferred at 224×224 down to [1, 1000] logits', () => {
    expect(G224.name).toBe('densenet121');
    expect(G224.inputs).toEqual(['input']);
    expect(shapeOf(G224, 'input')).toEqual([1, 3, 224, 224]);
    expect(G224.outputs.map((o) => shapeOf(G224, o))).toEqual([[1, 1000]]);
    for (const n of G224.nodes) {
      for (const o of n.outputs) {
        const shape = shapeOf(G224, o);
        expect(
          Array.isArray(shape) && shape.every((d) => typeof d === 'number'),
          `${n.id}: ${JSON.stringify(shape)}`,
        ).toBe(true);
      }
    }
    expect(graphCost(G224).unknownCostNodes).toEqual([]);
  });

  itMatchesTorchvision(G224, { macs: PUBLISHED_MACS, params: PUBLISHED_PARAMS });

  it('has 58 dense layers (6+12+24+16) and 3 transitions', () => {
    const ids = G224.nodes.map((n) => n.id);
    const denseLayers = new Set(
      ids.map((id) => /^(denseblock\d+\/denselayer\d+)\//.exec(id)?.[1]).filter((s) => s !== undefined),
    );
    expect(denseLayers.size).toBe(58);
    const perBlock = [1, 2, 3, 4].map(
      (k) => [...denseLayers].filter((s) => s.startsWith(`denseblock${k}/`)).length,
    );
    expect(perBlock).toEqual([6, 12, 24, 16]);
    const transitions = new Set(
      ids.map((id) => /^(transition\d+)\//.exec(id)?.[1]).filter((s) => s !== undefined),
    );
    expect([...transitions].sort()).toEqual(['transition1', 'transition2', 'transition3']);

    // The "121": 120 convolutions (stem, 2 per dense layer, 1 per transition) plus the classifier.
    const count = (op: string): number => G224.nodes.filter((n) => n.op === op).length;
    expect(count('Conv')).toBe(1 + 2 * 58 + 3);
    expect(count('Gemm')).toBe(1);
    expect(count('BatchNormalization')).toBe(1 + 2 * 58 + 3 + 1);
    expect(count('AveragePool')).toBe(3);
    // One Concat before each of the 54 non-first layers plus one per block output.
    expect(count('Concat')).toBe(58);
  });

  it('grows 32 channels per layer and halves channels and resolution at each transition', () => {
    const expected: [string, number[]][] = [
      ['denseblock1/concat', [1, 256, 56, 56]],
      ['transition1/', [1, 128, 28, 28]],
      ['denseblock2/concat', [1, 512, 28, 28]],
      ['transition2/', [1, 256, 14, 14]],
      ['denseblock3/concat', [1, 1024, 14, 14]],
      ['transition3/', [1, 512, 7, 7]],
      ['denseblock4/concat', [1, 1024, 7, 7]],
    ];
    for (const [prefix, shape] of expected) {
      if (prefix.endsWith('/concat')) {
        // The block output is the last Concat of the block.
        const concats = G224.nodes.filter((n) => n.op === 'Concat' && n.id.startsWith(prefix));
        const last = concats[concats.length - 1]?.outputs[0] ?? '';
        expect(shapeOf(G224, last), prefix).toEqual(shape);
      } else {
        expect(shapeOf(G224, outputOf(G224, prefix, 'AveragePool')), prefix).toEqual(shape);
      }
    }
    // Every dense layer's 1×1 bottleneck is 128 wide and its 3×3 conv adds 32 channels.
    for (const n of G224.nodes.filter((m) => m.op === 'Conv' && m.id.includes('/denselayer'))) {
      const weight = shapeOf(G224, n.inputs[1] ?? '') as number[];
      expect(weight[0], n.id).toBe(n.id.endsWith('conv1') ? 128 : 32);
      expect(n.inputs).toHaveLength(2); // no bias
    }
  });
});

// ---- real execution of the exported weightless model -----------------------------------------------

describe('densenet121 exported with generated weights', () => {
  it('runs on onnxruntime-node at 64×64 with finite outputs of the inferred shape', async () => {
    const g = inferred(densenet121(64));
    expect(g.outputs.map((o) => shapeOf(g, o))).toEqual([[1, 1000]]);
    await runExported(g);
  });
});
