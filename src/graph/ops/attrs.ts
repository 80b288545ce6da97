// Typed attribute readers with defaults. Importers store ONNX INT/FLOAT as numbers, INTS/FLOATS as
// number arrays, STRING as string and TENSOR as ConstTensor; anything else is a malformed node.
import type { ConstTensor, DType, Node } from '../types.js';
import { ONNX_DTYPE_BY_CODE } from '../onnx-dtypes.js';

export function attrInt(node: Node, name: string, fallback: number): number {
  const v = node.attrs[name];
  if (v === undefined) return fallback;
  if (typeof v === 'number') return Math.trunc(v);
  throw new Error(`attribute ${name} should be an int`);
}

export function attrFloat(node: Node, name: string, fallback: number): number {
  const v = node.attrs[name];
  if (v === undefined) return fallback;
  if (typeof v === 'number') return v;
  throw new Error(`attribute ${name} should be a float`);
}

export function attrString(node: Node, name: string, fallback: string): string {
  const v = node.attrs[name];
  if (v === undefined) return fallback;
  if (typeof v === 'string') return v;
  throw new Error(`attribute ${name} should be a string`);
}

/** INTS/FLOATS attribute; a single number is accepted as a one-element list. */
export function attrInts(node: Node, name: string): number[] | undefined {
  const v = node.attrs[name];
  if (v === undefined) return undefined;
  if (typeof v === 'number') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) return v as number[];
  throw new Error(`attribute ${name} should be a list of numbers`);
}

export function attrTensor(node: Node, name: string): ConstTensor | undefined {
  const v = node.attrs[name];
  if (v === undefined) return undefined;
  if (typeof v === 'object' && !Array.isArray(v) && 'data' in v) return v;
  throw new Error(`attribute ${name} should be a tensor`);
}

const DTYPE_NAMES = new Set<string>(Object.values(ONNX_DTYPE_BY_CODE));

/** A dtype attribute (Cast `to`, EyeLike `dtype`…): an ONNX code or a DType name. */
export function attrDType(node: Node, name: string, fallback: DType): DType {
  const v = node.attrs[name];
  if (v === undefined) return fallback;
  if (typeof v === 'number') {
    const d = ONNX_DTYPE_BY_CODE[v];
    if (!d) throw new Error(`attribute ${name}: unknown ONNX data type ${v}`);
    return d;
  }
  if (typeof v === 'string') {
    const lower = v.toLowerCase();
    if (DTYPE_NAMES.has(lower)) return lower as DType;
    if (lower === 'float') return 'float32';
    if (lower === 'double') return 'float64';
  }
  throw new Error(`attribute ${name} should be a data type`);
}
