import { describe, expect, it } from 'vitest';
import { deviceWithCost } from '../../src/cost/for-device.js';
import type { CostModel, RunContext } from '../../src/cost/types.js';
import { loadModel } from '../../src/frontend/load.js';
import { inferShapes } from '../../src/graph/shape-inference.js';
import type { Graph, Node, TensorInfo } from '../../src/graph/types.js';
import { getDevice } from '../../src/hardware/catalog.js';
import type { Device, Processor } from '../../src/hardware/schema.js';
import { evaluatePlan } from '../../src/plan/evaluate.js';
import { canRun, makePlan } from '../../src/plan/make-plan.js';
import { splitProblem } from '../../src/plan/split-rules.js';
import { codl, coExecutionPlan } from '../../src/plan/strategies/codl.js';
import { ulayer } from '../../src/plan/strategies/ulayer.js';
import type { Placement, Plan } from '../../src/plan/types.js';
import { validatePlan } from '../../src/plan/validate.js';

const sd865 = getDevice('sd865');

/**
 * CPU and GPU equally fast (10 ms per conv × share, 1 ms per other op), transfers 0.2 ms, syncs 1 ms:
 * splitting pays only when the data stays on each side.
 */
const fake: CostModel = {
  device: sd865,
  opLatencyMs(node: Node, _g: Graph, _proc: Processor, ctx?: RunContext) {
    return (node.op === 'Conv' ? 10 : 1) * (ctx?.split?.fraction ?? 1);
  },
  transferMs: () => 0.2,
  syncMs: () => 1,
  opEnergyJ: () => 0,
  transferEnergyJ: () => 0,
  idlePowerW: () => 0,
};

/** x [1,16,64,64] → (conv → relu) × depth: one chain of H-splittable operators. */
function convChain(depth: number, channels = 16, size = 64): Graph {
  const nodes: Node[] = [];
  const tensors = new Map<string, TensorInfo>([
    ['x', { name: 'x', shape: [1, channels, size, size], dtype: 'float32', constant: false }],
  ]);
  let prev = 'x';
  for (let i = 0; i < depth; i++) {
    tensors.set(`w${i}`, {
      name: `w${i}`,
      shape: [channels, channels, 3, 3],
      dtype: 'float32',
      constant: true,
    });
    nodes.push({
      id: `conv${i}`,
      op: 'Conv',
      inputs: [prev, `w${i}`],
      outputs: [`c${i}`],
      attrs: { pads: [1, 1, 1, 1] },
    });
    nodes.push({ id: `relu${i}`, op: 'Relu', inputs: [`c${i}`], outputs: [`r${i}`], attrs: {} });
    prev = `r${i}`;
  }
  return inferShapes({ name: 'chain', nodes, tensors, inputs: ['x'], outputs: [prev], opsets: { '': 17 } })
    .graph;
}

const allOn = (g: Graph, proc: string): Record<string, Placement> =>
  Object.fromEntries(g.nodes.map((n) => [n.id, { proc }]));

/**
 * Every node on `procId`, the ones it cannot run on the CPU cluster `fallbackId` (the
 * framework-fallback baseline).
 */
function singleBaseline(g: Graph, d: Device, cost: CostModel, procId: string, fallbackId: string): Plan {
  const proc = d.processors.find((p) => p.id === procId)!;
  const placements: Record<string, Placement> = {};
  for (const n of g.nodes) placements[n.id] = { proc: canRun(n, g, proc, cost) ? procId : fallbackId };
  return makePlan(g, d, procId, placements);
}

/** The CPU cluster that runs `g` fastest on its own (judged by evaluatePlan), and its latency. */
function fastestCpu(g: Graph, d: Device, cost: CostModel): { id: string; ms: number } {
  const runs = d.processors
    .filter((p) => p.kind === 'cpu')
    .map((p) => ({ id: p.id, ms: evaluatePlan(makePlan(g, d, p.id, allOn(g, p.id)), g, d, cost).latencyMs }));
  return runs.reduce((a, b) => (b.ms < a.ms ? b : a));
}

/** CPU processors a plan computes on (whole or as split parts). */
function cpusUsed(plan: Plan, d: Device): Set<string> {
  const cpus = new Set(d.processors.filter((p) => p.kind === 'cpu').map((p) => p.id));
  const used = new Set<string>();
  for (const p of Object.values(plan.placements)) {
    for (const proc of 'split' in p ? p.split.parts.map((q) => q.proc) : [p.proc]) {
      if (cpus.has(proc)) used.add(proc);
    }
  }
  return used;
}

function checkSplits(plan: Plan, g: Graph): number {
  let splits = 0;
  for (const node of g.nodes) {
    const p = plan.placements[node.id];
    if (!('split' in p)) continue;
    splits++;
    expect(p.split.parts.reduce((s, q) => s + q.fraction, 0)).toBeCloseTo(1, 9);
    expect(['H', 'OC']).toContain(p.split.axis);
    expect(splitProblem(node, g, p.split.axis, p.split.parts.length)).toBeUndefined();
  }
  return splits;
}

describe('codl', () => {
  it('forms one H chain that keeps data on each side: halo rows are recomputed, nothing crosses inside', () => {
    const g = convChain(6);
    const plan = codl.plan(g, sd865, fake);
    validatePlan(plan, g, sd865, fake, 'codl');
    const shares = g.nodes.map((n) => {
      const p = plan.placements[n.id];
      if (!('split' in p)) throw new Error(`${n.id} not split`);
      expect(p.split.axis).toBe('H');
      return p.split.parts[0].fraction;
    });
    expect(new Set(shares).size).toBe(1); // one ratio for the chain
    expect(shares[0]).toBeCloseTo(0.5, 1);
    const r = evaluatePlan(plan, g, sd865, fake);
    // Only the graph input (to the GPU; the first conv's halo included) and the output (back to the
    // CPU) cross processors: each 3×3 conv after the first recomputes its halo rows of its producer.
    expect(r.crossEdges).toBe(2);
    expect(
      r.trace.events.filter((e) => e.kind === 'sync' && e.node !== g.nodes[0].id && e.node !== 'output'),
    ).toHaveLength(0);
    const single = evaluatePlan(makePlan(g, sd865, 'x', allOn(g, 'gpu')), g, sd865, fake).latencyMs;
    expect(r.latencyMs).toBeLessThan(0.6 * single);
  });

  it('returns valid plans whose splits sum to 1 and respect splitProblem on real models', () => {
    for (const name of ['resnet50', 'mobilenetv2', 'yolov2', 'inceptionv3', 'bert-base']) {
      const { graph } = loadModel(`zoo:${name}`, { deploy: true });
      for (const id of ['sd865', 'kirin990', 'dimensity9200']) {
        const { device: d, cost } = deviceWithCost(id);
        const { plan } = coExecutionPlan(graph, d, cost);
        validatePlan(plan, graph, d, cost, 'codl');
        checkSplits(plan, graph);
        validatePlan(codl.plan(graph, d, cost), graph, d, cost, 'codl');
      }
    }
  });

  it('is never worse than its own all-on-the-faster-processor candidate', () => {
    for (const name of ['resnet50', 'vgg16', 'mobilenetv2']) {
      const { graph } = loadModel(`zoo:${name}`, { deploy: true });
      for (const id of ['sd855', 'sd888']) {
        const { device: d, cost } = deviceWithCost(id);
        const { single } = coExecutionPlan(graph, d, cost);
        const chosen = evaluatePlan(codl.plan(graph, d, cost), graph, d, cost).latencyMs;
        expect(chosen).toBeLessThanOrEqual(evaluatePlan(single!.plan, graph, d, cost).latencyMs + 1e-9);
      }
    }
  });

  it('splits a compute-heavy conv below either single processor (real cost model)', () => {
    const g = convChain(1, 512, 56);
    const { device: d, cost } = deviceWithCost('sd855');
    const plan = codl.plan(g, d, cost);
    expect(checkSplits(plan, g)).toBeGreaterThan(0);
    const cpu = fastestCpu(g, d, cost);
    // The CPU side is the cluster that runs the model fastest (the three-core cluster on sd855).
    expect(cpusUsed(plan, d)).toEqual(new Set([cpu.id]));
    const ms = evaluatePlan(plan, g, d, cost).latencyMs;
    expect(ms).toBeLessThan(evaluatePlan(singleBaseline(g, d, cost, 'gpu', cpu.id), g, d, cost).latencyMs);
    expect(ms).toBeLessThan(cpu.ms);
  });

  it('pairs the GPU with the CPU cluster predicted fastest on the model', () => {
    // cpu-mid twice as fast as cpu-big: the split's CPU parts go to cpu-mid; without cpu-mid, cpu-big.
    const midFaster: CostModel = {
      ...fake,
      opLatencyMs: (node, g, proc, ctx) =>
        fake.opLatencyMs(node, g, proc, ctx) * (proc.id === 'cpu-mid' ? 0.5 : proc.kind === 'cpu' ? 1 : 0.5),
    };
    const g = convChain(4);
    expect(cpusUsed(codl.plan(g, sd865, midFaster), sd865)).toEqual(new Set(['cpu-mid']));
    const noMid = { processors: ['cpu-big', 'cpu-little', 'gpu'] };
    expect(cpusUsed(codl.plan(g, sd865, midFaster, noMid), sd865)).toEqual(new Set(['cpu-big']));
  });

  it('falls back to the CPU without a usable GPU', () => {
    const g = convChain(2);
    const plan = codl.plan(g, sd865, fake, { processors: ['cpu-big', 'cpu-mid'] });
    validatePlan(plan, g, sd865, fake, 'codl');
    expect(new Set(Object.values(plan.placements).map((p) => ('proc' in p ? p.proc : 'split')))).toEqual(
      new Set(['cpu-big']),
    );
  });

  // The target on the CoDL model set × Snapdragon devices: deployed graphs (BatchNorm folded,
  // activations fused) under the calibrated cost models (sd855/sd865 fitted to published latencies,
  // sd888 transferred from them: src/cost/calibrations/), whose CPU clusters scale sub-linearly with
  // their cores (PHONE_CPU_CORE_SCALING, src/cost/defaults.ts).
  const MODELS = [
    'yolov2',
    'vgg16',
    'posenet',
    'fast-style-transfer',
    'retinaface',
    'resnet50',
    'mobilenetv2',
  ];
  const DEVICES = ['sd855', 'sd865', 'sd888'];
  // The CPU baseline is the CPU cluster that runs the model fastest alone (the three-core `cpu-mid`,
  // except MobileNetV2 on sd888, where the Cortex-X1 prime `cpu-big` wins), the cluster CoDL and μLayer
  // pair the GPU with. CoDL's own baseline ran MACE with 4 threads on the four big cores (prime + gold:
  // `--num_threads=4`, AFFINITY_BIG_ONLY, csu-eis/CoDL codl-eval-tools); the catalog has no processor
  // spanning two clusters, so both sides of the comparison use the same fastest single cluster.
  const table: {
    model: string;
    device: string;
    codl: number;
    ulayer: number;
    cpu: number;
    gpu: number;
    fastestCpu: string;
    codlCpus: Set<string>;
    ulayerCpus: Set<string>;
  }[] = [];
  for (const model of MODELS) {
    const { graph } = loadModel(`zoo:${model}`, { deploy: true });
    for (const id of DEVICES) {
      const { device: d, cost } = deviceWithCost(id);
      const ms = (p: Plan): number => evaluatePlan(p, graph, d, cost).latencyMs;
      const cpu = fastestCpu(graph, d, cost);
      const codlPlan = codl.plan(graph, d, cost);
      const ulayerPlan = ulayer.plan(graph, d, cost);
      table.push({
        model,
        device: id,
        codl: ms(codlPlan),
        ulayer: ms(ulayerPlan),
        cpu: cpu.ms,
        gpu: ms(singleBaseline(graph, d, cost, 'gpu', cpu.id)),
        fastestCpu: cpu.id,
        codlCpus: cpusUsed(codlPlan, d),
        ulayerCpus: cpusUsed(ulayerPlan, d),
      });
    }
  }

  it('co-executes with the fastest CPU cluster, as ulayer does', () => {
    for (const row of table) {
      const where = `${row.model} on ${row.device}`;
      for (const id of row.codlCpus) expect(id, where).toBe(row.fastestCpu);
      expect(row.ulayerCpus, where).toEqual(new Set([row.fastestCpu]));
    }
  });

  it('beats ulayer, and is never worse than the CPU or the GPU, on the CoDL model set', () => {
    for (const row of table) {
      expect(row.codl, `${row.model} on ${row.device}`).toBeLessThan(row.ulayer);
      expect(row.codl, `${row.model} on ${row.device}`).toBeLessThanOrEqual(row.cpu + 1e-9);
      expect(row.codl, `${row.model} on ${row.device}`).toBeLessThanOrEqual(row.gpu + 1e-9);
    }
  });

  // Under the calibrated/transferred cost models the GPU is ~10x the single-core cpu-big on convs, so
  // CoDL's per-op DP alone kept posenet, mobilenetv2 and (sd888) resnet50 all on the GPU (ties).
  // Exchanging halo rows inside H chains (a fixed ~0.35 ms sync + transfer per windowed op and side)
  // kept them there; with CoDL's recompute of halos inside chains (evaluatePlan's recompute model)
  // the chain candidates beat the GPU again.
  //
  // MobileNetV2 on sd865 is the closest row. With linear core scaling the three-core cpu-mid alone
  // (7.85 ms) beat the GPU (9.42 ms) and every split, so CoDL only tied the CPU. With the published
  // sub-linear scaling (ncnn: 4 big-core threads reach ~2.1-2.5x one thread, not 4x), cpu-mid takes
  // 10.3 ms and CoDL's chains 8.7 ms. It also held for the other settings tried near the fit
  // (extra-core efficiency 0.6-0.8 with fork/join 0-10 µs per extra thread); scaling as close to
  // linear as 0.9 without fork/join (2.8-2.9x at 4 threads, beyond the published 2.1-2.5x) ties again.
  it('issue target: codl strictly beats both single processors', () => {
    for (const row of table) {
      const where = `${row.model} on ${row.device}`;
      expect(row.codl, where).toBeLessThan(row.gpu);
      expect(row.codl, where).toBeLessThan(row.cpu);
    }
  });
});
