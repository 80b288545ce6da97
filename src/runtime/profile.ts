// `profileModel`: run a model on onnxruntime-node with its per-node profiler and map the kernel
// events back to hetero node ids — per-node and end-to-end latency, median and spread over runs.
//
// Choices (measured, see the note in issue 3):
// - Graph optimization 'disabled' by default: profiler events then map 1:1 to hetero nodes. At 'basic'
//   ORT folds constants and fuses Conv+BN/Add/Mul, so a fused node's time lands on its survivor and
//   the removed nodes read as free; calibration would learn a wrong per-op cost.
// - Real model files are run as they are (their node names are hetero ids, see formats/onnx import);
//   zoo graphs are exported with generated weights (export names nodes by hetero id).
// - End-to-end latency is timed in extra runs after the profiler is switched off, so the profiler's
//   own per-event overhead does not inflate it; the profiled runs' wall clock is kept beside it.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { HeteroError } from '../errors.js';
import { exportOnnx } from '../formats/onnx/index.js';
import type { InputShapeSpec } from '../frontend/input-spec.js';
import { loadModel } from '../frontend/load.js';
import { packagedModel, resolvePackagedModel } from '../frontend/packaged-models.js';
import { graphFingerprint } from '../graph/fingerprint.js';
import type { Graph } from '../graph/types.js';
import {
  latencyStats,
  median,
  type GraphOptimizationLevel,
  type ModelProfile,
  type NodeMeasurement,
} from '../cost/measurements.js';
import { makeFeeds } from './profile-inputs.js';
import { withLoadMeter } from './profile-load.js';
import { kernelTimesPerRun, parseTraceEvents } from './profile-trace.js';

export interface ProfileOptions {
  inputs?: InputShapeSpec[];
  /** Known values of small control inputs (e.g. { sr: [16000] }). */
  values?: Record<string, number[]>;
  /** ORT intra-op threads (default 1). */
  threads?: number;
  /** Measured runs (default 20), each profiled and each timed again unprofiled. */
  runs?: number;
  /** Runs before measuring (default 3): first runs allocate and warm caches. */
  warmup?: number;
  graphOptimization?: GraphOptimizationLevel;
}

/** A shape-inferred graph and, for real models, the file ORT should load. */
export interface ProfileTarget {
  graph: Graph;
  file?: string;
  /** Known values of control inputs, fed as they are. */
  values?: Record<string, number[]>;
}

/** Resolves a model argument (file, pkg:NAME, zoo:NAME) the way `hetero inspect` does. */
export function loadProfileTarget(
  spec: string,
  inputs: InputShapeSpec[] = [],
  values: Record<string, number[]> = {},
): ProfileTarget {
  const packaged = spec.startsWith('pkg:') ? packagedModel(spec.slice(4)) : undefined;
  // A packaged model with dynamic dims runs at its example size unless the user gives one.
  const shapes =
    inputs.length > 0 || !packaged
      ? inputs
      : Object.entries(packaged.exampleInputs).map(([name, dims]) => ({ name, dims }));
  const known = { ...(packaged?.exampleValues ?? {}), ...values };
  const { graph } = loadModel(spec, { inputs: shapes, values: known });
  if (spec.startsWith('zoo:')) return { graph, values: known };
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

  const dir = mkdtempSync(join(tmpdir(), 'hetero-profile-'));
  try {
    const session = await createSession(target, where, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: level,
      enableProfiling: true,
      profileFilePrefix: join(dir, 'ort'),
    });
    try {
      const { value: timed, backgroundCores } = await withLoadMeter(async () => {
        const profiled = await timeRuns(session, feeds, warmup + runs, where);
        session.endProfiling();
        return { profiled, plain: await timeRuns(session, feeds, runs, where) };
      });
      const profiledMs = timed.profiled;
      const endToEndMs = timed.plain;
      const traceFile = readdirSync(dir).find((f) => f.endsWith('.json'));
      if (!traceFile) throw new Error(`onnxruntime wrote no profile into ${dir}`);
      const events = parseTraceEvents(JSON.parse(readFileSync(join(dir, traceFile), 'utf8')));
      const trace = kernelTimesPerRun(events, new Set(graph.nodes.map((n) => n.id)), runs);
      const nodes: NodeMeasurement[] = [];
      for (const n of graph.nodes) {
        const us = trace.nodeUs.get(n.id);
        if (us) nodes.push({ node: n.id, op: n.op, latency: latencyStats(us.map((u) => u / 1000)) });
      }
      return {
        model: graph.name,
        fingerprint: graphFingerprint(graph),
        inputs: inputShapes(graph),
        threads,
        runs,
        endToEnd: latencyStats(endToEndMs),
        profiledEndToEnd: latencyStats(profiledMs.slice(warmup)),
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
        measuredAt: new Date().toISOString(),
      };
    } finally {
      await session.release();
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

async function timeRuns(
  session: ort.InferenceSession,
  feeds: Record<string, ort.Tensor>,
  count: number,
  where: string,
): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    try {
      await session.run(feeds);
    } catch (e) {
      throw new HeteroError(where, `ONNX Runtime failed to run it: ${firstLine(e)}`);
    }
    ms.push(performance.now() - t0);
  }
  return ms;
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
