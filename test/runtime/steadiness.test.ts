import { describe, expect, it } from 'vitest';
import {
  measureSteadiness,
  steadinessLine,
  summarizeWindows,
  UNSTEADY_SPREAD,
} from '../../src/runtime/steadiness.js';

describe('machine steadiness', () => {
  it('summarises window speeds as p90/p10 and slowest/fastest', () => {
    const steady = summarizeWindows([100, 100, 100, 100]);
    expect(steady.spread).toBe(1);
    expect(steady.maxOverMin).toBe(1);
    // 11 windows: p10 is the second fastest, p90 the second slowest.
    const windows = [100, 110, 120, 130, 140, 150, 160, 170, 180, 190, 400];
    const s = summarizeWindows(windows);
    expect(s.spread).toBeCloseTo(190 / 110, 10);
    expect(s.maxOverMin).toBe(4);
    expect(s.windowsUs).toEqual(windows);
  });

  it('ignores windows without runs and refuses fewer than two', () => {
    expect(summarizeWindows([Number.NaN, 200, 100]).maxOverMin).toBe(2);
    expect(() => summarizeWindows([100])).toThrow(/two windows/);
    expect(() => summarizeWindows([0, Number.NaN])).toThrow(/two windows/);
  });

  it('warns only above the unsteady spread', () => {
    const probe = (spread: number) => ({ windowsUs: [1, spread], spread, maxOverMin: spread });
    const line = (spread: number) =>
      steadinessLine({ seconds: 10, windowMs: 500, memoryBound: probe(spread), computeBound: probe(1.05) });
    expect(line(1.05)).not.toMatch(/unsteady/);
    expect(line(UNSTEADY_SPREAD + 0.5)).toMatch(/streaming Adds 1\.70×.*unsteady/);
  });

  it('measures both probes on ONNX Runtime, one speed per window', async () => {
    const s = await measureSteadiness({ seconds: 1, windowMs: 250 });
    for (const p of [s.memoryBound, s.computeBound]) {
      expect(p.windowsUs.length).toBeGreaterThanOrEqual(3);
      expect(p.windowsUs.every((w) => w > 0)).toBe(true);
      expect(p.spread).toBeGreaterThanOrEqual(1);
      expect(p.maxOverMin).toBeGreaterThanOrEqual(p.spread);
    }
    await expect(measureSteadiness({ seconds: 0.4, windowMs: 250 })).rejects.toThrow(/two windows/);
  });
});
