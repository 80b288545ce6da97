// AttributeProto <-> (AttrValue, AttrKind). Graph-valued attributes are handed back to the caller, which
// imports or exports them as nested graphs.
import type { AttrKind, AttrValue, ConstTensor } from '../../graph/types.js';
import type { ExternalDataReader } from './external-data.js';
import { has, int64ToNumber, onnx, type AttributeProto, type GraphProto, type TensorProto } from './proto.js';
import { densify, sparsify } from './sparse.js';
import { decodeTensor, dtypeToOnnx } from './tensors.js';
import { onnxError } from './user-error.js';

const T = onnx.AttributeProto.AttributeType;
const utf8 = new TextDecoder();
const utf8Encoder = new TextEncoder();

export type DecodedAttr = { kind: AttrKind; value: AttrValue } | { graph: GraphProto };

/** IR v1 models may leave `type` unset: tell the kind from the field that is filled. */
function impliedType(a: AttributeProto): number {
  if (a.t) return T.TENSOR;
  if (a.g) return T.GRAPH;
  if (a.sparseTensor) return T.SPARSE_TENSOR;
  if (a.tp) return T.TYPE_PROTO;
  if (a.floats?.length) return T.FLOATS;
  if (a.ints?.length) return T.INTS;
  if (a.strings?.length) return T.STRINGS;
  if (a.s?.length) return T.STRING;
  if (has(a, 'f')) return T.FLOAT;
  return T.INT;
}

export function tensorToConst(
  t: TensorProto,
  where: string,
  what: string,
  read?: ExternalDataReader,
): ConstTensor {
  const d = decodeTensor(t, where, what, read);
  if (!d.data) throw onnxError(where, `tensor "${what}": string tensors are not supported here`);
  return { dtype: d.dtype, shape: d.shape, data: d.data };
}

/** `what` names the attribute (node and attribute name) in errors. */
export function decodeAttribute(
  a: AttributeProto,
  where: string,
  what: string,
  read?: ExternalDataReader,
): DecodedAttr {
  const type = a.type || impliedType(a);
  switch (type) {
    case T.FLOAT:
      return { kind: 'float', value: a.f ?? 0 };
    case T.INT:
      return { kind: 'int', value: int64ToNumber(a.i) };
    case T.STRING:
      return { kind: 'string', value: utf8.decode(a.s ?? new Uint8Array()) };
    case T.TENSOR:
      if (!a.t) break;
      return { kind: 'tensor', value: tensorToConst(a.t, where, what, read) };
    case T.GRAPH:
      if (!a.g) break;
      return { graph: a.g };
    case T.SPARSE_TENSOR:
      if (!a.sparseTensor) break;
      return { kind: 'sparse_tensor', value: densify(a.sparseTensor, where, what) };
    case T.TYPE_PROTO:
      if (!a.tp) break;
      // Kept whole: serialized TypeProto as base64, written back verbatim on export.
      return {
        kind: 'type_proto',
        value: Buffer.from(onnx.TypeProto.encode(a.tp).finish()).toString('base64'),
      };
    case T.FLOATS:
      return { kind: 'floats', value: [...(a.floats ?? [])] };
    case T.INTS:
      return { kind: 'ints', value: (a.ints ?? []).map((v) => int64ToNumber(v)) };
    case T.STRINGS:
      return { kind: 'strings', value: (a.strings ?? []).map((s) => utf8.decode(s)) };
    case T.TENSORS:
    case T.GRAPHS:
    case T.SPARSE_TENSORS:
    case T.TYPE_PROTOS:
      throw onnxError(where, `attribute ${what}: list-of-${T[type]} attributes are not supported`);
    default:
      throw onnxError(where, `attribute ${what}: unknown attribute type ${type}`);
  }
  throw onnxError(where, `attribute ${what}: declared ${T[type]} but carries no value`);
}

/** An int64 field value; whole numbers beyond 2^53 (INT64_MAX sentinels) are clamped, not wrapped. */
function int64Field(v: number): number {
  if (Number.isSafeInteger(v)) return v;
  let b: bigint;
  if (v >= 2 ** 63) b = 2n ** 63n - 1n;
  else if (v <= -(2 ** 63)) b = -(2n ** 63n);
  else b = BigInt(Math.trunc(v));
  const u = BigInt.asUintN(64, b);
  // protobufjs accepts any {low, high} pair for int64 fields; its typings only name Long.
  return {
    low: Number(u & 0xffffffffn) | 0,
    high: Number(u >> 32n) | 0,
    unsigned: false,
  } as unknown as number;
}

export function int64Fields(values: number[]): number[] {
  return values.map(int64Field);
}

export function constToTensor(t: ConstTensor, name: string): TensorProto {
  return { name, dataType: dtypeToOnnx(t.dtype), dims: t.shape, rawData: t.data };
}

export function encodeAttribute(
  name: string,
  kind: AttrKind,
  value: AttrValue,
  where: string,
): AttributeProto {
  const bad = (): never => {
    throw onnxError(where, `attribute "${name}" of kind ${kind} has a value of the wrong type`);
  };
  const isConst = (v: AttrValue): v is ConstTensor => typeof v === 'object' && !Array.isArray(v);
  switch (kind) {
    case 'int':
      if (typeof value !== 'number') bad();
      return { name, type: T.INT, i: int64Field(value as number) };
    case 'float':
      if (typeof value !== 'number') bad();
      return { name, type: T.FLOAT, f: value as number };
    case 'string':
      if (typeof value !== 'string') bad();
      return { name, type: T.STRING, s: utf8Encoder.encode(value as string) };
    case 'ints':
      if (!Array.isArray(value)) bad();
      return { name, type: T.INTS, ints: int64Fields(value as number[]) };
    case 'floats':
      if (!Array.isArray(value)) bad();
      return { name, type: T.FLOATS, floats: value as number[] };
    case 'strings':
      if (!Array.isArray(value)) bad();
      return {
        name,
        type: T.STRINGS,
        strings: (value as string[]).map((s) => utf8Encoder.encode(String(s))),
      };
    case 'tensor':
      if (!isConst(value)) bad();
      return { name, type: T.TENSOR, t: constToTensor(value as ConstTensor, name) };
    case 'sparse_tensor':
      if (!isConst(value)) bad();
      return { name, type: T.SPARSE_TENSOR, sparseTensor: sparsify(value as ConstTensor, name) };
    case 'type_proto':
      if (typeof value !== 'string') bad();
      return { name, type: T.TYPE_PROTO, tp: onnx.TypeProto.decode(Buffer.from(value as string, 'base64')) };
  }
}
