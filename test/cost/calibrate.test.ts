import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { calibrateHost, fitCurve, type ProfiledModel } from '../../src/cost/calibrate-host.js';
import { createCostModel } from '../../src/cost/model.js';
import { predictGraphMs, validateHost } from '../../src/cost/validate-host.js';
import { HeteroError } from '../../src/errors.js';
import { buildHostDevice, loadHost, saveHostFile, type HostMeasurements } from '../../src/hardware/host.js';
import { profileSuite, type SuiteModel } from '../../src/runtime/profile-suite.js';

// Fixed host figures (the micro-benchmarks take seconds; their numbers only scale the curves).
const HOST: HostMeasurements = {
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

const SMALL: SuiteModel[] = [
  { family: 'ppocr-cls', spec: 'pkg:ppocr-cls', inputs: [{ name: 'x', dims: [1, 3, 48, 96] }] },
  { family: 'mobilenetv2', spec: 'zoo:mobilenetv2', inputs: [{ name: 'input', dims: [1, 3, 96, 96] }] },
];

describe('host calibration on two small models', () => {
  let data: ProfiledModel[];
  beforeAll(async () => {
    data = await profileSuite(SMALL, [1, 2], { runs: 3, warmup: 1, cacheDir: false, quiet: false });
  });

  it('fits finite parameters per thread count that the cost model accepts', () => {
    const c = calibrateHost(HOST, data);
    expect(Object.keys(c.params.processors).sort()).toEqual(['cpu', 'cpu@1', 'cpu@2']);
    for (const p of Object.values(c.params.processors)) {
      expect(Number.isFinite(p.dispatchUs) && p.dispatchUs > 0).toBe(true);
      expect(Number.isFinite(p.bandwidthGBps) && p.bandwidthGBps > 0).toBe(true);
      for (const curve of [...Object.values(p.efficiency), ...Object.values(p.opEfficiency ?? {})]) {
        for (const [x, e] of curve?.points ?? []) {
          expect(Number.isFinite(x)).toBe(true);
          expect(e).toBeGreaterThan(0);
          expect(e).toBeLessThanOrEqual(1);
        }
      }
    }
    expect(c.fittedOn.sort()).toEqual(['mobilenetv2', 'ppocr-cls']);
  });

  // In-sample and against the very runs the fit saw (the profiled wall time), so that a noisy
  // neighbour during separately timed runs cannot fail it: this checks the fit, not the machine.
  it('predicts positive per-node latencies and end-to-end within ×3 of the profiled runs', () => {
    const c = calibrateHost(HOST, data);
    const model = createCostModel(c.device, c.params);
    for (const d of data) {
      const { endToEndMs, nodeMs } = predictGraphMs(model, c, d.graph, d.profile.threads);
      for (const ms of nodeMs.values()) expect(ms).toBeGreaterThan(0);
      const ratio = endToEndMs / d.profile.profiledEndToEnd.medianMs;
      expect(ratio).toBeGreaterThan(1 / 3);
      expect(ratio).toBeLessThan(3);
    }
  });

  it('rejects a profile of a different model', () => {
    const [a, , b] = data;
    expect(() => calibrateHost(HOST, [{ ...a, profile: b.profile }])).toThrow(/profile of a different model/);
  });

  it('leave-one-out fits each fold without its held-out model', () => {
    const r = validateHost(HOST, data);
    expect(r.folds).toEqual([
      { heldOut: 'ppocr-cls', fittedOn: ['mobilenetv2'] },
      { heldOut: 'mobilenetv2', fittedOn: ['ppocr-cls'] },
    ]);
    expect(r.endToEnd.cases).toBe(4);
    expect(r.baseline.endToEnd.cases).toBe(4);
    expect(r.perOpAll.cases).toBeGreaterThan(r.perOp.cases);
    for (const m of r.models) expect(m.predictedMs).toBeGreaterThan(0);
  });
});

describe('fitCurve', () => {
  it('puts running medians of log efficiency on half decades', () => {
    const c = fitCurve([
      [4, Math.log10(0.1)],
      [4, Math.log10(0.1)],
      [6, Math.log10(0.5)],
      [6, Math.log10(0.5)],
    ]);
    expect(c.points[0]).toEqual([4, expect.closeTo(0.1, 9)]);
    expect(c.points.at(-1)).toEqual([6, expect.closeTo(0.5, 9)]);
  });
});

describe('host file', () => {
  it('round-trips through an atomic write', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'hetero-host-')), 'sub', 'host.json');
    const device = buildHostDevice(HOST, 80);
    const params = { device: 'host', processors: {}, fittedFrom: 'host-profile' };
    saveHostFile({ format: 'hetero-host/1', device, params, runOverhead: {}, measurements: HOST }, file);
    const back = loadHost(file);
    expect(back.device).toEqual(device);
    expect(back.device.processors[0].peakGflops.float32).toBe(180);
    expect(back.device.memory.bandwidthGBps).toBe(80);
    expect(back.measurements).toEqual(HOST);
  });

  it('a missing host file tells to run hetero calibrate', () => {
    const file = join(tmpdir(), 'hetero-no-such-dir', 'host.json');
    expect(() => loadHost(file)).toThrow(HeteroError);
    expect(() => loadHost(file)).toThrow(/run `hetero calibrate`/);
  });
});
