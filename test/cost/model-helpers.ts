// Small shape-inferred graphs for the cost-model tests.
import { inferShapes } from '../../src/graph/shape-inference.js';
import type { AttrValue, Dim, Graph, Node } from '../../src/graph/types.js';
import { graphOf } from '../graph/shape-inference-helpers.js';

/** One op, shape-inferred: returns the graph and its single node. */
export function oneOp(
  op: string,
  inputs: Record<string, Dim[]>,
  weights: Record<string, number[]> = {},
  attrs: Record<string, AttrValue> = {},
): { g: Graph; n: Node } {
  const g = graphOf({
    inputs,
    weights,
    nodes: [{ op, in: [...Object.keys(inputs), ...Object.keys(weights)], out: ['y'], attrs }],
  });
  const r = inferShapes(g).graph;
  return { g: r, n: r.nodes[0]! };
}

/** A k×k "same" conv: [1, cin, hw, hw] → [1, cout, hw, hw]. */
export function conv(cin: number, cout: number, hw: number, k = 3, group = 1): { g: Graph; n: Node } {
  const p = (k - 1) / 2;
  return oneOp(
    'Conv',
    { x: [1, cin, hw, hw] },
    { w: [cout, cin / group, k, k], b: [cout] },
    { pads: [p, p, p, p], group },
  );
}
