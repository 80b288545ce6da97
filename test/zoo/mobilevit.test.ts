// MobileViT-S against its published parameter count, its block structure (unfold → transformer →
// fold → fusion), and a real run of the exported weightless model on onnxruntime-node.
import { describe, expect, it } from 'vitest';
import { graphCost } from '../../src/graph/cost.js';
import { mobilevitS } from '../../src/zoo/mobilevit.js';
import { expectWithin, inferred, opCount, runExported, shapeOf, weightCount } from './zoo-helpers.js';

// Mehta & Rastegari, MobileViT (arXiv 2110.02178), ImageNet-1k: MobileViT-S has 5.6 M parameters and
// about 2.0 G multiply-adds at 256×256 (the paper's "FLOPs" count MACs).
const PUBLISHED_PARAMS = 5.6e6;
const PUBLISHED_MACS_APPROX = 2.0e9;

describe('MobileViT-S', () => {
  const g = inferred(mobilevitS());

  it('is fully shape-inferred with known costs', () => {
    expect(g.name).toBe('mobilevit-s');
    expect(shapeOf(g, 'input')).toEqual([1, 3, 256, 256]);
    expect(g.outputs.map((o) => shapeOf(g, o))).toEqual([[1, 1000]]);
    expect(graphCost(g).unknownCostNodes).toEqual([]);
  });

  it('matches the published parameter count within 3%, and about 2 G MACs', () => {
    expectWithin(weightCount(g, { bnRunningStats: false }), PUBLISHED_PARAMS);
    expect(graphCost(g).macs / PUBLISHED_MACS_APPROX).toBeGreaterThan(0.9);
    expect(graphCost(g).macs / PUBLISHED_MACS_APPROX).toBeLessThan(1.1);
  });

  it('has 2 + 4 + 3 transformer layers of 4 heads over 2×2 patches', () => {
    // Two LayerNorms per layer plus one closing each of the three blocks.
    expect(opCount(g, 'LayerNormalization')).toBe(2 * 9 + 3);
    expect(opCount(g, 'Softmax')).toBe(9);
    // Stage 3 (1/8 scale, 32×32 at 256 px): four sequences of 16×16 patches, width 144, 4 heads.
    const scores = g.nodes.filter((n) => n.op === 'Softmax').map((n) => shapeOf(g, n.outputs[0]));
    expect(scores[0]).toEqual([4, 4, 256, 256]);
    expect(scores[2]).toEqual([4, 4, 64, 64]);
    expect(scores[6]).toEqual([4, 4, 16, 16]);
    expect(shapeOf(g, 'encoder/layer_2/transformer/layer_0/intermediate/silu/mul')).toEqual([4, 256, 288]);
  });

  it('folds each block back to its map and fuses it with the block input', () => {
    expect(shapeOf(g, 'encoder/layer_2/fusion/concat')).toEqual([1, 192, 32, 32]);
    expect(shapeOf(g, 'encoder/layer_3/fusion/silu/mul')).toEqual([1, 128, 16, 16]);
    expect(shapeOf(g, 'encoder/layer_4/fusion/silu/mul')).toEqual([1, 160, 8, 8]);
    // Inverted residuals: 1 + 3 in the first two stages, one downsampling block per MobileViT stage.
    expect(g.nodes.filter((n) => n.op === 'Conv' && (n.attrs.group as number) > 1)).toHaveLength(7);
  });

  it('rejects an input side that the last stage cannot cut into 2×2 patches', () => {
    expect(() => mobilevitS(224)).toThrow(/multiple of 64/);
  });

  it('exported with generated weights at 128×128, runs on onnxruntime-node', async () => {
    const small = inferred(mobilevitS(128));
    expect(shapeOf(small, 'encoder/layer_4/fusion/silu/mul')).toEqual([1, 160, 4, 4]);
    await runExported(small);
  });
});
