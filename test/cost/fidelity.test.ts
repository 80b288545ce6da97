import { describe, expect, it } from 'vitest';
import { relativeError, summarizeFidelity } from '../../src/cost/fidelity.js';
import { latencyStats, quantile } from '../../src/cost/measurements.js';

describe('summarizeFidelity', () => {
  it('counts cases within ±10% and averages the absolute relative error', () => {
    const s = summarizeFidelity([
      { label: 'a', predictedMs: 10.5, measuredMs: 10 }, // 5%
      { label: 'b', predictedMs: 9, measuredMs: 10 }, // 10%: inside
      { label: 'c', predictedMs: 15, measuredMs: 10 }, // 50%
      { label: 'd', predictedMs: 2, measuredMs: 4 }, // 50%
    ]);
    expect(s.cases).toBe(4);
    expect(s.within10pct).toBeCloseTo(0.5, 9);
    expect(s.mape).toBeCloseTo((0.05 + 0.1 + 0.5 + 0.5) / 4, 9);
  });

  it('skips cases with no measurement or a non-finite prediction', () => {
    const s = summarizeFidelity([
      { label: 'a', predictedMs: 1, measuredMs: 0 },
      { label: 'b', predictedMs: Infinity, measuredMs: 1 },
      { label: 'c', predictedMs: 1, measuredMs: 1 },
    ]);
    expect(s).toEqual({ cases: 1, within10pct: 1, mape: 0 });
    expect(summarizeFidelity([])).toEqual({ cases: 0, within10pct: 0, mape: 0 });
  });

  it('relative error is symmetric in sign', () => {
    expect(relativeError({ predictedMs: 12, measuredMs: 10 })).toBeCloseTo(0.2, 9);
    expect(relativeError({ predictedMs: 8, measuredMs: 10 })).toBeCloseTo(0.2, 9);
  });
});

describe('latencyStats', () => {
  it('takes median and p10/p90 by interpolation and keeps samples in run order', () => {
    const s = latencyStats([5, 1, 4, 2, 3]);
    expect(s.medianMs).toBe(3);
    expect(s.p10Ms).toBeCloseTo(1.4, 9);
    expect(s.p90Ms).toBeCloseTo(4.6, 9);
    expect(s.samplesMs).toEqual([5, 1, 4, 2, 3]);
    expect(quantile([], 0.5)).toBe(0);
  });
});
