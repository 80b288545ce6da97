// Known tensor values: decoding small constant tensors and element-wise evaluation used by value
// propagation (shape arithmetic such as Shape → Gather → Concat → Reshape).
import type { Dim, DType, TensorInfo } from '../types.js';
import { allNum, broadcastShapes } from './dims.js';

/** Largest tensor (elements) whose values are tracked; shape tensors are far smaller. */
export const MAX_VALUE_ELEMS = 1024;

const decoded = new WeakMap<Uint8Array, number[] | null>();

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** Decodes raw little-endian bytes of `dtype`; undefined for unsupported types or too many elements. */
export function decodeData(dtype: DType, data: Uint8Array, maxElems = MAX_VALUE_ELEMS): number[] | undefined {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const read = (size: number, get: (off: number) => number): number[] | undefined => {
    const n = Math.floor(data.byteLength / size);
    if (n > maxElems) return undefined;
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = get(i * size);
    return out;
  };
  switch (dtype) {
    case 'int64':
      return read(8, (o) => Number(view.getBigInt64(o, true)));
    case 'uint64':
      return read(8, (o) => Number(view.getBigUint64(o, true)));
    case 'int32':
      return read(4, (o) => view.getInt32(o, true));
    case 'uint32':
      return read(4, (o) => view.getUint32(o, true));
    case 'int16':
      return read(2, (o) => view.getInt16(o, true));
    case 'uint16':
      return read(2, (o) => view.getUint16(o, true));
    case 'int8':
      return read(1, (o) => view.getInt8(o));
    case 'uint8':
    case 'bool':
      return read(1, (o) => view.getUint8(o));
    case 'float32':
      return read(4, (o) => view.getFloat32(o, true));
    case 'float64':
      return read(8, (o) => view.getFloat64(o, true));
    case 'float16':
      return read(2, (o) => halfToFloat(view.getUint16(o, true)));
    default:
      return undefined;
  }
}

/** Values of a tensor known before run time: its `value`, or its decoded `data` when small. */
export function tensorValue(t: TensorInfo | undefined): number[] | undefined {
  if (!t) return undefined;
  if (t.value) return t.value;
  if (!t.data) return undefined;
  let v = decoded.get(t.data);
  if (v === undefined) {
    v = decodeData(t.dtype, t.data) ?? null;
    decoded.set(t.data, v);
  }
  return v ?? undefined;
}

export function isIntType(dtype: DType): boolean {
  return /^u?int/.test(dtype) || dtype === 'bool';
}

/** Coerces a number to what a tensor of `dtype` can hold (truncation for ints, 0/1 for bool). */
export function castNumber(x: number, dtype: DType): number {
  if (dtype === 'bool') return x ? 1 : 0;
  if (isIntType(dtype)) return Number.isFinite(x) ? Math.trunc(x) : x;
  if (dtype === 'float32') return Math.fround(x);
  return x;
}

/** Row-major strides of a numeric shape. */
export function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/**
 * Element-wise evaluation with broadcasting over known values. `fn` returns undefined when it
 * cannot compute (e.g. comparing two different symbols), which makes the whole result unknown.
 */
export function broadcastValues(
  shapes: readonly (readonly Dim[])[],
  values: readonly (readonly Dim[])[],
  fn: (xs: Dim[]) => Dim | undefined,
): Dim[] | undefined {
  for (const s of shapes) if (!allNum(s)) return undefined;
  const outShape = broadcastShapes(shapes) as number[];
  const n = outShape.reduce((a, b) => a * b, 1);
  if (n > MAX_VALUE_ELEMS) return undefined;
  const rank = outShape.length;
  const outStrides = strides(outShape);
  // Per input: stride per output axis (0 where broadcast).
  const inStrides = shapes.map((s) => {
    const st = strides(s as number[]);
    const off = rank - s.length;
    return outShape.map((_, ax) => (ax < off || (s[ax - off] as number) === 1 ? 0 : st[ax - off]));
  });
  const out = new Array<Dim>(n);
  const xs = new Array<Dim>(values.length);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < values.length; k++) {
      let idx = 0;
      let rem = i;
      for (let ax = 0; ax < rank; ax++) {
        const c = Math.floor(rem / outStrides[ax]);
        rem -= c * outStrides[ax];
        idx += c * inStrides[k][ax];
      }
      xs[k] = values[k][idx];
      if (xs[k] === undefined) return undefined;
    }
    const r = fn(xs);
    if (r === undefined) return undefined;
    out[i] = r;
  }
  return out;
}
