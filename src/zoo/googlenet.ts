// GoogLeNet / Inception v1 (Szegedy et al., "Going Deeper with Convolutions", CVPR 2015) in torchvision's
// `googlenet` layout (torchvision/models/googlenet.py), at inference. It is the BN variant torchvision
// ships: every BasicConv2d is conv (no bias) → BN(eps 1e-3) → ReLU. The "5×5" branch uses a 3×3 conv as
// torchvision's does (a known quirk, kept so that its weights load). Every max pool uses
// ceil_mode. The auxiliary classifiers only run in training and are left out. transform_input is off (the
// function's default) and Dropout does nothing at inference.
// Node ids follow torchvision's module paths (inception3a/branch2/1/conv ↔ inception3a.branch2.1.conv), so
// weight names line up with its state dict.
import { GraphBuilder, type Sym } from './builder.js';
import { convBnAct } from './layers.js';
import type { Graph } from '../graph/types.js';

/** torchvision's Inception(in, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj) widths. */
interface InceptionWidths {
  ch1x1: number;
  ch3x3red: number;
  ch3x3: number;
  ch5x5red: number;
  ch5x5: number;
  poolProj: number;
}

function widths(
  ch1x1: number,
  ch3x3red: number,
  ch3x3: number,
  ch5x5red: number,
  ch5x5: number,
  poolProj: number,
): InceptionWidths {
  return { ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, poolProj };
}

/** The body after the stem, in order: an inception block by name, or a stage max pool (kernel, id). */
type Stage = [string, InceptionWidths] | { pool: string; kernel: number };

// Widths from GoogLeNet.__init__ (the paper's Table 1); maxpool4 is 2×2, the others 3×3.
const STAGES: Stage[] = [
  ['inception3a', widths(64, 96, 128, 16, 32, 32)],
  ['inception3b', widths(128, 128, 192, 32, 96, 64)],
  { pool: 'maxpool3', kernel: 3 },
  ['inception4a', widths(192, 96, 208, 16, 48, 64)],
  ['inception4b', widths(160, 112, 224, 24, 64, 64)],
  ['inception4c', widths(128, 128, 256, 24, 64, 64)],
  ['inception4d', widths(112, 144, 288, 32, 64, 64)],
  ['inception4e', widths(256, 160, 320, 32, 128, 128)],
  { pool: 'maxpool4', kernel: 2 },
  ['inception5a', widths(256, 160, 320, 32, 128, 128)],
  ['inception5b', widths(384, 192, 384, 48, 128, 128)],
];

/** BasicConv2d under the module name `id`: ids `${id}/conv` and `${id}/bn`. */
function basicConv(b: GraphBuilder, x: Sym, id: string, out: number, kernel: number, stride = 1): Sym {
  const pad = Math.floor(kernel / 2);
  return b.scope(id, () => convBnAct(b, x, { out, kernel, stride, pad }, 'relu', 1e-3));
}

/**
 * PyTorch's MaxPool2d(ceil_mode=True), with the module path as its id. At 224 the stage pools divide
 * evenly (112 → 56 → 28 → 14 → 7); at other sizes ceil keeps the last partial window.
 */
function ceilMaxPool(b: GraphBuilder, x: Sym, id: string, kernel: number, stride: number, pad = 0): Sym {
  return b.maxPool(x, { kernel, stride, pad, ceil: true }, id);
}

/** 1×1 | 1×1→3×3 | 1×1→3×3 (torchvision's "5×5") | 3×3 max pool→1×1, concatenated on channels. */
function inception(b: GraphBuilder, x: Sym, w: InceptionWidths): Sym {
  const branch1 = basicConv(b, x, 'branch1', w.ch1x1, 1);
  const branch2 = b.scope('branch2', () =>
    basicConv(b, basicConv(b, x, '0', w.ch3x3red, 1), '1', w.ch3x3, 3),
  );
  const branch3 = b.scope('branch3', () =>
    basicConv(b, basicConv(b, x, '0', w.ch5x5red, 1), '1', w.ch5x5, 3),
  );
  const branch4 = b.scope('branch4', () => basicConv(b, ceilMaxPool(b, x, '0', 3, 1, 1), '1', w.poolProj, 1));
  return b.concat([branch1, branch2, branch3, branch4]);
}

export function googlenet(inputSizePx = 224): Graph {
  const b = new GraphBuilder('googlenet');
  let x = b.input('input', [1, 3, inputSizePx, inputSizePx]);
  x = basicConv(b, x, 'conv1', 64, 7, 2);
  x = ceilMaxPool(b, x, 'maxpool1', 3, 2);
  x = basicConv(b, x, 'conv2', 64, 1);
  x = basicConv(b, x, 'conv3', 192, 3);
  x = ceilMaxPool(b, x, 'maxpool2', 3, 2);
  for (const stage of STAGES) {
    if (Array.isArray(stage)) {
      const [name, w] = stage;
      x = b.scope(name, () => inception(b, x, w));
    } else {
      x = ceilMaxPool(b, x, stage.pool, stage.kernel, 2);
    }
  }
  // avgpool (AdaptiveAvgPool2d(1)) → flatten → dropout (identity at inference) → fc.
  const pooled = b.flatten(b.globalAvgPool(x), x.channels);
  b.output(b.gemm(pooled, 1000, 'fc'));
  return b.build();
}
