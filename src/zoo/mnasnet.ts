// MnasNet-B1 with depth multiplier 1.0 (Tan et al., MnasNet: Platform-Aware Neural Architecture Search
// for Mobile, CVPR 2019) in torchvision's layout (torchvision/models/mnasnet.py, `mnasnet1_0`): a stem
// conv and depthwise-separable conv, six `_stack`s of ReLU inverted residuals without squeeze-excite,
// a 1×1 head to 1280 channels, a mean over H and W and one Linear. Dropout acts only in training.
//
// Node ids are torchvision's module paths with `/` for `.`: `layers/8/0/layers/3` is the depthwise conv
// torchvision calls `layers.8.0.layers.3`, so `layers/8/0/layers/3.weight` names the same tensor.
import { type ConvOptions, GraphBuilder, type Sym } from './builder.js';
import type { Graph } from '../graph/types.js';
import { convBn } from './layers.js';

/**
 * torchvision builds every BatchNorm2d with PyTorch's default eps; its momentum (1 − 0.9997, from the
 * paper's TensorFlow setting) only affects training.
 */
const BN_EPS = 1e-5;

interface StackSpec {
  out: number;
  kernel: number;
  /** Stride of the first block; the rest of the stack keeps the resolution. */
  stride: number;
  expansion: number;
  repeats: number;
}

/** The `_stack(...)` calls of torchvision's MNASNet at alpha 1.0, after the stem's 16 channels. */
const B1_STACKS: StackSpec[] = [
  { out: 24, kernel: 3, stride: 2, expansion: 3, repeats: 3 },
  { out: 40, kernel: 5, stride: 2, expansion: 3, repeats: 3 },
  { out: 80, kernel: 5, stride: 2, expansion: 6, repeats: 3 },
  { out: 96, kernel: 3, stride: 1, expansion: 6, repeats: 2 },
  { out: 192, kernel: 5, stride: 2, expansion: 6, repeats: 4 },
  { out: 320, kernel: 3, stride: 1, expansion: 6, repeats: 1 },
];

/** Index of the first stack inside torchvision's `layers` Sequential (after 8 stem modules). */
const FIRST_STACK_INDEX = 8;
const HEAD_CHANNELS = 1280;
const NUM_CLASSES = 1000;

/**
 * Conv (no bias) → BatchNorm (→ ReLU) as consecutive entries of an nn.Sequential, the conv at index
 * `at`; padding defaults to k // 2 as torchvision's.
 */
function convBnAt(b: GraphBuilder, x: Sym, at: number, o: Omit<ConvOptions, 'bias'>, relu: boolean): Sym {
  const y = convBn(b, x, o, BN_EPS, { conv: `${at}`, bn: `${at + 1}` });
  return relu ? b.relu(y, `${at + 2}`) : y;
}

/** torchvision's `_InvertedResidual`: 1×1 expand → k×k depthwise → linear 1×1 project (+ identity). */
function invertedResidual(b: GraphBuilder, x: Sym, s: StackSpec, stride: number): Sym {
  const mid = x.channels * s.expansion;
  const y = b.scope('layers', () => {
    const expanded = convBnAt(b, x, 0, { out: mid, kernel: 1 }, true);
    const filtered = convBnAt(b, expanded, 3, { out: mid, kernel: s.kernel, stride, group: mid }, true);
    return convBnAt(b, filtered, 6, { out: s.out, kernel: 1 }, false);
  });
  return stride === 1 && x.channels === s.out ? b.add(y, x) : y;
}

/** Only the first block of a stack strides or changes width, so only the rest get a shortcut. */
function stack(b: GraphBuilder, x: Sym, s: StackSpec): Sym {
  let y = x;
  for (let i = 0; i < s.repeats; i++) {
    y = b.scope(`${i}`, () => invertedResidual(b, y, s, i === 0 ? s.stride : 1));
  }
  return y;
}

/** layers.0–7: conv 3×3/2 to 32, then a depthwise-separable conv to 16 with no ReLU after the 1×1. */
function stem(b: GraphBuilder, x: Sym): Sym {
  const y = convBnAt(b, x, 0, { out: 32, kernel: 3, stride: 2 }, true);
  const depthwise = convBnAt(b, y, 3, { out: 32, kernel: 3, group: 32 }, true);
  return convBnAt(b, depthwise, 6, { out: 16, kernel: 1 }, false);
}

export function mnasnet10(inputSizePx = 224): Graph {
  const b = new GraphBuilder('mnasnet1.0');
  const input = b.input('input', [1, 3, inputSizePx, inputSizePx]);
  const features = b.scope('layers', () => {
    let y = stem(b, input);
    B1_STACKS.forEach((s, i) => {
      y = b.scope(`${FIRST_STACK_INDEX + i}`, () => stack(b, y, s));
    });
    const headIndex = FIRST_STACK_INDEX + B1_STACKS.length;
    return convBnAt(b, y, headIndex, { out: HEAD_CHANNELS, kernel: 1 }, true);
  });
  // torchvision's forward is x.mean([2, 3]), which torch.onnx exports as this ReduceMean.
  const [pooled] = b.op('ReduceMean', [features], { axes: [2, 3], keepdims: 0 }, HEAD_CHANNELS, {
    id: 'mean',
  });
  if (pooled === undefined) throw new Error('ReduceMean: no output');
  // classifier.0 is Dropout (identity at inference); classifier.1 is the Linear.
  b.output(b.scope('classifier', () => b.gemm(pooled, NUM_CLASSES, '1')));
  return b.build();
}
