// import -> export -> onnxruntime: the re-exported model must compute exactly what the original does.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exportOnnx, importOnnxBytes, importOnnxFile } from '../../../src/formats/onnx/index.js';
import { maxAbsDiff, MODELS, ort, randomFloats, runModel, type Feeds } from './fixtures.js';

function imageFeeds(shape: number[], seed: number): Feeds {
  const n = shape.reduce((a, b) => a * b, 1);
  return { x: new ort.Tensor('float32', randomFloats(n, seed), shape) };
}

function sileroFeeds(seed: number, withSr: boolean): Feeds {
  const feeds: Feeds = {
    input: new ort.Tensor('float32', randomFloats(512, seed), [1, 512]),
    state: new ort.Tensor(
      'float32',
      randomFloats(256, seed + 1).map((v) => v * 0.1),
      [2, 1, 128],
    ),
  };
  if (withSr) feeds.sr = new ort.Tensor('int64', BigInt64Array.of(16000n), []);
  return feeds;
}

const cases: { key: keyof typeof MODELS; feeds: Feeds }[] = [
  { key: 'det', feeds: imageFeeds([1, 3, 64, 64], 1) },
  { key: 'rec', feeds: imageFeeds([1, 3, 48, 160], 2) },
  { key: 'cls', feeds: imageFeeds([1, 3, 48, 192], 3) },
  { key: 'silero', feeds: sileroFeeds(4, true) },
  { key: 'sileroHalf', feeds: sileroFeeds(5, false) },
  { key: 'sileroIfless', feeds: sileroFeeds(6, true) },
];

describe('ONNX round trip through onnxruntime-node', () => {
  for (const { key, feeds } of cases) {
    it(`${key}: re-exported model gives identical outputs`, async () => {
      const original = readFileSync(MODELS[key]);
      const graph = importOnnxFile(MODELS[key]);
      const exported = exportOnnx(graph);
      const [want, got] = [await runModel(original, feeds), await runModel(exported, feeds)];
      expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
      for (const name of Object.keys(want)) {
        expect(got[name].dims).toEqual(want[name].dims);
        expect(maxAbsDiff(want[name], got[name]), name).toBeLessThanOrEqual(1e-5);
      }
      // Exporting what we imported is stable: a second trip gives the same graph structure.
      const again = importOnnxBytes(exported, { name: `${key}.onnx` });
      expect(again.nodes.map((n) => n.op)).toEqual(graph.nodes.map((n) => n.op));
      expect(again.inputs).toEqual(graph.inputs);
      expect(again.outputs).toEqual(graph.outputs);
    });
  }

  it('overrides the opset and writes the matching IR version', async () => {
    const { onnx } = await import('./fixtures.js');
    const graph = importOnnxFile(MODELS.cls);
    const model = onnx.ModelProto.decode(exportOnnx(graph, { opsetVersion: 13 }));
    expect(model.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', 13]]);
    expect(Number(model.irVersion)).toBe(7);
    expect(model.graph?.initializer?.length).toBe(250);
  });
});
