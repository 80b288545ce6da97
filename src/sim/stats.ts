// Streaming latency statistics in bounded memory: a log-bucketed histogram (0.1 % relative width,
// 1 µs … 10⁷ ms) gives percentiles within 0.05 % of the exact value whatever the run's length,
// alongside the exact count, mean, min and max.

const MIN_MS = 1e-3;
const RELATIVE_WIDTH = 1e-3;
const LOG_STEP = Math.log1p(RELATIVE_WIDTH);
const BUCKETS = Math.ceil(Math.log(1e7 / MIN_MS) / LOG_STEP) + 1;

export class LatencyHistogram {
  // Allocated on first use: most per-model histograms of a short run stay small.
  private counts: Uint32Array | undefined;
  count = 0;
  private sumMs = 0;
  minMs = Infinity;
  maxMs = 0;

  add(ms: number): void {
    const counts = this.counts ?? (this.counts = new Uint32Array(BUCKETS));
    const v = ms > MIN_MS ? ms : MIN_MS;
    const b = Math.min(BUCKETS - 1, Math.floor(Math.log(v / MIN_MS) / LOG_STEP));
    counts[b]++;
    this.count++;
    this.sumMs += ms;
    if (ms < this.minMs) this.minMs = ms;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  get meanMs(): number {
    return this.count > 0 ? this.sumMs / this.count : 0;
  }

  /** Nearest-rank percentile q (0..1): the bucket's geometric middle, clamped to [min, max]. */
  percentile(q: number): number {
    if (this.count === 0 || !this.counts) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let b = 0; b < BUCKETS; b++) {
      seen += this.counts[b];
      if (seen >= rank) {
        const mid = MIN_MS * Math.exp((b + 0.5) * LOG_STEP);
        return Math.min(this.maxMs, Math.max(this.minMs, mid));
      }
    }
    return this.maxMs;
  }

  summary(): { p50: number; p90: number; p99: number; mean: number; max: number } {
    return {
      p50: this.percentile(0.5),
      p90: this.percentile(0.9),
      p99: this.percentile(0.99),
      mean: this.meanMs,
      max: this.maxMs,
    };
  }
}
