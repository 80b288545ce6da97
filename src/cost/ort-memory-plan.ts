// Where a run leaves the memory each kernel reads and writes: how ONNX Runtime's CPU provider places
// a graph's activations, replayed, and how many bytes the run touched between a kernel's access to a
// page and the access before it (its LRU stack distance). A streaming kernel that writes over memory
// the run last touched megabytes back fetches every line of it first: measured here, a bias Add of
// 50×768 floats took 31 µs writing to a buffer just used and 73 µs writing to one evicted beforehand.
// In ViT, whose layers repeat one plan, the bias Adds after the key projection and the second MLP
// layer write into buffers this replay places 20–28 MB back, and take 25 and 30 µs; those after the
// value and output projections, 2.5 MB back, 14–16 µs (the query's is placed 26 MB back yet runs in
// 16 µs: the replay is not exact).
//
// Restated from ONNX Runtime's allocation planner (allocation_planner.cc) and memory-pattern planner
// (mem_pattern_planner.h), for a sequential run of a graph exported as it is (no graph optimization):
// - a view (Reshape, Flatten, Squeeze, Unsqueeze, Identity) aliases its input's buffer;
// - an element-wise activation kernel (declared MayInplace(0, 0)) writes over its input where that
//   input's buffer dies at it and has the output's size;
// - any other output takes a freed buffer of exactly its size, the most recently freed first, or a
//   new one; a buffer taken over lives until the last use of its last user;
// - the new buffers are laid out in one block, in execution order: each in the smallest gap between
//   the live ones that fits it, else after the highest live one, sizes rounded up to 64 bytes.
// Graph inputs are the caller's buffers, graph outputs are allocated afresh each run outside the block,
// weights each lie apart.
import type { Graph } from '../graph/types.js';
import { tensorBytes } from '../graph/types.js';

/** Bytes a kernel read and wrote whose pages the run last touched at least this far back. */
export interface FarTouches {
  /** Last touched ≥ the `farBytes` of memoryTouches ago. */
  readFarBytes: number;
  writeFarBytes: number;
  /** Last touched ≥ the last-level cache's bytes ago, or never (a fresh graph output). */
  readDramBytes: number;
  writeDramBytes: number;
}

const PAGE_BYTES = 4096;
/**
 * Weights are read whole and never scored, only counted in the distances of what comes after them,
 * so they are tracked in larger units: ViT-B/16's 344 MB at 4 KiB pages were 84K accesses a run.
 */
const WEIGHT_UNIT_BYTES = 64 * 1024;
/** ORT's allocation alignment (kAllocAlignment). */
const ALIGN_BYTES = 64;
/** ORT's reshape-like kernels: they alias their input (KernelDef Alias(0, 0)), no copy. */
export const VIEW_OPS: ReadonlySet<string> = new Set([
  'Reshape',
  'Flatten',
  'Squeeze',
  'Unsqueeze',
  'Identity',
]);
/** ORT CPU kernels that may write over their first input (activations.cc: MayInplace(0, 0)). */
const IN_PLACE_OPS = new Set([
  'Elu',
  'HardSigmoid',
  'LeakyRelu',
  'Relu',
  'Selu',
  'Sigmoid',
  'Softplus',
  'Softsign',
  'Tanh',
  'ThresholdedRelu',
]);
/** Ops that read a few rows of their first input (a table), not all of it. */
export const INDEXING_OPS: ReadonlySet<string> = new Set(['Gather', 'GatherElements', 'GatherND']);

/** A buffer of the block: its size and the steps it is live over. */
interface Buffer {
  bytes: number;
  firstStep: number;
  lastStep: number;
  usesLeft: number;
}

/** Which buffer each activation lives in (graph inputs and outputs aside), as ORT plans them. */
function planBuffers(graph: Graph): { bufferOf: Map<string, Buffer>; buffers: Buffer[] } {
  const isActivation = (name: string): boolean =>
    name !== '' && graph.tensors.has(name) && graph.tensors.get(name)?.constant !== true;
  const bytesOf = (name: string): number => {
    const t = graph.tensors.get(name);
    return t ? (tensorBytes(t) ?? 0) : 0;
  };
  const graphInputs = new Set(graph.inputs);
  const graphOutputs = new Set(graph.outputs);
  const uses = new Map<string, number>();
  for (const n of graph.nodes)
    for (const t of n.inputs) if (isActivation(t)) uses.set(t, (uses.get(t) ?? 0) + 1);

  const bufferOf = new Map<string, Buffer>();
  const buffers: Buffer[] = [];
  let free: Buffer[] = [];
  graph.nodes.forEach((node, step) => {
    node.outputs.forEach((out, i) => {
      if (!isActivation(out) || graphOutputs.has(out)) return;
      const bytes = bytesOf(out);
      const outUses = uses.get(out) ?? 0;
      const input = i === 0 ? node.inputs[0] : undefined;
      const inputBuffer = input === undefined || graphInputs.has(input) ? undefined : bufferOf.get(input);
      if (
        inputBuffer &&
        (VIEW_OPS.has(node.op) ||
          (IN_PLACE_OPS.has(node.op) && inputBuffer.usesLeft === 1 && inputBuffer.bytes === bytes))
      ) {
        bufferOf.set(out, inputBuffer);
        inputBuffer.usesLeft += outUses;
        return;
      }
      const k = free.findIndex((b) => b.bytes === bytes);
      const reused = k >= 0 ? free.splice(k, 1)[0] : undefined;
      const buffer = reused ?? { bytes, firstStep: step, lastStep: step, usesLeft: 0 };
      if (!reused) buffers.push(buffer);
      buffer.usesLeft = outUses;
      buffer.lastStep = step;
      bufferOf.set(out, buffer);
    });
    // Buffers used for the last time here go to the front of the free list, the last released first.
    const released: Buffer[] = [];
    const release = (b: Buffer): void => {
      b.lastStep = step;
      if (--b.usesLeft === 0) released.push(b);
    };
    for (const t of node.inputs) {
      const b = isActivation(t) && !graphInputs.has(t) ? bufferOf.get(t) : undefined;
      if (b) release(b);
    }
    for (const out of node.outputs) {
      const b = bufferOf.get(out);
      if (b && (uses.get(out) ?? 0) === 0 && b.usesLeft === 0) {
        b.usesLeft = 1;
        release(b);
      }
    }
    free = [...released.reverse(), ...free];
  });
  return { bufferOf, buffers };
}

/** Offsets of the buffers in the block: best fit among the live ones, in execution order. */
function layOut(buffers: readonly Buffer[], steps: number): Map<Buffer, number> {
  const size = (b: Buffer): number => Math.ceil(b.bytes / ALIGN_BYTES) * ALIGN_BYTES;
  const startAt: Buffer[][] = Array.from({ length: steps }, () => []);
  const endAt: Buffer[][] = Array.from({ length: steps }, () => []);
  for (const b of buffers) {
    startAt[b.firstStep].push(b);
    // A buffer still used at the end (never released) stays to the end.
    if (b.usesLeft === 0) endAt[b.lastStep].push(b);
  }
  const offset = new Map<Buffer, number>();
  const live: Buffer[] = []; // in offset order
  for (let step = 0; step < steps; step++) {
    for (const b of startAt[step]) {
      const bytes = size(b);
      const top = live[live.length - 1];
      let best = top ? offset.get(top)! + size(top) : 0;
      let at = live.length;
      let waste = Infinity;
      let end = 0;
      live.forEach((other, i) => {
        const o = offset.get(other)!;
        if (o - end >= bytes && o - end - bytes < waste) {
          waste = o - end - bytes;
          best = end;
          at = i;
        }
        end = Math.max(end, o + size(other));
      });
      offset.set(b, best);
      live.splice(at, 0, b);
    }
    for (const b of endAt[step]) live.splice(live.indexOf(b), 1);
  }
  return offset;
}

/** A Fenwick tree over positions of the bytes of the units whose latest access each position is. */
class LatestBytes {
  private readonly tree: Float64Array;
  constructor(size: number) {
    this.tree = new Float64Array(size + 1);
  }
  add(at: number, delta: number): void {
    for (let i = at + 1; i < this.tree.length; i += i & -i) this.tree[i] += delta;
  }
  /** Sum over positions 0..at. */
  upTo(at: number): number {
    let s = 0;
    for (let i = at + 1; i > 0; i -= i & -i) s += this.tree[i];
    return s;
  }
}

/** One access to `bytes` of a unit (a page, or a chunk of a weight), by node `node` (−1: not scored). */
interface Access {
  unit: number;
  unitBytes: number;
  bytes: number;
  node: number;
  write: boolean;
}

/**
 * Each activation's byte offset in the block ORT lays a run's activations out in (graph inputs and
 * outputs, which lie apart, are absent).
 */
export function activationOffsets(graph: Graph): Map<string, number> {
  const { bufferOf, buffers } = planBuffers(graph);
  const offset = layOut(buffers, graph.nodes.length);
  return new Map([...bufferOf].map(([name, b]) => [name, offset.get(b)!]));
}

/**
 * Per node id: the bytes it read and wrote that the run last touched ≥ `farBytes` back, and ≥
 * `llcBytes` back (or never), over two runs back to back (the second is the one measured).
 */
export function memoryTouches(graph: Graph, farBytes: number, llcBytes: number): Map<string, FarTouches> {
  const { bufferOf, buffers } = planBuffers(graph);
  const offset = layOut(buffers, graph.nodes.length);
  // Unit numbers: the block's pages from 0; every other tensor its own range above them.
  let nextUnit = 0;
  for (const b of buffers) nextUnit = Math.max(nextUnit, Math.ceil((offset.get(b)! + b.bytes) / PAGE_BYTES));
  const apart = new Map<string, number>();
  const accesses: Access[] = [];
  const touch = (name: string, run: number, node: number, write: boolean): void => {
    const t = graph.tensors.get(name);
    const bytes = t ? (tensorBytes(t) ?? 0) : 0;
    if (bytes === 0) return;
    const buffer = bufferOf.get(name);
    if (buffer) {
      const start = offset.get(buffer)!;
      for (let p = Math.floor(start / PAGE_BYTES); p * PAGE_BYTES < start + bytes; p++) {
        const inPage = Math.min(start + bytes, (p + 1) * PAGE_BYTES) - Math.max(start, p * PAGE_BYTES);
        accesses.push({ unit: p, unitBytes: PAGE_BYTES, bytes: inPage, node, write });
      }
      return;
    }
    // A graph output is a new allocation each run; anything else keeps its place.
    const unitBytes = t?.constant === true ? WEIGHT_UNIT_BYTES : PAGE_BYTES;
    const units = Math.ceil(bytes / unitBytes);
    const key = graph.outputs.includes(name) ? `${name}\u0000${run}` : name;
    let first = apart.get(key);
    if (first === undefined) {
      apart.set(key, (first = nextUnit));
      nextUnit += units + 1;
    }
    for (let k = 0; k < units; k++) {
      const inUnit = Math.min(unitBytes, bytes - k * unitBytes);
      // A unit spans the pages its bytes occupy (a 3 KB bias is one page, not a 64 KiB unit).
      const spanned = Math.ceil(inUnit / PAGE_BYTES) * PAGE_BYTES;
      accesses.push({ unit: first + k, unitBytes: spanned, bytes: inUnit, node, write });
    }
  };
  for (let run = 0; run < 2; run++) {
    graph.nodes.forEach((node, i) => {
      const recorded = run === 1 ? i : -1;
      const reads = new Set(node.inputs.filter((t) => t !== '' && graph.tensors.has(t)));
      for (const t of reads) {
        const constant = graph.tensors.get(t)?.constant === true;
        if (constant && INDEXING_OPS.has(node.op) && t === node.inputs[0]) continue;
        touch(t, run, constant ? -1 : recorded, false);
      }
      for (const t of new Set(node.outputs))
        if (t !== '' && graph.tensors.has(t)) touch(t, run, recorded, true);
    });
  }
  const touches = new Map<string, FarTouches>();
  const latestBytes = new LatestBytes(accesses.length);
  const latest = new Map<number, number>();
  accesses.forEach((a, at) => {
    const before = latest.get(a.unit);
    let distanceBytes = Infinity;
    if (before !== undefined) {
      distanceBytes = latestBytes.upTo(at - 1) - latestBytes.upTo(before);
      latestBytes.add(before, -a.unitBytes);
    }
    latestBytes.add(at, a.unitBytes);
    latest.set(a.unit, at);
    if (a.node < 0 || distanceBytes < farBytes) return;
    const id = graph.nodes[a.node].id;
    let t = touches.get(id);
    if (!t) touches.set(id, (t = { readFarBytes: 0, writeFarBytes: 0, readDramBytes: 0, writeDramBytes: 0 }));
    const dram = distanceBytes >= llcBytes;
    if (a.write) {
      t.writeFarBytes += a.bytes;
      if (dram) t.writeDramBytes += a.bytes;
    } else {
      t.readFarBytes += a.bytes;
      if (dram) t.readDramBytes += a.bytes;
    }
  });
  return touches;
}
