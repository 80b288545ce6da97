// Dimension arithmetic over numbers and symbols. Symbolic results are readable expressions such as
// "(W/4)" so that equal computations on equal symbols compare equal; long expressions collapse into
// a fresh symbol named after the tensor and axis.
import type { Dim } from '../types.js';

const MAX_EXPR_CHARS = 48;

export function isNum(d: Dim | undefined): d is number {
  return typeof d === 'number';
}

export function allNum(ds: readonly Dim[]): ds is number[] {
  return ds.every((d) => typeof d === 'number');
}

function expr(s: string, fallback: string): string {
  return s.length <= MAX_EXPR_CHARS ? s : fallback;
}

/** a + b */
export function dimAdd(a: Dim, b: Dim): Dim {
  if (isNum(a) && isNum(b)) return a + b;
  if (b === 0) return a;
  if (a === 0) return b;
  if (isNum(b) && b < 0) return expr(`(${a}-${-b})`, `?${a}`);
  return expr(`(${a}+${b})`, `?${a}`);
}

/** a - b */
export function dimSub(a: Dim, b: Dim): Dim {
  if (isNum(a) && isNum(b)) return a - b;
  if (b === 0) return a;
  if (a === b) return 0;
  return expr(`(${a}-${b})`, `?${a}`);
}

/** a * b */
export function dimMul(a: Dim, b: Dim): Dim {
  if (isNum(a) && isNum(b)) return a * b;
  if (a === 1) return b;
  if (b === 1) return a;
  if (a === 0 || b === 0) return 0;
  return expr(`${a}*${b}`, `?${a}`);
}

/** floor(a / b) (integer division rounding down; symbols stay symbolic). */
export function dimFloorDiv(a: Dim, b: Dim): Dim {
  if (isNum(a) && isNum(b)) return Math.floor(a / b);
  if (b === 1) return a;
  if (a === b) return 1;
  return expr(`(${a}/${b})`, `?${a}`);
}

/** ceil(a / b) */
export function dimCeilDiv(a: Dim, b: Dim): Dim {
  if (isNum(a) && isNum(b)) return Math.ceil(a / b);
  if (b === 1) return a;
  return expr(`ceil(${a}/${b})`, `?${a}`);
}

/** Product of dims; symbolic when any is. */
export function dimProduct(ds: readonly Dim[]): Dim {
  let n: Dim = 1;
  for (const d of ds) n = dimMul(n, d);
  return n;
}

/** Normalises a possibly negative axis against `rank`; throws when out of range. */
export function normAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank)
    throw new Error(`axis ${axis} out of range for rank ${rank}`);
  return a;
}

/** Broadcasts two dims (multidirectional, numpy rules). */
export function broadcastDim(a: Dim, b: Dim): Dim {
  if (a === b) return a;
  if (a === 1) return b;
  if (b === 1) return a;
  if (isNum(a) && isNum(b)) throw new Error(`cannot broadcast ${a} with ${b}`);
  // A number > 1 against a symbol: the symbol must equal it for the model to be valid.
  if (isNum(a)) return a;
  if (isNum(b)) return b;
  return a;
}

/** Numpy-style multidirectional broadcast of several shapes. */
export function broadcastShapes(shapes: readonly (readonly Dim[])[]): Dim[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: Dim[] = new Array<Dim>(rank).fill(1);
  for (const s of shapes) {
    const off = rank - s.length;
    for (let i = 0; i < s.length; i++) out[off + i] = broadcastDim(out[off + i], s[i]);
  }
  return out;
}

/** Merges two views of one dim (If branches, loop-carried values): equal kept, differing → symbol. */
export function mergeDim(a: Dim, b: Dim, symbol: string): Dim {
  return a === b ? a : symbol;
}
