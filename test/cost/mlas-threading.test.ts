import { describe, expect, it } from 'vitest';
import { convSplit, gemmSplit, type ConvShape } from '../../src/cost/mlas-threading.js';
import { FEATURE_INDEX, kernelInfo, KERNEL_FEATURES } from '../../src/cost/host-kernel-features.js';
import { kernelLatencyUs, type HostKernelParams } from '../../src/cost/host-kernel-model.js';
import { conv } from './model-helpers.js';

const F = FEATURE_INDEX;

describe('how MLAS shares an SGEMM between threads', () => {
  it('runs a product under 64 Ki multiply-adds on the calling thread alone', () => {
    const s = gemmSplit(32, 16, 127, 1, 2); // 65,024 multiply-adds
    expect(s.threads).toBe(1);
    expect(s.tileShare).toBe(1);
    expect(gemmSplit(32, 16, 128, 1, 2).threads).toBe(2); // 65,536: one thread asked for each
    expect(gemmSplit(512, 512, 512, 1, 1).threads).toBe(1);
  });

  it('splits the longer of M and N: N in 16-column strides, M by rows', () => {
    // N = 196 pixels of a 14×14 map: 13 strides, 7 on the busiest thread (112 of 196 columns).
    const byN = gemmSplit(64, 196, 64, 1, 2);
    expect(byN.threads).toBe(2);
    expect(byN.tileShare).toBeCloseTo(7 / 13, 12);
    expect(byN.bShare).toBeCloseTo(112 / 196, 12);
    expect(byN.outShare).toBeCloseTo(112 / 196, 12);
    expect(byN.aShare).toBe(1); // every thread reads all of A
    const byM = gemmSplit(101, 50, 64, 1, 2);
    expect(byM.aShare).toBeCloseTo(51 / 101, 12);
    expect(byM.bShare).toBe(1); // every thread packs all of B
    // One 16-column stride cannot be split, whatever the work.
    expect(gemmSplit(8, 16, 4096, 1, 2).threads).toBe(1);
  });

  it('shares a batch of small products out whole', () => {
    const s = gemmSplit(50, 50, 64, 12, 2); // 12 attention heads
    expect(s.threads).toBe(2);
    expect(s.callShare).toBe(0.5);
    expect(s.tileShare).toBe(0.5);
    expect(gemmSplit(50, 50, 64, 3, 2).callShare).toBeCloseTo(2 / 3, 12);
  });
});

describe('how MLAS shares a conv between threads', () => {
  const shape = (s: Partial<ConvShape>): ConvShape => ({
    batch: 1,
    groups: 1,
    filters: 32,
    pixels: 64,
    depth: 288,
    taps: 9,
    unitStrideNoPad: false,
    ...s,
  });

  it('expands serially and splits the SGEMM by rows when filters outnumber pixels', () => {
    // DenseNet's 3×3 convs of 128 channels to 32 filters on a 4×4 map.
    const s = convSplit(shape({ filters: 32, pixels: 16, depth: 1152 }), 2);
    expect(s.threads).toBe(2);
    expect(s.im2colShare).toBe(1);
    expect(s.aShare).toBe(0.5);
    expect(s.bShare).toBe(1);
  });

  it('splits the pixels in 16-aligned strides, each expanded by its thread', () => {
    const s = convSplit(shape({ filters: 32, pixels: 100, depth: 288 }), 2);
    expect(s.threads).toBe(2);
    expect(s.im2colShare).toBeCloseTo(64 / 100, 12); // ⌈100 / 2⌉ = 50, aligned up to 64
    expect(s.tileShare).toBeCloseTo(4 / 7, 12);
    expect(s.aShare).toBe(1);
    // A map of one stride runs on one thread.
    expect(convSplit(shape({ filters: 8, pixels: 16, depth: 4608 }), 2).threads).toBe(1);
  });

  it('shares whole groups out for a grouped conv, and runs a pointwise conv as its SGEMM', () => {
    const dw = convSplit(shape({ groups: 3, filters: 1, depth: 9 }), 2);
    expect(dw.threads).toBe(2);
    expect(dw.im2colShare).toBeCloseTo(2 / 3, 12);
    const pointwise = shape({ filters: 64, pixels: 196, depth: 64, taps: 1, unitStrideNoPad: true });
    expect(convSplit(pointwise, 2)).toEqual(gemmSplit(64, 196, 64, 1, 2));
  });
});

describe('kernel counters per thread count', () => {
  it('counts an im2col conv for its busiest thread, with the parallel section it opens', () => {
    const { n, g } = conv(16, 32, 10, 3); // N = 100 pixels: strides of 64 and 36
    const one = kernelInfo(n, g);
    const two = kernelInfo(n, g, 2);
    expect(two.serial).toBe(one);
    expect(one.x[F.forks]).toBe(0);
    expect(two.x[F.forks]).toBe(1);
    expect(two.x[F.im2colElems]).toBeCloseTo(one.x[F.im2colElems] * 0.64, 6);
    expect(two.x[F.tileMacs]).toBeCloseTo((one.x[F.tileMacs] * 4) / 7, 6);
    expect(two.x[F.weightElems]).toBe(one.x[F.weightElems]);
    expect(two.size).toBe(two.x[F.tileMacs]);
  });

  it('keeps the one-thread counters of a conv MLAS runs unsplit, and of other kernels', () => {
    const small = conv(512, 8, 4, 3); // 590 K multiply-adds on 16 pixels: one stride
    expect(kernelInfo(small.n, small.g, 2)).toBe(kernelInfo(small.n, small.g, 1));
    const pointwise = conv(64, 64, 14, 1);
    expect(kernelInfo(pointwise.n, pointwise.g, 2)).toBe(kernelInfo(pointwise.n, pointwise.g));
  });

  it('bounds a two-thread prediction by the one-thread model on the serial counters', () => {
    const { n, g } = conv(16, 32, 10, 3);
    // One µs per thousand expanded elements, nothing else.
    const coef = KERNEL_FEATURES.map((f) => (f === 'im2colElems' ? 1e-3 : 0));
    const models = {
      im2col: { tree: { coef }, sizeRange: [1, 1e12] as [number, number], samples: 9, families: 3 },
    };
    const serial: HostKernelParams = { features: [...KERNEL_FEATURES], models };
    const two: HostKernelParams = { ...serial, threads: 2, parallelFloorShare: 0.9 };
    const serialUs = kernelInfo(n, g).x[F.im2colElems] * 1e-3;
    // Unbounded, the busiest thread expands 64 of the 100 pixels; the floor is 0.9 of the serial time.
    expect(kernelLatencyUs(two, n, g)).toBeCloseTo(0.64 * serialUs, 9);
    expect(kernelLatencyUs(two, n, g, serial)).toBeCloseTo(0.9 * serialUs, 9);
  });
});
