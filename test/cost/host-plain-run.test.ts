// The host cost model prices a plan as a plain session.run: evaluatePlan of a one-partition plan on
// the whole CPU is the plain-run prediction (host-run.ts predictRunMs); the profiled span per op only
// when the context asks for it; per-core workers pay the session's fixed cost on their dependencies.
import { describe, expect, it } from 'vitest';
import { predictRunMs, type RunOverhead } from '../../src/cost/host-run.js';
import { withCoreWorkerParams } from '../../src/cost/for-device.js';
import { createCostModel } from '../../src/cost/model.js';
import type { DeviceCostParams, ProcessorCostParams } from '../../src/cost/types.js';
import { buildHostDevice, withCoreWorkers } from '../../src/hardware/host.js';
import { evaluatePlan } from '../../src/plan/evaluate.js';
import { makePlan } from '../../src/plan/make-plan.js';
import type { Graph, Node } from '../../src/graph/types.js';
import { loadProfileTarget } from '../../src/runtime/profile.js';
import { FUSED_ACTIVATION_ATTR, FUSED_BOUNDS_ATTR } from '../../src/graph/fused-activation.js';
import { conv, oneOp } from './model-helpers.js';
import { CALIBRATION_HOST } from '../test-host.js';

const HOST = CALIBRATION_HOST;

const RUN: RunOverhead = {
  fixedMs: 0.25,
  perNodeMs: 0,
  kernelScale: 1.04,
  spanInflationMs: 0.004,
  kernelFloorMs: 0.001,
  profilerEventMs: 0.006,
};

const BASE: ProcessorCostParams = {
  efficiency: {
    other: { points: [[0, 0.1]] },
    conv: {
      points: [
        [4, 0.05],
        [8, 0.4],
      ],
    },
  },
  bandwidthGBps: 40,
  dispatchUs: 3,
  tileChannels: 1,
};

function hostModel(run: RunOverhead | undefined) {
  const device = withCoreWorkers(buildHostDevice(HOST));
  const entry: ProcessorCostParams = run ? { ...BASE, run } : BASE;
  const params: DeviceCostParams = {
    device: 'host',
    processors: { cpu: entry, 'cpu@1': entry, 'cpu@2': entry },
    fittedFrom: 'test',
  };
  return { device, model: createCostModel(device, withCoreWorkerParams(params, device, 300)) };
}

function allOn(graph: Graph, proc: string) {
  return Object.fromEntries(graph.nodes.map((n) => [n.id, { proc }]));
}

describe('host plans as plain runs', () => {
  const models = ['pkg:ppocr-cls', 'pkg:silero-vad', 'zoo:mobilenetv2'].map(
    (spec) => loadProfileTarget(spec).graph,
  );

  it('evaluatePlan of a one-partition cpu plan is predictRunMs (fixed session cost once)', () => {
    const { device, model } = hostModel(RUN);
    for (const graph of models) {
      const plan = makePlan(graph, device, 'test', allOn(graph, 'cpu'));
      const evaluated = evaluatePlan(plan, graph, device, model).latencyMs;
      const predicted = predictRunMs(model, { 2: RUN }, graph, 2).endToEndMs;
      expect(Math.abs(evaluated / predicted - 1)).toBeLessThan(0.01);
    }
  });

  it('prices spans only when asked for the profiled view, and plain runs below them', () => {
    const { device, model } = hostModel(RUN);
    const cpu = device.processors.find((p) => p.id === 'cpu');
    if (!cpu) throw new Error('no cpu');
    const graph = models[0];
    const spans = hostModel(undefined).model;
    let plain = 0;
    let span = 0;
    for (const n of graph.nodes) {
      const s = model.opLatencyMs(n, graph, cpu, { profiled: true });
      expect(s).toBeCloseTo(spans.opLatencyMs(n, graph, cpu), 12);
      span += s;
      plain += model.opLatencyMs(n, graph, cpu);
    }
    // Many µs kernels: the profiler's in-span cost outweighs the session's fixed cost here.
    expect(plain).toBeLessThan(span);
    expect(plain).toBeGreaterThan(RUN.fixedMs);
    // The per-op spans are what validation scores (predictRunMs's nodeMs).
    const { nodeMs } = predictRunMs(model, { 2: RUN }, graph, 2);
    for (const n of graph.nodes) {
      expect(nodeMs.get(n.id)).toBeCloseTo(
        model.opLatencyMs(n, graph, cpu, { threads: 2, profiled: true }),
        12,
      );
    }
  });

  it('prices a HardSwish as the two kernels ORT runs for it (HardSigmoid, then Mul)', () => {
    const { device, model } = hostModel(RUN);
    const cpu = device.processors.find((p) => p.id === 'cpu');
    if (!cpu) throw new Error('no cpu');
    const hs = oneOp('HardSwish', { x: [1, 16, 28, 28] });
    const sig = oneOp('HardSigmoid', { x: [1, 16, 28, 28] });
    const mul = oneOp('Mul', { x: [1, 16, 28, 28], z: [1, 16, 28, 28] });
    const span = (o: { g: Graph; n: Node }): number => model.opLatencyMs(o.n, o.g, cpu, { profiled: true });
    expect(span(hs)).toBeCloseTo(span(sig) + span(mul), 12);
    // Plain: each kernel loses the profiler's in-span cost, and the session's fixed cost is shared.
    const plain = (ms: number): number => (RUN.kernelScale ?? 1) * (ms - (RUN.spanInflationMs ?? 0));
    expect(model.opLatencyMs(hs.n, hs.g, cpu)).toBeCloseTo(
      plain(span(sig)) + plain(span(mul)) + RUN.fixedMs,
      12,
    );
  });

  it('prices a node with a fused activation as the node and its Relu/Clip, as the exported model runs', () => {
    const { device, model } = hostModel(RUN);
    const cpu = device.processors.find((p) => p.id === 'cpu');
    if (!cpu) throw new Error('no cpu');
    const fusedAttrs = {
      pads: [1, 1, 1, 1],
      group: 1,
      [FUSED_ACTIVATION_ATTR]: 'Clip',
      [FUSED_BOUNDS_ATTR]: [0, 6],
    };
    const fused = oneOp('Conv', { x: [1, 16, 28, 28] }, { w: [32, 16, 3, 3], b: [32] }, fusedAttrs);
    const plain = conv(16, 32, 28);
    const clip = oneOp('Clip', { x: [1, 32, 28, 28] });
    const span = (o: { g: Graph; n: Node }): number => model.opLatencyMs(o.n, o.g, cpu, { profiled: true });
    expect(span(fused)).toBeCloseTo(span(plain) + span(clip), 12);
    expect(span(fused)).toBeGreaterThan(span(plain));
  });

  it('does not charge the session fixed cost on per-core workers (their dependencies carry it)', () => {
    const { device, model } = hostModel(RUN);
    const noFixed = hostModel({ ...RUN, fixedMs: 0 }).model;
    const graph = models[0];
    const plan = makePlan(graph, device, 'test', allOn(graph, 'cpu0'));
    const a = evaluatePlan(plan, graph, device, model).latencyMs;
    const b = evaluatePlan(plan, graph, device, noFixed).latencyMs;
    expect(a).toBeCloseTo(b, 9);
    const whole = makePlan(graph, device, 'test', allOn(graph, 'cpu'));
    const c = evaluatePlan(whole, graph, device, model).latencyMs;
    const d = evaluatePlan(whole, graph, device, noFixed).latencyMs;
    expect(c - d).toBeCloseTo(RUN.fixedMs, 9);
  });
});
