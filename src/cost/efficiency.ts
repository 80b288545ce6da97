// Efficiency curves: achieved share of peak compute as a function of an op's size (FLOPs).
//
// Interpolation is linear in (log10 FLOPs, log10 efficiency), i.e. a power law between points, and flat
// beyond the ends. Why log-log: compute time is FLOPs / (peak × efficiency), so a bigger op is never
// faster exactly when efficiency grows no faster than FLOPs; between two points that is the condition
// e₂/e₁ ≤ F₂/F₁, which compileCurve enforces by clamping (a fitted curve with a steeper rise would
// predict that adding work saves time, which no processor does).
import type { EfficiencyCurve } from './types.js';

/** Efficiency floor: keeps compute time finite for a degenerate (zero) point. */
const MIN_EFFICIENCY = 1e-6;

/** A curve ready for fast evaluation (precomputed once per processor). */
export interface CompiledCurve {
  /** log10 FLOPs of each point, increasing. */
  readonly x: Float64Array;
  /** log10 efficiency of each point. */
  readonly logEff: Float64Array;
  /** Efficiency at or below the first point / at or above the last. */
  readonly lowEff: number;
  readonly highEff: number;
}

/** Sorts, clamps to (0, 1] and to the monotone-latency condition, and precomputes logs. */
export function compileCurve(curve: EfficiencyCurve): CompiledCurve {
  const pts = orderedFinitePoints(curve.points);
  if (pts.length === 0) pts.push([0, DEFAULT_FLAT_EFFICIENCY]);
  const x = new Float64Array(pts.length);
  const logEff = new Float64Array(pts.length);
  for (let i = 0; i < pts.length; i++) {
    const [xi, e] = pts[i]!;
    x[i] = xi;
    let le = Math.log10(Math.min(1, Math.max(MIN_EFFICIENCY, e)));
    // Efficiency may at most grow in proportion to FLOPs (log slope ≤ 1), see the header.
    if (i > 0) le = Math.min(le, logEff[i - 1]! + (xi - x[i - 1]!));
    logEff[i] = le;
  }
  return {
    x,
    logEff,
    lowEff: 10 ** logEff[0]!,
    highEff: 10 ** logEff[pts.length - 1]!,
  };
}

/**
 * The finite points in increasing FLOPs (a stable sort: ties keep their order). Curves almost always
 * arrive finite and sorted, and phone fits compile them millions of times, so that case copies only.
 */
function orderedFinitePoints(points: EfficiencyCurve['points']): [number, number][] {
  let ordered = true;
  for (let i = 0; i < points.length && ordered; i++) {
    const [x, e] = points[i]!;
    ordered = Number.isFinite(x) && Number.isFinite(e) && (i === 0 || points[i - 1]![0] <= x);
  }
  if (ordered) return points.slice();
  return points.filter(([x, e]) => Number.isFinite(x) && Number.isFinite(e)).sort((a, b) => a[0] - b[0]);
}

/** Efficiency used when a processor has no curve at all for an op (an assumption, see defaults.ts). */
export const DEFAULT_FLAT_EFFICIENCY = 0.1;

/** Achieved share of peak for an op of `flops` FLOPs. */
export function efficiencyAt(curve: CompiledCurve, flops: number): number {
  const { x, logEff } = curve;
  const n = x.length;
  if (!(flops > 0)) return curve.lowEff;
  const lx = Math.log10(flops);
  if (lx <= x[0]!) return curve.lowEff;
  if (lx >= x[n - 1]!) return curve.highEff;
  // Curves have a handful of points: a linear scan beats a binary search here.
  let i = 1;
  while (x[i]! < lx) i++;
  const x0 = x[i - 1]!;
  const t = (lx - x0) / (x[i]! - x0);
  return 10 ** (logEff[i - 1]! + t * (logEff[i]! - logEff[i - 1]!));
}

/**
 * A saturating curve eff(F) = maxEff × F / (F + halfFlops), sampled every half decade from 10^3 to
 * 10^11 FLOPs. This is Hockney's "half-performance length" n½ model of pipelined/parallel machines
 * (R. W. Hockney, "The n½ method", 1985): an op of halfFlops FLOPs reaches half the asymptotic
 * efficiency, because filling the processor (waves of work-groups, thread-pool fork/join, NPU tiles)
 * costs a fixed time. It satisfies the monotone-latency condition by construction.
 */
export function saturatingCurve(maxEff: number, halfFlops: number): EfficiencyCurve {
  const points: [number, number][] = [];
  for (let lx = 3; lx <= 11; lx += 0.5) {
    const f = 10 ** lx;
    points.push([lx, (maxEff * f) / (f + halfFlops)]);
  }
  return { points };
}
