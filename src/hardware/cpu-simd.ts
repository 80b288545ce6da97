// The vector instruction set of the CPU hetero runs on, as Linux reports it (/proc/cpuinfo flags),
// for the host's kernel models (cost/mlas-sgemm-kernel.ts): ONNX Runtime's MLAS picks its SGEMM
// micro-kernel by it (MLAS platform.cpp: AVX-512F where the CPU has it and the OS saves its state —
// Linux lists the flag only then —, else FMA3 with AVX2, else AVX), and the micro-kernel's register
// tile decides how a product's shape turns into work.
import { readFileSync } from 'node:fs';

/** The x86 levels MLAS has SGEMM kernels for; 'other' for anything else (Arm, or unreadable). */
export type SimdLevel = 'avx512f' | 'fma3' | 'avx' | 'other';

/** The level MLAS would run on a CPU whose /proc/cpuinfo reads `cpuinfo` (its first `flags` line). */
export function parseSimdLevel(cpuinfo: string): SimdLevel {
  const line = /^flags\s*:(.*)$/m.exec(cpuinfo)?.[1];
  if (line === undefined) return 'other';
  const flags = new Set(line.trim().split(/\s+/));
  if (!flags.has('avx')) return 'other';
  if (!flags.has('fma') || !flags.has('avx2')) return 'avx';
  return flags.has('avx512f') ? 'avx512f' : 'fma3';
}

let cached: SimdLevel | undefined;

/** This machine's level (read once). */
export function hostSimd(): SimdLevel {
  if (cached === undefined) {
    try {
      cached = parseSimdLevel(readFileSync('/proc/cpuinfo', 'utf8'));
    } catch {
      cached = 'other';
    }
  }
  return cached;
}
