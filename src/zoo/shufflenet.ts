// ShuffleNetV2 1.0× (Ma et al., ECCV 2018) in torchvision's layout (shufflenet_v2_x1_0): every conv
// is bias-free and followed by BN; a unit's branches each produce half its output channels, are
// concatenated and then channel-shuffled (two groups) so information crosses between the halves.
import { GraphBuilder, type Sym } from './builder.js';
import { convBnAct } from './layers.js';
import type { Graph } from '../graph/types.js';

/** Spatial size after a 3×3 window at `stride` with padding 1 (conv or pool, floor mode). */
function down3x3(size: number, stride: number): number {
  return Math.floor((size + 2 - 3) / stride) + 1;
}

/**
 * channel_shuffle(groups=2) on an NCHW tensor of `size`×`size`: view as [N, 2, C/2, H, W], swap the
 * two channel axes, view back. The builder tracks only channels, so H and W are passed in: ONNX
 * Reshape's 0 copies the dimension at the *same* index, which does not line up across the 4-D/5-D views.
 */
function channelShuffle(b: GraphBuilder, x: Sym, size: number): Sym {
  const c = x.channels;
  const grouped = b.reshape(x, [1, 2, c / 2, size, size], 2);
  const swapped = b.transpose(grouped, [0, 2, 1, 3, 4], c / 2);
  return b.reshape(swapped, [1, c, size, size], c);
}

/** 1×1 → depthwise 3×3 (no activation, as in torchvision) → 1×1, each followed by BN. */
function mainBranch(b: GraphBuilder, x: Sym, out: number, stride: number): Sym {
  let y = convBnAct(b, x, { out, kernel: 1, pad: 0 }, 'relu');
  y = convBnAct(b, y, { out, kernel: 3, stride, pad: 1, group: out }, 'none');
  return convBnAct(b, y, { out, kernel: 1, pad: 0 }, 'relu');
}

/**
 * One ShuffleNetV2 unit producing `out` channels. Stride 2 (a stage's first unit): both branches see
 * the whole input and halve the resolution. Stride 1: the input's first half passes through
 * untouched and only the second half is transformed — the paper's cheap "channel split".
 */
function shuffleUnit(b: GraphBuilder, x: Sym, out: number, stride: number, inSize: number): Sym {
  const half = out / 2;
  let left: Sym;
  let right: Sym;
  if (stride > 1) {
    left = b.scope('branch1', () => {
      const d = convBnAct(b, x, { out: x.channels, kernel: 3, stride, pad: 1, group: x.channels }, 'none');
      return convBnAct(b, d, { out: half, kernel: 1, pad: 0 }, 'relu');
    });
    right = b.scope('branch2', () => mainBranch(b, x, half, stride));
  } else {
    if (x.channels !== out) throw new Error(`shufflenet: stride-1 unit needs ${out} input channels`);
    left = b.slice(x, { starts: [0], ends: [half], axes: [1] }, half);
    const rest = b.slice(x, { starts: [half], ends: [out], axes: [1] }, half);
    right = b.scope('branch2', () => mainBranch(b, rest, half, 1));
  }
  return channelShuffle(b, b.concat([left, right]), down3x3(inSize, stride));
}

/** torchvision's shufflenet_v2_x1_0: stages_repeats [4, 8, 4], stages_out_channels [24, …, 1024]. */
const STEM_CHANNELS = 24;
const STAGES: [units: number, out: number][] = [
  [4, 116],
  [8, 232],
  [4, 464],
];
const HEAD_CHANNELS = 1024;

export function shufflenetV2(inputSizePx = 224): Graph {
  const b = new GraphBuilder('shufflenetv2-1.0');
  const input = b.input('input', [1, 3, inputSizePx, inputSizePx]);
  let x = b.scope('conv1', () =>
    convBnAct(b, input, { out: STEM_CHANNELS, kernel: 3, stride: 2, pad: 1 }, 'relu'),
  );
  x = b.maxPool(x, { kernel: 3, stride: 2, pad: 1 });
  // Spatial side of x, needed by the channel shuffle's reshapes.
  let size = down3x3(down3x3(inputSizePx, 2), 2);
  STAGES.forEach(([units, out], s) => {
    x = b.scope(`stage${s + 2}`, () => {
      let y = x;
      for (let i = 0; i < units; i++) {
        const stride = i === 0 ? 2 : 1;
        y = b.scope(`${i}`, () => shuffleUnit(b, y, out, stride, size));
        size = down3x3(size, stride);
      }
      return y;
    });
  });
  x = b.scope('conv5', () => convBnAct(b, x, { out: HEAD_CHANNELS, kernel: 1, pad: 0 }, 'relu'));
  // torchvision takes x.mean([2, 3]); a global average pool + flatten gives the same [N, 1024].
  const pooled = b.flatten(b.globalAvgPool(x), x.channels);
  b.output(b.scope('fc', () => b.gemm(pooled, 1000)));
  return b.build();
}
