// Small helpers shared by the op families.
import type { Dim, DType, TensorInfo } from '../types.js';
import { numel } from '../types.js';
import type { OpContext } from './registry.js';

/** Whether optional input `i` is present ('' inputs and missing tail inputs are absent). */
export function hasInput(ctx: OpContext, i: number): boolean {
  return ctx.inputs[i] !== undefined;
}

/** Shape of input `i`; throws when absent or of unknown rank. */
export function inShape(ctx: OpContext, i: number): Dim[] {
  const t = ctx.inputs[i];
  if (!t) throw new Error(`input ${i} is missing`);
  if (!t.shape) throw new Error(`input ${i} (${t.name}) has unknown rank`);
  return t.shape;
}

export function inDType(ctx: OpContext, i: number): DType {
  const t = ctx.inputs[i];
  if (!t) throw new Error(`input ${i} is missing`);
  return t.dtype;
}

/** Known numeric values of input `i` (symbols rejected); throws when unknown. */
export function numValue(ctx: OpContext, i: number, what: string): number[] {
  const v = ctx.value(i);
  if (!v) throw new Error(`${what} (input ${i}) is not known before run time`);
  if (!v.every((x) => typeof x === 'number')) throw new Error(`${what} (input ${i}) is symbolic`);
  return v as number[];
}

/** Numeric values if known, else undefined (symbols count as unknown). */
export function maybeNumValue(ctx: OpContext, i: number): number[] | undefined {
  const v = ctx.value(i);
  return v && v.every((x) => typeof x === 'number') ? (v as number[]) : undefined;
}

/** Element count of a tensor with a fully numeric shape; throws otherwise (cost then unknown). */
export function elems(t: TensorInfo | undefined): number {
  const n = t ? numel(t.shape) : undefined;
  if (n === undefined) throw new Error(`shape of ${t?.name ?? 'a tensor'} is not fully known`);
  return n;
}

/** Numeric dims or throw (cost functions need numbers). */
export function numShape(t: TensorInfo | undefined): number[] {
  if (!t?.shape || !t.shape.every((d) => typeof d === 'number')) {
    throw new Error(`shape of ${t?.name ?? 'a tensor'} is not fully known`);
  }
  return t.shape as number[];
}

/** The k-th symbol for output `o` of the node (data-dependent or unrepresentable dims). */
export function freshSymbol(ctx: OpContext, o: number, axis: number): string {
  return `${ctx.node.outputs[o] || ctx.node.id}:${axis}`;
}
