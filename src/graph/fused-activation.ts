// A node may carry the activation that follows it, the way mobile runtimes execute Conv+ReLU as one
// kernel: attrs.fused_activation = 'Relu' | 'Clip', with the Clip bounds in
// attrs.fused_activation_bounds = [min, max]. This is hetero's IR convention; the ONNX exporter
// writes such a node back as the two ONNX nodes it stands for.
import type { Node } from './types.js';

export type FusedActivation = { op: 'Relu' } | { op: 'Clip'; min: number; max: number };

export const FUSED_ACTIVATION_ATTR = 'fused_activation';
export const FUSED_BOUNDS_ATTR = 'fused_activation_bounds';

export function fusedActivation(n: Node): FusedActivation | undefined {
  const op = n.attrs[FUSED_ACTIVATION_ATTR];
  if (op === 'Relu') return { op };
  if (op !== 'Clip') return undefined;
  const bounds = n.attrs[FUSED_BOUNDS_ATTR];
  const [min, max] = Array.isArray(bounds) ? (bounds as number[]) : [-Infinity, Infinity];
  return { op, min, max };
}
