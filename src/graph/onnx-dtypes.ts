// ONNX TensorProto.DataType codes: ONNX attributes (Cast `to`) and files both speak them, so the
// table lives once, here, for the importer/exporter and the op rules alike.
import type { DType } from './types.js';

export const ONNX_DTYPE_BY_CODE: Readonly<Record<number, DType>> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  14: 'complex64',
  15: 'complex128',
  16: 'bfloat16',
  17: 'float8', // FLOAT8E4M3FN; the other float8 flavours fold into the same DType
  18: 'float8',
  19: 'float8',
  20: 'float8',
  21: 'uint4',
  22: 'int4',
};
