// BERT-base (Devlin et al., NAACL 2019), as the Hugging Face `bert-base-uncased` ONNX export looks:
// int64 input_ids / token_type_ids / attention_mask, word + position + segment embedding Gathers,
// 12 post-norm encoder layers with exact (Erf) GELU, and the tanh pooler over the first token.
import { GraphBuilder, ONNX_FLOAT, type Sym } from './builder.js';
import { type EncoderDims, mlp, selfAttention } from './transformer.js';
import type { Graph } from '../graph/types.js';

export interface BertConfig {
  name: string;
  seqLen: number;
  layers: number;
  hidden: number;
  heads: number;
  intermediate: number;
  vocab: number;
  maxPositions: number;
  typeVocab: number;
}

export const BERT_BASE: BertConfig = {
  name: 'bert-base',
  seqLen: 128,
  layers: 12,
  hidden: 768,
  heads: 12,
  intermediate: 3072,
  vocab: 30522,
  maxPositions: 512,
  typeVocab: 2,
};

const LN_EPS = 1e-12;

export function bert(cfg: BertConfig = BERT_BASE): Graph {
  const b = new GraphBuilder(cfg.name);
  const T = cfg.seqLen;
  const ids = b.input('input_ids', [1, T], { dtype: 'int64', channels: 1 });
  const types = b.input('token_type_ids', [1, T], { dtype: 'int64', channels: 1 });
  const maskIn = b.input('attention_mask', [1, T], { dtype: 'int64', channels: 1 });
  const d: EncoderDims = { tokens: T, hidden: cfg.hidden, heads: cfg.heads, mlp: cfg.intermediate };

  let x = b.scope('embeddings', () => {
    const positions = b.constant(
      Array.from({ length: T }, (_, i) => i),
      [1, T],
      'int64',
    );
    const word = b.embedding(ids, cfg.vocab, cfg.hidden, 'word_embeddings');
    const pos = b.embedding(positions, cfg.maxPositions, cfg.hidden, 'position_embeddings');
    const seg = b.embedding(types, cfg.typeVocab, cfg.hidden, 'token_type_embeddings');
    return b.layerNorm(b.add(b.add(word, pos), seg), LN_EPS);
  });

  // (mask − 1)·10000: 0 where attended, −10000 where padded; shape [1, 1, 1, T] to broadcast.
  const mask: Sym = b.scope('mask', () => {
    const m = b.unsqueeze(b.cast(maskIn, 'float32', ONNX_FLOAT), [1, 2]);
    return b.mul(b.sub(m, 1), 10000);
  });

  for (let i = 0; i < cfg.layers; i++) {
    x = b.scope(`layer${i}`, () => {
      const attn = b.scope('attention', () => selfAttention(b, x, d, mask));
      const h = b.layerNorm(b.add(x, attn), LN_EPS);
      return b.layerNorm(
        b.add(
          h,
          b.scope('ffn', () => mlp(b, h, d)),
        ),
        LN_EPS,
      );
    });
  }
  const pooled = b.scope('pooler', () => b.tanh(b.linear(b.pick(x, 1, 0), cfg.hidden, 'dense')));
  b.output(x, pooled);
  return b.build();
}
