// Micro-benchmarks that describe this machine from measurement rather than a spec sheet: peak
// compute from a large MatMul and memory bandwidth from a large element-wise Add, both run on
// onnxruntime-node (the runtime hetero measures models on), per thread count.
import os from 'node:os';
import { inferShapes } from '../graph/shape-inference.js';
import type { Graph } from '../graph/types.js';
import type { HostMeasurements } from '../hardware/host.js';
import { GraphBuilder } from '../zoo/builder.js';
import { estimateOf, median } from '../cost/measurements.js';
import { measureExecutorRequest, measureWorkerBoundary } from './profile-executor.js';
import { measureHandoff } from './profile-handoff.js';
import { quietProfile } from './profile-cache.js';
import { profileModel } from './profile.js';

const MATMUL_N = 1024;
/** 16M floats = 64 MB per operand: far beyond any last-level cache here. */
const ADD_ELEMENTS = 16 * 1024 * 1024;
/** 64K floats = 256 KB per operand: the activations of a mobile model, resident in L2. */
const CACHED_ADD_ELEMENTS = 64 * 1024;

function matmulGraph(n: number): Graph {
  const b = new GraphBuilder('host-matmul');
  const x = b.input('a', [n, n], { channels: n });
  const y = b.input('b', [n, n], { channels: n });
  b.output(b.matmul(x, y, n));
  return inferShapes(b.build(), {}).graph;
}

/** A chain of `kernels` Relus on a handful of floats: a run of kernels that do next to nothing. */
function chainGraph(kernels: number): Graph {
  const b = new GraphBuilder(`host-chain-${kernels}`);
  let x = b.input('x', [1, 16]);
  for (let i = 0; i < kernels; i++) x = b.relu(x);
  b.output(x);
  return inferShapes(b.build(), {}).graph;
}

/** p20 of plain session.run wall times (µs) of a Relu chain, and the median of its kernels' p20 spans (µs). */
async function chainRun(
  kernels: number,
  threads: number,
  quiet: boolean,
): Promise<{ runUs: number; spanUs: number }> {
  const opts = { threads, runs: SESSION_RUNS, warmup: SESSION_RUNS };
  const target = { graph: chainGraph(kernels) };
  const p = quiet ? await quietProfile(target, opts) : await profileModel(target, opts);
  const spanUs = median(p.nodes.map((n) => estimateOf(n.latency))) * 1000;
  return { runUs: estimateOf(p.endToEnd) * 1000, spanUs };
}

/**
 * What a plain session.run costs besides its kernels' work (µs): its fixed part (a one-Relu model),
 * each further kernel that does next to nothing (from a chain of CHAIN_KERNELS), and what the
 * profiler adds inside such a kernel's span (its span less that plain cost).
 */
async function plainRunCosts(
  threads: number,
  quiet: boolean,
  rounds: number,
): Promise<{ sessionUs: number; kernelUs: number; spanInflationUs: number }> {
  // The best of `rounds`: the first rounds run in a process still warming up.
  let one = Infinity;
  let chain = Infinity;
  let spanUs = Infinity;
  for (let round = 0; round < rounds; round++) {
    one = Math.min(one, (await chainRun(1, threads, quiet)).runUs);
    const c = await chainRun(CHAIN_KERNELS, threads, quiet);
    chain = Math.min(chain, c.runUs);
    spanUs = Math.min(spanUs, c.spanUs);
  }
  const kernelUs = Math.max(0, (chain - one) / (CHAIN_KERNELS - 1));
  return { sessionUs: one, kernelUs, spanInflationUs: Math.max(0, spanUs - kernelUs) };
}

/**
 * Rounds of the plain-run measurements (measureHost's default), the best of each figure kept. Four
 * fresh processes measured here with two rounds: a session.run of 24–33 µs, a trivial kernel
 * 0.27–0.72 µs, the profiler's in-span cost 2.89–3.03 µs; with five: 15.8–17.5 µs, 0.42–0.44 µs
 * and 2.77–2.86 µs. Tiny-kernel models move with these by ~5% end to end (ppocr-cls: 221 kernels in
 * 1.6 ms).
 */
const PLAIN_RUN_ROUNDS = 5;
/** Runs timed per figure: each takes 10–60 µs, so hundreds cost tens of milliseconds. */
const SESSION_RUNS = 600;
const CHAIN_KERNELS = 100;

function addGraph(elements: number): Graph {
  const b = new GraphBuilder('host-add');
  const x = b.input('a', [elements]);
  const y = b.input('b', [elements]);
  b.output(b.add(x, y));
  return inferShapes(b.build(), {}).graph;
}

/** Best kernel time (ms) of the graph's single node at `threads`: peak figures are best cases. */
async function kernelMs(graph: Graph, threads: number, runs: number, quiet = true): Promise<number> {
  const opts = { threads, runs, warmup: 2 };
  const p = quiet ? await quietProfile({ graph }, opts) : await profileModel({ graph }, opts);
  const node = p.nodes[0];
  return node ? Math.min(...node.latency.samplesMs) : Infinity;
}

export interface MeasureHostOptions {
  /** Runs of each peak micro-benchmark, the best kept (default 7). */
  runs?: number;
  /** Wait for a quiet machine before each measurement (default); false measures at once (quick calibration). */
  quiet?: boolean;
  /** Rounds of the plain-run measurements, the best of each figure kept (default PLAIN_RUN_ROUNDS). */
  plainRounds?: number;
}

export async function measureHost(
  threadCounts: readonly number[],
  { runs = 7, quiet = true, plainRounds = PLAIN_RUN_ROUNDS }: MeasureHostOptions = {},
): Promise<HostMeasurements> {
  const cpus = os.cpus();
  const matmul = matmulGraph(MATMUL_N);
  const add = addGraph(ADD_ELEMENTS);
  const cachedAdd = addGraph(CACHED_ADD_ELEMENTS);
  const matmulGflops: Record<number, number> = {};
  const addBandwidthGBps: Record<number, number> = {};
  const cachedAddBandwidthGBps: Record<number, number> = {};
  const sessionRun: Record<number, number> = {};
  const trivialKernel: Record<number, number> = {};
  const spanInflation: Record<number, number> = {};
  for (const t of threadCounts) {
    const plain = await plainRunCosts(t, quiet, plainRounds);
    sessionRun[t] = plain.sessionUs;
    trivialKernel[t] = plain.kernelUs;
    spanInflation[t] = plain.spanInflationUs;
    matmulGflops[t] = (2 * MATMUL_N ** 3) / (await kernelMs(matmul, t, runs, quiet)) / 1e6;
    addBandwidthGBps[t] = (3 * 4 * ADD_ELEMENTS) / (await kernelMs(add, t, runs, quiet)) / 1e6;
    cachedAddBandwidthGBps[t] =
      (3 * 4 * CACHED_ADD_ELEMENTS) / (await kernelMs(cachedAdd, t, 5 * runs, quiet)) / 1e6;
  }
  return {
    cpuModel: cpus[0]?.model.trim() || 'unknown CPU',
    cores: cpus.length,
    clockMHz: cpus[0]?.speed ?? 0,
    memoryMB: Math.round(os.totalmem() / 2 ** 20),
    matmulGflops,
    addBandwidthGBps,
    cachedAddBandwidthGBps,
    workerHandoff: await measureHandoff(),
    executorRequest: await measureExecutorRequest(),
    ...(cpus.length >= 2 ? { workerBoundary: await measureWorkerBoundary() } : {}),
    sessionRunUs: sessionRun,
    trivialKernelUs: trivialKernel,
    profilerSpanUs: spanInflation,
    method:
      `onnxruntime-node CPU EP, profiler kernel time, best of ${runs} runs on a quiet machine: ` +
      `MatMul ${MATMUL_N}×${MATMUL_N}×${MATMUL_N} float32 (2·N³ FLOPs) for peak compute; ` +
      `Add of two ${ADD_ELEMENTS / 2 ** 20}M-element float32 vectors (3 × 64 MB moved) for DRAM bandwidth, ` +
      `and of two ${CACHED_ADD_ELEMENTS / 1024}K-element vectors (3 × 256 KB) for in-cache bandwidth; ` +
      `worker hand-off: median half round trip of a tensor between two worker threads (shared-buffer copy + port message); ` +
      `executor request: median wall time less session.run of a one-Relu model run by the Node executor on one worker, 16 floats and 1 MiB in and out; ` +
      `worker boundary: median wall time of two chained Relus on two per-core workers less both on one (taking turns), 16 floats and 1 MiB between them; ` +
      `session run: p20 of ${SESSION_RUNS} plain session.run wall times of a one-Relu model on 16 floats, best of ${plainRounds} rounds; ` +
      `trivial kernel: the same for a chain of ${CHAIN_KERNELS} such Relus, less the one-Relu run, per extra Relu; ` +
      `profiler span: the median profiled span of those Relus less that plain cost`,
    measuredAt: new Date().toISOString(),
  };
}
