import { describe, expect, it } from 'vitest';
import { relativeError, summarizeFidelity } from '../../src/cost/fidelity.js';
import {
  ESTIMATE_QUANTILE,
  estimateOf,
  kernelLatencyStats,
  latencyStats,
  quantile,
  quantileCi,
  relativeCiHalfWidth,
  tickQuantile,
} from '../../src/cost/measurements.js';

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
    // a and b hold 20 of the 34 ms measured.
    expect(s.timeWithin10pct).toBeCloseTo(20 / 34, 9);
  });

  it('weighs the time share by measured time: one long op within ±10% outweighs many short misses', () => {
    const short = Array.from({ length: 9 }, (_, i) => ({
      label: `s${i}`,
      predictedMs: 0.02,
      measuredMs: 0.01,
    }));
    const s = summarizeFidelity([...short, { label: 'conv', predictedMs: 2.05, measuredMs: 2 }]);
    expect(s.within10pct).toBeCloseTo(0.1, 9);
    expect(s.timeWithin10pct).toBeCloseTo(2 / 2.09, 9);
  });

  it('skips cases with no measurement or a non-finite prediction', () => {
    const s = summarizeFidelity([
      { label: 'a', predictedMs: 1, measuredMs: 0 },
      { label: 'b', predictedMs: Infinity, measuredMs: 1 },
      { label: 'c', predictedMs: 1, measuredMs: 1 },
    ]);
    expect(s).toEqual({ cases: 1, within10pct: 1, mape: 0, timeWithin10pct: 1 });
    expect(summarizeFidelity([])).toEqual({ cases: 0, within10pct: 0, mape: 0, timeWithin10pct: 0 });
  });

  it('gives a 95% interval over the cases’ groups only when every case has one and there are two', () => {
    const hit = (group: string) => ({ label: group, predictedMs: 1, measuredMs: 1, group });
    const miss = (group: string) => ({ label: group, predictedMs: 2, measuredMs: 1, group });
    // No groups (the phone fits' cases), one group, or a case without one: no interval.
    expect(summarizeFidelity([hit('a'), miss('a')]).within10pctInterval).toBeUndefined();
    expect(summarizeFidelity([hit('a'), { ...miss('b'), group: undefined }]).within10pctInterval).toBe(
      undefined,
    );
    // Families that all hit as often: every resample gives the same share.
    const even = summarizeFidelity(['a', 'b', 'c'].flatMap((g) => [hit(g), miss(g)]));
    expect(even.within10pctInterval).toEqual([0.5, 0.5]);
  });

  it('widens with how differently the groups fare, and counts a group’s cases together', () => {
    // Ten families of 20 ops: five hit every op, five miss every one. Resampling families moves the
    // share a lot; had the 200 ops been independent, it would hardly move.
    const cases = Array.from({ length: 10 }, (_, f) =>
      Array.from({ length: 20 }, (_, i) => ({
        label: `f${f} op${i}`,
        predictedMs: f < 5 ? 1 : 2,
        measuredMs: 1,
        group: `f${f}`,
      })),
    ).flat();
    const s = summarizeFidelity(cases);
    expect(s.within10pct).toBeCloseTo(0.5, 9);
    const [lo, hi] = s.within10pctInterval!;
    expect(lo).toBeLessThan(0.3);
    expect(hi).toBeGreaterThan(0.7);
    expect(lo).toBeLessThanOrEqual(s.within10pct);
    expect(hi).toBeGreaterThanOrEqual(s.within10pct);
    // Reproducible: a fixed seed, so the same cases give the same report.
    expect(summarizeFidelity(cases).within10pctInterval).toEqual([lo, hi]);
    // The same ops, each its own group: a far narrower interval.
    const independent = summarizeFidelity(cases.map((c) => ({ ...c, group: c.label })));
    const [ilo, ihi] = independent.within10pctInterval!;
    expect(ihi - ilo).toBeLessThan((hi - lo) / 3);
  });

  it('relative error is symmetric in sign', () => {
    expect(relativeError({ predictedMs: 12, measuredMs: 10 })).toBeCloseTo(0.2, 9);
    expect(relativeError({ predictedMs: 8, measuredMs: 10 })).toBeCloseTo(0.2, 9);
  });
});

describe('kernelLatencyStats (durations truncated to whole µs)', () => {
  const us = (values: number[]): number[] => values.map((v) => v / 1000);

  it('reads a sample k as anywhere in [k, k+1) µs: undisturbed, truncation costs half a tick', () => {
    // 40 runs of a kernel whose time spreads evenly over [10, 12) µs: truncated, half read 10, half 11.
    const truth = Array.from({ length: 40 }, (_, i) => 10 + (2 * i) / 40);
    const truncated = us(truth.map(Math.floor));
    const trueP20 = quantile(truth, ESTIMATE_QUANTILE);
    expect(
      quantile(
        [...truncated].sort((a, b) => a - b),
        ESTIMATE_QUANTILE,
      ) * 1000,
    ).toBe(10);
    expect(kernelLatencyStats(truncated).estimateMs * 1000).toBeCloseTo(10.4, 9);
    expect(Math.abs(kernelLatencyStats(truncated).estimateMs * 1000 - trueP20)).toBeLessThan(0.1);
  });

  it('moves continuously with the share of runs in each tick, not in whole ticks', () => {
    // All at one tick: the p20 of a tick's width. A fifth at 10 and the rest at 11: the p20 is the top of
    // the 10 µs tick.
    expect(tickQuantile(us([10, 10, 10, 10, 10]), 0.2, 0.001) * 1000).toBeCloseTo(10.2, 9);
    expect(tickQuantile(us([10, 11, 11, 11, 11]), 0.2, 0.001) * 1000).toBeCloseTo(11, 9);
    expect(tickQuantile(us([11, 11, 11, 11, 11]), 0.2, 0.001) * 1000).toBeCloseTo(11.2, 9);
    expect(tickQuantile([], 0.2, 0.001)).toBe(0);
  });

  it('keeps the other statistics and the samples as latencyStats has them', () => {
    const s = kernelLatencyStats(us([12, 10, 11]));
    expect(s.medianMs).toBeCloseTo(0.011, 12);
    expect(s.samplesMs).toEqual(us([12, 10, 11]));
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

  it('estimates with the low quantile, which one-sided interference leaves alone', () => {
    const s = latencyStats([5, 1, 4, 2, 3]);
    expect(s.estimateMs).toBeCloseTo(quantile([1, 2, 3, 4, 5], ESTIMATE_QUANTILE), 12);
    expect(s.estimateMs).toBeLessThan(s.medianMs);
    // Preempted runs (the slow tail) move the median, not the p20.
    const steady = Array.from({ length: 40 }, (_, i) => 10 + (i % 5) * 0.01);
    const disturbed = steady.map((x, i) => (i % 2 === 0 ? x * 3 : x));
    expect(latencyStats(disturbed).estimateMs).toBeCloseTo(latencyStats(steady).estimateMs, 1);
    expect(latencyStats(disturbed).medianMs).toBeGreaterThan(1.5 * latencyStats(steady).medianMs);
  });

  it('falls back to the median for a profile from before estimates', () => {
    expect(estimateOf({ medianMs: 3 })).toBe(3);
    expect(estimateOf({ medianMs: 3, estimateMs: 2 })).toBe(2);
  });
});

describe('quantileCi', () => {
  it('brackets the quantile and narrows with more runs', () => {
    const draw = (n: number): number[] => Array.from({ length: n }, (_, i) => 10 + ((i * 7919) % 101) / 10);
    for (const n of [10, 40, 160]) {
      const sorted = [...draw(n)].sort((a, b) => a - b);
      const [lo, hi] = quantileCi(sorted, 0.2);
      expect(lo).toBeLessThanOrEqual(quantile(sorted, 0.2));
      expect(hi).toBeGreaterThanOrEqual(quantile(sorted, 0.2));
    }
    expect(relativeCiHalfWidth(draw(160))).toBeLessThan(relativeCiHalfWidth(draw(10)));
    expect(relativeCiHalfWidth([])).toBe(Infinity);
    expect(relativeCiHalfWidth([2, 2, 2, 2])).toBe(0);
  });
});
