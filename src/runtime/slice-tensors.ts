// Building blocks of split ops: integer part bounds from plan fractions, constant tensors sliced along
// one axis (real bytes), and Slice / Concat nodes with their tensor infos.
import { HeteroError } from '../errors.js';
import type { Dim, Graph, Node, TensorInfo } from '../graph/types.js';
import { dtypeBytes } from '../graph/types.js';

/** A half-open interval [start, end) along one axis. */
export interface Range {
  start: number;
  end: number;
}

/**
 * Cuts `length` into consecutive ranges by `fractions` (cumulative rounding), each a multiple of
 * `quantum` (grouped convs split at group boundaries) and at least one quantum long.
 */
export function partRanges(length: number, fractions: number[], quantum = 1, where = 'split'): Range[] {
  const units = Math.floor(length / quantum);
  if (units < fractions.length || units * quantum !== length) {
    throw new HeteroError(where, `cannot cut ${length} into ${fractions.length} parts of ${quantum}`);
  }
  const total = fractions.reduce((s, f) => s + f, 0);
  const ranges: Range[] = [];
  let acc = 0;
  let prev = 0;
  fractions.forEach((f, k) => {
    acc += f;
    const left = fractions.length - 1 - k;
    // Keep at least one unit for this part and for every part after it.
    const cut = k === fractions.length - 1 ? units : Math.round((acc / total) * units);
    const end = Math.min(Math.max(cut, prev + 1), units - left);
    ranges.push({ start: prev * quantum, end: end * quantum });
    prev = end;
  });
  return ranges;
}

export function fixedShape(t: TensorInfo | undefined, where: string): number[] {
  if (!t?.shape || t.shape.some((d) => typeof d !== 'number')) {
    throw new HeteroError(where, `tensor "${t?.name ?? '?'}" has no fixed shape to split`);
  }
  return t.shape as number[];
}

/** A constant sliced along `axis` to `range`, under a new name; its bytes are copied. */
export function sliceConstant(t: TensorInfo, axis: number, range: Range, name: string): TensorInfo {
  const shape = fixedShape(t, name);
  const out = shape.map((d, i) => (i === axis ? range.end - range.start : d));
  if (t.value && !t.data) {
    return { ...t, name, shape: out, value: sliceArray(t.value, shape, axis, range, 1) };
  }
  if (!t.data) throw new HeteroError(name, `constant "${t.name}" has no data to slice`);
  const bytes = dtypeBytes(t.dtype);
  if (!Number.isInteger(bytes)) throw new HeteroError(name, `cannot slice ${t.dtype} constants`);
  const data = Uint8Array.from(sliceArray(t.data, shape, axis, range, bytes));
  const sliced: TensorInfo = { name, shape: out, dtype: t.dtype, constant: true, data };
  return sliced;
}

function sliceArray<T>(
  src: ArrayLike<T>,
  shape: number[],
  axis: number,
  range: Range,
  elementBytes: number,
): T[] {
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1) * elementBytes;
  const dim = shape[axis];
  const out: T[] = [];
  for (let o = 0; o < outer; o++) {
    const base = o * dim * inner;
    for (let i = base + range.start * inner; i < base + range.end * inner; i++) out.push(src[i]);
  }
  return out;
}

/** Mutable graph under construction: nodes appended in issue order, tensors by name. */
export interface GraphDraft {
  nodes: Node[];
  tensors: Map<string, TensorInfo>;
  opset: number;
}

function int64Constant(draft: GraphDraft, name: string, values: number[]): string {
  const data = new Uint8Array(new BigInt64Array(values.map((v) => BigInt(v))).buffer);
  draft.tensors.set(name, {
    name,
    shape: [values.length],
    dtype: 'int64',
    constant: true,
    data,
    value: values,
  });
  return name;
}

/** Appends Slice(input)[axis: range] named `id`; returns its output tensor name. */
export function addSlice(draft: GraphDraft, input: string, axis: number, range: Range, id: string): string {
  const t = draft.tensors.get(input);
  const shape = fixedShape(t, id);
  const output = `${id}:out`;
  const outShape: Dim[] = shape.map((d, i) => (i === axis ? range.end - range.start : d));
  draft.tensors.set(output, { name: output, shape: outShape, dtype: t?.dtype ?? 'float32', constant: false });
  if (draft.opset >= 10) {
    const starts = int64Constant(draft, `${id}:starts`, [range.start]);
    const ends = int64Constant(draft, `${id}:ends`, [range.end]);
    const axes = int64Constant(draft, `${id}:axes`, [axis]);
    draft.nodes.push({ id, op: 'Slice', inputs: [input, starts, ends, axes], outputs: [output], attrs: {} });
  } else {
    draft.nodes.push({
      id,
      op: 'Slice',
      inputs: [input],
      outputs: [output],
      attrs: { starts: [range.start], ends: [range.end], axes: [axis] },
    });
  }
  return output;
}

export function addConcat(
  draft: GraphDraft,
  inputs: string[],
  output: string,
  axis: number,
  id: string,
): void {
  draft.nodes.push({ id, op: 'Concat', inputs, outputs: [output], attrs: { axis } });
}

export function draftOf(g: Graph): GraphDraft {
  return { nodes: [], tensors: new Map(g.tensors), opset: g.opsets?.[''] ?? 17 };
}
