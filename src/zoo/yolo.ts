// YOLOv2 at 416×416 (Redmon & Farhadi, "YOLO9000", CVPR 2017), Darknet's yolo-voc.cfg: a
// Darknet-19 backbone, three extra 3×3×1024 convs, and the passthrough layer (1×1×64 conv on the
// 26×26 features, reorg by 2, concatenated with the 13×13 features). Output: 5 anchors × (20 classes
// + 5) = 125 channels. Darknet's "reorg" is a channel permutation of SpaceToDepth; the
// weightless graph uses SpaceToDepth, which has the same shape and cost.
// The first Darknet release (yolo-voc.2.0.cfg) reorganised the 512-channel features directly, without
// the 1×1×64 conv; Darknet's published 34.90 Bn FLOPs for VOC 416 is that variant (`passthroughConv: false`).
import { GraphBuilder, type Sym } from './builder.js';
import { convBnAct } from './layers.js';
import type { Graph } from '../graph/types.js';

export interface Yolov2Options {
  inputSizePx?: number;
  /** 20 for Pascal VOC (yolov2-voc.cfg), 80 for COCO (yolov2.cfg). */
  classes?: number;
  /** The 1×1×64 conv before the reorg (current cfgs); false = the original release. */
  passthroughConv?: boolean;
}

const ANCHORS = 5;

function cbl(b: GraphBuilder, x: Sym, out: number, kernel: number): Sym {
  return convBnAct(b, x, { out, kernel }, 'leaky0.1');
}

function pool(b: GraphBuilder, x: Sym): Sym {
  return b.maxPool(x, { kernel: 2, stride: 2 });
}

export function yolov2(o: Yolov2Options = {}): Graph {
  const inputSizePx = o.inputSizePx ?? 416;
  const classes = o.classes ?? 20;
  const b = new GraphBuilder('yolov2');
  let x = b.input('input', [1, 3, inputSizePx, inputSizePx]);
  x = pool(b, cbl(b, x, 32, 3));
  x = pool(b, cbl(b, x, 64, 3));
  x = pool(b, cbl(b, cbl(b, cbl(b, x, 128, 3), 64, 1), 128, 3));
  x = pool(b, cbl(b, cbl(b, cbl(b, x, 256, 3), 128, 1), 256, 3));
  for (const out of [512, 256, 512, 256, 512]) x = cbl(b, x, out, out === 512 ? 3 : 1);
  const fine = x; // 26×26×512: source of the passthrough
  x = pool(b, x);
  for (const out of [1024, 512, 1024, 512, 1024]) x = cbl(b, x, out, out === 1024 ? 3 : 1);
  x = cbl(b, cbl(b, x, 1024, 3), 1024, 3);
  const passthrough = b.scope('passthrough', () =>
    b.spaceToDepth(o.passthroughConv === false ? fine : cbl(b, fine, 64, 1), 2),
  );
  x = cbl(b, b.concat([passthrough, x]), 1024, 3);
  b.output(b.conv(x, { out: ANCHORS * (classes + 5), kernel: 1, bias: true }, 'detect'));
  return b.build();
}

/**
 * YOLOv4-tiny (Bochkovskiy et al., arXiv 2004.10934; AlexeyAB darknet cfg/yolov4-tiny.cfg, COCO): three
 * CSP blocks (a 3×3 conv, its second channel half through two 3×3 convs, concatenated, a 1×1 conv,
 * concatenated with the block's first conv, 2×2 max-pool), a 3×3×512 conv, and two heads: 13×13
 * (1×1×256, 3×3×512, 1×1×255) and 26×26 (1×1×128, nearest ×2 upsample, concatenated with the last
 * block's 1×1 conv, 3×3×256, 1×1×255). 3 anchors × (80 classes + 5) = 255 channels per head.
 */
export function yolov4Tiny(inputSizePx = 416): Graph {
  const b = new GraphBuilder('yolov4-tiny');
  let x = b.input('input', [1, 3, inputSizePx, inputSizePx]);
  x = convBnAct(b, x, { out: 32, kernel: 3, stride: 2 }, 'leaky0.1');
  x = convBnAct(b, x, { out: 64, kernel: 3, stride: 2 }, 'leaky0.1');
  let route = x;
  for (const [i, width] of [64, 128, 256].entries()) {
    [x, route] = b.scope(`csp${i}`, () => {
      const head = cbl(b, x, width, 3);
      // Darknet's [route] groups=2 group_id=1: the second half of the channels.
      const half = b.slice(head, { starts: [width / 2], ends: [width], axes: [1] }, width / 2);
      const a = cbl(b, half, width / 2, 3);
      const c = cbl(b, a, width / 2, 3);
      const joined = cbl(b, b.concat([c, a], 1, width), width, 1);
      return [pool(b, b.concat([head, joined], 1, 2 * width)), joined];
    });
  }
  x = cbl(b, x, 512, 3);
  const neck = cbl(b, x, 256, 1);
  const large = b.scope('head13', () =>
    b.conv(cbl(b, neck, 512, 3), { out: 255, kernel: 1, bias: true }, 'detect'),
  );
  const medium = b.scope('head26', () => {
    const up = b.upsampleNearest(cbl(b, neck, 128, 1), 2);
    const y = cbl(b, b.concat([up, route], 1, 128 + 256), 256, 3);
    return b.conv(y, { out: 255, kernel: 1, bias: true }, 'detect');
  });
  b.output(large, medium);
  return b.build();
}
