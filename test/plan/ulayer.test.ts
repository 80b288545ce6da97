import { describe, expect, it } from 'vitest';
import { createCostModel } from '../../src/cost/index.js';
import type { CostModel, RunContext } from '../../src/cost/types.js';
import { loadModel } from '../../src/frontend/load.js';
import { inferShapes } from '../../src/graph/shape-inference.js';
import type { Graph, Node, TensorInfo } from '../../src/graph/types.js';
import { getDevice } from '../../src/hardware/catalog.js';
import type { Processor } from '../../src/hardware/schema.js';
import { evaluatePlan } from '../../src/plan/evaluate.js';
import { makePlan } from '../../src/plan/make-plan.js';
import { splitProblem } from '../../src/plan/split-rules.js';
import { createULayer, ulayer } from '../../src/plan/strategies/ulayer.js';
import type { Placement } from '../../src/plan/types.js';
import { validatePlan } from '../../src/plan/validate.js';

const device = getDevice('sd865');

/** Conv costs 30 ms on a CPU and 10 ms on the GPU (× its share); everything else 1 ms; syncs 0.1 ms. */
const fake: CostModel = {
  device,
  opLatencyMs(node: Node, _g: Graph, proc: Processor, ctx?: RunContext) {
    const whole = node.op === 'Conv' ? (proc.kind === 'gpu' ? 10 : 30) : proc.kind === 'gpu' ? 2 : 1;
    return whole * (ctx?.split?.fraction ?? 1);
  },
  transferMs: () => 0.05,
  syncMs: () => 0.1,
  opEnergyJ: () => 0,
  transferEnergyJ: () => 0,
  idlePowerW: () => 0,
};

/** x [1,16,32,32] → conv (16 → oc channels) → relu. */
function convRelu(oc: number, channels = 16, size = 32): Graph {
  const nodes: Node[] = [
    { id: 'conv', op: 'Conv', inputs: ['x', 'w'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1] } },
    { id: 'relu', op: 'Relu', inputs: ['c'], outputs: ['y'], attrs: {} },
  ];
  const tensors = new Map<string, TensorInfo>([
    ['x', { name: 'x', shape: [1, channels, size, size], dtype: 'float32', constant: false }],
    ['w', { name: 'w', shape: [oc, channels, 3, 3], dtype: 'float32', constant: true }],
  ]);
  return inferShapes({ name: 'conv-relu', nodes, tensors, inputs: ['x'], outputs: ['y'], opsets: { '': 17 } })
    .graph;
}

const allOn = (g: Graph, proc: string): Record<string, Placement> =>
  Object.fromEntries(g.nodes.map((n) => [n.id, { proc }]));

/** The CPU cluster of `device` with the least summed latency over the graph's nodes. */
function fastestCluster(g: Graph, cost: CostModel): Processor {
  const total = (p: Processor): number => g.nodes.reduce((s, n) => s + cost.opLatencyMs(n, g, p), 0);
  return device.processors.filter((p) => p.kind === 'cpu').reduce((a, b) => (total(b) < total(a) ? b : a));
}

describe('ulayer', () => {
  it('splits a conv channel-wise by the throughput ratio and runs the rest on the faster processor', () => {
    const g = convRelu(16);
    const plan = ulayer.plan(g, device, fake);
    validatePlan(plan, g, device, fake, 'ulayer');
    const conv = plan.placements.conv;
    if (!('split' in conv)) throw new Error('conv not split');
    expect(conv.split.axis).toBe('OC');
    // f_cpu = t_gpu / (t_cpu + t_gpu) = 10 / 40 = 4 of 16 channels.
    expect(conv.split.parts).toEqual([
      { proc: 'cpu-big', fraction: 0.25 },
      { proc: 'gpu', fraction: 0.75 },
    ]);
    expect(plan.placements.relu).toEqual({ proc: 'cpu-big' }); // 1 ms on the CPU vs 2 on the GPU
  });

  it('uses the cost model ratio, whole channels, valid splits on a real model', () => {
    const { graph } = loadModel('zoo:resnet50');
    const cost = createCostModel(device);
    const plan = ulayer.plan(graph, device, cost);
    validatePlan(plan, graph, device, cost, 'ulayer');
    // The CPU side is the CPU cluster with the least summed predicted latency on the model.
    const cpu = fastestCluster(graph, cost);
    expect(cpu.id).toBe('cpu-mid'); // three performance cores beat the one prime core on sd865
    const gpu = device.processors.find((p) => p.id === 'gpu')!;
    let splits = 0;
    for (const node of graph.nodes) {
      const p = plan.placements[node.id];
      const tc = cost.opLatencyMs(node, graph, cpu);
      const tg = cost.opLatencyMs(node, graph, gpu);
      if (!('split' in p)) {
        // Not split: it cannot be (or one side cannot run it); then the faster processor.
        expect(splitProblem(node, graph, 'OC', 2) !== undefined || !Number.isFinite(tg)).toBe(true);
        expect(p.proc).toBe(tc <= tg ? cpu.id : 'gpu');
        continue;
      }
      splits++;
      const parts = p.split.parts;
      expect(parts.map((q) => q.proc)).toEqual([cpu.id, 'gpu']);
      expect(parts.reduce((s, q) => s + q.fraction, 0)).toBeCloseTo(1, 9);
      expect(splitProblem(node, graph, p.split.axis, parts.length)).toBeUndefined();
      const oc = graph.tensors.get(node.outputs[0])!.shape![1] as number;
      const channels =
        node.op === 'Gemm' ? (graph.tensors.get(node.outputs[0])!.shape!.at(-1) as number) : oc;
      expect(Math.abs(parts[0].fraction - tg / (tc + tg))).toBeLessThanOrEqual(1 / channels + 1e-12);
      const units = parts[0].fraction * channels;
      expect(units).toBeCloseTo(Math.round(units), 6);
    }
    // Every conv and the classifier are split (μLayer splits every splittable layer).
    expect(splits).toBe(graph.nodes.filter((n) => n.op === 'Conv' || n.op === 'Gemm').length);
  });

  it('beats both single processors on one compute-heavy conv (real cost model)', () => {
    const g = convRelu(512, 512, 56);
    const cost = createCostModel(getDevice('sd855'));
    const d = getDevice('sd855');
    const split = evaluatePlan(ulayer.plan(g, d, cost), g, d, cost).latencyMs;
    // Against the fastest CPU cluster alone.
    const cpuMs = Math.min(
      ...d.processors
        .filter((p) => p.kind === 'cpu')
        .map((p) => evaluatePlan(makePlan(g, d, 'cpu', allOn(g, p.id)), g, d, cost).latencyMs),
    );
    const gpuMs = evaluatePlan(makePlan(g, d, 'gpu', allOn(g, 'gpu')), g, d, cost).latencyMs;
    expect(split).toBeLessThan(gpuMs);
    expect(split).toBeLessThan(cpuMs);
  });

  it('quantizes processor-friendly: int8 CPU parts, fp16 GPU parts, faster CPU share', () => {
    const { graph } = loadModel('zoo:vgg16');
    const cost = createCostModel(device);
    const plain = ulayer.plan(graph, device, cost);
    const q = createULayer({ quantize: true }).plan(graph, device, cost);
    validatePlan(q, graph, device, cost, 'ulayer');
    const conv = graph.nodes.find((n) => n.op === 'Conv')!;
    const pq = q.placements[conv.id];
    const pp = plain.placements[conv.id];
    if (!('split' in pq) || !('split' in pp)) throw new Error('conv not split');
    expect(pq.split.parts.map((p) => p.computeDType)).toEqual(['int8', 'float16']);
    // int8 quadruples the CPU's peak: it takes a larger share.
    expect(pq.split.parts[0].fraction).toBeGreaterThan(pp.split.parts[0].fraction);
    expect(evaluatePlan(q, graph, device, cost).latencyMs).toBeLessThan(
      evaluatePlan(plain, graph, device, cost).latencyMs,
    );
    expect(q.notes.join(' ')).toMatch(/quantization/);
  });

  it('runs everything on the CPU when no GPU may be used', () => {
    const g = convRelu(16);
    const plan = ulayer.plan(g, device, fake, { processors: ['cpu-big'] });
    validatePlan(plan, g, device, fake, 'ulayer');
    expect(Object.values(plan.placements)).toEqual([{ proc: 'cpu-big' }, { proc: 'cpu-big' }]);
    expect(plan.notes[0]).toMatch(/no usable GPU/);
  });
});
