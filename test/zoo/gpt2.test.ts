// GPT-2 small: the published parameter count, its decoder structure (fused QKV, causal Where mask,
// tanh GELU), and a real run of the exported weightless model on onnxruntime-node.
import { describe, expect, it } from 'vitest';
import { graphCost } from '../../src/graph/cost.js';
import { gpt2 } from '../../src/zoo/gpt2.js';
import { expectWithin, inferred, opCount, runExported, shapeOf, weightCount } from './zoo-helpers.js';

// Hugging Face gpt2 (GPT2LMHeadModel.num_parameters()): 124,439,808, the LM head tied to wte.
const PUBLISHED_PARAMS = 124_439_808;

describe('GPT-2 small', () => {
  const g = inferred(gpt2(32));

  it('maps 32 tokens to next-token logits over the 50,257-token vocabulary, every cost known', () => {
    expect(g.outputs.map((o) => shapeOf(g, o))).toEqual([[1, 32, 50257]]);
    expect(graphCost(g).unknownCostNodes).toEqual([]);
  });

  it('has the published parameters once the exported head copy of the embedding is left out', () => {
    expectWithin(weightCount(g) - 768 * 50257, PUBLISHED_PARAMS);
  });

  it('runs 12 causal blocks: fused QKV split three ways, a Where mask, tanh GELU', () => {
    expect(opCount(g, 'Split')).toBe(12);
    expect(opCount(g, 'Where')).toBe(12);
    expect(opCount(g, 'Tanh')).toBe(12);
    expect(opCount(g, 'LayerNormalization')).toBe(25);
    expect(shapeOf(g, 'h/0/attn/where')).toEqual([1, 12, 32, 32]);
    expect(shapeOf(g, 'h/11/mlp/c_fc')).toEqual([1, 32, 3072]);
    // The mask lets position i see 0..i only.
    const mask = g.nodes.find((n) => n.op === 'Where')!.inputs[0]!;
    const values = g.tensors.get(mask)?.value as number[];
    expect(values.slice(0, 3)).toEqual([1, 0, 0]);
    expect(values.slice(32, 35)).toEqual([1, 1, 0]);
  });

  it('rejects a prompt longer than its 1024 positions', () => {
    expect(() => gpt2(1025)).toThrow(/1\.\.1024/);
  });

  it('exported with generated weights over 4 tokens, runs on onnxruntime-node', async () => {
    const small = inferred(gpt2(4));
    expect(small.outputs.map((o) => shapeOf(small, o))).toEqual([[1, 4, 50257]]);
    await runExported(small);
  });
});
