// Leave-one-model-out validation of the host cost model (hetero validate --device host). Each fold
// holds out a model family at every input size (holdOut 'family', the default), or one model at one
// input size (holdOut 'input': its other sizes stay in the fit, as when a calibrated host predicts a
// model at a size it never profiled), calibrates on the rest, predicts the held-out profiles with the
// cost model (each node's opLatencyMs with RunContext.profiled, as the profiler reports it, scored per
// op; a plain run from those kernels, host-run.ts, scored end to end — what opLatencyMs sums to by
// default) and compares with what was measured. Nothing held out reaches its fold's fit: kernel
// models, curves and run overhead are all fitted without it. A FLOPs-only baseline (latency = FLOPs /
// one fitted GFLOPS per thread count, also held out the same way) is scored beside it.
import type { Graph } from '../graph/types.js';
import type { HostMeasurements } from '../hardware/host.js';
import {
  calibrateHost,
  effectiveThreads,
  predictRunMs,
  type CalibrateOptions,
  type HostCalibration,
  type ProfiledModel,
} from './calibrate-host.js';
import { DEFAULT_MIN_OP_US, summarizeFidelity, type FidelityCase, type FidelitySummary } from './fidelity.js';
import { measurementRepeatability, type MeasurementRepeatability } from './repeatability.js';
import { estimateOf, median } from './measurements.js';
import { KERNEL_GROUPS, kernelGroup, type KernelGroup } from './host-kernel-features.js';
import { createCostModel } from './model.js';
import { nodeInfo } from './roofline.js';
import type { CostModel } from './types.js';

/**
 * What each fold holds out: a whole model family (every input size), or one model at one input size.
 */
export type HoldOut = 'family' | 'input';
export const HOLD_OUTS: readonly HoldOut[] = ['family', 'input'];

export interface ValidateOptions extends CalibrateOptions {
  minOpUs?: number;
  /** Default 'family'. */
  holdOut?: HoldOut;
}

export interface ModelCase {
  family: string;
  model: string;
  inputs: Record<string, number[]>;
  threads: number;
  measuredMs: number;
  predictedMs: number;
  baselineMs: number;
  /** Cores other processes kept busy while it was measured (absent when unknown). */
  backgroundCores?: number;
  /** The threads its runs had when others took cores (effectiveThreads); absent = `threads`. */
  effectiveThreads?: number;
}

/** Scored per-op cases of one kernel group at one thread count. */
export interface KernelGroupFidelity extends FidelitySummary {
  kernels: KernelGroup;
  threads: number;
}

export interface FidelityPair {
  endToEnd: FidelitySummary;
  perOp: FidelitySummary;
}

export interface ValidationReport extends FidelityPair {
  /** Every node, however short (timer-quantized ones included). */
  perOpAll: FidelitySummary;
  /** Share of measured kernel time in the scored per-op cases. */
  perOpTimeShare: number;
  /** The scored per-op cases by kernel group and thread count (as asked for, like `models`). */
  perOpByKernel: KernelGroupFidelity[];
  minOpUs: number;
  baseline: FidelityPair;
  models: ModelCase[];
  families: string[];
  holdOut: HoldOut;
  /** Which form of the models was measured, when the caller says (CLI --graphs: deployed or as-given). */
  graphs?: string;
  /** What each fold held out (a family, or a family at one input size) and the families it was fitted on. */
  folds: { heldOut: string; fittedOn: string[] }[];
  /** Background load over the profiles (cores others kept busy), when the profiles recorded it. */
  load?: { meanBackgroundCores: number; maxBackgroundCores: number };
  /** How well the measurements repeat across sessions (repeatability.ts); absent for one session. */
  repeatability?: MeasurementRepeatability;
}

/** Predicted latency of a whole graph: the run from its kernels (RunOverhead); per node too. */
export function predictGraphMs(
  model: CostModel,
  calibration: Pick<HostCalibration, 'runOverhead'>,
  graph: Graph,
  threads: number,
): { endToEndMs: number; nodeMs: Map<string, number> } {
  return predictRunMs(model, calibration.runOverhead, graph, threads);
}

export function validateHost(
  measurements: HostMeasurements,
  data: readonly ProfiledModel[],
  opts: ValidateOptions = {},
): ValidationReport {
  const minOpUs = opts.minOpUs ?? DEFAULT_MIN_OP_US;
  const families = [...new Set(data.map((d) => d.family))];
  if (families.length < 2) throw new Error('validateHost: leave-one-out needs at least two model families');
  const e2e: FidelityCase[] = [];
  const perOp: FidelityCase[] = [];
  const perOpAll: FidelityCase[] = [];
  const baseE2e: FidelityCase[] = [];
  const baseOp: FidelityCase[] = [];
  const models: ModelCase[] = [];
  const byKernel = new Map<string, { kernels: KernelGroup; threads: number; cases: FidelityCase[] }>();
  const folds: ValidationReport['folds'] = [];
  let scoredMs = 0;
  let totalMs = 0;
  const holdOut = opts.holdOut ?? 'family';
  const foldOf = (d: ProfiledModel): string =>
    holdOut === 'input' ? `${d.family} ${shapes(d.profile.inputs)}` : d.family;
  for (const fold of [...new Set(data.map(foldOf))]) {
    const train = data.filter((d) => foldOf(d) !== fold);
    const test = data.filter((d) => foldOf(d) === fold);
    const calibration = calibrateHost(measurements, train, opts);
    folds.push({ heldOut: fold, fittedOn: calibration.fittedOn });
    const model = createCostModel(calibration.device, calibration.params);
    const base = fitFlopsBaseline(train, measurements.cores);
    for (const d of test) {
      // Predicted at the threads the runs had (effectiveThreads), labelled by the threads asked for.
      const t = effectiveThreads(d.profile, measurements.cores);
      const { endToEndMs, nodeMs } = predictGraphMs(model, calibration, d.graph, t);
      const measured = estimateOf(d.profile.endToEnd);
      const flops = d.graph.nodes.reduce((s, n) => s + nodeInfo(n, d.graph).flops, 0);
      const baselineMs = flops / ((base.e2eGflops.get(t) ?? base.fallbackGflops) * 1e6);
      const label = `${d.profile.model} ${shapes(d.profile.inputs)} t${d.profile.threads}${t === d.profile.threads ? '' : ` (ran as t${t})`}`;
      // A family's cases share its fit and its misses: the share's interval resamples families.
      const family = d.family;
      e2e.push({ label, predictedMs: endToEndMs, measuredMs: measured, group: family });
      baseE2e.push({ label, predictedMs: baselineMs, measuredMs: measured, group: family });
      models.push({
        family: d.family,
        model: d.profile.model,
        inputs: d.profile.inputs,
        threads: d.profile.threads,
        ...(t === d.profile.threads ? {} : { effectiveThreads: t }),
        measuredMs: measured,
        predictedMs: endToEndMs,
        baselineMs,
        ...(d.profile.backgroundCores === undefined ? {} : { backgroundCores: d.profile.backgroundCores }),
      });
      const byId = new Map(d.graph.nodes.map((n) => [n.id, n]));
      const opGflops = base.opGflops.get(t) ?? base.fallbackGflops;
      for (const m of d.profile.nodes) {
        const node = byId.get(m.node);
        const predictedMs = nodeMs.get(m.node);
        if (!node || predictedMs === undefined) continue;
        const measuredMs = estimateOf(m.latency);
        const c = { label: `${label} ${m.node}`, predictedMs, measuredMs, group: family };
        totalMs += measuredMs;
        perOpAll.push(c);
        if (measuredMs * 1000 < minOpUs) continue;
        scoredMs += measuredMs;
        perOp.push(c);
        const kernels = kernelGroup(node, d.graph);
        const key = `${kernels} ${d.profile.threads}`;
        const group = byKernel.get(key) ?? { kernels, threads: d.profile.threads, cases: [] };
        group.cases.push(c);
        byKernel.set(key, group);
        baseOp.push({ ...c, predictedMs: nodeInfo(node, d.graph).flops / (opGflops * 1e6) });
      }
    }
  }
  const repeatability = measurementRepeatability(data, minOpUs);
  return {
    endToEnd: summarizeFidelity(e2e),
    perOp: summarizeFidelity(perOp),
    perOpAll: summarizeFidelity(perOpAll),
    perOpTimeShare: totalMs > 0 ? scoredMs / totalMs : 0,
    perOpByKernel: [...byKernel.values()]
      .sort(
        (a, b) =>
          KERNEL_GROUPS.indexOf(a.kernels) - KERNEL_GROUPS.indexOf(b.kernels) || a.threads - b.threads,
      )
      .map((g) => ({ kernels: g.kernels, threads: g.threads, ...summarizeFidelity(g.cases) })),
    minOpUs,
    baseline: { endToEnd: summarizeFidelity(baseE2e), perOp: summarizeFidelity(baseOp) },
    models,
    families,
    holdOut,
    folds,
    ...loadOf(data),
    ...(repeatability ? { repeatability } : {}),
  };
}

function loadOf(data: readonly ProfiledModel[]): Pick<ValidationReport, 'load'> {
  const cores = data.map((d) => d.profile.backgroundCores).filter((c): c is number => c !== undefined);
  if (cores.length === 0) return {};
  return {
    load: {
      meanBackgroundCores: cores.reduce((a, b) => a + b, 0) / cores.length,
      maxBackgroundCores: Math.max(...cores),
    },
  };
}

/** One GFLOPS per thread count, the median of FLOPs/time in log space: whole models and single ops. */
function fitFlopsBaseline(
  train: readonly ProfiledModel[],
  cores: number,
): {
  e2eGflops: Map<number, number>;
  opGflops: Map<number, number>;
  fallbackGflops: number;
} {
  const e2e = new Map<number, number[]>();
  const op = new Map<number, number[]>();
  const push = (m: Map<number, number[]>, t: number, v: number): void => {
    if (Number.isFinite(v) && v > 0) m.set(t, [...(m.get(t) ?? []), Math.log(v)]);
  };
  for (const d of train) {
    const t = effectiveThreads(d.profile, cores);
    const byId = new Map(d.graph.nodes.map((n) => [n.id, n]));
    const flops = d.graph.nodes.reduce((s, n) => s + nodeInfo(n, d.graph).flops, 0);
    push(e2e, t, flops / (estimateOf(d.profile.endToEnd) * 1e6));
    for (const m of d.profile.nodes) {
      const node = byId.get(m.node);
      if (node) push(op, t, nodeInfo(node, d.graph).flops / (estimateOf(m.latency) * 1e6));
    }
  }
  const fit = (m: Map<number, number[]>): Map<number, number> =>
    new Map([...m].map(([t, logs]) => [t, Math.exp(median(logs))]));
  const e2eGflops = fit(e2e);
  return { e2eGflops, opGflops: fit(op), fallbackGflops: [...e2eGflops.values()][0] ?? 1 };
}

function shapes(inputs: Record<string, number[]>): string {
  return Object.entries(inputs)
    .map(([n, d]) => `${n}=${d.join('x')}`)
    .join(',');
}
