// Workloads: when requests arrive for each model, their deadlines, and the queueing policy. A spec
// string (the CLI's --workload) or an object parses into a normalised Workload; `ArrivalStream`
// generates one model's arrival times lazily (seeded), so a long run never holds them all.
//
// Spec grammar: per-model specs separated by ';' (one spec applies to every model), each a pattern
// followed by ',key=value' options:
//   single | single:N | periodic:30fps | 30fps | periodic:33ms | poisson:20/s | burst:8/2s[/5ms]
//   deadline=50ms  priority=2  start=1s  jitter=2ms                      (per model)
//   queue=fifo|edf|priority  drop=late|none  inflight=N  maxqueue=N      (policy, any spec)
// e.g. "30fps,deadline=33ms,drop=late;poisson:5/s,deadline=200ms;burst:4/2s".
import { HeteroError } from '../errors.js';
import { mulberry32 } from '../random.js';
import type { Arrival, ModelWorkload, QueueOrder, QueuePolicy, Workload } from './types.js';
import { parseDurationMs, parseIntAtLeast, parsePositiveDurationMs, parseRatePerS } from './units.js';

const ORDERS: readonly QueueOrder[] = ['fifo', 'edf', 'priority'];

export const DEFAULT_POLICY: QueuePolicy = {
  order: 'fifo',
  dropLate: false,
  maxInFlight: 1,
  maxQueue: Infinity,
};

function parseArrival(text: string, where: string): Arrival {
  const [rawKind, ...rest] = text.split(':');
  const kind = rawKind.trim().toLowerCase();
  const arg = rest.join(':').trim();
  if (kind === 'single') {
    return { kind: 'single', count: arg === '' ? 1 : parseIntAtLeast(arg, 1, where, 'single count') };
  }
  if (kind === 'periodic') {
    if (arg === '') throw new HeteroError(where, 'periodic needs a rate or period, e.g. periodic:30fps');
    // A rate (30fps, 20/s) or a period (33ms).
    const periodMs = /(fps|hz|\/)/i.test(arg)
      ? 1000 / parseRatePerS(arg, where, 'periodic rate')
      : parsePositiveDurationMs(arg, where, 'periodic period');
    return { kind: 'periodic', periodMs, jitterMs: 0 };
  }
  if (/^[0-9.]+\s*(fps|hz)$/i.test(text.trim())) {
    return { kind: 'periodic', periodMs: 1000 / parseRatePerS(text, where, 'periodic rate'), jitterMs: 0 };
  }
  if (kind === 'poisson') {
    if (arg === '') throw new HeteroError(where, 'poisson needs a rate, e.g. poisson:20/s');
    return { kind: 'poisson', ratePerS: parseRatePerS(arg, where, 'poisson rate') };
  }
  if (kind === 'burst') {
    const [size, every, spacing] = arg.split('/');
    if (!size || !every)
      throw new HeteroError(where, `burst "${arg}" must be SIZE/EVERY[/SPACING], e.g. burst:8/2s`);
    const everyMs = parsePositiveDurationMs(every, where, 'burst interval');
    const spacingMs = spacing === undefined ? 0 : parseDurationMs(spacing, where, 'burst spacing');
    if (spacingMs < 0) throw new HeteroError(where, `burst spacing must be ≥ 0, got "${spacing}"`);
    return { kind: 'burst', size: parseIntAtLeast(size, 1, where, 'burst size'), everyMs, spacingMs };
  }
  throw new HeteroError(
    where,
    `unknown arrival pattern "${rawKind}"; use single, periodic:30fps, 30fps, poisson:20/s or burst:8/2s`,
  );
}

function parseModelSpec(text: string, policy: QueuePolicy, where: string): ModelWorkload {
  const [pattern, ...options] = text.split(',').map((s) => s.trim());
  if (!pattern) throw new HeteroError(where, `empty model spec in "${text}"`);
  const arrival = parseArrival(pattern, where);
  const out: ModelWorkload = { arrival, priority: 0, startMs: 0 };
  for (const opt of options) {
    if (opt === '') continue;
    const eq = opt.indexOf('=');
    if (eq < 0) throw new HeteroError(where, `option "${opt}" must be key=value`);
    const key = opt.slice(0, eq).trim().toLowerCase();
    const value = opt.slice(eq + 1).trim();
    switch (key) {
      case 'deadline':
        out.deadlineMs = parsePositiveDurationMs(value, where, 'deadline');
        break;
      case 'priority': {
        const p = Number(value);
        if (!Number.isFinite(p)) throw new HeteroError(where, `priority must be a number, got "${value}"`);
        out.priority = p;
        break;
      }
      case 'start': {
        const ms = parseDurationMs(value, where, 'start');
        if (ms < 0) throw new HeteroError(where, `start must be ≥ 0, got "${value}"`);
        out.startMs = ms;
        break;
      }
      case 'jitter': {
        if (arrival.kind !== 'periodic')
          throw new HeteroError(where, 'jitter applies to periodic arrivals only');
        const ms = parseDurationMs(value, where, 'jitter');
        if (ms < 0 || ms >= arrival.periodMs / 2) {
          throw new HeteroError(where, `jitter must be ≥ 0 and below half the period, got "${value}"`);
        }
        arrival.jitterMs = ms;
        break;
      }
      case 'queue': {
        const order = ORDERS.find((o) => o === value.toLowerCase());
        if (!order) throw new HeteroError(where, `queue "${value}" is not one of ${ORDERS.join(', ')}`);
        policy.order = order;
        break;
      }
      case 'drop':
        if (value !== 'late' && value !== 'none') {
          throw new HeteroError(where, `drop "${value}" is not one of late, none`);
        }
        policy.dropLate = value === 'late';
        break;
      case 'inflight':
        policy.maxInFlight = parseIntAtLeast(value, 1, where, 'inflight');
        break;
      case 'maxqueue':
        policy.maxQueue = value === 'inf' ? Infinity : parseIntAtLeast(value, 0, where, 'maxqueue');
        break;
      default:
        throw new HeteroError(
          where,
          `unknown option "${key}"; known: deadline, priority, start, jitter, queue, drop, inflight, maxqueue`,
        );
    }
  }
  return out;
}

/**
 * A Workload from a spec string (grammar above) or a Workload object (validated); errors name
 * `where` (the CLI passes its flag) and the field.
 */
export function parseWorkload(spec: string | Workload, where = 'workload'): Workload {
  if (typeof spec !== 'string') return validateWorkload(spec, where);
  if (spec.trim() === '') throw new HeteroError(where, 'is empty; e.g. 30fps or poisson:20/s');
  const policy: QueuePolicy = { ...DEFAULT_POLICY };
  const models = spec.split(';').map((s) => parseModelSpec(s, policy, where));
  return validateWorkload({ models, policy }, where);
}

function positive(x: unknown, field: string, where: string): void {
  if (typeof x !== 'number' || !(x > 0) || !Number.isFinite(x)) {
    throw new HeteroError(where, `${field} must be a positive number, got ${String(x)}`);
  }
}

/** Checks a Workload object built in code (the fields a spec string cannot get wrong). */
export function validateWorkload(w: Workload, where = 'workload'): Workload {
  if (!w || !Array.isArray(w.models) || w.models.length === 0) {
    throw new HeteroError(where, 'models must list at least one model workload');
  }
  w.models.forEach((m, i) => {
    const at = `models[${i}]`;
    const a = m.arrival;
    if (!a) throw new HeteroError(where, `${at}.arrival is missing`);
    if (a.kind === 'single') {
      if (!Number.isInteger(a.count) || a.count < 1)
        throw new HeteroError(where, `${at}.arrival.count must be ≥ 1`);
    } else if (a.kind === 'periodic') {
      positive(a.periodMs, `${at}.arrival.periodMs`, where);
      if (!(a.jitterMs >= 0)) throw new HeteroError(where, `${at}.arrival.jitterMs must be ≥ 0`);
    } else if (a.kind === 'poisson') {
      positive(a.ratePerS, `${at}.arrival.ratePerS (rate)`, where);
    } else if (a.kind === 'burst') {
      positive(a.everyMs, `${at}.arrival.everyMs`, where);
      if (!Number.isInteger(a.size) || a.size < 1)
        throw new HeteroError(where, `${at}.arrival.size must be ≥ 1`);
      if (!(a.spacingMs >= 0)) throw new HeteroError(where, `${at}.arrival.spacingMs must be ≥ 0`);
    } else {
      throw new HeteroError(where, `${at}.arrival.kind is unknown`);
    }
    if (m.deadlineMs !== undefined) positive(m.deadlineMs, `${at}.deadlineMs`, where);
    if (!(m.startMs >= 0)) throw new HeteroError(where, `${at}.startMs must be ≥ 0`);
  });
  const p = w.policy;
  if (!ORDERS.includes(p.order))
    throw new HeteroError(where, `policy.order must be one of ${ORDERS.join(', ')}`);
  if (!Number.isInteger(p.maxInFlight) || p.maxInFlight < 1) {
    throw new HeteroError(where, 'policy.maxInFlight must be an integer ≥ 1');
  }
  if (!(p.maxQueue >= 0)) throw new HeteroError(where, 'policy.maxQueue must be ≥ 0');
  return w;
}

/** The workload of model `i` of `count` (one entry applies to all). */
export function modelWorkload(w: Workload, i: number, count: number, where = 'workload'): ModelWorkload {
  if (w.models.length !== 1 && w.models.length !== count) {
    throw new HeteroError(
      where,
      `gives ${w.models.length} model specs for ${count} models (give 1 or ${count})`,
    );
  }
  return w.models.length === 1 ? w.models[0] : w.models[i];
}

/** The deadline a request of this model has (periodic: its period unless set), or Infinity. */
export function deadlineOf(m: ModelWorkload): number {
  if (m.deadlineMs !== undefined) return m.deadlineMs;
  return m.arrival.kind === 'periodic' ? m.arrival.periodMs : Infinity;
}

/** One model's arrival times in increasing order, generated on demand from its own seeded stream. */
export class ArrivalStream {
  private readonly rand: () => number;
  private k = 0;
  private t: number;

  constructor(
    private readonly m: ModelWorkload,
    private readonly endMs: number,
    seed: number,
  ) {
    this.rand = mulberry32(seed);
    this.t = m.startMs;
  }

  /** The next arrival time (ms), or Infinity when the stream is over. */
  next(): number {
    const a = this.m.arrival;
    let at: number;
    switch (a.kind) {
      case 'single':
        at = this.k < a.count ? this.m.startMs : Infinity;
        break;
      case 'periodic': {
        const base = this.m.startMs + this.k * a.periodMs;
        at = a.jitterMs > 0 ? base + (this.rand() * 2 - 1) * a.jitterMs : base;
        if (at < this.t) at = this.t; // jitter never reorders frames
        break;
      }
      case 'poisson':
        // Exponential gap; 1 − u is in (0, 1], so the log is finite.
        at = this.t + (-Math.log(1 - this.rand()) * 1000) / a.ratePerS;
        break;
      case 'burst': {
        const burst = Math.floor(this.k / a.size);
        const within = this.k % a.size;
        at = this.m.startMs + burst * a.everyMs + within * a.spacingMs;
        break;
      }
    }
    this.k++;
    if (!(at < this.endMs)) return Infinity;
    this.t = at;
    return at;
  }
}
