// Which ONNX attribute kind to write for a value whose kind the source did not record (zoo and TF.js
// graphs): a whole number could be INT or FLOAT, and ONNX Runtime rejects the wrong one.
import type { AttrKind, AttrValue } from '../../graph/types.js';

/** Attribute names that are FLOAT(S) in every ai.onnx op that has them. */
const FLOAT_ATTRS = new Set([
  'alpha',
  'beta',
  'gamma',
  'epsilon',
  'momentum',
  'lambd',
  'ratio',
  'spatial_scale',
  'scales',
  'bias',
  'value_float',
  'value_floats',
  'extrapolation_value',
  'cubic_coeff_a',
  'activation_alpha',
  'activation_beta',
  'clip',
  'threshold',
  'mean',
  'scale',
  'high',
  'low',
]);

/** Float attributes that only some ops have; elsewhere the same name is an INT. */
const FLOAT_ATTRS_BY_OP: Record<string, Set<string>> = {
  Clip: new Set(['min', 'max']), // before opset 11 the bounds were attributes
  RandomNormal: new Set(['seed']),
  RandomNormalLike: new Set(['seed']),
  RandomUniform: new Set(['seed']),
  RandomUniformLike: new Set(['seed']),
  Bernoulli: new Set(['seed']),
};

function isFloatAttr(op: string, name: string): boolean {
  return FLOAT_ATTRS.has(name) || (FLOAT_ATTRS_BY_OP[op]?.has(name) ?? false);
}

export function inferAttrKind(op: string, name: string, value: AttrValue): AttrKind {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return Number.isInteger(value) && !isFloatAttr(op, name) ? 'int' : 'float';
  if (Array.isArray(value)) {
    if (value.some((v) => typeof v === 'string')) return 'strings';
    const nums = value as number[];
    return nums.every((v) => Number.isInteger(v)) && !isFloatAttr(op, name) ? 'ints' : 'floats';
  }
  return 'tensor';
}
