import { describe, expect, it } from 'vitest';
import type { Dim } from '../../../src/graph/types.js';
import {
  a,
  buildModel,
  constInt,
  constWeight,
  inferred,
  placeholder,
  shapeOf,
  workOf,
  type NodeSpec,
} from './helpers.js';

const F = { T: a.type('DT_FLOAT') };

function conv(
  name: string,
  op: string,
  input: string[],
  o: {
    strides?: number[];
    padding?: string;
    format?: string;
    dilations?: number[];
    pads?: number[];
    fused?: string[];
  },
): NodeSpec {
  const attr: Record<string, Record<string, unknown>> = {
    ...F,
    strides: a.ints(o.strides ?? [1, 1, 1, 1]),
    padding: a.s(o.padding ?? 'SAME'),
    data_format: a.s(o.format ?? 'NHWC'),
    dilations: a.ints(o.dilations ?? [1, 1, 1, 1]),
    explicit_paddings: o.pads ? a.ints(o.pads) : { list: {} },
  };
  if (o.fused) attr.fused_ops = a.strs(o.fused);
  return { name, op, input, attr };
}

/** One op on a placeholder input and a float weight, shape-inferred. */
function single(xShape: number[], wShape: number[], node: NodeSpec) {
  const m = buildModel([placeholder('x', xShape), constWeight('w'), node], [{ name: 'w', shape: wShape }]);
  const r = inferred(m);
  expect(r.warnings).toEqual([]);
  return r.graph;
}

describe('TF conv shapes and work', () => {
  it('SAME with stride 2 on odd sizes rounds up; VALID rounds down', () => {
    const same = single(
      [1, 7, 9, 3],
      [3, 3, 3, 8],
      conv('y', 'Conv2D', ['x', 'w'], { strides: [1, 2, 2, 1] }),
    );
    expect(shapeOf(same, 'y')).toEqual([1, 4, 5, 8]);
    const valid = single(
      [1, 7, 9, 3],
      [3, 3, 3, 8],
      conv('y', 'Conv2D', ['x', 'w'], { strides: [1, 2, 2, 1], padding: 'VALID' }),
    );
    expect(shapeOf(valid, 'y')).toEqual([1, 3, 4, 8]);
  });

  it('dilations, explicit padding and NCHW', () => {
    const dil = single(
      [1, 9, 9, 2],
      [3, 3, 2, 4],
      conv('y', 'Conv2D', ['x', 'w'], { padding: 'VALID', dilations: [1, 2, 2, 1] }),
    );
    expect(shapeOf(dil, 'y')).toEqual([1, 5, 5, 4]);
    const explicit = single(
      [1, 8, 8, 2],
      [3, 3, 2, 4],
      conv('y', 'Conv2D', ['x', 'w'], {
        padding: 'EXPLICIT',
        pads: [0, 0, 2, 0, 1, 1, 0, 0],
        strides: [1, 2, 2, 1],
      }),
    );
    // H: (8 + 2 − 3) / 2 + 1 = 4; W: (8 + 2 − 3) / 2 + 1 = 4
    expect(shapeOf(explicit, 'y')).toEqual([1, 4, 4, 4]);
    const nchw = single(
      [1, 3, 15, 11],
      [5, 5, 3, 6],
      conv('y', 'Conv2D', ['x', 'w'], { format: 'NCHW', strides: [1, 1, 2, 2] }),
    );
    expect(shapeOf(nchw, 'y')).toEqual([1, 6, 8, 6]);
    expect(workOf(nchw, 'y').macs).toBe(6 * 8 * 6 * 5 * 5 * 3);
  });

  it('MobileNet conv1 (224², 3×3×3×32, stride 2) is 10.84 M MACs; fused BiasAdd+Relu6 add 2 FLOPs/element', () => {
    const g = single(
      [1, 224, 224, 3],
      [3, 3, 3, 32],
      conv('y', '_FusedConv2D', ['x', 'w', 'w'], { strides: [1, 2, 2, 1], fused: ['BiasAdd', 'Relu6'] }),
    );
    expect(shapeOf(g, 'y')).toEqual([1, 112, 112, 32]);
    const w = workOf(g, 'y');
    expect(w.macs).toBe(10_838_016); // 112·112·32·27, as in Howard et al. 2017 Table 1 row 1
    expect(w.flops).toBe(2 * 10_838_016 + 2 * 112 * 112 * 32);
  });

  it('depthwise: channels × multiplier, MACs per output × kernel', () => {
    const g = single(
      [1, 15, 15, 8],
      [3, 3, 8, 2],
      conv('y', 'DepthwiseConv2dNative', ['x', 'w'], { strides: [1, 2, 2, 1] }),
    );
    expect(shapeOf(g, 'y')).toEqual([1, 8, 8, 16]);
    expect(workOf(g, 'y').macs).toBe(8 * 8 * 16 * 9);
    const f = single(
      [1, 15, 15, 8],
      [3, 3, 8, 1],
      conv('y', 'FusedDepthwiseConv2dNative', ['x', 'w', 'w'], { fused: ['BiasAdd', 'Relu'] }),
    );
    expect(shapeOf(f, 'y')).toEqual([1, 15, 15, 8]);
    expect(workOf(f, 'y').flops).toBe(2 * 15 * 15 * 8 * 9 + 2 * 15 * 15 * 8);
  });

  it('Conv2DBackpropInput takes its shape from input_sizes, or from strides when unknown', () => {
    const m = buildModel(
      [
        placeholder('x', [1, 4, 4, 8]),
        constWeight('w'),
        constInt('sizes', [1, 8, 8, 3]),
        conv('y', 'Conv2DBackpropInput', ['sizes', 'w', 'x'], { strides: [1, 2, 2, 1] }),
        { name: 's', op: 'Shape', input: ['x'] },
        conv('z', 'Conv2DBackpropInput', ['s', 'w', 'x'], { strides: [1, 2, 2, 1], padding: 'VALID' }),
      ],
      [{ name: 'w', shape: [3, 3, 3, 8] }],
    );
    const { graph } = inferred(m);
    expect(shapeOf(graph, 'y')).toEqual([1, 8, 8, 3]);
    expect(workOf(graph, 'y').macs).toBe(4 * 4 * 8 * 3 * 3 * 3);
    expect(shapeOf(graph, 's')).toEqual([4]);
  });

  it('a symbolic batch flows through convs and pools', () => {
    const m = buildModel(
      [
        placeholder('x', [-1, 33, 33, 3]),
        constWeight('w'),
        conv('c', 'Conv2D', ['x', 'w'], { strides: [1, 2, 2, 1] }),
        {
          name: 'p',
          op: 'MaxPool',
          input: ['c'],
          attr: { ...F, ksize: a.ints([1, 3, 3, 1]), strides: a.ints([1, 2, 2, 1]), padding: a.s('VALID') },
        },
      ],
      [{ name: 'w', shape: [3, 3, 3, 16] }],
    );
    const r = inferred(m);
    expect(shapeOf(r.graph, 'p')).toEqual(['batch', 8, 8, 16]);
    expect(shapeOf(inferred(m, { x: [2, 33, 33, 3] }).graph, 'p')).toEqual([2, 8, 8, 16]);
  });
});

describe('TF pooling, resize, concat', () => {
  const pool = (op: string, k: number, s: number, padding: string, format = 'NHWC'): NodeSpec => ({
    name: 'y',
    op,
    input: ['x'],
    attr: {
      ...F,
      ksize: a.ints(format === 'NHWC' ? [1, k, k, 1] : [1, 1, k, k]),
      strides: a.ints(format === 'NHWC' ? [1, s, s, 1] : [1, 1, s, s]),
      padding: a.s(padding),
      data_format: a.s(format),
    },
  });
  const run = (x: number[], node: NodeSpec) => inferred(buildModel([placeholder('x', x), node])).graph;

  it('MaxPool/AvgPool SAME and VALID, NHWC and NCHW, FLOPs = output × window', () => {
    expect(shapeOf(run([1, 7, 7, 4], pool('MaxPool', 2, 2, 'VALID')), 'y')).toEqual([1, 3, 3, 4]);
    const avg = run([1, 7, 7, 4], pool('AvgPool', 3, 2, 'SAME'));
    expect(shapeOf(avg, 'y')).toEqual([1, 4, 4, 4]);
    expect(workOf(avg, 'y')).toEqual({ macs: 0, flops: 4 * 4 * 4 * 9 });
    expect(shapeOf(run([1, 4, 7, 7], pool('MaxPool', 2, 2, 'SAME', 'NCHW')), 'y')).toEqual([1, 4, 4, 4]);
  });

  it('ResizeBilinear / ResizeNearestNeighbor take size from a const', () => {
    for (const op of ['ResizeBilinear', 'ResizeNearestNeighbor']) {
      const m = buildModel([
        placeholder('x', [1, 7, 7, 4]),
        constInt('size', [14, 20]),
        {
          name: 'y',
          op,
          input: ['x', 'size'],
          attr: { ...F, align_corners: a.b(false), half_pixel_centers: a.b(true) },
        },
      ]);
      const { graph } = inferred(m);
      expect(shapeOf(graph, 'y')).toEqual([1, 14, 20, 4]);
      expect(workOf(graph, 'y').flops).toBe(op === 'ResizeBilinear' ? 9 * 14 * 20 * 4 : 0);
    }
  });

  it('ConcatV2 reads its axis from the last input; 1-D int concat propagates values', () => {
    const m = buildModel([
      placeholder('x', [1, 4, 4, 3]),
      placeholder('z', [1, 4, 4, 5]),
      constInt('axis', [-1], []),
      { name: 'y', op: 'ConcatV2', input: ['x', 'z', 'axis'], attr: { ...F, N: a.i(2) } },
      constInt('a1', [2, 3]),
      constInt('a2', [4]),
      constInt('zero', [0], []),
      { name: 'v', op: 'ConcatV2', input: ['a1', 'a2', 'zero'], attr: { N: a.i(2), T: a.type('DT_INT32') } },
    ]);
    const { graph } = inferred(m);
    expect(shapeOf(graph, 'y')).toEqual([1, 4, 4, 8]);
    expect(graph.tensors.get('v')).toMatchObject({ shape: [3], value: [2, 3, 4] });
  });
});

describe('TF slicing and shape arithmetic', () => {
  const ss = (
    begin: number[],
    end: number[],
    strides: number[],
    masks: Partial<Record<string, number>>,
  ): NodeSpec[] => [
    constInt('b', begin),
    constInt('e', end),
    constInt('s', strides),
    {
      name: 'y',
      op: 'StridedSlice',
      input: ['x', 'b', 'e', 's'],
      attr: Object.fromEntries(
        ['begin_mask', 'end_mask', 'ellipsis_mask', 'new_axis_mask', 'shrink_axis_mask'].map((k) => [
          k,
          a.i(masks[k] ?? 0),
        ]),
      ),
    },
  ];
  const slice = (x: number[], nodes: NodeSpec[]): Dim[] | null | undefined => {
    const r = inferred(buildModel([placeholder('x', x), ...nodes]));
    expect(r.warnings).toEqual([]);
    return shapeOf(r.graph, 'y');
  };

  it('StridedSlice with begin/end masks, strides and negative indices', () => {
    expect(
      slice(
        [1, 10, 10, 6],
        ss([0, 1, 0, 0], [0, 9, 0, 4], [1, 2, 1, 1], { begin_mask: 0b1101, end_mask: 0b0101 }),
      ),
    ).toEqual([1, 4, 10, 4]);
    expect(slice([1, 10, 6], ss([0, -3], [0, 0], [1, 1], { begin_mask: 1, end_mask: 3 }))).toEqual([1, 3, 6]);
    expect(slice([8], ss([-1], [0], [-1], { end_mask: 1 }))).toEqual([8]);
    expect(slice([8], ss([6], [1], [-2], {}))).toEqual([3]);
  });

  it('StridedSlice shrink_axis, new_axis and ellipsis', () => {
    expect(slice([4, 5, 6], ss([1], [2], [1], { shrink_axis_mask: 1 }))).toEqual([5, 6]);
    expect(slice([4, 5, 6], ss([0, 0], [0, 0], [1, 1], { ellipsis_mask: 1, new_axis_mask: 2 }))).toEqual([
      4, 5, 6, 1,
    ]);
    expect(slice([4, 5, 6], ss([0, 2], [0, 4], [1, 1], { ellipsis_mask: 1 }))).toEqual([4, 5, 2]);
    expect(
      slice(
        [4, 5, 6],
        ss([0, 0, 1], [0, 0, 2], [1, 1, 1], {
          new_axis_mask: 1,
          begin_mask: 2,
          end_mask: 2,
          shrink_axis_mask: 4,
        }),
      ),
    ).toEqual([1, 4, 6]);
  });

  it('Shape → StridedSlice → Pack → Reshape keeps a symbolic batch', () => {
    const m = buildModel([
      placeholder('x', [-1, 4, 4, 2]),
      { name: 'shape', op: 'Shape', input: ['x'], attr: { out_type: a.type('DT_INT32') } },
      ...ss([0], [1], [1], { shrink_axis_mask: 1 }).map((n) =>
        n.name === 'y' ? { ...n, name: 'n', input: ['shape', 'b', 'e', 's'] } : n,
      ),
      constInt('m1', [-1], []),
      { name: 'packed', op: 'Pack', input: ['n', 'm1'], attr: { N: a.i(2), axis: a.i(0) } },
      { name: 'y', op: 'Reshape', input: ['x', 'packed'], attr: F },
    ]);
    const r = inferred(m);
    expect(r.warnings).toEqual([]);
    expect(shapeOf(r.graph, 'n')).toEqual([]);
    expect(shapeOf(r.graph, 'y')).toEqual(['batch', 32]);
    expect(shapeOf(inferred(m, { x: [3, 4, 4, 2] }).graph, 'y')).toEqual([3, 32]);
  });

  it('Slice, Pad, Reshape with -1, Squeeze, ExpandDims, Transpose, Tile', () => {
    const g = inferred(
      buildModel([
        placeholder('x', [2, 6, 4]),
        constInt('begin', [0, 1, 0]),
        constInt('size', [-1, 3, 2]),
        { name: 'sl', op: 'Slice', input: ['x', 'begin', 'size'] },
        constInt('pads', [0, 0, 1, 2, 0, 0], [3, 2]),
        { name: 'pad', op: 'Pad', input: ['x', 'pads'] },
        { name: 'mp', op: 'MirrorPad', input: ['x', 'pads'], attr: { mode: a.s('REFLECT') } },
        constInt('shp', [-1, 8]),
        { name: 'rs', op: 'Reshape', input: ['x', 'shp'] },
        constInt('ax', [1], []),
        { name: 'ed', op: 'ExpandDims', input: ['x', 'ax'] },
        { name: 'sq', op: 'Squeeze', input: ['ed'], attr: { squeeze_dims: a.ints([1]) } },
        constInt('perm', [2, 0, 1]),
        { name: 'tr', op: 'Transpose', input: ['x', 'perm'] },
        constInt('mult', [1, 2, 3]),
        { name: 'ti', op: 'Tile', input: ['x', 'mult'] },
      ]),
    ).graph;
    expect(shapeOf(g, 'sl')).toEqual([2, 3, 2]);
    expect(shapeOf(g, 'pad')).toEqual([2, 9, 4]);
    expect(shapeOf(g, 'mp')).toEqual([2, 9, 4]);
    expect(shapeOf(g, 'rs')).toEqual([6, 8]);
    expect(shapeOf(g, 'ed')).toEqual([2, 1, 6, 4]);
    expect(shapeOf(g, 'sq')).toEqual([2, 6, 4]);
    expect(shapeOf(g, 'tr')).toEqual([4, 2, 6]);
    expect(shapeOf(g, 'ti')).toEqual([2, 12, 12]);
  });

  it('Split, SplitV, Unpack, GatherV2 (with values), Fill, Range, Cast', () => {
    const g = inferred(
      buildModel([
        placeholder('x', [2, 6, 4]),
        constInt('one', [1], []),
        { name: 'sp', op: 'Split', input: ['one', 'x'], attr: { num_split: a.i(3) } },
        constInt('sizes', [1, -1]),
        constInt('two', [2], []),
        { name: 'sv', op: 'SplitV', input: ['x', 'sizes', 'two'], attr: { num_split: a.i(2) } },
        { name: 'up', op: 'Unpack', input: ['x'], attr: { num: a.i(2), axis: a.i(0) } },
        constInt('params', [10, 20, 30, 40]),
        constInt('idx', [3, 0]),
        constInt('zero', [0], []),
        { name: 'ga', op: 'GatherV2', input: ['params', 'idx', 'zero'], attr: { batch_dims: a.i(0) } },
        constInt('idx2', [1, 0, 1, 1], [2, 2]),
        { name: 'gx', op: 'GatherV2', input: ['x', 'idx2', 'one'], attr: { batch_dims: a.i(0) } },
        constInt('dims', [2, 3]),
        { name: 'fi', op: 'Fill', input: ['dims', 'two'] },
        constInt('lim', [7], []),
        { name: 'ra', op: 'Range', input: ['one', 'lim', 'two'], attr: { Tidx: a.type('DT_INT32') } },
        {
          name: 'ca',
          op: 'Cast',
          input: ['x'],
          attr: { SrcT: a.type('DT_FLOAT'), DstT: a.type('DT_INT32') },
        },
      ]),
    ).graph;
    expect(shapeOf(g, 'sp')).toEqual([2, 2, 4]);
    expect(shapeOf(g, 'sp:2')).toEqual([2, 2, 4]);
    expect(shapeOf(g, 'sv')).toEqual([2, 6, 1]);
    expect(shapeOf(g, 'sv:1')).toEqual([2, 6, 3]);
    expect(shapeOf(g, 'up:1')).toEqual([6, 4]);
    expect(g.tensors.get('ga')).toMatchObject({ shape: [2], value: [40, 10] });
    expect(shapeOf(g, 'gx')).toEqual([2, 2, 2, 4]);
    expect(g.tensors.get('fi')).toMatchObject({ shape: [2, 3], value: [2, 2, 2, 2, 2, 2] });
    expect(g.tensors.get('ra')).toMatchObject({ shape: [3], value: [1, 3, 5] });
    expect(g.tensors.get('ca')).toMatchObject({ shape: [2, 6, 4], dtype: 'int32' });
  });
});

describe('TF matmul, reductions, normalization and data-dependent ops', () => {
  it('MatMul with transposes, BatchMatMulV2 with broadcast batch, Einsum', () => {
    const m = buildModel(
      [
        placeholder('x', [5, 16]),
        constWeight('w'),
        {
          name: 'mm',
          op: '_FusedMatMul',
          input: ['x', 'w', 'w'],
          attr: { ...F, transpose_b: a.b(true), fused_ops: a.strs(['BiasAdd']) },
        },
        placeholder('p', [2, 1, 3, 4]),
        placeholder('q', [5, 3, 6]),
        { name: 'bmm', op: 'BatchMatMulV2', input: ['p', 'q'], attr: { adj_x: a.b(true) } },
        placeholder('e1', [2, 3, 4]),
        placeholder('e2', [2, 4, 5]),
        { name: 'es', op: 'Einsum', input: ['e1', 'e2'], attr: { equation: a.s('bij,bjk->bik'), N: a.i(2) } },
      ],
      [{ name: 'w', shape: [10, 16] }],
    );
    const { graph, warnings } = inferred(m);
    expect(warnings).toEqual([]);
    expect(shapeOf(graph, 'mm')).toEqual([5, 10]);
    expect(workOf(graph, 'mm')).toEqual({ macs: 5 * 10 * 16, flops: 2 * 5 * 10 * 16 + 5 * 10 });
    expect(shapeOf(graph, 'bmm')).toEqual([2, 5, 4, 6]);
    expect(workOf(graph, 'bmm').macs).toBe(2 * 5 * 4 * 6 * 3);
    expect(shapeOf(graph, 'es')).toEqual([2, 3, 5]);
    expect(workOf(graph, 'es').macs).toBe(2 * 3 * 4 * 5);
  });

  it('Mean/Sum with keep_dims, ArgMax, TopKV2, FusedBatchNormV3, broadcasting Add', () => {
    const g = inferred(
      buildModel(
        [
          placeholder('x', [2, 7, 7, 8]),
          constInt('hw', [1, 2]),
          { name: 'mean', op: 'Mean', input: ['x', 'hw'], attr: { keep_dims: a.b(true) } },
          { name: 'sum', op: 'Sum', input: ['x', 'hw'], attr: { keep_dims: a.b(false) } },
          constInt('last', [-1], []),
          { name: 'am', op: 'ArgMax', input: ['x', 'last'], attr: { output_type: a.type('DT_INT32') } },
          constInt('k', [3], []),
          { name: 'tk', op: 'TopKV2', input: ['x', 'k'], attr: { sorted: a.b(true) } },
          constWeight('c'),
          {
            name: 'bn',
            op: 'FusedBatchNormV3',
            input: ['x', 'c', 'c', 'c', 'c'],
            attr: { epsilon: a.f(0.001), is_training: a.b(false) },
          },
          { name: 'add', op: 'AddV2', input: ['x', 'c'] },
        ],
        [{ name: 'c', shape: [8] }],
      ),
    ).graph;
    expect(shapeOf(g, 'mean')).toEqual([2, 1, 1, 8]);
    expect(workOf(g, 'mean').flops).toBe(2 * 7 * 7 * 8);
    expect(shapeOf(g, 'sum')).toEqual([2, 8]);
    expect(g.tensors.get('am')).toMatchObject({ shape: [2, 7, 7], dtype: 'int32' });
    expect(shapeOf(g, 'tk')).toEqual([2, 7, 7, 3]);
    expect(g.tensors.get('tk:1')).toMatchObject({ shape: [2, 7, 7, 3], dtype: 'int32' });
    expect(shapeOf(g, 'bn')).toEqual([2, 7, 7, 8]);
    expect(shapeOf(g, 'bn:1')).toEqual([8]);
    expect(shapeOf(g, 'add')).toEqual([2, 7, 7, 8]);
  });

  it('NonMaxSuppressionV5 outputs a data-dependent count as a symbol', () => {
    const g = inferred(
      buildModel([
        placeholder('boxes', [100, 4]),
        placeholder('scores', [100]),
        constInt('max', [10], []),
        {
          name: 'nms',
          op: 'NonMaxSuppressionV5',
          input: ['boxes', 'scores', 'max', 'scores', 'scores', 'scores'],
        },
      ]),
    ).graph;
    const n = shapeOf(g, 'nms')!;
    expect(typeof n[0]).toBe('string');
    expect(shapeOf(g, 'nms:1')).toEqual(n);
    expect(shapeOf(g, 'nms:2')).toEqual([]);
  });
});
