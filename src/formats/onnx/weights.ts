// Deterministic stand-in weights for constant tensors that carry no data (weightless zoo models), chosen so
// the exported model runs and its outputs stay finite: fan-in scaled uniforms for ordinary weights, and
// values near the identity for normalisation parameters.
import type { DType } from '../../graph/types.js';
import { float32ToFloat16Bits } from './tensors.js';
import { mulberry32 } from '../../random.js';

/** How a weight is used decides its range. */
export type WeightRole = 'weight' | 'scale' | 'shift' | 'variance' | 'positive' | 'one';

/** Role of input `index` of op `op` when it is a constant (first consumer wins). */
export function weightRole(op: string, index: number): WeightRole {
  switch (op) {
    case 'BatchNormalization':
      return (['weight', 'scale', 'shift', 'shift', 'variance'] as const)[index] ?? 'weight';
    case 'LayerNormalization':
    case 'InstanceNormalization':
    case 'GroupNormalization':
    case 'SimplifiedLayerNormalization':
      return index === 1 ? 'scale' : index === 2 ? 'shift' : 'weight';
    case 'Div':
      return index === 1 ? 'positive' : 'weight'; // a divisor near zero would blow up
    case 'Sqrt':
    case 'Log':
    case 'Reciprocal':
      return 'positive';
    case 'Pow':
      return index === 1 ? 'one' : 'weight'; // a random exponent of a negative base is NaN
    default:
      return 'weight';
  }
}

/** FNV-1a, so each tensor's values depend on (seed, name) and not on the order tensors are written. */
function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export const GENERATED_FLOAT_DTYPES: ReadonlySet<DType> = new Set([
  'float32',
  'float16',
  'bfloat16',
  'float64',
]);

/** Values for a float tensor of `shape`, as little-endian bytes of `dtype` (one of GENERATED_FLOAT_DTYPES). */
export function generateWeights(
  name: string,
  dtype: DType,
  shape: number[],
  role: WeightRole,
  seed: number,
): Uint8Array {
  const numel = shape.reduce((a, b) => a * b, 1);
  const fanIn = Math.max(
    1,
    shape.slice(1).reduce((a, b) => a * b, 1),
  );
  const bound = Math.sqrt(1 / fanIn);
  const rand = mulberry32(seed ^ hashName(name));
  const uniform = (lo: number, hi: number): number => lo + (hi - lo) * rand();
  const values = new Float64Array(numel);
  for (let i = 0; i < numel; i++) {
    switch (role) {
      case 'weight':
        values[i] = uniform(-bound, bound);
        break;
      case 'scale':
        values[i] = uniform(0.9, 1.1);
        break;
      case 'shift':
        values[i] = uniform(-0.1, 0.1);
        break;
      case 'variance':
      case 'positive':
        values[i] = uniform(0.5, 1.5);
        break;
      case 'one':
        values[i] = 1;
        break;
    }
  }
  switch (dtype) {
    case 'float64':
      return new Uint8Array(values.buffer);
    case 'float16':
      return new Uint8Array(Uint16Array.from(values, float32ToFloat16Bits).buffer);
    case 'bfloat16': {
      const f = Float32Array.from(values);
      const u = new Uint32Array(f.buffer);
      return new Uint8Array(Uint16Array.from(u, (x) => x >>> 16).buffer);
    }
    default:
      return new Uint8Array(Float32Array.from(values).buffer);
  }
}
