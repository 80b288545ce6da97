// Shape rules per operator family, each on a one- or two-node hand-built graph.
import { describe, expect, it } from 'vitest';
import { inferShapes } from '../../src/graph/shape-inference.js';
import type { AttrValue, Dim, DType, Graph } from '../../src/graph/types.js';
import { f32, graphOf, i64, scalar64, type Const } from './shape-inference-helpers.js';

/** Infers a graph and returns the shape of `name` (asserting no warnings). */
function shapeOf(g: Graph, name?: string, inputShapes?: Record<string, Dim[]>): Dim[] | null {
  const r = inferShapes(g, { inputShapes });
  expect(r.warnings).toEqual([]);
  const t = r.graph.tensors.get(name ?? g.outputs[0]);
  return t?.shape ?? null;
}

function one(
  op: string,
  ins: Record<string, Dim[] | [Dim[], DType]>,
  attrs: Record<string, AttrValue> = {},
  extra: {
    consts?: Record<string, Const>;
    weights?: Record<string, number[]>;
    in?: string[];
    outs?: number;
    opset?: number;
  } = {},
) {
  const names = extra.in ?? [
    ...Object.keys(ins),
    ...Object.keys(extra.consts ?? {}),
    ...Object.keys(extra.weights ?? {}),
  ];
  const out = Array.from({ length: extra.outs ?? 1 }, (_, i) => `y${i}`);
  return graphOf({
    inputs: ins,
    consts: extra.consts,
    weights: extra.weights,
    nodes: [{ op, in: names, out, attrs }],
    opset: extra.opset,
  });
}

describe('conv family', () => {
  it('SAME_UPPER with stride 2 on an odd size rounds up', () => {
    const g = one(
      'Conv',
      { x: [1, 3, 225, 225] },
      { auto_pad: 'SAME_UPPER', strides: [2, 2] },
      { weights: { w: [32, 3, 3, 3] } },
    );
    expect(shapeOf(g)).toEqual([1, 32, 113, 113]);
  });
  it('explicit pads, dilations and VALID', () => {
    const g = one(
      'Conv',
      { x: [2, 8, 32, 30] },
      { pads: [1, 2, 1, 2], dilations: [2, 2], strides: [1, 2] },
      { weights: { w: [16, 8, 3, 3] } },
    );
    // H: 32+2-5+1 = 30; W: floor((30+4-5)/2)+1 = 15
    expect(shapeOf(g)).toEqual([2, 16, 30, 15]);
    const v = one(
      'Conv',
      { x: [1, 4, 10, 10] },
      { auto_pad: 'VALID', strides: [3, 3] },
      { weights: { w: [4, 4, 3, 3] } },
    );
    expect(shapeOf(v)).toEqual([1, 4, 3, 3]);
  });
  it('1-D conv and symbolic spatial dims', () => {
    const g = one(
      'Conv',
      { x: [1, 129, 'T'] },
      { kernel_shape: [3], pads: [1, 1] },
      { weights: { w: [128, 129, 3] } },
    );
    expect(shapeOf(g)).toEqual([1, 128, 'T']);
  });
  it('ConvTranspose with output_padding, group and output_shape', () => {
    const g = one(
      'ConvTranspose',
      { x: [1, 16, 7, 7] },
      { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] },
      { weights: { w: [16, 8, 3, 3] } },
    );
    // 2*(7-1) + 1 + 3 - 2 = 14
    expect(shapeOf(g)).toEqual([1, 8, 14, 14]);
    const grouped = one(
      'ConvTranspose',
      { x: [1, 16, 5, 5] },
      { group: 2, strides: [2, 2] },
      { weights: { w: [16, 4, 2, 2] } },
    );
    expect(shapeOf(grouped)).toEqual([1, 8, 10, 10]);
    const os = one(
      'ConvTranspose',
      { x: [1, 4, 5, 5] },
      { strides: [2, 2], output_shape: [11, 11] },
      { weights: { w: [4, 2, 3, 3] } },
    );
    expect(shapeOf(os)).toEqual([1, 2, 11, 11]);
    const same = one(
      'ConvTranspose',
      { x: [1, 4, 5, 6] },
      { strides: [2, 2], auto_pad: 'SAME_UPPER' },
      { weights: { w: [4, 2, 3, 3] } },
    );
    expect(shapeOf(same)).toEqual([1, 2, 10, 12]);
  });
});

describe('matmul family', () => {
  it('MatMul broadcasts batch dims and handles 1-D operands', () => {
    expect(shapeOf(one('MatMul', { a: [2, 1, 5, 3], b: [4, 3, 7] }))).toEqual([2, 4, 5, 7]);
    expect(shapeOf(one('MatMul', { a: [3], b: [2, 3, 7] }))).toEqual([2, 7]);
    expect(shapeOf(one('MatMul', { a: [2, 5, 3], b: [3] }))).toEqual([2, 5]);
    expect(shapeOf(one('MatMul', { a: ['B', 'S', 64], b: [64, 128] }))).toEqual(['B', 'S', 128]);
  });
  it('MatMul with mismatched inner dims warns', () => {
    const r = inferShapes(one('MatMul', { a: [2, 3], b: [4, 5] }));
    expect(r.warnings[0]).toMatch(/inner dims differ/);
  });
  it('Gemm with transposes', () => {
    expect(shapeOf(one('Gemm', { a: [64, 10], b: [20, 64] }, { transA: 1, transB: 1 }))).toEqual([10, 20]);
  });
  it('Einsum: matmul-like, batched, implicit output', () => {
    expect(shapeOf(one('Einsum', { a: [2, 3, 4], b: [2, 4, 5] }, { equation: 'bij,bjk->bik' }))).toEqual([
      2, 3, 5,
    ]);
    expect(shapeOf(one('Einsum', { a: [3, 4], b: [4, 5] }, { equation: 'ij,jk' }))).toEqual([3, 5]);
    expect(
      shapeOf(one('Einsum', { a: [7, 2, 3, 4], b: [7, 2, 4, 5] }, { equation: '...ij,...jk->...ik' })),
    ).toEqual([7, 2, 3, 5]);
  });
});

describe('pooling', () => {
  it('MaxPool ceil_mode, pads, Indices output', () => {
    const g = one(
      'MaxPool',
      { x: [1, 8, 112, 112] },
      { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 },
      { outs: 2 },
    );
    const r = inferShapes(g);
    expect(r.graph.tensors.get('y0')?.shape).toEqual([1, 8, 56, 56]);
    expect(r.graph.tensors.get('y1')?.dtype).toBe('int64');
    // floor mode: floor((112-3)/2)+1 = 55
    expect(
      shapeOf(one('MaxPool', { x: [1, 8, 112, 112] }, { kernel_shape: [3, 3], strides: [2, 2] })),
    ).toEqual([1, 8, 55, 55]);
    // ceil mode drops a window starting in the end padding: in 5, k 2, s 2, pad end 1 → 3
    expect(
      shapeOf(
        one(
          'AveragePool',
          { x: [1, 1, 5, 5] },
          { kernel_shape: [2, 2], strides: [2, 2], pads: [0, 0, 1, 1], ceil_mode: 1 },
        ),
      ),
    ).toEqual([1, 1, 3, 3]);
    expect(
      shapeOf(
        one(
          'AveragePool',
          { x: [1, 1, 6, 6] },
          { kernel_shape: [2, 2], strides: [2, 2], pads: [0, 0, 1, 1], ceil_mode: 1 },
        ),
      ),
    ).toEqual([1, 1, 3, 3]);
  });
  it('global pooling and SAME_LOWER pooling', () => {
    expect(shapeOf(one('GlobalAveragePool', { x: [1, 960, 20, 20] }))).toEqual([1, 960, 1, 1]);
    expect(
      shapeOf(
        one(
          'MaxPool',
          { x: [1, 2, 9, 9] },
          { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'SAME_LOWER' },
        ),
      ),
    ).toEqual([1, 2, 5, 5]);
  });
});

describe('element-wise', () => {
  it('broadcasts, compares to bool, Where takes X type', () => {
    expect(shapeOf(one('Add', { a: [8, 1, 6, 1], b: [7, 1, 5] }))).toEqual([8, 7, 6, 5]);
    const eq = inferShapes(one('Equal', { a: [3, 1], b: [1, 4] }));
    expect(eq.graph.tensors.get('y0')).toMatchObject({ shape: [3, 4], dtype: 'bool' });
    const w = inferShapes(
      one('Where', { c: [[2, 1], 'bool'], x: [[1, 3], 'int64'], y: [[] as Dim[], 'int64'] }),
    );
    expect(w.graph.tensors.get('y0')).toMatchObject({ shape: [2, 3], dtype: 'int64' });
    expect(shapeOf(one('Sum', { a: [2, 3], b: [3], c: [1, 1] }))).toEqual([2, 3]);
  });
  it('incompatible broadcast warns and leaves the output unknown', () => {
    const r = inferShapes(one('Mul', { a: [2, 3], b: [4] }));
    expect(r.warnings).toHaveLength(1);
    expect(r.graph.tensors.get('y0')).toMatchObject({ shape: null, dtype: 'unknown' });
  });
  it('Clip before and after opset 11; unary activations keep shape', () => {
    expect(shapeOf(one('Clip', { x: [1, 3] }, { min: 0, max: 6 }, { opset: 9 }))).toEqual([1, 3]);
    expect(
      shapeOf(
        one('Clip', { x: [1, 3] }, {}, { consts: { lo: { dtype: 'float32', shape: [], values: [0] } } }),
      ),
    ).toEqual([1, 3]);
    for (const op of [
      'Relu',
      'HardSigmoid',
      'HardSwish',
      'Sigmoid',
      'Gelu',
      'Softmax',
      'Erf',
      'Mish',
      'Neg',
      'Round',
    ]) {
      expect(shapeOf(one(op, { x: ['N', 5] }))).toEqual(['N', 5]);
    }
  });
});

describe('normalization', () => {
  it('BatchNormalization, LayerNormalization stats, GroupNormalization', () => {
    expect(
      shapeOf(
        one('BatchNormalization', { x: [1, 4, 5, 5] }, {}, { weights: { s: [4], b: [4], m: [4], v: [4] } }),
      ),
    ).toEqual([1, 4, 5, 5]);
    const ln = inferShapes(
      one('LayerNormalization', { x: [2, 7, 16] }, { axis: -1 }, { weights: { s: [16] }, outs: 3 }),
    );
    expect(ln.graph.tensors.get('y0')?.shape).toEqual([2, 7, 16]);
    expect(ln.graph.tensors.get('y1')?.shape).toEqual([2, 7, 1]);
    expect(
      shapeOf(
        one('GroupNormalization', { x: [1, 8, 4, 4] }, { num_groups: 2 }, { weights: { s: [8], b: [8] } }),
      ),
    ).toEqual([1, 8, 4, 4]);
    expect(
      shapeOf(one('InstanceNormalization', { x: [1, 8, 4] }, {}, { weights: { s: [8], b: [8] } })),
    ).toEqual([1, 8, 4]);
    expect(shapeOf(one('LRN', { x: [1, 8, 4, 4] }, { size: 5 }))).toEqual([1, 8, 4, 4]);
  });
});

describe('data movement', () => {
  it('Slice: negative starts, INT64_MAX ends, negative steps, opset < 10 attributes', () => {
    const big = 2 ** 63; // INT64_MAX as exporters write it (clamped when encoded)
    const g = one(
      'Slice',
      { x: [10, 20, 30] },
      {},
      { consts: { s: i64(-3, 0), e: i64(big, 20), a: i64(0, 2), st: i64(1, 3) } },
    );
    expect(shapeOf(g)).toEqual([3, 20, 7]);
    const rev = one(
      'Slice',
      { x: [10, 20] },
      {},
      { consts: { s: i64(-1), e: i64(-big), a: i64(1), st: i64(-1) } },
    );
    expect(shapeOf(rev)).toEqual([10, 20]);
    const rev2 = one('Slice', { x: [10] }, {}, { consts: { s: i64(8), e: i64(1), a: i64(0), st: i64(-3) } });
    expect(shapeOf(rev2)).toEqual([3]); // 8, 5, 2
    const old = one('Slice', { x: [4, 10] }, { starts: [1], ends: [1000], axes: [1] }, { opset: 9 });
    expect(shapeOf(old)).toEqual([4, 9]);
    const sym = one(
      'Slice',
      { x: ['N', 'T', 8] },
      {},
      { consts: { s: i64(0, 2), e: i64(big, big), a: i64(0, 1) } },
    );
    expect(shapeOf(sym)).toEqual(['N', '(T-2)', 8]);
  });
  it('Reshape: 0 copies, -1 infers, allowzero keeps 0', () => {
    expect(shapeOf(one('Reshape', { x: [2, 3, 4] }, {}, { consts: { s: i64(0, -1) } }))).toEqual([2, 12]);
    expect(shapeOf(one('Reshape', { x: [2, 3, 4] }, {}, { consts: { s: i64(-1, 0, 2, 2) } }))).toEqual([
      2, 3, 2, 2,
    ]);
    expect(shapeOf(one('Reshape', { x: [0, 3] }, { allowzero: 1 }, { consts: { s: i64(3, 0) } }))).toEqual([
      3, 0,
    ]);
    expect(shapeOf(one('Reshape', { x: ['B', 3, 48, 320] }, {}, { consts: { s: i64(0, -1, 320) } }))).toEqual(
      ['B', 144, 320],
    );
    const bad = inferShapes(one('Reshape', { x: [5, 7] }, {}, { consts: { s: i64(3, -1) } }));
    expect(bad.warnings[0]).toMatch(/cannot reshape/);
  });
  it('Flatten, Transpose, Squeeze/Unsqueeze by attribute (≤ 12) and by input (≥ 13)', () => {
    expect(shapeOf(one('Flatten', { x: [2, 3, 4, 5] }, { axis: 2 }))).toEqual([6, 20]);
    expect(shapeOf(one('Transpose', { x: [2, 3, 4] }, { perm: [2, 0, 1] }))).toEqual([4, 2, 3]);
    expect(shapeOf(one('Transpose', { x: [2, 3, 4] }))).toEqual([4, 3, 2]);
    expect(shapeOf(one('Squeeze', { x: [1, 3, 1, 5] }, { axes: [0, -2] }, { opset: 11 }))).toEqual([3, 5]);
    expect(shapeOf(one('Squeeze', { x: [1, 3, 1, 5] }, {}, { consts: { a: i64(2) } }))).toEqual([1, 3, 5]);
    expect(shapeOf(one('Squeeze', { x: [1, 3, 1, 5] }))).toEqual([3, 5]);
    expect(shapeOf(one('Unsqueeze', { x: [3, 5] }, { axes: [0, 3] }, { opset: 11 }))).toEqual([1, 3, 5, 1]);
    expect(shapeOf(one('Unsqueeze', { x: [3, 5] }, {}, { consts: { a: i64(-1, 1) } }))).toEqual([3, 1, 5, 1]);
  });
  it('Concat (numeric and symbolic axis) and Split (attr, input, equal, num_outputs)', () => {
    expect(shapeOf(one('Concat', { a: [1, 2, 5], b: [1, 3, 5] }, { axis: 1 }))).toEqual([1, 5, 5]);
    expect(shapeOf(one('Concat', { a: [1, 'T', 5], b: [1, 3, 5] }, { axis: 1 }))).toEqual([1, '(T+3)', 5]);
    const s1 = inferShapes(one('Split', { x: [2, 10] }, { axis: 1, split: [3, 7] }, { outs: 2, opset: 11 }));
    expect(s1.graph.tensors.get('y1')?.shape).toEqual([2, 7]);
    const s2 = inferShapes(one('Split', { x: [2, 10] }, { axis: 1 }, { consts: { s: i64(4, 6) }, outs: 2 }));
    expect(s2.graph.tensors.get('y0')?.shape).toEqual([2, 4]);
    const s3 = inferShapes(one('Split', { x: [9, 2] }, {}, { outs: 3 }));
    expect(s3.graph.tensors.get('y2')?.shape).toEqual([3, 2]);
    const s4 = inferShapes(one('Split', { x: [10] }, { num_outputs: 3 }, { outs: 3, opset: 18 }));
    expect([0, 1, 2].map((i) => s4.graph.tensors.get(`y${i}`)?.shape)).toEqual([[4], [4], [2]]);
  });
  it('Gather, GatherElements, Expand, Tile, Pad (attr < 11, input ≥ 11), DepthToSpace, SpaceToDepth', () => {
    expect(
      shapeOf(
        one(
          'Gather',
          { x: [5, 6, 7] },
          { axis: 1 },
          { consts: { i: { dtype: 'int64', shape: [2, 3], values: [0, 1, 2, 3, 4, 5] } } },
        ),
      ),
    ).toEqual([5, 2, 3, 7]);
    expect(shapeOf(one('Gather', { x: [5, 6] }, { axis: 0 }, { consts: { i: scalar64(-1) } }))).toEqual([6]);
    expect(shapeOf(one('GatherElements', { x: [5, 6], i: [[5, 2], 'int64'] }, { axis: 1 }))).toEqual([5, 2]);
    expect(shapeOf(one('Expand', { x: [3, 1] }, {}, { consts: { s: i64(2, 1, 6) } }))).toEqual([2, 3, 6]);
    expect(shapeOf(one('Tile', { x: [2, 3] }, {}, { consts: { r: i64(2, 2) } }))).toEqual([4, 6]);
    expect(
      shapeOf(one('Pad', { x: [1, 3, 4, 4] }, { pads: [0, 0, 1, 2, 0, 0, 3, 4] }, { opset: 2 })),
    ).toEqual([1, 3, 8, 10]);
    expect(
      shapeOf(one('Pad', { x: [1, 512] }, { mode: 'reflect' }, { consts: { p: i64(0, 0, 0, 64) } })),
    ).toEqual([1, 576]);
    expect(shapeOf(one('DepthToSpace', { x: [1, 16, 5, 5] }, { blocksize: 2 }))).toEqual([1, 4, 10, 10]);
    expect(shapeOf(one('SpaceToDepth', { x: [1, 4, 10, 10] }, { blocksize: 2 }))).toEqual([1, 16, 5, 5]);
  });
  it('Resize by scales and by sizes (opset 10, 11, 13, 18 axes), Upsample', () => {
    const empty: Const = { dtype: 'float32', shape: [0], values: [] };
    expect(
      shapeOf(one('Resize', { x: [1, 3, 20, 30] }, {}, { consts: { s: f32(1, 1, 2, 2) }, opset: 10 })),
    ).toEqual([1, 3, 40, 60]);
    expect(
      shapeOf(
        one(
          'Resize',
          { x: [1, 3, 20, 30] },
          {},
          { consts: { roi: empty, s: f32(1, 1, 0.5, 0.5) }, opset: 11 },
        ),
      ),
    ).toEqual([1, 3, 10, 15]);
    const bySizes = one(
      'Resize',
      { x: [1, 3, 20, 30] },
      {},
      { consts: { roi: empty, s: empty, z: i64(1, 3, 64, 48) }, opset: 13 },
    );
    expect(shapeOf(bySizes)).toEqual([1, 3, 64, 48]);
    const skip = graphOf({
      inputs: { x: [1, 3, 20, 30] },
      consts: { z: i64(1, 3, 7, 9) },
      nodes: [{ op: 'Resize', in: ['x', '', '', 'z'], out: ['y'] }],
    });
    expect(shapeOf(skip)).toEqual([1, 3, 7, 9]);
    const axes = graphOf({
      inputs: { x: [1, 3, 20, 30] },
      consts: { z: i64(40, 40) },
      nodes: [
        {
          op: 'Resize',
          in: ['x', '', '', 'z'],
          out: ['y'],
          attrs: { axes: [2, 3], keep_aspect_ratio_policy: 'not_larger' },
        },
      ],
      opset: 18,
    });
    expect(shapeOf(axes)).toEqual([1, 3, 27, 40]);
    expect(shapeOf(one('Upsample', { x: [1, 3, 5, 5] }, { scales: [1, 1, 2, 3] }, { opset: 7 }))).toEqual([
      1, 3, 10, 15,
    ]);
    expect(
      shapeOf(one('Upsample', { x: [1, 3, 5, 5] }, {}, { consts: { s: f32(1, 1, 2, 2) }, opset: 9 })),
    ).toEqual([1, 3, 10, 10]);
  });
  it('Shape start/end, Size, Cast, ConstantOfShape, Range, NonZero', () => {
    const sh = inferShapes(one('Shape', { x: [2, 3, 4, 5] }, { start: 1, end: -1 }));
    expect(sh.graph.tensors.get('y0')).toMatchObject({ shape: [2], dtype: 'int64', value: [3, 4] });
    expect(inferShapes(one('Size', { x: [2, 3] })).graph.tensors.get('y0')?.value).toEqual([6]);
    expect(inferShapes(one('Cast', { x: [2] }, { to: 7 })).graph.tensors.get('y0')?.dtype).toBe('int64');
    const cos = inferShapes(
      one(
        'ConstantOfShape',
        {},
        { value: { dtype: 'int64', shape: [1], data: new Uint8Array(8) } },
        { consts: { s: i64(2, 3) } },
      ),
    );
    expect(cos.graph.tensors.get('y0')).toMatchObject({
      shape: [2, 3],
      dtype: 'int64',
      value: [0, 0, 0, 0, 0, 0],
    });
    const range = inferShapes(
      one('Range', {}, {}, { consts: { a: scalar64(1), b: scalar64(10), d: scalar64(3) } }),
    );
    expect(range.graph.tensors.get('y0')).toMatchObject({ shape: [3], value: [1, 4, 7] });
    const nz = inferShapes(one('NonZero', { x: [3, 4] }));
    expect(nz.graph.tensors.get('y0')?.shape?.[0]).toBe(2);
    expect(typeof nz.graph.tensors.get('y0')?.shape?.[1]).toBe('string');
  });
});

describe('reductions', () => {
  it('axes by attribute and input, keepdims, noop_with_empty_axes', () => {
    expect(shapeOf(one('ReduceMean', { x: [2, 3, 4] }, { axes: [-1] }, { opset: 11 }))).toEqual([2, 3, 1]);
    expect(shapeOf(one('ReduceMean', { x: [2, 3, 4] }, { axes: [1], keepdims: 0 }, { opset: 13 }))).toEqual([
      2, 4,
    ]);
    expect(
      shapeOf(one('ReduceSum', { x: [2, 3, 4] }, { keepdims: 0 }, { consts: { a: i64(0, 2) }, opset: 13 })),
    ).toEqual([3]);
    expect(
      shapeOf(one('ReduceMax', { x: [2, 3, 4] }, { keepdims: 1 }, { consts: { a: i64(1) }, opset: 18 })),
    ).toEqual([2, 1, 4]);
    expect(shapeOf(one('ReduceL2', { x: [2, 3, 4] }, { keepdims: 0 }))).toEqual([]);
    expect(shapeOf(one('ReduceSum', { x: [2, 3, 4] }, { noop_with_empty_axes: 1 }, { opset: 13 }))).toEqual([
      2, 3, 4,
    ]);
    expect(shapeOf(one('ArgMax', { x: [2, 3, 4] }, { axis: 2, keepdims: 0 }))).toEqual([2, 3]);
  });
  it('TopK with K as input and as attribute', () => {
    const t = inferShapes(one('TopK', { x: [2, 50] }, {}, { consts: { k: i64(5) }, outs: 2 }));
    expect(t.graph.tensors.get('y1')).toMatchObject({ shape: [2, 5], dtype: 'int64' });
    expect(shapeOf(one('TopK', { x: [2, 50] }, { k: 3, axis: -1 }, { outs: 2, opset: 9 }), 'y0')).toEqual([
      2, 3,
    ]);
  });
});

describe('recurrent', () => {
  it('LSTM bidirectional: Y, Y_h, Y_c', () => {
    const g = one(
      'LSTM',
      { x: [7, 2, 10] },
      { hidden_size: 16, direction: 'bidirectional' },
      { weights: { w: [2, 64, 10], r: [2, 64, 16] }, outs: 3 },
    );
    const r = inferShapes(g);
    expect(r.warnings).toEqual([]);
    expect(r.graph.tensors.get('y0')?.shape).toEqual([7, 2, 2, 16]);
    expect(r.graph.tensors.get('y1')?.shape).toEqual([2, 2, 16]);
    expect(r.graph.tensors.get('y2')?.shape).toEqual([2, 2, 16]);
  });
  it('GRU batch-first layout and RNN without hidden_size attribute', () => {
    const g = one(
      'GRU',
      { x: [4, 9, 10] },
      { hidden_size: 8, layout: 1 },
      { weights: { w: [1, 24, 10], r: [1, 24, 8] }, outs: 2 },
    );
    const r = inferShapes(g);
    expect(r.graph.tensors.get('y0')?.shape).toEqual([4, 9, 1, 8]);
    expect(r.graph.tensors.get('y1')?.shape).toEqual([4, 1, 8]);
    expect(shapeOf(one('RNN', { x: [3, 1, 5] }, {}, { weights: { w: [1, 6, 5], r: [1, 6, 6] } }))).toEqual([
      3, 1, 1, 6,
    ]);
  });
});

describe('quantization', () => {
  it('QuantizeLinear takes the zero point type, DequantizeLinear the scale type', () => {
    const q = inferShapes(
      one(
        'QuantizeLinear',
        { x: [2, 3] },
        {},
        { consts: { s: f32(0.1), z: { dtype: 'int32', shape: [], values: [0] } } },
      ),
    );
    expect(q.graph.tensors.get('y0')).toMatchObject({ shape: [2, 3], dtype: 'int32' });
    const d = inferShapes(one('DequantizeLinear', { x: [[2, 3], 'uint8'] }, {}, { consts: { s: f32(0.1) } }));
    expect(d.graph.tensors.get('y0')).toMatchObject({ shape: [2, 3], dtype: 'float32' });
  });
});
