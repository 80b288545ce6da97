// ResNets (He et al., CVPR 2016) in torchvision's layout. ResNet-50 is "v1.5": the stride of a
// downsampling bottleneck sits on its 3×3 conv, and each stage's first block has a 1×1 projection
// shortcut. ResNet-18 stacks basic blocks, with a projection only where the shape changes.
import { GraphBuilder, type Sym } from './builder.js';
import { convBn, convBnAct, poolFlattenFc } from './layers.js';
import type { Graph } from '../graph/types.js';

/** A residual block that maps `x` to `width`-derived channels, striding its first spatial conv. */
type Block = (b: GraphBuilder, x: Sym, width: number, stride: number) => Sym;

/** [width, blocks, stride] of each stage `layer1`..`layer4`. */
type StageSpec = [width: number, blocks: number, stride: number];

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

/**
 * torchvision's BasicBlock: conv3×3 (strided) → BN → ReLU → conv3×3 → BN, plus the shortcut (a 1×1
 * conv + BN `downsample` where the shape changes), then ReLU. Ids follow its module names.
 */
export function basicBlock(b: GraphBuilder, x: Sym, width: number, stride: number): Sym {
  const y = b.relu(convBn(b, x, { out: width, kernel: 3, stride }, 1e-5, { conv: 'conv1', bn: 'bn1' }));
  const z = convBn(b, y, { out: width, kernel: 3 }, 1e-5, { conv: 'conv2', bn: 'bn2' });
  const shortcut =
    stride !== 1 || x.channels !== width
      ? b.scope('downsample', () =>
          convBn(b, x, { out: width, kernel: 1, stride, pad: 0 }, 1e-5, { conv: '0', bn: '1' }),
        )
      : x;
  return b.relu(b.add(z, shortcut));
}

/** The four stages; returns each stage's output (strides 4, 8, 16, 32 after the stem). */
function stages(b: GraphBuilder, x: Sym, block: Block, specs: StageSpec[]): Sym[] {
  const features: Sym[] = [];
  let y = x;
  specs.forEach(([width, blocks, stride], s) => {
    y = b.scope(`layer${s + 1}`, () => {
      let z = y;
      for (let i = 0; i < blocks; i++) z = b.scope(`${i}`, () => block(b, z, width, i === 0 ? stride : 1));
      return z;
    });
    features.push(y);
  });
  return features;
}

/** Stem + the four bottleneck stages; returns C2..C5 (strides 4, 8, 16, 32). */
export function resnet50Body(b: GraphBuilder, x: Sym): Sym[] {
  let y = convBnAct(b, x, { out: 64, kernel: 7, stride: 2, pad: 3 }, 'relu');
  y = b.maxPool(y, { kernel: 3, stride: 2, pad: 1 });
  const specs: StageSpec[] = [
    [64, 3, 1],
    [128, 4, 2],
    [256, 6, 2],
    [512, 3, 2],
  ];
  return stages(b, y, bottleneck, specs);
}

export function resnet50(inputSizePx = 224): Graph {
  const b = new GraphBuilder('resnet50');
  const x = b.input('input', [1, 3, inputSizePx, inputSizePx]);
  const c5 = resnet50Body(b, x)[3];
  if (!c5) throw new Error('resnet50: missing C5');
  b.output(poolFlattenFc(b, c5, 1000));
  return b.build();
}

/**
 * torchvision `resnet18`: stem conv7×7/2 + BN + ReLU + maxpool 3×3/2, basic-block stages [2, 2, 2, 2]
 * of widths 64..512, then avgpool → flatten → fc 512→1000. Node ids are torchvision module paths
 * (`conv1`, `layer2/0/downsample/0`, `fc`); ResNet-50 above keeps the builder's default ids.
 */
export function resnet18(inputSizePx = 224): Graph {
  const b = new GraphBuilder('resnet18');
  const x = b.input('input', [1, 3, inputSizePx, inputSizePx]);
  const stem = b.relu(
    convBn(b, x, { out: 64, kernel: 7, stride: 2, pad: 3 }, 1e-5, { conv: 'conv1', bn: 'bn1' }),
  );
  const pooled = b.maxPool(stem, { kernel: 3, stride: 2, pad: 1 });
  const specs: StageSpec[] = [
    [64, 2, 1],
    [128, 2, 2],
    [256, 2, 2],
    [512, 2, 2],
  ];
  const c5 = stages(b, pooled, basicBlock, specs)[3];
  if (!c5) throw new Error('resnet18: missing C5');
  const avg = b.globalAvgPool(c5, 'avgpool');
  b.output(b.gemm(b.flatten(avg, c5.channels), 1000, 'fc'));
  return b.build();
}
