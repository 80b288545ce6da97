import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { foldBatchNorm } from '../../src/frontend/fold-batchnorm.js';
import { fuseActivations } from '../../src/frontend/fuse-activations.js';
import { deployGraph, loadModel } from '../../src/frontend/load.js';
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

describe('fuseActivations and deployGraph', () => {
  it('fuses ReLU and ReLU6 into their producers and leaves shared tensors alone', () => {
    const { graph } = loadModel('zoo:mobilenetv2');
    const folded = foldBatchNorm(graph).graph;
    const { graph: fused, fused: ids } = fuseActivations(folded);
    // MobileNetV2: 35 ReLU6 (as Clip) after the expansion and depthwise convs, none after projections.
    expect(ids).toHaveLength(35);
    expect(fused.nodes.filter((n) => n.op === 'Clip')).toHaveLength(0);
    const fusedConv = fused.nodes.find((n) => n.attrs.fused_activation === 'Clip');
    expect(fusedConv?.attrs.fused_activation_bounds).toEqual([0, 6]);
  });

  it('runs in ONNX Runtime with the same outputs as the file (the exporter writes the fused nodes back)', async () => {
    const dims = [1, 3, 48, 192];
    const { graph } = loadModel('pkg:ppocr-cls', { inputs: [{ name: 'x', dims }] });
    const deployed = deployGraph(graph);
    expect(deployed.nodes.length).toBeLessThan(graph.nodes.length - 40);
    const random = mulberry32(11);
    const input = Float32Array.from({ length: 3 * 48 * 192 }, () => random() * 2 - 1);
    const [before, after] = [await run(graph, input, dims), await run(deployed, input, dims)];
    for (let i = 0; i < before.length; i++) expect(Math.abs(after[i] - before[i])).toBeLessThan(1e-4);
  });
});
