// The engine's contract: deterministic per seed, bounded memory (no trace unless asked; bounded
// samples), workload counts, the queueing policy and late-frame dropping, several models at once.
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/sim/index.js';
import type { SimModel, SimulationInput, SimulationResult } from '../../src/sim/index.js';
import { device, planned } from './helpers.js';

function input(models: SimModel[], over: Partial<SimulationInput> = {}): SimulationInput {
  const { device: d, cost } = device('sd8gen2');
  return {
    device: d,
    cost,
    models,
    workload: '30fps',
    conditions: 'idle',
    durationMs: 10_000,
    seed: 7,
    ...over,
  };
}

const camera = (): SimModel => planned('adaptive', 'zoo:mobilenetv2', 'sd8gen2');
const other = (): SimModel => planned('codl', 'zoo:resnet50', 'sd8gen2');
const third = (): SimModel => planned('heft', 'zoo:inceptionv3', 'sd8gen2');
const MULTI = '30fps,deadline=33ms;poisson:20/s,deadline=60ms;burst:6/500ms,deadline=100ms';

describe('determinism', () => {
  it('the same seed gives the same result, to the bit', () => {
    const models = [camera(), other(), third()];
    const over = { workload: MULTI, conditions: 'concurrent-models', durationMs: 20_000 };
    const a = simulate(input(models, over));
    const b = simulate(input(models, over));
    expect(b).toEqual(a);
  });

  it('another seed draws other Poisson arrivals', () => {
    const models = [other()];
    const a = simulate(input(models, { workload: 'poisson:20/s', seed: 1 }));
    const b = simulate(input(models, { workload: 'poisson:20/s', seed: 2 }));
    expect(a.requests).not.toBe(b.requests);
    // Both near 20/s × 10 s.
    for (const r of [a, b]) expect(Math.abs(r.requests - 200)).toBeLessThan(60);
  });
});

describe('bounded memory', () => {
  it('keeps no trace unless asked, and a bounded number of samples on a long run', () => {
    const r = simulate(
      input([camera(), other()], { workload: '30fps;poisson:5/s', durationMs: 30 * 60_000 }),
    );
    expect(r.trace).toBeUndefined();
    expect(r.timeline.length).toBeLessThanOrEqual(600);
    expect(r.requests).toBeGreaterThan(30 * 60 * 30);
    expect(r.completed).toBe(r.requests);
  });

  it('keeps the trace of a window when asked, and all of it for true', () => {
    const models = [camera()];
    const windowed = simulate(input(models, { keepTrace: { fromMs: 100, toMs: 200 }, durationMs: 2000 }));
    const all = simulate(input(models, { keepTrace: true, durationMs: 2000 }));
    const events = windowed.trace?.events ?? [];
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) {
      expect(e.endMs).toBeGreaterThanOrEqual(100);
      expect(e.startMs).toBeLessThanOrEqual(200);
    }
    expect(all.trace?.events.length ?? 0).toBeGreaterThan(events.length * 5);
    // Every request's compute jobs are there, one per node of the plan (adaptive here: NPU, whole nodes).
    const nodes = models[0].graph.nodes.length;
    expect(all.trace?.events.filter((e) => e.kind === 'compute').length).toBe(all.completed * nodes);
  });
});

describe('workloads', () => {
  it('counts arrivals: 30 fps for 2 s is 60 frames; bursts of 4 every 500 ms is 16', () => {
    expect(simulate(input([camera()], { workload: '30fps', durationMs: 2000 })).requests).toBe(60);
    expect(simulate(input([camera()], { workload: 'burst:4/500ms', durationMs: 2000 })).requests).toBe(16);
    expect(simulate(input([camera()], { workload: 'single:3', durationMs: 2000 })).requests).toBe(3);
  });

  it('a processor busy beyond the frame rate queues frames; dropping late frames bounds latency', () => {
    // ResNet-50 on the CPU (~100 ms) at 30 fps: hopelessly overloaded.
    const slow = planned('cpu', 'zoo:resnet50', 'sd8gen2');
    const queued = simulate(input([slow], { workload: '30fps', durationMs: 3000 }));
    const dropped = simulate(input([slow], { workload: '30fps,drop=late', durationMs: 3000 }));
    const shed = simulate(input([slow], { workload: '30fps,maxqueue=1', durationMs: 3000 }));
    expect(queued.dropped).toBe(0);
    expect(queued.latencyMs.p99).toBeGreaterThan(1000);
    expect(dropped.dropped).toBeGreaterThan(0);
    // Dropping predicts the miss from the static latency: every frame misses its 33 ms either way.
    expect(dropped.deadlineMissRate).toBe(1);
    expect(shed.dropped).toBeGreaterThan(0);
    expect(shed.latencyMs.p99).toBeLessThan(queued.latencyMs.p99 / 2);
  });

  it('EDF serves the tight deadline first where FIFO does not', () => {
    // Two models sharing the NPU (0.88 ms and 1.7 ms alone): a camera with a tight 1.2 ms deadline
    // and bursts of a background model. Under FIFO the older burst requests win the NPU between the
    // camera's ops; under EDF the camera's earlier deadline does.
    const a = planned('npu', 'zoo:mobilenetv2', 'sd8gen2');
    const b = planned('npu', 'zoo:inceptionv3', 'sd8gen2');
    const spec = (queue: string): string =>
      `60fps,deadline=1.2ms,priority=1,queue=${queue};burst:20/200ms,deadline=1s`;
    const fifo = simulate(input([a, b], { workload: spec('fifo'), durationMs: 5000 }));
    const edf = simulate(input([a, b], { workload: spec('edf'), durationMs: 5000 }));
    const prio = simulate(input([a, b], { workload: spec('priority'), durationMs: 5000 }));
    const name = a.name;
    expect(fifo.perModel[name].deadlineMissRate).toBeGreaterThan(0.02);
    expect(edf.perModel[name].deadlineMissRate).toBe(0);
    expect(prio.perModel[name].deadlineMissRate).toBe(0);
  });

  it('several models at once with their own rates, deadlines and per-model results', () => {
    const models = [camera(), other(), third()];
    const r = simulate(input(models, { workload: MULTI, durationMs: 10_000 }));
    expect(Object.keys(r.perModel)).toEqual(models.map((m) => m.name));
    expect(r.perModel[models[0].name].requests).toBe(300);
    expect(r.perModel[models[2].name].requests).toBe(120);
    expect(r.requests).toBe(Object.values(r.perModel).reduce((s, m) => s + m.requests, 0));
    expect(r.throughputPerS).toBeGreaterThan(40);
    for (const u of Object.values(r.utilization)) expect(u).toBeLessThanOrEqual(1);
  });

  it('Band (planMulti) plans several models for the simulator', async () => {
    const { planForSimulation } = await import('../../src/sim/index.js');
    const { graph } = await import('./helpers.js');
    const { device: d, cost } = device('sd8gen2');
    const g = [graph('zoo:mobilenetv2'), graph('zoo:resnet50')];
    const models = planForSimulation(
      'band',
      g.map((x) => ({ name: x.name, graph: x })),
      d,
      cost,
    );
    const r: SimulationResult = simulate(input(models, { workload: '30fps;10fps', durationMs: 3000 }));
    expect(r.completed).toBe(r.requests);
    expect(models.every((m) => m.plan.strategy === 'band')).toBe(true);
  });
});

describe('input errors name the field', () => {
  it('rejects a zero or negative duration, a fractional seed, an unknown preset and a bad window', () => {
    const models = [camera()];
    expect(() => simulate(input(models, { durationMs: 0 }))).toThrow(/durationMs/);
    expect(() => simulate(input(models, { durationMs: -5 }))).toThrow(/durationMs/);
    expect(() => simulate(input(models, { seed: 1.5 }))).toThrow(/seed/);
    expect(() => simulate(input(models, { conditions: 'sunny' }))).toThrow(/unknown preset "sunny"/);
    expect(() => simulate(input(models, { keepTrace: { fromMs: 5, toMs: 1 } }))).toThrow(/keepTrace/);
    expect(() => simulate(input(models, { workload: 'poisson:-1/s' }))).toThrow(/rate/);
    expect(() => simulate(input([...models, camera()]))).toThrow(/two models are named/);
  });
});
