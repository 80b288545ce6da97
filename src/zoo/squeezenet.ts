// SqueezeNet 1.1 (Iandola et al., arXiv 1602.07360; v1.1 from the authors' repo) in torchvision's
// squeezenet1_1 layout. Every conv has a bias and no BatchNorm; Dropout does nothing at inference.
// Node ids follow torchvision's module paths (features/3/squeeze ↔ features.3.squeeze), so weight
// names line up with its state dict.
import { GraphBuilder, type Sym } from './builder.js';
import type { Graph } from '../graph/types.js';

/** A Fire module's widths: squeeze 1×1, then parallel expand 1×1 and expand 3×3. */
interface Fire {
  squeeze: number;
  expand1x1: number;
  expand3x3: number;
}

/** torchvision's `features` after the stem: a Fire's index in the Sequential, or a max pool 'M'. */
const FEATURES: ([number, Fire] | 'M')[] = [
  [3, { squeeze: 16, expand1x1: 64, expand3x3: 64 }],
  [4, { squeeze: 16, expand1x1: 64, expand3x3: 64 }],
  'M',
  [6, { squeeze: 32, expand1x1: 128, expand3x3: 128 }],
  [7, { squeeze: 32, expand1x1: 128, expand3x3: 128 }],
  'M',
  [9, { squeeze: 48, expand1x1: 192, expand3x3: 192 }],
  [10, { squeeze: 48, expand1x1: 192, expand3x3: 192 }],
  [11, { squeeze: 64, expand1x1: 256, expand3x3: 256 }],
  [12, { squeeze: 64, expand1x1: 256, expand3x3: 256 }],
];

function fire(b: GraphBuilder, x: Sym, f: Fire): Sym {
  const s = b.relu(b.conv(x, { out: f.squeeze, kernel: 1, bias: true }, 'squeeze'));
  const e1 = b.relu(b.conv(s, { out: f.expand1x1, kernel: 1, bias: true }, 'expand1x1'));
  const e3 = b.relu(b.conv(s, { out: f.expand3x3, kernel: 3, pad: 1, bias: true }, 'expand3x3'));
  return b.concat([e1, e3]);
}

/**
 * PyTorch's MaxPool2d(3, 2, ceil_mode=True). At 224 every pool divides evenly, so ceil and floor
 * agree there; at other sizes (227, Caffe's crop) ceil keeps the last partial window, and the attribute
 * carries that to shape inference and to ONNX runtimes.
 */
function maxPool(b: GraphBuilder, x: Sym): Sym {
  return b.maxPool(x, { kernel: 3, stride: 2, ceil: true });
}

export function squeezenet11(inputSizePx = 224): Graph {
  const b = new GraphBuilder('squeezenet1.1');
  let x = b.input('input', [1, 3, inputSizePx, inputSizePx]);
  x = b.scope('features', () => {
    // Unpadded stem (torchvision's Conv2d default padding 0, not "same"): 224 → 111.
    let y = b.relu(b.conv(x, { out: 64, kernel: 3, stride: 2, pad: 0, bias: true }, '0'));
    y = maxPool(b, y);
    for (const item of FEATURES) {
      y = item === 'M' ? maxPool(b, y) : b.scope(String(item[0]), () => fire(b, y, item[1]));
    }
    return y;
  });
  x = b.scope('classifier', () => {
    // The classifier is a 1×1 conv with ReLU *before* the global average pool (no Gemm): the pool
    // then averages non-negative class maps.
    const logits = b.relu(b.conv(x, { out: 1000, kernel: 1, bias: true }, '1'));
    return b.globalAvgPool(logits);
  });
  b.output(b.flatten(x, x.channels));
  return b.build();
}
