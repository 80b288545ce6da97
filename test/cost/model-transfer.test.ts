// Transfers and syncs between processors: copy/map, layout and dtype conversion, sync per kind pair.
import { describe, expect, it } from 'vitest';
import { createCostModel } from '../../src/cost/index.js';
import type { TensorInfo } from '../../src/graph/types.js';
import { defaultProcessorParams } from '../../src/cost/defaults.js';
import {
  executorRequestMs,
  withCoreWorkerParams,
  workerCopyUsPerMiB,
  workerSyncUs,
} from '../../src/cost/for-device.js';
import { oneOp } from './model-helpers.js';
import { buildHostDevice, withCoreWorkers } from '../../src/hardware/host.js';
import { getDevice } from '../../src/hardware/index.js';
import { TEST_HOST } from '../test-host.js';
import type { Processor } from '../../src/hardware/schema.js';

const device = getDevice('sd865');
const model = createCostModel(device);
const p = (id: string): Processor => device.processors.find((x) => x.id === id)!;
const cpu = p('cpu-mid');
const big = p('cpu-big');
const gpu = p('gpu');
const dsp = p('dsp');
const t = (shape: number[], dtype: TensorInfo['dtype'] = 'float32'): TensorInfo => ({
  name: 't',
  shape,
  dtype,
  constant: false,
});

describe('transferMs', () => {
  it('is 0 on the same processor', () => {
    for (const x of device.processors) expect(model.transferMs(t([1, 64, 56, 56]), x, x)).toBe(0);
  });

  it('grows with bytes for every pair of distinct processors', () => {
    for (const a of device.processors) {
      for (const b of device.processors) {
        if (a === b) continue;
        let prev = -1;
        for (const c of [1, 4, 16, 64, 256]) {
          const ms = model.transferMs(t([1, c, 56, 56]), a, b);
          expect(ms, `${a.id}→${b.id} c=${c}`).toBeGreaterThanOrEqual(prev);
          prev = ms;
        }
        if (a.kind !== b.kind) expect(prev, `${a.id}→${b.id}`).toBeGreaterThan(0);
      }
    }
  });

  it('adds a layout pass when preferred layouts differ (rank-4 tensors only)', () => {
    const four = model.transferBreakdown(t([1, 64, 56, 56]), cpu, gpu);
    const flat = model.transferBreakdown(t([1, 64 * 56 * 56]), cpu, gpu);
    expect(four.layoutMs).toBeGreaterThan(0);
    expect(flat.layoutMs).toBe(0);
    expect(four.totalMs).toBeGreaterThan(flat.totalMs);
  });

  it('adds a dtype pass when compute dtypes differ (fp32 CPU → fp16 GPU, → int8 DSP)', () => {
    const toGpu = model.transferBreakdown(t([1, 64, 56, 56]), cpu, gpu);
    expect(toGpu.fromDType).toBe('float32');
    expect(toGpu.toDType).toBe('float16');
    expect(toGpu.dtypeMs).toBeGreaterThan(0);
    const same = model.transferBreakdown(t([1, 64, 56, 56]), cpu, gpu, { toDType: 'float32' });
    expect(same.dtypeMs).toBe(0);
    expect(toGpu.totalMs).toBeGreaterThan(same.totalMs);
    const toDsp = model.transferBreakdown(t([1, 64, 56, 56]), cpu, dsp);
    expect(toDsp.toDType).toBe('int8');
    expect(toDsp.dtypeMs).toBeGreaterThan(0);
    // Integer tensors (indices) are not converted.
    expect(model.transferBreakdown(t([1, 1000], 'int64'), cpu, dsp).dtypeMs).toBe(0);
  });

  it('copies through shared buffers for the DSP, maps for the GPU, and shares memory between CPU clusters', () => {
    const x = t([1, 64, 56, 56]);
    expect(model.transferBreakdown(x, cpu, dsp).copyMs).toBeGreaterThan(0);
    expect(model.transferBreakdown(x, cpu, gpu).copyMs).toBe(0);
    expect(model.transferBreakdown(x, cpu, gpu).flushMs).toBeGreaterThan(0);
    expect(model.transferMs(x, cpu, big)).toBe(0);
    // GPU↔DSP pays both boundaries.
    expect(model.transferBreakdown(x, gpu, dsp).boundaryMs).toBeGreaterThan(
      model.transferBreakdown(x, cpu, dsp).boundaryMs,
    );
  });

  it('a tensor of unknown shape pays the fixed costs only, without crashing', () => {
    const ms = model.transferMs(
      { name: 'u', shape: ['batch', 3], dtype: 'float32', constant: false },
      cpu,
      dsp,
    );
    expect(Number.isFinite(ms)).toBe(true);
    expect(ms).toBeGreaterThan(0);
  });
});

describe('syncMs', () => {
  it('is 0 on one processor, positive across processors, and a GPU→CPU wait costs more than a launch', () => {
    for (const a of device.processors) {
      for (const b of device.processors) {
        const s = model.syncMs(a, b);
        if (a === b) expect(s).toBe(0);
        else expect(s, `${a.id}→${b.id}`).toBeGreaterThan(0);
      }
    }
    expect(model.syncMs(gpu, cpu)).toBeGreaterThan(model.syncMs(cpu, gpu));
    expect(model.syncMs(gpu, dsp)).toBeGreaterThan(model.syncMs(gpu, cpu));
  });

  it('host per-core workers: a dependency costs the measured hand-off plus one more session.run', () => {
    const host = withCoreWorkers(buildHostDevice(TEST_HOST));
    const cpu1 = host.processors.find((x) => x.id === 'cpu1')!;
    const cpu0 = host.processors.find((x) => x.id === 'cpu0')!;
    const cpu = defaultProcessorParams(host.processors.find((x) => x.id === 'cpu')!);
    const params = { device: 'host', processors: { cpu }, fittedFrom: 'test' };
    const syncUs = workerSyncUs({
      measurements: { ...TEST_HOST, workerHandoff: { latencyUs: 40, usPerMiB: 100 } },
      runOverhead: { '1': { fixedMs: 0.2, perNodeMs: 0 } },
    });
    expect(syncUs).toBeCloseTo(240);
    const measured = createCostModel(host, withCoreWorkerParams(params, host, syncUs));
    expect(measured.syncMs(cpu0, cpu1)).toBeCloseTo(0.24);
    expect(measured.syncMs(cpu1, cpu1)).toBe(0);
    // Measured through the executor, the boundary replaces hand-off + session.run, for bytes as well.
    const boundary = {
      measurements: {
        ...TEST_HOST,
        workerHandoff: { latencyUs: 40, usPerMiB: 100 },
        workerBoundary: { latencyUs: 180, usPerMiB: 450 },
      },
      runOverhead: { '1': { fixedMs: 0.2, perNodeMs: 0 } },
    };
    expect(workerSyncUs(boundary)).toBe(180);
    expect(workerCopyUsPerMiB(boundary)).toBe(450);
    expect(
      workerCopyUsPerMiB({ measurements: { ...TEST_HOST, workerHandoff: { latencyUs: 40, usPerMiB: 100 } } }),
    ).toBe(100);
    expect(workerCopyUsPerMiB({ measurements: TEST_HOST })).toBeUndefined();
    // Without a measurement the kind table's cpu→cpu wake-up stands.
    const assumed = createCostModel(host, withCoreWorkerParams(params, host));
    expect(assumed.syncMs(cpu0, cpu1)).toBeCloseTo(0.01);
  });

  it('host per-core workers: a tensor moved between them costs the hand-off’s measured µs per MiB', () => {
    const host = withCoreWorkers(buildHostDevice(TEST_HOST));
    const [cpu0, cpu1] = ['cpu0', 'cpu1'].map((id) => host.processors.find((x) => x.id === id)!);
    const cpu = defaultProcessorParams(host.processors.find((x) => x.id === 'cpu')!);
    const params = { device: 'host', processors: { cpu }, fittedFrom: 'test' };
    const model = createCostModel(host, withCoreWorkerParams(params, host, 240, 100));
    const mib = (n: number): TensorInfo => ({
      name: 't',
      dtype: 'float32',
      shape: [1, n << 18],
      constant: false,
    });
    expect(model.transferMs(mib(1), cpu0, cpu1)).toBeCloseTo(0.1, 9);
    expect(model.transferMs(mib(4), cpu0, cpu1)).toBeCloseTo(0.4, 9);
    expect(model.transferMs(mib(4), cpu1, cpu1)).toBe(0);
    // Without a measurement, workers that share memory move nothing.
    const assumed = createCostModel(host, withCoreWorkerParams(params, host, 240));
    expect(assumed.transferMs(mib(4), cpu0, cpu1)).toBe(0);
  });

  it('prices a request through the executor by its fixed part and the bytes of its inputs and outputs', () => {
    // A Relu on 1 MiB: 1 MiB in, 1 MiB out.
    const { g } = oneOp('Relu', { x: [1, 1 << 18] });
    const measured = { executorRequest: { latencyUs: 120, usPerMiB: 80 } };
    expect(executorRequestMs(measured, g)).toBeCloseTo((120 + 2 * 80) / 1000, 9);
    const tiny = oneOp('Relu', { x: [1, 16] }).g;
    expect(executorRequestMs(measured, tiny)).toBeCloseTo((120 + (2 * 64 * 80) / 2 ** 20) / 1000, 9);
    // A host file from before it was measured adds nothing.
    expect(executorRequestMs({}, g)).toBe(0);
  });
});
