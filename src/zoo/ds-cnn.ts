// DS-CNN keyword spotting (Zhang et al., Hello Edge: Keyword Spotting on Microcontrollers, arXiv
// 1711.07128), the always-on audio model of the mobile and MCU benchmarks (MLPerf Tiny's KWS task uses
// its small variant). Layout of Arm's reference (github.com/ARM-software/ML-KWS-for-MCU, models.py
// create_ds_cnn_model; sizes from its train_commands.txt): a biased conv over the MFCC map, then
// depthwise-separable layers (biased depthwise 3×3 → BN → ReLU → biased pointwise 1×1 → BN → ReLU),
// an average pool over the whole remaining map and a 12-way fully connected layer. Every conv pads
// TensorFlow's "same" way: an even total pads one more at the end.
import { GraphBuilder, type Sym } from './builder.js';
import type { Graph } from '../graph/types.js';

/** One layer: its width, kernel and stride (time × frequency), as model_size_info lists them. */
interface DsLayer {
  channels: number;
  kernel: [number, number];
  stride: [number, number];
}

const first = (channels: number, stride: [number, number]): DsLayer => ({
  channels,
  kernel: [10, 4],
  stride,
});
const ds = (channels: number, stride: [number, number] = [1, 1]): DsLayer => ({
  channels,
  kernel: [3, 3],
  stride,
});

/** The three published sizes (train_commands.txt): the first layer is a regular conv, the rest DS. */
export const DS_CNN_SIZES = {
  s: [first(64, [2, 2]), ds(64), ds(64), ds(64), ds(64)],
  m: [first(172, [2, 1]), ds(172, [2, 2]), ds(172), ds(172), ds(172)],
  l: [first(276, [2, 1]), ds(276, [2, 2]), ds(276), ds(276), ds(276), ds(276)],
} as const satisfies Record<string, readonly DsLayer[]>;
export type DsCnnSize = keyof typeof DS_CNN_SIZES;

export interface DsCnnOptions {
  size?: DsCnnSize;
  /** MFCC frames (40 ms windows every 20 ms: 49 for a 1 s clip). */
  frames?: number;
  /** MFCC coefficients per frame. */
  coefficients?: number;
  classes?: number;
}

/** TensorFlow "same" padding of one axis: [before, after] for an output of ceil(in / stride). */
function samePad(inSize: number, kernel: number, stride: number): [number, number] {
  const out = Math.ceil(inSize / stride);
  const total = Math.max(0, (out - 1) * stride + kernel - inSize);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

function sameConv(
  b: GraphBuilder,
  x: Sym,
  dims: [number, number],
  layer: DsLayer,
  group: number,
  id: string,
): Sym {
  const [top, bottom] = samePad(dims[0], layer.kernel[0], layer.stride[0]);
  const [left, right] = samePad(dims[1], layer.kernel[1], layer.stride[1]);
  const out = group === 1 ? layer.channels : x.channels;
  return b.conv(
    x,
    { out, kernel: layer.kernel, stride: layer.stride, pad: [top, left, bottom, right], group, bias: true },
    id,
  );
}

export function dsCnn(opts: DsCnnOptions = {}): Graph {
  const size = opts.size ?? 'm';
  const layers = DS_CNN_SIZES[size];
  const b = new GraphBuilder(`ds-cnn-${size}`);
  let dims: [number, number] = [opts.frames ?? 49, opts.coefficients ?? 10];
  let x = b.input('mfcc', [1, 1, ...dims]);
  const next = (l: DsLayer): [number, number] => [
    Math.ceil(dims[0] / l.stride[0]),
    Math.ceil(dims[1] / l.stride[1]),
  ];
  layers.forEach((layer, i) => {
    if (i === 0) {
      x = b.scope('conv_1', () => b.relu(b.batchNorm(sameConv(b, x, dims, layer, 1, 'conv'))));
    } else {
      x = b.scope(`conv_ds_${i}`, () => {
        const dw = b.relu(b.batchNorm(sameConv(b, x, dims, layer, x.channels, 'dw_conv')));
        const pw = { channels: layer.channels, kernel: [1, 1], stride: [1, 1] } satisfies DsLayer;
        return b.relu(b.batchNorm(sameConv(b, dw, next(layer), pw, 1, 'pw_conv')));
      });
    }
    dims = next(layer);
  });
  x = b.avgPool(x, { kernel: dims, stride: dims });
  x = b.flatten(x, x.channels);
  b.output(b.gemm(x, opts.classes ?? 12, 'fc1'));
  return b.build();
}
