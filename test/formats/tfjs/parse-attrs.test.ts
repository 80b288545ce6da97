import { describe, expect, it } from 'vitest';
import { decodeAttr, decodeAttrs, decodeTensor } from '../../../src/formats/tfjs/index.js';
import { b64 } from './helpers.js';

const f32 = (t: { data: Uint8Array }): number[] => [...new Float32Array(t.data.slice().buffer)];
const i32 = (t: { data: Uint8Array }): number[] => [...new Int32Array(t.data.slice().buffer)];

describe('TF AttrValue JSON', () => {
  it('decodes every scalar kind', () => {
    expect(decodeAttr({ s: b64('NHWC') })).toBe('NHWC');
    expect(decodeAttr({ i: '3' })).toBe(3);
    expect(decodeAttr({ i: 7 })).toBe(7);
    expect(decodeAttr({ i: '-1' })).toBe(-1);
    expect(decodeAttr({ f: 0.5 })).toBe(0.5);
    expect(decodeAttr({ f: 'NaN' })).toBeNaN();
    expect(decodeAttr({ b: true })).toBe(1);
    expect(decodeAttr({ b: false })).toBe(0);
    expect(decodeAttr({ type: 'DT_FLOAT' })).toBe('float32');
    expect(decodeAttr({ type: 'DT_INT32' })).toBe('int32');
    expect(decodeAttr({ type: 'DT_VARIANT' })).toBe('unknown');
    expect(decodeAttr({ func: { name: 'body_fn' } })).toBe('body_fn');
  });

  it('decodes shapes with unknown dims as -1 and drops unknown rank', () => {
    expect(
      decodeAttr({ shape: { dim: [{ size: '-1' }, { size: '224' }, { size: '224' }, { size: '3' }] } }),
    ).toEqual([-1, 224, 224, 3]);
    expect(decodeAttr({ shape: {} })).toEqual([]);
    expect(decodeAttr({ shape: { unknownRank: true } })).toBeUndefined();
  });

  it('decodes every list kind, including the empty list proto3 JSON leaves', () => {
    expect(decodeAttr({ list: { i: ['1', '2', '2', '1'] } })).toEqual([1, 2, 2, 1]);
    expect(decodeAttr({ list: { s: [b64('BiasAdd'), b64('Relu6')] } })).toEqual(['BiasAdd', 'Relu6']);
    expect(decodeAttr({ list: { f: [0.25, 1] } })).toEqual([0.25, 1]);
    expect(decodeAttr({ list: { b: [true, false] } })).toEqual([1, 0]);
    expect(decodeAttr({ list: { type: ['DT_FLOAT', 'DT_HALF'] } })).toEqual(['float32', 'float16']);
    expect(decodeAttr({ list: {} })).toEqual([]);
  });

  it('decodes tensors from tensorContent, typed lists, a repeated scalar and no content', () => {
    const content = Buffer.from(new Float32Array([1.5, -2]).buffer).toString('base64');
    const t1 = decodeTensor({
      dtype: 'DT_FLOAT',
      tensorShape: { dim: [{ size: '2' }] },
      tensorContent: content,
    });
    expect(t1.shape).toEqual([2]);
    expect(f32(t1)).toEqual([1.5, -2]);
    const t2 = decodeTensor({
      dtype: 'DT_INT32',
      tensorShape: { dim: [{ size: '3' }] },
      intVal: ['4', '5', '6'],
    });
    expect(i32(t2)).toEqual([4, 5, 6]);
    // TF fills the tensor with the last listed value.
    const t3 = decodeTensor({
      dtype: 'DT_FLOAT',
      tensorShape: { dim: [{ size: '2' }, { size: '2' }] },
      floatVal: [0.5],
    });
    expect(f32(t3)).toEqual([0.5, 0.5, 0.5, 0.5]);
    const t4 = decodeTensor({ dtype: 'DT_INT32', tensorShape: {} });
    expect(t4.shape).toEqual([]);
    expect(i32(t4)).toEqual([0]);
    const t5 = decodeTensor({ dtype: 'DT_INT64', tensorShape: { dim: [{ size: '1' }] }, int64Val: ['-3'] });
    expect(t5.dtype).toBe('int64');
    expect(new DataView(t5.data.buffer).getBigInt64(0, true)).toBe(-3n);
    const t6 = decodeTensor({
      dtype: 'DT_BOOL',
      tensorShape: { dim: [{ size: '2' }] },
      boolVal: [true, false],
    });
    expect([...t6.data]).toEqual([1, 0]);
    expect(decodeAttr({ tensor: { dtype: 'DT_INT32', tensorShape: {}, intVal: ['9'] } })).toMatchObject({
      dtype: 'int32',
      shape: [],
    });
  });

  it('keeps decodable attrs and names the dropped ones', () => {
    const r = decodeAttrs({
      padding: { s: b64('SAME') },
      strides: { list: { i: ['1', '2', '2', '1'] } },
      _output_shapes: { list: { shape: [{ dim: [{ size: '1' }] }] } },
      epsilon: { f: 0.001 },
    });
    expect(r.attrs).toEqual({ padding: 'SAME', strides: [1, 2, 2, 1], epsilon: 0.001 });
    expect(r.dropped).toEqual(['_output_shapes']);
  });
});
