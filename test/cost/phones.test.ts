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
import { PHONE_CPU_CORE_SCALING } from '../../src/cost/defaults.js';
import {
  loadPublishedDataset,
  publishedModelGraph,
  type PublishedModelKey,
} from '../../src/cost/published.js';
import type { Processor } from '../../src/hardware/schema.js';
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
  }, 180_000);

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
        const fam = PROCESSOR_FAMILIES[t.family]!;
        for (const src of t.from) {
          const [sd, sp] = src.split('/') as [string, string];
          expect(PROCESSOR_FAMILIES[fam.sourceFamily ?? t.family]!.members, src).toContain(src);
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

  it("gives little cores the runtime's multipliers of the same phone's big core, conv at their own prior", () => {
    for (const d of catalog) {
      const cal = PhoneCalibrationSchema.parse(PHONE_CALIBRATION_FILES[d]);
      const little = cal.transferred!.find((t) => t.processor === 'cpu-little')!;
      expect(little.family, d).toBe('arm-little-cores');
      expect(little.multipliers.conv, d).toBe(1);
      const own = phoneCalibrationFits(d)?.find((f) => f.processor === 'cpu-big');
      if (own) {
        expect(little.from, d).toEqual([`${d}/cpu-big`]);
        expect(little.multipliers.other, d).toBeCloseTo(own.multipliers.other, 12);
      } else {
        const big = cal.transferred!.find((t) => t.processor === 'cpu-big')!;
        expect(little.from, d).toEqual(big.from);
        expect(little.multipliers.other, d).toBeCloseTo(big.multipliers.other, 12);
      }
      // Same framework code on a slower in-order core: glue ops are no longer faster on it than on
      // the prime core (with the catalog defaults' glue they were, ~2x).
      const g = publishedModelGraph('mobilenetv2', [1, 3, 224, 224]);
      const add = g.nodes.find((n) => n.op === 'Add')!;
      const { device, cost } = deviceWithCost(d);
      const on = (id: string) =>
        cost.opLatencyMs(
          add,
          g,
          device.processors.find((p) => p.id === id)!,
          { threads: 1 },
        );
      expect(on('cpu-little'), d).toBeGreaterThan(on('cpu-big'));
    }
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

describe('phone CPU core scaling', () => {
  it('is given to every calibrated phone CPU entry', () => {
    for (const d of listDevices().map((x) => x.id)) {
      const cal = PhoneCalibrationSchema.parse(PHONE_CALIBRATION_FILES[d]);
      const cpus = new Set(
        getDevice(d)
          .processors.filter((p) => p.kind === 'cpu')
          .map((p) => p.id),
      );
      for (const [key, params] of Object.entries(cal.processors)) {
        if (cpus.has(key.split(/[@:]/)[0]!))
          expect(params.coreScaling, `${d}/${key}`).toEqual(PHONE_CPU_CORE_SCALING);
        else expect(params.coreScaling, `${d}/${key}`).toBeUndefined();
      }
    }
  });

  it("reproduces ncnn's published 4-thread vs 1-thread big-core speedups on a Snapdragon 855+", () => {
    // Tencent/ncnn benchmark/README.md, "Qualcomm SM8150-AC Snapdragon 855+" (OnePlus 7T), fp32:
    // `benchncnn 8 1 2` (1 thread, big cores) vs `benchncnn 8 4 2` (4 threads, big cores).
    const published: [PublishedModelKey, number, number][] = [
      ['mobilenetv1', 15.23, 5.99],
      ['mobilenetv2', 10.61, 5.13],
      ['resnet50', 68.69, 28.32],
    ];
    // As defaults.ts PHONE_CPU_CORE_SCALING models the runs: 1 thread on the 2.96 GHz prime, 4 threads
    // paced by the 2.42 GHz gold cores (static split), with sd855's calibrated CPU parameters.
    const sd855 = getDevice('sd855');
    const cal = loadPhoneCalibration('sd855')!;
    const scaled = (id: string, k: number, cores: number): Processor => {
      const p = sd855.processors.find((q) => q.id === id)!;
      const peakGflops = Object.fromEntries(Object.entries(p.peakGflops).map(([t, v]) => [t, v! * k]));
      return { ...p, id: `${id}-ncnn`, cores, peakGflops };
    };
    const prime = scaled('cpu-big', 2.96 / 2.84, 1);
    const gold4 = scaled('cpu-mid', 4 / 3, 4);
    const model = createCostModel(
      { ...sd855, processors: [prime, gold4] },
      {
        ...cal,
        processors: { [prime.id]: cal.processors['cpu-big']!, [gold4.id]: cal.processors['cpu-mid']! },
      },
    );
    for (const [key, oneMs, fourMs] of published) {
      const g = publishedModelGraph(key, [1, 3, 224, 224]);
      const total = (p: Processor): number => g.nodes.reduce((s, n) => s + model.opLatencyMs(n, g, p), 0);
      const predicted = total(prime) / total(gold4);
      expect(Math.abs(Math.log(predicted / (oneMs / fourMs))), key).toBeLessThan(Math.log(1.1));
    }
  });

  it('makes a multi-core phone cluster sub-linear, small ops falling back to one thread', () => {
    const { device, cost } = deviceWithCost('sd865');
    const mid = device.processors.find((p) => p.id === 'cpu-mid')!; // 3 cores
    const g = publishedModelGraph('resnet50', [1, 3, 224, 224]);
    const big = g.nodes.filter((n) => n.op === 'Conv')[5]!;
    const t1 = cost.opLatencyMs(big, g, mid, { threads: 1 });
    const t3 = cost.opLatencyMs(big, g, mid);
    expect(t1 / t3).toBeGreaterThan(1.5);
    expect(t1 / t3).toBeLessThan(1 + 2 * PHONE_CPU_CORE_SCALING.extraCoreEfficiency + 1e-9);
    // A tiny op never gets slower by adding threads: it stays on one.
    const tiny = g.nodes.find(
      (n) => n.op === 'Flatten' || n.op === 'Reshape' || n.op === 'GlobalAveragePool',
    )!;
    expect(cost.opLatencyMs(tiny, g, mid)).toBeLessThanOrEqual(
      cost.opLatencyMs(tiny, g, mid, { threads: 1 }) + 1e-12,
    );
    // The uncalibrated defaults stay linear.
    const linear = createCostModel(device);
    const l1 = linear.opLatencyMs(big, g, mid, { threads: 1 });
    const l3 = linear.opLatencyMs(big, g, mid);
    expect(l1 / l3).toBeGreaterThan(2.5);
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
