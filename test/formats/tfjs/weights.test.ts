import { describe, expect, it } from 'vitest';
import { halfToFloat, readWeights } from '../../../src/formats/tfjs/index.js';
import { HeteroError } from '../../../src/errors.js';

const f32 = (d: Uint8Array): number[] => [...new Float32Array(d.slice().buffer)];
const reader = (shards: Record<string, Uint8Array>) => (p: string) => shards[p];

describe('TF.js weights', () => {
  it('reads plain float32 and int32 weights back to back across two shards', () => {
    const bytes = new Uint8Array([
      ...new Uint8Array(new Float32Array([1, 2, 3]).buffer),
      ...new Uint8Array(new Int32Array([-7]).buffer),
    ]);
    const groups = [
      {
        paths: ['a.bin', 'b.bin'],
        weights: [
          { name: 'w', shape: [3], dtype: 'float32' },
          { name: 'k', shape: [], dtype: 'int32' },
        ],
      },
    ];
    const w = readWeights(
      groups,
      reader({ 'a.bin': bytes.slice(0, 6), 'b.bin': bytes.slice(6) }),
      'model.json',
    );
    expect(w.get('w')).toMatchObject({ dtype: 'float32', shape: [3] });
    expect(f32(w.get('w')!.data)).toEqual([1, 2, 3]);
    expect(new Int32Array(w.get('k')!.data.slice().buffer)[0]).toBe(-7);
  });

  it('dequantizes uint8 and uint16 as q × scale + min', () => {
    const groups = [
      {
        paths: ['s.bin'],
        weights: [
          {
            name: 'u8',
            shape: [3],
            dtype: 'float32',
            quantization: { dtype: 'uint8', scale: 0.5, min: -1, original_dtype: 'float32' },
          },
          {
            name: 'u16',
            shape: [2],
            dtype: 'float32',
            quantization: { dtype: 'uint16', scale: 0.25, min: 10 },
          },
          {
            name: 'i',
            shape: [2],
            dtype: 'int32',
            quantization: { dtype: 'uint8', scale: 1, min: -3, original_dtype: 'int32' },
          },
        ],
      },
    ];
    const bytes = new Uint8Array([0, 2, 255, 4, 0, 0, 1, 1, 5]);
    const w = readWeights(groups, reader({ 's.bin': bytes }), 'model.json');
    expect(f32(w.get('u8')!.data)).toEqual([-1, 0, 126.5]);
    expect(f32(w.get('u16')!.data)).toEqual([11, 10 + 256 * 0.25]);
    expect(w.get('i')!.dtype).toBe('int32');
    expect([...new Int32Array(w.get('i')!.data.slice().buffer)]).toEqual([-2, 2]);
  });

  it('expands float16 weights to float32', () => {
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xc000)).toBe(-2);
    expect(halfToFloat(0x3555)).toBeCloseTo(0.33325, 5);
    expect(halfToFloat(0x0001)).toBeCloseTo(5.96e-8, 9);
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    const groups = [
      {
        paths: ['h.bin'],
        weights: [
          {
            name: 'h',
            shape: [2, 1],
            dtype: 'float32',
            quantization: { dtype: 'float16', original_dtype: 'float32' },
          },
        ],
      },
    ];
    const bytes = new Uint8Array(new Uint16Array([0x3c00, 0xb800]).buffer);
    const w = readWeights(groups, reader({ 'h.bin': bytes }), 'model.json').get('h')!;
    expect(w).toMatchObject({ dtype: 'float32', shape: [2, 1] });
    expect(f32(w.data)).toEqual([1, -0.5]);
  });

  it('steps over string weights by their length prefixes', () => {
    const str = new Uint8Array([2, 0, 0, 0, 104, 105, 0, 0, 0, 0]);
    const groups = [
      {
        paths: ['s.bin'],
        weights: [
          { name: 's', shape: [2], dtype: 'string' },
          { name: 'x', shape: [1], dtype: 'float32' },
        ],
      },
    ];
    const bytes = new Uint8Array([...str, ...new Uint8Array(new Float32Array([4]).buffer)]);
    const w = readWeights(groups, reader({ 's.bin': bytes }), 'model.json');
    expect(f32(w.get('x')!.data)).toEqual([4]);
  });

  it('refuses a shard shorter than the manifest says, naming the shard', () => {
    const groups = [{ paths: ['g.bin'], weights: [{ name: 'w', shape: [4], dtype: 'float32' }] }];
    const run = () => readWeights(groups, reader({ 'g.bin': new Uint8Array(12) }), 'model.json');
    expect(run).toThrow(HeteroError);
    expect(run).toThrow(/^g\.bin: .*12 bytes.*"w" needs bytes 0\.\.16/);
  });

  it('refuses unknown dtypes and quantizations', () => {
    const bad = [
      {
        paths: ['g.bin'],
        weights: [{ name: 'w', shape: [1], dtype: 'float32', quantization: { dtype: 'int4' } }],
      },
    ];
    expect(() => readWeights(bad, reader({ 'g.bin': new Uint8Array(4) }), 'm.json')).toThrow(
      /m\.json: weight "w" has unknown dtype "int4"/,
    );
    const bad2 = [
      {
        paths: ['g.bin'],
        weights: [{ name: 'w', shape: [1], dtype: 'float32', quantization: { dtype: 'uint8' } }],
      },
    ];
    expect(() => readWeights(bad2, reader({ 'g.bin': new Uint8Array(4) }), 'm.json')).toThrow(
      /needs "scale" and "min"/,
    );
  });
});
