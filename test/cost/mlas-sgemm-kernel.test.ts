import { describe, expect, it } from 'vitest';
import { rowStrips, sgemmKernelFor } from '../../src/cost/mlas-sgemm-kernel.js';

describe("MLAS' SGEMM micro-kernel", () => {
  it('covers the rows of A in the strips each instruction set takes', () => {
    const avx512 = sgemmKernelFor('avx512f');
    // 12 while 12 remain, then 6, then the rest at once.
    expect([1, 5, 6, 11, 12, 17, 18, 23, 24, 25].map((m) => rowStrips(avx512, m))).toEqual([
      1, 1, 1, 2, 1, 2, 2, 3, 2, 3,
    ]);
    const fma3 = sgemmKernelFor('fma3');
    expect([1, 5, 6, 7, 12, 13].map((m) => rowStrips(fma3, m))).toEqual([1, 1, 1, 2, 2, 3]);
    // 4, then 2, then 1: 7 rows = 4 + 2 + 1.
    const avx = sgemmKernelFor('avx');
    expect([1, 3, 4, 7, 8].map((m) => rowStrips(avx, m))).toEqual([1, 2, 1, 3, 2]);
    expect(rowStrips(avx512, 0)).toBe(0);
  });

  it('works whole vectors of columns: 16 with AVX-512, 8 with AVX2', () => {
    expect(sgemmKernelFor('avx512f').vectorColumns).toBe(16);
    expect(sgemmKernelFor('fma3').vectorColumns).toBe(8);
  });
});
