// The hetero graph IR: plain, serialisable data shared by every other module.
// Nothing here knows about devices, plans or file formats.

export type DType =
  | 'float32'
  | 'float16'
  | 'bfloat16'
  | 'float64'
  | 'int4'
  | 'uint4'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'bool'
  | 'string'
  | 'complex64'
  | 'complex128'
  | 'float8'
  | 'unknown';

/** A dimension: a number once known, a symbol (e.g. "batch") while dynamic. */
export type Dim = number | string;

/** Constant tensor content: raw little-endian bytes of `dtype`, row-major. */
export interface ConstTensor {
  dtype: DType;
  shape: number[];
  data: Uint8Array;
}

export interface TensorInfo {
  name: string;
  /** null when even the rank is unknown. */
  shape: Dim[] | null;
  dtype: DType;
  /** true for weights/initializers and folded constants. */
  constant: boolean;
  /** Weight bytes for initializers (absent for weightless zoo models: exporters generate them). */
  data?: Uint8Array;
  /**
   * Element values known before run time (small int tensors such as shapes, axes, pads), filled by
   * shape inference's value propagation. Never set for large tensors.
   */
  value?: number[];
}

/**
 * ONNX attribute kinds, kept so that a re-export writes INT vs FLOAT faithfully. 'sparse_tensor' values are
 * held densified as a ConstTensor; 'type_proto' values as the base64 of the serialized ONNX TypeProto.
 */
export type AttrKind =
  'int' | 'float' | 'string' | 'ints' | 'floats' | 'strings' | 'tensor' | 'sparse_tensor' | 'type_proto';

export type AttrValue = number | string | number[] | string[] | ConstTensor;

export interface Node {
  id: string;
  op: string;
  /** '' or undefined = the default ONNX domain ("ai.onnx"); 'tf' for TF.js graph models. */
  domain?: string;
  /** Tensor names; '' marks an omitted optional input. */
  inputs: string[];
  outputs: string[];
  attrs: Record<string, AttrValue>;
  /** Attribute kinds where the source format told us (ONNX import); exporters infer the rest. */
  attrKinds?: Record<string, AttrKind>;
  /** Nested graphs keyed by attribute name (If: then_branch/else_branch, Loop/Scan: body). */
  subgraphs?: Record<string, Graph>;
}

export interface Graph {
  name: string;
  nodes: Node[];
  tensors: Map<string, TensorInfo>;
  inputs: string[];
  outputs: string[];
  /** Operator-set versions by domain ('' = ai.onnx). Nested graphs inherit their parent's. */
  opsets?: Record<string, number>;
  /** Where the graph came from: 'onnx', 'tfjs', 'zoo', 'subgraph'. */
  source?: string;
}

export type OpCategory =
  | 'conv'
  | 'depthwise-conv'
  | 'matmul'
  | 'elementwise'
  | 'pooling'
  | 'normalization'
  | 'activation'
  | 'data-movement'
  | 'reduction'
  | 'recurrent'
  | 'control-flow'
  | 'other';

export interface OpCost {
  macs: number;
  flops: number;
  /** Activation and weight bytes the op reads. */
  bytesRead: number;
  bytesWritten: number;
  /** Bytes of constant inputs (weights) the op reads; included in bytesRead. */
  paramBytes: number;
  category: OpCategory;
  /** false when hetero does not know the op (opaque node): the numbers are then not to be trusted. */
  costKnown: boolean;
}

/** Bytes per element; sub-byte types count as fractions. */
export function dtypeBytes(dtype: DType): number {
  switch (dtype) {
    case 'float64':
    case 'int64':
    case 'uint64':
    case 'complex64':
      return 8;
    case 'complex128':
      return 16;
    case 'float32':
    case 'int32':
    case 'uint32':
      return 4;
    case 'float16':
    case 'bfloat16':
    case 'int16':
    case 'uint16':
      return 2;
    case 'int8':
    case 'uint8':
    case 'bool':
    case 'float8':
      return 1;
    case 'int4':
    case 'uint4':
      return 0.5;
    case 'string':
    case 'unknown':
      return 4;
  }
}

/** Element count of a fully known shape, or undefined while any dim is symbolic/unknown. */
export function numel(shape: Dim[] | null): number | undefined {
  if (!shape) return undefined;
  let n = 1;
  for (const d of shape) {
    if (typeof d !== 'number') return undefined;
    n *= d;
  }
  return n;
}

/** Byte size of a tensor, or undefined when its shape is not fully known. */
export function tensorBytes(t: TensorInfo): number | undefined {
  const n = numel(t.shape);
  return n === undefined ? undefined : n * dtypeBytes(t.dtype);
}
