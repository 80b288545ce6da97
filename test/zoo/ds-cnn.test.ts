// DS-CNN keyword spotting against Hello Edge's published operation counts, its structure (Arm's
// reference layout, TensorFlow "same" padding), and a real run of the exported weightless model.
import { describe, expect, it } from 'vitest';
import { graphCost } from '../../src/graph/cost.js';
import { dsCnn } from '../../src/zoo/ds-cnn.js';
import { expectWithin, inferred, opCount, runExported, shapeOf, weightCount } from './zoo-helpers.js';

// Zhang et al., Hello Edge (arXiv 1711.07128), and the ARM-software/ML-KWS-for-MCU README's summary
// table: DS-CNN S, M and L take 5.4, 19.8 and 56.9 M operations per inference (2 per MAC).
const PUBLISHED_OPS = { s: 5.4e6, m: 19.8e6, l: 56.9e6 } as const;

describe('DS-CNN', () => {
  const m = inferred(dsCnn());

  it('maps 49×10 MFCCs to 12 keyword scores', () => {
    expect(m.name).toBe('ds-cnn-m');
    expect(shapeOf(m, 'mfcc')).toEqual([1, 1, 49, 10]);
    expect(m.outputs.map((o) => shapeOf(m, o))).toEqual([[1, 12]]);
    expect(graphCost(m).unknownCostNodes).toEqual([]);
  });

  for (const size of ['s', 'm', 'l'] as const) {
    it(`DS-CNN ${size.toUpperCase()} matches Hello Edge's operation count within 3%`, () => {
      expectWithin(2 * graphCost(inferred(dsCnn({ size }))).macs, PUBLISHED_OPS[size]);
    });
  }

  it('pads the TensorFlow "same" way: the 10×4 stride-(2,1) conv keeps ⌈49/2⌉ × 10', () => {
    const conv = m.nodes.find((n) => n.op === 'Conv')!;
    // Total padding 9 rows (one more at the bottom) and 3 columns (one more at the right).
    expect(conv.attrs.pads).toEqual([4, 1, 5, 2]);
    expect(shapeOf(m, conv.outputs[0])).toEqual([1, 172, 25, 10]);
  });

  it('M has a conv and 4 depthwise-separable layers of 172 channels, each conv biased and batch-normed', () => {
    const convs = m.nodes.filter((n) => n.op === 'Conv');
    expect(convs.length).toBe(1 + 2 * 4);
    for (const c of convs) expect(c.inputs.length, c.id).toBe(3);
    expect(convs.filter((c) => c.attrs.group === 172).length).toBe(4);
    expect(opCount(m, 'BatchNormalization')).toBe(convs.length);
    expect(opCount(m, 'Relu')).toBe(convs.length);
    // The first DS layer strides 2×2: 25×10 → 13×5, which the average pool then covers whole.
    const pool = m.nodes.find((n) => n.op === 'AveragePool')!;
    expect(pool.attrs.kernel_shape).toEqual([13, 5]);
    // Weights: conv 40·172+172, per DS layer 9·172+172 and 172·172+172, fc 172·12+12; BN scale+shift.
    const convAndFc = 40 * 172 + 172 + 4 * (9 * 172 + 172 + 172 * 172 + 172) + 172 * 12 + 12;
    expect(weightCount(m)).toBe(convAndFc + 9 * 2 * 172);
  });

  it('weighs 0.55 MB in float32: below one core’s L2, like ppocr-cls', () => {
    expect(weightCount(m) * 4).toBeLessThan(1 << 20);
  });

  it('exported with generated weights, runs on onnxruntime-node at 98×40 log-mel bands', async () => {
    const wide = inferred(dsCnn({ frames: 98, coefficients: 40 }));
    expect(wide.outputs.map((o) => shapeOf(wide, o))).toEqual([[1, 12]]);
    await runExported(wide);
  });
});
