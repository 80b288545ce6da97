// ONNX element types <-> hetero DTypes, and TensorProto content <-> raw little-endian bytes.
import type { DType } from '../../graph/types.js';
import { dtypeBytes } from '../../graph/types.js';
import { ONNX_DTYPE_BY_CODE } from '../../graph/onnx-dtypes.js';
import type { ExternalDataReader } from './external-data.js';
import { int64ToBigInt, int64ToNumber, type TensorProto } from './proto.js';
import { onnxError } from './user-error.js';

const DTYPE_TO_CODE: Record<DType, number> = {
  unknown: 0,
  float32: 1,
  uint8: 2,
  int8: 3,
  uint16: 4,
  int16: 5,
  int32: 6,
  int64: 7,
  string: 8,
  bool: 9,
  float16: 10,
  float64: 11,
  uint32: 12,
  uint64: 13,
  complex64: 14,
  complex128: 15,
  bfloat16: 16,
  float8: 17,
  uint4: 21,
  int4: 22,
};

/** DType of an ONNX elem_type code; 'unknown' for 0 and codes newer than we know. */
export function dtypeFromOnnx(code: number): DType {
  return ONNX_DTYPE_BY_CODE[code] ?? 'unknown';
}

export function dtypeToOnnx(dtype: DType): number {
  return DTYPE_TO_CODE[dtype];
}

export function isIntDType(dtype: DType): boolean {
  return /^u?int(4|8|16|32|64)$/.test(dtype) || dtype === 'bool';
}

/** Bytes that `numel` elements of `dtype` occupy (4-bit types pack two per byte). */
export function byteLength(dtype: DType, numel: number): number {
  return Math.ceil(numel * dtypeBytes(dtype));
}

/** Largest tensor for which element values are kept next to the bytes (shape inference reads them). */
export const SMALL_VALUE_MAX_ELEMENTS = 64;

/** Element values of a small int32/int64 tensor (for shape arithmetic); undefined for anything else. */
export function smallIntValues(dtype: DType, data: Uint8Array): number[] | undefined {
  if (dtype !== 'int32' && dtype !== 'int64') return undefined;
  const width = dtype === 'int64' ? 8 : 4;
  const count = data.byteLength / width;
  if (!Number.isInteger(count) || count > SMALL_VALUE_MAX_ELEMENTS) return undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    out.push(width === 8 ? Number(view.getBigInt64(i * 8, true)) : view.getInt32(i * 4, true));
  }
  return out;
}

/** What a TensorProto holds once decoded. `data` is absent only for string tensors. */
export interface DecodedTensor {
  dtype: DType;
  shape: number[];
  data?: Uint8Array;
}

/**
 * A plain Uint8Array view of the same memory. Also turns Buffers into plain arrays: Buffer#slice shares
 * memory where Uint8Array#slice copies, a trap for consumers of TensorInfo.data.
 */
function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/**
 * Decode one TensorProto. `where` names the model file for errors, `what` the tensor in it.
 * raw_data is returned as a zero-copy view into the decoded model bytes.
 */
export function decodeTensor(
  t: TensorProto,
  where: string,
  what: string,
  readExternal?: ExternalDataReader,
): DecodedTensor {
  const fail = (problem: string): never => {
    throw onnxError(where, `tensor "${what}": ${problem}`);
  };
  const code = t.dataType ?? 0;
  const dtype = dtypeFromOnnx(code);
  if (dtype === 'unknown') fail(`unsupported data type ${code}`);
  const shape = (t.dims ?? []).map((d) => int64ToNumber(d));
  for (const d of shape) if (!Number.isSafeInteger(d) || d < 0) fail(`invalid dimension ${d}`);
  const numel = shape.reduce((a, b) => a * b, 1);

  if (dtype === 'string') {
    if ((t.stringData?.length ?? 0) !== numel)
      fail(`has ${t.stringData?.length ?? 0} strings, shape needs ${numel}`);
    return { dtype, shape };
  }
  const expectedBytes = byteLength(dtype, numel);
  const check = (data: Uint8Array): DecodedTensor => {
    if (data.byteLength !== expectedBytes) {
      fail(
        `holds ${data.byteLength} bytes but shape [${shape.join(',')}] of ${dtype} needs ${expectedBytes}`,
      );
    }
    return { dtype, shape, data };
  };

  if (t.dataLocation === 1) {
    if (!readExternal) fail('uses external data, which needs the model folder (import from a file)');
    return check(readExternalTensor(t, where, what, readExternal!));
  }
  if (t.rawData && t.rawData.byteLength > 0) return check(bytesOf(t.rawData));
  return check(typedFieldBytes(t, dtype, numel, fail));
}

function readExternalTensor(
  t: TensorProto,
  where: string,
  what: string,
  read: ExternalDataReader,
): Uint8Array {
  let location: string | undefined;
  let offsetBytes = 0;
  let lengthBytes: number | undefined;
  for (const e of t.externalData ?? []) {
    const value = e.value ?? '';
    if (e.key === 'location') location = value;
    else if (e.key === 'offset' || e.key === 'length') {
      if (!/^\d+$/.test(value))
        throw onnxError(where, `tensor "${what}": external data ${e.key} "${value}" is not a byte count`);
      if (e.key === 'offset') offsetBytes = Number(value);
      else lengthBytes = Number(value);
    }
  }
  if (!location) throw onnxError(where, `tensor "${what}": external data without a location`);
  return read(location, offsetBytes, lengthBytes, what);
}

/** The typed repeated fields (float_data, int32_data, ...) as little-endian bytes. */
function typedFieldBytes(
  t: TensorProto,
  dtype: DType,
  numel: number,
  fail: (p: string) => never,
): Uint8Array {
  const expectCount = (n: number, field: string, want: number): void => {
    if (n !== want) fail(`${field} has ${n} elements, shape needs ${want}`);
  };
  switch (dtype) {
    case 'float32':
    case 'complex64': {
      const src = t.floatData ?? [];
      expectCount(src.length, 'float_data', dtype === 'complex64' ? numel * 2 : numel);
      return bytesOf(Float32Array.from(src));
    }
    case 'float64':
    case 'complex128': {
      const src = t.doubleData ?? [];
      expectCount(src.length, 'double_data', dtype === 'complex128' ? numel * 2 : numel);
      return bytesOf(Float64Array.from(src));
    }
    case 'int64': {
      const src = t.int64Data ?? [];
      expectCount(src.length, 'int64_data', numel);
      return bytesOf(BigInt64Array.from(src, (v) => BigInt.asIntN(64, int64ToBigInt(v))));
    }
    case 'uint64':
    case 'uint32': {
      const src = t.uint64Data ?? [];
      expectCount(src.length, 'uint64_data', numel);
      if (dtype === 'uint32') return bytesOf(Uint32Array.from(src, (v) => int64ToNumber(v) >>> 0));
      return bytesOf(BigUint64Array.from(src, (v) => BigInt.asUintN(64, int64ToBigInt(v))));
    }
    default: {
      // int32_data carries every narrower type too, one element per int32 (4-bit types: one byte each).
      const src = t.int32Data ?? [];
      const count = dtype === 'int4' || dtype === 'uint4' ? Math.ceil(numel / 2) : numel;
      expectCount(src.length, 'int32_data', count);
      switch (dtype) {
        case 'int32':
          return bytesOf(Int32Array.from(src));
        case 'int16':
          return bytesOf(Int16Array.from(src));
        case 'uint16':
        case 'float16':
        case 'bfloat16':
          return bytesOf(Uint16Array.from(src));
        default:
          return Uint8Array.from(src);
      }
    }
  }
}

/** Little-endian bytes of `values` as `dtype` (used for int tensors known only by value). */
export function bytesFromValues(dtype: DType, values: number[]): Uint8Array {
  const int64 = (v: number): bigint => {
    // Shape arithmetic may carry INT64_MAX as the nearest double (2^63); clamp instead of wrapping.
    if (v >= 2 ** 63) return 2n ** 63n - 1n;
    if (v <= -(2 ** 63)) return -(2n ** 63n);
    return BigInt(Math.trunc(v));
  };
  switch (dtype) {
    case 'int64':
      return bytesOf(BigInt64Array.from(values, int64));
    case 'uint64':
      return bytesOf(BigUint64Array.from(values, (v) => BigInt(Math.max(0, Math.trunc(v)))));
    case 'int32':
      return bytesOf(Int32Array.from(values));
    case 'uint32':
      return bytesOf(Uint32Array.from(values));
    case 'int16':
      return bytesOf(Int16Array.from(values));
    case 'uint16':
      return bytesOf(Uint16Array.from(values));
    case 'int8':
      return bytesOf(Int8Array.from(values));
    case 'uint8':
    case 'bool':
      return Uint8Array.from(values);
    case 'float32':
      return bytesOf(Float32Array.from(values));
    case 'float64':
      return bytesOf(Float64Array.from(values));
    case 'float16':
      return bytesOf(Uint16Array.from(values, float32ToFloat16Bits));
    default:
      throw new Error(`bytesFromValues: unsupported dtype ${dtype}`);
  }
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE half-precision bits of `v` (round to nearest even, overflow to infinity). */
export function float32ToFloat16Bits(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa bumps the exponent, which is the correct IEEE rounding.
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}
