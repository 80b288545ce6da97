import { describe, expect, it } from 'vitest';
import {
  criticalPath,
  extractSubgraph,
  nodeInputs,
  parallelWidth,
  topologicalOrder,
} from '../../src/graph/dag.js';
import type { Graph, Node, TensorInfo } from '../../src/graph/types.js';
import { HeteroError } from '../../src/errors.js';

function tensor(name: string, constant = false): TensorInfo {
  return { name, shape: [1, 4], dtype: 'float32', constant };
}

/** A graph from "op: inputs -> outputs" triples; every tensor is a [1,4] float. */
function graph(spec: [string, string[], string[]][], inputs = ['x'], outputs?: string[]): Graph {
  const nodes: Node[] = spec.map(([id, ins, outs]) => ({
    id,
    op: 'Relu',
    inputs: ins,
    outputs: outs,
    attrs: {},
  }));
  const tensors = new Map<string, TensorInfo>();
  for (const n of nodes)
    for (const t of [...n.inputs, ...n.outputs])
      tensors.set(t, tensors.get(t) ?? tensor(t, t.startsWith('w')));
  for (const i of inputs) tensors.set(i, tensor(i));
  return { name: 'g', nodes, tensors, inputs, outputs: outputs ?? [nodes[nodes.length - 1].outputs[0]] };
}

// Diamond with a 3-way fan-out: a → (b, c, d) → e
const diamond = graph(
  [
    ['e', ['b', 'c', 'd'], ['y']],
    ['a', ['x'], ['a']],
    ['b', ['a', 'w1'], ['b']],
    ['c', ['a'], ['c']],
    ['d', ['a'], ['d']],
  ],
  ['x'],
  ['y'],
);

describe('topologicalOrder', () => {
  it('puts producers before consumers even when the file lists them later', () => {
    const order = topologicalOrder(diamond).map((i) => diamond.nodes[i].id);
    expect(order).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('rejects a cycle with a user error naming a node on it', () => {
    const cyclic = graph([
      ['p', ['x', 'q'], ['p']],
      ['q', ['p'], ['q']],
    ]);
    expect(() => topologicalOrder(cyclic)).toThrow(HeteroError);
    expect(() => topologicalOrder(cyclic)).toThrow(/cycle/);
  });
});

describe('criticalPath', () => {
  it('follows the heaviest chain', () => {
    const weights: Record<string, number> = { a: 1, b: 10, c: 2, d: 3, e: 1 };
    const path = criticalPath(diamond, (n) => weights[n.id]);
    expect(path.nodes).toEqual(['a', 'b', 'e']);
    expect(path.weight).toBe(12);
    expect(path.totalWeight).toBe(17);
  });
});

describe('parallelWidth', () => {
  it('is the largest antichain', () => {
    expect(parallelWidth(diamond)).toBe(3);
    const chain = graph([
      ['a', ['x'], ['a']],
      ['b', ['a'], ['b']],
      ['c', ['b'], ['c']],
    ]);
    expect(parallelWidth(chain)).toBe(1);
  });

  it('is exact where greedy level counting is wrong', () => {
    // Levels: {a, p} then {b} then {c, q}; but p is independent of a, b, c and q only needs p,
    // so {a, p}… the widest antichain is {b, p}, {c, p}, {a, p}, {c, q}…: width 2. A long side chain
    // next to a short one gives width 2 even though one "level" holds 3 nodes in some orderings.
    const g = graph(
      [
        ['a', ['x'], ['a']],
        ['b', ['a'], ['b']],
        ['c', ['b'], ['c']],
        ['p', ['x'], ['p']],
        ['q', ['p'], ['q']],
        ['r', ['q'], ['r']],
        ['z', ['c', 'r', 'a'], ['z']],
      ],
      ['x'],
      ['z'],
    );
    expect(parallelWidth(g)).toBe(2);
    // Counting only some nodes keeps dependencies through the others.
    expect(parallelWidth(g, (n) => n.id === 'a' || n.id === 'c')).toBe(1);
    expect(parallelWidth(g, (n) => n.id === 'a' || n.id === 'r')).toBe(2);
  });

  it('handles a wide graph', () => {
    const branches: [string, string[], string[]][] = [];
    for (let i = 0; i < 200; i++) branches.push([`n${i}`, ['x'], [`t${i}`]]);
    branches.push(['join', branches.map((b) => b[2][0]), ['y']]);
    expect(parallelWidth(graph(branches))).toBe(200);
  });
});

describe('nodeInputs', () => {
  it('includes what nested graphs read from the enclosing scope', () => {
    const branch: Graph = {
      name: 'then',
      nodes: [{ id: 'inner', op: 'Relu', inputs: ['outer'], outputs: ['r'], attrs: {} }],
      tensors: new Map([['r', tensor('r')]]),
      inputs: [],
      outputs: ['r'],
    };
    const n: Node = {
      id: 'if',
      op: 'If',
      inputs: ['cond'],
      outputs: ['o'],
      attrs: {},
      subgraphs: { then_branch: branch },
    };
    expect(nodeInputs(n)).toEqual(['cond', 'outer']);
  });
});

describe('extractSubgraph', () => {
  it('computes inputs and outputs and carries constants', () => {
    const sub = extractSubgraph(diamond, ['b', 'c']);
    expect(sub.inputs).toEqual(['a']);
    expect(sub.outputs).toEqual(['b', 'c']);
    expect(sub.tensors.get('w1')?.constant).toBe(true);
    expect(sub.nodes.map((n) => n.id)).toEqual(['b', 'c']);
  });

  it('keeps graph outputs as outputs and rejects unknown node ids', () => {
    const sub = extractSubgraph(diamond, ['e']);
    expect(sub.inputs).toEqual(['b', 'c', 'd']);
    expect(sub.outputs).toEqual(['y']);
    expect(() => extractSubgraph(diamond, ['nope'])).toThrow(/no node "nope"/);
  });
});
