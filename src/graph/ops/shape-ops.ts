// Data movement and shape arithmetic: no arithmetic work (FLOPs 0), only bytes. These ops also carry
// known values (value propagation) so that shape tensors computed at run time (Shape → Gather →
// Concat → Reshape) give concrete shapes.
import type { Dim, DType } from '../types.js';
import { numel } from '../types.js';
import { attrDType, attrFloat, attrInt, attrInts, attrString, attrTensor } from './attrs.js';
import { freshSymbol, hasInput, inDType, inShape, maybeNumValue, numValue } from './common.js';
import {
  allNum,
  broadcastShapes,
  dimAdd,
  dimCeilDiv,
  dimFloorDiv,
  dimMul,
  dimProduct,
  dimSub,
  isNum,
  normAxis,
} from './dims.js';
import { registerOp, type OpContext, type OutputInfo } from './registry.js';
import { broadcastValues, castNumber, decodeData, MAX_VALUE_ELEMS, strides } from './values.js';

/** int64 "to the end" sentinel used by Slice (and anything ≥ 2^31 in practice). */
const BIG = 2 ** 31 - 1;

const DM = 'data-movement' as const;

/** Value of input 0 passed through unchanged in element order (Reshape, Squeeze, Identity…). */
function passValue(ctx: OpContext, out: OutputInfo): OutputInfo {
  const v = ctx.value(0);
  if (v) out.value = v;
  return out;
}

/** Axes from input `i` when present (newer opsets), else from attribute `attr` (older opsets). */
function axesOf(ctx: OpContext, i: number, attr = 'axes'): number[] | undefined {
  if (hasInput(ctx, i)) return numValue(ctx, i, attr);
  return attrInts(ctx.node, attr);
}

/**
 * Picks flat indices of a row-major tensor of numeric `shape` given an index list per axis; the
 * result enumerates the selected sub-tensor in row-major order.
 */
function selectFlat(shape: number[], perAxis: number[][]): number[] | undefined {
  let n = 1;
  for (const idx of perAxis) n *= idx.length;
  if (n > MAX_VALUE_ELEMS) return undefined;
  const st = strides(shape);
  let flat = [0];
  for (let ax = 0; ax < shape.length; ax++) {
    const next: number[] = [];
    for (const base of flat) for (const i of perAxis[ax]) next.push(base + i * st[ax]);
    flat = next;
  }
  return flat;
}

function pick(values: Dim[], flat: number[] | undefined): Dim[] | undefined {
  if (!flat) return undefined;
  const out = new Array<Dim>(flat.length);
  for (let i = 0; i < flat.length; i++) {
    if (flat[i] >= values.length) return undefined;
    out[i] = values[flat[i]];
  }
  return out;
}

registerOp('', ['Identity', 'StopGradient'], {
  category: DM,
  infer: (ctx) => [passValue(ctx, { shape: inShape(ctx, 0), dtype: inDType(ctx, 0) })],
});

registerOp('', 'Dropout', {
  category: DM,
  infer(ctx) {
    const x = inShape(ctx, 0);
    const outs: OutputInfo[] = [passValue(ctx, { shape: x, dtype: inDType(ctx, 0) })];
    if (ctx.node.outputs.length > 1)
      outs.push({ shape: x, dtype: ctx.opset >= 10 ? 'bool' : inDType(ctx, 0) });
    return outs;
  },
});

function castValue(ctx: OpContext, out: OutputInfo): OutputInfo {
  const v = ctx.value(0);
  if (v) out.value = v.map((x) => (typeof x === 'number' ? castNumber(x, out.dtype) : x));
  return out;
}

registerOp('', 'Cast', {
  category: DM,
  infer: (ctx) => [castValue(ctx, { shape: inShape(ctx, 0), dtype: attrDType(ctx.node, 'to', 'float32') })],
});

registerOp('', 'CastLike', {
  category: DM,
  infer: (ctx) => [castValue(ctx, { shape: inShape(ctx, 0), dtype: inDType(ctx, 1) })],
});

// Shape (start/end since opset 15, clamped like Slice).
registerOp('', 'Shape', {
  category: DM,
  infer(ctx) {
    const x = inShape(ctx, 0);
    const r = x.length;
    const clamp = (a: number) => Math.min(r, Math.max(0, a < 0 ? a + r : a));
    const start = clamp(attrInt(ctx.node, 'start', 0));
    const end = clamp(attrInt(ctx.node, 'end', r));
    const value = x.slice(start, Math.max(start, end));
    return [{ shape: [value.length], dtype: 'int64', value }];
  },
});

registerOp('', 'Size', {
  category: DM,
  infer: (ctx) => [{ shape: [], dtype: 'int64', value: [dimProduct(inShape(ctx, 0))] }],
});

/** Resolves a Reshape target: 0 copies the input dim (unless allowzero), -1 takes the remainder. */
export function reshapeTarget(x: Dim[], target: Dim[], allowZero: boolean): Dim[] {
  const out = target.map((d, i) => {
    if (d === 0 && !allowZero) {
      if (i >= x.length) throw new Error(`reshape 0 at axis ${i} beyond input rank ${x.length}`);
      return x[i];
    }
    return d;
  });
  const minus = out.findIndex((d) => d === -1);
  if (minus < 0) return out;
  if (out.lastIndexOf(-1) !== minus) throw new Error('more than one -1 in reshape target');
  // Cancel equal factors of input and target, then divide what is left.
  const inFactors = [...x];
  let outNum = 1;
  const outSyms: Dim[] = [];
  out.forEach((d, i) => {
    if (i === minus) return;
    const j = inFactors.indexOf(d);
    if (!isNum(d) && j >= 0) inFactors.splice(j, 1);
    else if (isNum(d)) outNum *= d;
    else outSyms.push(d);
  });
  const inNum = inFactors.filter(isNum).reduce((a, b) => a * b, 1);
  const inSyms = inFactors.filter((d) => !isNum(d));
  let rest: Dim;
  if (outSyms.length === 0 && outNum !== 0 && inNum % outNum === 0) {
    rest = dimMul(dimProduct(inSyms), inNum / outNum);
  } else if (outSyms.length === 0 && inSyms.length === 0) {
    throw new Error(`cannot reshape ${inNum} elements into ${outNum}×k`);
  } else {
    rest = dimFloorDiv(dimProduct(x), dimProduct(out.filter((_, i) => i !== minus)));
  }
  out[minus] = rest;
  return out;
}

registerOp('', 'Reshape', {
  category: DM,
  infer(ctx) {
    const x = inShape(ctx, 0);
    const target = ctx.opset < 5 ? attrInts(ctx.node, 'shape') : ctx.value(1);
    if (!target) {
      const t = ctx.inputs[1]?.shape;
      if (t && isNum(t[0])) {
        return [
          { shape: Array.from({ length: t[0] }, (_, i) => freshSymbol(ctx, 0, i)), dtype: inDType(ctx, 0) },
        ];
      }
      throw new Error('reshape target is not known before run time');
    }
    const shape = reshapeTarget(x, target, attrInt(ctx.node, 'allowzero', 0) === 1);
    return [passValue(ctx, { shape, dtype: inDType(ctx, 0) })];
  },
});

registerOp('', 'Flatten', {
  category: DM,
  infer(ctx) {
    const x = inShape(ctx, 0);
    let axis = attrInt(ctx.node, 'axis', 1);
    if (axis < 0) axis += x.length;
    if (axis < 0 || axis > x.length) throw new Error(`axis out of range for rank ${x.length}`);
    const shape = [dimProduct(x.slice(0, axis)), dimProduct(x.slice(axis))];
    return [passValue(ctx, { shape, dtype: inDType(ctx, 0) })];
  },
});

registerOp('', 'Transpose', {
  category: DM,
  infer(ctx) {
    const x = inShape(ctx, 0);
    const perm = attrInts(ctx.node, 'perm') ?? x.map((_, i) => x.length - 1 - i);
    if (perm.length !== x.length) throw new Error(`perm length ${perm.length} ≠ rank ${x.length}`);
    const out: OutputInfo = { shape: perm.map((p) => x[normAxis(p, x.length)]), dtype: inDType(ctx, 0) };
    const v = ctx.value(0);
    if (v && allNum(x) && v.length <= MAX_VALUE_ELEMS) {
      // Row-major walk of the output, mapped back into the input through the permutation.
      const st = strides(x);
      const outShape = perm.map((p) => x[p]);
      const outSt = strides(outShape);
      out.value = v.map((_, o) => {
        let rem = o;
        let src = 0;
        for (let ax = 0; ax < outShape.length; ax++) {
          const c = Math.floor(rem / outSt[ax]);
          rem -= c * outSt[ax];
          src += c * st[perm[ax]];
        }
        return v[src];
      });
    }
    return [out];
  },
});

registerOp('', 'Squeeze', {
  category: DM,
  infer(ctx) {
    const x = inShape(ctx, 0);
    const axes = axesOf(ctx, 1);
    let shape: Dim[];
    if (!axes || axes.length === 0) {
      // Without axes every size-1 dim goes; a symbolic dim is assumed not to be 1.
      shape = x.filter((d) => d !== 1);
    } else {
      const drop = new Set(axes.map((a) => normAxis(a, x.length)));
      for (const a of drop)
        if (isNum(x[a]) && x[a] !== 1) throw new Error(`cannot squeeze axis ${a} of size ${x[a]}`);
      shape = x.filter((_, i) => !drop.has(i));
    }
    return [passValue(ctx, { shape, dtype: inDType(ctx, 0) })];
  },
});

registerOp('', 'Unsqueeze', {
  category: DM,
  infer(ctx) {
    const x = inShape(ctx, 0);
    const axes = axesOf(ctx, 1);
    if (!axes) throw new Error('axes are required');
    const rank = x.length + axes.length;
    const ins = new Set(axes.map((a) => normAxis(a, rank)));
    if (ins.size !== axes.length) throw new Error('duplicate axes');
    const shape: Dim[] = [];
    let j = 0;
    for (let i = 0; i < rank; i++) shape.push(ins.has(i) ? 1 : x[j++]);
    return [passValue(ctx, { shape, dtype: inDType(ctx, 0) })];
  },
});

registerOp('', 'Concat', {
  category: DM,
  infer(ctx) {
    const present = ctx.inputs.map((t, i) => ({ t, i })).filter((e) => e.t !== undefined);
    if (present.length === 0) throw new Error('no inputs');
    const shapes = present.map((e) => inShape(ctx, e.i));
    const rank = shapes[0].length;
    const axis = normAxis(attrInt(ctx.node, 'axis', 0), rank);
    const shape = [...shapes[0]];
    let along: Dim = 0;
    for (const s of shapes) {
      if (s.length !== rank) throw new Error('inputs differ in rank');
      along = dimAdd(along, s[axis]);
      // Prefer a number where one input knows a dim another has as a symbol.
      for (let i = 0; i < rank; i++) if (i !== axis && !isNum(shape[i]) && isNum(s[i])) shape[i] = s[i];
    }
    shape[axis] = along;
    const out: OutputInfo = { shape, dtype: inDType(ctx, present[0].i) };
    const vals = present.map((e) => ctx.value(e.i));
    if (vals.every((v) => v !== undefined) && shapes.every((s) => allNum(s))) {
      // Row-major concat: for each outer index, append each input's contiguous chunk.
      const outer = (shapes[0] as number[]).slice(0, axis).reduce((a, b) => a * b, 1);
      const chunks = shapes.map((s) => (s as number[]).slice(axis).reduce((a, b) => a * b, 1));
      const v: Dim[] = [];
      for (let o = 0; o < outer; o++) {
        vals.forEach((vv, k) => v.push(...vv.slice(o * chunks[k], (o + 1) * chunks[k])));
      }
      if (v.length <= MAX_VALUE_ELEMS) out.value = v;
    }
    return [out];
  },
});

registerOp('', 'Split', {
  category: DM,
  infer(ctx) {
    const x = inShape(ctx, 0);
    const axis = normAxis(attrInt(ctx.node, 'axis', 0), x.length);
    const n = ctx.node.outputs.length;
    let sizes: Dim[] | undefined = hasInput(ctx, 1) ? numValue(ctx, 1, 'split') : attrInts(ctx.node, 'split');
    const dim = x[axis];
    if (!sizes || sizes.length === 0) {
      const parts = attrInt(ctx.node, 'num_outputs', n);
      if (isNum(dim)) {
        // Opset 18 num_outputs: ceil-sized chunks, the last one smaller.
        const chunk = Math.ceil(dim / parts);
        sizes = Array.from({ length: parts }, (_, i) => Math.max(0, Math.min(chunk, dim - i * chunk)));
      } else {
        sizes = new Array<Dim>(parts).fill(dimCeilDiv(dim, parts));
      }
    }
    if (sizes.length !== n) throw new Error(`${sizes.length} split sizes for ${n} outputs`);
    const dtype = inDType(ctx, 0);
    const v = ctx.value(0);
    let offset = 0;
    return sizes.map((s) => {
      const shape = [...x];
      shape[axis] = s;
      const o: OutputInfo = { shape, dtype };
      if (v && x.length === 1 && isNum(s)) o.value = v.slice(offset, offset + s);
      if (isNum(s)) offset += s;
      return o;
    });
  },
});

/** Output length and element indices of one sliced axis (ONNX clamping rules). */
function sliceAxis(dim: number, start: number, end: number, step: number): number[] {
  if (step === 0) throw new Error('slice step 0');
  let s = start < 0 ? start + dim : start;
  let e = end < 0 ? end + dim : end;
  const idx: number[] = [];
  if (step > 0) {
    s = Math.min(Math.max(s, 0), dim);
    e = Math.min(Math.max(e, 0), dim);
    for (let i = s; i < e; i += step) idx.push(i);
  } else {
    s = Math.min(Math.max(s, 0), dim - 1);
    e = Math.min(Math.max(e, -1), dim - 1);
    for (let i = s; i > e; i += step) idx.push(i);
  }
  return idx;
}

function sliceLength(dim: number, start: number, end: number, step: number): number {
  let s = start < 0 ? start + dim : start;
  let e = end < 0 ? end + dim : end;
  if (step > 0) {
    s = Math.min(Math.max(s, 0), dim);
    e = Math.min(Math.max(e, 0), dim);
    return Math.max(0, Math.ceil((e - s) / step));
  }
  s = Math.min(Math.max(s, 0), dim - 1);
  e = Math.min(Math.max(e, -1), dim - 1);
  return Math.max(0, Math.ceil((s - e) / -step));
}

/**
 * Sliced length of a symbolic dim. Exact for a full or tail slice; for [a, b) with both ends
 * non-negative (or both negative) assumes the dim is long enough, as the model's author intended.
 */
function sliceSymbolic(dim: string, start: number, end: number, step: number, sym: string): Dim {
  if (step === 1 && start >= 0 && end >= BIG) return dimSub(dim, start);
  if (step === 1 && start < 0 && end >= BIG) return -start;
  if (step === 1 && ((start >= 0 && end >= 0) || (start < 0 && end < 0)) && end > start) return end - start;
  if (step > 1 && start === 0 && end >= BIG) return dimCeilDiv(dim, step);
  return sym;
}

registerOp('', 'Slice', {
  category: DM,
  infer(ctx) {
    const x = inShape(ctx, 0);
    let starts: number[] | undefined;
    let ends: number[] | undefined;
    let axes: number[] | undefined;
    let steps: number[] | undefined;
    if (ctx.opset < 10 || ctx.node.attrs.starts !== undefined) {
      starts = attrInts(ctx.node, 'starts');
      ends = attrInts(ctx.node, 'ends');
      axes = attrInts(ctx.node, 'axes');
    } else {
      starts = numValue(ctx, 1, 'starts');
      ends = numValue(ctx, 2, 'ends');
      axes = hasInput(ctx, 3) ? numValue(ctx, 3, 'axes') : undefined;
      steps = hasInput(ctx, 4) ? numValue(ctx, 4, 'steps') : undefined;
    }
    if (!starts || !ends || starts.length !== ends.length)
      throw new Error('starts/ends missing or of different length');
    const ax = (axes ?? starts.map((_, i) => i)).map((a) => normAxis(a, x.length));
    const st = steps ?? starts.map(() => 1);
    const shape = [...x];
    const perAxis: (number[] | undefined)[] = x.map((d) =>
      isNum(d) ? Array.from({ length: d }, (_, i) => i) : undefined,
    );
    ax.forEach((a, k) => {
      const d = x[a];
      if (isNum(d)) {
        shape[a] = sliceLength(d, starts[k], ends[k], st[k]);
        if (d <= MAX_VALUE_ELEMS) perAxis[a] = sliceAxis(d, starts[k], ends[k], st[k]);
      } else {
        shape[a] = sliceSymbolic(d, starts[k], ends[k], st[k], freshSymbol(ctx, 0, a));
      }
    });
    const out: OutputInfo = { shape, dtype: inDType(ctx, 0) };
    const v = ctx.value(0);
    if (v && allNum(x) && perAxis.every((p) => p !== undefined)) {
      const val = pick(v, selectFlat(x, perAxis as number[][]));
      if (val) out.value = val;
    }
    return [out];
  },
});

registerOp('', 'Gather', {
  category: DM,
  infer(ctx) {
    const x = inShape(ctx, 0);
    const idx = inShape(ctx, 1);
    const axis = normAxis(attrInt(ctx.node, 'axis', 0), x.length);
    const shape = [...x.slice(0, axis), ...idx, ...x.slice(axis + 1)];
    const out: OutputInfo = { shape, dtype: inDType(ctx, 0) };
    const v = ctx.value(0);
    const iv = maybeNumValue(ctx, 1);
    if (v && iv && allNum(x)) {
      const dim = x[axis];
      const perAxis = x.map((d, i) =>
        i === axis ? iv.map((j) => (j < 0 ? j + dim : j)) : Array.from({ length: d }, (_, k) => k),
      );
      if (perAxis[axis].every((j) => j >= 0 && j < dim)) {
        const val = pick(v, selectFlat(x, perAxis));
        if (val) out.value = val;
      }
    }
    return [out];
  },
});

registerOp('', 'GatherElements', {
  category: DM,
  infer: (ctx) => [{ shape: inShape(ctx, 1), dtype: inDType(ctx, 0) }],
});

registerOp('', 'GatherND', {
  category: DM,
  infer(ctx) {
    const x = inShape(ctx, 0);
    const idx = inShape(ctx, 1);
    const b = attrInt(ctx.node, 'batch_dims', 0);
    const last = idx[idx.length - 1];
    if (!isNum(last)) throw new Error('last indices dim is symbolic');
    return [{ shape: [...idx.slice(0, -1), ...x.slice(b + last)], dtype: inDType(ctx, 0) }];
  },
});

registerOp('', ['ScatterND', 'ScatterElements', 'Scatter', 'Trilu', 'ReverseSequence', 'CumSum'], {
  category: DM,
  infer: (ctx) => [{ shape: inShape(ctx, 0), dtype: inDType(ctx, 0) }],
});

registerOp('', 'EyeLike', {
  category: DM,
  infer: (ctx) => [{ shape: inShape(ctx, 0), dtype: attrDType(ctx.node, 'dtype', inDType(ctx, 0)) }],
});

/** A shape given as a value: dims known (numbers or symbols) or one fresh symbol per element. */
function shapeFromValue(ctx: OpContext, i: number, what: string): Dim[] {
  const v = ctx.value(i);
  if (v) return v;
  const len = ctx.inputs[i]?.shape?.[0];
  if (isNum(len)) return Array.from({ length: len }, (_, k) => freshSymbol(ctx, 0, k));
  throw new Error(`${what} is not known before run time`);
}

registerOp('', 'ConstantOfShape', {
  category: DM,
  infer(ctx) {
    const shape = shapeFromValue(ctx, 0, 'shape');
    const t = attrTensor(ctx.node, 'value');
    const dtype: DType = t?.dtype ?? 'float32';
    const out: OutputInfo = { shape, dtype };
    const fill = t ? (decodeData(t.dtype, t.data, 1)?.[0] ?? 0) : 0;
    const n = numel(shape);
    if (n !== undefined && n <= MAX_VALUE_ELEMS) out.value = new Array<number>(n).fill(fill);
    return [out];
  },
});

registerOp('', 'Constant', {
  category: DM,
  infer(ctx) {
    const node = ctx.node;
    const t = node.attrs.value !== undefined ? attrTensor(node, 'value') : undefined;
    if (t) {
      const out: OutputInfo = { shape: t.shape, dtype: t.dtype };
      const v = decodeData(t.dtype, t.data);
      if (v) out.value = v;
      return [out];
    }
    const list = (name: string, dtype: DType, scalar: boolean): OutputInfo | undefined => {
      const v = node.attrs[name];
      if (v === undefined) return undefined;
      if (scalar) return { shape: [], dtype, value: typeof v === 'number' ? [v] : undefined };
      const arr = Array.isArray(v) ? v : [v];
      const nums = arr.every((x) => typeof x === 'number') ? (arr as number[]) : undefined;
      return { shape: [arr.length], dtype, value: nums };
    };
    const out =
      list('value_int', 'int64', true) ??
      list('value_float', 'float32', true) ??
      list('value_ints', 'int64', false) ??
      list('value_floats', 'float32', false) ??
      list('value_string', 'string', true) ??
      list('value_strings', 'string', false);
    if (!out) throw new Error('Constant without a supported value attribute');
    if (!out.value) delete out.value;
    return [out];
  },
});

// Pad: pads attribute before opset 11 ("paddings" in opset 1), input from 11; axes input from 18.
registerOp('', 'Pad', {
  category: DM,
  infer(ctx) {
    const x = inShape(ctx, 0);
    let pads: number[] | undefined;
    if (ctx.opset < 11 || !hasInput(ctx, 1))
      pads = attrInts(ctx.node, 'pads') ?? attrInts(ctx.node, 'paddings');
    else pads = numValue(ctx, 1, 'pads');
    if (!pads) throw new Error('pads are required');
    const axes = hasInput(ctx, 3)
      ? numValue(ctx, 3, 'axes').map((a) => normAxis(a, x.length))
      : x.map((_, i) => i);
    if (pads.length !== 2 * axes.length) throw new Error(`${pads.length} pads for ${axes.length} axes`);
    const shape = [...x];
    axes.forEach((a, k) => (shape[a] = dimAdd(x[a], pads[k] + pads[k + axes.length])));
    return [{ shape, dtype: inDType(ctx, 0) }];
  },
});

registerOp('', 'Expand', {
  category: DM,
  infer(ctx) {
    const x = inShape(ctx, 0);
    const target = shapeFromValue(ctx, 1, 'shape');
    const shape = broadcastShapes([x, target]);
    const out: OutputInfo = { shape, dtype: inDType(ctx, 0) };
    const v = ctx.value(0);
    if (v && allNum(shape)) {
      const val = broadcastValues([x, shape], [v, new Array<Dim>(numel(shape) ?? 0).fill(0)], ([a]) => a);
      if (val) out.value = val;
    }
    return [out];
  },
});

registerOp('', 'Tile', {
  category: DM,
  infer(ctx) {
    const x = inShape(ctx, 0);
    const reps = numValue(ctx, 1, 'repeats');
    if (reps.length !== x.length) throw new Error(`${reps.length} repeats for rank ${x.length}`);
    const out: OutputInfo = { shape: x.map((d, i) => dimMul(d, reps[i])), dtype: inDType(ctx, 0) };
    const v = ctx.value(0);
    if (v && x.length === 1 && v.length * reps[0] <= MAX_VALUE_ELEMS) {
      out.value = Array.from({ length: reps[0] }, () => v).flat();
    }
    return [out];
  },
});

registerOp('', 'Range', {
  category: DM,
  infer(ctx) {
    const dtype = inDType(ctx, 0);
    const [start] = maybeNumValue(ctx, 0) ?? [];
    const [limit] = maybeNumValue(ctx, 1) ?? [];
    const [delta] = maybeNumValue(ctx, 2) ?? [];
    if (start === undefined || limit === undefined || delta === undefined) {
      return [{ shape: [freshSymbol(ctx, 0, 0)], dtype }];
    }
    if (delta === 0) throw new Error('Range delta 0');
    const n = Math.max(Math.ceil((limit - start) / delta), 0);
    const out: OutputInfo = { shape: [n], dtype };
    if (n <= MAX_VALUE_ELEMS)
      out.value = Array.from({ length: n }, (_, i) => castNumber(start + i * delta, dtype));
    return [out];
  },
});

// NonZero: [rank, count]; count is data dependent unless the input's values are known.
registerOp('', 'NonZero', {
  category: DM,
  infer(ctx) {
    const x = inShape(ctx, 0);
    const v = maybeNumValue(ctx, 0);
    const count = v ? v.filter((e) => e !== 0).length : freshSymbol(ctx, 0, 1);
    return [{ shape: [x.length, count], dtype: 'int64' }];
  },
});

registerOp('', 'Compress', {
  category: DM,
  infer(ctx) {
    const x = inShape(ctx, 0);
    const axis =
      ctx.node.attrs.axis === undefined ? undefined : normAxis(attrInt(ctx.node, 'axis', 0), x.length);
    const sym = freshSymbol(ctx, 0, axis ?? 0);
    return [
      { shape: axis === undefined ? [sym] : x.map((d, i) => (i === axis ? sym : d)), dtype: inDType(ctx, 0) },
    ];
  },
});

registerOp('', 'OneHot', {
  category: DM,
  infer(ctx) {
    const idx = inShape(ctx, 0);
    const [depth] = maybeNumValue(ctx, 1) ?? [];
    const rank = idx.length + 1;
    const axis = normAxis(attrInt(ctx.node, 'axis', -1), rank);
    const shape = [...idx];
    shape.splice(axis, 0, depth ?? freshSymbol(ctx, 0, axis));
    return [{ shape, dtype: inDType(ctx, 2) }];
  },
});

registerOp('', 'DepthToSpace', {
  category: DM,
  infer(ctx) {
    const [n, c, h, w] = inShape(ctx, 0);
    const b = attrInt(ctx.node, 'blocksize', 0);
    if (b <= 0) throw new Error('blocksize is required');
    return [{ shape: [n, dimFloorDiv(c, b * b), dimMul(h, b), dimMul(w, b)], dtype: inDType(ctx, 0) }];
  },
});

registerOp('', 'SpaceToDepth', {
  category: DM,
  infer(ctx) {
    const [n, c, h, w] = inShape(ctx, 0);
    const b = attrInt(ctx.node, 'blocksize', 0);
    if (b <= 0) throw new Error('blocksize is required');
    return [{ shape: [n, dimMul(c, b * b), dimFloorDiv(h, b), dimFloorDiv(w, b)], dtype: inDType(ctx, 0) }];
  },
});

/** floor(dim × scale); symbolic dims scale symbolically. */
function scaleDim(d: Dim, scale: number): Dim {
  if (isNum(d)) return Math.floor(d * scale);
  if (scale === 1) return d;
  if (Number.isInteger(scale)) return dimMul(d, scale);
  return `floor(${d}*${scale})`;
}

/** A float/int value input treated as absent when missing or empty (Resize passes '' or []). */
function optionalValue(ctx: OpContext, i: number): number[] | undefined {
  if (!hasInput(ctx, i)) return undefined;
  const shape = ctx.inputs[i]?.shape;
  if (shape && numel(shape) === 0) return undefined;
  return numValue(ctx, i, i === 3 ? 'sizes' : 'scales');
}

// Resize: opset 10 (X, scales); 11+ (X, roi, scales, sizes); 18+ axes and keep_aspect_ratio_policy.
// Scales give floor(in × scale); sizes are taken as they are (or fitted to a common scale).
registerOp('', 'Resize', {
  category: DM,
  infer(ctx) {
    const x = inShape(ctx, 0);
    const dtype = inDType(ctx, 0);
    const axes = (attrInts(ctx.node, 'axes') ?? x.map((_, i) => i)).map((a) => normAxis(a, x.length));
    const shape = [...x];
    const scales = ctx.opset < 11 ? optionalValue(ctx, 1) : optionalValue(ctx, 2);
    const sizes = ctx.opset < 11 ? undefined : optionalValue(ctx, 3);
    if (sizes) {
      if (sizes.length !== axes.length) throw new Error(`${sizes.length} sizes for ${axes.length} axes`);
      const policy = attrString(ctx.node, 'keep_aspect_ratio_policy', 'stretch');
      if (policy === 'stretch') {
        axes.forEach((a, k) => (shape[a] = sizes[k]));
      } else {
        const ratios = axes.map((a, k) => {
          const d = x[a];
          if (!isNum(d)) throw new Error('keep_aspect_ratio_policy on a symbolic dim');
          return sizes[k] / d;
        });
        const s = policy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
        axes.forEach((a) => (shape[a] = Math.round((x[a] as number) * s)));
      }
    } else if (scales) {
      if (scales.length !== axes.length) throw new Error(`${scales.length} scales for ${axes.length} axes`);
      axes.forEach((a, k) => (shape[a] = scaleDim(x[a], scales[k])));
    } else {
      throw new Error('Resize needs known scales or sizes');
    }
    return [{ shape, dtype }];
  },
});

// Upsample (deprecated): scales attribute in opsets 7–8, input from 9.
registerOp('', 'Upsample', {
  category: DM,
  infer(ctx) {
    const x = inShape(ctx, 0);
    const scales = hasInput(ctx, 1)
      ? numValue(ctx, 1, 'scales')
      : (attrInts(ctx.node, 'scales') ?? [
          attrFloat(ctx.node, 'height_scale', 1),
          attrFloat(ctx.node, 'width_scale', 1),
        ]);
    const full =
      scales.length === x.length
        ? scales
        : [...new Array<number>(x.length - scales.length).fill(1), ...scales];
    return [{ shape: x.map((d, i) => scaleDim(d, full[i])), dtype: inDType(ctx, 0) }];
  },
});

registerOp('', 'GridSample', {
  category: DM,
  infer(ctx) {
    const x = inShape(ctx, 0);
    const g = inShape(ctx, 1);
    return [{ shape: [x[0], x[1], ...g.slice(1, -1)], dtype: inDType(ctx, 0) }];
  },
});
