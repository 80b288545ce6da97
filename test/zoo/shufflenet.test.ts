// ShuffleNetV2 1.0× from the zoo: shapes, MACs and parameters against torchvision's published
// figures, its unit/shuffle structure, and a real run of the exported graph on onnxruntime-node.
import { describe, expect, it } from 'vitest';
import { graphCost } from '../../src/graph/cost.js';
import type { Graph } from '../../src/graph/types.js';
import { shufflenetV2 } from '../../src/zoo/shufflenet.js';
import { expectWithin, inferred, runExported, weightCount } from './zoo-helpers.js';

// torchvision/models/shufflenetv2.py, ShuffleNet_V2_X1_0_Weights.IMAGENET1K_V1 meta:
// "num_params": 2278604, "_ops": 0.145 (GFLOPS column = GMACs of convs and linears; the docs page
// https://pytorch.org/vision/main/models/generated/torchvision.models.shufflenet_v2_x1_0.html shows it
// rounded to 0.14). num_params counts parameters, not BN running-stat buffers. The paper (Ma et al.,
// ECCV 2018, Table 5) gives 146M FLOPs (multiply-adds) for ShuffleNet v2 1×.
const PUBLISHED_MACS = 0.145e9;
const PUBLISHED_PARAMS = 2_278_604;

function outputShape(g: Graph): readonly (number | string)[] | null | undefined {
  return g.tensors.get(g.outputs[0] ?? '')?.shape;
}

/** The unit scopes ("stage3/5") that own at least one node. */
function units(g: Graph): Set<string> {
  const out = new Set<string>();
  for (const n of g.nodes) {
    const m = /^(stage\d+\/\d+)\//.exec(n.id);
    if (m?.[1] !== undefined) out.add(m[1]);
  }
  return out;
}

describe('ShuffleNetV2 1.0×', () => {
  const g = inferred(shufflenetV2());

  it('is named, fed by a 224×224 image and infers [1, 1000] logits', () => {
    expect(g.name).toBe('shufflenetv2-1.0');
    expect(g.inputs).toEqual(['input']);
    expect(g.tensors.get('input')?.shape).toEqual([1, 3, 224, 224]);
    expect(outputShape(g)).toEqual([1, 1000]);
  });

  it('follows the input size (conv5 at 1/32 of the side)', () => {
    const small = inferred(shufflenetV2(96));
    expect(outputShape(small)).toEqual([1, 1000]);
    const conv5 = small.nodes.find((n) => n.id.startsWith('conv5/') && n.op === 'Relu');
    expect(small.tensors.get(conv5?.outputs[0] ?? '')?.shape).toEqual([1, 1024, 3, 3]);
  });

  it("MACs within 3% of torchvision's _ops", () => {
    const cost = graphCost(g);
    expect(cost.unknownCostNodes).toEqual([]);
    expectWithin(cost.macs, PUBLISHED_MACS);
  });

  it("parameters within 3% of torchvision's num_params", () => {
    const params = weightCount(g, { bnRunningStats: false });
    expectWithin(params, PUBLISHED_PARAMS);
    // The layout is torchvision's exactly, so the count is too (conv/BN weights + fc weight and bias).
    expect(params).toBe(PUBLISHED_PARAMS);
  });

  it('has 16 units (4 + 8 + 4), each ending in a channel shuffle', () => {
    expect(units(g).size).toBe(16);
    const perStage = [2, 3, 4].map((s) => [...units(g)].filter((u) => u.startsWith(`stage${s}/`)).length);
    expect(perStage).toEqual([4, 8, 4]);
    const transposes = g.nodes.filter((n) => n.op === 'Transpose');
    expect(transposes).toHaveLength(16);
    for (const t of transposes) expect(t.attrs.perm).toEqual([0, 2, 1, 3, 4]);
    expect(g.nodes.filter((n) => n.op === 'Concat')).toHaveLength(16);
    expect(g.nodes.filter((n) => n.op === 'Reshape')).toHaveLength(32);
  });

  it('splits channels in the 13 stride-1 units and downsamples with two branches in 3', () => {
    expect(g.nodes.filter((n) => n.op === 'Slice')).toHaveLength(2 * 13);
    const branch1 = new Set(g.nodes.filter((n) => n.id.includes('/branch1/')).map((n) => n.id.split('/')[0]));
    expect(branch1).toEqual(new Set(['stage2', 'stage3', 'stage4']));
    // Depthwise: one in every branch2 (16) and one in every branch1 (3).
    const depthwise = g.nodes.filter((n) => n.op === 'Conv' && (n.attrs.group as number) > 1);
    expect(depthwise).toHaveLength(16 + 3);
    // conv1 + branch1 (2 × 3) + branch2 (3 × 16) + conv5.
    expect(g.nodes.filter((n) => n.op === 'Conv')).toHaveLength(1 + 6 + 48 + 1);
    expect(g.nodes.filter((n) => n.op === 'Conv' && n.inputs.length > 2)).toEqual([]);
  });
});

// ---- real execution of the exported weightless model (as test/zoo/zoo.test.ts) --------------------

describe('ShuffleNetV2 exported with generated weights', () => {
  it('runs at 96×96 on onnxruntime-node with finite [1, 1000] logits', async () => {
    const g = inferred(shufflenetV2(96));
    expect(outputShape(g)).toEqual([1, 1000]);
    await runExported(g);
  });
});
