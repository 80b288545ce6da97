// PoseNet as shipped in TensorFlow.js (@tensorflow-models/posenet, MobileNetV1 multiplier 1.0,
// output stride 16, input 257×257 — the 2.x default resolution): MobileNetV1 separable convs with
// folded-BN biases and ReLU6; once the output stride is reached, later stride-2 layers become stride 1
// and the following depthwise convs are dilated (atrous). Four 1×1 heads: 17 keypoint heatmaps,
// 34 offsets, 32 forward and 32 backward displacements.
import { GraphBuilder, type Sym } from './builder.js';
import type { Graph } from '../graph/types.js';

/** MobileNetV1 body: [output channels, stride] of each depthwise-separable layer (Howard et al. 2017, Table 1). */
const MOBILENET_V1: [number, number][] = [
  [64, 1],
  [128, 2],
  [128, 1],
  [256, 2],
  [256, 1],
  [512, 2],
  [512, 1],
  [512, 1],
  [512, 1],
  [512, 1],
  [512, 1],
  [1024, 2],
  [1024, 1],
];

function convRelu6(b: GraphBuilder, x: Sym, o: Parameters<GraphBuilder['conv']>[1]): Sym {
  return b.relu6(b.conv(x, { ...o, bias: true }));
}

/** MobileNetV1 features with atrous convs past `outputStride` (16 or 32 = the classification net). */
export function mobilenetV1Features(b: GraphBuilder, x: Sym, outputStride: number): Sym {
  let y = convRelu6(b, x, { out: 32, kernel: 3, stride: 2 });
  let currentStride = 2;
  let rate = 1;
  MOBILENET_V1.forEach(([out, stride], i) => {
    let layerStride = stride;
    let layerRate = 1;
    if (currentStride === outputStride) {
      layerStride = 1;
      layerRate = rate;
      rate *= stride;
    } else {
      currentStride *= stride;
    }
    y = b.scope(`conv${i + 1}`, () => {
      const dw = convRelu6(b, y, {
        out: y.channels,
        kernel: 3,
        stride: layerStride,
        dilation: layerRate,
        group: y.channels,
      });
      return convRelu6(b, dw, { out, kernel: 1 });
    });
  });
  return y;
}

export function posenet(inputSizePx = 257): Graph {
  const b = new GraphBuilder('posenet');
  const x = b.input('input', [1, 3, inputSizePx, inputSizePx]);
  const features = mobilenetV1Features(b, x, 16);
  const head = (id: string, out: number): Sym => b.conv(features, { out, kernel: 1, bias: true }, id);
  b.output(
    b.sigmoid(head('heatmap', 17)),
    head('offset', 34),
    head('displacement_fwd', 32),
    head('displacement_bwd', 32),
  );
  return b.build();
}

/** MobileNetV1 1.0 classifier (224, with biases as BN folded): checks the backbone against the paper. */
export function mobilenetV1(inputSizePx = 224): Graph {
  const b = new GraphBuilder('mobilenetv1');
  const x = b.input('input', [1, 3, inputSizePx, inputSizePx]);
  const features = mobilenetV1Features(b, x, 32);
  b.output(b.gemm(b.flatten(b.globalAvgPool(features), features.channels), 1000));
  return b.build();
}
