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
import { bestSingle, rankSingles } from '../../src/plan/strategies/best-single.js';
import { heft } from '../../src/plan/strategies/heft.js';
import { layerwise } from '../../src/plan/strategies/layerwise.js';
import {
  cpu,
  DELEGATE_RULES,
  delegateRules,
  frameworkFallbackPlan,
  gpu,
  npu,
  partitionSupported,
  targetProcessor,
} from '../../src/plan/strategies/single.js';
import type { Strategy } from '../../src/plan/types.js';
import { validatePlan } from '../../src/plan/validate.js';

const device = getDevice('sd865'); // cpu-big, cpu-mid, cpu-little, gpu (TFLite GPU delegate), dsp (NNAPI)

/** CPU 10 ms, GPU 2 ms, DSP 1 ms per op; Softmax runs on CPUs only; 1 ms per MB moved, 0.5 ms per sync. */
const fake: CostModel = {
  device,
  opLatencyMs(node: Node, _g: Graph, proc: Processor, ctx?: RunContext) {
    if (node.op === 'Softmax' && proc.kind !== 'cpu') return Infinity;
    const ms = proc.kind === 'gpu' ? 2 : proc.kind === 'dsp' || proc.kind === 'npu' ? 1 : 10;
    return ms * (ctx?.split?.fraction ?? 1);
  },
  transferMs: (t: TensorInfo) => (tensorBytes(t) ?? 0) / 1e6,
  syncMs: () => 0.5,
  opEnergyJ(node, g, proc, ctx) {
    return this.opLatencyMs(node, g, proc, ctx) / 1000;
  },
  transferEnergyJ: () => 0,
  idlePowerW: () => 0.1,
};

/** A graph from [id, op, inputs] triples over [1,8,16,16] activations; the last node's output is y. */
function build(name: string, spec: [string, string, string[]][]): Graph {
  const nodes: Node[] = spec.map(([id, op, inputs], k): Node => {
    const attrs: Node['attrs'] = op === 'Softmax' ? { axis: 1 } : {};
    return { id, op, inputs, outputs: [k === spec.length - 1 ? 'y' : id], attrs };
  });
  const tensors = new Map<string, TensorInfo>([
    ['x', { name: 'x', shape: [1, 8, 16, 16], dtype: 'float32', constant: false }],
  ]);
  return inferShapes({ name, nodes, tensors, inputs: ['x'], outputs: ['y'], opsets: { '': 17 } }).graph;
}

// x → a → b → S1 → d → e → S2 → g → y (S = Softmax, unsupported on accelerators)
const chain = (): Graph =>
  build('chain', [
    ['a', 'Relu', ['x']],
    ['b', 'Relu', ['a']],
    ['s1', 'Softmax', ['b']],
    ['d', 'Relu', ['s1']],
    ['e', 'Relu', ['d']],
    ['s2', 'Softmax', ['e']],
    ['g', 'Relu', ['s2']],
  ]);

const ids = (g: Graph, sets: number[][]): string[][] => sets.map((s) => s.map((i) => g.nodes[i].id));
/** Support as on the accelerators of the fake cost model: everything but Softmax. */
const supportedOn = (g: Graph): boolean[] => g.nodes.map((n) => n.op !== 'Softmax');

describe('framework fallback partitioner', () => {
  it('groups supported nodes into partitions between unsupported ones', () => {
    const g = chain();
    const r = partitionSupported(g, supportedOn(g), { minNodesPerPartition: 1, maxPartitions: Infinity });
    expect(ids(g, r.partitions)).toEqual([['a', 'b'], ['d', 'e'], ['g']]);
    expect(r.unsupported.map((i) => g.nodes[i].id)).toEqual(['s1', 's2']);
    expect(r.rejected).toEqual([]);
    expect(r.order.map((i) => g.nodes[i].id)).toEqual(['a', 'b', 's1', 'd', 'e', 's2', 'g']);
  });

  it('sends partitions below the minimum size back to the CPU', () => {
    const g = chain();
    const r = partitionSupported(g, supportedOn(g), { minNodesPerPartition: 2, maxPartitions: Infinity });
    expect(ids(g, r.partitions)).toEqual([
      ['a', 'b'],
      ['d', 'e'],
    ]);
    expect(r.rejected.map((x) => [x.reason, ...x.nodes.map((i) => g.nodes[i].id)])).toEqual([
      ['min-nodes', 'g'],
    ]);
  });

  it('keeps only the largest partitions up to the maximum count', () => {
    const g = build('uneven', [
      ['a', 'Relu', ['x']],
      ['s1', 'Softmax', ['a']],
      ['c', 'Relu', ['s1']],
      ['d', 'Relu', ['c']],
      ['e', 'Relu', ['d']],
      ['s2', 'Softmax', ['e']],
      ['g', 'Relu', ['s2']],
      ['h', 'Relu', ['g']],
    ]);
    const r = partitionSupported(g, supportedOn(g), { minNodesPerPartition: 1, maxPartitions: 1 });
    expect(ids(g, r.partitions)).toEqual([['c', 'd', 'e']]);
    expect(r.rejected.map((x) => x.nodes.length).sort()).toEqual([1, 2]);
    expect(r.rejected.every((x) => x.reason === 'max-partitions')).toBe(true);
  });

  it('never makes a partition that would cycle through a CPU node (TFLite independent subsets)', () => {
    // a feeds both the unsupported s and c; c also reads s. {a, c} as one delegated kernel would need
    // s's output before it starts and produce s's input: a cycle. They must be two partitions.
    const g = build('cycle', [
      ['a', 'Relu', ['x']],
      ['s', 'Softmax', ['a']],
      ['c', 'Add', ['a', 's']],
    ]);
    const r = partitionSupported(g, supportedOn(g), { minNodesPerPartition: 1, maxPartitions: Infinity });
    expect(ids(g, r.partitions)).toEqual([['a'], ['c']]);
  });

  it('takes independent supported branches into one partition when they are ready together', () => {
    const g = build('fork', [
      ['a', 'Relu', ['x']],
      ['b', 'Sigmoid', ['x']],
      ['c', 'Add', ['a', 'b']],
      ['s', 'Softmax', ['c']],
    ]);
    const r = partitionSupported(g, supportedOn(g), { minNodesPerPartition: 1, maxPartitions: Infinity });
    expect(ids(g, r.partitions)).toEqual([['a', 'b', 'c']]);
  });

  it('has a sourced rule set per accelerator runtime of the catalog', () => {
    for (const d of listDevices()) {
      for (const p of d.processors.filter((q) => q.kind !== 'cpu')) {
        const rules = delegateRules(p);
        expect(rules.minNodesPerPartition).toBeGreaterThanOrEqual(1);
        expect(DELEGATE_RULES[p.supports.runtime], `${d.id} ${p.id}`).toBeDefined();
        expect(rules.source.length).toBeGreaterThan(10);
      }
    }
    expect(DELEGATE_RULES['tflite-gpu-delegate'].maxPartitions).toBe(1);
    expect(DELEGATE_RULES.nnapi.maxPartitions).toBe(3);
  });
});

describe('cpu / gpu / npu strategies', () => {
  it('gpu delegates only the largest partition (max_delegated_partitions = 1) and lists every fallback', () => {
    const g = chain();
    const plan = gpu.plan(g, device, fake);
    validatePlan(plan, g, device, fake, 'gpu');
    const on = (id: string): string => ('proc' in plan.placements[id] ? plan.placements[id].proc : 'split');
    expect(['a', 'b'].map(on)).toEqual(['gpu', 'gpu']);
    expect(['s1', 'd', 'e', 's2', 'g'].map(on)).toEqual(Array(5).fill('cpu-big'));
    expect(plan.fallbacks).toEqual(['s1', 'd', 'e', 's2', 'g']);
    expect(plan.notes.join('\n')).toMatch(/2 unsupported node\(s\) fall back to cpu-big: Softmax×2/);
    expect(plan.notes.join('\n')).toMatch(/2 partition\(s\) beyond the 1 largest/);
  });

  it('npu (a DSP here, NNAPI: up to 3 partitions) delegates every supported partition', () => {
    const g = chain();
    expect(targetProcessor(device, 'npu')?.id).toBe('dsp');
    const plan = npu.plan(g, device, fake);
    validatePlan(plan, g, device, fake, 'npu');
    expect(plan.fallbacks).toEqual(['s1', 's2']);
    const r = evaluatePlan(plan, g, device, fake);
    // 5 nodes × 1 ms on the DSP, 2 Softmax × 10 ms on the CPU, and 6 crossings: x in, 4 around the
    // Softmaxes, y back home.
    expect(r.crossEdges).toBe(6);
    expect(r.perProcessor['cpu-big'].computeMs).toBeCloseTo(20);
    expect(r.perProcessor.dsp.computeMs).toBeCloseTo(5);
  });

  it('cpu runs everything on the big cluster with no fallbacks', () => {
    const g = chain();
    const plan = cpu.plan(g, device, fake);
    expect(Object.values(plan.placements).every((p) => 'proc' in p && p.proc === 'cpu-big')).toBe(true);
    expect(plan.fallbacks).toBeUndefined();
    expect(evaluatePlan(plan, g, device, fake).latencyMs).toBeCloseTo(70);
  });

  it('refuses a processor the options exclude, with a one-line user error', () => {
    const g = chain();
    expect(() => gpu.plan(g, device, fake, { processors: ['cpu-big'] })).toThrow(
      /gpu is not among the allowed/,
    );
  });

  it('best-single picks the best single deployment by the objective and names the runner-up', () => {
    const g = chain();
    const ranked = rankSingles(g, device, fake);
    expect(ranked.map((r) => r.strategy)).toEqual(['npu', 'gpu', 'cpu']);
    const plan = bestSingle.plan(g, device, fake);
    expect(plan.strategy).toBe('best-single');
    expect(plan.notes[0]).toMatch(/picked npu .* by latency; runner-up gpu/);
    expect(evaluatePlan(plan, g, device, fake).latencyMs).toBeCloseTo(ranked[0].score);
  });
});

describe('on real models with the real cost model', () => {
  const strategies: Strategy[] = [cpu, gpu, npu, bestSingle, layerwise, heft];
  for (const model of ['zoo:mobilenetv2', 'zoo:inceptionv3', 'pkg:ppocr-rec']) {
    it(`every strategy's plan for ${model} validates on every catalog device`, () => {
      const { graph } = loadModel(model, { exampleInputs: true });
      for (const d of listDevices()) {
        const cost = createCostModel(d);
        const best = rankSingles(graph, d, cost)[0].score;
        for (const s of strategies) {
          const plan = s.plan(graph, d, cost);
          expect(() => validatePlan(plan, graph, d, cost, `${s.name} on ${d.id}`)).not.toThrow();
          const r = evaluatePlan(plan, graph, d, cost);
          expect(r.latencyMs, `${s.name} ${model} ${d.id}`).toBeGreaterThan(0);
          if (s === layerwise || s === bestSingle) expect(r.latencyMs).toBeLessThanOrEqual(best + 1e-9);
        }
      }
    });
  }

  it('NPU framework fallback costs real time against a hypothetical NPU that runs every op', () => {
    // ViT-B/16 on the Snapdragon 8 Gen 2 HTP: its 12 Erf ops (GELU) fall back, splitting the model into
    // 13 partitions with a CPU hop between each.
    const { graph } = loadModel('zoo:vit-b16');
    const d = getDevice('sd8gen2');
    const real = createCostModel(d);
    const dsp = targetProcessor(d, 'npu') as Processor;
    const plan = npu.plan(graph, d, real);
    expect(plan.fallbacks?.length).toBeGreaterThan(0);
    // The hypothetical NPU runs the ops it lacks as fast as the CPU would: no fallback, no moves.
    const hypothetical: CostModel = {
      device: d,
      opLatencyMs(node, g, proc, ctx) {
        const ms = real.opLatencyMs(node, g, proc, ctx);
        return proc.id === dsp.id && !Number.isFinite(ms)
          ? real.opLatencyMs(node, g, d.processors[0], ctx)
          : ms;
      },
      opEnergyJ: (node, g, proc, ctx) =>
        real.opEnergyJ(node, g, proc.id === dsp.id ? d.processors[0] : proc, ctx),
      transferMs: (t, from, to, ctx) => real.transferMs(t, from, to, ctx),
      syncMs: (from, to) => real.syncMs(from, to),
      transferEnergyJ: (t, from, to, ctx) => real.transferEnergyJ(t, from, to, ctx),
      idlePowerW: (p) => real.idlePowerW(p),
    };
    const allOnNpu = makePlan(
      graph,
      d,
      'all-npu',
      Object.fromEntries(graph.nodes.map((n) => [n.id, { proc: dsp.id }])),
    );
    const withFallback = evaluatePlan(plan, graph, d, hypothetical);
    const ideal = evaluatePlan(allOnNpu, graph, d, hypothetical);
    expect(withFallback.crossEdges).toBeGreaterThan(ideal.crossEdges);
    expect(
      withFallback.perProcessor[dsp.id].transferMs + withFallback.perProcessor['cpu-big'].transferMs,
    ).toBeGreaterThan(ideal.perProcessor[dsp.id].transferMs + ideal.perProcessor['cpu-big'].transferMs);
    expect(withFallback.latencyMs).toBeGreaterThan(ideal.latencyMs);
  });

  it('frameworkFallbackPlan keeps the CPU available even when the options exclude it', () => {
    const g = chain();
    const plan = frameworkFallbackPlan(g, device, fake, targetProcessor(device, 'npu') as Processor, 'npu', {
      processors: ['dsp'],
    });
    validatePlan(plan, g, device, fake);
    expect(plan.fallbacks).toEqual(['s1', 's2']);
  });
});
