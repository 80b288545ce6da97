// What the Node executor adds to one request besides the session.run of its partitions, measured the
// way `hetero run` and the study's execute cells time a request: the main thread copies each model
// input into the message it posts to the worker, the worker wraps it as an ORT tensor, runs, and posts
// the outputs back (the main thread resolves the request when the report arrives). Measured on a
// one-Relu model run whole on one worker: an inference's wall time less its traced session.run, with
// a tiny input (the fixed part) and a 1 MiB one (plus the per-byte part, in and out).
// And what one dependency between two per-core workers adds to a request: two Relus in a chain run
// on two workers against both on one (the two taking turns), with a tiny tensor between them and a
// 1 MiB one. Besides the hand-off it holds what a ping-pong of buffers misses: a second session.run,
// its output allocated and copied out of ORT, the consumer's input fed in. It is noisy (±20% per MiB
// from one measurement to the next here), so calibrate measures it again each time.
import { inferShapes } from '../graph/shape-inference.js';
import type { Graph } from '../graph/types.js';
import { median } from '../cost/measurements.js';
import { makePlan } from '../plan/make-plan.js';
import { GraphBuilder } from '../zoo/builder.js';
import { NodeExecutor } from './node-executor.js';
import { splitPlan } from './submodel.js';
import { toWire } from './wire.js';
import { makeFeeds } from './profile-inputs.js';

export interface ExecutorRequestMeasurement {
  /** Median wall time less session.run of a request on a 16-float input and output (µs). */
  latencyUs: number;
  /** Extra µs per MiB of model inputs and outputs crossing between the main thread and a worker. */
  usPerMiB: number;
}

/** What one dependency between two per-core workers adds to a request (runtime/node-executor.ts). */
export interface WorkerBoundaryMeasurement {
  /** With a 16-float tensor crossing (µs). */
  latencyUs: number;
  /** Extra µs per MiB of the tensor crossing. */
  usPerMiB: number;
}

/** 1 MiB of float32: a request's large input and output, and the tensor a boundary moves. */
const LARGE_ELEMENTS = 1 << 18;
const PROC = 'cpu';

function reluChain(elements: number, length: number): Graph {
  const b = new GraphBuilder(`executor-relu-${length}x${elements}`);
  let x = b.input('x', [1, elements]);
  for (let i = 0; i < length; i++) x = b.relu(x);
  b.output(x);
  return inferShapes(b.build(), {}).graph;
}

/** An executor running `graph` with node i on procs[i], one thread each, and feeds for it. */
async function started(
  graph: Graph,
  procs: readonly string[],
): Promise<{ executor: NodeExecutor; feeds: Parameters<NodeExecutor['infer']>[0] }> {
  const placements = Object.fromEntries(graph.nodes.map((n, i) => [n.id, { proc: procs[i] }]));
  const plan = makePlan(graph, { id: 'host' }, 'executor-overhead', placements);
  const executor = await NodeExecutor.start(splitPlan(graph, plan), {
    threads: Object.fromEntries(procs.map((p) => [p, 1])),
    graphOptimization: 'disabled',
  });
  const feeds = Object.fromEntries(
    Object.entries(makeFeeds(graph, {}, 1)).map(([name, t]) => [name, toWire(t, true)]),
  );
  return { executor, feeds };
}

const WARMUP = 5;

/** Per inference, wall time less the worker's session.run (µs). */
async function overheadsUs(elements: number, rounds: number): Promise<number[]> {
  const { executor, feeds } = await started(reluChain(elements, 1), [PROC]);
  try {
    const samples: number[] = [];
    for (let i = 0; i < rounds + WARMUP; i++) {
      const r = await executor.infer(feeds);
      const runMs = r.trace.events.reduce((s, e) => s + (e.endMs - e.startMs), 0);
      if (i >= WARMUP) samples.push((r.wallMs - runMs) * 1000);
    }
    return samples;
  } finally {
    await executor.close();
  }
}

/**
 * Median over rounds of the wall time of a two-Relu chain split over two workers less that of both on
 * one (µs). The two executors take turns, so that a drift of the machine reaches both alike.
 */
async function boundaryUs(elements: number, rounds: number): Promise<number> {
  const graph = reluChain(elements, 2);
  const one = await started(graph, ['cpu0', 'cpu0']);
  try {
    const two = await started(graph, ['cpu0', 'cpu1']);
    try {
      const differences: number[] = [];
      for (let i = 0; i < rounds + WARMUP; i++) {
        const a = await one.executor.infer(one.feeds);
        const b = await two.executor.infer(two.feeds);
        if (i >= WARMUP) differences.push((b.wallMs - a.wallMs) * 1000);
      }
      return median(differences);
    } finally {
      await two.executor.close();
    }
  } finally {
    await one.executor.close();
  }
}

/** Fixed and per-MiB cost of a request through the executor (a second or so). */
export async function measureExecutorRequest(rounds = 100): Promise<ExecutorRequestMeasurement> {
  const small = median(await overheadsUs(16, rounds));
  const large = median(await overheadsUs(LARGE_ELEMENTS, Math.max(20, rounds / 4)));
  // The large request moves 1 MiB in and 1 MiB out.
  return { latencyUs: small, usPerMiB: Math.max(0, (large - small) / 2) };
}

/**
 * Fixed and per-MiB cost of a dependency between two per-core workers, through the executor (a second
 * or so). Needs two cores: the workers run side by side.
 */
export async function measureWorkerBoundary(rounds = 60): Promise<WorkerBoundaryMeasurement> {
  const small = Math.max(0, await boundaryUs(16, rounds));
  const large = await boundaryUs(LARGE_ELEMENTS, rounds);
  return { latencyUs: small, usPerMiB: Math.max(0, large - small) };
}
