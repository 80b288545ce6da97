// Convolutions. MACs: Conv = output elements × (Cin/group) × kernel elements; ConvTranspose =
// input elements × (Cout/group) × kernel elements (each input pixel scatters a kernel-sized patch).
// FLOPs = 2 × MACs + one add per output element when a bias is present.
import type { Dim, OpCategory } from '../types.js';
import { attrInt, attrInts, attrString } from './attrs.js';
import { elems, hasInput, inDType, inShape, numShape } from './common.js';
import { dimAdd, dimCeilDiv, dimFloorDiv, dimMul, dimSub, isNum } from './dims.js';
import { registerOp, type OpContext, type OutputInfo } from './registry.js';

/** Spatial geometry attributes of a conv/pool node, with ONNX defaults filled in. */
export interface Window {
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** begin pads then end pads, length 2 × spatial rank. */
  pads: number[];
  autoPad: string;
}

export function readWindow(ctx: OpContext, kernel: number[]): Window {
  const k = kernel.length;
  const node = ctx.node;
  const strides = attrInts(node, 'strides') ?? new Array<number>(k).fill(1);
  const dilations = attrInts(node, 'dilations') ?? new Array<number>(k).fill(1);
  const pads = attrInts(node, 'pads') ?? new Array<number>(2 * k).fill(0);
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  if (strides.length !== k || dilations.length !== k || pads.length !== 2 * k) {
    throw new Error(`strides/dilations/pads do not match the ${k} spatial dims`);
  }
  return { kernel, strides, dilations, pads, autoPad };
}

/**
 * Output size of one spatial axis of a sliding window. SAME_* → ceil(in/stride); VALID → no padding;
 * NOTSET → explicit pads. `ceilMode` (pooling) rounds up but drops a last window that would start in
 * the end padding, as ONNX Runtime does.
 */
export function windowOut(inDim: Dim, w: Window, axis: number, ceilMode = false): Dim {
  const k = w.kernel.length;
  const s = w.strides[axis];
  const span = (w.kernel[axis] - 1) * w.dilations[axis] + 1;
  if (w.autoPad === 'SAME_UPPER' || w.autoPad === 'SAME_LOWER') return dimCeilDiv(inDim, s);
  const padBegin = w.autoPad === 'VALID' ? 0 : w.pads[axis];
  const padEnd = w.autoPad === 'VALID' ? 0 : w.pads[axis + k];
  if (!isNum(inDim)) {
    const offset = padBegin + padEnd - span;
    if (s === 1) return dimAdd(inDim, offset + 1);
    const inner = dimAdd(inDim, offset);
    return dimAdd(ceilMode ? dimCeilDiv(inner, s) : dimFloorDiv(inner, s), 1);
  }
  const inner = inDim + padBegin + padEnd - span;
  if (inner < 0) throw new Error(`kernel (${span}) larger than padded input (${inDim + padBegin + padEnd})`);
  if (!ceilMode) return Math.floor(inner / s) + 1;
  let out = Math.ceil(inner / s) + 1;
  if ((out - 1) * s >= inDim + padBegin) out--;
  return out;
}

function convInfer(ctx: OpContext, xIdx: number, wIdx: number): OutputInfo[] {
  const x = inShape(ctx, xIdx);
  const wShape = inShape(ctx, wIdx);
  if (x.length < 3) throw new Error(`input rank ${x.length} < 3`);
  const spatial = x.length - 2;
  const kernelAttr = attrInts(ctx.node, 'kernel_shape');
  const kernel =
    kernelAttr ??
    wShape.slice(2).map((d) => {
      if (!isNum(d)) throw new Error('kernel size is symbolic');
      return d;
    });
  if (kernel.length !== spatial) throw new Error(`kernel rank ${kernel.length} ≠ spatial rank ${spatial}`);
  const w = readWindow(ctx, kernel);
  const out: Dim[] = [x[0], wShape[0]];
  for (let i = 0; i < spatial; i++) out.push(windowOut(x[2 + i], w, i));
  return [{ shape: out, dtype: inDType(ctx, xIdx) }];
}

function convCategory(ctx: OpContext, xIdx: number, wIdx: number): OpCategory {
  const group = attrInt(ctx.node, 'group', 1);
  const cin = ctx.inputs[xIdx]?.shape?.[1];
  const cout = ctx.inputs[wIdx]?.shape?.[0];
  if (group > 1 && cin === group && isNum(cout) && cout % group === 0) return 'depthwise-conv';
  return 'conv';
}

/** Conv-like op (Conv, ConvInteger, QLinearConv) reading X at `xIdx`, W at `wIdx`, bias at `bIdx`. */
export function registerConvLike(op: string, xIdx: number, wIdx: number, bIdx: number): void {
  registerOp('', op, {
    category: (ctx) => convCategory(ctx, xIdx, wIdx),
    infer: (ctx) => convInfer(ctx, xIdx, wIdx),
    work(ctx, outs) {
      const w = numShape(ctx.inputs[wIdx]);
      const kernelElems = w.slice(2).reduce((a, b) => a * b, 1);
      const outElems = elems(outs[0]);
      const macs = outElems * w[1] * kernelElems;
      return { macs, flops: 2 * macs + (bIdx >= 0 && hasInput(ctx, bIdx) ? outElems : 0) };
    },
  });
}

registerConvLike('Conv', 0, 1, 2);
registerConvLike('ConvInteger', 0, 1, -1);

// ConvTranspose: W is [Cin, Cout/group, k...]. Output size per spatial axis, when output_shape is
// absent: stride × (in − 1) + output_padding + (k − 1) × dilation + 1 − pad_begin − pad_end;
// SAME_* auto_pad gives in × stride.
registerOp('', 'ConvTranspose', {
  category: (ctx) => (convCategory(ctx, 0, 1) === 'depthwise-conv' ? 'depthwise-conv' : 'conv'),
  infer(ctx) {
    const x = inShape(ctx, 0);
    const wShape = inShape(ctx, 1);
    if (x.length < 3) throw new Error(`input rank ${x.length} < 3`);
    const spatial = x.length - 2;
    const node = ctx.node;
    const group = attrInt(node, 'group', 1);
    const kernel =
      attrInts(node, 'kernel_shape') ??
      wShape.slice(2).map((d) => {
        if (!isNum(d)) throw new Error('kernel size is symbolic');
        return d;
      });
    const w = readWindow(ctx, kernel);
    const outPad = attrInts(node, 'output_padding') ?? new Array<number>(spatial).fill(0);
    const outputShape = attrInts(node, 'output_shape');
    const out: Dim[] = [x[0], dimMul(wShape[1], group)];
    for (let i = 0; i < spatial; i++) {
      if (outputShape) {
        // Some exporters write the full N,C,... shape; the spec has spatial dims only.
        out.push(outputShape[outputShape.length - spatial + i]);
      } else if (w.autoPad === 'SAME_UPPER' || w.autoPad === 'SAME_LOWER') {
        out.push(dimMul(x[2 + i], w.strides[i]));
      } else {
        const span = (kernel[i] - 1) * w.dilations[i] + 1;
        const pads = w.autoPad === 'VALID' ? 0 : w.pads[i] + w.pads[i + spatial];
        out.push(dimAdd(dimMul(w.strides[i], dimSub(x[2 + i], 1)), outPad[i] + span - pads));
      }
    }
    return [{ shape: out, dtype: inDType(ctx, 0) }];
  },
  work(ctx, outs) {
    const w = numShape(ctx.inputs[1]);
    const kernelElems = w.slice(2).reduce((a, b) => a * b, 1);
    const macs = elems(ctx.inputs[0]) * w[1] * kernelElems;
    return { macs, flops: 2 * macs + (hasInput(ctx, 2) ? elems(outs[0]) : 0) };
  },
});
