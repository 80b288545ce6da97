// What the Node executor adds to one request besides the session.run of its partitions, measured the
// way `hetero run` and the study's execute cells time a request: the main thread copies each model
// input into the message it posts to the worker, the worker wraps it as an ORT tensor, runs, and posts
// the outputs back (the main thread resolves the request when the report arrives). Measured on a
// one-Relu model run whole on one worker: an inference's wall time less its traced session.run, with
// a tiny input (the fixed part) and a 1 MiB one (plus the per-byte part, in and out).
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

const LARGE_ELEMENTS = 1 << 18;
const PROC = 'cpu';

function reluGraph(elements: number): Graph {
  const b = new GraphBuilder(`executor-request-${elements}`);
  b.output(b.relu(b.input('x', [1, elements])));
  return inferShapes(b.build(), {}).graph;
}

/** Per inference, wall time less the worker's session.run (µs). */
async function overheadsUs(elements: number, rounds: number): Promise<number[]> {
  const graph = reluGraph(elements);
  const placements = Object.fromEntries(graph.nodes.map((n) => [n.id, { proc: PROC }]));
  const plan = makePlan(graph, { id: 'host' }, 'request-overhead', placements);
  const executor = await NodeExecutor.start(splitPlan(graph, plan), {
    threads: { [PROC]: 1 },
    graphOptimization: 'disabled',
  });
  try {
    const feeds = Object.fromEntries(
      Object.entries(makeFeeds(graph, {}, 1)).map(([name, t]) => [name, toWire(t, true)]),
    );
    const samples: number[] = [];
    for (let i = 0; i < rounds + 5; i++) {
      const r = await executor.infer(feeds);
      const runMs = r.trace.events.reduce((s, e) => s + (e.endMs - e.startMs), 0);
      if (i >= 5) samples.push((r.wallMs - runMs) * 1000);
    }
    return samples;
  } finally {
    await executor.close();
  }
}

/** Fixed and per-MiB cost of a request through the executor (a second or so). */
export async function measureExecutorRequest(rounds = 100): Promise<ExecutorRequestMeasurement> {
  const small = median(await overheadsUs(16, rounds));
  const large = median(await overheadsUs(LARGE_ELEMENTS, Math.max(20, rounds / 4)));
  // The large request moves 1 MiB in and 1 MiB out.
  return { latencyUs: small, usPerMiB: Math.max(0, (large - small) / 2) };
}
