import { describe, expect, it } from 'vitest';
import {
  fitPhone,
  PHONE_CALIBRATION_FILES,
  PhoneCalibrationSchema,
  phoneCalibrationFits,
  phoneDevices,
  phoneFidelity,
  predictPoint,
  loadPhoneCalibration,
} from '../../src/cost/calibrate-published.js';
import { createCostModel } from '../../src/cost/model.js';
import { loadPublishedDataset } from '../../src/cost/published.js';
import { getDevice } from '../../src/hardware/catalog.js';

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
    expect(loadPhoneCalibration('dimensity9200')).toBeUndefined();
  });

  it('are reproducible: refitting gives the committed numbers', () => {
    for (const d of devices)
      expect(maxRelDiff(fitPhone(d), PHONE_CALIBRATION_FILES[d]), d).toBeLessThan(1e-9);
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
