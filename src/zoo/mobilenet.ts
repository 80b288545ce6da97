// MobileNetV2 (Sandler et al., CVPR 2018) and MobileNetV3-Large (Howard et al., ICCV 2019), both in
// torchvision's layout (BN after every conv, ReLU6 as Clip(0, 6), hard-sigmoid = relu6(x+3)/6).
import { GraphBuilder, type Sym } from './builder.js';
import { type Activation, activate, convBnAct, makeDivisible } from './layers.js';
import type { Graph } from '../graph/types.js';

/** Inverted residual: optional 1×1 expand → k×k depthwise → optional SE → linear 1×1 project. */
function invertedResidual(
  b: GraphBuilder,
  x: Sym,
  o: { expanded: number; out: number; kernel: number; stride: number; act: Activation; se: boolean },
  bnEps: number,
): Sym {
  let y = x;
  if (o.expanded !== x.channels) y = convBnAct(b, y, { out: o.expanded, kernel: 1 }, o.act, bnEps);
  y = convBnAct(
    b,
    y,
    { out: o.expanded, kernel: o.kernel, stride: o.stride, group: o.expanded },
    o.act,
    bnEps,
  );
  if (o.se) y = b.scope('se', () => squeezeExcite(b, y, makeDivisible(o.expanded / 4, 8)));
  y = convBnAct(b, y, { out: o.out, kernel: 1 }, 'none', bnEps);
  return o.stride === 1 && x.channels === o.out ? b.add(y, x) : y;
}

/** Squeeze-and-excitation with 1×1 convs (with bias), ReLU and hard-sigmoid, as in MobileNetV3. */
function squeezeExcite(b: GraphBuilder, x: Sym, squeeze: number): Sym {
  const s = b.globalAvgPool(x);
  const h = b.relu(b.conv(s, { out: squeeze, kernel: 1, bias: true }));
  const gate = b.hardSigmoid(b.conv(h, { out: x.channels, kernel: 1, bias: true }), 1 / 6, 0.5);
  return b.mul(x, gate);
}

export function mobilenetV2(inputSizePx = 224): Graph {
  const b = new GraphBuilder('mobilenetv2');
  let x = b.input('input', [1, 3, inputSizePx, inputSizePx]);
  // [expansion t, output channels c, repeats n, first stride s] — the paper's Table 2.
  const settings: [number, number, number, number][] = [
    [1, 16, 1, 1],
    [6, 24, 2, 2],
    [6, 32, 3, 2],
    [6, 64, 4, 2],
    [6, 96, 3, 1],
    [6, 160, 3, 2],
    [6, 320, 1, 1],
  ];
  x = b.scope('features', () => {
    let y = convBnAct(b, x, { out: 32, kernel: 3, stride: 2 }, 'relu6');
    let block = 1;
    for (const [t, c, n, s] of settings) {
      for (let i = 0; i < n; i++) {
        const expanded = Math.round(y.channels * t);
        const stride = i === 0 ? s : 1;
        y = b.scope(`${block++}`, () =>
          invertedResidual(b, y, { expanded, out: c, kernel: 3, stride, act: 'relu6', se: false }, 1e-5),
        );
      }
    }
    return convBnAct(b, y, { out: 1280, kernel: 1 }, 'relu6');
  });
  const pooled = b.flatten(b.globalAvgPool(x), x.channels);
  b.output(b.scope('classifier', () => b.gemm(pooled, 1000)));
  return b.build();
}

/** torchvision's mobilenet_v3_large table: kernel, expanded, out, SE, activation, stride. */
const V3_LARGE: [number, number, number, boolean, Activation, number][] = [
  [3, 16, 16, false, 'relu', 1],
  [3, 64, 24, false, 'relu', 2],
  [3, 72, 24, false, 'relu', 1],
  [5, 72, 40, true, 'relu', 2],
  [5, 120, 40, true, 'relu', 1],
  [5, 120, 40, true, 'relu', 1],
  [3, 240, 80, false, 'hswish', 2],
  [3, 200, 80, false, 'hswish', 1],
  [3, 184, 80, false, 'hswish', 1],
  [3, 184, 80, false, 'hswish', 1],
  [3, 480, 112, true, 'hswish', 1],
  [3, 672, 112, true, 'hswish', 1],
  [5, 672, 160, true, 'hswish', 2],
  [5, 960, 160, true, 'hswish', 1],
  [5, 960, 160, true, 'hswish', 1],
];

/** torchvision builds MobileNetV3's BatchNorms with eps 1e-3. */
const V3_BN_EPS = 1e-3;

export function mobilenetV3Large(inputSizePx = 224): Graph {
  const b = new GraphBuilder('mobilenetv3-large');
  let x = b.input('input', [1, 3, inputSizePx, inputSizePx]);
  x = b.scope('features', () => {
    let y = convBnAct(b, x, { out: 16, kernel: 3, stride: 2 }, 'hswish', V3_BN_EPS);
    V3_LARGE.forEach(([kernel, expanded, out, se, act, stride], i) => {
      y = b.scope(`${i + 1}`, () =>
        invertedResidual(b, y, { expanded, out, kernel, stride, act, se }, V3_BN_EPS),
      );
    });
    return convBnAct(b, y, { out: 960, kernel: 1 }, 'hswish', V3_BN_EPS);
  });
  const pooled = b.flatten(b.globalAvgPool(x), x.channels);
  const logits = b.scope('classifier', () => b.gemm(activate(b, b.gemm(pooled, 1280), 'hswish'), 1000));
  b.output(logits);
  return b.build();
}
