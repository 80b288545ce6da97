import { describe, expect, it } from 'vitest';
import { parseSimdLevel } from '../../src/hardware/cpu-simd.js';

const cpuinfo = (flags: string): string =>
  `processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: ${flags}\nbugs\t\t: sysret_ss_attrs\n\nprocessor\t: 1\nflags\t\t: sse\n`;

describe('CPU SIMD level', () => {
  it('reads the level MLAS picks its SGEMM kernel by from the first flags line', () => {
    expect(parseSimdLevel(cpuinfo('fpu sse sse2 avx fma avx2 avx512f avx512dq'))).toBe('avx512f');
    expect(parseSimdLevel(cpuinfo('fpu sse sse2 avx fma avx2'))).toBe('fma3');
    // AVX-512 without FMA3 and AVX2 does not exist; FMA3 needs both flags.
    expect(parseSimdLevel(cpuinfo('fpu sse avx avx2'))).toBe('avx');
    expect(parseSimdLevel(cpuinfo('fpu sse avx fma'))).toBe('avx');
    expect(parseSimdLevel(cpuinfo('fpu sse sse2'))).toBe('other');
  });

  it('takes an unreadable or foreign cpuinfo (Arm lists Features, not flags) as other', () => {
    expect(parseSimdLevel('')).toBe('other');
    expect(parseSimdLevel('processor\t: 0\nFeatures\t: fp asimd evtstrm aes\n')).toBe('other');
    // A flag that merely contains the name does not count.
    expect(parseSimdLevel(cpuinfo('avxx fmaa avx2x avx512fx'))).toBe('other');
  });
});
