// Matrix products. MACs = batch × M × N × K; FLOPs = 2 × MACs (+ one add per output element for a
// Gemm bias C).
import type { Dim } from '../types.js';
import { attrInt, attrString } from './attrs.js';
import { elems, hasInput, inDType, inShape, numShape } from './common.js';
import { broadcastShapes, isNum } from './dims.js';
import { registerOp, type OpContext, type OutputInfo } from './registry.js';

/** numpy.matmul shape rule: 1-D operands are promoted then their added axis removed. */
export function matmulShape(a: Dim[], b: Dim[]): Dim[] {
  if (a.length === 0 || b.length === 0) throw new Error('MatMul of a scalar');
  const a2 = a.length === 1 ? [1, a[0]] : a;
  const b2 = b.length === 1 ? [b[0], 1] : b;
  const k1 = a2[a2.length - 1];
  const k2 = b2[b2.length - 2];
  if (isNum(k1) && isNum(k2) && k1 !== k2) throw new Error(`inner dims differ: ${k1} vs ${k2}`);
  const batch = broadcastShapes([a2.slice(0, -2), b2.slice(0, -2)]);
  const out = [...batch];
  if (a.length > 1) out.push(a2[a2.length - 2]);
  if (b.length > 1) out.push(b2[b2.length - 1]);
  return out;
}

/** MACs of A·B from operand shapes: output elements × K. */
function matmulMacs(ctx: OpContext, aIdx: number, outElems: number): number {
  const a = numShape(ctx.inputs[aIdx]);
  return outElems * a[a.length - 1];
}

export function registerMatMulLike(op: string, aIdx: number, bIdx: number, outDType?: 'int32'): void {
  registerOp('', op, {
    category: 'matmul',
    infer: (ctx) => [
      { shape: matmulShape(inShape(ctx, aIdx), inShape(ctx, bIdx)), dtype: outDType ?? inDType(ctx, aIdx) },
    ],
    work(ctx, outs) {
      const macs = matmulMacs(ctx, aIdx, elems(outs[0]));
      return { macs, flops: 2 * macs };
    },
  });
}

registerMatMulLike('MatMul', 0, 1);
registerMatMulLike('MatMulInteger', 0, 1, 'int32');

registerOp('', 'Gemm', {
  category: 'matmul',
  infer(ctx): OutputInfo[] {
    const a = inShape(ctx, 0);
    const b = inShape(ctx, 1);
    if (a.length !== 2 || b.length !== 2) throw new Error('Gemm operands must be 2-D');
    const m = attrInt(ctx.node, 'transA', 0) ? a[1] : a[0];
    const n = attrInt(ctx.node, 'transB', 0) ? b[0] : b[1];
    return [{ shape: [m, n], dtype: inDType(ctx, 0) }];
  },
  work(ctx, outs) {
    const a = numShape(ctx.inputs[0]);
    const k = attrInt(ctx.node, 'transA', 0) ? a[0] : a[1];
    const outElems = elems(outs[0]);
    const macs = outElems * k;
    return { macs, flops: 2 * macs + (hasInput(ctx, 2) ? outElems : 0) };
  },
});

/** Parsed Einsum equation: per-operand letter lists ('.' expands the ellipsis) and output letters. */
interface Einsum {
  inputs: string[][];
  output: string[];
  /** letter → size */
  sizes: Map<string, Dim>;
}

function parseEinsum(ctx: OpContext): Einsum {
  const eq = attrString(ctx.node, 'equation', '').replace(/\s+/g, '');
  const [lhs, rhs] = eq.split('->');
  const terms = lhs.split(',');
  const present = ctx.inputs.filter((t) => t !== undefined);
  if (terms.length !== present.length)
    throw new Error(`equation has ${terms.length} operands, node ${present.length}`);
  const sizes = new Map<string, Dim>();
  let ellipsisRank = 0;
  const inputs = terms.map((term, i) => {
    const shape = inShape(ctx, i);
    const letters = term.replace('...', '').split('');
    const hasEllipsis = term.includes('...');
    const eRank = hasEllipsis ? shape.length - letters.length : 0;
    if (eRank < 0 || (!hasEllipsis && letters.length !== shape.length))
      throw new Error(`operand ${i} rank mismatch`);
    ellipsisRank = Math.max(ellipsisRank, eRank);
    const expanded: string[] = [];
    const before = hasEllipsis ? term.indexOf('...') : term.length;
    let d = 0;
    for (const ch of term.slice(0, before)) expanded.push(ch);
    // Ellipsis dims use digit names aligned from the right so that they broadcast.
    const eNames: string[] = [];
    for (let j = 0; j < eRank; j++) eNames.push(String(ellipsisRankSlot(j, eRank)));
    expanded.push(...eNames);
    if (hasEllipsis) for (const ch of term.slice(before + 3)) expanded.push(ch);
    for (const name of expanded) {
      const dim = shape[d++];
      const prev = sizes.get(name);
      sizes.set(name, prev === undefined || prev === 1 ? dim : prev);
    }
    return expanded;
  });
  let output: string[];
  const eAll: string[] = [];
  for (let j = 0; j < ellipsisRank; j++) eAll.push(String(ellipsisRankSlot(j, ellipsisRank)));
  if (rhs !== undefined) {
    const before = rhs.includes('...') ? rhs.indexOf('...') : rhs.length;
    output = [...rhs.slice(0, before).split('').filter(Boolean)];
    if (rhs.includes('...'))
      output.push(
        ...eAll,
        ...rhs
          .slice(before + 3)
          .split('')
          .filter(Boolean),
      );
  } else {
    // Implicit form: ellipsis dims, then letters seen exactly once, alphabetically.
    const count = new Map<string, number>();
    for (const t of terms) for (const ch of t.replace('...', '')) count.set(ch, (count.get(ch) ?? 0) + 1);
    output = [...eAll, ...[...count.keys()].filter((c) => count.get(c) === 1).sort()];
  }
  return { inputs, output, sizes };
}

/** Slot j of an ellipsis of rank r, counted from the right so that shorter ellipses broadcast. */
function ellipsisRankSlot(j: number, r: number): number {
  return r - j;
}

registerOp('', 'Einsum', {
  category: (ctx) => (ctx.inputs.filter((t) => t).length >= 2 ? 'matmul' : 'reduction'),
  infer(ctx) {
    const e = parseEinsum(ctx);
    return [{ shape: e.output.map((c) => e.sizes.get(c) ?? 1), dtype: inDType(ctx, 0) }];
  },
  work(ctx) {
    const e = parseEinsum(ctx);
    // Every combination of all distinct indices is visited once per extra operand.
    let iterations = 1;
    for (const d of e.sizes.values()) {
      if (!isNum(d)) throw new Error('symbolic Einsum dim');
      iterations *= d;
    }
    const operands = e.inputs.length;
    if (operands >= 2) {
      const macs = iterations * (operands - 1);
      return { macs, flops: 2 * macs };
    }
    return { macs: 0, flops: iterations };
  },
});
