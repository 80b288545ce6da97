// VGG-16 (Simonyan & Zisserman, ICLR 2015, configuration D), torchvision layout: 3×3 convs with
// bias, no BatchNorm. torchvision's AdaptiveAvgPool2d(7) is the identity at 224×224 and is left out;
// Dropout does nothing at inference.
import { GraphBuilder } from './builder.js';
import type { Graph } from '../graph/types.js';

/** Output channels per 3×3 conv; 'M' is a 2×2 max pool. */
const CONFIG_D: (number | 'M')[] = [
  64,
  64,
  'M',
  128,
  128,
  'M',
  256,
  256,
  256,
  'M',
  512,
  512,
  512,
  'M',
  512,
  512,
  512,
  'M',
];

export function vgg16(inputSizePx = 224): Graph {
  const b = new GraphBuilder('vgg16');
  let x = b.input('input', [1, 3, inputSizePx, inputSizePx]);
  b.scope('features', () => {
    for (const v of CONFIG_D) {
      x =
        v === 'M'
          ? b.maxPool(x, { kernel: 2, stride: 2 })
          : b.relu(b.conv(x, { out: v, kernel: 3, bias: true }));
    }
  });
  const spatial = Math.floor(inputSizePx / 32);
  x = b.flatten(x, x.channels * spatial * spatial);
  x = b.scope('classifier', () => {
    const h1 = b.relu(b.gemm(x, 4096));
    const h2 = b.relu(b.gemm(h1, 4096));
    return b.gemm(h2, 1000);
  });
  b.output(x);
  return b.build();
}
