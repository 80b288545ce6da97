import { describe, expect, it } from 'vitest';
import { hostCpuCaches } from '../../src/hardware/cpu-caches.js';
import { hostSimd } from '../../src/hardware/cpu-simd.js';
import { rowStrips, sgemmKernelFor } from '../../src/cost/mlas-sgemm-kernel.js';
import { buildHostDevice } from '../../src/hardware/host.js';
import {
  FEATURE_INDEX,
  kernelInfo,
  KERNEL_FEATURES,
  ortKernels,
  type KernelInfo,
} from '../../src/cost/host-kernel-features.js';
import { FUSED_ACTIVATION_ATTR } from '../../src/graph/fused-activation.js';
import type { Node } from '../../src/graph/types.js';
import { graphOf } from '../graph/shape-inference-helpers.js';
import { fitKernelModels } from '../../src/cost/host-kernel-fit.js';
import {
  kernelLatencyUs,
  kernelModelUs,
  leafOf,
  predictLeaf,
  type HostKernelParams,
  type KernelSample,
  type KernelTree,
} from '../../src/cost/host-kernel-model.js';
import { nnls } from '../../src/cost/host-nnls.js';
import { createCostModel } from '../../src/cost/model.js';
import type { ProcessorCostParams } from '../../src/cost/types.js';
import { loadProfileTarget } from '../../src/runtime/profile.js';
import { conv, oneOp } from './model-helpers.js';
import { nodeInfo } from '../../src/cost/roofline.js';
import { GraphBuilder } from '../../src/zoo/builder.js';
import { inferShapes } from '../../src/graph/shape-inference.js';
import { CALIBRATION_HOST } from '../test-host.js';

const F = FEATURE_INDEX;

/** The SGEMM micro-kernel this machine runs, and N in its whole vectors of columns. */
const SGEMM = sgemmKernelFor(hostSimd());
const columns = (n: number): number => Math.ceil(n / SGEMM.vectorColumns) * SGEMM.vectorColumns;

describe('kernel work counters', () => {
  it('counts im2col only where a conv expands its input', () => {
    const k1 = kernelInfo(conv(16, 32, 8, 1).n, conv(16, 32, 8, 1).g);
    expect(k1.x[F.im2colElems]).toBe(0);
    expect(k1.keys).toEqual(['Conv:k1', 'gemm']);
    const c3 = conv(16, 32, 8, 3);
    const k3 = kernelInfo(c3.n, c3.g);
    // Cin·k² rows of Ho·Wo elements, copied as Cin·k²·Ho row segments where inside the input: of the
    // 3 × 8 (kernel row, output row) pairs per axis, 2 fall in the padding.
    expect(k3.x[F.im2colElems]).toBeCloseTo(16 * 22 * 22, 9);
    expect(k3.x[F.segments]).toBeCloseTo(16 * 3 * 22, 9);
    expect(k3.keys).toEqual(['Conv:k3', 'Conv:dense', 'im2col']);
    // SGEMM M = 32, N = 64 (whole 16-column tiles), K = 144.
    expect(k3.x[F.tileMacs]).toBe(32 * 64 * 144);
  });

  it('copies only the taps of a tall kernel that land inside a short map', () => {
    // 5×5 depthwise, pads 2, on a 3 × 12 map: 3 of the 5 kernel rows are inside for every output row,
    // and 10, 11, 12, 11, 10 output columns for the 5 kernel columns.
    const { g, n } = oneOp(
      'Conv',
      { x: [1, 8, 3, 12] },
      { w: [8, 1, 5, 5], b: [8] },
      { pads: [2, 2, 2, 2], group: 8 },
    );
    const k = kernelInfo(n, g);
    expect(k.x[F.im2colElems]).toBeCloseTo(8 * 9 * (10 + 11 + 12 + 11 + 10), 9);
    expect(k.x[F.segments]).toBeCloseTo(8 * 5 * 9, 9);
  });

  it('counts the row strips of A an SGEMM steps through, whatever its depth', () => {
    // Same MACs and panel passes; the expansion has six times the rows of A (output channels).
    const expand = conv(192, 1152, 5, 1);
    const project = conv(1152, 192, 5, 1);
    const [e, p] = [kernelInfo(expand.n, expand.g), kernelInfo(project.n, project.g)];
    expect(e.x[F.tileMacs]).toBe(p.x[F.tileMacs]);
    expect(e.x[F.panelPasses]).toBe(p.x[F.panelPasses]);
    expect(e.x[F.rowStrips]).toBe(rowStrips(SGEMM, 1152));
    expect(p.x[F.rowStrips]).toBe(rowStrips(SGEMM, 192));
    expect(e.x[F.rowStrips]).toBeGreaterThanOrEqual(5 * p.x[F.rowStrips]);
  });

  it('runs a depthwise conv as one small SGEMM per channel', () => {
    const { g, n } = conv(24, 24, 10, 3, 24);
    const k = kernelInfo(n, g);
    expect(k.x[F.calls]).toBe(24);
    // 100 output pixels in whole vectors (112 with AVX-512's 16 columns), M = 1, K = 9.
    expect(k.x[F.tileMacs]).toBe(24 * columns(100) * 9);
    expect(k.keys.at(-1)).toBe('grouped');
  });

  it('keys a streaming kernel by how the kernel before it laid its output across threads', () => {
    const g = inferShapes(
      graphOf({
        inputs: { x: [1, 8, 10, 10] },
        weights: {
          dw: [8, 1, 3, 3],
          pw: [16, 8, 1, 1],
          s: [16],
          b: [16],
          m: [16],
          v: [16],
          s8: [8],
          b8: [8],
          m8: [8],
          v8: [8],
        },
        nodes: [
          { op: 'Conv', in: ['x', 'dw'], out: ['d'], attrs: { pads: [1, 1, 1, 1], group: 8 } },
          { op: 'BatchNormalization', in: ['d', 's8', 'b8', 'm8', 'v8'], out: ['e'] },
          { op: 'Conv', in: ['e', 'pw'], out: ['p'], attrs: { [FUSED_ACTIVATION_ATTR]: 'Relu' } },
          { op: 'BatchNormalization', in: ['p', 's', 'b', 'm', 'v'], out: ['q'] },
          { op: 'Relu', in: ['x'], out: ['r'] },
        ],
      }),
    ).graph;
    const keysOf = (n: Node) => kernelInfo(n, g).keys;
    const [dw, bnAfterDw, pw, bnAfterRelu, reluOfInput] = g.nodes as [Node, Node, Node, Node, Node];
    expect(keysOf(bnAfterDw)[0]).toBe('BatchNormalization<grouped');
    // The 1×1 conv ends in its fused Relu kernel: what reads its output reads a streaming kernel's.
    expect(keysOf(bnAfterRelu)[0]).toBe('BatchNormalization<stream');
    // That Relu kernel itself reads what the conv's SGEMM wrote.
    const relu = ortKernels(pw)![1]!;
    expect(kernelInfo(relu, g).keys[0]).toBe('Relu<gemm');
    // A graph input has no producer; a conv is not keyed by its producer.
    expect(keysOf(reluOfInput)[0]).toBe('Relu');
    expect(keysOf(pw)[0]).toBe('Conv:k1');
    expect(keysOf(dw)[0]).toBe('Conv:dw3');
  });

  it('classes inference BatchNorm with the elementwise kernels and reshapes apart from copies', () => {
    const g = inferShapes(
      graphOf({
        inputs: { x: [1, 8, 10, 10] },
        weights: { s: [8], b: [8], m: [8], v: [8] },
        consts: {
          shape: { dtype: 'int64', shape: [2], values: [8, 100] },
          split: { dtype: 'int64', shape: [2], values: [4, 4] },
        },
        nodes: [
          { op: 'BatchNormalization', in: ['x', 's', 'b', 'm', 'v'], out: ['y'] },
          { op: 'Reshape', in: ['y', 'shape'], out: ['r'] },
          { op: 'Split', in: ['r', 'split'], out: ['a', 'c'], attrs: { axis: 0 } },
          { op: 'LayerNormalization', in: ['a', 's', 'b'], out: ['l'], attrs: { axis: 0 } },
        ],
      }),
    ).graph;
    const classOf = (n: Node): string | undefined => kernelInfo(n, g).keys.at(-1);
    const [bn, reshape, split, ln] = g.nodes as [Node, Node, Node, Node];
    // A per-channel scale and shift, one pass: not the row reductions of LayerNorm.
    expect(classOf(bn)).toBe('cat:elementwise');
    expect(classOf(ln)).toBe('cat:normalization');
    // ORT's Reshape aliases its input; a Split copies.
    expect(classOf(reshape)).toBe('cat:view');
    expect(classOf(split)).toBe('cat:data-movement');
  });

  it('packs a computed B on every call but a constant B never, and streams a GEMV weight', () => {
    const computed = oneOp('MatMul', { a: [1, 8, 16, 64], b: [1, 8, 64, 16] });
    expect(kernelInfo(computed.n, computed.g).x[F.packElems]).toBe(8 * 64 * 16);
    const constB = oneOp('MatMul', { a: [1, 32, 768] }, { w: [768, 768] });
    const k = kernelInfo(constB.n, constB.g);
    expect(k.x[F.packElems]).toBe(0);
    expect(k.x[F.streamElems]).toBe(0);
    const gemv = oneOp('MatMul', { a: [1, 768] }, { w: [768, 768] });
    expect(kernelInfo(gemv.n, gemv.g).x[F.streamElems]).toBe(768 * 768);
  });

  it('runs a dense conv onto a 1×1 map as dot products: no packing, no column vectors', () => {
    // A squeeze-excite conv, 1152 → 48 channels on a 1×1 map: MLAS' column-vector case.
    const se = kernelInfo(conv(1152, 48, 1, 1).n, conv(1152, 48, 1, 1).g);
    expect(se.x[F.tileMacs]).toBe(48 * 1152);
    expect(se.x[F.streamElems]).toBe(48 * 1152);
    expect(se.x[F.packElems]).toBe(0);
    expect(se.x[F.panelPasses]).toBe(0);
    expect(se.x[F.rowStrips]).toBe(0);
    // On a 2×2 map it is an SGEMM again: N = 4 padded to a whole vector, B packed.
    const small = kernelInfo(conv(1152, 48, 2, 1).n, conv(1152, 48, 2, 1).g);
    expect(small.x[F.tileMacs]).toBe(48 * columns(4) * 1152);
    expect(small.x[F.packElems]).toBe(1152 * 4);
  });

  it('counts the rows a broadcast splits an element-wise loop into', () => {
    const bias = oneOp('Add', { a: [1, 32, 768] }, { b: [768] });
    expect(kernelInfo(bias.n, bias.g).x[F.segments]).toBe(32);
    const perChannel = oneOp('Mul', { a: [1, 24, 10, 10] }, { s: [1, 24, 1, 1] });
    expect(kernelInfo(perChannel.n, perChannel.g).x[F.segments]).toBe(24);
    const scalar = oneOp('Add', { a: [1, 24, 10, 10] }, { s: [1] });
    expect(kernelInfo(scalar.n, scalar.g).x[F.segments]).toBe(1);
  });

  it('runs a pooling kernel one channel plane at a time, whatever its window', () => {
    const same = oneOp(
      'AveragePool',
      { x: [1, 96, 17, 17] },
      {},
      { kernel_shape: [3, 3], pads: [1, 1, 1, 1] },
    );
    expect(kernelInfo(same.n, same.g).x[F.segments]).toBe(96);
    const halving = oneOp('MaxPool', { x: [1, 64, 32, 32] }, {}, { kernel_shape: [2, 2], strides: [2, 2] });
    expect(kernelInfo(halving.n, halving.g).x[F.segments]).toBe(64);
    const global = oneOp('GlobalAveragePool', { x: [1, 320, 7, 7] });
    expect(kernelInfo(global.n, global.g).x[F.segments]).toBe(320);
  });

  it('counts the arithmetic of a streaming kernel: a transcendental op or a normalisation costs more per element', () => {
    const relu = oneOp('Relu', { x: [1, 16, 10, 10] });
    const erf = oneOp('Erf', { x: [1, 16, 10, 10] });
    const norm = oneOp('InstanceNormalization', { x: [1, 16, 10, 10] }, { s: [16], b: [16] });
    expect(kernelInfo(relu.n, relu.g).x[F.flops]).toBe(1600);
    expect(kernelInfo(erf.n, erf.g).x[F.flops]).toBe(4 * 1600);
    expect(kernelInfo(norm.n, norm.g).x[F.flops]).toBe(5 * 1600);
    // A dense kernel's arithmetic is in its tile MACs, not here.
    const c = conv(8, 8, 10);
    expect(kernelInfo(c.n, c.g).x[F.flops]).toBe(0);
  });

  it('counts the contiguous runs a transpose copies', () => {
    // Heads to the front keeps rows of 64; channels last gathers element by element.
    const heads = oneOp('Transpose', { x: [1, 50, 12, 64] }, {}, { perm: [0, 2, 1, 3] });
    expect(kernelInfo(heads.n, heads.g).x[F.segments]).toBe(50 * 12);
    const nhwc = oneOp('Transpose', { x: [1, 8, 5, 5] }, {}, { perm: [0, 2, 3, 1] });
    expect(kernelInfo(nhwc.n, nhwc.g).x[F.segments]).toBe(8 * 5 * 5);
    // No perm: the axes reversed, nothing left in place.
    const reversed = oneOp('Transpose', { x: [4, 6] });
    expect(kernelInfo(reversed.n, reversed.g).x[F.segments]).toBe(24);
  });

  it('counts the elements of a transpose ONNX Runtime addresses one by one', () => {
    const elementwise = (shape: number[], perm?: number[]): number => {
      const t = oneOp('Transpose', { x: shape }, {}, perm ? { perm } : {});
      return kernelInfo(t.n, t.g).x[F.eltwiseElems];
    };
    // MobileViT's patch unfolding: two axes swapped, the last one among them.
    expect(elementwise([1, 144, 144, 4], [0, 3, 2, 1])).toBe(144 * 144 * 4);
    expect(elementwise([4, 6, 5])).toBe(120);
    // Rows kept whole, or a single axis moved (channels last, a 2-D transpose): ORT's faster paths.
    expect(elementwise([1, 50, 12, 64], [0, 2, 1, 3])).toBe(0);
    expect(elementwise([1, 8, 5, 5], [0, 2, 3, 1])).toBe(0);
    expect(elementwise([4, 6])).toBe(0);
    // Axes of length 1 do not count: [1, 8, 1, 5] by [2, 3, 0, 1] is a 2-D transpose.
    expect(elementwise([1, 8, 1, 5], [2, 3, 0, 1])).toBe(0);
  });

  it('keys a 2× nearest upsample apart when ONNX Runtime takes its 2× path', () => {
    const keyOf = (factor: number, attrs?: Record<string, string>): string => {
      const b = new GraphBuilder('up');
      const x = b.input('x', [1, 8, 6, 6]);
      b.output(b.upsampleNearest(x, factor));
      const g = inferShapes(b.build(), {}).graph;
      const n = g.nodes[g.nodes.length - 1]!;
      if (attrs) Object.assign(n.attrs, attrs);
      return nodeInfo(n, g).fineKey;
    };
    // As torch.onnx exports nn.Upsample(mode='nearest'): asymmetric coordinates, floor rounding.
    expect(keyOf(2)).toBe('Resize:nearest2x');
    // ×4, or ONNX's default coordinates (half_pixel): ORT's generic nearest loop.
    expect(keyOf(4)).toBe('Resize');
    expect(keyOf(2, { coordinate_transformation_mode: 'half_pixel' })).toBe('Resize');
    expect(keyOf(2, { nearest_mode: 'round_prefer_floor' })).toBe('Resize');
  });

  it('counts the contiguous runs a slice or a concat copies', () => {
    const sliceOf = (shape: number[], o: { starts: number[]; ends: number[]; axes: number[] }) => {
      const b = new GraphBuilder('slice');
      b.output(b.slice(b.input('x', shape), o));
      const g = inferShapes(b.build(), {}).graph;
      return kernelInfo(g.nodes[g.nodes.length - 1]!, g).x[F.segments];
    };
    // A channel split keeps each image's channels contiguous: one run; cutting the last axis, one per row.
    expect(sliceOf([1, 116, 14, 14], { starts: [0], ends: [58], axes: [1] })).toBe(1);
    expect(sliceOf([6, 8], { starts: [0], ends: [4], axes: [1] })).toBe(6);
    // A concat on channels at batch 1: one whole block per input, as many inputs as it has (DenseNet
    // concatenates up to 25), one segment; on the last axis, one run per row per input.
    const c = oneOp('Concat', { a: [1, 8, 5, 5], b: [1, 4, 5, 5] }, {}, { axis: 1 });
    expect(kernelInfo(c.n, c.g).x[F.segments]).toBe(1);
    const many = oneOp('Concat', { a: [1, 8, 5, 5], b: [1, 4, 5, 5], c: [1, 4, 5, 5] }, {}, { axis: 1 });
    expect(kernelInfo(many.n, many.g).x[F.segments]).toBe(1);
    const rows = oneOp('Concat', { a: [6, 8], b: [6, 4] }, {}, { axis: 1 });
    expect(kernelInfo(rows.n, rows.g).x[F.segments]).toBe(12);
  });

  it('prices a kernel of a model whose weights overflow the warm footprint as colder', () => {
    const small = conv(16, 16, 8, 1); // 1 KB of weights: far below the L2, as warm as it gets
    expect(kernelInfo(small.n, small.g).x[F.coldLaunch]).toBe(-6);
    const big = conv(1024, 1024, 8, 3); // 36 MiB of weights
    const warmMiB = hostCpuCaches().l2Bytes / 2 ** 20;
    expect(kernelInfo(big.n, big.g).x[F.coldLaunch]).toBeCloseTo(Math.log2(Math.max(1, 36 / warmMiB)), 1);
  });

  it('prices each further call of a grouped kernel as warm or cold as its launch', () => {
    const dw = conv(24, 24, 10, 3, 24);
    const k = kernelInfo(dw.n, dw.g);
    expect(k.x[F.coldCalls]).toBeCloseTo(23 * k.x[F.coldLaunch], 12);
    const dense = conv(16, 32, 8, 3);
    expect(kernelInfo(dense.n, dense.g).x[F.coldCalls]).toBe(0);
  });

  it('counts the activations beyond one core’s L2 a kernel streams through L3', () => {
    const l2Elems = hostCpuCaches().l2Bytes / 4;
    const fits = oneOp('Relu', { x: [1, 1, 1, Math.floor(l2Elems / 4)] });
    expect(kernelInfo(fits.n, fits.g).x[F.spillElems]).toBe(0);
    // Input and output of l2Elems each: one L2's worth spills.
    const spills = oneOp('Relu', { x: [1, 1, 1, l2Elems] });
    expect(kernelInfo(spills.n, spills.g).x[F.spillElems]).toBe(l2Elems);
  });

  it('reads a dense kernel’s weights from DRAM only when the model’s weights overflow the last-level cache', () => {
    const llcBytes = hostCpuCaches().llcBytes;
    const small = conv(64, 64, 8, 3);
    expect(kernelInfo(small.n, small.g).x[F.dramWeights]).toBe(0);
    // A square 1×1 conv with twice the LLC in weights.
    const c = Math.ceil(Math.sqrt((2 * llcBytes) / 4));
    const big = conv(c, c, 2, 1);
    expect(kernelInfo(big.n, big.g).x[F.dramWeights]).toBe(c * c + c);
    // An element-wise op of that model is not a weight reader.
    const relu = oneOp('Relu', { x: [1, 4, 8, 8] });
    expect(kernelInfo(relu.n, relu.g).x[F.dramWeights]).toBe(0);
  });

  it('counts the weights a dense kernel reads once a call, whatever the model’s size', () => {
    const small = conv(64, 32, 8, 3);
    expect(kernelInfo(small.n, small.g).x[F.weightElems]).toBe(32 * 64 * 9 + 32);
    const relu = oneOp('Relu', { x: [1, 4, 8, 8] });
    expect(kernelInfo(relu.n, relu.g).x[F.weightElems]).toBe(0);
  });
});

/** The tree with `us` added to every leaf's launch cost. */
function shifted(tree: KernelTree, us: number): KernelTree {
  if ('coef' in tree) return { coef: tree.coef.map((c, i) => (i === F.launch ? c + us : c)) };
  return { ...tree, below: shifted(tree.below, us), above: shifted(tree.above, us) };
}

/** The tree with every coefficient multiplied by `f`. */
function scaled(tree: KernelTree, f: number): KernelTree {
  if ('coef' in tree) return { coef: tree.coef.map((c) => c * f) };
  return { ...tree, below: scaled(tree.below, f), above: scaled(tree.above, f) };
}

describe('nnls', () => {
  it('solves an unconstrained-feasible system exactly and clamps a negative coefficient to 0', () => {
    // X = [[1,0],[0,1],[1,1]], y = X·[2,3].
    const G = [
      [2, 1],
      [1, 2],
    ];
    expect(nnls(G, [7, 8]).map((v) => Number(v.toFixed(9)))).toEqual([2, 3]);
    // y = [1, −1, 0]: the unconstrained fit wants a negative second coefficient.
    const w = nnls(G, [1, -1]);
    expect(w[1]).toBe(0);
    expect(w[0]).toBeCloseTo(0.5, 9);
  });
});

/** A synthetic kernel with the given counters (others 0). */
function kernel(
  keys: string[],
  counters: Partial<Record<(typeof KERNEL_FEATURES)[number], number>>,
): KernelInfo {
  const x = new Float64Array(KERNEL_FEATURES.length);
  x[F.launch] = 1;
  x[F.calls] = 1;
  for (const [k, v] of Object.entries(counters)) x[F[k as keyof typeof F]] = v ?? 0;
  const k: { x: Float64Array; keys: string[]; size: number; serial?: KernelInfo } = {
    x,
    keys,
    size: x[F.tileMacs] || x[F.outElems],
  };
  k.serial = k as KernelInfo;
  return k as KernelInfo;
}

describe('kernel model fit', () => {
  const addKeys = ['Add', 'cat:elementwise'];
  const truth = (e: number): number => 3 + 1e-4 * e; // µs: a launch and 0.1 ns per element

  it('recovers per-unit costs from kernels generated by them', () => {
    const samples = [1e3, 4e3, 2e4, 1e5, 3e5, 1e6, 2e6, 5e6].flatMap((e) => [
      { info: kernel(addKeys, { inElems: 2 * e, outElems: e }), family: 'a', us: truth(e) },
      { info: kernel(addKeys, { inElems: e, outElems: e }), family: 'b', us: truth(e) },
    ]);
    const params = fitKernelModels(samples);
    const probe = kernel(addKeys, { inElems: 3e6, outElems: 3e6 });
    const coef = params.models.Add.tree;
    expect('coef' in coef).toBe(true);
    const predicted = 'coef' in coef ? coef.coef.reduce((s, c, i) => s + c * probe.x[i], 0) : 0;
    expect(predicted / truth(3e6)).toBeGreaterThan(0.97);
    expect(predicted / truth(3e6)).toBeLessThan(1.03);
    expect(params.models.Add.sizeRange).toEqual([1e3, 5e6]);
  });

  it('splits on size where a second thread starts paying its wake-up', () => {
    const sizes = [
      1e3, 2e3, 5e3, 1e4, 2e4, 4e4, 6e4, 8e4, 9e4, 1.2e5, 2e5, 4e5, 8e5, 1.6e6, 3e6, 6e6, 1e7, 2e7,
    ];
    const woken = (e: number): number => (e >= 1e5 ? 15 : 0) + truth(e);
    const samples = sizes.map((e) => ({ info: kernel(addKeys, { outElems: e }), family: 'a', us: woken(e) }));
    const tree = fitKernelModels(samples).models.Add.tree;
    expect('splitSize' in tree && tree.splitSize > 9e4 && tree.splitSize < 1.2e5).toBe(true);
  });

  it('finds the wake-up threshold where few kernels are that size', () => {
    // 200 sizes below 50K elements and only 15 above: the threshold lies between two of those.
    const dense = Array.from({ length: 200 }, (_, i) => 1e3 + i * 245);
    const sparse = [6e4, 7e4, 8e4, 9e4, 1e5, 1.1e5, 1.3e5, 1.8e5, 2.5e5, 4e5, 8e5, 1.2e6, 2e6, 4e6, 6e6];
    const woken = (e: number): number => (e >= 1.5e5 ? 15 : 0) + truth(e);
    const samples = [...dense, ...sparse].map((e) => ({
      info: kernel(addKeys, { outElems: e }),
      family: 'a',
      us: woken(e),
    }));
    const tree = fitKernelModels(samples).models.Add.tree;
    expect('splitSize' in tree && tree.splitSize > 1.3e5 && tree.splitSize < 1.8e5).toBe(true);
  });

  it('does not split off kernels of fewer than three models', () => {
    // Three models' kernels up to 50K elements follow one line; one model's above 100K cost 15 µs
    // more. With every side required to hold three models, that step is not a split of its own.
    const small = ['a', 'b', 'c'].flatMap((family) =>
      Array.from({ length: 12 }, (_, i) => 1e3 + i * 4e3).map((e) => ({
        info: kernel(addKeys, { outElems: e }),
        family,
        us: truth(e),
      })),
    );
    const large = [1e5, 2e5, 4e5, 8e5, 1.6e6, 3.2e6, 6.4e6, 1.28e7].map((e) => ({
      info: kernel(addKeys, { outElems: e }),
      family: 'x',
      us: 15 + truth(e),
    }));
    const tree = fitKernelModels([...small, ...large]).models.Add.tree;
    expect('splitSize' in tree && tree.splitSize > 5e4 && tree.splitSize < 1e5).toBe(false);
    // Spread over three models, the same step is split off.
    const spread = large.map((s, i) => ({ ...s, family: ['x', 'y', 'z'][i % 3] }));
    const split = fitKernelModels([...small, ...spread]).models.Add.tree;
    expect('splitSize' in split && split.splitSize > 4.5e4 && split.splitSize < 1e5).toBe(true);
  });

  it('splits where its ancestor did when its own kernels cannot place the split', () => {
    // Three models' Relus show the wake-up step at 100K elements; the key's kernels come from one
    // model across the step and from a second with a single small kernel, so no split of its own
    // has two models on each side.
    const relu = ['Relu', 'cat:activation'];
    const key = ['Sigmoid<gemm', 'Sigmoid', 'cat:activation'];
    const woken = (e: number): number => (e >= 1e5 ? 15 : 0) + truth(e);
    const sizes = [1e3, 3e3, 1e4, 2e4, 4e4, 6e4, 8e4, 9e4, 1.2e5, 2e5, 4e5, 8e5, 1.6e6, 3e6, 6e6, 1e7];
    const samples = [
      ...['a', 'b', 'c'].flatMap((family) =>
        sizes.map((e) => ({ info: kernel(relu, { outElems: e }), family, us: woken(e) })),
      ),
      ...sizes.map((e) => ({ info: kernel(key, { outElems: e }), family: 'x', us: 2 * woken(e) })),
      { info: kernel(key, { outElems: 2e3 }), family: 'y', us: 2 * woken(2e3) },
    ];
    const models = fitKernelModels(samples).models;
    const tree = models['Sigmoid<gemm']!.tree;
    expect('splitSize' in tree && tree.splitSize > 9e4 && tree.splitSize < 1.2e5).toBe(true);
  });

  it('never charges less per MAC than the floor it is given', () => {
    const keys = ['MatMul', 'gemm'];
    // Narrow shapes where output elements and MACs move together: without a floor the fit could
    // put the time on either.
    const samples = [1, 2, 4, 8, 16, 32, 64, 128].map((n) => ({
      info: kernel(keys, { tileMacs: 120 * 40 * 16 * n, outElems: 40 * 16 * n }),
      family: 'a',
      us: 5 + 1e-5 * 120 * 40 * 16 * n,
    }));
    const floor = 2e-5;
    const tree = fitKernelModels(samples, { macFloorUs: floor }).models.MatMul.tree;
    if (!('coef' in tree)) throw new Error('expected one leaf');
    expect(tree.coef[F.tileMacs]).toBeGreaterThanOrEqual(floor);
  });

  it('backs off to the class model for a kernel far outside its key’s sizes, or a key with few kernels', () => {
    const cls = ['Mul', 'cat:elementwise'];
    const samples = [
      ...[1e3, 1e4, 1e5, 1e6, 2e6, 4e6, 8e6, 1e7].map((e) => ({
        info: kernel(cls, { outElems: e }),
        family: 'a',
        us: truth(e),
      })),
      // An Add profiled only on small tensors, where it happened to cost 10× the Mul.
      ...[1e3, 2e3, 3e3, 4e3, 5e3, 6e3, 7e3, 8e3].map((e) => ({
        info: kernel(addKeys, { outElems: e }),
        family: 'a',
        us: 10 * truth(e),
      })),
    ];
    const params = fitKernelModels(samples);
    expect(params.models.Add).toBeDefined();
    const predict = (info: KernelInfo): number => {
      for (const key of info.keys) {
        const m = params.models[key];
        if (!m) continue;
        const last = key === info.keys.at(-1);
        if (!last && (info.size < m.sizeRange[0] / 2 || info.size > m.sizeRange[1] * 2)) continue;
        return predictLeaf(leafOf(m.tree, info.size), info.x);
      }
      return NaN;
    };
    // Within its sizes the Add keeps most of its 10× (pooled with the class's shape at the Add's own
    // level: 5.7× here, against 4.1× pooled with the class's level); far above them it takes the class's.
    expect(predict(kernel(addKeys, { outElems: 5e3 })) / truth(5e3)).toBeGreaterThan(5);
    expect(predict(kernel(addKeys, { outElems: 5e6 })) / truth(5e6)).toBeLessThan(2);
  });
});

/** The coefficients of `key`'s model fitted on `samples`, which must be one leaf. */
function oneLeaf(samples: KernelSample[], key: string): number[] {
  const tree = fitKernelModels(samples).models[key]!.tree;
  if (!('coef' in tree)) throw new Error('expected one leaf');
  return tree.coef;
}

describe('kernel models and weight footprints', () => {
  it('backs off from a key fitted only on cold-weight models for a kernel of a warm one', () => {
    const keys = ['Conv:dw5', 'grouped'];
    // Per channel call: 2 µs in models whose weights overflow the L2 (coldLaunch 4–6), 0.5 µs in ones
    // whose weights fit (coldLaunch −1); the class sees both, the 5×5 key only the cold ones.
    const callUs = (cold: number): number => (cold > 0 ? 2 : 0.5);
    const at = (k: string[], cold: number, calls: number): KernelSample => ({
      info: kernel(k, { coldLaunch: cold, calls, tileMacs: calls * 1000 }),
      family: `f${cold}`,
      us: calls * callUs(cold),
    });
    const samples = [
      ...[4, 5, 6].flatMap((cold) => [40, 80, 120, 160].map((calls) => at(keys, cold, calls))),
      ...[-1, -0.5].flatMap((cold) =>
        [40, 80, 120, 160].map((calls) => at(['Conv:dw3', 'grouped'], cold, calls)),
      ),
    ];
    const params = fitKernelModels(samples);
    expect(params.models['Conv:dw5']?.footprintRange).toEqual([4, 6]);
    // A cold model's 5×5 kernel uses its own key; a warm model's (4 doublings below) the class's.
    const cold = kernelModelUs(params, kernel(keys, { coldLaunch: 5, calls: 100, tileMacs: 1e5 }))!;
    const warm = kernelModelUs(params, kernel(keys, { coldLaunch: -1, calls: 100, tileMacs: 1e5 }))!;
    expect(cold / 200).toBeCloseTo(1, 1);
    expect(warm / 200).toBeLessThan(0.6);
  });

  it('fits a cost per doubling of the weights only on kernels of models at least ×4 apart in weights', () => {
    const keys = ['Softmax', 'cat:normalization'];
    // 3 µs + 0.5 µs per doubling + 1 ns per element, profiled in models `colds` doublings over the L2.
    const us = (cold: number, elems: number): number => 3 + 0.5 * cold + 1e-3 * elems;
    const fit = (colds: number[]): number[] => {
      const samples = colds.flatMap((cold) =>
        [1e4, 3e4, 1e5, 3e5].map((e) => ({
          info: kernel(keys, { coldLaunch: cold, outElems: e, inElems: e }),
          family: `f${cold}`,
          us: us(cold, e),
        })),
      );
      return oneLeaf(samples, 'Softmax');
    };
    // Three models within 1.5 doublings: no slope (it would stand for whatever sets their levels).
    expect(fit([3.4, 4, 4.9])[F.coldLaunch]).toBe(0);
    // Spread over 6 doublings, the slope is fitted.
    expect(fit([1, 4, 7])[F.coldLaunch]).toBeCloseTo(0.5, 1);
  });

  it('fits a cost per SGEMM call only on kernels whose call counts span ×4', () => {
    const keys = ['MatMul:batched', 'grouped'];
    // 5 µs per launch, 0.05 µs per call and 20 ps per tile MAC, on kernels of `heads` calls each.
    const us = (calls: number, macs: number): number => 5 + 0.05 * calls + 2e-5 * macs;
    const fit = (heads: number[]): number[] => {
      const samples = heads.flatMap((calls) =>
        [1e5, 3e5, 1e6, 3e6].map((macs) => ({
          info: kernel(keys, { calls, tileMacs: calls * macs }),
          family: `h${calls}`,
          us: us(calls, calls * macs),
        })),
      );
      return oneLeaf(samples, 'MatMul:batched');
    };
    // 6 to 12 calls: no cost per call (it would stand in for the launch), so 16 calls are not charged more.
    expect(fit([6, 8, 12])[F.calls]).toBe(0);
    // 4 to 64 calls: the cost per call is fitted.
    expect(fit([4, 16, 64])[F.calls]).toBeCloseTo(0.05, 2);
  });

  it('fits a cost per unit of a counter only where enough of the leaf’s kernels have it', () => {
    const keys = ['MatMul', 'gemm'];
    // 5 µs per launch and 20 ps per tile MAC; `slowSpilled` kernels spill into L3 and, for a reason
    // the counters do not hold, run 3× as long.
    const fit = (slowSpilled: number): number[] => {
      const plain = [1, 2, 3, 5, 8, 13, 21, 34, 55, 89].map((m) => ({
        info: kernel(keys, { tileMacs: m * 1e5 }),
        family: `f${m % 3}`,
        us: 5 + 2e-5 * m * 1e5,
      }));
      const spilled = Array.from({ length: slowSpilled }, (_, i) => ({
        info: kernel(keys, { tileMacs: (i + 1) * 4e5, spillElems: (i + 1) * 1e4 }),
        family: 'head',
        us: 3 * (5 + 2e-5 * (i + 1) * 4e5),
      }));
      return oneLeaf([...plain, ...spilled], 'MatMul');
    };
    // Two such kernels: least absolute error would price their spill to fit them exactly; not fitted.
    expect(fit(2)[F.spillElems]).toBe(0);
    expect(fit(2)[F.tileMacs]).toBeCloseTo(2e-5, 6);
    // Ten: the leaf charges for it.
    expect(fit(10)[F.spillElems]).toBeGreaterThan(0);
  });

  it('keeps a streaming key’s own per-element cost beyond its footprints, the class pricing the rest', () => {
    const leaky = ['LeakyRelu', 'cat:activation'];
    const relu = ['Relu', 'cat:activation'];
    // Per element 2 ns for LeakyRelu, 1 ns for Relu; 3 µs per launch plus 0.5 µs per doubling of the
    // model's weights. LeakyRelu is profiled in one model only (coldLaunch 4), Relu in many.
    const us = (perElemUs: number, elems: number, cold: number): number => 3 + 0.5 * cold + perElemUs * elems;
    const at = (k: string[], perElemUs: number, cold: number, elems: number): KernelSample => ({
      info: kernel(k, { coldLaunch: cold, outElems: elems, inElems: elems }),
      family: `${k[0]}${cold}`,
      us: us(perElemUs, elems, cold),
    });
    const sizes = [1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6, 2e6];
    const samples = [
      ...sizes.map((e) => at(leaky, 2e-3, 4, e)),
      ...[-1, 2, 4, 6, 8].flatMap((cold) => sizes.map((e) => at(relu, 1e-3, cold, e))),
    ];
    const params = fitKernelModels(samples);
    expect(params.models.LeakyRelu?.footprintRange).toEqual([4, 4]);
    // Three doublings colder than its one model: the key's 2 ns per element, the class's cold slope.
    const colder = kernel(leaky, { coldLaunch: 8, outElems: 4e5, inElems: 4e5 });
    expect(kernelModelUs(params, colder)! / us(2e-3, 4e5, 8)).toBeCloseTo(1, 1);
    // The class alone would have priced it as a Relu.
    const cls = params.models['cat:activation']!;
    expect(predictLeaf(leafOf(cls.tree, colder.size), colder.x) / us(2e-3, 4e5, 8)).toBeLessThan(0.6);
  });
});

const HOST = CALIBRATION_HOST;

describe('a host cost model with kernel models', () => {
  const { graph } = loadProfileTarget('zoo:mobilenetv2', [{ name: 'input', dims: [1, 3, 96, 96] }]);
  const device = buildHostDevice(HOST);
  const proc = device.processors[0];
  const roofline: ProcessorCostParams = {
    efficiency: { other: { points: [[0, 0.1]] } },
    bandwidthGBps: 1000,
    dispatchUs: 2,
    tileChannels: 1,
  };
  // Kernels that cost 4 µs + 20 ps per counted MAC or element, as if measured on two models.
  const synthetic = (n: (typeof graph.nodes)[number]): number => {
    const x = kernelInfo(n, graph).x;
    return 4 + 2e-5 * (x[F.tileMacs] + x[F.outElems]);
  };
  const kernels: HostKernelParams = fitKernelModels(
    graph.nodes.flatMap((n, i) => [
      { info: kernelInfo(n, graph), family: i % 2 ? 'a' : 'b', us: synthetic(n) },
    ]),
  );
  const model = createCostModel(device, {
    device: 'host',
    processors: { cpu: { ...roofline, kernels } },
    fittedFrom: 'test',
  });
  const plain = createCostModel(device, {
    device: 'host',
    processors: { cpu: roofline },
    fittedFrom: 'test',
  });
  const convs = graph.nodes.filter((n) => n.op === 'Conv');

  it('prices each node its kernel models cover by them, and the rest by the roofline', () => {
    let covered = 0;
    let within = 0;
    for (const n of convs) {
      const ms = model.opLatencyMs(n, graph, proc);
      const us = kernelLatencyUs(kernels, n, graph);
      if (us === undefined) {
        expect(ms).toBeCloseTo(plain.opLatencyMs(n, graph, proc), 12);
        continue;
      }
      covered++;
      expect(us).toBeCloseTo(ms * 1000, 9);
      if (Math.abs(us / synthetic(n) - 1) <= 0.1) within++;
    }
    expect(covered / convs.length).toBeGreaterThan(0.9);
    expect(within / covered).toBeGreaterThan(0.9);
  });

  it('scales a kernel prediction to the run context as the roofline does', () => {
    const n = convs[convs.length - 1];
    const base = model.opLatencyMs(n, graph, proc, { threads: 2 });
    expect(model.opLatencyMs(n, graph, proc, { threads: 2, freqShare: 0.5 })).toBeGreaterThan(base * 1.5);
    const half = model.opLatencyMs(n, graph, proc, { threads: 2, split: { axis: 'OC', fraction: 0.5 } });
    expect(half).toBeLessThan(base);
    expect(
      model.opLatencyMs(n, graph, proc, { threads: 2, concurrentBandwidthGBps: 1e6 }),
    ).toBeGreaterThanOrEqual(base);
    const breakdown = model.opBreakdown(n, graph, proc, { threads: 2 });
    expect(breakdown.latencyMs).toBeCloseTo(base, 12);
    expect(breakdown.dispatchMs + Math.max(breakdown.computeMs, breakdown.memoryMs)).toBeCloseTo(base, 12);
  });

  /** The fitted kernels with every key's tree transformed. */
  const withTrees = (f: (t: KernelTree) => KernelTree): HostKernelParams => ({
    ...kernels,
    models: Object.fromEntries(
      Object.entries(kernels.models).map(([key, m]) => [key, { ...m, tree: f(m.tree) }]),
    ),
  });
  /** A cost model whose one-thread entry has `kernels` and whose two-thread entry has `two`. */
  const withTwoThreads = (two: HostKernelParams) =>
    createCostModel(device, {
      device: 'host',
      processors: { 'cpu@1': { ...roofline, kernels }, 'cpu@2': { ...roofline, kernels: two } },
      fittedFrom: 'test',
    });
  const coveredConv = () => {
    const n = convs.find((c) => kernelLatencyUs(kernels, c, graph) !== undefined);
    if (!n) throw new Error('no covered conv');
    return n;
  };

  it('bounds a multi-thread kernel by the one-thread kernel plus the pool wake-up', () => {
    // A two-thread entry that charges every kernel 100 µs more than the one-thread entry.
    const slow = withTrees((t) => shifted(t, 100));
    const at = withTwoThreads;
    const n = coveredConv();
    const oneUs = 1000 * at(slow).opLatencyMs(n, graph, proc, { threads: 1 });
    // Unbounded, the two-thread entry's own model; bounded, at most one thread's time + 7 µs.
    expect(1000 * at(slow).opLatencyMs(n, graph, proc, { threads: 2 })).toBeCloseTo(oneUs + 100, 6);
    const bounded = at({ ...slow, serialWakeUs: 7 });
    expect(1000 * bounded.opLatencyMs(n, graph, proc, { threads: 2 })).toBeCloseTo(oneUs + 7, 6);
    // A bound above the entry's own prediction changes nothing.
    const loose = at({ ...slow, serialWakeUs: 500 });
    expect(1000 * loose.opLatencyMs(n, graph, proc, { threads: 2 })).toBeCloseTo(oneUs + 100, 6);
  });

  it('bounds a multi-thread kernel below by its share of the one-thread kernel', () => {
    // A two-thread entry ten times as fast as the one-thread entry: more than two threads can give.
    const fast = withTrees((t) => scaled(t, 0.1));
    const at = withTwoThreads;
    const n = coveredConv();
    const oneUs = 1000 * at(fast).opLatencyMs(n, graph, proc, { threads: 1 });
    expect(1000 * at(fast).opLatencyMs(n, graph, proc, { threads: 2 })).toBeCloseTo(oneUs * 0.1, 6);
    const floored = at({ ...fast, parallelFloorShare: 0.5 });
    expect(1000 * floored.opLatencyMs(n, graph, proc, { threads: 2 })).toBeCloseTo(oneUs * 0.5, 6);
    // With a wake-up bound as well, the floor still holds.
    const both = at({ ...fast, parallelFloorShare: 0.55, serialWakeUs: 1000 });
    expect(1000 * both.opLatencyMs(n, graph, proc, { threads: 2 })).toBeCloseTo(oneUs * 0.55, 6);
  });

  it('ignores kernel models fitted with other counters', () => {
    const stale = { ...kernels, features: ['launch', 'macs'] };
    const n = convs[0];
    expect(kernelLatencyUs(stale, n, graph)).toBeUndefined();
    const m = createCostModel(device, {
      device: 'host',
      processors: { cpu: { ...roofline, kernels: stale } },
      fittedFrom: 'test',
    });
    expect(m.opLatencyMs(n, graph, proc)).toBeCloseTo(plain.opLatencyMs(n, graph, proc), 12);
  });
});
