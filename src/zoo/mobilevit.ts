// MobileViT-S (Mehta & Rastegari, ICLR 2022) in Hugging Face's layout (transformers' MobileViTModel,
// checkpoint apple/mobilevit-small): MobileNetV2 blocks (expand 4, SiLU) and three MobileViT blocks
// that unfold the feature map into 2×2 patches, run a pre-norm transformer across the patches (the
// four pixel positions of a patch are four independent sequences), fold back and fuse with the
// block's input. Sizes: neck 16/32/64/96/128/160/640, transformer widths 144/192/240 with 2/4/3
// layers, 4 heads, MLP ratio 2.
import { GraphBuilder, type Sym } from './builder.js';
import { convBn, makeDivisible, silu } from './layers.js';
import { selfAttention, type EncoderDims } from './transformer.js';
import type { Graph } from '../graph/types.js';

const PATCH = 2;
const HEADS = 4;
const EXPAND = 4;
const LN_EPS = 1e-5;

/** MobileNetV2 inverted residual: 1×1 expand, 3×3 depthwise (both BN + SiLU), 1×1 project (BN). */
function invertedResidual(b: GraphBuilder, x: Sym, out: number, stride: number): Sym {
  const expanded = makeDivisible(x.channels * EXPAND, 8);
  let y = b.scope('expand_1x1', () => silu(b, convBn(b, x, { out: expanded, kernel: 1 })));
  y = b.scope('conv_3x3', () => silu(b, convBn(b, y, { out: expanded, kernel: 3, stride, group: expanded })));
  y = b.scope('reduce_1x1', () => convBn(b, y, { out, kernel: 1 }));
  return stride === 1 && x.channels === out ? b.add(x, y) : y;
}

/** [1, C, H, W] → [4, H·W/4, C]: one sequence of patches per pixel position within a patch. */
function unfold(b: GraphBuilder, x: Sym, h: number, w: number): Sym {
  const c = x.channels;
  const ph = h / PATCH;
  const pw = w / PATCH;
  const rows = b.transpose(b.reshape(x, [c * ph, PATCH, pw, PATCH], c), [0, 2, 1, 3], c);
  const patches = b.reshape(rows, [1, c, ph * pw, PATCH * PATCH], c);
  return b.reshape(b.transpose(patches, [0, 3, 2, 1], c), [PATCH * PATCH, ph * pw, c], c);
}

/** The inverse of unfold: [4, H·W/4, C] → [1, C, H, W]. */
function fold(b: GraphBuilder, x: Sym, h: number, w: number): Sym {
  const c = x.channels;
  const ph = h / PATCH;
  const pw = w / PATCH;
  const patches = b.transpose(b.reshape(x, [1, PATCH * PATCH, ph * pw, c], c), [0, 3, 2, 1], c);
  const rows = b.transpose(b.reshape(patches, [c * ph, pw, PATCH, PATCH], c), [0, 2, 1, 3], c);
  return b.reshape(rows, [1, c, h, w], c);
}

/** One pre-norm transformer layer; the MLP's activation is SiLU (hidden_act "silu"). */
function transformerLayer(b: GraphBuilder, x: Sym, d: EncoderDims): Sym {
  const y = b.add(
    x,
    b.scope('attention', () => selfAttention(b, b.layerNorm(x, LN_EPS, 'layernorm_before'), d)),
  );
  const mlp = b.scope('intermediate', () =>
    silu(b, b.linear(b.layerNorm(y, LN_EPS, 'layernorm_after'), d.mlp, 'dense')),
  );
  return b.add(
    y,
    b.scope('output', () => b.linear(mlp, d.hidden, 'dense')),
  );
}

/** MobileViT block on a [1, C, H, W] map: local 3×3 and 1×1 convs, global transformer, fusion. */
function mobileVitBlock(b: GraphBuilder, x: Sym, hidden: number, layers: number, h: number, w: number): Sym {
  const c = x.channels;
  const local = b.scope('conv_kxk', () => silu(b, convBn(b, x, { out: c, kernel: 3 })));
  const projected = b.conv(local, { out: hidden, kernel: 1 }, 'conv_1x1');
  const d: EncoderDims = {
    tokens: (h * w) / (PATCH * PATCH),
    hidden,
    heads: HEADS,
    mlp: 2 * hidden,
    batch: PATCH * PATCH,
  };
  let seq = unfold(b, projected, h, w);
  for (let i = 0; i < layers; i++) seq = b.scope(`transformer/layer_${i}`, () => transformerLayer(b, seq, d));
  const normed = b.layerNorm(seq, LN_EPS, 'layernorm');
  const back = b.scope('conv_projection', () =>
    silu(b, convBn(b, fold(b, normed, h, w), { out: c, kernel: 1 })),
  );
  return b.scope('fusion', () => silu(b, convBn(b, b.concat([x, back], 1, 2 * c), { out: c, kernel: 3 })));
}

/** [out channels, stride, transformer width (0: MobileNetV2 blocks only), layers or blocks]. */
const STAGES: [number, number, number, number][] = [
  [32, 1, 0, 1],
  [64, 2, 0, 3],
  [96, 2, 144, 2],
  [128, 2, 192, 4],
  [160, 2, 240, 3],
];

/** Input sides must be multiples of 64: the last stage's 1/32-scale map is cut into 2×2 patches. */
export function mobilevitS(inputSizePx = 256): Graph {
  if (inputSizePx % 64 !== 0) throw new Error(`mobilevit-s: input ${inputSizePx} px is not a multiple of 64`);
  const b = new GraphBuilder('mobilevit-s');
  const input = b.input('input', [1, 3, inputSizePx, inputSizePx]);
  let y = b.scope('conv_stem', () => silu(b, convBn(b, input, { out: 16, kernel: 3, stride: 2 })));
  let side = inputSizePx / 2;
  STAGES.forEach(([out, stride, hidden, count], i) => {
    y = b.scope(`encoder/layer_${i}`, () => {
      side /= stride;
      if (hidden === 0) {
        let z = y;
        for (let j = 0; j < count; j++) {
          z = b.scope(`layer_${j}`, () => invertedResidual(b, z, out, j === 0 ? stride : 1));
        }
        return z;
      }
      const down = b.scope('downsampling_layer', () => invertedResidual(b, y, out, stride));
      return mobileVitBlock(b, down, hidden, count, side, side);
    });
  });
  const features = b.scope('conv_1x1_exp', () => silu(b, convBn(b, y, { out: 640, kernel: 1 })));
  const pooled = b.flatten(b.globalAvgPool(features), 640);
  b.output(b.scope('classifier', () => b.gemm(pooled, 1000)));
  return b.build();
}
