// TensorFlow dtype names, as they appear in model.json, mapped to hetero DTypes.
import type { DType } from '../../graph/types.js';

/** GraphDef enum names (`DT_FLOAT`) → DType; `_REF` variants are the same type. */
const TF_ENUM: Record<string, DType> = {
  DT_FLOAT: 'float32',
  DT_HALF: 'float16',
  DT_BFLOAT16: 'bfloat16',
  DT_DOUBLE: 'float64',
  DT_INT8: 'int8',
  DT_UINT8: 'uint8',
  DT_INT16: 'int16',
  DT_UINT16: 'uint16',
  DT_INT32: 'int32',
  DT_UINT32: 'uint32',
  DT_INT64: 'int64',
  DT_UINT64: 'uint64',
  DT_BOOL: 'bool',
  DT_STRING: 'string',
  DT_COMPLEX64: 'complex64',
  DT_COMPLEX128: 'complex128',
};

/** DType of a GraphDef enum name; 'unknown' for resource/variant handles and the like. */
export function dtypeOfTfEnum(name: string): DType {
  return TF_ENUM[name.replace(/_REF$/, '')] ?? 'unknown';
}

/** Weights-manifest dtype names (`float32`, `int32`, `bool`, `string`, `complex64`…) → DType. */
const MANIFEST: Record<string, DType> = {
  float32: 'float32',
  float16: 'float16',
  int32: 'int32',
  int64: 'int64',
  int16: 'int16',
  int8: 'int8',
  uint8: 'uint8',
  uint16: 'uint16',
  bool: 'bool',
  string: 'string',
  complex64: 'complex64',
};

export function dtypeOfManifest(name: string): DType | undefined {
  return MANIFEST[name];
}
