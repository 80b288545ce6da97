// `profileModel`: run a model on onnxruntime-node with its per-node profiler and map the kernel
// events back to hetero node ids — per-node and end-to-end latency, a robust estimate (the p20, see
// ESTIMATE_QUANTILE) and the spread over runs.
//
// Choices (measured, see the note in issue 3):
// - Graph optimization 'disabled' by default: profiler events then map 1:1 to hetero nodes. At 'basic'
//   ORT folds constants and fuses Conv+BN/Add/Mul, so a fused node's time lands on its survivor and
//   the removed nodes read as free; calibration would learn a wrong per-op cost.
// - Real model files are run as they are (their node names are hetero ids, see formats/onnx import);
//   zoo graphs are exported with generated weights (export names nodes by hetero id).
// - Two sessions of the model, one with the profiler and one without, run alternately (ABBA order),
//   so that end-to-end latency (the plain runs: the profiler's own per-event overhead would inflate
//   it) and per-node kernel times (the profiled runs) are taken in the same stretch of time, under
//   the same background load, rather than one after the other under whatever load each phase saw.
// - ORT's pool threads do not spin-wait (session.intra_op.allow_spinning = 0) unless asked. A
//   spinning thread burns the core its sibling or another process needs, so on a machine with any
//   background load a 2-thread run stalls at every barrier: measured on resnet50 (1×3×128×128, 2
//   threads, one core busy elsewhere), p20 45–91 ms from one block of runs to the next while
//   spinning, 32.0–32.6 ms without. The wake-up a sleeping thread pays instead is part of each
//   parallel op's time, which calibration fits like any other per-op cost. One thread has no pool.
// - Denormals flush to zero, as in the executor's workers (session-options.ts says why), so the host
//   is not calibrated on work the executor never does. On an AMD EPYC KVM guest it made no
//   difference beyond noise (ViT-B/16, one thread: 133–150 ms either way).
// - With maxRuns > runs, rounds continue until the estimates are stable: the 95% confidence
//   interval of the p20 of both sessions' wall times within ±precision (quantileCi), or maxRuns,
//   or the time budget. A quiet machine stops at `runs`; a busy one measures longer.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { HeteroError } from '../errors.js';
import { fusedActivationOwners } from '../formats/onnx/fused.js';
import { exportOnnx } from '../formats/onnx/index.js';
import type { InputShapeSpec } from '../frontend/input-spec.js';
import { deployGraph, loadModel } from '../frontend/load.js';
import { packagedModel, resolvePackagedModel } from '../frontend/packaged-models.js';
import { graphFingerprint } from '../graph/fingerprint.js';
import type { Graph } from '../graph/types.js';
import {
  kernelLatencyStats,
  latencyStats,
  MEASUREMENT_METHOD,
  median,
  relativeCiHalfWidth,
  type GraphOptimizationLevel,
  type LatencyStats,
  type ModelProfile,
  type NodeMeasurement,
} from '../cost/measurements.js';
import { makeFeeds } from './profile-inputs.js';
import { cpuSessionOptions } from './session-options.js';
import { withLoadMeter } from './profile-load.js';
import { kernelTimesPerRun, parseTraceEvents } from './profile-trace.js';

export interface ProfileOptions {
  inputs?: InputShapeSpec[];
  /** Known values of small control inputs (e.g. { sr: [16000] }). */
  values?: Record<string, number[]>;
  /** ORT intra-op threads (default 1). */
  threads?: number;
  /** Measured rounds (default 20), each one profiled run and one plain run; the minimum when maxRuns is larger. */
  runs?: number;
  /** Rounds go on up to this many until the estimates are stable (default: runs, a fixed count). */
  maxRuns?: number;
  /** Stable = the estimate's 95% CI within ± this share of it (default 0.02). */
  precision?: number;
  /** No rounds are started after this much measuring time (ms; default unbounded). */
  budgetMs?: number;
  /** Rounds before measuring (default 3): first runs allocate and warm caches. */
  warmup?: number;
  /**
   * Let ORT's pool threads spin-wait between parallel sections (ORT's default; here default false,
   * see the header).
   */
  spinning?: boolean;
  graphOptimization?: GraphOptimizationLevel;
}

/** A shape-inferred graph and, for real models, the file ORT should load. */
export interface ProfileTarget {
  graph: Graph;
  file?: string;
  /** Known values of control inputs, fed as they are. */
  values?: Record<string, number[]>;
}

/**
 * Resolves a model argument (file, pkg:NAME, zoo:NAME) the way `hetero inspect` does; with `deploy`,
 * to the graph plans are made on and the executor runs (frontend/load.ts deployGraph: BatchNorm
 * folded, activations fused), which is then run as exported, not from the file, when it differs.
 */
export function loadProfileTarget(
  spec: string,
  inputs: InputShapeSpec[] = [],
  values: Record<string, number[]> = {},
  opts: { deploy?: boolean } = {},
): ProfileTarget {
  const packaged = spec.startsWith('pkg:') ? packagedModel(spec.slice(4)) : undefined;
  // A packaged model with dynamic dims runs at its example size unless the user gives one.
  const shapes =
    inputs.length > 0 || !packaged
      ? inputs
      : Object.entries(packaged.exampleInputs).map(([name, dims]) => ({ name, dims }));
  const known = { ...(packaged?.exampleValues ?? {}), ...values };
  const { graph: loaded } = loadModel(spec, { inputs: shapes, values: known });
  const graph = opts.deploy ? deployGraph(loaded) : loaded;
  if (spec.startsWith('zoo:') || graph !== loaded) return { graph, values: known };
  return { graph, values: known, file: packaged ? resolvePackagedModel(packaged.name) : spec };
}

export async function profileModel(
  model: Graph | string | ProfileTarget,
  opts: ProfileOptions = {},
): Promise<ModelProfile> {
  const target =
    typeof model === 'string'
      ? loadProfileTarget(model, opts.inputs, opts.values)
      : 'graph' in model
        ? model
        : { graph: model };
  const threads = positiveInt(opts.threads ?? 1, '--threads');
  const runs = positiveInt(opts.runs ?? 20, '--runs');
  const warmup = Math.max(0, Math.trunc(opts.warmup ?? 3));
  const level = opts.graphOptimization ?? 'disabled';
  const { graph } = target;
  const where = target.file ?? graph.name;
  const feeds = makeFeeds(graph, { ...(target.values ?? {}), ...(opts.values ?? {}) });

  const maxRuns = Math.max(runs, Math.trunc(opts.maxRuns ?? runs));
  const precision = opts.precision ?? 0.02;
  const budgetMs = opts.budgetMs ?? Infinity;

  const dir = mkdtempSync(join(tmpdir(), 'hetero-profile-'));
  const common = cpuSessionOptions(threads, level, opts.spinning === true);
  try {
    const plainSession = await createSession(target, where, common);
    let profSession: ort.InferenceSession | undefined;
    try {
      profSession = await createSession(target, where, {
        ...common,
        enableProfiling: true,
        profileFilePrefix: join(dir, 'ort'),
      });
      const prof = profSession;
      // ABBA: which session goes first alternates, so neither always runs right after the other.
      const round = async (i: number): Promise<{ plainMs: number; profiledMs: number }> => {
        const plainFirst = i % 2 === 0;
        const a = await timeRun(plainFirst ? plainSession : prof, feeds, where);
        const b = await timeRun(plainFirst ? prof : plainSession, feeds, where);
        return plainFirst ? { plainMs: a, profiledMs: b } : { plainMs: b, profiledMs: a };
      };
      for (let i = 0; i < warmup; i++) await round(i);
      const measure = async (): Promise<{
        plain: number[];
        profiled: number[];
        stoppedBy: NonNullable<ModelProfile['stoppedBy']>;
      }> => {
        const plain: number[] = [];
        const profiled: number[] = [];
        const t0 = performance.now();
        for (let i = 0; ; i++) {
          const r = await round(warmup + i);
          plain.push(r.plainMs);
          profiled.push(r.profiledMs);
          const n = plain.length;
          if (n < runs) continue;
          if (n >= maxRuns) return { plain, profiled, stoppedBy: 'max-runs' };
          if (performance.now() - t0 >= budgetMs) return { plain, profiled, stoppedBy: 'budget' };
          if (relativeCiHalfWidth(plain) <= precision && relativeCiHalfWidth(profiled) <= precision)
            return { plain, profiled, stoppedBy: 'stable' };
        }
      };
      const { value: timed, backgroundCores } = await withLoadMeter(async () => {
        const result = await measure();
        prof.endProfiling();
        return result;
      });
      const measured = timed.plain.length;
      const traceFile = readdirSync(dir).find((f) => f.endsWith('.json'));
      if (!traceFile) throw new Error(`onnxruntime wrote no profile into ${dir}`);
      const events = parseTraceEvents(JSON.parse(readFileSync(join(dir, traceFile), 'utf8')));
      const owners = fusedActivationOwners(graph);
      const trace = kernelTimesPerRun(events, new Set(graph.nodes.map((n) => n.id)), measured, owners);
      const partsOf = new Map<string, string[]>();
      for (const [name, node] of owners) partsOf.set(node, [node, name]);
      const msStats = (us: number[]): LatencyStats => kernelLatencyStats(us.map((u) => u / 1000));
      const nodes: NodeMeasurement[] = [];
      for (const n of graph.nodes) {
        const us = trace.nodeUs.get(n.id);
        if (!us) continue;
        const parts = (partsOf.get(n.id) ?? []).flatMap((name) => {
          const partUs = trace.partUs.get(name);
          return partUs ? [{ name, latency: msStats(partUs) }] : [];
        });
        nodes.push({
          node: n.id,
          op: n.op,
          latency: msStats(us),
          ...(parts.length > 1 ? { kernels: parts } : {}),
        });
      }
      return {
        model: graph.name,
        fingerprint: graphFingerprint(graph),
        inputs: inputShapes(graph),
        threads,
        runs: measured,
        endToEnd: latencyStats(timed.plain),
        profiledEndToEnd: latencyStats(timed.profiled),
        nodes,
        mappedShare: trace.mappedShare,
        unmappedEvents: [...trace.unmappedUs]
          .map(([name, us]) => ({ name, medianMs: median(us) / 1000 }))
          .sort((a, b) => b.medianMs - a.medianMs),
        runtime: {
          name: 'onnxruntime-node',
          version: ort.env.versions.node ?? ort.env.versions.common,
          graphOptimization: level,
        },
        ...(backgroundCores === undefined ? {} : { backgroundCores }),
        method: MEASUREMENT_METHOD,
        stoppedBy: timed.stoppedBy,
        measuredAt: new Date().toISOString(),
      };
    } finally {
      await profSession?.release();
      await plainSession.release();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function createSession(
  target: ProfileTarget,
  where: string,
  options: ort.InferenceSession.SessionOptions,
): Promise<ort.InferenceSession> {
  const source = target.file ?? exportOnnx(target.graph);
  try {
    return typeof source === 'string'
      ? await ort.InferenceSession.create(source, options)
      : await ort.InferenceSession.create(source, options);
  } catch (e) {
    throw new HeteroError(where, `ONNX Runtime cannot load it: ${firstLine(e)}`);
  }
}

/** Wall-clock time (ms) of one session.run. */
async function timeRun(
  session: ort.InferenceSession,
  feeds: Record<string, ort.Tensor>,
  where: string,
): Promise<number> {
  const t0 = performance.now();
  try {
    await session.run(feeds);
  } catch (e) {
    throw new HeteroError(where, `ONNX Runtime failed to run it: ${firstLine(e)}`);
  }
  return performance.now() - t0;
}

function inputShapes(graph: Graph): Record<string, number[]> {
  const shapes: Record<string, number[]> = {};
  for (const name of graph.inputs) {
    const t = graph.tensors.get(name);
    if (t && !t.constant && t.shape) shapes[name] = t.shape.map((d) => (typeof d === 'number' ? d : -1));
  }
  return shapes;
}

function positiveInt(n: number, flag: string): number {
  if (!Number.isInteger(n) || n < 1) throw new HeteroError(flag, `"${n}" is not a positive integer`);
  return n;
}

function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n').find((l) => l.trim() !== '') ?? 'unknown error';
}
