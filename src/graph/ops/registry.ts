// Operator registry, keyed by (domain, op) like TF.js kernels are keyed by (name, backend): each
// operator family registers how to infer its output shapes and what it costs.
import type { AttrValue, Dim, DType, Graph, Node, OpCategory, OpCost, TensorInfo } from '../types.js';

/** What an inferred nested graph hands back to its control-flow node. */
export interface SubgraphResult {
  /** The nested graph with its tensors inferred. */
  graph: Graph;
  /** Infos of the nested graph's outputs, in order. */
  outputs: OutputInfo[];
}

/** What an op rule sees: the node, its resolved input infos ('' inputs are undefined), the opset. */
export interface OpContext {
  node: Node;
  inputs: (TensorInfo | undefined)[];
  /** Opset version of the node's domain. */
  opset: number;
  /** The enclosing graph (for ops that look up nested graphs or constants). */
  graph: Graph;
  /**
   * Known element values of input `i`: numbers, or symbols where a value is a symbolic dim (e.g. the
   * output of Shape on a tensor with a dynamic batch). undefined when unknown or too large.
   */
  value(i: number): Dim[] | undefined;
  /**
   * Infers the nested graph held in attribute `attr` with the given infos for its formal inputs
   * (undefined = keep the declared info); outer-scope tensors are visible. Only during shape inference.
   * `quiet` drops the nested graph's warnings (a branch that the known condition never takes may
   * well be invalid for the shapes at hand).
   */
  inferSubgraph?(
    attr: string,
    inputs: (OutputInfo | undefined)[],
    quiet?: boolean,
  ): SubgraphResult | undefined;
}

/** Inferred facts about one output; shape null = rank unknown. */
export interface OutputInfo {
  shape: Dim[] | null;
  dtype: DType;
  /** Known element values (shape arithmetic); only for small tensors. Symbols allowed for dynamic dims. */
  value?: Dim[];
}

/** Work an op does, beyond the bytes of its inputs/outputs (which the caller counts). */
export type OpWork = Pick<OpCost, 'macs' | 'flops'>;

export interface OpDef {
  category: OpCategory | ((ctx: OpContext) => OpCategory);
  /** Output infos in output order. Throw HeteroError-free plain Errors; the caller turns them into warnings. */
  infer(ctx: OpContext): OutputInfo[];
  /** MACs/FLOPs given inferred outputs; omit for ops that only move data (zero arithmetic). */
  work?(ctx: OpContext, outputs: TensorInfo[]): OpWork;
}

const registry = new Map<string, OpDef>();

function key(domain: string | undefined, op: string): string {
  const d = domain === undefined || domain === 'ai.onnx' ? '' : domain;
  return `${d}::${op}`;
}

export function registerOp(domain: string, op: string | string[], def: OpDef): void {
  for (const name of Array.isArray(op) ? op : [op]) registry.set(key(domain, name), def);
}

export function lookupOp(domain: string | undefined, op: string): OpDef | undefined {
  return registry.get(key(domain, op));
}

export function knownOps(): string[] {
  return [...registry.keys()];
}

/** Category of a node under its definition (functions are resolved against the context). */
export function categoryOf(def: OpDef, ctx: OpContext): OpCategory {
  return typeof def.category === 'function' ? def.category(ctx) : def.category;
}

export type { AttrValue };
