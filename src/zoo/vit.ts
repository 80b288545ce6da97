// Vision Transformers with 16×16 patches in torchvision's layout: a 16×16/16 patch-embedding conv, a
// learned class token and position embeddings, pre-norm encoder layers (LayerNorm eps 1e-6, exact
// GELU), a final LayerNorm and the linear head on the class token. ViT-B/16 (Dosovitskiy et al.,
// ICLR 2021) and the two smaller widths DeiT trained (Touvron et al., ICML 2021), the same
// architecture at 384 and 192 wide (DeiT's distillation token belongs to its distilled variants only).
import { GraphBuilder } from './builder.js';
import { type EncoderDims, mlp, selfAttention } from './transformer.js';
import type { Graph } from '../graph/types.js';

const LN_EPS = 1e-6;
const PATCH_PX = 16;

export interface VitConfig {
  name: string;
  hidden: number;
  heads: number;
  mlp: number;
  layers: number;
}

export const VIT_B16: VitConfig = { name: 'vit-b16', hidden: 768, heads: 12, mlp: 3072, layers: 12 };
/** DeiT-S: ViT-S/16, width 384, 6 heads (facebook/deit-small-patch16-224 config). */
export const DEIT_SMALL: VitConfig = { name: 'deit-small', hidden: 384, heads: 6, mlp: 1536, layers: 12 };
/** DeiT-Ti: ViT-Ti/16, width 192, 3 heads (facebook/deit-tiny-patch16-224 config). */
export const DEIT_TINY: VitConfig = { name: 'deit-tiny', hidden: 192, heads: 3, mlp: 768, layers: 12 };

export function vit(config: VitConfig, inputSizePx = 224): Graph {
  const { hidden } = config;
  const grid = Math.floor(inputSizePx / PATCH_PX);
  const tokens = grid * grid + 1;
  const d: EncoderDims = { tokens, hidden, heads: config.heads, mlp: config.mlp };
  const b = new GraphBuilder(config.name);
  const img = b.input('input', [1, 3, inputSizePx, inputSizePx]);

  let x = b.scope('embed', () => {
    const patches = b.conv(
      img,
      { out: hidden, kernel: PATCH_PX, stride: PATCH_PX, pad: 0, bias: true },
      'conv_proj',
    );
    const seq = b.transpose(b.reshape(patches, [1, hidden, grid * grid], hidden), [0, 2, 1], hidden);
    const cls = b.parameter('class_token', [1, 1, hidden], hidden);
    const pos = b.parameter('pos_embedding', [1, tokens, hidden], hidden);
    return b.add(b.concat([cls, seq], 1, hidden), pos);
  });
  for (let i = 0; i < config.layers; i++) {
    x = b.scope(`encoder_layer_${i}`, () => {
      const attn = b.scope('self_attention', () => selfAttention(b, b.layerNorm(x, LN_EPS), d));
      const y = b.add(x, attn);
      return b.add(
        y,
        b.scope('mlp', () => mlp(b, b.layerNorm(y, LN_EPS), d)),
      );
    });
  }
  const cls = b.pick(b.layerNorm(x, LN_EPS), 1, 0);
  b.output(b.scope('heads', () => b.linear(cls, 1000, 'head')));
  return b.build();
}

export const vitB16 = (inputSizePx = 224): Graph => vit(VIT_B16, inputSizePx);
export const deitSmall = (inputSizePx = 224): Graph => vit(DEIT_SMALL, inputSizePx);
export const deitTiny = (inputSizePx = 224): Graph => vit(DEIT_TINY, inputSizePx);
