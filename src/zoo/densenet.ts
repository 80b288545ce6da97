// DenseNet-121 (Huang et al., "Densely Connected Convolutional Networks", CVPR 2017) in torchvision's
// layout: growth rate 32, blocks of (6, 12, 24, 16) layers, 64 stem features, bottleneck width 4·32.
// Unlike the post-activation CNNs of the zoo (conv → BN → ReLU), DenseNet's layers and transitions are
// pre-activation (BN → ReLU → conv), so they are spelled out here instead of using convBnAct.
import { GraphBuilder, type Sym } from './builder.js';
import type { Graph } from '../graph/types.js';

const GROWTH_RATE = 32;
const BLOCK_CONFIG = [6, 12, 24, 16] as const;
const INIT_FEATURES = 64;
/** Bottleneck multiplier: each layer's 1×1 conv produces BN_SIZE · GROWTH_RATE channels. */
const BN_SIZE = 4;

/** One dense layer: BN → ReLU → 1×1 (→128) → BN → ReLU → 3×3 (→32); returns only the new features. */
function denseLayer(b: GraphBuilder, x: Sym): Sym {
  let y = b.relu(b.batchNorm(x, 1e-5, 'norm1'));
  y = b.conv(y, { out: BN_SIZE * GROWTH_RATE, kernel: 1, pad: 0, bias: false }, 'conv1');
  y = b.relu(b.batchNorm(y, 1e-5, 'norm2'));
  return b.conv(y, { out: GROWTH_RATE, kernel: 3, pad: 1, bias: false }, 'conv2');
}

/**
 * A dense block. torchvision keeps a list [block input, new features of each layer so far] and
 * concatenates it afresh before every layer (and once more for the block output), rather than growing
 * one tensor by a 2-input concat per layer; we emit the same multi-input Concats, so the planner sees
 * every earlier feature map staying live until the block ends, as it does in PyTorch.
 */
function denseBlock(b: GraphBuilder, x: Sym, layers: number): Sym {
  const features: Sym[] = [x];
  for (let i = 0; i < layers; i++) {
    // The first layer reads the block input directly: torch.cat of a one-element list is a no-op.
    const input = features.length === 1 ? x : b.concat(features);
    features.push(b.scope(`denselayer${i + 1}`, () => denseLayer(b, input)));
  }
  const out = b.concat(features);
  if (out.channels !== x.channels + layers * GROWTH_RATE) {
    throw new Error(`densenet: block output has ${out.channels} channels`);
  }
  return out;
}

/** Between blocks: BN → ReLU → 1×1 conv halving the channels → 2×2 average pool halving H and W. */
function transition(b: GraphBuilder, x: Sym): Sym {
  const y = b.relu(b.batchNorm(x, 1e-5, 'norm'));
  const reduced = b.conv(y, { out: Math.floor(x.channels / 2), kernel: 1, pad: 0, bias: false }, 'conv');
  // No padding, so count_include_pad (PyTorch's default true, ONNX's false) makes no difference.
  return b.avgPool(reduced, { kernel: 2, stride: 2 });
}

export function densenet121(inputSizePx = 224): Graph {
  const b = new GraphBuilder('densenet121');
  let x = b.input('input', [1, 3, inputSizePx, inputSizePx]);
  x = b.conv(x, { out: INIT_FEATURES, kernel: 7, stride: 2, pad: 3, bias: false }, 'conv0');
  x = b.relu(b.batchNorm(x, 1e-5, 'norm0'));
  x = b.maxPool(x, { kernel: 3, stride: 2, pad: 1 });
  BLOCK_CONFIG.forEach((layers, i) => {
    x = b.scope(`denseblock${i + 1}`, () => denseBlock(b, x, layers));
    if (i < BLOCK_CONFIG.length - 1) x = b.scope(`transition${i + 1}`, () => transition(b, x));
  });
  // The last block ends in a plain BN (norm5) with the ReLU applied in DenseNet.forward, not a layer.
  x = b.relu(b.batchNorm(x, 1e-5, 'norm5'));
  const pooled = b.flatten(b.globalAvgPool(x), x.channels);
  b.output(b.gemm(pooled, 1000, 'classifier'));
  return b.build();
}
