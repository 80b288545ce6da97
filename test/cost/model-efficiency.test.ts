// Efficiency curves: interpolation, flat ends, and the clamp that keeps latency monotone in size.
import { describe, expect, it } from 'vitest';
import { compileCurve, efficiencyAt, saturatingCurve } from '../../src/cost/efficiency.js';

describe('efficiency curves', () => {
  it('interpolate as a power law between points and hold the ends flat', () => {
    const c = compileCurve({
      points: [
        [6, 0.1],
        [8, 0.4],
      ],
    });
    expect(efficiencyAt(c, 1e3)).toBeCloseTo(0.1, 12);
    expect(efficiencyAt(c, 1e6)).toBeCloseTo(0.1, 12);
    expect(efficiencyAt(c, 1e7)).toBeCloseTo(0.2, 12); // geometric midpoint
    expect(efficiencyAt(c, 1e8)).toBeCloseTo(0.4, 12);
    expect(efficiencyAt(c, 1e12)).toBeCloseTo(0.4, 12);
    expect(efficiencyAt(c, 0)).toBeCloseTo(0.1, 12);
  });

  it('clamp a rise steeper than FLOPs, so that FLOPs / efficiency never decreases', () => {
    const c = compileCurve({
      points: [
        [6, 0.001],
        [7, 0.5],
        [5, 0.0005],
      ],
    }); // unsorted, too steep
    let prev = 0;
    for (let lx = 4; lx <= 9; lx += 0.05) {
      const f = 10 ** lx;
      const time = f / efficiencyAt(c, f);
      expect(time).toBeGreaterThanOrEqual(prev * (1 - 1e-12));
      prev = time;
    }
    expect(efficiencyAt(c, 1e7)).toBeCloseTo(0.01, 9);
  });

  it('compile unordered or non-finite points as the same curve sorted and cleaned', () => {
    const clean = compileCurve({
      points: [
        [5, 0.05],
        [6, 0.2],
        [7, 2],
      ],
    });
    const messy = compileCurve({
      points: [
        [7, 2],
        [Number.NaN, 0.3],
        [5, 0.05],
        [6, Number.POSITIVE_INFINITY],
        [6, 0.2],
      ],
    });
    expect(messy).toEqual(clean);
    expect(clean.highEff).toBe(1); // above 1 is clamped to the whole peak
  });

  it('saturating (Hockney n½) curves reach half their asymptote at halfFlops', () => {
    const c = compileCurve(saturatingCurve(0.5, 1e7));
    expect(efficiencyAt(c, 1e7)).toBeCloseTo(0.25, 9);
    expect(efficiencyAt(c, 1e11)).toBeCloseTo(0.5, 3);
  });
});
