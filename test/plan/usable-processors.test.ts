import { describe, expect, it } from 'vitest';
import { getDevice } from '../../src/hardware/catalog.js';
import { withCoreWorkers } from '../../src/hardware/host.js';
import type { Device } from '../../src/hardware/schema.js';
import { createCostModel } from '../../src/cost/index.js';
import { loadModel } from '../../src/frontend/load.js';
import { evaluatePlan } from '../../src/plan/evaluate.js';
import { processorViews, usableProcessors } from '../../src/plan/make-plan.js';
import { adaptive } from '../../src/plan/strategies/adaptive.js';
import { cpu } from '../../src/plan/strategies/single.js';
import { placementParts } from '../../src/plan/validate.js';

/** A host-like device: one whole-machine `cpu` of two cores, then its per-core workers. */
function hostLike(): Device {
  const phone = getDevice('sd865');
  const big = phone.processors.find((p) => p.id === 'cpu-big');
  if (!big) throw new Error('sd865 has no cpu-big');
  return withCoreWorkers({ ...phone, id: 'host', processors: [{ ...big, id: 'cpu', cores: 2 }] });
}

describe('usableProcessors', () => {
  it('offers the parts of a processor split into cores, not the whole, by default', () => {
    const device = hostLike();
    expect(device.processors.map((p) => p.id)).toEqual(['cpu', 'cpu0', 'cpu1']);
    expect(usableProcessors(device).map((p) => p.id)).toEqual(['cpu0', 'cpu1']);
    expect(usableProcessors(device, { processors: ['cpu'] }).map((p) => p.id)).toEqual(['cpu']);
  });

  it('refuses a whole together with one of its parts (they share cores)', () => {
    expect(() => usableProcessors(hostLike(), { processors: ['cpu', 'cpu1'] })).toThrow(
      /cpu and cpu1 share cores/,
    );
  });

  it('leaves a phone, whose processors are disjoint, as it is', () => {
    const phone = getDevice('sd865');
    expect(usableProcessors(phone)).toEqual(phone.processors);
  });

  it('gives a device with parts two disjoint processor sets, a phone one', () => {
    expect(processorViews(hostLike())).toEqual([['cpu0', 'cpu1'], ['cpu']]);
    expect(processorViews(getDevice('sd865'))).toEqual([getDevice('sd865').processors.map((p) => p.id)]);
  });

  it('lets adaptive weigh the whole machine against its per-core parts, never mixing them', () => {
    const device = hostLike();
    const cost = createCostModel(device);
    const { graph } = loadModel('zoo:mobilenetv2');
    const chosen = adaptive.plan(graph, device, cost);
    const used = new Set(
      Object.values(chosen.placements).flatMap((p) => placementParts(p).map((q) => q.proc)),
    );
    expect(used.has('cpu') && (used.has('cpu0') || used.has('cpu1'))).toBe(false);
    const wholeMs = evaluatePlan(cpu.plan(graph, device, cost), graph, device, cost).latencyMs;
    expect(evaluatePlan(chosen, graph, device, cost).latencyMs).toBeLessThanOrEqual(wholeMs * (1 + 1e-9));
  });
});
