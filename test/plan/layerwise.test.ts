import { describe, expect, it } from 'vitest';
import { createCostModel } from '../../src/cost/index.js';
import type { CostModel, RunContext } from '../../src/cost/types.js';
import { loadModel } from '../../src/frontend/load.js';
import { inferShapes } from '../../src/graph/shape-inference.js';
import type { Graph, Node, TensorInfo } from '../../src/graph/types.js';
import { tensorBytes } from '../../src/graph/types.js';
import { getDevice, listDevices } from '../../src/hardware/catalog.js';
import type { Processor } from '../../src/hardware/schema.js';
import { evaluatePlan } from '../../src/plan/evaluate.js';
import { makePlan } from '../../src/plan/make-plan.js';
import { rankSingles } from '../../src/plan/strategies/best-single.js';
import { segmentBlocks } from '../../src/plan/strategies/chains.js';
import { layerwise, layerwiseDp } from '../../src/plan/strategies/layerwise.js';
import type { Objective, Placement } from '../../src/plan/types.js';
import { validatePlan } from '../../src/plan/validate.js';

const device = getDevice('sd865');
const PROCS = ['cpu-big', 'gpu', 'dsp'];

/** Per-op, per-processor latencies that make mixed placements pay off; Softmax only on CPUs. */
const LATENCY_MS: Record<string, Record<string, number>> = {
  Relu: { cpu: 2, gpu: 1, dsp: 5 },
  Sigmoid: { cpu: 4, gpu: 6, dsp: 1 },
  Add: { cpu: 6, gpu: 0.5, dsp: 2 },
  Softmax: { cpu: 3, gpu: Infinity, dsp: Infinity },
};
const ACTIVE_W: Record<string, number> = { cpu: 2, gpu: 1, dsp: 0.5, npu: 0.5 };
const IDLE_W: Record<string, number> = { cpu: 0.1, gpu: 0.05, dsp: 0.02, npu: 0.02 };

const fake: CostModel = {
  device,
  opLatencyMs(node: Node, _g: Graph, proc: Processor, ctx?: RunContext) {
    const kind = proc.kind === 'npu' ? 'dsp' : proc.kind;
    return (LATENCY_MS[node.op]?.[kind] ?? 1) * (ctx?.split?.fraction ?? 1);
  },
  // 8 KB activations: 0.2 ms each way plus a 0.3 ms sync.
  transferMs: (t: TensorInfo) => ((tensorBytes(t) ?? 0) / 8192) * 0.2,
  syncMs: () => 0.3,
  opEnergyJ(node, g, proc, ctx) {
    return (this.opLatencyMs(node, g, proc, ctx) * ACTIVE_W[proc.kind]) / 1000;
  },
  transferEnergyJ: (t: TensorInfo) => ((tensorBytes(t) ?? 0) / 8192) * 1e-4,
  idlePowerW: (p) => IDLE_W[p.kind],
};

/** Activations are [1,8,16,16] (8 KB, below the side-tensor limit) unless `shape` says otherwise. */
function build(name: string, spec: [string, string, string[]][], shape = [1, 8, 16, 16]): Graph {
  const nodes: Node[] = spec.map(([id, op, inputs], k): Node => {
    const attrs: Node['attrs'] = op === 'Softmax' ? { axis: 1 } : {};
    return { id, op, inputs, outputs: [k === spec.length - 1 ? 'y' : id], attrs };
  });
  const tensors = new Map<string, TensorInfo>([
    ['x', { name: 'x', shape, dtype: 'float32', constant: false }],
  ]);
  return inferShapes({ name, nodes, tensors, inputs: ['x'], outputs: ['y'], opsets: { '': 17 } }).graph;
}

/** 64 KB activations: large enough that a live one blocks a cut. */
const BIG = [1, 16, 32, 32];

const chain = (): Graph =>
  build('chain', [
    ['a', 'Relu', ['x']],
    ['b', 'Sigmoid', ['a']],
    ['c', 'Sigmoid', ['b']],
    ['d', 'Add', ['c', 'c']],
    ['e', 'Softmax', ['d']],
    ['f', 'Sigmoid', ['e']],
  ]);

/** Every runnable assignment of the chain's nodes to PROCS, evaluated; the best value of the objective. */
function bruteForce(g: Graph, objective: Objective): number {
  let best = Infinity;
  const procs = PROCS.map((id) => device.processors.find((p) => p.id === id) as Processor);
  const assign = (k: number, placements: Record<string, Placement>): void => {
    if (k === g.nodes.length) {
      const r = evaluatePlan(makePlan(g, device, 'brute', { ...placements }), g, device, fake);
      best = Math.min(best, objective === 'energy' ? r.energyJ : r.latencyMs);
      return;
    }
    for (const p of procs) {
      if (!Number.isFinite(fake.opLatencyMs(g.nodes[k], g, p))) continue;
      placements[g.nodes[k].id] = { proc: p.id };
      assign(k + 1, placements);
    }
  };
  assign(0, {});
  return best;
}

describe('segmentation into a sequence of blocks', () => {
  it('makes every node of a chain its own block', () => {
    const g = chain();
    expect(segmentBlocks(g).blocks.map((b) => b.nodes.length)).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('keeps a residual block whole and cuts where one tensor is live', () => {
    const g = build(
      'residual',
      [
        ['a', 'Relu', ['x']],
        ['b', 'Sigmoid', ['a']],
        ['c', 'Relu', ['b']],
        ['add', 'Add', ['c', 'a']],
        ['d', 'Relu', ['add']],
      ],
      BIG,
    );
    const seg = segmentBlocks(g);
    expect(seg.blocks.map((b) => b.nodes.map((i) => g.nodes[i].id))).toEqual([
      ['a'],
      ['b', 'c', 'add'],
      ['d'],
    ]);
    expect(seg.blocks[1].entries).toEqual(['a']);
  });

  it('keeps parallel branches in one block', () => {
    const g = build(
      'inception',
      [
        ['a', 'Relu', ['x']],
        ['b1', 'Sigmoid', ['a']],
        ['b2', 'Relu', ['a']],
        ['b3', 'Relu', ['b2']],
        ['j', 'Add', ['b1', 'b3']],
      ],
      BIG,
    );
    expect(segmentBlocks(g).blocks.map((b) => b.nodes.length)).toEqual([1, 4]);
  });
});

describe('layerwise', () => {
  for (const objective of ['latency', 'energy'] as const) {
    it(`equals the brute-force optimum on a small chain (${objective})`, () => {
      const g = chain();
      const plan = layerwise.plan(g, device, fake, { processors: PROCS, objective });
      validatePlan(plan, g, device, fake);
      const r = evaluatePlan(plan, g, device, fake);
      const value = objective === 'energy' ? r.energyJ : r.latencyMs;
      expect(value).toBeCloseTo(bruteForce(g, objective), 9);
      // On a chain the DP's own model is the evaluator's timeline.
      expect(layerwiseDp(g, device, fake, { processors: PROCS, objective }).predicted).toBeCloseTo(value, 9);
    });
  }

  it('mixes processors on the chain where that pays, and keeps Softmax on the CPU', () => {
    const g = chain();
    const plan = layerwise.plan(g, device, fake, { processors: PROCS });
    const procs = g.nodes.map((n) => {
      const p = plan.placements[n.id];
      return 'proc' in p ? p.proc : '';
    });
    expect(new Set(procs).size).toBeGreaterThan(1);
    expect(procs[4]).toBe('cpu-big');
  });

  it('lets a block use a processor that lacks one of its ops, with that op falling back', () => {
    // The residual block b → s → add is cheap on the GPU except its Softmax.
    const g = build(
      'residual-softmax',
      [
        ['a', 'Relu', ['x']],
        ['b', 'Add', ['a', 'a']],
        ['s', 'Softmax', ['b']],
        ['add', 'Add', ['s', 'a']],
        ['d', 'Add', ['add', 'add']],
      ],
      BIG,
    );
    const plan = layerwise.plan(g, device, fake, { processors: ['cpu-big', 'gpu'] });
    validatePlan(plan, g, device, fake);
    expect(plan.placements.b).toEqual({ proc: 'gpu' });
    expect(plan.placements.s).toEqual({ proc: 'cpu-big' });
    expect(plan.fallbacks).toEqual(['s']);
  });

  for (const model of ['zoo:mobilenetv2', 'zoo:inceptionv3', 'pkg:ppocr-rec']) {
    it(`is never worse than the best single processor on ${model} (energy objective)`, () => {
      const { graph } = loadModel(model, { exampleInputs: true });
      for (const d of listDevices()) {
        const cost = createCostModel(d);
        const opts = { objective: 'energy' as const };
        const plan = layerwise.plan(graph, d, cost, opts);
        validatePlan(plan, graph, d, cost);
        const best = rankSingles(graph, d, cost, opts)[0].score;
        expect(evaluatePlan(plan, graph, d, cost).energyJ, d.id).toBeLessThanOrEqual(best + 1e-12);
      }
    });
  }

  it('beats every single processor where the accelerator lacks ops (BERT on the Snapdragon 865)', () => {
    const { graph } = loadModel('zoo:bert-base');
    const d = getDevice('sd865');
    const cost = createCostModel(d);
    const plan = layerwise.plan(graph, d, cost);
    const best = rankSingles(graph, d, cost)[0].score;
    expect(evaluatePlan(plan, graph, d, cost).latencyMs).toBeLessThan(best * 0.5);
    expect(
      new Set(Object.values(plan.placements).map((p) => ('proc' in p ? p.proc : ''))).size,
    ).toBeGreaterThan(1);
  });
});
