// A fingerprint of a graph's structure and input shapes: measurements taken on one model must never
// be applied to another (or to the same model at other input sizes).
import { createHash } from 'node:crypto';
import type { Graph } from './types.js';

export function graphFingerprint(g: Graph): string {
  const hash = createHash('sha256');
  for (const name of g.inputs)
    hash.update(`in ${name} ${JSON.stringify(g.tensors.get(name)?.shape ?? null)}\n`);
  for (const n of g.nodes)
    hash.update(`${n.domain ?? ''}::${n.op} ${n.inputs.join(',')} -> ${n.outputs.join(',')}\n`);
  for (const name of g.outputs) hash.update(`out ${name}\n`);
  return hash.digest('hex').slice(0, 16);
}
