// DVFS and heat: a lumped-RC thermal model of the phone (one node: the skin the OEM limit is set on),
// a thermal governor that caps each processor's clock as the temperature passes the throttling start,
// and a load governor (performance / schedutil / powersave) choosing the clock under that cap. The
// device's numbers come from the catalog's `thermal` block and each processor's `sustained` share.
import type { Device, Processor } from '../hardware/schema.js';
import type { GovernorKind } from './types.js';

/**
 * Clock steps as a share of the maximum (estimated: Snapdragon/Dimensity clusters expose 15–25
 * operating points between ~20 % and 100 % of max; 5 % steps stand in for those tables, which the
 * catalog does not list).
 */
export const FREQ_STEP = 0.05;
export const FREQ_LEVELS = Math.round(1 / FREQ_STEP);

/** Lowest clock share when the catalog gives no minimum (estimated: lowest OPPs are 20–35 % of max). */
export const DEFAULT_MIN_FREQ_SHARE = 0.3;

/** Sustained share when a processor has none in the catalog (estimated: the usual 0.7 of CPU clusters). */
export const DEFAULT_SUSTAINED_SHARE = 0.7;

/**
 * schedutil's headroom: next_freq = 1.25 × max_freq × util / max (tipping point at 80 % utilisation).
 * Source: Linux kernel/sched/cpufreq_schedutil.c, get_next_freq().
 */
export const SCHEDUTIL_HEADROOM = 1.25;

/** PELT utilisation half-life (ms): Linux's per-entity load tracking decays by half every 32 ms. */
export const PELT_HALF_LIFE_MS = 32;

export interface ThermalParams {
  ambientC: number;
  resistanceCPerW: number;
  capacitanceJPerC: number;
  /** Throttling starts here… */
  throttleStartC: number;
  /** …and reaches the sustained clocks here (the skin limit). */
  throttleFullC: number;
}

/** The device's RC and thresholds (catalog), with estimated fall-backs for missing fields. */
export function thermalParams(device: Device, ambientC: number): ThermalParams {
  const t = device.thermal;
  const maxC = t.maxSkinTempC ?? 45; // estimated: OEM skin limits are 43–45 °C
  const startC = t.throttleStartTempC ?? maxC - 5;
  // Without a resistance: the sustained power is what holds the skin at its limit from a 25 °C room.
  const resistance = t.thermalResistanceCPerW ?? (maxC - 25) / t.sustainedPowerW;
  // Without a capacitance: a ~190 g phone × ~0.75 J/(g·°C) (the catalog's own estimate for its phones).
  const capacitance = t.thermalCapacitanceJPerC ?? 140;
  return {
    ambientC,
    resistanceCPerW: resistance,
    capacitanceJPerC: capacitance,
    throttleStartC: startC,
    throttleFullC: Math.max(startC + 0.5, maxC),
  };
}

/**
 * Temperature after `dtMs` at constant `powerW`: C dT/dt = P − (T − T_amb)/R, solved exactly over the
 * step (T relaxes towards T_amb + P·R with time constant R·C).
 */
export function stepTemperature(tempC: number, powerW: number, dtMs: number, p: ThermalParams): number {
  const steadyC = p.ambientC + powerW * p.resistanceCPerW;
  const decay = Math.exp(-dtMs / 1000 / (p.resistanceCPerW * p.capacitanceJPerC));
  return steadyC + (tempC - steadyC) * decay;
}

/** The share of peak a processor keeps under sustained load (catalog), used as its throttled clock. */
export function sustainedShare(proc: Processor): number {
  return proc.sustained?.freqShare ?? proc.sustained?.gflopsShare ?? DEFAULT_SUSTAINED_SHARE;
}

export function minFreqShare(proc: Processor): number {
  const min = proc.freqMHz.min;
  return min !== undefined && min > 0 ? Math.min(1, min / proc.freqMHz.max) : DEFAULT_MIN_FREQ_SHARE;
}

/**
 * The thermal governor's cap on one processor's clock: full clock below the throttling start, falling
 * linearly to its sustained share at the skin limit and on below it if the heat keeps rising (a
 * proportional controller, like Linux's step_wise governor stepping further down while hot).
 */
export function thermalCap(tempC: number, proc: Processor, p: ThermalParams): number {
  if (tempC <= p.throttleStartC) return 1;
  const x = (tempC - p.throttleStartC) / (p.throttleFullC - p.throttleStartC);
  return Math.max(minFreqShare(proc), 1 - (1 - sustainedShare(proc)) * x);
}

/** DVFS level (1..FREQ_LEVELS) of a share: the highest step not above a cap. */
export function levelAtMost(share: number): number {
  return Math.max(1, Math.min(FREQ_LEVELS, Math.floor(share / FREQ_STEP + 1e-9)));
}

/** DVFS level of a share: the lowest step at or above a target (schedutil's rounding). */
export function levelAtLeast(share: number): number {
  return Math.max(1, Math.min(FREQ_LEVELS, Math.ceil(share / FREQ_STEP - 1e-9)));
}

/** One processor's load governor: the clock level it asks for given its recent utilisation. */
export class LoadGovernor {
  private utilEma = 0;
  private readonly minLevel: number;

  constructor(
    private readonly kind: GovernorKind,
    proc: Processor,
  ) {
    this.minLevel = levelAtLeast(minFreqShare(proc));
  }

  /** Feeds the busy share of the last `dtMs` and returns the requested level. */
  update(busyShare: number, dtMs: number): number {
    if (this.kind === 'performance') return FREQ_LEVELS;
    if (this.kind === 'powersave') return this.minLevel;
    const decay = Math.pow(0.5, dtMs / PELT_HALF_LIFE_MS);
    this.utilEma = this.utilEma * decay + busyShare * (1 - decay);
    return Math.max(this.minLevel, levelAtLeast(SCHEDUTIL_HEADROOM * this.utilEma));
  }
}
