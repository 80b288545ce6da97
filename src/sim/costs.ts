// Job costs under run conditions, asked of the cost model and memoised. A compute job's latency and
// power depend on the processor's clock (DVFS level), the threads left to it on a shared CPU, and the
// DRAM bandwidth others draw at the same time; all three enter the cost model's RunContext, so the
// simulator never re-derives a roofline. Conditions are quantised (clock to DVFS steps, bandwidth to
// 0.1 GB/s) so that a long run asks the cost model a bounded number of questions.
import type { CostModel, RunContext } from '../cost/types.js';
import type { CostSlot, JobTemplate } from './compile.js';

/** DRAM bandwidth quantum of the memo key (GB/s): at 30 GB/s left, 0.05 GB/s error is < 0.2 %. */
export const BANDWIDTH_STEP_GBPS = 0.1;

/** Largest bandwidth key (20 bits of the memo key): 104 TB/s, beyond any DRAM. */
export const MAX_BANDWIDTH_KEY = (1 << 20) - 1;

/** Quantised concurrent bandwidth (key units) of `gbps`. */
export function bandwidthKey(gbps: number): number {
  return gbps > 0 ? Math.min(MAX_BANDWIDTH_KEY, Math.round(gbps / BANDWIDTH_STEP_GBPS)) : 0;
}

/**
 * Memoised latency (ms) and attributed power (W) of every compute job of one template. Keys combine
 * the DVFS level (1..LEVELS), the thread count (0 = all cores) and the quantised bandwidth.
 */
export class SlotCosts {
  private readonly memo: Map<number, number>[];
  private latency: Float64Array = new Float64Array(1024);
  private power: Float64Array = new Float64Array(1024);
  private used = 0;
  /** Filled by `lookup`: the latency (ms) and power (W) of the last job asked. */
  latencyMs = 0;
  powerW = 0;

  // The bandwidth each job draws at full clock on all cores (the common case), NaN = not asked yet.
  private readonly fullDraw: Float64Array;
  private readonly topLevel: number;

  constructor(
    private readonly template: JobTemplate,
    private readonly cost: CostModel,
    private readonly freqStep: number,
  ) {
    this.memo = template.slots.map(() => new Map());
    this.fullDraw = new Float64Array(template.slots.length).fill(NaN);
    this.topLevel = Math.round(1 / freqStep);
  }

  /**
   * DRAM bandwidth (GB/s) the job in `slot` draws running alone at `level` with `threads`: its
   * traffic over its uncontended latency (the rule evaluate.ts's withContention uses for split parts).
   */
  drawGBps(slot: number, level: number, threads: number): number {
    const full = level === this.topLevel && threads === 0;
    if (full) {
      const known = this.fullDraw[slot];
      if (!Number.isNaN(known)) return known;
    }
    this.lookup(slot, level, threads, 0);
    const bytes = this.template.slots[slot].trafficBytes;
    const draw = this.latencyMs > 0 && Number.isFinite(this.latencyMs) ? bytes / (this.latencyMs * 1e6) : 0;
    if (full) this.fullDraw[slot] = draw;
    return draw;
  }

  /** The memo key of a condition (a small integer: level 5 bits, threads 4 bits, bandwidth 20 bits). */
  static key(level: number, threads: number, bwKey: number): number {
    return (((level << 4) | (threads & 15)) << 20) | bwKey;
  }

  /** Sets latencyMs and powerW for `slot` at DVFS level `level`, `threads` (0 = all) and bandwidth key. */
  lookup(slot: number, level: number, threads: number, bwKey: number): void {
    const key = SlotCosts.key(level, threads, bwKey);
    const m = this.memo[slot];
    let idx = m.get(key);
    if (idx === undefined) {
      idx = this.compute(this.template.slots[slot], level, threads, bwKey);
      m.set(key, idx);
    }
    this.latencyMs = this.latency[idx];
    this.powerW = this.power[idx];
  }

  private compute(slot: CostSlot, level: number, threads: number, bwKey: number): number {
    const freqShare = Math.min(1, level * this.freqStep);
    let latencyMs = 0;
    let energyJ = 0;
    for (const term of slot.terms) {
      const ctx: RunContext = { ...term.ctx };
      // Absent fields keep the cost model's own defaults, exactly as evaluatePlan asks.
      if (freqShare < 1) ctx.freqShare = freqShare;
      if (threads > 0 && term.proc.kind === 'cpu') ctx.threads = threads;
      if (bwKey > 0) ctx.concurrentBandwidthGBps = bwKey * BANDWIDTH_STEP_GBPS;
      latencyMs += term.mult * this.cost.opLatencyMs(term.node, this.template.graph, term.proc, ctx);
      energyJ += term.mult * this.cost.opEnergyJ(term.node, this.template.graph, term.proc, ctx);
    }
    // Its inputs' copies (their energy is the delay jobs' transfer energy): as evaluatePlan adds them.
    latencyMs += slot.copyMs;
    if (this.used === this.latency.length) {
      const l = new Float64Array(this.used * 2);
      l.set(this.latency);
      this.latency = l;
      const p = new Float64Array(this.used * 2);
      p.set(this.power);
      this.power = p;
    }
    const idx = this.used++;
    this.latency[idx] = latencyMs;
    this.power[idx] = latencyMs > 0 ? (energyJ * 1000) / latencyMs : 0;
    return idx;
  }
}
