// Control flow (If, Loop, Scan). Shapes come from inferring the nested graphs with the outer scope
// visible; costs are summed over the nested graphs by cost.ts (If: costlier branch, Loop: body × trip
// count, Scan: body × sequence length).
import type { Dim } from '../types.js';
import { attrInt, attrInts } from './attrs.js';
import { freshSymbol, hasInput, inShape, maybeNumValue } from './common.js';
import { isNum, mergeDim, normAxis } from './dims.js';
import { registerOp, type OpContext, type OutputInfo, type SubgraphResult } from './registry.js';

function subgraph(
  ctx: OpContext,
  attr: string,
  inputs: (OutputInfo | undefined)[],
  quiet = false,
): SubgraphResult {
  if (!ctx.inferSubgraph) throw new Error('nested graphs can only be inferred during shape inference');
  const r = ctx.inferSubgraph(attr, inputs, quiet);
  if (!r) throw new Error(`missing nested graph ${attr}`);
  return r;
}

/**
 * Merges two infos of one value (If branches, loop-carried state): equal dims kept, others → symbols.
 * A side that could not be inferred at all (unknown rank and type: the branch failed and warned)
 * carries no information, so the other side is taken.
 */
function mergeInfo(ctx: OpContext, o: number, a: OutputInfo, b: OutputInfo): OutputInfo {
  if (!a.shape && a.dtype === 'unknown') return b;
  if (!b.shape && b.dtype === 'unknown') return a;
  let shape: Dim[] | null = null;
  if (a.shape && b.shape && a.shape.length === b.shape.length) {
    const bs = b.shape;
    shape = a.shape.map((d, i) => mergeDim(d, bs[i], freshSymbol(ctx, o, i)));
  }
  const out: OutputInfo = {
    shape,
    dtype: a.dtype === b.dtype ? a.dtype : a.dtype === 'unknown' ? b.dtype : a.dtype,
  };
  if (
    a.value &&
    b.value &&
    a.value.length === b.value.length &&
    a.value.every((x, i) => x === b.value?.[i])
  ) {
    out.value = a.value;
  }
  return out;
}

registerOp('', 'If', {
  category: 'control-flow',
  infer(ctx) {
    const n = ctx.node.outputs.length;
    const cond = maybeNumValue(ctx, 0);
    if (cond && cond.length === 1) {
      // Known condition: the other branch is still inferred (kept in the result) but never warns.
      const live = subgraph(ctx, cond[0] ? 'then_branch' : 'else_branch', []);
      subgraph(ctx, cond[0] ? 'else_branch' : 'then_branch', [], true);
      if (live.outputs.length < n) throw new Error('branch has too few outputs');
      return live.outputs.slice(0, n);
    }
    const thenR = subgraph(ctx, 'then_branch', []);
    const elseR = subgraph(ctx, 'else_branch', []);
    if (thenR.outputs.length < n || elseR.outputs.length < n) throw new Error('branch has too few outputs');
    return thenR.outputs.slice(0, n).map((t, o) => mergeInfo(ctx, o, t, elseR.outputs[o]));
  },
});

// Loop(M?, cond?, v_initial...) with body(iter_num, cond_in, v...) → (cond_out, v..., scan_outputs...).
registerOp('', 'Loop', {
  category: 'control-flow',
  infer(ctx) {
    const carriedIn = ctx.inputs
      .slice(2)
      .map((t): OutputInfo | undefined => (t ? { shape: t.shape, dtype: t.dtype } : undefined));
    const head: OutputInfo[] = [
      { shape: [], dtype: 'int64' },
      { shape: [], dtype: 'bool' },
    ];
    let r = subgraph(ctx, 'body', [...head, ...carriedIn]);
    const n = carriedIn.length;
    // Loop-carried values whose shape changes per iteration: widen to symbols and infer again.
    const merged = carriedIn.map((c, i) => {
      const out = r.outputs[1 + i];
      return c && out ? mergeInfo(ctx, i, c, out) : (out ?? c);
    });
    const changed = merged.some((m, i) => JSON.stringify(m?.shape) !== JSON.stringify(carriedIn[i]?.shape));
    if (changed) r = subgraph(ctx, 'body', [...head, ...merged]);
    const m = hasInput(ctx, 0) ? maybeNumValue(ctx, 0) : undefined;
    const condOut = r.outputs[0]?.value;
    const trips: Dim =
      m && (!hasInput(ctx, 1) || (condOut && condOut[0] === 1)) ? m[0] : freshSymbol(ctx, n, 0);
    const outs: OutputInfo[] = [];
    for (let i = 0; i < n; i++) {
      const o = merged[i] ?? r.outputs[1 + i];
      outs.push({ shape: o?.shape ?? null, dtype: o?.dtype ?? 'unknown' });
    }
    for (let k = 1 + n; k < r.outputs.length; k++) {
      const e = r.outputs[k];
      outs.push({ shape: e.shape ? [trips, ...e.shape] : null, dtype: e.dtype });
    }
    return outs.slice(0, ctx.node.outputs.length);
  },
});

// Scan (opset ≥ 9): inputs are N states then M scan inputs; body(states, slices) → (states, elements).
registerOp('', 'Scan', {
  category: 'control-flow',
  infer(ctx) {
    if (ctx.opset < 9) throw new Error('Scan before opset 9 (batched form) is not supported');
    const m = attrInt(ctx.node, 'num_scan_inputs', 0);
    const all = ctx.inputs;
    const n = all.length - m;
    const inAxes = attrInts(ctx.node, 'scan_input_axes') ?? new Array<number>(m).fill(0);
    let seq: Dim | undefined;
    const slices: OutputInfo[] = [];
    for (let j = 0; j < m; j++) {
      const x = inShape(ctx, n + j);
      const ax = normAxis(inAxes[j], x.length);
      if (seq === undefined || (!isNum(seq) && isNum(x[ax]))) seq = x[ax];
      slices.push({ shape: x.filter((_, i) => i !== ax), dtype: all[n + j]?.dtype ?? 'unknown' });
    }
    const states = all
      .slice(0, n)
      .map((t): OutputInfo | undefined => (t ? { shape: t.shape, dtype: t.dtype } : undefined));
    const r = subgraph(ctx, 'body', [...states, ...slices]);
    const outAxes = attrInts(ctx.node, 'scan_output_axes');
    const outs: OutputInfo[] = [];
    for (let i = 0; i < n; i++) {
      const o = r.outputs[i];
      const st = states[i];
      outs.push(st && o ? mergeInfo(ctx, i, st, o) : (o ?? { shape: null, dtype: 'unknown' }));
    }
    for (let k = n; k < r.outputs.length; k++) {
      const e = r.outputs[k];
      if (!e.shape) {
        outs.push({ shape: null, dtype: e.dtype });
        continue;
      }
      const ax = normAxis(outAxes?.[k - n] ?? 0, e.shape.length + 1);
      const shape = [...e.shape];
      shape.splice(ax, 0, seq ?? freshSymbol(ctx, k, ax));
      outs.push({ shape, dtype: e.dtype });
    }
    return outs;
  },
});
