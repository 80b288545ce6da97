// Prediction-accuracy metrics as the literature reports them (nn-Meter, CoDL): the share of cases
// predicted within ±10% of measured, and the mean absolute percentage error.

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
}

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
  for (const c of valid) {
    const e = relativeError(c);
    timeMs += c.measuredMs;
    if (e <= tolerance) {
      within++;
      timeWithinMs += c.measuredMs;
    }
    sum += e;
  }
  return {
    cases: valid.length,
    within10pct: within / valid.length,
    mape: sum / valid.length,
    timeWithin10pct: timeWithinMs / timeMs,
  };
}
