// How well the host's measurements repeat: how much of a cost model's miss may be the measurement's.
// A profile taken in several sessions (runtime/profile-suite.ts) merges them as one measurement
// (runtime/profile-sessions.ts: at one thread each node's fastest session, at more the mean of the
// run and the dense kernels); the same taken over the even-numbered sessions and over the
// odd-numbered ones are two independent measurements of the same case, scored against each other
// with the fidelity metrics (fidelity.ts). The kept value, taken over all the sessions, repeats
// better than either half, by how much is not known; but where the halves agree within ±10% for only
// 77% of profiles end to end (the AMD EPYC KVM guest, five sessions; 85% with nine), a model within
// ±10% of the kept values for 90% would need them steadier than the halves are.
import type { ModelProfile } from './measurements.js';
import { estimateOf } from './measurements.js';
import { DEFAULT_MIN_OP_US, summarizeFidelity, type FidelityCase, type FidelitySummary } from './fidelity.js';

/** What of one session's measurement is compared. */
export type SessionMeasurement = Pick<ModelProfile, 'endToEnd' | 'nodes'>;

/** Two measurements of each case compared, end to end and per op (≥ minOpUs). */
export interface RepeatSummary {
  endToEnd: FidelitySummary;
  perOp: FidelitySummary;
}

/** A profile's two halves of sessions and every session's plain end-to-end estimate (ms). */
export interface RepeatedProfile {
  profile: Pick<ModelProfile, 'model' | 'threads'>;
  /** The model family: its cases form one group of the within-±10% interval (fidelity.ts). */
  family?: string;
  /**
   * The even-numbered sessions (0, 2, …) and the odd-numbered ones (1, 3, …), each merged by
   * mergeSessions (runtime/profile-sessions.ts).
   */
  halves?: readonly [SessionMeasurement, SessionMeasurement];
  sessionsMs?: readonly number[];
}

/**
 * The odd-numbered half's estimates scored as predictions of the even-numbered half's: whole runs, and
 * nodes of at least `minOpUs` in the even-numbered half; overall and per thread count (on the 2-vCPU
 * KVM guest, nine sessions, five against four: one thread 83% / 78%, two threads 87% / 79%).
 */
export interface MeasurementRepeatability extends RepeatSummary {
  /** Profiles measured in two sessions or more. */
  profiles: number;
  byThreads: ({ threads: number } & RepeatSummary)[];
  minOpUs: number;
  /** Largest slowest/fastest plain end-to-end estimate over one profile's sessions. */
  worstSessionRatio: number;
}

export function measurementRepeatability(
  data: readonly RepeatedProfile[],
  minOpUs = DEFAULT_MIN_OP_US,
): MeasurementRepeatability | undefined {
  const cases = new Map<number, { e2e: FidelityCase[]; perOp: FidelityCase[] }>();
  let worstSessionRatio = 1;
  for (const d of data) {
    if (!d.halves) continue;
    const [even, odd] = d.halves;
    const c = cases.get(d.profile.threads) ?? { e2e: [], perOp: [] };
    cases.set(d.profile.threads, c);
    const group = d.family;
    c.e2e.push({
      label: d.profile.model,
      measuredMs: estimateOf(even.endToEnd),
      predictedMs: estimateOf(odd.endToEnd),
      group,
    });
    const oddMs = new Map(odd.nodes.map((n) => [n.node, estimateOf(n.latency)]));
    for (const n of even.nodes) {
      const measuredMs = estimateOf(n.latency);
      const predictedMs = oddMs.get(n.node);
      if (predictedMs === undefined || measuredMs * 1000 < minOpUs) continue;
      c.perOp.push({ label: `${d.profile.model} ${n.node}`, measuredMs, predictedMs, group });
    }
    const ms = d.sessionsMs ?? [];
    if (ms.length > 1) worstSessionRatio = Math.max(worstSessionRatio, Math.max(...ms) / Math.min(...ms));
  }
  if (cases.size === 0) return undefined;
  const all = [...cases.values()];
  const summary = (e2e: FidelityCase[], perOp: FidelityCase[]): RepeatSummary => ({
    endToEnd: summarizeFidelity(e2e),
    perOp: summarizeFidelity(perOp),
  });
  return {
    profiles: all.reduce((n, c) => n + c.e2e.length, 0),
    ...summary(
      all.flatMap((c) => c.e2e),
      all.flatMap((c) => c.perOp),
    ),
    byThreads: [...cases]
      .sort(([a], [b]) => a - b)
      .map(([threads, c]) => ({ threads, ...summary(c.e2e, c.perOp) })),
    minOpUs,
    worstSessionRatio,
  };
}
