import { describe, expect, it } from 'vitest';
import {
  calibrateCatalog,
  completeCalibration,
  fitPhone,
  PROCESSOR_FAMILIES,
  transferFidelity,
  PHONE_CALIBRATION_FILES,
  PhoneCalibrationSchema,
  phoneCalibrationFits,
  phoneDevices,
  phoneFidelity,
  predictPoint,
  loadPhoneCalibration,
} from '../../src/cost/calibrate-published.js';
import { createCostModel } from '../../src/cost/model.js';
import { loadPublishedDataset, publishedModelGraph } from '../../src/cost/published.js';
import { getDevice, listDevices } from '../../src/hardware/catalog.js';
import { deviceWithCost } from '../../src/cost/for-device.js';

/** Largest relative difference between the numbers of two JSON values (Infinity if shapes differ). */
function maxRelDiff(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number')
    return Math.abs(a - b) / Math.max(1e-300, Math.abs(a), Math.abs(b));
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return Infinity;
    return a.reduce((m: number, x, i) => Math.max(m, maxRelDiff(x, b[i])), 0);
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    if (ka.join() !== kb.join()) return Infinity;
    return ka.reduce((m, k) => Math.max(m, maxRelDiff((a as never)[k], (b as never)[k])), 0);
  }
  return a === b ? 0 : Infinity;
}

describe('phone calibrations', () => {
  const devices = phoneDevices();

  it('exist for every device with published points and validate against the contract', () => {
    for (const d of devices) {
      expect(PhoneCalibrationSchema.safeParse(PHONE_CALIBRATION_FILES[d]).success, d).toBe(true);
      const params = loadPhoneCalibration(d)!;
      expect(params.device).toBe(d);
      const procIds = new Set(getDevice(d).processors.map((p) => p.id));
      // Keys are "<id>", "<id>@<threads>", "<id>:<dtype>" or "<id>@<threads>:<dtype>".
      for (const key of Object.keys(params.processors))
        expect(procIds.has(key.split(/[@:]/)[0]!), key).toBe(true);
    }
  });

  it('are reproducible: refitting and re-transferring gives the committed files', () => {
    const all = calibrateCatalog();
    expect([...all.keys()].sort()).toEqual(Object.keys(PHONE_CALIBRATION_FILES).sort());
    for (const [d, cal] of all) expect(maxRelDiff(cal, PHONE_CALIBRATION_FILES[d]), d).toBeLessThan(1e-9);
    // Where the fallback CPU is itself fitted, the device's fit is exactly what fitPhone gives alone.
    for (const d of devices.filter((x) => phoneCalibrationFits(x)!.some((f) => f.processor === 'cpu-big')))
      expect(maxRelDiff(fitPhone(d).fit, all.get(d)!.fit), d).toBeLessThan(1e-9);
  }, 60_000);

  it('record a training error that the real cost model reproduces', () => {
    const byId = new Map(loadPublishedDataset().points.map((p) => [p.id, p]));
    for (const d of devices) {
      const model = createCostModel(getDevice(d), loadPhoneCalibration(d));
      for (const f of phoneCalibrationFits(d)!) {
        const errs = f.trainPoints.map((id) => {
          const p = byId.get(id)!;
          return Math.log(predictPoint(model, p).latencyMs / p.latencyMs) ** 2;
        });
        const mse = errs.reduce((s, e) => s + e, 0) / errs.length;
        expect(mse / f.trainMeanSquaredLogError, `${d}/${f.processor}`).toBeCloseTo(1, 9);
      }
    }
  });

  it('hold out every third point per processor and fit only on the rest', () => {
    for (const d of devices) {
      for (const f of phoneCalibrationFits(d)!) {
        expect(f.trainPoints.filter((id) => f.heldOutPoints.includes(id))).toEqual([]);
        expect(f.heldOutPoints.length).toBe(Math.floor((f.trainPoints.length + f.heldOutPoints.length) / 3));
      }
    }
  });
});

describe('calibration transfer', () => {
  const catalog = listDevices().map((d) => d.id);

  it('accounts for every processor of every catalog device: fitted, transferred or defaults with a note', () => {
    for (const d of catalog) {
      const cal = PhoneCalibrationSchema.parse(PHONE_CALIBRATION_FILES[d]);
      const fitted = cal.fit.map((f) => f.processor);
      const transferred = (cal.transferred ?? []).map((t) => t.processor);
      const kept = (cal.defaults ?? []).map((k) => k.processor);
      expect([...fitted, ...transferred, ...kept].sort(), d).toEqual(
        getDevice(d)
          .processors.map((p) => p.id)
          .sort(),
      );
      for (const id of transferred) expect(cal.processors[id], `${d}/${id}`).toBeDefined();
      for (const id of kept) expect(cal.processors[id], `${d}/${id}`).toBeUndefined();
    }
  });

  it('labels devices without published points as transferred, naming real fitted siblings', () => {
    const withPoints = new Set(phoneDevices());
    for (const d of catalog) {
      const cal = PhoneCalibrationSchema.parse(PHONE_CALIBRATION_FILES[d]);
      if (withPoints.has(d)) expect(cal.fittedFrom).toBe('published-latencies');
      else {
        expect(cal.fit).toEqual([]);
        expect(cal.fittedFrom).toMatch(/^transferred from /);
        expect(deviceWithCost(d).fittedFrom).toBe(cal.fittedFrom);
      }
      for (const t of cal.transferred ?? []) {
        expect(PROCESSOR_FAMILIES[t.family]!.members).toContain(`${d}/${t.processor}`);
        for (const src of t.from) {
          const [sd, sp] = src.split('/') as [string, string];
          expect(PROCESSOR_FAMILIES[t.family]!.members, src).toContain(src);
          expect(
            phoneCalibrationFits(sd)!.some((f) => f.processor === sp),
            src,
          ).toBe(true);
          if (!withPoints.has(d)) expect(cal.fittedFrom).toContain(sd);
        }
      }
    }
  });

  it("applies the siblings' multipliers to the target's own catalog peaks", () => {
    // sd888's Adreno 660 from sd855/sd865 (Adreno 640/650): the geometric mean of their GPU fits.
    const cal = PhoneCalibrationSchema.parse(PHONE_CALIBRATION_FILES.sd888);
    const t = cal.transferred!.find((r) => r.processor === 'gpu')!;
    expect(t.from).toEqual(['sd855/gpu', 'sd865/gpu']);
    const m = (d: string) => phoneCalibrationFits(d)!.find((f) => f.processor === 'gpu')!.multipliers.conv;
    expect(t.multipliers.conv).toBeCloseTo(Math.sqrt(m('sd855') * m('sd865')), 12);
    // Same multipliers, own peak: the transferred GPU is as much faster than sd855's as its peak is.
    const { graph, node } = (() => {
      const g = fitPhoneGraph();
      return { graph: g, node: g.nodes.find((n) => n.op === 'Conv')! };
    })();
    const on = (d: string) => {
      const { device, cost } = deviceWithCost(d);
      return cost.opLatencyMs(
        node,
        graph,
        device.processors.find((p) => p.id === 'gpu')!,
      );
    };
    expect(on('sd888')).toBeLessThan(on('sd855'));
    // And slower than the catalog defaults, which are ~2x optimistic on every calibrated GPU.
    const sd888 = getDevice('sd888');
    const defaults = createCostModel(sd888).opLatencyMs(
      node,
      graph,
      sd888.processors.find((p) => p.id === 'gpu')!,
    );
    expect(on('sd888')).toBeGreaterThan(1.5 * defaults);
  });

  it('never transfers from the held-out device in leave-one-device-out', () => {
    const fits = new Map(
      devices().map((d) => [d, { ...loadPhoneCalibration(d)!, fit: phoneCalibrationFits(d)! }]),
    );
    for (const d of devices()) {
      const cal = completeCalibration(d, fits, new Set([d]));
      for (const t of cal?.transferred ?? [])
        for (const src of t.from) expect(src.startsWith(`${d}/`)).toBe(false);
      expect(cal?.fit ?? []).toEqual([]);
    }
  });

  it('transfer predicts held-out devices better than the catalog defaults (leave-one-device-out)', () => {
    const lodo = transferFidelity();
    expect(lodo.transferred.cases).toBeGreaterThanOrEqual(40);
    expect(lodo.transferred.mape).toBeLessThan(lodo.defaults.mape);
    expect(lodo.transferred.within10pct).toBeGreaterThanOrEqual(lodo.defaults.within10pct);
    for (const [d, f] of Object.entries(lodo.perDevice))
      if (f.covered > 0) expect(f.transferred.mape, d).toBeLessThan(f.defaults.mape);
  });
});

function devices(): string[] {
  return phoneDevices();
}

/** A small real graph with a large conv (ResNet-50 at 224x224). */
function fitPhoneGraph() {
  return publishedModelGraph('resnet50', [1, 3, 224, 224]);
}

describe('phone fidelity', () => {
  const fid = phoneFidelity();

  it('fits the training points better than the catalog defaults', () => {
    expect(fid.train.mape).toBeLessThan(fid.trainDefaults.mape);
    for (const [d, f] of Object.entries(fid.perDevice))
      expect(f.train.mape, d).toBeLessThan(f.trainDefaults.mape);
  });

  it('reports held-out metrics for calibrated and default parameters', () => {
    expect(fid.overall.cases).toBeGreaterThanOrEqual(10);
    for (const s of [fid.overall, fid.defaults, ...Object.values(fid.perDevice).map((f) => f.heldOut)]) {
      expect(s.within10pct).toBeGreaterThanOrEqual(0);
      expect(s.within10pct).toBeLessThanOrEqual(1);
      expect(Number.isFinite(s.mape) && s.mape >= 0).toBe(true);
    }
    expect(fid.cases.every((c) => Number.isFinite(c.predictedMs) && c.predictedMs > 0)).toBe(true);
  });
});
