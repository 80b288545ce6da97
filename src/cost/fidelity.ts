// Prediction-accuracy metrics as the literature reports them (nn-Meter, CoDL): the share of cases
// predicted within ±10% of measured, and the mean absolute percentage error; where cases come in
// groups that hit or miss together (the ops of one model family), how far that share could move with
// other groups, by a bootstrap over the groups.
import { mulberry32 } from '../random.js';

/** Per-op cases below this (µs) are not scored by default: the profiler's 1 µs ticks are ≥ 10% of them. */
export const DEFAULT_MIN_OP_US = 10;

/**
 * Shares of cases within ±10% the host cost model aims for (anchors: nn-Meter reports ≈ 99% end to
 * end on mobile CPUs, CoDL's per-op predictor ≈ 83–85%, a FLOPs-only model ≈ 9%).
 */
export const FIDELITY_TARGETS = { endToEnd: 0.9, perOp: 0.7 } as const;

export interface FidelityCase {
  /** What was predicted, e.g. "ppocr-rec@1x3x48x320 t2" or a node id. */
  label: string;
  predictedMs: number;
  measuredMs: number;
  /**
   * What the case's error shares with others (its model family): a family's ops are fitted and missed
   * together, so the interval of within10pct resamples families, not single ops.
   */
  group?: string;
}

export interface FidelitySummary {
  cases: number;
  /** Share (0..1) of cases with |predicted − measured| ≤ 10% of measured. */
  within10pct: number;
  /** Mean of |predicted − measured| / measured (0.05 = 5%). */
  mape: number;
  /**
   * Share (0..1) of the measured time that cases within ±10% hold: per op, how much of a run the
   * planners see priced within ±10% (a 2 ms conv counts for more than a 10 µs Relu).
   */
  timeWithin10pct: number;
  /**
   * A 95% interval of within10pct over the groups (percentile bootstrap: groups drawn with
   * replacement, every case of a drawn group counted): how much the share depends on which families
   * happened to be measured. Present when every case has a group and there are at least two.
   */
  within10pctInterval?: [number, number];
}

/**
 * Bootstrap resamples of the groups. Over 20 seeds on the host's 27 families, the per-op interval's
 * ends moved by at most 0.4 points, end to end's (108 cases) by one case.
 */
const INTERVAL_RESAMPLES = 2000;
/** Fixed, so that a report is reproducible. */
const INTERVAL_SEED = 0x5eed;

export function relativeError(c: Pick<FidelityCase, 'predictedMs' | 'measuredMs'>): number {
  return Math.abs(c.predictedMs - c.measuredMs) / c.measuredMs;
}

export function summarizeFidelity(cases: readonly FidelityCase[], tolerance = 0.1): FidelitySummary {
  const valid = cases.filter((c) => c.measuredMs > 0 && Number.isFinite(c.predictedMs));
  if (valid.length === 0) return { cases: 0, within10pct: 0, mape: 0, timeWithin10pct: 0 };
  let within = 0;
  let sum = 0;
  let timeMs = 0;
  let timeWithinMs = 0;
  // Hits and cases per group, while every case has one (undefined as soon as one has none).
  let byGroup: Map<string, GroupTally> | undefined = new Map();
  for (const c of valid) {
    const e = relativeError(c);
    const hit = e <= tolerance;
    timeMs += c.measuredMs;
    if (hit) {
      within++;
      timeWithinMs += c.measuredMs;
    }
    sum += e;
    if (byGroup && c.group === undefined) byGroup = undefined;
    else if (byGroup && c.group !== undefined) {
      const g = byGroup.get(c.group) ?? { hits: 0, cases: 0 };
      g.cases++;
      if (hit) g.hits++;
      byGroup.set(c.group, g);
    }
  }
  const interval = byGroup && byGroup.size >= 2 ? groupInterval([...byGroup.values()]) : undefined;
  return {
    cases: valid.length,
    within10pct: within / valid.length,
    mape: sum / valid.length,
    timeWithin10pct: timeWithinMs / timeMs,
    ...(interval ? { within10pctInterval: interval } : {}),
  };
}

interface GroupTally {
  hits: number;
  cases: number;
}

/** The 2.5th and 97.5th percentiles of within10pct over resampled groups (see within10pctInterval). */
function groupInterval(groups: readonly GroupTally[]): [number, number] {
  const random = mulberry32(INTERVAL_SEED);
  const shares = new Float64Array(INTERVAL_RESAMPLES);
  for (let r = 0; r < INTERVAL_RESAMPLES; r++) {
    let hits = 0;
    let total = 0;
    for (let i = 0; i < groups.length; i++) {
      const g = groups[Math.floor(random() * groups.length)];
      hits += g.hits;
      total += g.cases;
    }
    shares[r] = hits / total;
  }
  shares.sort();
  const at = (q: number): number =>
    shares[Math.min(INTERVAL_RESAMPLES - 1, Math.floor(q * INTERVAL_RESAMPLES))];
  return [at(0.025), at(0.975)];
}
