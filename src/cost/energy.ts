// Energy: processors draw active power while they run an op (at the DVFS level of the RunContext) and
// idle power while they wait; transfers cost DRAM energy per byte plus the copying core's power.
import type { Processor } from '../hardware/schema.js';
import type { RunContext } from './types.js';

/**
 * Dynamic power follows f·V²; over the upper DVFS range V rises roughly linearly with f (≈ f³) and
 * flattens near the minimum voltage, so an exponent of 2.5 (assumption within the usual 2–3):
 * P(f) = P_idle + (P_active − P_idle) × freqShare^α.
 */
export const POWER_FREQ_EXPONENT = 2.5;

/**
 * DRAM access energy per byte moved (read or written), including I/O and controller: 10 pJ/bit
 * = 80 pJ/byte. Horowitz ("Computing's energy problem", ISSCC 2014) gives 1.3–2.6 nJ per 64-bit DRAM
 * access (≈20–40 pJ/bit) for DDR3-era parts; LPDDR4X/LPDDR5 interfaces are several times more
 * efficient, so 10 pJ/bit is an assumption between that figure and I/O-only LPDDR numbers.
 */
export const DRAM_ENERGY_PJ_PER_BYTE = 80;

/**
 * Active power (W) of a processor at the context's frequency; a CPU's catalog figure is for its whole
 * cluster, so it scales with the share of cores in use.
 */
export function activePowerW(proc: Processor, ctx?: RunContext): number {
  const f = ctx?.freqShare !== undefined && ctx.freqShare > 0 ? Math.min(1, ctx.freqShare) : 1;
  const { idleW, activeW } = proc.power;
  let share = 1;
  if (proc.kind === 'cpu' && ctx?.threads !== undefined && ctx.threads > 0) {
    const cores = Math.max(1, proc.cores ?? 1);
    share = Math.min(ctx.threads, cores) / cores;
  }
  return idleW + (activeW - idleW) * f ** POWER_FREQ_EXPONENT * share;
}

/** Energy (J) of running for latencyMs at the context's power. */
export function opEnergyFromLatency(latencyMs: number, proc: Processor, ctx?: RunContext): number {
  return (latencyMs / 1000) * activePowerW(proc, ctx);
}

/** Energy (J) of a transfer: DRAM traffic plus the time of the core that performs it. */
export function transferEnergy(trafficBytes: number, latencyMs: number, enginePowerW: number): number {
  return trafficBytes * DRAM_ENERGY_PJ_PER_BYTE * 1e-12 + (latencyMs / 1000) * enginePowerW;
}

/** Power (W) of the CPU core that drives a transfer: one core of the given CPU processor. */
export function copyEnginePowerW(cpu: Processor | undefined): number {
  if (!cpu) return 0;
  return cpu.power.activeW / Math.max(1, cpu.cores ?? 1);
}
