// Parsing of the quantities specs are written in: durations ("500ms", "2s", "1.5min") and rates
// ("30fps", "20/s", "5Hz", "120/min"). Each failure is a HeteroError naming the field.
import { HeteroError } from '../errors.js';

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  min: 60_000,
  m: 60_000,
  h: 3_600_000,
};

/** Milliseconds in a duration such as "500ms", "2s", "1.5min" (a bare number is ms). */
export function parseDurationMs(text: string, where: string, field: string): number {
  const m = /^\s*(-?[0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*([a-z]*)\s*$/i.exec(text);
  const scale = m ? (m[2] === '' ? 1 : DURATION_UNITS[m[2].toLowerCase()]) : undefined;
  if (!m || scale === undefined) {
    throw new HeteroError(where, `${field} "${text}" is not a duration like 500ms, 2s or 1min`);
  }
  const ms = Number(m[1]) * scale;
  if (!Number.isFinite(ms)) throw new HeteroError(where, `${field} "${text}" is not a finite duration`);
  return ms;
}

/** A duration that must be > 0. */
export function parsePositiveDurationMs(text: string, where: string, field: string): number {
  const ms = parseDurationMs(text, where, field);
  if (!(ms > 0)) throw new HeteroError(where, `${field} must be > 0, got "${text}"`);
  return ms;
}

/** Events per second in a rate such as "30fps", "20/s", "5Hz", "120/min". */
export function parseRatePerS(text: string, where: string, field: string): number {
  const m = /^\s*(-?[0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*(fps|hz|\/s|\/sec|\/min|\/ms)?\s*$/i.exec(text);
  if (!m) throw new HeteroError(where, `${field} "${text}" is not a rate like 30fps, 20/s or 120/min`);
  const unit = (m[2] ?? '/s').toLowerCase();
  const scale = unit === '/min' ? 1 / 60 : unit === '/ms' ? 1000 : 1;
  const rate = Number(m[1]) * scale;
  if (!(rate > 0) || !Number.isFinite(rate)) {
    throw new HeteroError(where, `${field} must be a positive rate, got "${text}"`);
  }
  return rate;
}

/** An integer ≥ min. */
export function parseIntAtLeast(text: string, min: number, where: string, field: string): number {
  const n = Number(text);
  if (!/^\s*-?[0-9]+\s*$/.test(text) || !Number.isInteger(n) || n < min) {
    throw new HeteroError(where, `${field} must be an integer ≥ ${min}, got "${text}"`);
  }
  return n;
}
