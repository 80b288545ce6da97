import { describe, expect, it } from 'vitest';
import { createCostModel } from '../../src/cost/index.js';
import type { CostModel, RunContext } from '../../src/cost/types.js';
import { HeteroError } from '../../src/errors.js';
import { parseInputSpec } from '../../src/frontend/input-spec.js';
import { loadModel } from '../../src/frontend/load.js';
import { extractSubgraph, topologicalOrder } from '../../src/graph/dag.js';
import { inferShapes } from '../../src/graph/shape-inference.js';
import type { Graph, Node } from '../../src/graph/types.js';
import { getDevice } from '../../src/hardware/catalog.js';
import type { Processor } from '../../src/hardware/schema.js';
import { evaluatePlan } from '../../src/plan/evaluate.js';
import { makePlan } from '../../src/plan/make-plan.js';
import { splitProblem } from '../../src/plan/split-rules.js';
import { ADAPTIVE_FAMILIES, adaptive } from '../../src/plan/strategies/adaptive.js';
import { bound, lowerBound, lowerBoundMs, nodeCostTable } from '../../src/plan/strategies/bound.js';
import { optimal } from '../../src/plan/strategies/optimal.js';
import type { SplitAxis } from '../../src/plan/types.js';
import { validatePlan } from '../../src/plan/validate.js';
import { mulberry32 } from '../../src/random.js';
import { randomDag, randomPlacements } from './random-dag.js';

const SLACK = 1 + 1e-9;

describe('lowerBound', () => {
  it('rests on an assumption the cost model meets: a part of share f takes at least f × the unit time', () => {
    const device = getDevice('sd865');
    const cost = createCostModel(device);
    const { graph } = loadModel('zoo:mobilenetv2');
    const table = nodeCostTable(graph, device, cost);
    const rand = mulberry32(7);
    let checked = 0;
    table.procs.forEach((proc, p) =>
      graph.nodes.forEach((node, i) => {
        for (const axis of ['OC', 'H', 'C'] as SplitAxis[]) {
          if (splitProblem(node, graph, axis, 2)) continue;
          const f = 0.05 + 0.9 * rand();
          for (const computeDType of [undefined, ...proc.supports.dtypes]) {
            const ctx: RunContext = { computeDType, split: { axis, fraction: f } };
            const ms = cost.opLatencyMs(node, graph, proc, ctx);
            if (!Number.isFinite(ms)) continue;
            expect(ms / f).toBeGreaterThanOrEqual(table.unitMs[p][i] / SLACK);
            checked++;
          }
        }
      }),
    );
    expect(checked).toBeGreaterThan(500);
  });

  it('is below every strategy on real models and devices', () => {
    const models: [string, Parameters<typeof loadModel>[1]][] = [
      ['zoo:mobilenetv2', {}],
      ['zoo:inceptionv3', {}],
      ['pkg:ppocr-cls', { inputs: [parseInputSpec('x=1x3x48x192')] }],
    ];
    for (const [name, options] of models) {
      const { graph } = loadModel(name, options);
      for (const id of ['sd865', 'kirin990', 'dimensity9200']) {
        const device = getDevice(id);
        const cost = createCostModel(device);
        const lb = lowerBound(graph, device, cost);
        expect(lb.boundMs).toBeGreaterThan(0);
        expect(lb.boundMs).toBe(Math.max(lb.criticalPathMs, lb.workMs));
        for (const s of [...ADAPTIVE_FAMILIES, adaptive]) {
          let plan;
          try {
            plan = s.plan(graph, device, cost);
          } catch {
            continue;
          }
          const ms = evaluatePlan(plan, graph, device, cost).latencyMs;
          expect(lb.boundMs, `${name} ${id} ${s.name}`).toBeLessThanOrEqual(ms * SLACK);
        }
      }
    }
  });

  it('is below optimal, every family and random plans on seeded random DAGs', () => {
    const device = getDevice('sd888');
    const cost = createCostModel(device);
    for (let seed = 1; seed <= 12; seed++) {
      const graph = randomDag(seed, 5 + (seed % 6));
      const lb = lowerBoundMs(graph, device, cost);
      const plans = [
        optimal.plan(graph, device, cost),
        ...ADAPTIVE_FAMILIES.flatMap((s) => {
          try {
            return [s.plan(graph, device, cost)];
          } catch {
            return [];
          }
        }),
      ];
      for (let r = 0; r < 20; r++) {
        plans.push(
          makePlan(graph, device, 'random', randomPlacements(graph, device.processors, cost, seed * 100 + r)),
        );
      }
      for (const plan of plans) {
        validatePlan(plan, graph, device, cost);
        expect(lb, `${graph.name} ${plan.strategy}`).toBeLessThanOrEqual(
          evaluatePlan(plan, graph, device, cost).latencyMs * SLACK,
        );
      }
    }
  });

  it('finds the exact work bound of independent nodes on processors of different speed', () => {
    // 12 independent Relus; the CPU takes 10 ms, the GPU 5 ms per node (any share f takes f × that).
    const device = getDevice('sd865');
    const fake: CostModel = {
      device,
      opLatencyMs: (_n: Node, _g: Graph, proc: Processor, ctx?: RunContext) =>
        (proc.kind === 'gpu' ? 5 : 10) * (ctx?.split?.fraction ?? 1),
      transferMs: () => 0,
      syncMs: () => 0,
      opEnergyJ: () => 0,
      transferEnergyJ: () => 0,
      idlePowerW: () => 0,
    };
    const nodes: Node[] = Array.from({ length: 12 }, (_, k) => ({
      id: `r${k}`,
      op: 'Relu',
      inputs: ['x'],
      outputs: [`y${k}`],
      attrs: {},
    }));
    const graph = inferShapes({
      name: 'fan',
      nodes,
      tensors: new Map([['x', { name: 'x', shape: [1, 8, 8, 8], dtype: 'float32', constant: false }]]),
      inputs: ['x'],
      outputs: nodes.map((n) => n.outputs[0]),
      opsets: { '': 17 },
    }).graph;
    const lb = lowerBound(graph, device, fake, { processors: ['cpu-big', 'gpu'] });
    // Fractional optimum: rates 1/10 + 1/5 = 0.3 nodes per ms → 12 / 0.3 = 40 ms; the naive
    // Σ min / #processors would say 30 ms.
    expect(lb.workMs).toBeCloseTo(40, 1);
    expect(lb.workMs).toBeLessThanOrEqual(40 + 1e-9);
    // Critical path: one Relu split across both at the best ratio: 1 / (1/10 + 1/5) ms.
    expect(lb.criticalPathMs).toBeCloseTo(10 / 3, 6);
  });

  it('throws a one-line user error when no allowed processor can run a node', () => {
    const device = getDevice('sd865');
    const cost = createCostModel(device);
    const { graph } = loadModel('zoo:mobilenetv2');
    const sub = extractSubgraph(
      graph,
      topologicalOrder(graph)
        .slice(0, 5)
        .map((i) => graph.nodes[i].id),
    );
    expect(() => lowerBoundMs(sub, device, cost, { processors: [] })).toThrow(HeteroError);
  });
});

describe('bound strategy', () => {
  it('returns a valid fastest-processor plan whose notes carry the bound and say it is not achievable', () => {
    const device = getDevice('kirin990');
    const cost = createCostModel(device);
    const { graph } = loadModel('zoo:yolov2');
    const plan = bound.plan(graph, device, cost);
    validatePlan(plan, graph, device, cost);
    const lb = lowerBoundMs(graph, device, cost);
    expect(plan.notes[0]).toContain(lb.toFixed(3));
    expect(plan.notes.join(' ')).toMatch(/not an achievable plan/);
    expect(evaluatePlan(plan, graph, device, cost).latencyMs).toBeGreaterThanOrEqual(lb);
  });
});
