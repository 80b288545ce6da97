import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { foldBatchNorm } from '../../src/frontend/fold-batchnorm.js';
import { loadModel } from '../../src/frontend/load.js';
import { exportOnnx } from '../../src/formats/onnx/export.js';
import { graphCost } from '../../src/graph/cost.js';
import type { Graph } from '../../src/graph/types.js';
import { mulberry32 } from '../../src/random.js';

async function run(g: Graph, input: Float32Array, dims: number[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(exportOnnx(g));
  const out = await session.run({ [g.inputs[0]]: new ort.Tensor('float32', input, dims) });
  return out[g.outputs[0]].data as Float32Array;
}

describe('foldBatchNorm', () => {
  it('folds every Conv→BatchNormalization of ResNet-50 and keeps shapes and MACs', () => {
    const { graph } = loadModel('zoo:resnet50');
    const { graph: folded, folded: ids } = foldBatchNorm(graph);
    expect(ids).toHaveLength(53);
    expect(folded.nodes.some((n) => n.op === 'BatchNormalization')).toBe(false);
    expect(folded.nodes).toHaveLength(graph.nodes.length - 53);
    expect(graphCost(folded).macs).toBe(graphCost(graph).macs);
    expect(folded.tensors.get(folded.outputs[0])?.shape).toEqual([1, 1000]);
    expect(graph.nodes.filter((n) => n.op === 'BatchNormalization')).toHaveLength(53); // argument untouched
  });

  it('computes the same outputs as the unfolded real model in ONNX Runtime', async () => {
    const dims = [1, 3, 48, 192];
    const { graph } = loadModel('pkg:ppocr-cls', { inputs: [{ name: 'x', dims }] });
    const { graph: folded, folded: ids } = foldBatchNorm(graph);
    expect(ids.length).toBeGreaterThan(20);
    const random = mulberry32(7);
    const input = Float32Array.from({ length: 3 * 48 * 192 }, () => random() * 2 - 1);
    const [before, after] = [await run(graph, input, dims), await run(folded, input, dims)];
    expect(after.length).toBe(before.length);
    for (let i = 0; i < before.length; i++) expect(Math.abs(after[i] - before[i])).toBeLessThan(1e-4);
  });

  it('leaves a BatchNormalization whose input has other readers alone', () => {
    const { graph } = loadModel('zoo:resnet50');
    const conv = graph.nodes.find((n) => n.op === 'Conv')!;
    const extra = { id: 'spy', op: 'Relu', inputs: [conv.outputs[0]], outputs: ['spy_out'], attrs: {} };
    const tensors = new Map(graph.tensors).set('spy_out', {
      name: 'spy_out',
      shape: null,
      dtype: 'float32',
      constant: false,
    });
    const { folded } = foldBatchNorm({ ...graph, nodes: [...graph.nodes, extra], tensors });
    expect(folded).toHaveLength(52);
  });
});
