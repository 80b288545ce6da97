// The inference engine: purity, ordering, value propagation, symbols, control flow, errors.
import { describe, expect, it } from 'vitest';
import { isHeteroError } from '../../src/errors.js';
import { inferShapes } from '../../src/graph/shape-inference.js';
import type { Graph } from '../../src/graph/types.js';
import { graphOf, i64, scalar64 } from './shape-inference-helpers.js';

/** Shape → Gather → Unsqueeze → Concat → Reshape, as exporters write a dynamic flatten. */
function dynamicFlatten(): Graph {
  return graphOf({
    inputs: { x: ['N', 3, 'H', 'W'] },
    consts: { zero: scalar64(0), axes0: i64(0), minus1: i64(-1) },
    nodes: [
      { op: 'Shape', in: ['x'], out: ['shape'] },
      { op: 'Gather', in: ['shape', 'zero'], out: ['n'], attrs: { axis: 0 } },
      { op: 'Unsqueeze', in: ['n', 'axes0'], out: ['n1'] },
      { op: 'Concat', in: ['n1', 'minus1'], out: ['target'], attrs: { axis: 0 } },
      { op: 'Reshape', in: ['x', 'target'], out: ['y'] },
    ],
  });
}

describe('inferShapes', () => {
  it('propagates values Shape → Gather → Unsqueeze → Concat → Reshape', () => {
    const r = inferShapes(dynamicFlatten(), { inputShapes: { x: [2, 3, 8, 10] } });
    expect(r.warnings).toEqual([]);
    expect(r.graph.tensors.get('target')?.value).toEqual([2, -1]);
    expect(r.graph.tensors.get('y')?.shape).toEqual([2, 240]);
  });

  it('keeps symbols where dims are unknown, never crashing', () => {
    const r = inferShapes(dynamicFlatten());
    expect(r.warnings).toEqual([]);
    expect(r.graph.tensors.get('y')?.shape).toEqual(['N', 'H*W*3']);
    // Symbolic values are not published as numbers.
    expect(r.graph.tensors.get('target')?.value).toBeUndefined();
  });

  it('binds user symbols everywhere (partial shapes keep the other symbols)', () => {
    const g = graphOf({
      inputs: { a: ['p2o.DynamicDimension.0', 4], b: ['p2o.DynamicDimension.0', 'S'] },
      nodes: [{ op: 'Concat', in: ['a', 'b'], out: ['y'], attrs: { axis: 1 } }],
    });
    const r = inferShapes(g, { inputShapes: { a: [1, 4] } });
    expect(r.graph.tensors.get('b')?.shape).toEqual([1, 'S']);
    expect(r.graph.tensors.get('y')?.shape).toEqual([1, '(4+S)']);
  });

  it('is pure: the argument is untouched and weights are shared, not copied', () => {
    const g = graphOf({
      inputs: { x: ['N', 4] },
      consts: { w: { dtype: 'float32', shape: [4, 2], values: [1, 2, 3, 4, 5, 6, 7, 8] } },
      nodes: [{ op: 'MatMul', in: ['x', 'w'], out: ['y'] }],
    });
    const before = JSON.stringify([...g.tensors.entries()]);
    const r = inferShapes(g, { inputShapes: { x: [5, 4] } });
    expect(JSON.stringify([...g.tensors.entries()])).toBe(before);
    expect(g.tensors.get('y')).toBeUndefined();
    expect(r.graph).not.toBe(g);
    expect(r.graph.tensors.get('w')?.data).toBe(g.tensors.get('w')?.data);
    expect(r.graph.tensors.get('y')?.shape).toEqual([5, 2]);
  });

  it('orders unsorted nodes topologically', () => {
    const g = dynamicFlatten();
    const shuffled: Graph = { ...g, nodes: [...g.nodes].reverse() };
    const r = inferShapes(shuffled, { inputShapes: { x: [1, 3, 4, 4] } });
    expect(r.warnings).toEqual([]);
    expect(r.graph.tensors.get('y')?.shape).toEqual([1, 48]);
    expect(r.graph.nodes.map((n) => n.id)).toEqual(shuffled.nodes.map((n) => n.id));
  });

  it('unknown operators warn and leave outputs unknown, without crashing downstream', () => {
    const g = graphOf({
      inputs: { x: [1, 4] },
      nodes: [
        { op: 'FancyOp', in: ['x'], out: ['t'] },
        { op: 'Relu', in: ['t'], out: ['y'] },
      ],
    });
    const r = inferShapes(g);
    expect(r.warnings[0]).toBe('node FancyOp_0: unknown operator ai.onnx::FancyOp — shapes and cost unknown');
    expect(r.graph.tensors.get('t')).toMatchObject({ shape: null, dtype: 'unknown' });
    // Unknown-ness propagates quietly through shape-preserving ops (one warning per cause).
    expect(r.warnings).toHaveLength(1);
    expect(r.graph.tensors.get('y')?.shape).toBeNull();
  });

  it('--input errors: not an input, rank mismatch, fixed dim conflict, inconsistent symbol', () => {
    const g = graphOf({
      inputs: { x: ['N', 3, 8], z: ['N'] },
      nodes: [{ op: 'Relu', in: ['x'], out: ['y'] }],
    });
    const err = (shapes: Record<string, (number | string)[]>) => {
      try {
        inferShapes(g, { inputShapes: shapes });
      } catch (e) {
        expect(isHeteroError(e)).toBe(true);
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(err({ nope: [1] })).toMatch(/^--input: "nope" is not an input of the model \(inputs: x, z\)/);
    expect(err({ x: [1, 3] })).toMatch(/^--input: "x" has rank 3/);
    expect(err({ x: [1, 4, 8] })).toMatch(/^--input: "x" dim 1 is fixed to 3/);
    expect(err({ x: [1, 3, 8], z: [2] })).toMatch(/N/);
    expect(err({ x: [1, 3, -1] })).toMatch(/not a non-negative integer/);
  });

  it('If with a known condition takes that branch; unknown merges (equal dims kept, others symbols)', () => {
    const branch = (shape: number[]): Graph =>
      graphOf({
        inputs: {},
        consts: { s: i64(...shape) },
        nodes: [{ op: 'Reshape', in: ['x', 's'], out: [`r${shape.join('_')}`] }],
      });
    const make = (cond: 'known' | 'unknown') =>
      graphOf({
        inputs: cond === 'known' ? { x: [2, 6] } : { x: [2, 6], c: [[], 'bool'] },
        consts: cond === 'known' ? { c: { dtype: 'bool', shape: [], values: [0] } } : {},
        nodes: [
          {
            op: 'If',
            in: ['c'],
            out: ['y'],
            subgraphs: { then_branch: branch([3, 4]), else_branch: branch([3, 2, 2]) },
          },
        ],
      });
    const known = inferShapes(make('known'));
    expect(known.warnings).toEqual([]);
    expect(known.graph.tensors.get('y')?.shape).toEqual([3, 2, 2]);
    // Nested graphs are kept with their inferred tensors.
    expect(known.graph.nodes[0].subgraphs?.else_branch.tensors.get('r3_2_2')?.shape).toEqual([3, 2, 2]);

    const sameRank = graphOf({
      inputs: { x: [2, 6], c: [[], 'bool'] },
      nodes: [
        {
          op: 'If',
          in: ['c'],
          out: ['y'],
          subgraphs: { then_branch: branch([3, 4]), else_branch: branch([3, 2, 2]) },
        },
      ],
    });
    const unknown = inferShapes(sameRank);
    expect(unknown.graph.tensors.get('y')?.shape).toBeNull(); // ranks differ
    const sameRank2 = graphOf({
      inputs: { x: [2, 6], c: [[], 'bool'] },
      nodes: [
        {
          op: 'If',
          in: ['c'],
          out: ['y'],
          subgraphs: { then_branch: branch([3, 4]), else_branch: branch([6, 2]) },
        },
      ],
    });
    const merged = inferShapes(sameRank2).graph.tensors.get('y')?.shape;
    expect(merged?.[1]).toBe('y:1');
    expect(typeof merged?.[0]).toBe('string');
  });

  it('If conditions computed from shapes resolve through value propagation', () => {
    const then: Graph = graphOf({
      inputs: {},
      consts: { a: i64(0) },
      nodes: [{ op: 'Squeeze', in: ['x', 'a'], out: ['sq'] }],
    });
    const els: Graph = graphOf({ inputs: {}, nodes: [{ op: 'Identity', in: ['x'], out: ['id'] }] });
    const g = graphOf({
      inputs: { x: ['B', 8] },
      consts: { zero: scalar64(0), one: scalar64(1) },
      nodes: [
        { op: 'Shape', in: ['x'], out: ['s'] },
        { op: 'Gather', in: ['s', 'zero'], out: ['b'] },
        { op: 'Equal', in: ['b', 'one'], out: ['c'] },
        { op: 'If', in: ['c'], out: ['y'], subgraphs: { then_branch: then, else_branch: els } },
      ],
    });
    expect(inferShapes(g, { inputShapes: { x: [1, 8] } }).graph.tensors.get('y')?.shape).toEqual([8]);
    // B = 4: the Squeeze branch is invalid but not taken, so it does not warn.
    const four = inferShapes(g, { inputShapes: { x: [4, 8] } });
    expect(four.warnings).toEqual([]);
    expect(four.graph.tensors.get('y')?.shape).toEqual([4, 8]);
  });

  it('inputValues resolve control flow on a scalar input', () => {
    const then: Graph = graphOf({ inputs: {}, nodes: [{ op: 'Identity', in: ['x'], out: ['a'] }] });
    const els: Graph = graphOf({
      inputs: {},
      consts: { ax: i64(0) },
      nodes: [{ op: 'Unsqueeze', in: ['x', 'ax'], out: ['b'] }],
    });
    const g = graphOf({
      inputs: { x: [4], sr: [[], 'int64'] },
      consts: { k: scalar64(16000) },
      nodes: [
        { op: 'Equal', in: ['sr', 'k'], out: ['c'] },
        { op: 'If', in: ['c'], out: ['y'], subgraphs: { then_branch: then, else_branch: els } },
      ],
    });
    expect(inferShapes(g).graph.tensors.get('y')?.shape).toBeNull();
    expect(inferShapes(g, { inputValues: { sr: [16000] } }).graph.tensors.get('y')?.shape).toEqual([4]);
    expect(inferShapes(g, { inputValues: { sr: [8000] } }).graph.tensors.get('y')?.shape).toEqual([1, 4]);
    expect(() => inferShapes(g, { inputValues: { sr: [1, 2] } })).toThrow(/1 elements, got 2/);
  });

  it('Loop: carried values and scan outputs stacked by the trip count', () => {
    // body(i, cond, acc) → (cond, acc + x, acc)
    const body: Graph = {
      ...graphOf({
        inputs: { i: [[], 'int64'], cin: [[], 'bool'], acc: [4] },
        nodes: [
          { op: 'Identity', in: ['cin'], out: ['cout'] },
          { op: 'Add', in: ['acc', 'x'], out: ['acc2'] },
          { op: 'Identity', in: ['acc'], out: ['scan'] },
        ],
      }),
      outputs: ['cout', 'acc2', 'scan'],
    };
    const g = graphOf({
      inputs: { x: [4], a0: [4] },
      consts: { m: scalar64(5) },
      nodes: [{ op: 'Loop', in: ['m', '', 'a0'], out: ['final', 'stacked'], subgraphs: { body } }],
    });
    const r = inferShapes(g);
    expect(r.warnings).toEqual([]);
    expect(r.graph.tensors.get('final')?.shape).toEqual([4]);
    expect(r.graph.tensors.get('stacked')?.shape).toEqual([5, 4]);
    expect(r.graph.nodes[0].subgraphs?.body.tensors.get('acc2')?.shape).toEqual([4]);
    // Unknown trip count → a symbol.
    const dyn = graphOf({
      inputs: { x: [4], a0: [4], m: [[], 'int64'] },
      nodes: [{ op: 'Loop', in: ['m', '', 'a0'], out: ['final', 'stacked'], subgraphs: { body } }],
    });
    expect(typeof inferShapes(dyn).graph.tensors.get('stacked')?.shape?.[0]).toBe('string');
  });

  it('Scan: per-step slices and stacked outputs', () => {
    const body: Graph = {
      ...graphOf({
        inputs: { h: [8], xt: [8] },
        nodes: [
          { op: 'Add', in: ['h', 'xt'], out: ['h2'] },
          { op: 'Relu', in: ['h2'], out: ['o'] },
        ],
      }),
      outputs: ['h2', 'o'],
    };
    const g = graphOf({
      inputs: { h0: [8], xs: [10, 8] },
      nodes: [
        {
          op: 'Scan',
          in: ['h0', 'xs'],
          out: ['hN', 'ys'],
          attrs: { num_scan_inputs: 1 },
          subgraphs: { body },
        },
      ],
    });
    const r = inferShapes(g);
    expect(r.warnings).toEqual([]);
    expect(r.graph.tensors.get('hN')?.shape).toEqual([8]);
    expect(r.graph.tensors.get('ys')?.shape).toEqual([10, 8]);
  });

  it('a malformed attribute becomes a warning, not a crash', () => {
    const g = graphOf({
      inputs: { x: [1, 3, 8, 8] },
      weights: { w: [4, 3, 3, 3] },
      nodes: [{ op: 'Conv', in: ['x', 'w'], out: ['y'], attrs: { strides: 'two' } }],
    });
    const r = inferShapes(g);
    expect(r.warnings[0]).toMatch(/strides/);
    expect(r.graph.tensors.get('y')?.shape).toBeNull();
  });
});
