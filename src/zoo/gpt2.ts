// GPT-2 small (Radford et al., Language Models are Unsupervised Multitask Learners, 2019) as the Hugging
// Face `gpt2` ONNX export looks over a prompt of `seqLen` tokens: token and position embeddings, 12
// pre-norm decoder blocks (one fused QKV projection split three ways, causal self-attention masked by
// Where, the tanh-approximated GELU "gelu_new" written out as its elementwise ops), a final LayerNorm
// and the language-model head (the embedding table, transposed into its own initializer by the export).
import { GraphBuilder, type Sym } from './builder.js';
import { HEADS_FIRST, KEYS_TRANSPOSED, mergeHeads, splitHeads, type EncoderDims } from './transformer.js';
import type { Graph } from '../graph/types.js';

const VOCAB = 50257;
const POSITIONS = 1024;
const WIDTH = 768;
const HEADS = 12;
const LAYERS = 12;
const LN_EPS = 1e-5;

/** gelu_new: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), in the order HF writes it. */
function geluNew(b: GraphBuilder, x: Sym): Sym {
  return b.scope('act', () => {
    const half = b.mul(x, 0.5);
    const cubic = b.mul(b.op('Pow', [x, b.scalar(3)], {}, x.channels)[0]!, 0.044715);
    const inner = b.mul(b.add(x, cubic), Math.sqrt(2 / Math.PI));
    return b.mul(half, b.add(b.tanh(inner), 1));
  });
}

/** Causal self-attention over [1, T, 768]: c_attn → Split → heads → Where(mask) → Softmax → c_proj. */
function attention(b: GraphBuilder, x: Sym, tokens: number, causal: Sym): Sym {
  const d: EncoderDims = { tokens, hidden: WIDTH, heads: HEADS, mlp: 4 * WIDTH };
  const headDim = WIDTH / HEADS;
  const qkv = b.linear(x, 3 * WIDTH, 'c_attn');
  const split = b.constant([WIDTH, WIDTH, WIDTH], [3], 'int64');
  const [q, k, v] = b.op('Split', [qkv, split], { axis: 2 }, [WIDTH, WIDTH, WIDTH], { id: 'split' });
  const scores = b.div(
    b.matmul(splitHeads(b, q!, d, HEADS_FIRST), splitHeads(b, k!, d, KEYS_TRANSPOSED), tokens),
    Math.sqrt(headDim),
  );
  const lowest = b.scalar(-3.4028234663852886e38);
  const masked = b.op('Where', [causal, scores, lowest], {}, tokens, { id: 'where' })[0]!;
  const context = b.matmul(b.softmax(masked, -1), splitHeads(b, v!, d, HEADS_FIRST), headDim);
  return b.linear(mergeHeads(b, context, d), WIDTH, 'c_proj');
}

export function gpt2(seqLen = 64): Graph {
  if (seqLen < 1 || seqLen > POSITIONS)
    throw new Error(`gpt2: sequence length ${seqLen} not in 1..${POSITIONS}`);
  const b = new GraphBuilder('gpt2');
  const ids = b.input('input_ids', [1, seqLen], { dtype: 'int64', channels: 1 });
  const positions = b.constant(
    Array.from({ length: seqLen }, (_, i) => i),
    [1, seqLen],
    'int64',
  );
  // Lower-triangular: position i attends to 0..i.
  const causal = b.constant(
    Array.from({ length: seqLen * seqLen }, (_, i) => (i % seqLen <= Math.floor(i / seqLen) ? 1 : 0)),
    [1, 1, seqLen, seqLen],
    'bool',
  );
  let x = b.add(b.embedding(ids, VOCAB, WIDTH, 'wte'), b.embedding(positions, POSITIONS, WIDTH, 'wpe'));
  for (let i = 0; i < LAYERS; i++) {
    x = b.scope(`h/${i}`, () => {
      const y = b.add(
        x,
        b.scope('attn', () => attention(b, b.layerNorm(x, LN_EPS, 'ln_1'), seqLen, causal)),
      );
      const mlp = b.scope('mlp', () =>
        b.linear(geluNew(b, b.linear(b.layerNorm(y, LN_EPS, 'ln_2'), 4 * WIDTH, 'c_fc')), WIDTH, 'c_proj'),
      );
      return b.add(y, mlp);
    });
  }
  const final = b.layerNorm(x, LN_EPS, 'ln_f');
  b.output(b.linear(final, VOCAB, 'lm_head', false));
  return b.build();
}
