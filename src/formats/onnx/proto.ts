// The compiled official onnx.proto3 (protobufjs static code). onnx-proto is CommonJS, so under NodeNext
// ESM the namespace arrives as the default export.
import onnxProto from 'onnx-proto';

export const onnx = onnxProto.onnx;

export type ModelProto = onnxProto.onnx.IModelProto;
export type GraphProto = onnxProto.onnx.IGraphProto;
export type NodeProto = onnxProto.onnx.INodeProto;
export type TensorProto = onnxProto.onnx.ITensorProto;
export type SparseTensorProto = onnxProto.onnx.ISparseTensorProto;
export type AttributeProto = onnxProto.onnx.IAttributeProto;
export type ValueInfoProto = onnxProto.onnx.IValueInfoProto;
export type TypeProto = onnxProto.onnx.ITypeProto;
export type DimensionProto = onnxProto.onnx.TensorShapeProto.IDimension;

/** protobufjs hands int64 fields back as Long objects (low/high 32-bit halves) when `long` is installed. */
export type Int64 = number | { low: number; high: number; toNumber(): number };

export function int64ToNumber(v: Int64 | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

/** Exact conversion: int64 sentinels such as INT64_MAX (Slice ends) do not survive a trip through number. */
export function int64ToBigInt(v: Int64 | null | undefined): bigint {
  if (v === null || v === undefined) return 0n;
  if (typeof v === 'number') return BigInt(Math.trunc(v));
  return (BigInt(v.high) << 32n) | BigInt(v.low >>> 0);
}

/** True when a decoded message really carried `field` (protobufjs puts defaults on the prototype). */
export function has(msg: object, field: string): boolean {
  return Object.prototype.hasOwnProperty.call(msg, field);
}
