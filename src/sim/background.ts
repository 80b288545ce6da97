// Background load generators: each load of the conditions becomes a lazy stream of on/off switches
// (steady, duty-cycled or random phases, seeded) and, while on, takes a share of its target
// processors, draws DRAM bandwidth and adds heat. The engine sums the loads that are on.
import type { Device } from '../hardware/schema.js';
import { mulberry32 } from '../random.js';
import type { BackgroundLoad } from './types.js';

/** Indices of the processors a load lands on (none for `none`, or a target this device lacks). */
export function loadTargets(target: string, device: Device): number[] {
  const t = target.toLowerCase();
  const out: number[] = [];
  device.processors.forEach((p, i) => {
    const hit =
      p.id === target || p.kind === t || (t === 'accelerator' && (p.kind === 'npu' || p.kind === 'dsp'));
    if (hit) out.push(i);
  });
  return out;
}

/** One load's switch times: call `next()` for the time of the next toggle (Infinity: never again). */
export class LoadSwitcher {
  on = false;
  private readonly rand: () => number;
  private cycleStartMs: number;

  constructor(
    readonly load: BackgroundLoad,
    seed: number,
  ) {
    this.rand = mulberry32(seed);
    this.cycleStartMs = load.fromMs;
  }

  /** Time of the first switch (on at fromMs). */
  first(): number {
    const l = this.load;
    const at = l.randomPhase && l.periodMs !== undefined ? l.fromMs + this.rand() * l.periodMs : l.fromMs;
    return at < l.toMs ? at : Infinity;
  }

  /**
   * Flips the state at `nowMs` (the time `first`/`next` returned) and returns when it flips again.
   * A load never stays on past toMs.
   */
  toggle(nowMs: number): number {
    const l = this.load;
    this.on = !this.on;
    let nextMs: number;
    if (l.periodMs !== undefined && l.onMs !== undefined) {
      if (this.on) {
        this.cycleStartMs = nowMs;
        nextMs = l.onMs >= l.periodMs ? l.toMs : nowMs + l.onMs;
      } else {
        nextMs = this.cycleStartMs + l.periodMs;
      }
    } else if (l.meanOnMs !== undefined && l.meanOffMs !== undefined) {
      const mean = this.on ? l.meanOnMs : l.meanOffMs;
      nextMs = nowMs - Math.log(1 - this.rand()) * mean;
    } else {
      nextMs = this.on ? l.toMs : Infinity;
    }
    if (this.on) return Math.min(nextMs, l.toMs);
    return nextMs < l.toMs ? nextMs : Infinity;
  }
}
