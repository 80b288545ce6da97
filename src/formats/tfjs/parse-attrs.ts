// Decodes TF AttrValue / TensorProto JSON (proto3 JSON mapping) into plain hetero attribute values:
// strings from base64, int64 strings as numbers, booleans as 0/1 (Node attrs have no boolean kind),
// dtypes as hetero DType names, shapes as number[] with -1 for unknown dims, tensors as ConstTensor.
import type { AttrValue, ConstTensor, DType } from '../../graph/types.js';
import { dtypeBytes } from '../../graph/types.js';
import { dtypeOfTfEnum } from './dtypes.js';
import type { AttrJson, ShapeJson, TensorJson } from './model-json.js';

export function decodeBase64Text(s: string): string {
  return Buffer.from(s, 'base64').toString('utf8');
}

function toNumber(v: string | number): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return Number(v);
}

/** Dims of a TensorShapeProto; null when the rank is unknown; unknown dims are -1. */
export function decodeShape(s: ShapeJson | undefined): number[] | null {
  if (!s || s.unknownRank) return null;
  return (s.dim ?? []).map((d) => (d.size === undefined ? 0 : toNumber(d.size)));
}

/** Writes numbers as little-endian elements of `dtype`. */
export function encodeElements(dtype: DType, values: readonly number[]): Uint8Array {
  const size = dtypeBytes(dtype);
  const out = new Uint8Array(values.length * size);
  const view = new DataView(out.buffer);
  values.forEach((v, k) => {
    const at = k * size;
    switch (dtype) {
      case 'float32':
        view.setFloat32(at, v, true);
        break;
      case 'float64':
        view.setFloat64(at, v, true);
        break;
      case 'float16':
      case 'bfloat16':
      case 'uint16':
        view.setUint16(at, v, true); // float16 values arrive as their bit patterns (halfVal)
        break;
      case 'int16':
        view.setInt16(at, v, true);
        break;
      case 'int8':
        view.setInt8(at, v);
        break;
      case 'uint8':
      case 'bool':
        view.setUint8(at, v);
        break;
      case 'int32':
        view.setInt32(at, v, true);
        break;
      case 'uint32':
        view.setUint32(at, v, true);
        break;
      case 'int64':
        view.setBigInt64(at, BigInt(Math.trunc(v)), true);
        break;
      case 'uint64':
        view.setBigUint64(at, BigInt(Math.trunc(v)), true);
        break;
      default:
        throw new Error(`cannot encode ${dtype} elements`);
    }
  });
  return out;
}

/** The typed values a TensorProto lists explicitly (proto3 JSON keeps only one of these). */
function listedValues(t: TensorJson): number[] {
  const lists = [t.floatVal, t.doubleVal, t.halfVal, t.intVal, t.int64Val, t.uint32Val, t.uint64Val];
  for (const l of lists) if (l && l.length > 0) return l.map(toNumber);
  if (t.boolVal && t.boolVal.length > 0) return t.boolVal.map((b) => (b ? 1 : 0));
  return [];
}

/**
 * A TensorProto as a ConstTensor. TF repeats the last listed value to fill the shape (a scalar list
 * fills a whole tensor); no content at all means zeros. String tensors keep only their shape.
 */
export function decodeTensor(t: TensorJson): ConstTensor {
  const dtype = dtypeOfTfEnum(t.dtype ?? 'DT_FLOAT');
  const shape = (decodeShape(t.tensorShape) ?? []).map((d) => Math.max(d, 0));
  const count = shape.reduce((a, b) => a * b, 1);
  if (t.tensorContent !== undefined) {
    return { dtype, shape, data: new Uint8Array(Buffer.from(t.tensorContent, 'base64')) };
  }
  if (dtype === 'string' || dtype === 'unknown' || dtype === 'complex64' || dtype === 'complex128') {
    return { dtype, shape, data: new Uint8Array(0) };
  }
  const listed = listedValues(t);
  const values = new Array<number>(count);
  for (let k = 0; k < count; k++)
    values[k] = listed.length === 0 ? 0 : listed[Math.min(k, listed.length - 1)];
  return { dtype, shape, data: encodeElements(dtype, values) };
}

/** One AttrValue as a plain value; undefined for kinds hetero does not keep (placeholders, nested shapes). */
export function decodeAttr(a: AttrJson): AttrValue | undefined {
  if (a.s !== undefined) return decodeBase64Text(a.s);
  if (a.i !== undefined) return toNumber(a.i);
  if (a.f !== undefined) return toNumber(a.f);
  if (a.b !== undefined) return a.b ? 1 : 0;
  if (a.type !== undefined) return dtypeOfTfEnum(a.type);
  if (a.shape !== undefined) return decodeShape(a.shape) ?? undefined;
  if (a.tensor !== undefined) return decodeTensor(a.tensor);
  if (a.func !== undefined) return a.func.name;
  if (a.list !== undefined) {
    const l = a.list;
    if (l.s) return l.s.map(decodeBase64Text);
    if (l.i) return l.i.map(toNumber);
    if (l.f) return l.f.map(toNumber);
    if (l.b) return l.b.map((b) => (b ? 1 : 0));
    if (l.type) return l.type.map(dtypeOfTfEnum);
    if (l.func) return l.func.map((f) => f.name);
    if (l.shape || l.tensor) return undefined;
    return []; // an empty list: proto3 JSON drops the field, so its kind is lost
  }
  return undefined;
}

/** All attrs of a node; those that decode to nothing are listed in `dropped`. */
export function decodeAttrs(attr: Record<string, AttrJson> | undefined): {
  attrs: Record<string, AttrValue>;
  dropped: string[];
} {
  const attrs: Record<string, AttrValue> = {};
  const dropped: string[] = [];
  for (const [k, v] of Object.entries(attr ?? {})) {
    const d = decodeAttr(v);
    if (d === undefined) dropped.push(k);
    else attrs[k] = d;
  }
  return { attrs, dropped };
}
