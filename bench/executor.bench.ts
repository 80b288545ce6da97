// Issue #6 targets for the executor (src/runtime/):
// - overhead: a one-partition plan (pkg:ppocr-rec on the whole-machine `cpu` worker) within 5% of a
//   plain monolithic onnxruntime-node session with the same options, in this thread;
// - branch parallelism: a two-worker `heft` plan of zoo:inceptionv3 (exported, seeded weights)
//   beats the same model on one single-threaded worker; prints the speedup.
// Blocks of each side alternate so a noisy neighbour hits both alike; medians of the blocks count.
import * as ort from 'onnxruntime-node';
import { makePlan } from '../src/plan/make-plan.js';
import { getStrategy } from '../src/plan/strategies/index.js';
import type { Plan } from '../src/plan/types.js';
import { executePlan, executionFeeds, median, threadsFor } from '../src/runtime/execute.js';
import { hostForExecution } from '../src/runtime/host-device.js';
import { splitPlan } from '../src/runtime/submodel.js';
import { loadExecTarget, type ExecTarget } from '../src/runtime/target.js';
import type { BenchResult } from './import.bench.js';

const OVERHEAD_TARGET = 1.05;
/**
 * "Measurably beats": at least 5% faster, beyond the ±5% that repeated runs of the same plan spread
 * over on this machine (a 1.01× median is noise, not a win).
 */
const MEASURABLE_SPEEDUP = 1.05;
/**
 * Alternating blocks per side, medians of the blocks compared: on this shared VM the same comparison
 * drifts by up to ±10% between minutes (measured: the previous executor's overhead ratio read 1.08 and
 * 1.12 while the current one read 1.00), so one block is never the verdict.
 */
const BLOCKS = 5;

function singleProcessorPlan(target: ExecTarget, device: Parameters<typeof makePlan>[1], proc: string): Plan {
  const placements = Object.fromEntries(target.graph.nodes.map((n) => [n.id, { proc }]));
  return makePlan(target.graph, device, `all on ${proc}`, placements);
}

async function plainSessionMs(
  bytes: Uint8Array,
  feeds: Record<string, ort.Tensor>,
  threads: number,
  runs: number,
): Promise<number> {
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'disabled',
    // as the executor's workers
    extra: { session: { intra_op: { allow_spinning: '0' }, set_denormal_as_zero: '1' } },
  });
  try {
    await session.run(feeds);
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await session.run(feeds);
      ms.push(performance.now() - t0);
    }
    return median(ms);
  } finally {
    await session.release();
  }
}

async function benchOverhead(): Promise<BenchResult> {
  const { device } = await hostForExecution();
  const target = loadExecTarget('pkg:ppocr-rec');
  const plan = singleProcessorPlan(target, device, 'cpu');
  const [part] = splitPlan(target.graph, plan).partitions;
  const threads = threadsFor(device, ['cpu']).cpu;
  const feeds = executionFeeds(target);
  const plain: number[] = [];
  const executed: number[] = [];
  for (let b = 0; b < BLOCKS; b++) {
    plain.push(await plainSessionMs(part.bytes, feeds, threads, 15));
    executed.push((await executePlan(target, plan, device, { runs: 15, verify: false })).measuredMs);
  }
  const ratio = median(executed) / median(plain);
  return {
    name: 'executor overhead (one partition vs plain ORT session, ppocr-rec)',
    ok: ratio <= OVERHEAD_TARGET,
    detail: `${median(executed).toFixed(2)} ms vs ${median(plain).toFixed(2)} ms plain: ratio ${ratio.toFixed(3)} (target ≤ ${OVERHEAD_TARGET})`,
  };
}

async function benchHeft(): Promise<BenchResult> {
  const { device, cost } = await hostForExecution();
  const target = loadExecTarget('zoo:inceptionv3');
  const heft = getStrategy('heft').plan(target.graph, device, cost, { processors: ['cpu0', 'cpu1'] });
  const single = singleProcessorPlan(target, device, 'cpu0');
  const heftMs: number[] = [];
  const singleMs: number[] = [];
  let partitions = 0;
  for (let b = 0; b < BLOCKS; b++) {
    const h = await executePlan(target, heft, device, { runs: 3, verify: b === 0 });
    if (b === 0 && !(h.maxAbsDiff !== undefined && h.maxAbsDiff <= 1e-4)) {
      return {
        name: 'heft on two workers (inceptionv3)',
        ok: false,
        detail: `outputs differ by ${h.maxAbsDiff}`,
      };
    }
    partitions = h.partitions.length;
    heftMs.push(h.measuredMs);
    singleMs.push((await executePlan(target, single, device, { runs: 3, verify: false })).measuredMs);
  }
  const speedup = median(singleMs) / median(heftMs);
  return {
    name: 'heft on two workers vs one single-threaded worker (inceptionv3)',
    ok: speedup >= MEASURABLE_SPEEDUP,
    detail: `${median(heftMs).toFixed(1)} ms (${partitions} partitions) vs ${median(singleMs).toFixed(1)} ms: speedup ${speedup.toFixed(2)}× (target ≥ ${MEASURABLE_SPEEDUP})`,
  };
}

export async function benchExecutor(): Promise<BenchResult[]> {
  return [await benchOverhead(), await benchHeft()];
}
