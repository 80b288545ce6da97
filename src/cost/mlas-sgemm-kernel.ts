// The register tile of MLAS' x86 SGEMM micro-kernel, by the instruction set it runs with
// (hardware/cpu-simd.ts), so that the host's kernel counters (host-kernel-features.ts) count a
// product's work in the steps that kernel takes. Read in MLAS (x86_64 FgemmKernel*Common.h), our own
// restatement: each call of the kernel takes a strip of A's rows and walks B's packed panel across
// all of N, two vectors of columns per step (a last narrow part in one, masked); the strip is
// - AVX-512F: 12 rows while 12 remain, then 6 while 6 remain, then all the rest (1–5) at once;
// - FMA3: 6 rows while 6 remain, then the rest (1–5);
// - AVX: 4 rows while 4 remain, then 2, then 1.
// On other CPUs (Arm's NEON kernels were not read) the FMA3 tile is assumed.
import type { SimdLevel } from '../hardware/cpu-simd.js';

export interface SgemmKernel {
  /** Columns of C in one vector register: a product's N is worked in whole vectors. */
  readonly vectorColumns: number;
  /**
   * Strip heights the kernel takes while that many rows remain, tallest first; a last part shorter
   * than the smallest runs as one strip.
   */
  readonly stripRows: readonly number[];
}

const KERNELS: Record<SimdLevel, SgemmKernel> = {
  avx512f: { vectorColumns: 16, stripRows: [12, 6] },
  fma3: { vectorColumns: 8, stripRows: [6] },
  avx: { vectorColumns: 8, stripRows: [4, 2, 1] },
  other: { vectorColumns: 8, stripRows: [6] },
};

export function sgemmKernelFor(simd: SimdLevel): SgemmKernel {
  return KERNELS[simd];
}

/** The kernel calls (row strips) that cover `m` rows of A. */
export function rowStrips(kernel: SgemmKernel, m: number): number {
  let rest = Math.max(0, Math.floor(m));
  let strips = 0;
  for (const rows of kernel.stripRows) {
    const taken = Math.floor(rest / rows);
    strips += taken;
    rest -= taken * rows;
  }
  return rest > 0 ? strips + 1 : strips;
}
