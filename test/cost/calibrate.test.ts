import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderValidation } from '../../src/cli/validate.js';
import {
  calibrateHost,
  effectiveThreads,
  executedNodeCount,
  fitCurve,
  predictRunMs,
  type ProfiledModel,
} from '../../src/cost/calibrate-host.js';
import { deviceWithCost } from '../../src/cost/for-device.js';
import { KERNEL_FEATURES, kernelGroup } from '../../src/cost/host-kernel-features.js';
import { kernelLatencyUs } from '../../src/cost/host-kernel-model.js';
import { createCostModel } from '../../src/cost/model.js';
import { nodeInfo } from '../../src/cost/roofline.js';
import { estimateOf, type ModelProfile } from '../../src/cost/measurements.js';
import type { ProcessorCostParams } from '../../src/cost/types.js';
import { loadProfileTarget } from '../../src/runtime/profile.js';
import { predictGraphMs, validateHost } from '../../src/cost/validate-host.js';
import { HeteroError } from '../../src/errors.js';
import { buildHostDevice, loadHost, saveHostFile } from '../../src/hardware/host.js';
import { profileSuite, type SuiteModel } from '../../src/runtime/profile-suite.js';
import { CALIBRATION_HOST } from '../test-host.js';

const HOST = CALIBRATION_HOST;

const SMALL: SuiteModel[] = [
  { family: 'ppocr-cls', spec: 'pkg:ppocr-cls', inputs: [{ name: 'x', dims: [1, 3, 48, 96] }] },
  { family: 'mobilenetv2', spec: 'zoo:mobilenetv2', inputs: [{ name: 'input', dims: [1, 3, 96, 96] }] },
];

describe('host calibration on two small models', () => {
  let data: ProfiledModel[];
  beforeAll(async () => {
    const measured = await profileSuite(SMALL, [1, 2], {
      runs: 3,
      warmup: 1,
      cacheDir: false,
      quiet: false,
      sessions: 1,
    });
    // These tests check the fit, not the machine: as if measured on a quiet one (see effectiveThreads).
    data = measured.map((d) => ({ ...d, profile: { ...d.profile, backgroundCores: 0 } }));
  });

  it('fits a 2-thread profile taken while others held a core as the 1 thread it had', () => {
    const loaded = data.map((d) =>
      d.profile.threads === 2 ? { ...d, profile: { ...d.profile, backgroundCores: 0.9 } } : d,
    );
    expect(effectiveThreads(loaded[1].profile, 2)).toBe(1);
    expect(effectiveThreads({ threads: 2, backgroundCores: 0.3 }, 2)).toBe(2);
    expect(effectiveThreads({ threads: 2 }, 2)).toBe(2);
    const c = calibrateHost(HOST, loaded);
    expect(Object.keys(c.params.processors).sort()).toEqual(['cpu', 'cpu@1']);
    const r = validateHost(HOST, loaded);
    const relabelled = r.models.filter((m) => m.threads === 2);
    expect(relabelled.length).toBe(2);
    for (const m of relabelled) expect(m.effectiveThreads).toBe(1);
  });

  it('measures the deployed graphs and fits a fused activation as the kernel it runs as', () => {
    for (const d of data) expect(d.graph.nodes.some((n) => n.op === 'BatchNormalization')).toBe(false);
    const fused = data.flatMap((d) => d.profile.nodes.filter((n) => n.kernels));
    expect(fused.length).toBeGreaterThan(10);
    const models = calibrateHost(HOST, data).params.processors['cpu@1'].kernels?.models ?? {};
    // The Relu/Clip after a conv has its own models (keyed after the layout its base kernel wrote);
    // fitted on the node's summed time instead, nothing would be keyed so.
    const activationKeys = Object.keys(models).filter((k) => /^(Relu|Clip)<(gemm|grouped)$/.test(k));
    expect(activationKeys.length).toBeGreaterThan(0);
  });

  it('fits finite parameters per thread count that the cost model accepts', () => {
    const c = calibrateHost(HOST, data);
    expect(Object.keys(c.params.processors).sort()).toEqual(['cpu', 'cpu@1', 'cpu@2']);
    for (const p of Object.values(c.params.processors)) {
      expect(Number.isFinite(p.dispatchUs) && p.dispatchUs > 0).toBe(true);
      expect(Number.isFinite(p.bandwidthGBps) && p.bandwidthGBps > 0).toBe(true);
      for (const curve of [...Object.values(p.efficiency), ...Object.values(p.opEfficiency ?? {})]) {
        for (const [x, e] of curve?.points ?? []) {
          expect(Number.isFinite(x)).toBe(true);
          expect(e).toBeGreaterThan(0);
          expect(e).toBeLessThanOrEqual(1);
        }
      }
    }
    expect(c.fittedOn.sort()).toEqual(['mobilenetv2', 'ppocr-cls']);
  });

  it('fits kernel models per thread count with non-negative costs, used for the nodes they cover', () => {
    const c = calibrateHost(HOST, data);
    const model = createCostModel(c.device, c.params);
    const proc = c.device.processors[0];
    for (const t of [1, 2]) {
      const kernels = c.params.processors[`cpu@${t}`].kernels;
      // Each entry counts at its thread count (an im2col conv at two threads: its busiest thread).
      expect(kernels?.threads).toBe(t);
      expect(Object.keys(kernels?.models ?? {})).toEqual(expect.arrayContaining(['Conv:k1', 'gemm']));
      for (const m of Object.values(kernels?.models ?? {})) {
        const leaves = 'coef' in m.tree ? [m.tree] : [m.tree.below, m.tree.above];
        for (const leaf of leaves) {
          if (!('coef' in leaf)) throw new Error('depth > 1');
          for (const v of leaf.coef) expect(Number.isFinite(v) && v >= 0).toBe(true);
        }
      }
      const d = data.find((x) => x.profile.threads === t && x.family === 'mobilenetv2');
      const conv = d?.graph.nodes.find((n) => nodeInfo(n, d.graph).fineKey === 'Conv:k1');
      if (!d || !conv || !kernels) throw new Error('no 1×1 conv');
      // At two threads the kernel model is bounded by the one-thread entry's (serialWakeUs,
      // parallelFloorShare); whether a bound binds depends on what was measured.
      const serial = t > 1 ? c.params.processors['cpu@1'].kernels : undefined;
      expect(model.opLatencyMs(conv, d.graph, proc, { threads: t, profiled: true }) * 1000).toBeCloseTo(
        kernelLatencyUs(kernels, conv, d.graph, serial) ?? NaN,
        9,
      );
    }
  });

  // In-sample and against the very kernel times the fit saw, so that a noisy neighbour (which
  // stretches wall time between kernels, even in the profiled runs) cannot fail it: this checks the
  // fit, not the machine.
  it('predicts positive per-node latencies, and sums within ×3 of the measured kernels', () => {
    const c = calibrateHost(HOST, data);
    const model = createCostModel(c.device, c.params);
    for (const d of data) {
      const { endToEndMs, nodeMs } = predictGraphMs(model, c, d.graph, d.profile.threads);
      let sum = 0;
      for (const ms of nodeMs.values()) {
        expect(ms).toBeGreaterThan(0);
        sum += ms;
      }
      const measured = d.profile.nodes.reduce((s, n) => s + n.latency.medianMs, 0);
      expect(sum / measured).toBeGreaterThan(1 / 3);
      expect(sum / measured).toBeLessThan(3);
      expect(endToEndMs).toBeGreaterThan(0);
    }
  });

  it('fits a non-negative fixed overhead, a bounded kernel scale and per-node term per thread count', () => {
    const c = calibrateHost(HOST, data);
    for (const [t, o] of Object.entries(c.runOverhead)) {
      expect(o.fixedMs).toBeGreaterThanOrEqual(0);
      // Per node: executor work less the profiler's in-span cost, never below minus a dispatch.
      const dispatchMs = (c.params.processors[`cpu@${t}`]?.dispatchUs ?? 0) / 1000;
      expect(o.perNodeMs).toBeGreaterThanOrEqual(-dispatchMs - 1e-12);
      expect(o.kernelScale).toBeGreaterThanOrEqual(0.8);
      expect(o.kernelScale).toBeLessThanOrEqual(1.25);
      expect(Number.isFinite(o.profilerEventMs) && (o.profilerEventMs ?? -1) >= 0).toBe(true);
      expect(o.spanInflationMs ?? -1).toBeGreaterThanOrEqual(0);
      expect(o.kernelFloorMs ?? -1).toBeGreaterThanOrEqual(0);
    }
  });

  it('sets the peak above every op the profiles saw, so that no efficiency is clamped', () => {
    const c = calibrateHost(HOST, data);
    const peak = c.device.processors[0].peakGflops.float32 ?? 0;
    expect(peak).toBeGreaterThanOrEqual(180);
    for (const d of data) {
      const share = d.profile.threads / 2;
      for (const m of d.profile.nodes) {
        const node = d.graph.nodes.find((n) => n.id === m.node);
        const flops = node ? nodeInfo(node, d.graph).flops : 0;
        if (flops >= 1e7) expect(flops / (m.latency.estimateMs * 1e6)).toBeLessThan(peak * share);
      }
    }
  });

  it('rejects a profile of a different model', () => {
    const [a, , b] = data;
    expect(() => calibrateHost(HOST, [{ ...a, profile: b.profile }])).toThrow(/profile of a different model/);
  });

  it('leave-one-out fits each fold without its held-out model', () => {
    const r = validateHost(HOST, data);
    expect(r.folds).toEqual([
      { heldOut: 'ppocr-cls', fittedOn: ['mobilenetv2'] },
      { heldOut: 'mobilenetv2', fittedOn: ['ppocr-cls'] },
    ]);
    expect(r.endToEnd.cases).toBe(4);
    expect(r.baseline.endToEnd.cases).toBe(4);
    expect(r.perOpAll.cases).toBeGreaterThan(r.perOp.cases);
    for (const m of r.models) expect(m.predictedMs).toBeGreaterThan(0);
    // The per-kernel breakdown partitions the scored per-op cases: each group once per thread count.
    expect(r.perOpByKernel.reduce((n, g) => n + g.cases, 0)).toBe(r.perOp.cases);
    const groups = r.perOpByKernel.map((g) => `${g.kernels} t${g.threads}`);
    expect(new Set(groups).size).toBe(groups.length);
    // The groups are those of the kernels measured at ≥ minOpUs (which ones are is the machine's: on a
    // fast one, the one-thread streaming kernels of these small models can all fall under 10 µs).
    const scored = data.flatMap((d) => {
      const byId = new Map(d.graph.nodes.map((n) => [n.id, n]));
      return d.profile.nodes.flatMap((m) => {
        const node = byId.get(m.node);
        if (!node || estimateOf(m.latency) * 1000 < r.minOpUs) return [];
        return [`${kernelGroup(node, d.graph)} t${d.profile.threads}`];
      });
    });
    expect(new Set(groups)).toEqual(new Set(scored));
    // MobileNetV2 and the PP-OCR classifier run 1×1 convs (SGEMM) of well over 10 µs at one thread.
    expect(groups).toContain('gemm t1');
    const within = r.perOpByKernel.reduce((n, g) => n + g.within10pct * g.cases, 0);
    expect(within / r.perOp.cases).toBeCloseTo(r.perOp.within10pct, 10);
    expect(renderValidation(r)).toMatch(/SGEMM \(MatMul, Gemm, 1×1 conv\)\s+1\s+\d+\s+[\d.]+%/);
    // Two families: the shares carry their interval over resampled families, and the report shows it.
    for (const s of [r.endToEnd, r.perOp, r.baseline.perOp]) {
      const [lo, hi] = s.within10pctInterval!;
      expect(lo).toBeLessThanOrEqual(s.within10pct);
      expect(hi).toBeGreaterThanOrEqual(s.within10pct);
    }
    expect(renderValidation(r)).toMatch(/per op \(≥ 10 µs\)\s+\d+\s+[\d.]+%\s+[\d.]+–[\d.]+%/);
  });

  it('holding out one input size keeps the model’s other sizes in the fit', async () => {
    const [narrow] = await profileSuite(
      [{ family: 'ppocr-cls', spec: 'pkg:ppocr-cls', inputs: [{ name: 'x', dims: [1, 3, 48, 64] }] }],
      [1],
      { runs: 3, warmup: 1, cacheDir: false, quiet: false, sessions: 1 },
    );
    const all = [...data, { ...narrow, profile: { ...narrow.profile, backgroundCores: 0 } }];
    const r = validateHost(HOST, all, { holdOut: 'input' });
    expect(r.holdOut).toBe('input');
    expect(r.folds.map((f) => f.heldOut).sort()).toEqual([
      'mobilenetv2 input=1x3x96x96',
      'ppocr-cls x=1x3x48x64',
      'ppocr-cls x=1x3x48x96',
    ]);
    for (const f of r.folds.filter((f) => f.heldOut.startsWith('ppocr-cls')))
      expect(f.fittedOn.sort()).toEqual(['mobilenetv2', 'ppocr-cls']);
    expect(r.endToEnd.cases).toBe(5);
    // Profiles of one session say nothing about how the measurements repeat; two halves of sessions do.
    expect(r.repeatability).toBeUndefined();
    const slower = (p: ModelProfile, by: number): ModelProfile => ({
      ...p,
      endToEnd: { ...p.endToEnd, estimateMs: p.endToEnd.estimateMs * by },
    });
    const twoSessions = all.map((d, i) => ({
      ...d,
      sessionsMs: [10, i === 0 ? 13 : 10.5],
      halves: [d.profile, slower(d.profile, i === 0 ? 1.3 : 1.05)] as const,
    }));
    const rep = validateHost(HOST, twoSessions, { holdOut: 'input' }).repeatability;
    expect(rep?.profiles).toBe(5);
    expect(rep?.endToEnd.within10pct).toBeCloseTo(4 / 5, 9);
    expect(rep?.perOp.within10pct).toBe(1);
    expect(rep?.worstSessionRatio).toBeCloseTo(1.3, 9);
    // Below the end-to-end target the report says the machine was too noisy to show it.
    expect(renderValidation(validateHost(HOST, twoSessions, { holdOut: 'input' }))).toMatch(
      /measured again, end-to-end\s+5\s+80\.0%[^]*too disturbed to show it/,
    );
    // By family, both ppocr-cls sizes leave together.
    expect(validateHost(HOST, all).folds.map((f) => f.heldOut)).toEqual(['ppocr-cls', 'mobilenetv2']);
  });
});

describe('control flow', () => {
  // silero-vad runs ~100 small kernels inside an If: what the profiler reports for the If, and what a
  // plain run costs without the profiler's per-event cost of those nested kernels.
  const { graph } = loadProfileTarget('pkg:silero-vad');
  const device = buildHostDevice(HOST);
  const params: ProcessorCostParams = {
    efficiency: { other: { points: [[0, 0.1]] } },
    bandwidthGBps: 1000,
    dispatchUs: 2,
    tileChannels: 1,
  };
  const model = createCostModel(device, { device: 'host', processors: { cpu: params }, fittedFrom: 'test' });
  const ifNode = graph.nodes.find((n) => n.op === 'If');

  it('prices an If as its taken branch, kernel by kernel, plus the profiler per nested event', () => {
    if (!ifNode) throw new Error('silero-vad has no If');
    const branchNodes = Math.min(...Object.values(ifNode.subgraphs ?? {}).map((g) => g.nodes.length));
    const quiet = predictRunMs(model, { 1: { fixedMs: 0, perNodeMs: 0 } }, graph, 1);
    // At least one dispatch per nested kernel (a single roofline would charge one).
    expect(quiet.nodeMs.get(ifNode.id)).toBeGreaterThan((branchNodes * 2) / 1000);
    const nested = executedNodeCount(graph) - graph.nodes.length;
    const eventMs = 0.005;
    const profiled = predictRunMs(
      model,
      { 1: { fixedMs: 0, perNodeMs: 0, kernelScale: 1, profilerEventMs: eventMs } },
      graph,
      1,
    );
    expect(profiled.nodeMs.get(ifNode.id)).toBeCloseTo(
      (quiet.nodeMs.get(ifNode.id) ?? 0) + eventMs * nested,
      9,
    );
    // A plain run does not pay the profiler: the nested events' cost comes out again.
    expect(profiled.endToEndMs).toBeCloseTo(quiet.endToEndMs, 9);
  });

  it('prices only the branch a decided condition takes, the larger one when undecided', () => {
    if (!ifNode?.subgraphs) throw new Error('silero-vad has no If');
    // sr = 16000 takes then_branch: an else_branch ten times its size must not change the price.
    const { then_branch: taken, else_branch: other } = ifNode.subgraphs;
    const heavy = { ...other, nodes: Array.from({ length: 10 }, () => other.nodes).flat() };
    const withHeavyElse = (g: typeof graph, decided: boolean): typeof graph => ({
      ...g,
      nodes: g.nodes.map((n) =>
        n === ifNode ? { ...n, subgraphs: { then_branch: taken, else_branch: heavy } } : n,
      ),
      tensors: decided
        ? g.tensors
        : new Map(
            [...g.tensors].map(([k, t]) => [k, k === ifNode.inputs[0] ? { ...t, value: undefined } : t]),
          ),
    });
    const cost = (g: typeof graph): number =>
      predictRunMs(model, { 1: { fixedMs: 0, perNodeMs: 0 } }, g, 1).endToEndMs;
    expect(cost(withHeavyElse(graph, true))).toBeCloseTo(cost(graph), 9);
    expect(cost(withHeavyElse(graph, false))).toBeGreaterThan(2 * cost(graph));
    expect(executedNodeCount(withHeavyElse(graph, true))).toBe(executedNodeCount(graph));
  });
});

describe('fitCurve', () => {
  it('puts running medians of log efficiency on half decades', () => {
    const c = fitCurve([
      [4, Math.log10(0.1)],
      [4, Math.log10(0.1)],
      [6, Math.log10(0.5)],
      [6, Math.log10(0.5)],
    ]);
    expect(c.points[0]).toEqual([4, expect.closeTo(0.1, 9)]);
    expect(c.points.at(-1)).toEqual([6, expect.closeTo(0.5, 9)]);
  });
});

/** A processor entry with one flat efficiency curve: enough for a cost model to be built from it. */
const CALIBRATION_ENTRY: ProcessorCostParams = {
  efficiency: { other: { points: [[0, 0.1]] } },
  bandwidthGBps: 1000,
  dispatchUs: 1,
  tileChannels: 1,
};

describe('host file', () => {
  it('round-trips through an atomic write', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'hetero-host-')), 'sub', 'host.json');
    const device = buildHostDevice(HOST, 80);
    const params = { device: 'host', processors: {}, fittedFrom: 'host-profile' };
    saveHostFile({ format: 'hetero-host/1', device, params, runOverhead: {}, measurements: HOST }, file);
    const back = loadHost(file);
    expect(back.device).toEqual(device);
    expect(back.device.processors[0].peakGflops.float32).toBe(180);
    expect(back.device.memory.bandwidthGBps).toBe(80);
    expect(back.measurements).toEqual(HOST);
  });

  it('refuses, in one line, a host file whose kernel models count other work counters', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'hetero-host-')), 'host.json');
    const device = buildHostDevice(HOST, 80);
    const stale = { features: ['launch', 'calls'], models: {} };
    const params = {
      device: 'host',
      processors: { 'cpu@1': { ...CALIBRATION_ENTRY, kernels: stale } },
      fittedFrom: 'host-profile',
    };
    saveHostFile({ format: 'hetero-host/1', device, params, runOverhead: {}, measurements: HOST }, file);
    expect(() => deviceWithCost('host', file)).toThrow(HeteroError);
    expect(() => deviceWithCost('host', file)).toThrow(
      /cpu@1's kernel models .* run `hetero calibrate` again$/,
    );
    // Fitted over today's counters, the same file is accepted.
    const current = { features: [...KERNEL_FEATURES], models: {} };
    params.processors['cpu@1'] = { ...CALIBRATION_ENTRY, kernels: current };
    saveHostFile({ format: 'hetero-host/1', device, params, runOverhead: {}, measurements: HOST }, file);
    expect(deviceWithCost('host', file).fittedFrom).toBe('host-profile');
  });

  it('a missing host file tells to run hetero calibrate', () => {
    const file = join(tmpdir(), 'hetero-no-such-dir', 'host.json');
    expect(() => loadHost(file)).toThrow(HeteroError);
    expect(() => loadHost(file)).toThrow(/run `hetero calibrate`/);
  });
});

describe('finer op keys', () => {
  const { graph } = loadProfileTarget('zoo:mobilenetv2', [{ name: 'input', dims: [1, 3, 96, 96] }]);
  const device = buildHostDevice(HOST);
  const proc = device.processors[0];
  const base: ProcessorCostParams = {
    efficiency: { other: { points: [[0, 0.1]] } },
    bandwidthGBps: 1000,
    dispatchUs: 1,
    tileChannels: 1,
  };
  const ms = (params: ProcessorCostParams, id: string): number => {
    const node = graph.nodes.find((n) => n.id === id);
    if (!node) throw new Error(id);
    const model = createCostModel(device, {
      device: 'host',
      processors: { cpu: params },
      fittedFrom: 'test',
    });
    return model.opLatencyMs(node, graph, proc);
  };
  const keyed = (key: string) => graph.nodes.find((n) => nodeInfo(n, graph).fineKey === key)?.id ?? '';

  it('names 1×1, depthwise and strided convs apart', () => {
    const keys = new Set(graph.nodes.map((n) => nodeInfo(n, graph).fineKey));
    expect(keys.has('Conv:k1')).toBe(true);
    expect(keys.has('Conv:dw3')).toBe(true);
    expect(keys.has('Conv:dw3s2')).toBe(true);
    const dw = graph.nodes.find((n) => nodeInfo(n, graph).fineKey === 'Conv:dw3');
    expect(dw && nodeInfo(dw, graph).groups).toBeGreaterThan(1);
    expect(dw && nodeInfo(dw, graph).familyKey).toBe('Conv:dw');
  });

  it('uses a fine-key curve over the op-type curve, and a per-group curve over both', () => {
    const k1 = keyed('Conv:k1');
    const dw = keyed('Conv:dw3');
    const opOnly = { ...base, opEfficiency: { Conv: { points: [[0, 0.1]] as [number, number][] } } };
    const fine = {
      ...opOnly,
      opEfficiency: { ...opOnly.opEfficiency, 'Conv:k1': { points: [[0, 0.5]] as [number, number][] } },
    };
    expect(ms(fine, k1)).toBeLessThan(ms(opOnly, k1));
    // The depthwise conv has no fine curve here: it keeps the op-type curve.
    expect(ms(fine, dw)).toBeCloseTo(ms(opOnly, dw), 12);
    // A per-group curve is read at FLOPs per group: a curve rising with size gives a slower op
    // when read at the (smaller) per-group FLOPs than at the total.
    const rising: [number, number][] = [
      [2, 0.01],
      [8, 0.5],
    ];
    const total = { ...base, opEfficiency: { 'Conv:dw3': { points: rising } } };
    const perGroup = { ...base, opEfficiencyPerGroup: { 'Conv:dw3': { points: rising } } };
    expect(ms(perGroup, dw)).toBeGreaterThan(ms(total, dw));
  });
});
