// Per-node cost: MACs against hand-computed numbers, FLOP conventions, bytes, control flow, unknowns.
import { describe, expect, it } from 'vitest';
import { costAssumptions, graphCost, nodeCost } from '../../src/graph/cost.js';
import { inferShapes } from '../../src/graph/shape-inference.js';
import type { AttrValue, Dim, DType, Graph } from '../../src/graph/types.js';
import { graphOf, i64, scalar64 } from './shape-inference-helpers.js';

function costOf(
  op: string,
  inputs: Record<string, Dim[] | [Dim[], DType]>,
  weights: Record<string, number[]>,
  attrs: Record<string, AttrValue> = {},
  outs = 1,
) {
  const g = graphOf({
    inputs,
    weights,
    nodes: [
      {
        op,
        in: [...Object.keys(inputs), ...Object.keys(weights)],
        out: Array.from({ length: outs }, (_, i) => `y${i}`),
        attrs,
      },
    ],
  });
  const r = inferShapes(g);
  expect(r.warnings).toEqual([]);
  return nodeCost(r.graph.nodes[0], r.graph);
}

describe('MACs', () => {
  it('3x3 conv 64→64 at 56x56 = 115,605,504 MACs; bias adds one FLOP per output', () => {
    const c = costOf('Conv', { x: [1, 64, 56, 56] }, { w: [64, 64, 3, 3], b: [64] }, { pads: [1, 1, 1, 1] });
    expect(c.macs).toBe(115_605_504);
    expect(c.flops).toBe(2 * 115_605_504 + 64 * 56 * 56);
    expect(c.category).toBe('conv');
    expect(c.costKnown).toBe(true);
    expect(c.paramBytes).toBe((64 * 64 * 9 + 64) * 4);
    expect(c.bytesRead).toBe(64 * 56 * 56 * 4 + c.paramBytes);
    expect(c.bytesWritten).toBe(64 * 56 * 56 * 4);
  });
  it('depthwise conv is its own category and costs Cin/group = 1 per kernel element', () => {
    const c = costOf(
      'Conv',
      { x: [1, 32, 112, 112] },
      { w: [32, 1, 3, 3] },
      { pads: [1, 1, 1, 1], group: 32 },
    );
    expect(c.category).toBe('depthwise-conv');
    expect(c.macs).toBe(32 * 112 * 112 * 9);
    // Grouped but not depthwise.
    expect(costOf('Conv', { x: [1, 32, 8, 8] }, { w: [32, 8, 1, 1] }, { group: 4 }).category).toBe('conv');
  });
  it('ConvTranspose counts over the input', () => {
    const c = costOf(
      'ConvTranspose',
      { x: [1, 16, 7, 7] },
      { w: [16, 8, 3, 3] },
      { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] },
    );
    expect(c.macs).toBe(16 * 7 * 7 * 8 * 9);
  });
  it('MatMul with broadcast batch, Gemm with bias, Einsum', () => {
    expect(costOf('MatMul', { a: [2, 4, 5, 3] }, { b: [3, 7] }).macs).toBe(2 * 4 * 5 * 7 * 3);
    const gemm = costOf('Gemm', { a: [10, 64] }, { b: [64, 20], c: [20] });
    expect(gemm.macs).toBe(10 * 20 * 64);
    expect(gemm.flops).toBe(2 * 10 * 20 * 64 + 200);
    expect(gemm.category).toBe('matmul');
    expect(costOf('Einsum', { a: [2, 3, 4], b: [2, 4, 5] }, {}, { equation: 'bij,bjk->bik' }).macs).toBe(
      2 * 3 * 4 * 5,
    );
  });
  it('LSTM: 4 gates × (input + hidden) × hidden × seq × batch × directions (+ element-wise)', () => {
    const c = costOf(
      'LSTM',
      { x: [7, 2, 10] },
      { w: [2, 64, 10], r: [2, 64, 16] },
      { hidden_size: 16, direction: 'bidirectional' },
      3,
    );
    const macs = 4 * (10 + 16) * 16 * 7 * 2 * 2;
    expect(c.macs).toBe(macs);
    expect(c.flops).toBe(2 * macs + 36 * 16 * 7 * 2 * 2);
    expect(c.category).toBe('recurrent');
  });
  it('GRU: 3 gates (batch-first layout)', () => {
    const c = costOf(
      'GRU',
      { x: [4, 9, 10] },
      { w: [1, 24, 10], r: [1, 24, 8] },
      { hidden_size: 8, layout: 1 },
      2,
    );
    expect(c.macs).toBe(3 * (10 + 8) * 8 * 9 * 4);
  });
});

describe('FLOP conventions and categories', () => {
  it('element-wise 1 per output element, transcendental 4, data movement 0', () => {
    const add = costOf('Add', { a: [2, 3], b: [3] }, {});
    expect(add).toMatchObject({
      macs: 0,
      flops: 6,
      category: 'elementwise',
      bytesRead: 36,
      bytesWritten: 24,
    });
    expect(costOf('Sigmoid', { x: [2, 3] }, {})).toMatchObject({ flops: 24, category: 'activation' });
    expect(costOf('Relu', { x: [2, 3] }, {})).toMatchObject({ flops: 6, category: 'activation' });
    expect(costOf('Transpose', { x: [2, 3] }, {})).toMatchObject({
      flops: 0,
      category: 'data-movement',
      costKnown: true,
    });
    expect(costOf('GlobalAveragePool', { x: [1, 8, 4, 4] }, {})).toMatchObject({
      flops: 128,
      category: 'pooling',
    });
    expect(
      costOf('MaxPool', { x: [1, 1, 4, 4] }, {}, { kernel_shape: [2, 2], strides: [2, 2] }),
    ).toMatchObject({ flops: 16 });
    expect(costOf('ReduceMean', { x: [2, 8] }, {}, { axes: [1] })).toMatchObject({
      flops: 16,
      category: 'reduction',
    });
    expect(
      costOf('BatchNormalization', { x: [1, 2, 2, 2] }, { s: [2], b: [2], m: [2], v: [2] }),
    ).toMatchObject({ flops: 16, category: 'normalization' });
  });
  it('Reshape reads its shape tensor (a constant) and moves data only', () => {
    const g = graphOf({
      inputs: { x: [2, 6] },
      consts: { s: i64(3, 4) },
      nodes: [{ op: 'Reshape', in: ['x', 's'], out: ['y'] }],
    });
    const r = inferShapes(g).graph;
    expect(nodeCost(r.nodes[0], r)).toMatchObject({
      flops: 0,
      bytesRead: 48 + 16,
      paramBytes: 16,
      bytesWritten: 48,
      category: 'data-movement',
    });
  });
});

describe('unknowns are flagged, never silent zeros', () => {
  it('unknown operator → costKnown false and listed', () => {
    const g = graphOf({
      inputs: { x: [1, 4] },
      nodes: [
        { op: 'Mystery', in: ['x'], out: ['t'] },
        { op: 'Relu', in: ['x'], out: ['y'] },
      ],
    });
    const r = inferShapes(g).graph;
    expect(nodeCost(r.nodes[0], r)).toMatchObject({ costKnown: false, category: 'other' });
    const total = graphCost(r);
    expect(total.costKnown).toBe(false);
    expect(total.unknownCostNodes).toEqual(['Mystery_0']);
    expect(total.flops).toBe(4);
  });
  it('symbolic dims → costKnown false', () => {
    const g = graphOf({
      inputs: { x: ['N', 4] },
      weights: { w: [4, 2] },
      nodes: [{ op: 'MatMul', in: ['x', 'w'], out: ['y'] }],
    });
    const r = inferShapes(g).graph;
    expect(nodeCost(r.nodes[0], r).costKnown).toBe(false);
    const fixed = inferShapes(g, { inputShapes: { x: [3, 4] } }).graph;
    expect(graphCost(fixed)).toMatchObject({ macs: 24, costKnown: true, unknownCostNodes: [] });
  });
});

describe('control flow', () => {
  const heavy = (): Graph => ({
    ...graphOf({ inputs: {}, weights: { w: [4, 4] }, nodes: [{ op: 'MatMul', in: ['x', 'w'], out: ['h'] }] }),
    inputs: [],
  });
  const light = (): Graph => ({
    ...graphOf({ inputs: {}, nodes: [{ op: 'Relu', in: ['x'], out: ['l'] }] }),
    inputs: [],
  });

  it('If: the known branch, else the costlier one (with an assumption noted)', () => {
    const known = graphOf({
      inputs: { x: [2, 4] },
      consts: { c: { dtype: 'bool', shape: [], values: [0] } },
      nodes: [{ op: 'If', in: ['c'], out: ['y'], subgraphs: { then_branch: heavy(), else_branch: light() } }],
    });
    const k = inferShapes(known).graph;
    expect(graphCost(k)).toMatchObject({ macs: 0, flops: 8, category: 'other' });
    expect(nodeCost(k.nodes[0], k).category).toBe('control-flow');
    expect(costAssumptions(k)).toEqual([]);
    const unknown = graphOf({
      inputs: { x: [2, 4], c: [[], 'bool'] },
      nodes: [{ op: 'If', in: ['c'], out: ['y'], subgraphs: { then_branch: light(), else_branch: heavy() } }],
    });
    const u = inferShapes(unknown).graph;
    expect(graphCost(u).macs).toBe(2 * 4 * 4);
    expect(costAssumptions(u)[0]).toMatch(/If condition unknown/);
  });

  it('Loop: body × trip count; unknown trip count costs one iteration and is listed', () => {
    const body: Graph = {
      ...graphOf({
        inputs: { i: [[], 'int64'], cin: [[], 'bool'], acc: [4, 4] },
        weights: { w: [4, 4] },
        nodes: [
          { op: 'Identity', in: ['cin'], out: ['cout'] },
          { op: 'MatMul', in: ['acc', 'w'], out: ['acc2'] },
        ],
      }),
      outputs: ['cout', 'acc2'],
    };
    const fixed = graphOf({
      inputs: { a0: [4, 4] },
      consts: { m: scalar64(5) },
      nodes: [{ op: 'Loop', in: ['m', '', 'a0'], out: ['final'], subgraphs: { body } }],
    });
    const f = inferShapes(fixed).graph;
    expect(graphCost(f)).toMatchObject({ macs: 5 * 64, costKnown: true });
    expect(costAssumptions(f)).toEqual([]);
    const dyn = graphOf({
      inputs: { a0: [4, 4], m: [[], 'int64'] },
      nodes: [{ op: 'Loop', in: ['m', '', 'a0'], out: ['final'], subgraphs: { body } }],
    });
    const d = inferShapes(dyn).graph;
    expect(graphCost(d)).toMatchObject({ macs: 64, costKnown: true });
    expect(costAssumptions(d)).toEqual(['Loop_0: Loop trip count unknown; costed as 1 iteration']);
  });

  it('Scan: body × sequence length', () => {
    const body: Graph = {
      ...graphOf({ inputs: { h: [8], xt: [8] }, nodes: [{ op: 'Add', in: ['h', 'xt'], out: ['h2'] }] }),
      outputs: ['h2'],
    };
    const g = graphOf({
      inputs: { h0: [8], xs: [10, 8] },
      nodes: [
        { op: 'Scan', in: ['h0', 'xs'], out: ['hN'], attrs: { num_scan_inputs: 1 }, subgraphs: { body } },
      ],
    });
    const r = inferShapes(g).graph;
    expect(graphCost(r)).toMatchObject({ flops: 80, costKnown: true });
  });
});
