import { describe, expect, it } from 'vitest';
import { createCostModel } from '../../src/cost/index.js';
import { parseInputSpec } from '../../src/frontend/input-spec.js';
import { loadModel, type LoadOptions } from '../../src/frontend/load.js';
import { extractSubgraph, topologicalOrder } from '../../src/graph/dag.js';
import type { Graph } from '../../src/graph/types.js';
import { getDevice } from '../../src/hardware/catalog.js';
import { evaluatePlan } from '../../src/plan/evaluate.js';
import { ADAPTIVE_FAMILIES, adaptive } from '../../src/plan/strategies/adaptive.js';
import { searchOptimal } from '../../src/plan/strategies/optimal.js';
import type { Plan } from '../../src/plan/types.js';
import { validatePlan } from '../../src/plan/validate.js';
import { familyLatenciesMs, randomDag } from './random-dag.js';

const MODELS: [string, LoadOptions][] = [
  ['zoo:mobilenetv2', {}],
  ['zoo:yolov2', {}],
  ['pkg:ppocr-cls', { inputs: [parseInputSpec('x=1x3x48x192')] }],
  [
    'pkg:silero-vad',
    { inputs: [parseInputSpec('input=1x512'), parseInputSpec('state=2x1x128')], values: { sr: [16000] } },
  ],
];
const DEVICES = ['sd865', 'kirin990', 'dimensity9200', 'tensor-g2'];
const SLACK = 1 + 1e-9;

function procsUsed(plan: Plan): Set<string> {
  return new Set(
    Object.values(plan.placements).flatMap((p) =>
      'proc' in p ? [p.proc] : p.split.parts.map((x) => x.proc),
    ),
  );
}

describe('adaptive', () => {
  it('is never predicted worse than any family it considers (zoo + real models × devices)', () => {
    for (const [name, options] of MODELS) {
      const { graph } = loadModel(name, options);
      for (const id of DEVICES) {
        const device = getDevice(id);
        const cost = createCostModel(device);
        const plan = adaptive.plan(graph, device, cost);
        validatePlan(plan, graph, device, cost, 'adaptive');
        const mine = evaluatePlan(plan, graph, device, cost).latencyMs;
        for (const s of familyLatenciesMs(graph, device, cost)) {
          expect(mine, `${name} ${id} vs ${s.name}`).toBeLessThanOrEqual(s.ms * SLACK);
        }
      }
    }
  });

  it('is within 5% of optimal on small graphs', () => {
    const slice = (model: string, start: number, count: number): Graph => {
      const { graph } = loadModel(model);
      const ids = topologicalOrder(graph)
        .slice(start, start + count)
        .map((i) => graph.nodes[i].id);
      return extractSubgraph(graph, ids, `${model}[${start}+${count}]`);
    };
    const graphs = [slice('zoo:resnet50', 0, 12), slice('zoo:bert-base', 20, 12), randomDag(5, 9)];
    for (const graph of graphs) {
      for (const id of ['sd865', 'sd8gen2']) {
        const device = getDevice(id);
        const cost = createCostModel(device);
        const opt = searchOptimal(graph, device, cost);
        expect(opt.proven).toBe(true);
        const mine = evaluatePlan(adaptive.plan(graph, device, cost), graph, device, cost).latencyMs;
        expect(mine, `${graph.name} ${id}`).toBeLessThanOrEqual(opt.value * 1.05);
      }
    }
  });

  it('respects the processors it may use', () => {
    const { graph } = loadModel('zoo:mobilenetv2');
    const device = getDevice('sd865');
    const cost = createCostModel(device);
    const all = procsUsed(adaptive.plan(graph, device, cost));
    const withoutGpu = device.processors.map((p) => p.id).filter((id) => id !== 'gpu');
    const plan = adaptive.plan(graph, device, cost, { processors: withoutGpu });
    validatePlan(plan, graph, device, cost);
    expect(procsUsed(plan).has('gpu')).toBe(false);
    const cpus = adaptive.plan(graph, device, cost, { processors: ['cpu-big', 'cpu-mid'] });
    for (const id of procsUsed(cpus)) expect(['cpu-big', 'cpu-mid']).toContain(id);
    // Without the restriction it does use more than the two CPU clusters.
    expect([...all].some((id) => id !== 'cpu-big' && id !== 'cpu-mid')).toBe(true);
  });

  it('picks for energy differently than for latency where that pays', () => {
    const { graph } = loadModel('zoo:yolov2');
    let differed = 0;
    for (const id of DEVICES) {
      const device = getDevice(id);
      const cost = createCostModel(device);
      const fast = adaptive.plan(graph, device, cost, { objective: 'latency' });
      const frugal = adaptive.plan(graph, device, cost, { objective: 'energy' });
      expect(frugal.objective).toBe('energy');
      const ef = evaluatePlan(fast, graph, device, cost);
      const ee = evaluatePlan(frugal, graph, device, cost);
      expect(ee.energyJ).toBeLessThanOrEqual(ef.energyJ * SLACK);
      expect(ef.latencyMs).toBeLessThanOrEqual(ee.latencyMs * SLACK);
      if (JSON.stringify(fast.placements) !== JSON.stringify(frugal.placements)) differed++;
    }
    expect(differed).toBeGreaterThan(0);
  });

  it('explains its choice against a named runner-up', () => {
    const { graph } = loadModel('zoo:yolov2');
    const device = getDevice('kirin990');
    const cost = createCostModel(device);
    const plan = adaptive.plan(graph, device, cost);
    expect(plan.strategy).toBe('adaptive');
    expect(plan.notes.length).toBeGreaterThan(2);
    const names = ADAPTIVE_FAMILIES.map((s) => s.name).concat('optimal');
    const first = plan.notes[0];
    expect(first).toMatch(/^chose .* over runner-up /);
    const runnerUp = first.split('over runner-up ')[1];
    expect(names.some((n) => runnerUp.startsWith(n))).toBe(true);
    expect(plan.notes[1]).toMatch(/^saves .* ms of latency: /);
  });
});
