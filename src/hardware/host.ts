// The `host` device: the machine hetero runs on, described from measurements taken here (peak compute,
// bandwidth) rather than a spec sheet, and the host file that stores it with its fitted cost
// parameters (.hetero/host.json, written by `hetero calibrate`).
import { mkdirSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../write-atomic.js';
import { dirname, join } from 'node:path';
import type { RunOverhead } from '../cost/host-run.js';
import type { DeviceCostParams } from '../cost/types.js';
import { HeteroError } from '../errors.js';
import type { Device, Provenance, Source } from './schema.js';

/** What `measureHost` (runtime/profile-host.ts) observes. */
export interface HostMeasurements {
  cpuModel: string;
  cores: number;
  /** os.cpus() speed (MHz); 0 when the OS does not report it (e.g. in a VM). */
  clockMHz: number;
  memoryMB: number;
  /** Achieved MatMul GFLOPS (float32) per thread count. */
  matmulGflops: Record<number, number>;
  /** Achieved bandwidth of a DRAM-sized Add (2 reads + 1 write) per thread count (GB/s). */
  addBandwidthGBps: Record<number, number>;
  /** The same for an Add whose operands fit in cache, as the tensors of small models do (GB/s). */
  cachedAddBandwidthGBps: Record<number, number>;
  /**
   * One tensor handed from one worker thread to another as the executor does it (absent in host
   * files written before it was measured): latency (µs) and extra µs per MiB moved.
   */
  workerHandoff?: { latencyUs: number; usPerMiB: number };
  /**
   * What the Node executor adds to a request besides its partitions' session.runs (runtime/
   * profile-executor.ts): a fixed part (µs) and µs per MiB of model inputs and outputs. Absent in
   * host files written before it was measured.
   */
  executorRequest?: { latencyUs: number; usPerMiB: number };
  /**
   * What one dependency between two per-core workers adds to a request, through the executor
   * (runtime/profile-executor.ts): a fixed part (µs) and µs per MiB of the tensor crossing. It
   * replaces workerHandoff plus one session.run for pricing the host's workers. Absent in host files
   * written before it was measured, or on a one-core machine.
   */
  workerBoundary?: { latencyUs: number; usPerMiB: number };
  /**
   * What one session.run of a one-kernel model costs from JavaScript (µs) per thread count: the
   * binding, the feeds and fetches, the executor's bookkeeping: a run's fixed cost (cost/host-run.ts).
   * Absent in host files written before it was measured.
   */
  sessionRunUs?: Record<number, number>;
  /**
   * What each further kernel that does next to nothing adds to a plain session.run (µs) per thread
   * count: the least a kernel costs outside the profiler (cost/host-run.ts kernelFloorMs).
   */
  trivialKernelUs?: Record<number, number>;
  /**
   * What ORT's profiler adds inside a trivial kernel's span (µs) per thread count: its profiled span
   * less its plain cost. A kernel's in-span profiler cost at one thread (cost/host-run.ts
   * spanInflationMs); at more, kernels that use the thread pool pay more than a trivial one.
   */
  profilerSpanUs?: Record<number, number>;
  /** How each number was obtained, for the device's sources. */
  method: string;
  measuredAt: string;
}

/**
 * A plain run from its kernels, per thread count (cost/host-run.ts RunOverhead): kernelScale × Σ
 * max(span − spanInflationMs, min(span, kernelFloorMs)) + fixedMs + perNodeMs × nodes. Fields added
 * after a host file was written are absent in it and default to 0 (1 for kernelScale).
 */
export type HostRunOverhead = RunOverhead;

export interface HostFile {
  format: 'hetero-host/1';
  device: Device;
  params: DeviceCostParams;
  runOverhead: Record<string, HostRunOverhead>;
  measurements: HostMeasurements;
}

export const DEFAULT_HOST_FILE = join('.hetero', 'host.json');

const maxOf = (r: Record<number, number>): number => Math.max(...Object.values(r), 0);

/**
 * The host Device. `memoryBandwidthGBps` is the bandwidth the cost model may use (the fitted
 * effective bandwidth of in-cache tensors when calibration gives one, else the measured DRAM figure).
 */
export function buildHostDevice(m: HostMeasurements, memoryBandwidthGBps?: number): Device {
  const source: Source = {
    id: 'host-measured',
    title: `measured on this machine at ${m.measuredAt}`,
    url: 'https://onnxruntime.ai/docs/performance/tune-performance/profiling-tools.html',
    kind: 'code',
    note: m.method,
  };
  const measured = (unit: string, note?: string): Provenance => ({
    unit,
    source,
    estimated: false,
    ...(note ? { note } : {}),
  });
  const guess = (unit: string, reasoning: string): Provenance => ({ unit, estimated: true, reasoning });
  // The cost model scales the all-cores peak by threads/cores (roofline.ts), so the peak is the
  // highest per-core rate measured at any thread count × cores: one thread often reaches more than
  // its 1/cores share of the all-cores MatMul (shared caches, turbo), and a peak below it would ask
  // for efficiencies above 1, which the curves clamp.
  const peak = Math.max(
    maxOf(m.matmulGflops),
    ...Object.entries(m.matmulGflops).map(
      ([t, g]) => (g * m.cores) / Math.max(1, Math.min(Number(t), m.cores)),
    ),
  );
  const dram = maxOf(m.addBandwidthGBps);
  const bandwidth = Math.max(dram, memoryBandwidthGBps ?? 0);
  const year = Number(m.measuredAt.slice(0, 4)) || new Date().getFullYear();
  return {
    id: 'host',
    name: `this machine (${m.cpuModel}, ${m.cores} cores)`,
    soc: m.cpuModel,
    vendor: m.cpuModel.split(/\s+/)[0] || 'unknown',
    year,
    processors: [
      {
        id: 'cpu',
        kind: 'cpu',
        name: m.cpuModel,
        cores: m.cores,
        clusters: 1,
        freqMHz: { max: m.clockMHz > 0 ? m.clockMHz : 1 },
        peakGflops: { float32: peak },
        memBandwidthGBps: dram,
        dispatchUs: 0,
        supports: {
          runtime: 'cpu',
          dtypes: ['float32', 'int8', 'uint8', 'int32', 'int64', 'bool'],
          unsupportedOps: [],
          source: 'https://github.com/microsoft/onnxruntime/blob/main/docs/OperatorKernels.md',
          notes: 'onnxruntime-node CPU execution provider',
        },
        power: { idleW: 0, activeW: 1 },
        notes: 'peak = achieved MatMul GFLOPS per core (best thread count) × cores, not a datasheet figure',
      },
    ],
    memory: {
      // The schema knows only LPDDR types; the host's DRAM type is not observable (e.g. in a VM).
      type: 'LPDDR4',
      channels: 1,
      dataRateMTps: 1,
      bandwidthGBps: bandwidth,
      capacityMB: m.memoryMB,
      unified: true,
    },
    thermal: { sustainedPowerW: 1 },
    sources: [source],
    notes:
      `Built by hetero calibrate from measurements. Threads measured: ${Object.keys(m.matmulGflops).join(', ')}. ` +
      `DRAM-sized Add reached ${dram.toFixed(1)} GB/s; memory.bandwidthGBps holds the effective bandwidth ` +
      `the cost model may use for in-cache tensors (${bandwidth.toFixed(1)} GB/s).`,
    provenance: {
      'processors.cpu.cores': measured('cores', 'os.cpus().length'),
      'processors.cpu.peakGflops.float32': measured(
        'GFLOPS',
        `MatMul per thread count: ${fmt(m.matmulGflops)}`,
      ),
      'processors.cpu.memBandwidthGBps': measured(
        'GB/s',
        `DRAM-sized Add per thread count: ${fmt(m.addBandwidthGBps)}`,
      ),
      'memory.bandwidthGBps': measured(
        'GB/s',
        `effective bandwidth of the models' ops (calibration), in-cache Add per thread count: ${fmt(m.cachedAddBandwidthGBps)}`,
      ),
      'memory.capacityMB': measured('MB', 'os.totalmem()'),
      'processors.cpu.freqMHz.max':
        m.clockMHz > 0
          ? measured('MHz', 'os.cpus()[0].speed')
          : guess('MHz', 'the OS reports no clock (VM): placeholder 1'),
      'processors.cpu.dispatchUs': guess('us', 'fitted per thread count in the cost parameters, not here'),
      'memory.type': guess(
        '',
        'placeholder: the schema lists only LPDDR types and the DRAM type is not observable',
      ),
      'memory.channels': guess('', 'not observable; placeholder'),
      'memory.dataRateMTps': guess('MT/s', 'not observable; placeholder'),
      'processors.cpu.power.idleW': guess('W', 'no power sensor readable here; placeholder'),
      'processors.cpu.power.activeW': guess('W', 'no power sensor readable here; placeholder'),
      'thermal.sustainedPowerW': guess('W', 'no power sensor readable here; placeholder'),
    },
  };
}

/** At most this many per-core workers: a plan over dozens of identical processors helps no one. */
const MAX_CORE_WORKERS = 8;

/** Id of the k-th per-core worker of the host ("cpu0", "cpu1", …). */
export function coreWorkerId(k: number): string {
  return `cpu${k}`;
}

/**
 * The host with per-core workers: besides the whole-machine `cpu` (all cores, one ORT thread per
 * core), processors `cpu0`, `cpu1`, … of one core each, which the executor runs as worker threads
 * with a single-threaded ORT session each. They share the cores `cpu` uses, so a plan uses either
 * `cpu` or the workers, not both at once. Added only with two or more cores.
 */
export function withCoreWorkers(device: Device): Device {
  const cpu = device.processors.find((p) => p.id === 'cpu');
  const cores = cpu?.cores ?? 1;
  if (!cpu || cores < 2 || device.processors.some((p) => p.id === coreWorkerId(0))) return device;
  const perCore = Object.fromEntries(
    Object.entries(cpu.peakGflops).map(([dtype, g]) => [dtype, (g ?? 0) / cores]),
  );
  const workers = Array.from({ length: Math.min(cores, MAX_CORE_WORKERS) }, (_, k) => ({
    ...cpu,
    id: coreWorkerId(k),
    name: `${cpu.name}, core worker ${k}`,
    cores: 1,
    peakGflops: perCore,
    partOf: cpu.id,
    notes: `one core of cpu (peak = cpu's / ${cores}); run by the executor as a worker thread with one ORT thread; shares cores with cpu`,
  }));
  return { ...device, processors: [...device.processors, ...workers] };
}

function fmt(r: Record<number, number>): string {
  return Object.entries(r)
    .map(([t, v]) => `${t}t ${v.toFixed(1)}`)
    .join(', ');
}

/** Writes the host file atomically (temp file + rename): a failure never leaves half a file. */
export function saveHostFile(host: HostFile, file: string = DEFAULT_HOST_FILE): string {
  mkdirSync(dirname(file), { recursive: true });
  writeFileAtomic(file, `${JSON.stringify(host, null, 2)}\n`);
  return file;
}

/** Reads the host file; a missing or malformed one is a one-line user error. */
export function loadHost(file: string = DEFAULT_HOST_FILE): HostFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new HeteroError(file, 'no host calibration here: run `hetero calibrate` first');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new HeteroError(file, 'is not JSON: run `hetero calibrate` again');
  }
  if (!isHostFile(json)) {
    throw new HeteroError(
      file,
      'is not a hetero host file (format hetero-host/1): run `hetero calibrate` again',
    );
  }
  return json;
}

function isHostFile(x: unknown): x is HostFile {
  if (typeof x !== 'object' || x === null) return false;
  const r = x as Record<string, unknown>;
  const device = r.device as Record<string, unknown> | undefined;
  const params = r.params as Record<string, unknown> | undefined;
  return (
    r.format === 'hetero-host/1' &&
    typeof device === 'object' &&
    device !== null &&
    device.id === 'host' &&
    Array.isArray(device.processors) &&
    typeof params === 'object' &&
    params !== null &&
    typeof params.processors === 'object' &&
    typeof r.runOverhead === 'object'
  );
}
