import { describe, expect, it } from 'vitest';
import { latencyStats } from '../../src/cost/measurements.js';
import { measurementRepeatability, type SessionMeasurement } from '../../src/cost/repeatability.js';

/** A profile of two nodes and a whole run, at the given times (ms). */
function profileAt(e2eMs: number, nodeMs: Record<string, number>): SessionMeasurement {
  return {
    endToEnd: latencyStats([e2eMs]),
    nodes: Object.entries(nodeMs).map(([node, ms]) => ({ node, op: 'Add', latency: latencyStats([ms]) })),
  };
}

describe('measurementRepeatability', () => {
  it('scores the odd-numbered sessions against the even-numbered ones, end to end and per node', () => {
    const r = measurementRepeatability([
      // Repeats end to end (5%); per node one of the two scored nodes repeats, one tiny node is not scored.
      {
        profile: { model: 'a', threads: 1 },
        halves: [
          profileAt(1, { x: 0.5, y: 0.1, tiny: 0.005 }),
          profileAt(1.05, { x: 0.52, y: 0.2, tiny: 0.009 }),
        ],
        sessionsMs: [1, 1.05, 1.4],
      },
      // 30% apart end to end.
      {
        profile: { model: 'b', threads: 2 },
        halves: [profileAt(2, { x: 1 }), profileAt(2.6, { x: 1.05 })],
        sessionsMs: [2, 2.6],
      },
      // Measured in one session: nothing to compare.
      { profile: { model: 'c', threads: 1 } },
    ])!;
    expect(r.profiles).toBe(2);
    expect(r.endToEnd.cases).toBe(2);
    expect(r.endToEnd.within10pct).toBeCloseTo(0.5, 9);
    expect(r.perOp.cases).toBe(3);
    expect(r.perOp.within10pct).toBeCloseTo(2 / 3, 9);
    expect(r.minOpUs).toBe(10);
    // By thread count: a (one thread) repeats end to end, b (two threads) does not.
    expect(r.byThreads.map((t) => [t.threads, t.endToEnd.within10pct, t.perOp.cases])).toEqual([
      [1, 1, 2],
      [2, 0, 1],
    ]);
    expect(r.worstSessionRatio).toBeCloseTo(1.4, 9);
    // A lower threshold scores the tiny node too (5 vs 9 µs: a miss).
    expect(
      measurementRepeatability(
        [
          {
            profile: { model: 'a', threads: 1 },
            halves: [profileAt(1, { tiny: 0.005 }), profileAt(1, { tiny: 0.009 })],
          },
        ],
        1,
      )!.perOp,
    ).toMatchObject({ cases: 1, within10pct: 0 });
  });

  it('is absent when no profile was measured in two sessions', () => {
    expect(
      measurementRepeatability([{ profile: { model: 'c', threads: 1 }, sessionsMs: [3] }]),
    ).toBeUndefined();
  });
});
