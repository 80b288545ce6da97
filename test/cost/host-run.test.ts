import { describe, expect, it } from 'vitest';
import { fitRunOverhead, plainKernelMs, refitKernelScale } from '../../src/cost/host-run.js';
import { latencyStats, type ModelProfile } from '../../src/cost/measurements.js';
import type { Graph } from '../../src/graph/types.js';

describe('plainKernelMs', () => {
  it('takes the profiler’s in-span cost off a span, but never below min(span, floor)', () => {
    const o = { spanInflationMs: 0.003, kernelFloorMs: 0.001 };
    expect(plainKernelMs(0.1, o)).toBeCloseTo(0.097, 12);
    expect(plainKernelMs(0.0035, o)).toBeCloseTo(0.001, 12);
    expect(plainKernelMs(0.0005, o)).toBeCloseTo(0.0005, 12);
    expect(plainKernelMs(0.05, {})).toBe(0.05);
  });
});

/** A flat graph of `n` nodes and a profile whose kernels took `spansMs` and whose plain runs took `plainMs`. */
function profiled(name: string, spansMs: number[], plainMs: number): { graph: Graph; profile: ModelProfile } {
  const nodes = spansMs.map((_, i) => ({ id: `n${i}`, op: 'Relu', inputs: [], outputs: [], attrs: {} }));
  const graph = { name, nodes, tensors: new Map(), inputs: [], outputs: [], opsets: { '': 17 } } as Graph;
  const stats = (ms: number) => latencyStats([ms, ms, ms]);
  const profile: ModelProfile = {
    model: name,
    fingerprint: name,
    inputs: {},
    threads: 1,
    runs: 3,
    endToEnd: stats(plainMs),
    // The profiler adds 8 µs per event to a profiled run.
    profiledEndToEnd: stats(plainMs + 0.008 * spansMs.length),
    nodes: spansMs.map((ms, i) => ({ node: `n${i}`, op: 'Relu', latency: stats(ms) })),
    mappedShare: 1,
    unmappedEvents: [],
    runtime: { name: 'onnxruntime-node', version: 'test', graphOptimization: 'disabled' },
    measuredAt: '2026-01-01T00:00:00.000Z',
  };
  return { graph, profile };
}

/** Models of tiny, big and mixed kernels whose plain runs follow `truth` plus `fixedMs`. */
function threeModels(
  truth: { spanInflationMs: number; kernelFloorMs: number },
  fixedMs: number,
): { spans: number[][]; models: { graph: Graph; profile: ModelProfile }[] } {
  const spans = [
    Array.from({ length: 200 }, () => 0.004),
    Array.from({ length: 60 }, () => 0.5),
    Array.from({ length: 150 }, (_, i) => (i % 2 ? 0.08 : 0.006)),
  ];
  const models = spans.map((s, i) =>
    profiled(`m${i}`, s, s.reduce((a, x) => a + plainKernelMs(x, truth), 0) + fixedMs),
  );
  return { spans, models };
}

describe('fitRunOverhead', () => {
  it('recovers the in-span inflation and fixed cost that made plain runs shorter than their spans', () => {
    const truth = { spanInflationMs: 0.003, kernelFloorMs: 0.001 };
    const plain = (spans: number[]) => spans.reduce((s, x) => s + plainKernelMs(x, truth), 0) + 0.1;
    // Models of many tiny kernels and of few big ones: only a per-kernel inflation explains both.
    const models = [
      Array.from({ length: 200 }, () => 0.004),
      Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? 0.2 : 0.005)),
      Array.from({ length: 60 }, () => 0.5),
      Array.from({ length: 150 }, (_, i) => (i % 2 ? 0.08 : 0.006)),
      Array.from({ length: 100 }, () => 0.03),
    ].map((spans, i) => profiled(`m${i}`, spans, plain(spans)));
    const o = fitRunOverhead(models);
    expect(o.spanInflationMs).toBeCloseTo(0.003, 6);
    expect(o.fixedMs).toBeCloseTo(0.1, 3);
    expect(o.kernelScale).toBeCloseTo(1, 2);
    expect(o.profilerEventMs).toBeCloseTo(0.008, 9);
    for (const m of models) {
      const spans = m.profile.nodes.map((n) => n.latency.estimateMs);
      const predicted = (o.kernelScale ?? 1) * spans.reduce((s, x) => s + plainKernelMs(x, o), 0) + o.fixedMs;
      expect(predicted / m.profile.endToEnd.estimateMs).toBeCloseTo(1, 2);
    }
  });

  it('never fits a fixed cost above the shortest plain run profiled', () => {
    // Big models only: their runs 0.4 ms above their kernels say little about a fixed cost, but a
    // tiny model that ran in 0.15 ms in all bounds it.
    const big = [40, 60, 80].map((n, i) => {
      const spans = Array.from({ length: n }, () => 0.3);
      return profiled(`big${i}`, spans, spans.reduce((a, b) => a + b, 0) + 0.4);
    });
    expect(fitRunOverhead(big).fixedMs).toBeGreaterThan(0.3);
    const tiny = profiled('tiny', [0.05, 0.05], 0.15);
    expect(fitRunOverhead([...big, tiny]).fixedMs).toBeLessThanOrEqual(0.15);
  });

  it('takes a measured session.run cost as the fixed part, and fits the kernels around it', () => {
    const fixedMs = 0.012;
    const { models } = threeModels({ spanInflationMs: 0.002, kernelFloorMs: 0 }, fixedMs);
    // Free, the fit may trade the fixed part against the kernels; measured, it is what was measured.
    const o = fitRunOverhead(models, { sessionRunMs: fixedMs });
    expect(o.fixedMs).toBe(fixedMs);
    expect(o.spanInflationMs).toBeCloseTo(0.002, 6);
    // A measured in-span profiler cost is δ.
    expect(fitRunOverhead(models, { sessionRunMs: fixedMs, spanInflationMs: 0.0015 }).spanInflationMs).toBe(
      0.0015,
    );
    // A measured trivial-kernel cost is the floor.
    expect(
      fitRunOverhead(models, { sessionRunMs: fixedMs, trivialKernelMs: 0.0004 }).kernelFloorMs,
    ).toBeCloseTo(0.0004, 12);
    // A measurement above the shortest run cannot be a fixed part of it.
    expect(fitRunOverhead(models, { sessionRunMs: 10 }).fixedMs).toBeLessThanOrEqual(
      Math.min(...models.map((m) => m.profile.endToEnd.estimateMs)),
    );
  });

  it('refits the kernel scale on predicted spans so that predicted kernels sum to the measured runs', () => {
    const fixedMs = 0.01;
    const { spans, models } = threeModels({ spanInflationMs: 0.002, kernelFloorMs: 0.0002 }, fixedMs);
    const o = fitRunOverhead(models, { sessionRunMs: fixedMs });
    expect(o.kernelScale).toBeCloseTo(1, 2);
    // Kernel models that predict every span 6% short: the refitted scale takes the 6% up.
    const byGraph = new Map(models.map((m, i) => [m.graph, spans[i].map((x) => x / 1.06)]));
    const refit = refitKernelScale(o, models, (n, g) => byGraph.get(g)?.[Number(n.id.slice(1))] ?? NaN);
    expect(refit.kernelScale).toBeGreaterThan(1.04);
    expect(refit.fixedMs).toBe(o.fixedMs);
    expect(refit.spanInflationMs).toBe(o.spanInflationMs);
  });
});
