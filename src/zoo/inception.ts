// Inception-v3 (Szegedy et al., CVPR 2016) in torchvision's layout, at inference: the auxiliary
// classifier only runs in training and is left out. Every conv is conv (no bias) → BN(eps 1e-3) → ReLU;
// average pools count padding, as PyTorch's do.
import { GraphBuilder, type Pair, type Sym } from './builder.js';
import { convBnAct } from './layers.js';
import type { Graph } from '../graph/types.js';

function cbr(
  b: GraphBuilder,
  x: Sym,
  out: number,
  kernel: Pair,
  o: { stride?: number; pad?: Pair } = {},
): Sym {
  return convBnAct(b, x, { out, kernel, stride: o.stride ?? 1, pad: o.pad ?? 0 }, 'relu', 1e-3);
}

function avgPool3(b: GraphBuilder, x: Sym): Sym {
  return b.avgPool(x, { kernel: 3, stride: 1, pad: 1, countIncludePad: true });
}

/** 35×35 block: 1×1 | 1×1→5×5 | 1×1→3×3→3×3 | avgpool→1×1. */
function inceptionA(b: GraphBuilder, x: Sym, poolFeatures: number): Sym {
  const b1 = b.scope('branch1x1', () => cbr(b, x, 64, 1));
  const b5 = b.scope('branch5x5', () => cbr(b, cbr(b, x, 48, 1), 64, 5, { pad: 2 }));
  const b3 = b.scope('branch3x3dbl', () =>
    cbr(b, cbr(b, cbr(b, x, 64, 1), 96, 3, { pad: 1 }), 96, 3, { pad: 1 }),
  );
  const bp = b.scope('branch_pool', () => cbr(b, avgPool3(b, x), poolFeatures, 1));
  return b.concat([b1, b5, b3, bp]);
}

/** 35→17 reduction: 3×3/2 | 1×1→3×3→3×3/2 | maxpool/2. */
function inceptionB(b: GraphBuilder, x: Sym): Sym {
  const b3 = b.scope('branch3x3', () => cbr(b, x, 384, 3, { stride: 2 }));
  const bd = b.scope('branch3x3dbl', () =>
    cbr(b, cbr(b, cbr(b, x, 64, 1), 96, 3, { pad: 1 }), 96, 3, { stride: 2 }),
  );
  const bp = b.maxPool(x, { kernel: 3, stride: 2 });
  return b.concat([b3, bd, bp]);
}

/** 17×17 block with factorised 7×7 convs (1×7 and 7×1). */
function inceptionC(b: GraphBuilder, x: Sym, c7: number): Sym {
  const k17: Pair = [1, 7];
  const k71: Pair = [7, 1];
  const p17: Pair = [0, 3];
  const p71: Pair = [3, 0];
  const b1 = b.scope('branch1x1', () => cbr(b, x, 192, 1));
  const b7 = b.scope('branch7x7', () => {
    const y = cbr(b, cbr(b, x, c7, 1), c7, k17, { pad: p17 });
    return cbr(b, y, 192, k71, { pad: p71 });
  });
  const bd = b.scope('branch7x7dbl', () => {
    let y = cbr(b, x, c7, 1);
    y = cbr(b, y, c7, k71, { pad: p71 });
    y = cbr(b, y, c7, k17, { pad: p17 });
    y = cbr(b, y, c7, k71, { pad: p71 });
    return cbr(b, y, 192, k17, { pad: p17 });
  });
  const bp = b.scope('branch_pool', () => cbr(b, avgPool3(b, x), 192, 1));
  return b.concat([b1, b7, bd, bp]);
}

/** 17→8 reduction. */
function inceptionD(b: GraphBuilder, x: Sym): Sym {
  const b3 = b.scope('branch3x3', () => cbr(b, cbr(b, x, 192, 1), 320, 3, { stride: 2 }));
  const b7 = b.scope('branch7x7x3', () => {
    let y = cbr(b, x, 192, 1);
    y = cbr(b, y, 192, [1, 7], { pad: [0, 3] });
    y = cbr(b, y, 192, [7, 1], { pad: [3, 0] });
    return cbr(b, y, 192, 3, { stride: 2 });
  });
  const bp = b.maxPool(x, { kernel: 3, stride: 2 });
  return b.concat([b3, b7, bp]);
}

/** 8×8 block whose 3×3 branches split into parallel 1×3 and 3×1 convs. */
function inceptionE(b: GraphBuilder, x: Sym): Sym {
  const split = (y: Sym): Sym =>
    b.concat([cbr(b, y, 384, [1, 3], { pad: [0, 1] }), cbr(b, y, 384, [3, 1], { pad: [1, 0] })]);
  const b1 = b.scope('branch1x1', () => cbr(b, x, 320, 1));
  const b3 = b.scope('branch3x3', () => split(cbr(b, x, 384, 1)));
  const bd = b.scope('branch3x3dbl', () => split(cbr(b, cbr(b, x, 448, 1), 384, 3, { pad: 1 })));
  const bp = b.scope('branch_pool', () => cbr(b, avgPool3(b, x), 192, 1));
  return b.concat([b1, b3, bd, bp]);
}

export function inceptionV3(inputSizePx = 299): Graph {
  const b = new GraphBuilder('inceptionv3');
  let x = b.input('input', [1, 3, inputSizePx, inputSizePx]);
  x = b.scope('Conv2d_1a_3x3', () => cbr(b, x, 32, 3, { stride: 2 }));
  x = b.scope('Conv2d_2a_3x3', () => cbr(b, x, 32, 3));
  x = b.scope('Conv2d_2b_3x3', () => cbr(b, x, 64, 3, { pad: 1 }));
  x = b.maxPool(x, { kernel: 3, stride: 2 });
  x = b.scope('Conv2d_3b_1x1', () => cbr(b, x, 80, 1));
  x = b.scope('Conv2d_4a_3x3', () => cbr(b, x, 192, 3));
  x = b.maxPool(x, { kernel: 3, stride: 2 });
  x = b.scope('Mixed_5b', () => inceptionA(b, x, 32));
  x = b.scope('Mixed_5c', () => inceptionA(b, x, 64));
  x = b.scope('Mixed_5d', () => inceptionA(b, x, 64));
  x = b.scope('Mixed_6a', () => inceptionB(b, x));
  for (const [name, c7] of [
    ['Mixed_6b', 128],
    ['Mixed_6c', 160],
    ['Mixed_6d', 160],
    ['Mixed_6e', 192],
  ] as const) {
    x = b.scope(name, () => inceptionC(b, x, c7));
  }
  x = b.scope('Mixed_7a', () => inceptionD(b, x));
  x = b.scope('Mixed_7b', () => inceptionE(b, x));
  x = b.scope('Mixed_7c', () => inceptionE(b, x));
  const pooled = b.flatten(b.globalAvgPool(x), x.channels);
  b.output(b.gemm(pooled, 1000));
  return b.build();
}
