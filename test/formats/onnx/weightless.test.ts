// A weightless graph (as zoo builders make them) exports with generated weights that run and stay finite.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportOnnx, exportOnnxFile, importOnnxFile } from '../../../src/formats/onnx/index.js';
import { HeteroError } from '../../../src/errors.js';
import type { Graph, Node, TensorInfo } from '../../../src/graph/types.js';
import { onnx, ort, randomFloats, runModel, tmpDir } from './fixtures.js';

function weight(name: string, shape: number[]): TensorInfo {
  return { name, shape, dtype: 'float32', constant: true };
}

function act(name: string, shape: TensorInfo['shape']): TensorInfo {
  return { name, shape, dtype: 'float32', constant: false };
}

function node(id: string, op: string, inputs: string[], outputs: string[], attrs: Node['attrs'] = {}): Node {
  return { id, op, inputs, outputs, attrs };
}

/** Conv -> BatchNormalization -> Relu -> GlobalAveragePool -> Flatten -> Reshape -> Gemm, no weight data. */
function weightlessGraph(): Graph {
  const tensors: TensorInfo[] = [
    act('x', ['batch', 3, 16, 16]),
    weight('conv.w', [8, 3, 3, 3]),
    weight('conv.b', [8]),
    weight('bn.scale', [8]),
    weight('bn.bias', [8]),
    weight('bn.mean', [8]),
    weight('bn.var', [8]),
    { name: 'shape', shape: [2], dtype: 'int64', constant: true, value: [-1, 8] },
    weight('fc.w', [10, 8]),
    weight('fc.b', [10]),
    act('c', ['batch', 8, 16, 16]),
    act('n', ['batch', 8, 16, 16]),
    act('r', ['batch', 8, 16, 16]),
    act('p', ['batch', 8, 1, 1]),
    act('f', ['batch', 8]),
    act('s', null),
    act('y', ['batch', 10]),
  ];
  return {
    name: 'tiny-cnn',
    source: 'zoo',
    tensors: new Map(tensors.map((t) => [t.name, t])),
    inputs: ['x'],
    outputs: ['y'],
    nodes: [
      node('conv', 'Conv', ['x', 'conv.w', 'conv.b'], ['c'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
      node('bn', 'BatchNormalization', ['c', 'bn.scale', 'bn.bias', 'bn.mean', 'bn.var'], ['n'], {
        epsilon: 1e-5,
        momentum: 0.9,
      }),
      node('relu', 'Relu', ['n'], ['r']),
      node('gap', 'GlobalAveragePool', ['r'], ['p']),
      node('flatten', 'Flatten', ['p'], ['f'], { axis: 1 }),
      node('reshape', 'Reshape', ['f', 'shape'], ['s']),
      // alpha/beta are whole numbers but FLOAT attributes: ORT rejects the model if they go out as INT.
      node('fc', 'Gemm', ['s', 'fc.w', 'fc.b'], ['y'], { transB: 1, alpha: 1, beta: 1 }),
    ],
  };
}

function initializer(model: Uint8Array, name: string): Uint8Array {
  const t = (onnx.ModelProto.decode(model).graph?.initializer ?? []).find((i) => i.name === name);
  return new Uint8Array(t?.rawData ?? []); // a copy: decoded bytes are views into the model
}

function initializerValues(model: Uint8Array, name: string): Float32Array {
  return new Float32Array(initializer(model, name).buffer);
}

describe('exporting weightless graphs', () => {
  it('generates weights that load in onnxruntime and give finite outputs of the right shape', async () => {
    const bytes = exportOnnx(weightlessGraph(), { seed: 7 });
    const out = await runModel(bytes, {
      x: new ort.Tensor('float32', randomFloats(2 * 3 * 16 * 16, 9), [2, 3, 16, 16]),
    });
    expect(out.y.dims).toEqual([2, 10]);
    const y = out.y.data as Float32Array;
    expect(y.every((v) => Number.isFinite(v))).toBe(true);
    expect(y.some((v) => v !== 0)).toBe(true);
  });

  it('gives normalisation parameters safe ranges and fan-in scaled weights', () => {
    const bytes = exportOnnx(weightlessGraph(), { seed: 7 });
    const variance = initializerValues(bytes, 'bn.var');
    expect(variance.every((v) => v >= 0.5 && v <= 1.5)).toBe(true);
    expect(initializerValues(bytes, 'bn.scale').every((v) => Math.abs(v - 1) <= 0.1 + 1e-6)).toBe(true);
    expect(initializerValues(bytes, 'bn.mean').every((v) => Math.abs(v) <= 0.1 + 1e-6)).toBe(true);
    const bound = Math.sqrt(1 / 27);
    const conv = initializerValues(bytes, 'conv.w');
    expect(conv).toHaveLength(8 * 27);
    expect(conv.every((v) => Math.abs(v) <= bound)).toBe(true);
    expect(new Set(conv).size).toBeGreaterThan(100);
    expect(Array.from(new BigInt64Array(initializer(bytes, 'shape').buffer))).toEqual([-1n, 8n]);
  });

  it('is deterministic per seed', () => {
    const a = exportOnnx(weightlessGraph(), { seed: 1 });
    const b = exportOnnx(weightlessGraph(), { seed: 1 });
    const c = exportOnnx(weightlessGraph(), { seed: 2 });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(initializerValues(a, 'conv.w')).not.toEqual(initializerValues(c, 'conv.w'));
  });

  it('writes attribute kinds: whole-number float attributes as FLOAT, recorded kinds as given', () => {
    const g = weightlessGraph();
    const flatten = g.nodes.find((n) => n.id === 'flatten')!;
    flatten.attrKinds = { axis: 'int' };
    const model = onnx.ModelProto.decode(exportOnnx(g));
    const graph = model.graph ?? {};
    const attr = (id: string, name: string) =>
      (graph.node ?? []).find((n) => n.name === id)?.attribute?.find((a) => a.name === name) ?? {};
    const T = onnx.AttributeProto.AttributeType;
    expect(attr('fc', 'alpha').type).toBe(T.FLOAT);
    expect(attr('fc', 'transB').type).toBe(T.INT);
    expect(attr('bn', 'epsilon').type).toBe(T.FLOAT);
    expect(attr('conv', 'pads').type).toBe(T.INTS);
    expect(attr('flatten', 'axis').type).toBe(T.INT);
    expect(model.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', 17]]);
    expect(Number(model.irVersion)).toBe(8);
    // Symbolic dims go out as dim_param, intermediate shapes as value_info.
    expect(graph.input?.[0].type?.tensorType?.shape?.dim?.[0].dimParam).toBe('batch');
    const valueInfo = (graph.valueInfo ?? []).map((v) => v.name);
    expect(valueInfo).toContain('c');
    expect(valueInfo).not.toContain('s');
  });

  it('refuses an int tensor with neither data nor value, naming it', () => {
    const g = weightlessGraph();
    g.tensors.set('shape', { name: 'shape', shape: [2], dtype: 'int64', constant: true });
    expect(() => exportOnnx(g)).toThrow(HeteroError);
    expect(() => exportOnnx(g)).toThrow(/"shape"/);
  });

  it('exportOnnxFile writes atomically and the file imports back', () => {
    const dir = tmpDir('export');
    const file = path.join(dir, 'tiny.onnx');
    exportOnnxFile(weightlessGraph(), file, { seed: 3 });
    expect(readdirSync(dir)).toEqual(['tiny.onnx']);
    const back = importOnnxFile(file);
    expect(back.nodes.map((n) => n.op)).toEqual(weightlessGraph().nodes.map((n) => n.op));
    expect(back.tensors.get('bn.var')!.data!.byteLength).toBe(32);

    const missing = path.join(dir, 'no-such-dir', 'x.onnx');
    expect(() => exportOnnxFile(weightlessGraph(), missing)).toThrow(HeteroError);
    expect(existsSync(path.dirname(missing))).toBe(false);
    expect(readdirSync(dir)).toEqual(['tiny.onnx']);
  });
});
