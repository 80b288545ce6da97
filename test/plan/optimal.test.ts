import { describe, expect, it } from 'vitest';
import { createCostModel } from '../../src/cost/index.js';
import type { CostModel } from '../../src/cost/types.js';
import { HeteroError } from '../../src/errors.js';
import { loadModel } from '../../src/frontend/load.js';
import { extractSubgraph, topologicalOrder } from '../../src/graph/dag.js';
import type { Graph } from '../../src/graph/types.js';
import { getDevice } from '../../src/hardware/catalog.js';
import type { Device } from '../../src/hardware/schema.js';
import { evaluatePlan } from '../../src/plan/evaluate.js';
import { makePlan } from '../../src/plan/make-plan.js';
import { splitProblem } from '../../src/plan/split-rules.js';
import { optimal, OPTIMAL_MAX_OPS, searchOptimal } from '../../src/plan/strategies/optimal.js';
import type { Placement, SplitAxis } from '../../src/plan/types.js';
import { validatePlan } from '../../src/plan/validate.js';
import { familyLatenciesMs, randomDag } from './random-dag.js';

function slice(model: string, start: number, count: number): Graph {
  const { graph } = loadModel(model);
  const ids = topologicalOrder(graph)
    .slice(start, start + count)
    .map((i) => graph.nodes[i].id);
  return extractSubgraph(graph, ids, `${model}[${start}+${count}]`);
}

/** The default search space, enumerated independently of optimal.ts. */
function spaceOf(graph: Graph, device: Device, cost: CostModel): Placement[][] {
  const procs = device.processors;
  const cpu = procs.find((p) => p.id === 'cpu-big');
  const gpu = procs.find((p) => p.kind === 'gpu');
  return graph.nodes.map((node) => {
    const runs = procs.filter((p) => Number.isFinite(cost.opLatencyMs(node, graph, p)));
    const out: Placement[] = runs.map((p) => ({ proc: p.id }));
    if (cpu && gpu && runs.includes(cpu) && runs.includes(gpu)) {
      const [first, second] = procs.indexOf(cpu) < procs.indexOf(gpu) ? [cpu, gpu] : [gpu, cpu];
      for (const axis of ['OC', 'H', 'C', 'N'] as SplitAxis[]) {
        if (splitProblem(node, graph, axis, 2)) continue;
        for (const r of [0.25, 0.5, 0.75]) {
          out.push({
            split: {
              axis,
              parts: [
                { proc: first.id, fraction: r },
                { proc: second.id, fraction: 1 - r },
              ],
            },
          });
        }
      }
    }
    return out;
  });
}

function bruteForce(graph: Graph, device: Device, cost: CostModel): { best: number; count: number } {
  const space = spaceOf(graph, device, cost);
  let best = Infinity;
  let count = 0;
  const chosen: Placement[] = [];
  const walk = (k: number): void => {
    if (k === graph.nodes.length) {
      const placements = Object.fromEntries(graph.nodes.map((n, i) => [n.id, chosen[i]]));
      best = Math.min(
        best,
        evaluatePlan(makePlan(graph, device, 'brute', placements), graph, device, cost).latencyMs,
      );
      count++;
      return;
    }
    for (const p of space[k]) {
      chosen[k] = p;
      walk(k + 1);
    }
  };
  walk(0);
  return { best, count };
}

describe('optimal', () => {
  it('equals brute force over its space on tiny graphs', () => {
    const cases: [Graph, string][] = [
      [slice('zoo:resnet50', 0, 4), 'sd865'],
      [slice('zoo:inceptionv3', 36, 4), 'kirin990'],
      [randomDag(3, 4), 'dimensity9200'],
    ];
    for (const [graph, id] of cases) {
      const device = getDevice(id);
      const cost = createCostModel(device);
      const brute = bruteForce(graph, device, cost);
      expect(brute.count).toBeGreaterThan(100);
      const r = searchOptimal(graph, device, cost);
      expect(r.proven).toBe(true);
      expect(r.value, graph.name).toBeCloseTo(brute.best, 9);
      expect(r.expansions).toBeLessThan(brute.count * graph.nodes.length);
    }
  });

  it('is no worse than any other strategy on small graphs (≤ 12 ops, real cost model)', () => {
    const graphs = [
      slice('zoo:resnet50', 0, 12),
      slice('zoo:inceptionv3', 30, 12),
      slice('zoo:mobilenetv2', 10, 12),
      slice('zoo:bert-base', 20, 12),
      randomDag(11, 10),
    ];
    for (const graph of graphs) {
      // (inceptionv3[30+12] on dimensity9200 is not proven within the default budget: see optimal.ts.)
      for (const id of ['sd865', 'kirin990', 'sd888']) {
        const device = getDevice(id);
        const cost = createCostModel(device);
        const plan = optimal.plan(graph, device, cost);
        validatePlan(plan, graph, device, cost, 'optimal');
        expect(plan.notes[0]).toMatch(/^optimal:/);
        const best = evaluatePlan(plan, graph, device, cost).latencyMs;
        for (const s of familyLatenciesMs(graph, device, cost)) {
          expect(best, `${graph.name} ${id} vs ${s.name}`).toBeLessThanOrEqual(s.ms * (1 + 1e-9));
        }
      }
    }
  });

  it('optimises energy when asked, and then spends no more energy than the latency optimum', () => {
    const graph = slice('zoo:mobilenetv2', 0, 10);
    const device = getDevice('sd888');
    const cost = createCostModel(device);
    const fast = searchOptimal(graph, device, cost, { objective: 'latency' });
    const frugal = searchOptimal(graph, device, cost, { objective: 'energy' });
    expect(fast.proven && frugal.proven).toBe(true);
    const ef = evaluatePlan(fast.plan!, graph, device, cost);
    const ee = evaluatePlan(frugal.plan!, graph, device, cost);
    expect(ee.energyJ).toBeLessThanOrEqual(ef.energyJ * (1 + 1e-9));
    expect(ef.latencyMs).toBeLessThanOrEqual(ee.latencyMs * (1 + 1e-9));
  });

  it('only uses the processors it is given', () => {
    const graph = slice('zoo:resnet50', 0, 8);
    const device = getDevice('sd865');
    const cost = createCostModel(device);
    const plan = optimal.plan(graph, device, cost, { processors: ['cpu-big', 'gpu'] });
    for (const p of Object.values(plan.placements)) {
      const procs = 'proc' in p ? [p.proc] : p.split.parts.map((x) => x.proc);
      for (const id of procs) expect(['cpu-big', 'gpu']).toContain(id);
    }
  });

  it(`refuses graphs above ${OPTIMAL_MAX_OPS} ops with a one-line error naming the limit`, () => {
    const { graph } = loadModel('zoo:mobilenetv2');
    const device = getDevice('sd865');
    const cost = createCostModel(device);
    expect(() => optimal.plan(graph, device, cost)).toThrow(HeteroError);
    expect(() => optimal.plan(graph, device, cost)).toThrow(/at most 30 ops/);
  });
});
