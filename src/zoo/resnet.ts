// ResNet-50 (He et al., CVPR 2016), torchvision "v1.5" layout: the stride of a downsampling
// bottleneck sits on its 3×3 conv, and each stage's first block has a 1×1 projection shortcut.
import { GraphBuilder, type Sym } from './builder.js';
import { convBnAct, poolFlattenFc } from './layers.js';
import type { Graph } from '../graph/types.js';

/** A bottleneck block: 1×1 reduce → 3×3 → 1×1 expand (×4), plus the shortcut, then ReLU. */
export function bottleneck(b: GraphBuilder, x: Sym, width: number, stride: number): Sym {
  const out = width * 4;
  let y = convBnAct(b, x, { out: width, kernel: 1 }, 'relu');
  y = convBnAct(b, y, { out: width, kernel: 3, stride }, 'relu');
  y = convBnAct(b, y, { out, kernel: 1 }, 'none');
  const shortcut =
    stride !== 1 || x.channels !== out
      ? b.scope('downsample', () => convBnAct(b, x, { out, kernel: 1, stride, pad: 0 }, 'none'))
      : x;
  return b.relu(b.add(y, shortcut));
}

/** Stem + the four bottleneck stages; returns C2..C5 (strides 4, 8, 16, 32). */
export function resnet50Body(b: GraphBuilder, x: Sym): Sym[] {
  let y = convBnAct(b, x, { out: 64, kernel: 7, stride: 2, pad: 3 }, 'relu');
  y = b.maxPool(y, { kernel: 3, stride: 2, pad: 1 });
  const stages: [width: number, blocks: number, stride: number][] = [
    [64, 3, 1],
    [128, 4, 2],
    [256, 6, 2],
    [512, 3, 2],
  ];
  const features: Sym[] = [];
  stages.forEach(([width, blocks, stride], s) => {
    y = b.scope(`layer${s + 1}`, () => {
      let z = y;
      for (let i = 0; i < blocks; i++)
        z = b.scope(`${i}`, () => bottleneck(b, z, width, i === 0 ? stride : 1));
      return z;
    });
    features.push(y);
  });
  return features;
}

export function resnet50(inputSizePx = 224): Graph {
  const b = new GraphBuilder('resnet50');
  const x = b.input('input', [1, 3, inputSizePx, inputSizePx]);
  const c5 = resnet50Body(b, x)[3];
  if (!c5) throw new Error('resnet50: missing C5');
  b.output(poolFlattenFc(b, c5, 1000));
  return b.build();
}
