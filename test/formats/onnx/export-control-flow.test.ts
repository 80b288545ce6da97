// Exporting inferred graphs with control flow: onnxruntime must load them (its checker validates
// every If branch at the declared shapes) and compute what the original model computes.
import { describe, expect, it } from 'vitest';
import { exportOnnx } from '../../../src/formats/onnx/index.js';
import { PACKAGED_MODELS, resolvePackagedModel } from '../../../src/frontend/packaged-models.js';
import { loadModel } from '../../../src/frontend/load.js';
import { inlineDecidedIfs } from '../../../src/graph/inline-if.js';
import { inferShapes } from '../../../src/graph/shape-inference.js';
import type { Graph } from '../../../src/graph/types.js';
import { makeFeeds } from '../../../src/runtime/profile-inputs.js';
import { nestedSqueezeIfGraph, squeezeIfGraph } from '../../graph/shape-inference-helpers.js';
import { maxAbsDiff, ort, runModel, type Feeds } from './fixtures.js';

const xFeed = (t: number): ort.Tensor =>
  new ort.Tensor(
    'float32',
    Float32Array.from({ length: 4 * t }, (_, i) => i + 1),
    [1, 4, t],
  );

describe('exporting decided control flow', () => {
  it('an If whose untaken branch cannot run at the bound shape loads and runs in ORT', async () => {
    // Before: the Squeeze branch was exported with x fixed to [1,4,2] and ORT refused the model
    // ("Dimension of input 2 must be 1 instead of 2").
    for (const t of [2, 1]) {
      const { graph } = inferShapes(squeezeIfGraph(), { inputShapes: { x: [1, 4, t] } });
      const x = xFeed(t);
      const { z } = await runModel(exportOnnx(graph), { x });
      expect([...z.dims]).toEqual(t === 1 ? [1, 1, 4] : [1, 1, 4, 2]);
      expect([...(z.data as Float32Array)]).toEqual([...(x.data as Float32Array)]);
    }
  });

  it('an undecided If stays and still runs either way, its decided inner If resolved', async () => {
    const { graph } = inferShapes(nestedSqueezeIfGraph(), { inputShapes: { x: [1, 4, 2] } });
    const bytes = exportOnnx(graph);
    for (const sr of [16000n, 8000n]) {
      const x = xFeed(2);
      const { out } = await runModel(bytes, { x, sr: new ort.Tensor('int64', BigInt64Array.of(sr), []) });
      expect([...out.dims]).toEqual(sr === 16000n ? [1, 1, 4, 2] : [1, 4, 2]);
    }
  });
});

describe('silero VAD (nested If/LSTM) exported after inference at its example inputs', () => {
  const silero = PACKAGED_MODELS.find((m) => m.name === 'silero-vad');
  const original = resolvePackagedModel('silero-vad');

  async function check(graph: Graph, values: Record<string, number[]>): Promise<void> {
    const feeds: Feeds = makeFeeds(graph, values, 7);
    const want = await runModel(original, feeds);
    const got = await runModel(exportOnnx(graph), feeds);
    expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
    for (const name of Object.keys(want)) {
      expect([...got[name].dims], name).toEqual([...want[name].dims]);
      expect(maxAbsDiff(want[name], got[name]), name).toBeLessThanOrEqual(1e-5);
    }
  }

  it('16 kHz, 512 samples: loads in ORT and matches the original file', async () => {
    const { graph, warnings } = loadModel('pkg:silero-vad', { exampleInputs: true });
    expect(warnings).toEqual([]);
    await check(graph, silero?.exampleValues ?? {});
  });

  it('8 kHz, 256 samples: the other branch is the one exported, and it matches too', async () => {
    const { graph } = loadModel('pkg:silero-vad', {
      exampleInputs: true,
      inputs: [{ name: 'input', dims: [1, 256] }],
      values: { sr: [8000] },
    });
    await check(graph, { sr: [8000] });
  });

  it("every tensor hetero infers on the taken path has ORT's shape and value", async () => {
    const { graph } = loadModel('pkg:silero-vad', { exampleInputs: true });
    const flat = inlineDecidedIfs(graph);
    // All of silero's Ifs are decided at these inputs: the whole taken path is one flat graph.
    expect(flat.nodes.filter((n) => n.subgraphs)).toEqual([]);
    const produced = flat.nodes.flatMap((n) => n.outputs).filter((o) => o !== '');
    const probe: Graph = { ...flat, outputs: [...new Set([...flat.outputs, ...produced])] };
    const got = await runModel(exportOnnx(probe), makeFeeds(graph, silero?.exampleValues ?? {}, 7));
    expect(produced.length).toBeGreaterThan(100);
    for (const name of produced) {
      const t = flat.tensors.get(name);
      expect(t?.shape, name).toEqual([...got[name].dims]);
      if (t?.value) {
        const data = got[name].data as ArrayLike<number | bigint>;
        expect(Array.from(data, Number), name).toEqual(t.value);
      }
    }
  });
});
