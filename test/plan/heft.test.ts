import { describe, expect, it } from 'vitest';
import { createCostModel } from '../../src/cost/index.js';
import type { CostModel, RunContext } from '../../src/cost/types.js';
import { loadModel } from '../../src/frontend/load.js';
import { inferShapes } from '../../src/graph/shape-inference.js';
import type { Graph, Node, TensorInfo } from '../../src/graph/types.js';
import { tensorBytes } from '../../src/graph/types.js';
import { getDevice } from '../../src/hardware/catalog.js';
import type { Processor } from '../../src/hardware/schema.js';
import { evaluatePlan } from '../../src/plan/evaluate.js';
import { earliestSlot, heft, heftSchedule } from '../../src/plan/strategies/heft.js';
import type { TraceEvent } from '../../src/plan/types.js';
import { validatePlan } from '../../src/plan/validate.js';

const device = getDevice('sd865');

/** Two equal processors (the big and mid CPU clusters here): 10 ms per op anywhere; 0.5 ms sync + 1 ms/MB. */
const equal: CostModel = {
  device,
  opLatencyMs: (_n: Node, _g: Graph, _p: Processor, ctx?: RunContext) => 10 * (ctx?.split?.fraction ?? 1),
  transferMs: (t: TensorInfo) => (tensorBytes(t) ?? 0) / 1e6,
  syncMs: () => 0.5,
  opEnergyJ: () => 0.01,
  transferEnergyJ: () => 0,
  idlePowerW: () => 0.1,
};

// x → a → (b, c) → d: a fork-join with two equal branches.
function forkJoin(): Graph {
  const nodes: Node[] = [
    { id: 'a', op: 'Relu', inputs: ['x'], outputs: ['ta'], attrs: {} },
    { id: 'b', op: 'Relu', inputs: ['ta'], outputs: ['tb'], attrs: {} },
    { id: 'c', op: 'Sigmoid', inputs: ['ta'], outputs: ['tc'], attrs: {} },
    { id: 'd', op: 'Add', inputs: ['tb', 'tc'], outputs: ['y'], attrs: {} },
  ];
  const tensors = new Map<string, TensorInfo>([
    ['x', { name: 'x', shape: [1, 16, 64, 64], dtype: 'float32', constant: false }],
  ]);
  return inferShapes({ name: 'fork-join', nodes, tensors, inputs: ['x'], outputs: ['y'], opsets: { '': 17 } })
    .graph;
}

const computes = (events: TraceEvent[]): TraceEvent[] => events.filter((e) => e.kind === 'compute');

/** Most compute events running at one instant. */
function maxConcurrency(events: TraceEvent[]): number {
  const edges = computes(events)
    .filter((e) => e.endMs > e.startMs)
    .flatMap((e) => [
      [e.startMs, 1],
      [e.endMs, -1],
    ])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let most = 0;
  for (const [, step] of edges) most = Math.max(most, (now += step));
  return most;
}

describe('heft', () => {
  it('overlaps two equal branches on two equal processors', () => {
    const g = forkJoin();
    const opts = { processors: ['cpu-big', 'cpu-mid'] };
    const plan = heft.plan(g, device, equal, opts);
    validatePlan(plan, g, device, equal);
    const procOf = (id: string): string => ('proc' in plan.placements[id] ? plan.placements[id].proc : '');
    expect(procOf('b')).not.toBe(procOf('c'));
    const r = evaluatePlan(plan, g, device, equal);
    const [b, c] = ['b', 'c'].map((id) => computes(r.trace.events).find((e) => e.node === id) as TraceEvent);
    expect(Math.min(b.endMs, c.endMs)).toBeGreaterThan(Math.max(b.startMs, c.startMs));
    // a, then both branches at once (one after a 262 KB move), then the join after the move back.
    const moveMs = 0.5 + 262_144 / 1e6;
    expect(r.latencyMs).toBeCloseTo(10 + moveMs + 10 + moveMs + 10, 6);
    expect(r.latencyMs).toBeLessThan(40);
  });

  it('ranks by upward rank: the entry outranks everything, the exit ranks its mean cost', () => {
    const g = forkJoin();
    const s = heftSchedule(g, device, equal, { processors: ['cpu-big', 'cpu-mid'] });
    const moveMs = 0.5 + 262_144 / 1e6;
    expect(s.rank[3]).toBeCloseTo(10);
    expect(s.rank[1]).toBeCloseTo(10 + moveMs + 10);
    expect(s.rank[0]).toBeCloseTo(10 + moveMs + s.rank[1]);
    expect(s.order[0]).toBe(0);
  });

  it('stays on one processor when moving data costs more than a branch', () => {
    const g = forkJoin();
    const slowLink: CostModel = { ...equal, syncMs: () => 50 };
    const plan = heft.plan(g, device, slowLink, { processors: ['cpu-big', 'cpu-mid'] });
    expect(new Set(Object.values(plan.placements).map((p) => ('proc' in p ? p.proc : ''))).size).toBe(1);
  });

  it('uses the insertion policy: a node fits an idle gap between scheduled nodes', () => {
    const busy = [
      { startMs: 0, endMs: 10 },
      { startMs: 15, endMs: 30 },
    ];
    expect(earliestSlot(busy, 2, 5)).toBe(10); // the 10–15 gap fits 5 ms
    expect(earliestSlot(busy, 2, 6)).toBe(30); // 6 ms does not fit: after the last
    expect(earliestSlot(busy, 11, 4)).toBe(11);
    expect(earliestSlot([], 3, 1)).toBe(3);
  });

  for (const [model, d] of [
    ['zoo:inceptionv3', 'sd8gen2'],
    ['zoo:retinaface', 'sd865'],
    ['zoo:bert-base', 'kirin9000'],
  ] as const) {
    it(`shows branch parallelism on ${model} (${d}) and evaluatePlan replays its schedule`, () => {
      const { graph } = loadModel(model);
      const dev = getDevice(d);
      const cost = createCostModel(dev);
      const s = heftSchedule(graph, dev, cost);
      const plan = heft.plan(graph, dev, cost);
      validatePlan(plan, graph, dev, cost);
      const r = evaluatePlan(plan, graph, dev, cost);
      expect(r.latencyMs).toBeCloseTo(s.makespanMs, 6);
      expect(maxConcurrency(r.trace.events)).toBeGreaterThanOrEqual(2);
      expect(
        new Set(Object.values(plan.placements).map((p) => ('proc' in p ? p.proc : ''))).size,
      ).toBeGreaterThan(1);
    });
  }
});
