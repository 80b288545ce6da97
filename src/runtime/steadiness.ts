// How steady this machine's speed is from one half-second to the next, measured rather than assumed.
// Per-op fidelity is scored against kernels of 10–100 µs; on a shared virtual machine another
// tenant on the same physical core or last-level cache can make those run at a different speed
// every second, which no cost model can predict. Two probes run alternately on onnxruntime-node,
// one thread, with the session options of every profile: a chain of same-shape Adds on ViT-sized
// activations (1×50×768, ~460 KB live, the streaming kernels that dominate per-op cases) and one
// MatMul of the same activations with a 768×768 weight (compute bound). Each window's p20 is the
// probe's speed then; the spread is the p90 over the p10 of those speeds. Measured on a 2-vCPU AMD
// EPYC KVM guest, per second over 60 s: the Add chain's p20 ranged 194–522 µs (2.7×), the MatMul's
// 3.5–4.3 ms (1.2×).
import * as ort from 'onnxruntime-node';
import { latencyStats } from '../cost/measurements.js';
import { exportOnnx } from '../formats/onnx/index.js';
import { inferShapes } from '../graph/shape-inference.js';
import type { Graph } from '../graph/types.js';
import { GraphBuilder } from '../zoo/builder.js';
import { makeFeeds } from './profile-inputs.js';
import { cpuSessionOptions } from './session-options.js';

export interface ProbeSteadiness {
  /** Each window's p20 run time (µs), in time order. */
  windowsUs: number[];
  /** p90 / p10 of the windows' p20s: 1 on a steady machine. */
  spread: number;
  /** Slowest window over fastest. */
  maxOverMin: number;
}

export interface Steadiness {
  seconds: number;
  windowMs: number;
  /** Same-shape Adds on activations that fit the L2: the streaming kernels of the per-op cases. */
  memoryBound: ProbeSteadiness;
  /** A 50×768×768 MatMul. */
  computeBound: ProbeSteadiness;
}

/** Above this spread (p90/p10) the machine is called unsteady: ±10% per op cannot hold for its streaming kernels. */
export const UNSTEADY_SPREAD = 1.2;

const TOKENS = 50;
const WIDTH = 768;
const ADDS = 20;

/** Spread of per-window speeds (each a p20 in µs); needs at least two windows. */
export function summarizeWindows(windowsUs: readonly number[]): ProbeSteadiness {
  const finite = windowsUs.filter((w) => Number.isFinite(w) && w > 0);
  if (finite.length < 2) throw new Error('summarizeWindows: needs at least two windows with runs');
  const { p10Ms, p90Ms } = latencyStats(finite);
  return {
    windowsUs: finite,
    spread: p90Ms / p10Ms,
    maxOverMin: Math.max(...finite) / Math.min(...finite),
  };
}

function addChainGraph(): Graph {
  const b = new GraphBuilder('steadiness-adds');
  let x = b.input('x', [1, TOKENS, WIDTH], { channels: WIDTH });
  let y = b.mul(x, 1.01);
  for (let i = 0; i < ADDS; i++) {
    const z = b.add(x, y);
    x = y;
    y = z;
  }
  b.output(y);
  return inferShapes(b.build(), {}).graph;
}

function matmulGraph(): Graph {
  const b = new GraphBuilder('steadiness-matmul');
  const x = b.input('x', [TOKENS, WIDTH], { channels: WIDTH });
  b.output(b.linear(x, WIDTH, 'probe', false));
  return inferShapes(b.build(), {}).graph;
}

interface Probe {
  session: ort.InferenceSession;
  feeds: Record<string, ort.Tensor>;
  runsUs: number[];
  windowsUs: number[];
}

async function probe(graph: Graph): Promise<Probe> {
  const session = await ort.InferenceSession.create(exportOnnx(graph), cpuSessionOptions(1, 'disabled'));
  return { session, feeds: makeFeeds(graph, {}), runsUs: [], windowsUs: [] };
}

async function timeUs(p: Probe): Promise<number> {
  const t0 = performance.now();
  await p.session.run(p.feeds);
  return (performance.now() - t0) * 1000;
}

/** The window's speed: the p20 (ESTIMATE_QUANTILE) of its runs, as profiles estimate theirs. */
function closeWindow(p: Probe): void {
  if (p.runsUs.length > 0) p.windowsUs.push(latencyStats(p.runsUs).estimateMs);
  p.runsUs = [];
}

/** Runs both probes alternately for `seconds` and summarises their speed per window of `windowMs`. */
export async function measureSteadiness(
  opts: { seconds?: number; windowMs?: number } = {},
): Promise<Steadiness> {
  const seconds = opts.seconds ?? 10;
  const windowMs = opts.windowMs ?? 500;
  if (!(seconds > 0) || !(windowMs > 0) || seconds * 1000 < 2 * windowMs)
    throw new Error('measureSteadiness: needs a duration of at least two windows');
  const memory = await probe(addChainGraph());
  const compute = await probe(matmulGraph());
  try {
    // Warm-up: first runs allocate the arena and page in the weights.
    for (let i = 0; i < 3; i++) {
      await timeUs(memory);
      await timeUs(compute);
    }
    const start = performance.now();
    let windowEnd = start + windowMs;
    while (performance.now() - start < seconds * 1000) {
      // About as much time in each: the Add chain runs ~5× shorter than the MatMul here.
      for (let i = 0; i < 4; i++) memory.runsUs.push(await timeUs(memory));
      compute.runsUs.push(await timeUs(compute));
      if (performance.now() >= windowEnd) {
        closeWindow(memory);
        closeWindow(compute);
        windowEnd += windowMs;
      }
    }
    closeWindow(memory);
    closeWindow(compute);
    return {
      seconds,
      windowMs,
      memoryBound: summarizeWindows(memory.windowsUs),
      computeBound: summarizeWindows(compute.windowsUs),
    };
  } finally {
    await memory.session.release();
    await compute.session.release();
  }
}

/** One line for calibrate/validate, with a warning when the machine is unsteady. */
export function steadinessLine(s: Steadiness): string {
  const fmt = (p: ProbeSteadiness): string =>
    `${p.spread.toFixed(2)}× (slowest/fastest ${p.maxOverMin.toFixed(2)}×)`;
  const unsteady =
    s.memoryBound.spread > UNSTEADY_SPREAD
      ? `; unsteady: short streaming kernels run at a different speed from one ${s.windowMs} ms to the next, which bounds per-op fidelity here whatever the model`
      : '';
  return `machine steadiness over ${s.seconds} s (p90/p10 of per-${s.windowMs} ms speeds, 1 = steady): streaming Adds ${fmt(s.memoryBound)}, MatMul ${fmt(s.computeBound)}${unsteady}`;
}
