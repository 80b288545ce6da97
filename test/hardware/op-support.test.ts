import { describe, expect, it } from 'vitest';
import { HeteroError } from '../../src/errors.js';
import { getDevice } from '../../src/hardware/catalog.js';
import {
  getOpSupportTable,
  listOpSupportTables,
  resolveOpSupportTable,
  supportsOp,
} from '../../src/hardware/op-support.js';
import type { Processor } from '../../src/hardware/schema.js';

function proc(deviceId: string, id: string): Processor {
  const p = getDevice(deviceId).processors.find((x) => x.id === id);
  if (!p) throw new Error(`no ${id}`);
  return p;
}

describe('op-support tables', () => {
  it('loads every table with a source URL and ONNX op names', () => {
    const runtimes = listOpSupportTables().map((t) => t.runtime);
    expect(runtimes).toEqual(
      expect.arrayContaining([
        'cpu',
        'tflite-gpu-delegate',
        'nnapi',
        'qnn-htp',
        'neuron',
        'ort-webgpu',
        'ort-webnn',
      ]),
    );
    for (const t of listOpSupportTables()) {
      expect(t.source).toMatch(/^https:\/\//);
      for (const e of t.ops) expect(e.op, t.runtime).toMatch(/^([a-z.]+:)?[A-Z][A-Za-z0-9]*$/);
      expect(new Set(t.ops.map((e) => e.op)).size, t.runtime).toBe(t.ops.length);
    }
  });

  it('maps TFLite GPU delegate builtins to ONNX names', () => {
    const t = getOpSupportTable('tflite-gpu-delegate');
    expect(t.ops.find((e) => e.op === 'Conv')?.from).toMatch(/CONV_2D/);
    expect(t.ops.find((e) => e.op === 'Sigmoid')?.from).toBe('LOGISTIC');
    expect(t.ops.find((e) => e.op === 'Clip')?.note).toMatch(/ReLU6/);
  });

  it('rejects an unknown runtime and a broken table', () => {
    expect(() => getOpSupportTable('opencl')).toThrow(HeteroError);
    expect(() =>
      resolveOpSupportTable(
        { runtime: 'x', title: 't', source: 'nope', dtypes: ['float32'], ops: [] },
        'x.json',
      ),
    ).toThrow(/^x\.json: source: /);
  });
});

describe('supportsOp', () => {
  const gpu = proc('sd855', 'gpu');
  const dsp = proc('sd855', 'dsp');

  it('accepts a GPU-delegate op and passes on its condition', () => {
    expect(supportsOp(gpu, 'Conv', 'float16')).toEqual({
      supported: true,
      note: expect.stringMatching(/2-D/),
    });
    expect(supportsOp(gpu, 'Add', 'float32')).toEqual({ supported: true });
  });

  it('rejects an op the GPU delegate does not list, saying why', () => {
    const answer = supportsOp(gpu, 'Gather', 'float32');
    expect(answer.supported).toBe(false);
    expect(answer.reason).toMatch(
      /Gather is not in the TensorFlow Lite GPU delegate op list .*falls back to the CPU/,
    );
  });

  it('rejects int8 on the float-only GPU delegate, noting the dequantization', () => {
    const answer = supportsOp(gpu, 'Conv', 'int8');
    expect(answer.supported).toBe(false);
    expect(answer.reason).toMatch(/computes in float32\/float16, not int8; int8 tensors are dequantized/);
  });

  it('rejects float32 on an int8-only DSP/NPU, noting quantization at its boundary', () => {
    for (const p of [dsp, proc('tensor-g2', 'npu')]) {
      const answer = supportsOp(p, 'Conv', 'float32');
      expect(answer.supported).toBe(false);
      expect(answer.reason).toMatch(/not float32; float tensors are quantized to 8-bit/);
    }
    expect(supportsOp(dsp, 'Conv', 'int8').supported).toBe(true);
  });

  it('runs float16 on NPUs that have it (Da Vinci, HTP v73, MDLA)', () => {
    expect(supportsOp(proc('kirin990', 'npu'), 'Conv', 'float16').supported).toBe(true);
    expect(supportsOp(proc('sd8gen2', 'npu'), 'LayerNormalization', 'float16').supported).toBe(true);
    expect(supportsOp(proc('sd888', 'npu'), 'Conv', 'float16').supported).toBe(false);
    expect(supportsOp(proc('dimensity9200', 'npu'), 'Conv', 'float16').supported).toBe(true);
  });

  it('honours per-op dtype limits and per-processor exclusions', () => {
    const npu = proc('kirin990', 'npu');
    expect(supportsOp(npu, 'QLinearConv', 'int8').supported).toBe(true);
    expect(supportsOp(npu, 'QLinearConv', 'float16')).toMatchObject({
      supported: false,
      reason: /only on int8\/uint8/,
    });
    const excluded: Processor = { ...npu, supports: { ...npu.supports, unsupportedOps: ['Softmax'] } };
    expect(supportsOp(excluded, 'Softmax', 'float16')).toMatchObject({
      supported: false,
      reason: /does not run Softmax/,
    });
  });

  it('lets the CPU run any op', () => {
    expect(supportsOp(proc('sd888', 'cpu-big'), 'NonMaxSuppression', 'float32')).toEqual({ supported: true });
  });
});
