// Whisper-tiny's encoder: layer sizes from the paper's Table 1 (tiny: 4 layers, width 384, 6 heads),
// the conv front end halving the frame rate, and a real run of the exported model on onnxruntime-node.
import { describe, expect, it } from 'vitest';
import { graphCost } from '../../src/graph/cost.js';
import { whisperTinyEncoder } from '../../src/zoo/whisper.js';
import { inferred, opCount, runExported, shapeOf, weightCount } from './zoo-helpers.js';

describe('Whisper-tiny encoder', () => {
  const g = inferred(whisperTinyEncoder());

  it('maps 30 s of 80-band mel to 1500 positions of width 384, every cost known', () => {
    expect(shapeOf(g, 'input_features')).toEqual([1, 80, 3000]);
    expect(g.outputs.map((o) => shapeOf(g, o))).toEqual([[1, 1500, 384]]);
    expect(shapeOf(g, 'conv/conv2')).toEqual([1, 384, 1500]);
    expect(graphCost(g).unknownCostNodes).toEqual([]);
  });

  it('has 4 blocks of 6-head attention, a 1536-wide MLP and keys without bias', () => {
    expect(opCount(g, 'Softmax')).toBe(4);
    expect(shapeOf(g, 'layers/0/self_attn/softmax')).toEqual([1, 6, 1500, 1500]);
    expect(shapeOf(g, 'layers/3/mlp/fc1')).toEqual([1, 1500, 1536]);
    expect(g.tensors.has('layers/0/self_attn/key.bias')).toBe(false);
    expect(g.tensors.has('layers/0/self_attn/query.bias')).toBe(true);
    // 2 per block + the closing one.
    expect(opCount(g, 'LayerNormalization')).toBe(9);
  });

  it('counts the weights layer by layer (convs, 4 blocks, closing LayerNorm, positions)', () => {
    const convs = 80 * 384 * 3 + 384 + 384 * 384 * 3 + 384;
    const block = 4 * 384 * 384 + 3 * 384 + 2 * 2 * 384 + 384 * 1536 + 1536 + 1536 * 384 + 384;
    expect(weightCount(g)).toBe(convs + 4 * block + 2 * 384 + 1500 * 384);
  });

  it('rejects an odd frame count', () => {
    expect(() => whisperTinyEncoder(301)).toThrow(/not even/);
  });

  it('exported with generated weights on 1 s of audio, runs on onnxruntime-node', async () => {
    const small = inferred(whisperTinyEncoder(100));
    expect(g.outputs.map((o) => shapeOf(small, o))).toEqual([[1, 50, 384]]);
    await runExported(small);
  });
});
