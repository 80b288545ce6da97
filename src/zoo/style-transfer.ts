// Fast neural style transfer: the image transformation network of Johnson, Alahi & Fei-Fei (ECCV 2016,
// supplementary Table 1) with instance normalisation (Ulyanov et al. 2016), as in the common TensorFlow
// implementation: 9×9 conv, two stride-2 3×3 downsampling convs, five residual blocks of 3×3×128,
// two stride-2 transposed 3×3 convs, a 9×9 conv to RGB and a scaled tanh. Convs carry no bias
// (instance norm's shift replaces it). Input 480×640, the size CoDL (MobiSys'22) ran.
import { GraphBuilder, type Sym } from './builder.js';
import type { Graph } from '../graph/types.js';

function convIn(b: GraphBuilder, x: Sym, out: number, kernel: number, stride: number, relu: boolean): Sym {
  const y = b.instanceNorm(b.conv(x, { out, kernel, stride, bias: false }));
  return relu ? b.relu(y) : y;
}

function residual(b: GraphBuilder, x: Sym): Sym {
  const y = convIn(b, convIn(b, x, 128, 3, 1, true), 128, 3, 1, false);
  return b.add(x, y);
}

function upsample(b: GraphBuilder, x: Sym, out: number): Sym {
  // pad 1 + output_padding 1 doubles H and W exactly, like TF's SAME transposed conv.
  const y = b.convTranspose(x, { out, kernel: 3, stride: 2, pad: 1, outputPadding: 1, bias: false });
  return b.relu(b.instanceNorm(y));
}

export function fastStyleTransfer(heightPx = 480, widthPx = 640): Graph {
  const b = new GraphBuilder('fast-style-transfer');
  let x = b.input('input', [1, 3, heightPx, widthPx]);
  x = convIn(b, x, 32, 9, 1, true);
  x = convIn(b, x, 64, 3, 2, true);
  x = convIn(b, x, 128, 3, 2, true);
  for (let i = 0; i < 5; i++) x = b.scope(`res${i + 1}`, () => residual(b, x));
  x = upsample(b, x, 64);
  x = upsample(b, x, 32);
  x = convIn(b, x, 3, 9, 1, false);
  // tanh(x)·150 + 127.5 maps to pixel range, as the reference implementation does.
  b.output(b.add(b.mul(b.tanh(x), 150), 127.5));
  return b.build();
}
