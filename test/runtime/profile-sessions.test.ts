import { describe, expect, it } from 'vitest';
import { latencyStats, type ModelProfile } from '../../src/cost/measurements.js';
import { inferShapes } from '../../src/graph/shape-inference.js';
import { GraphBuilder } from '../../src/zoo/builder.js';
import {
  denseNodes,
  fastestOf,
  mergeSessions,
  parallelMerge,
  SETTLE_MEAN_SHARE,
  SETTLE_QUIETEST_SHARE,
  sessionsSettled,
} from '../../src/runtime/profile-sessions.js';

/**
 * A profile of two convs (the second run as two kernels) and an Add whose times are `scale` × the
 * base ones.
 */
function session(
  threads: number,
  scale: { run?: number; a?: number; b?: number; c?: number },
  runs = 4,
): ModelProfile {
  const times = (ms: number, k: number): number[] =>
    Array.from({ length: runs }, (_, i) => ms * k * (1 + i / 10));
  const run = scale.run ?? 1;
  const b = scale.b ?? 1;
  return {
    model: 'm',
    fingerprint: 'f',
    inputs: { x: [1, 4] },
    threads,
    runs,
    endToEnd: latencyStats(times(2, run)),
    profiledEndToEnd: latencyStats(times(2.2, run)),
    nodes: [
      { node: 'a', op: 'Conv', latency: latencyStats(times(1, scale.a ?? 1)) },
      {
        node: 'b',
        op: 'Conv',
        latency: latencyStats(times(0.5, b)),
        kernels: [
          { name: 'b', latency: latencyStats(times(0.4, b)) },
          { name: 'b__relu', latency: latencyStats(times(0.1, b)) },
        ],
      },
      { node: 'c', op: 'Add', latency: latencyStats(times(0.2, scale.c ?? 1)) },
    ],
    mappedShare: 1,
    unmappedEvents: [{ name: `copy-${run}`, medianMs: 0.01 }],
    runtime: { name: 'onnxruntime-node', version: 'test', graphOptimization: 'disabled' },
    measuredAt: '2026-11-27T00:00:00.000Z',
  };
}

const estimate = (p: ModelProfile, node: string): number =>
  p.nodes.find((n) => n.node === node)!.latency.estimateMs;

/** Nodes a and b are convs, c is an Add. */
const DENSE = new Set(['a', 'b']);

describe('mergeSessions', () => {
  it('keeps, at one thread, the quietest run and each node its fastest session', () => {
    const quiet = session(1, { run: 1, a: 1.3 });
    const loud = session(1, { run: 1.4, a: 1, b: 1.2, c: 0.8 });
    const merged = mergeSessions([loud, quiet], DENSE);
    expect(merged).toEqual(fastestOf(loud, quiet));
    expect(merged.endToEnd).toEqual(quiet.endToEnd);
    expect(merged.unmappedEvents).toEqual(quiet.unmappedEvents);
    expect(estimate(merged, 'a')).toBe(estimate(loud, 'a'));
    expect(estimate(merged, 'b')).toBe(estimate(quiet, 'b'));
    expect(estimate(merged, 'c')).toBe(estimate(loud, 'c'));
  });

  it('takes, at more threads, the mean of the runs and dense kernels, of a streaming one its fastest', () => {
    const sessions = [
      session(2, { c: 1.2 }),
      session(2, { run: 1.5, a: 1.5, b: 1.5, c: 0.9 }),
      session(2, { run: 1.3, b: 0.7, c: 1.4 }),
    ];
    const merged = mergeSessions(sessions, DENSE);
    expect(merged).toEqual(parallelMerge(sessions, DENSE));
    const mean = (f: (p: ModelProfile) => number): number => sessions.reduce((s, p) => s + f(p), 0) / 3;
    expect(merged.endToEnd.estimateMs).toBeCloseTo(
      mean((p) => p.endToEnd.estimateMs),
      12,
    );
    expect(merged.profiledEndToEnd.estimateMs).toBeCloseTo(
      mean((p) => p.profiledEndToEnd.estimateMs),
      12,
    );
    expect(estimate(merged, 'a')).toBeCloseTo(
      mean((p) => estimate(p, 'a')),
      12,
    );
    expect(estimate(merged, 'b')).toBeCloseTo(
      mean((p) => estimate(p, 'b')),
      12,
    );
    // Not the fastest session's: the slow one counts.
    expect(merged.endToEnd.estimateMs).toBeGreaterThan(sessions[0]!.endToEnd.estimateMs * 1.2);
    // The Add as measured in the session it ran fastest in (the second), whole.
    expect(merged.nodes[2]).toEqual(sessions[1]!.nodes[2]);
    // A fused node's kernels are each the mean of the same kernel in every session.
    const kernels = merged.nodes[1]!.kernels!;
    expect(kernels.map((k) => k.name)).toEqual(['b', 'b__relu']);
    const kernelMean = (i: number): number => mean((p) => p.nodes[1]!.kernels![i]!.latency.estimateMs);
    expect(kernels[0]!.latency.estimateMs).toBeCloseTo(kernelMean(0), 12);
    expect(kernels[1]!.latency.estimateMs).toBeCloseTo(kernelMean(1), 12);
    // The spread is every session's runs pooled; the rest is the quietest session's.
    expect(merged.endToEnd.samplesMs).toHaveLength(12);
    expect(merged.nodes[0]!.latency.samplesMs).toHaveLength(12);
    expect(merged.unmappedEvents).toEqual(sessions[0]!.unmappedEvents);
    expect(merged.nodes.map((n) => n.node)).toEqual(['a', 'b', 'c']);
  });

  it('leaves one session as it is and refuses none', () => {
    const only = session(2, { run: 1.2 });
    expect(mergeSessions([only], DENSE).endToEnd.estimateMs).toBeCloseTo(only.endToEnd.estimateMs, 12);
    expect(mergeSessions([session(1, {})], DENSE)).toEqual(session(1, {}));
    expect(() => mergeSessions([], DENSE)).toThrow(/no sessions/);
  });
});

describe('denseNodes', () => {
  it('names the convs and MatMuls of a graph, not its streaming ops', () => {
    const b = new GraphBuilder('g');
    const x = b.input('x', [1, 8, 6, 6], { channels: 8 });
    const y = b.relu(b.conv(x, { out: 8, kernel: 3 }, 'conv'));
    const z = b.add(y, b.conv(y, { out: 8, kernel: 3, group: 8 }, 'dw'));
    b.output(b.linear(b.reshape(z, [1, 288], 288), 4, 'fc'));
    const graph = inferShapes(b.build(), {}).graph;
    const dense = denseNodes(graph);
    expect([...dense].sort()).toEqual(['conv', 'dw', 'fc']);
    const streaming = graph.nodes.filter((n) => !dense.has(n.id)).map((n) => n.op);
    expect(streaming).toEqual(expect.arrayContaining(['Relu', 'Add', 'Reshape']));
  });

  it('settles a one-thread profile once its quietest run was seen twice', () => {
    const one = (run: number): ModelProfile => session(1, { run });
    expect(sessionsSettled([one(1)])).toBe(false);
    expect(sessionsSettled([one(1.3), one(1)])).toBe(false);
    // A third session within the tolerance of the quietest settles it, whatever the slow one did.
    expect(sessionsSettled([one(1.3), one(1), one(1 + SETTLE_QUIETEST_SHARE * 0.9)])).toBe(true);
    expect(sessionsSettled([one(1.3), one(1), one(1 + SETTLE_QUIETEST_SHARE * 1.1)])).toBe(false);
  });

  it('settles a multi-thread profile once the standard error of its mean run is small', () => {
    const two = (run: number): ModelProfile => session(2, { run });
    // Placement flipping between 1.0 and 1.5: the standard error of the mean of eight is 7.6% of it.
    const flips = (n: number): ModelProfile[] => Array.from({ length: n }, (_, i) => two(i % 2 ? 1.5 : 1));
    expect(SETTLE_MEAN_SHARE).toBeLessThan(0.076);
    expect(sessionsSettled(flips(2))).toBe(false);
    expect(sessionsSettled(flips(8))).toBe(false);
    // Three sessions within ±2% of each other: 1.0% of the mean.
    expect(sessionsSettled([two(1), two(1.02), two(0.99)])).toBe(true);
  });
});
