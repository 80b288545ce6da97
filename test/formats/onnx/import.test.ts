import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importOnnxBytes, importOnnxFile } from '../../../src/formats/onnx/index.js';
import type { Graph } from '../../../src/graph/types.js';
import { encodeModel, f32Bytes, MODELS, onnx, tensorValueInfo } from './fixtures.js';

type GraphProto = ReturnType<typeof onnx.GraphProto.decode>;

function decodeGraph(file: string): GraphProto {
  return onnx.ModelProto.decode(readFileSync(file)).graph as GraphProto;
}

/** Non-Constant nodes in a graph proto and all its nested graphs, counted straight from the file. */
function protoNodeCount(g: GraphProto): number {
  let n = 0;
  for (const node of g.node) {
    if (node.opType !== 'Constant') n++;
    for (const a of node.attribute ?? []) if (a.g) n += protoNodeCount(a.g as GraphProto);
  }
  return n;
}

function nodeCount(g: Graph): number {
  return g.nodes.reduce(
    (a, n) => a + 1 + Object.values(n.subgraphs ?? {}).reduce((b, s) => b + nodeCount(s), 0),
    0,
  );
}

function constantCount(g: Graph): number {
  return [...g.tensors.values()].filter((t) => t.constant).length;
}

describe('importOnnxFile on real models', () => {
  // Top-level non-Constant nodes / folded constants, read off the published files with a protobuf dump.
  const cases = [
    { key: 'det', nodes: 330, constants: 342, opset: 11, inputs: ['x'], outputs: ['sigmoid_0.tmp_0'] },
    { key: 'rec', nodes: 440, constants: 325, opset: 9, inputs: ['x'], outputs: ['softmax_11.tmp_0'] },
    { key: 'cls', nodes: 221, constants: 250, opset: 9, inputs: ['x'], outputs: ['softmax_0.tmp_0'] },
    {
      key: 'silero',
      nodes: 4,
      constants: 1,
      opset: 16,
      inputs: ['input', 'state', 'sr'],
      outputs: ['output', 'stateN'],
    },
    {
      key: 'silero16k',
      nodes: 72,
      constants: 64,
      opset: 15,
      inputs: ['input', 'state', 'sr'],
      outputs: ['output', 'stateN'],
    },
    {
      key: 'sileroIfless',
      nodes: 4,
      constants: 45,
      opset: 18,
      inputs: ['input', 'sr', 'state'],
      outputs: ['output', 'stateN'],
    },
  ] as const;

  for (const c of cases) {
    it(`${c.key}: nodes, constants, inputs, outputs, opsets`, () => {
      const file = MODELS[c.key];
      const g = importOnnxFile(file);
      const proto = decodeGraph(file);
      expect(g.nodes.length).toBe(c.nodes);
      expect(nodeCount(g)).toBe(protoNodeCount(proto));
      expect(g.nodes.some((n) => n.op === 'Constant')).toBe(false);
      expect(constantCount(g)).toBe(c.constants);
      expect(constantCount(g)).toBe(
        proto.initializer.length + proto.node.filter((n) => n.opType === 'Constant').length,
      );
      expect(g.inputs).toEqual(c.inputs);
      expect(g.outputs).toEqual(c.outputs);
      expect(g.opsets).toEqual({ '': c.opset });
      expect(g.source).toBe('onnx');
      expect(new Set(g.nodes.map((n) => n.id)).size).toBe(g.nodes.length);
      for (const t of g.tensors.values()) {
        if (!t.constant) continue;
        expect(t.data, t.name).toBeInstanceOf(Uint8Array);
        expect(Buffer.isBuffer(t.data)).toBe(false);
      }
    });
  }

  it('maps input shapes: dim_value, dim_param, missing dims and dtype', () => {
    const det = importOnnxFile(MODELS.det);
    expect(det.tensors.get('x')).toMatchObject({
      shape: ['p2o.DynamicDimension.0', 3, 'p2o.DynamicDimension.1', 'p2o.DynamicDimension.2'],
      dtype: 'float32',
      constant: false,
    });
    const silero = importOnnxFile(MODELS.silero);
    const input = silero.tensors.get('input')!.shape!;
    expect(input).toHaveLength(2);
    // Unnamed dims get fresh, distinct symbols.
    expect(input[0]).toMatch(/^\?\d+$/);
    expect(input[1]).toMatch(/^\?\d+$/);
    expect(input[0]).not.toBe(input[1]);
    expect(silero.tensors.get('sr')).toMatchObject({ shape: [], dtype: 'int64' });
  });

  it('imports nested If graphs of silero recursively, reading outer-scope names', () => {
    const g = importOnnxFile(MODELS.silero);
    const ifNode = g.nodes.find((n) => n.op === 'If')!;
    expect(Object.keys(ifNode.subgraphs ?? {}).sort()).toEqual(['else_branch', 'then_branch']);
    const then = ifNode.subgraphs!.then_branch;
    expect(then.nodes.length).toBeGreaterThan(20);
    expect(then.nodes.some((n) => n.op === 'LSTM' || n.subgraphs)).toBe(true);
    // Nested graph Constants are folded too.
    const all: Graph[] = [];
    const walk = (x: Graph): void => {
      all.push(x);
      for (const n of x.nodes) for (const s of Object.values(n.subgraphs ?? {})) walk(s);
    };
    walk(g);
    expect(all.length).toBeGreaterThan(10);
    expect(all.every((x) => x.nodes.every((n) => n.op !== 'Constant'))).toBe(true);
    expect(all.some((x) => x !== g && constantCount(x) > 0)).toBe(true);
  });

  it('records attribute kinds and converts int64 attributes to numbers', () => {
    const g = importOnnxFile(MODELS.cls);
    const conv = g.nodes.find((n) => n.op === 'Conv')!;
    expect(conv.attrKinds?.kernel_shape).toBe('ints');
    expect(conv.attrs.kernel_shape).toEqual([3, 3]);
    expect(conv.domain).toBe('');
    const hs = g.nodes.find((n) => n.op === 'HardSigmoid')!;
    expect(hs.attrKinds?.alpha).toBe('float');
    expect(typeof hs.attrs.alpha).toBe('number');
  });

  it('keeps small int constants as values (shape inference reads them)', () => {
    const g = importOnnxFile(MODELS.silero16k);
    const ints = [...g.tensors.values()].filter((t) => t.constant && t.dtype === 'int64');
    expect(ints.length).toBeGreaterThan(10);
    for (const t of ints) {
      const count = t.data!.byteLength / 8;
      if (count > 64) expect(t.value).toBeUndefined();
      else expect(t.value, t.name).toEqual(Array.from(new BigInt64Array(t.data!.slice().buffer), Number));
    }
    const floats = [...g.tensors.values()].filter((t) => t.constant && t.dtype === 'float32');
    expect(floats.every((t) => t.value === undefined)).toBe(true);
  });
});

describe('importOnnxBytes on hand-built models', () => {
  const T = onnx.TensorProto.DataType;

  it('decodes every typed data field and every Constant form', () => {
    const graph = {
      name: 'typed',
      input: [tensorValueInfo('x', T.FLOAT, ['batch', null, 4])],
      output: [tensorValueInfo('y', T.FLOAT)],
      initializer: [
        { name: 'f', dataType: T.FLOAT, dims: [2], floatData: [1.5, -2] },
        { name: 'h', dataType: T.FLOAT16, dims: [2], int32Data: [0x3c00, 0xc000] },
        { name: 'b', dataType: T.BOOL, dims: [3], int32Data: [1, 0, 1] },
        { name: 'i8', dataType: T.INT8, dims: [2], int32Data: [-1, 5] },
        { name: 'i64', dataType: T.INT64, dims: [2], int64Data: [7, -3] },
        { name: 'max', dataType: T.INT64, dims: [1], int64Data: ['9223372036854775807'] },
        { name: 'd', dataType: T.DOUBLE, dims: [1], doubleData: [0.25] },
        { name: 'u64', dataType: T.UINT64, dims: [1], uint64Data: [42] },
        { name: 'raw', dataType: T.FLOAT, dims: [1, 2], rawData: f32Bytes([3, 4]) },
      ],
      node: [
        { opType: 'Constant', output: ['cf'], attribute: [{ name: 'value_float', type: 1, f: 2.5 }] },
        {
          opType: 'Constant',
          output: ['cfs'],
          attribute: [{ name: 'value_floats', type: 6, floats: [1, 2] }],
        },
        { opType: 'Constant', output: ['ci'], attribute: [{ name: 'value_int', type: 2, i: 9 }] },
        { opType: 'Constant', output: ['cis'], attribute: [{ name: 'value_ints', type: 7, ints: [1, -1] }] },
        {
          opType: 'Constant',
          output: ['ct'],
          attribute: [{ name: 'value', type: 4, t: { dataType: T.INT32, dims: [2], int32Data: [4, 5] } }],
        },
        { name: 'n', opType: 'Add', input: ['x', 'f'], output: ['a'] },
        { name: 'n', opType: 'Mul', input: ['a', 'cf'], output: ['y'] },
      ],
    };
    const g = importOnnxBytes(encodeModel(graph), { name: 'typed.onnx' });
    const bytes = (name: string): number[] => Array.from(g.tensors.get(name)!.data!);
    expect(Array.from(new Float32Array(new Uint8Array(bytes('f')).buffer))).toEqual([1.5, -2]);
    expect(Array.from(new Uint16Array(new Uint8Array(bytes('h')).buffer))).toEqual([0x3c00, 0xc000]);
    expect(bytes('b')).toEqual([1, 0, 1]);
    expect(bytes('i8')).toEqual([255, 5]);
    expect(g.tensors.get('i64')!.value).toEqual([7, -3]);
    expect(new BigInt64Array(new Uint8Array(bytes('max')).buffer)[0]).toBe(9223372036854775807n);
    expect(new Float64Array(new Uint8Array(bytes('d')).buffer)[0]).toBe(0.25);
    expect(new BigUint64Array(new Uint8Array(bytes('u64')).buffer)[0]).toBe(42n);
    expect(g.tensors.get('raw')).toMatchObject({ shape: [1, 2], dtype: 'float32', constant: true });

    expect(g.tensors.get('cf')).toMatchObject({ shape: [], dtype: 'float32', constant: true });
    expect(g.tensors.get('cfs')).toMatchObject({ shape: [2], dtype: 'float32' });
    expect(g.tensors.get('ci')).toMatchObject({ shape: [], dtype: 'int64', value: [9] });
    expect(g.tensors.get('cis')).toMatchObject({ shape: [2], dtype: 'int64', value: [1, -1] });
    expect(g.tensors.get('ct')).toMatchObject({ shape: [2], dtype: 'int32', value: [4, 5] });

    // Duplicate node names fall back to op_index ids.
    expect(g.nodes.map((n) => n.id)).toEqual(['Add_5', 'Mul_6']);
    expect(g.tensors.get('x')!.shape).toEqual(['batch', '?1', 4]);
    expect(g.tensors.get('y')!.shape).toBeNull();
    expect(g.name).toBe('typed');
  });

  it('normalises the ai.onnx domain and names the graph after the file', () => {
    const bytes = onnx.ModelProto.encode({
      irVersion: 8,
      opsetImport: [{ domain: 'ai.onnx', version: 13 }],
      graph: {
        input: [tensorValueInfo('x', T.FLOAT, [1])],
        output: [tensorValueInfo('y', T.FLOAT, [1])],
        node: [{ opType: 'Relu', domain: 'ai.onnx', input: ['x'], output: ['y'] }],
      },
    }).finish();
    const g = importOnnxBytes(bytes, { name: path.join('some', 'tiny.onnx') });
    expect(g.opsets).toEqual({ '': 13 });
    expect(g.nodes[0]).toMatchObject({ id: 'Relu_0', domain: '' });
    expect(g.name).toBe('tiny');
  });

  it('keeps sparse and type-proto attributes with their raw kind', () => {
    const bytes = encodeModel({
      input: [tensorValueInfo('x', T.FLOAT, [4])],
      output: [tensorValueInfo('y', T.FLOAT, [4])],
      node: [
        {
          opType: 'Constant',
          output: ['s'],
          attribute: [
            {
              name: 'sparse_value',
              type: 11,
              sparseTensor: {
                dims: [4],
                values: { dataType: T.FLOAT, dims: [1], floatData: [7] },
                indices: { dataType: T.INT64, dims: [1], int64Data: [2] },
              },
            },
          ],
        },
        {
          opType: 'Custom',
          domain: 'my.domain',
          input: ['x', 's'],
          output: ['y'],
          attribute: [{ name: 'tp', type: 13, tp: { tensorType: { elemType: T.FLOAT } } }],
        },
      ],
    });
    const g = importOnnxBytes(bytes, { name: 'sparse.onnx' });
    expect(Array.from(new Float32Array(g.tensors.get('s')!.data!.slice().buffer))).toEqual([0, 0, 7, 0]);
    const custom = g.nodes[0];
    expect(custom.domain).toBe('my.domain');
    expect(custom.attrKinds?.tp).toBe('type_proto');
    expect(onnx.TypeProto.decode(Buffer.from(custom.attrs.tp as string, 'base64')).tensorType?.elemType).toBe(
      T.FLOAT,
    );
  });
});
