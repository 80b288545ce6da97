// Fixed host figures for tests: a host device or host file built from them needs no measurement
// (and no .hetero/host.json), so tests run the same on a fresh clone.
import type { HostMeasurements } from '../src/hardware/host.js';

export const TEST_HOST: HostMeasurements = {
  cpuModel: 'test CPU',
  cores: 2,
  clockMHz: 0,
  memoryMB: 8192,
  matmulGflops: { 1: 60, 2: 110 },
  addBandwidthGBps: { 1: 20, 2: 35 },
  cachedAddBandwidthGBps: { 1: 30, 2: 50 },
  method: 'fixed numbers for tests',
  measuredAt: '2026-01-01T00:00:00.000Z',
};

/** Host figures the calibration tests fit on (the micro-benchmarks take seconds; they only scale curves). */
export const CALIBRATION_HOST: HostMeasurements = {
  cpuModel: 'Test CPU',
  cores: 2,
  clockMHz: 0,
  memoryMB: 1024,
  matmulGflops: { 1: 90, 2: 180 },
  addBandwidthGBps: { 1: 25, 2: 30 },
  cachedAddBandwidthGBps: { 1: 45, 2: 45 },
  method: 'test fixture',
  measuredAt: '2026-01-01T00:00:00.000Z',
};
