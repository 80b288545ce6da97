// A fingerprint of a graph's structure and input shapes: measurements taken on one model must never
// be applied to another (or to the same model at other input sizes). Structure is every node's op,
// tensor names and attributes, the shapes and types of the constants it reads (and the values of small
// ones: a Reshape's target, a Resize's scales), and its nested graphs. The values of larger
// initializers are not part of it (the same network with other weights runs the same kernels); a
// tensor attribute (a Constant node's value) is, whatever its size. Attributes count: a Resize whose
// coordinate mode changed runs another ONNX Runtime loop, at 5–8× the time per element, under the
// same node and tensor names.
import { createHash, type Hash } from 'node:crypto';
import type { AttrValue, Graph, Node } from './types.js';

/** Constants up to this many bytes are fingerprinted by value (shape-like tensors), larger ones by shape. */
const VALUE_BYTES = 256;

export function graphFingerprint(g: Graph): string {
  const hash = createHash('sha256');
  addGraph(hash, g);
  return hash.digest('hex').slice(0, 16);
}

function addGraph(hash: Hash, g: Graph): void {
  for (const name of g.inputs)
    hash.update(`in ${name} ${JSON.stringify(g.tensors.get(name)?.shape ?? null)}\n`);
  for (const n of g.nodes) {
    hash.update(`${n.domain ?? ''}::${n.op} ${n.inputs.join(',')} -> ${n.outputs.join(',')}\n`);
    addAttributes(hash, n);
    addConstants(hash, g, n);
    for (const key of Object.keys(n.subgraphs ?? {}).sort()) {
      hash.update(`subgraph ${key}\n`);
      addGraph(hash, n.subgraphs![key]);
    }
  }
  for (const name of g.outputs) hash.update(`out ${name}\n`);
}

function addAttributes(hash: Hash, n: Node): void {
  for (const key of Object.keys(n.attrs).sort()) hash.update(`attr ${key}=${attrText(n.attrs[key])}\n`);
}

function attrText(v: AttrValue): string {
  if (typeof v === 'object' && !Array.isArray(v)) {
    // A tensor attribute (a Constant node's value): its type, shape and bytes.
    const digest = createHash('sha256').update(v.data).digest('hex').slice(0, 16);
    return `tensor ${v.dtype} ${JSON.stringify(v.shape)} ${digest}`;
  }
  return JSON.stringify(v);
}

function addConstants(hash: Hash, g: Graph, n: Node): void {
  for (const name of n.inputs) {
    const t = name === '' ? undefined : g.tensors.get(name);
    if (!t?.constant) continue;
    hash.update(`const ${name} ${t.dtype} ${JSON.stringify(t.shape)}`);
    if (t.value) hash.update(` = ${JSON.stringify(t.value)}`);
    else if (t.data && t.data.byteLength <= VALUE_BYTES)
      hash.update(` = ${Buffer.from(t.data).toString('hex')}`);
    hash.update('\n');
  }
}
