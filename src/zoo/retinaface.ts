// RetinaFace (Deng et al., CVPR 2020) with a ResNet-50 backbone at 640×640 — the backbone and input
// size CoDL (MobiSys'22) evaluated — in the layout of the widely used PyTorch port (biubug6/
// Pytorch_Retinaface, also OpenVINO's retinaface-resnet50-pytorch): FPN over C3..C5 (strides 8/16/32,
// 256 channels, nearest upsampling), an SSH context module per level, and 1×1 heads for 2 anchors per
// location: face scores (2), box deltas (4) and five landmarks (10), concatenated over the levels.
import { GraphBuilder, type Sym } from './builder.js';
import { convBnAct } from './layers.js';
import { resnet50Body } from './resnet.js';
import type { Graph } from '../graph/types.js';

const FPN_CHANNELS = 256;
const ANCHORS_PER_CELL = 2;

/** SSH context module: 3×3 (half the channels) ‖ two stacked 3×3 (5×5 field) ‖ three (7×7), then ReLU. */
function ssh(b: GraphBuilder, x: Sym): Sym {
  const quarter = FPN_CHANNELS / 4;
  const c3 = convBnAct(b, x, { out: FPN_CHANNELS / 2, kernel: 3 }, 'none');
  const c5a = convBnAct(b, x, { out: quarter, kernel: 3 }, 'relu');
  const c5 = convBnAct(b, c5a, { out: quarter, kernel: 3 }, 'none');
  const c7a = convBnAct(b, c5a, { out: quarter, kernel: 3 }, 'relu');
  const c7 = convBnAct(b, c7a, { out: quarter, kernel: 3 }, 'none');
  return b.relu(b.concat([c3, c5, c7]));
}

/** A 1×1 head, rearranged from NCHW to [1, H·W·anchors, values]. */
function head(b: GraphBuilder, x: Sym, id: string, values: number): Sym {
  const y = b.conv(x, { out: ANCHORS_PER_CELL * values, kernel: 1, bias: true }, id);
  const nhwc = b.transpose(y, [0, 2, 3, 1], y.channels);
  return b.reshape(nhwc, [1, -1, values], values);
}

export function retinaface(inputSizePx = 640): Graph {
  const b = new GraphBuilder('retinaface');
  const x = b.input('input', [1, 3, inputSizePx, inputSizePx]);
  const [, c3, c4, c5] = b.scope('body', () => resnet50Body(b, x));
  if (!c3 || !c4 || !c5) throw new Error('retinaface: missing backbone features');
  const levels = b.scope('fpn', () => {
    const lateral = (c: Sym): Sym => convBnAct(b, c, { out: FPN_CHANNELS, kernel: 1, pad: 0 }, 'relu');
    const merge = (c: Sym): Sym => convBnAct(b, c, { out: FPN_CHANNELS, kernel: 3 }, 'relu');
    const p5 = lateral(c5);
    const p4 = merge(b.add(lateral(c4), b.upsampleNearest(p5, 2)));
    const p3 = merge(b.add(lateral(c3), b.upsampleNearest(p4, 2)));
    return [p3, p4, p5];
  });
  const contexts = levels.map((p, i) => b.scope(`ssh${i + 1}`, () => ssh(b, p)));
  const gather = (id: string, values: number): Sym =>
    b.concat(
      contexts.map((c, i) => b.scope(`${id}${i}`, () => head(b, c, 'conv1x1', values))),
      1,
      values,
    );
  const boxes = gather('BboxHead', 4);
  const scores = b.softmax(gather('ClassHead', 2), -1);
  const landmarks = gather('LandmarkHead', 10);
  b.output(boxes, scores, landmarks);
  return b.build();
}
