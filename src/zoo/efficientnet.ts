// EfficientNet-B0 (Tan & Le, ICML 2019) in torchvision's layout (torchvision.models.efficientnet_b0):
// MBConv blocks with SiLU everywhere and a squeeze-excite sized from the block's *input* channels.
// Stochastic depth and dropout only act in training, so the inference graph has neither.
import { GraphBuilder, type Sym } from './builder.js';
import { convBnAct, poolFlattenFc, silu } from './layers.js';
import type { Graph } from '../graph/types.js';

/** Squeeze-excite with 1×1 convs (with bias), SiLU inside and a plain sigmoid gate. */
function squeezeExcite(b: GraphBuilder, x: Sym, squeeze: number): Sym {
  const s = b.globalAvgPool(x);
  const h = silu(b, b.conv(s, { out: squeeze, kernel: 1, bias: true }));
  const gate = b.sigmoid(b.conv(h, { out: x.channels, kernel: 1, bias: true }));
  return b.mul(x, gate);
}

interface MBConvOptions {
  expandRatio: number;
  kernel: number;
  stride: number;
  out: number;
}

/** MBConv: optional 1×1 expand → k×k depthwise → SE → linear 1×1 project (+ identity shortcut). */
function mbConv(b: GraphBuilder, x: Sym, o: MBConvOptions): Sym {
  // All B0 ratios give multiples of 8 already, so torchvision's _make_divisible is a no-op here.
  const expanded = x.channels * o.expandRatio;
  let y = x;
  if (expanded !== x.channels) {
    y = b.scope('expand', () => silu(b, convBnAct(b, y, { out: expanded, kernel: 1 }, 'none')));
  }
  y = b.scope('depthwise', () =>
    silu(b, convBnAct(b, y, { out: expanded, kernel: o.kernel, stride: o.stride, group: expanded }, 'none')),
  );
  // torchvision: squeeze = max(1, input_channels // 4), not a fraction of the expanded width.
  const squeeze = Math.max(1, Math.floor(x.channels / 4));
  y = b.scope('se', () => squeezeExcite(b, y, squeeze));
  y = b.scope('project', () => convBnAct(b, y, { out: o.out, kernel: 1 }, 'none'));
  return o.stride === 1 && x.channels === o.out ? b.add(y, x) : y;
}

/**
 * The paper's Table 1 as torchvision writes it: [expand ratio, kernel, first stride, out channels,
 * layers]. Each stage's input is the previous stage's output (32 from the stem for the first).
 */
const B0_STAGES: [number, number, number, number, number][] = [
  [1, 3, 1, 16, 1],
  [6, 3, 2, 24, 2],
  [6, 5, 2, 40, 2],
  [6, 3, 2, 80, 3],
  [6, 5, 1, 112, 3],
  [6, 5, 2, 192, 4],
  [6, 3, 1, 320, 1],
];

export function efficientnetB0(inputSizePx = 224): Graph {
  const b = new GraphBuilder('efficientnet-b0');
  const input = b.input('input', [1, 3, inputSizePx, inputSizePx]);
  // Scopes follow torchvision's module paths: features.0 stem, features.1–7 stages, features.8 head.
  const features = b.scope('features', () => {
    let y = b.scope('0', () => silu(b, convBnAct(b, input, { out: 32, kernel: 3, stride: 2 }, 'none')));
    B0_STAGES.forEach(([expandRatio, kernel, firstStride, out, layers], stage) => {
      for (let i = 0; i < layers; i++) {
        const stride = i === 0 ? firstStride : 1;
        y = b.scope(`${stage + 1}/${i}`, () => mbConv(b, y, { expandRatio, kernel, stride, out }));
      }
    });
    return b.scope(`${B0_STAGES.length + 1}`, () =>
      silu(b, convBnAct(b, y, { out: 1280, kernel: 1 }, 'none')),
    );
  });
  b.output(b.scope('classifier', () => poolFlattenFc(b, features, 1000)));
  return b.build();
}
