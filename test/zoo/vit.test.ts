// The ViT family: ViT-B/16 and DeiT's two smaller widths from one builder, their layer sizes, exact
// weight counts, and a real run of an exported weightless model on onnxruntime-node.
import { describe, expect, it } from 'vitest';
import { graphCost } from '../../src/graph/cost.js';
import { DEIT_SMALL, DEIT_TINY, VIT_B16, deitTiny, vit, type VitConfig } from '../../src/zoo/vit.js';
import { inferred, opCount, runExported, shapeOf, weightCount } from './zoo-helpers.js';

/** Weights of a ViT with 16×16 patches over `tokens` positions (class token included), 1000 classes. */
function expectedWeights(c: VitConfig, tokens: number): number {
  const h = c.hidden;
  const embed = 3 * 16 * 16 * h + h + h + tokens * h;
  const layer = 2 * 2 * h + 4 * (h * h + h) + (h * c.mlp + c.mlp) + (c.mlp * h + h);
  return embed + c.layers * layer + 2 * h + h * 1000 + 1000;
}

describe('ViT family', () => {
  for (const config of [VIT_B16, DEIT_SMALL, DEIT_TINY]) {
    it(`${config.name}: ${config.layers} layers of ${config.heads} heads, width ${config.hidden}`, () => {
      const g = inferred(vit(config, 224));
      expect(g.name).toBe(config.name);
      expect(opCount(g, 'Softmax')).toBe(config.layers);
      expect(opCount(g, 'LayerNormalization')).toBe(2 * config.layers + 1);
      const scores = g.nodes.find((n) => n.op === 'Softmax')!;
      expect(shapeOf(g, scores.outputs[0])).toEqual([1, config.heads, 197, 197]);
      expect(shapeOf(g, 'encoder_layer_0/mlp/fc1')).toEqual([1, 197, config.mlp]);
      expect(weightCount(g)).toBe(expectedWeights(config, 197));
      expect(graphCost(g).unknownCostNodes).toEqual([]);
    });
  }

  it('takes its token count from the input size: (px / 16)² patches and the class token', () => {
    const g = inferred(vit(DEIT_SMALL, 160));
    expect(shapeOf(g, 'embed/add')).toEqual([1, 101, 384]);
    expect(weightCount(g)).toBe(expectedWeights(DEIT_SMALL, 101));
  });

  it('DeiT-Ti exported with generated weights at 64 px runs on onnxruntime-node', async () => {
    const g = inferred(deitTiny(64));
    expect(g.outputs.map((o) => shapeOf(g, o))).toEqual([[1, 1000]]);
    await runExported(g);
  });
});
