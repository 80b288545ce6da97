// The analytic cost model's behaviour: roofline, size and tile effects, threads, dtype, DVFS,
// contention, unsupported ops, defaults for every catalog device, and a whole-model sanity check.
import { describe, expect, it } from 'vitest';
import { createCostModel, defaultCostParams } from '../../src/cost/index.js';
import type { DeviceCostParams } from '../../src/cost/types.js';
import { getDevice, listDevices } from '../../src/hardware/index.js';
import type { Device, Processor } from '../../src/hardware/schema.js';
import { buildZoo } from '../../src/zoo/index.js';
import { conv, oneOp } from './model-helpers.js';
import { nodeCost } from '../../src/graph/cost.js';

const sd865 = getDevice('sd865');
const sd8gen2 = getDevice('sd8gen2');
function proc(d: Device, id: string): Processor {
  const p = d.processors.find((x) => x.id === id);
  if (!p) throw new Error(`no ${id} on ${d.id}`);
  return p;
}

describe('defaults', () => {
  it('exist for every processor of every catalog device and predict a finite conv latency', () => {
    const { g, n } = conv(64, 64, 56);
    for (const d of listDevices()) {
      const params = defaultCostParams(d);
      expect(params.fittedFrom).toBe('catalog-defaults');
      const model = createCostModel(d);
      for (const p of d.processors) {
        const pp = params.processors[p.id]!;
        expect(pp.bandwidthGBps).toBe(p.memBandwidthGBps);
        expect(pp.dispatchUs).toBe(p.dispatchUs);
        expect(pp.efficiency.conv?.points.length).toBeGreaterThan(2);
        const ms = model.opLatencyMs(n, g, p);
        expect(ms, `${d.id}/${p.id}`).toBeGreaterThan(0);
        expect(Number.isFinite(ms), `${d.id}/${p.id}`).toBe(true);
      }
    }
  });

  it('pick fp16 on a GPU delegate, int8 on an NPU/DSP and fp32 on a CPU', () => {
    const model = createCostModel(sd865);
    const { g, n } = conv(32, 32, 28);
    expect(model.opBreakdown(n, g, proc(sd865, 'gpu')).computeDType).toBe('float16');
    expect(model.opBreakdown(n, g, proc(sd865, 'dsp')).computeDType).toBe('int8');
    expect(model.opBreakdown(n, g, proc(sd865, 'cpu-mid')).computeDType).toBe('float32');
  });
});

describe('roofline', () => {
  const model = createCostModel(sd8gen2);

  it('a bigger conv is never faster, on every processor kind (spatial size and channels)', () => {
    for (const p of sd8gen2.processors) {
      let prev = 0;
      for (const hw of [1, 2, 4, 7, 14, 28, 56, 112, 224]) {
        const { g, n } = conv(32, 32, hw);
        const ms = model.opLatencyMs(n, g, p);
        expect(ms, `${p.id} hw=${hw}`).toBeGreaterThanOrEqual(prev);
        prev = ms;
      }
      prev = 0;
      for (let c = 1; c <= 300; c += 7) {
        const { g, n } = conv(64, c, 28);
        const ms = model.opLatencyMs(n, g, p);
        expect(ms, `${p.id} cout=${c}`).toBeGreaterThanOrEqual(prev);
        prev = ms;
      }
    }
  });

  it('small ops do not fill a GPU or NPU: per-FLOP latency of a tiny conv ≫ of a big one', () => {
    const tiny = conv(8, 8, 8, 1);
    const big = conv(256, 256, 56);
    for (const id of ['gpu', 'npu']) {
      const p = proc(sd8gen2, id);
      const t = model.opBreakdown(tiny.n, tiny.g, p);
      const b = model.opBreakdown(big.n, big.g, p);
      const perFlop = (x: typeof t) => x.latencyMs / x.paddedFlops;
      expect(perFlop(t) / perFlop(b), id).toBeGreaterThan(50);
      expect(t.efficiency, id).toBeLessThan(b.efficiency / 5);
      expect(b.bound, id).toBe('compute');
    }
  });

  it('tiles output channels: 33 channels cost like 40 on the GPU (tile 8) and like 64 on the NPU (tile 32)', () => {
    // Large enough to be compute-bound and near the top of the efficiency curve.
    const at = (id: string, c: number) => {
      const { g, n } = conv(512, c, 112);
      return model.opBreakdown(n, g, proc(sd8gen2, id)).computeMs;
    };
    expect(at('gpu', 33)).toBeCloseTo(at('gpu', 40), 9);
    expect(at('gpu', 33) / at('gpu', 32)).toBeGreaterThan(1.2); // 40/32 = 1.25, vs 33/32 = 1.03
    expect(at('npu', 33)).toBeCloseTo(at('npu', 64), 9);
    expect(at('npu', 33) / at('npu', 32)).toBeGreaterThan(1.8); // 64/32
    expect(at('npu', 63)).toBeCloseTo(at('npu', 64), 9);
    // CPU tiles by 4: 33 → 36.
    expect(at('cpu-mid', 33)).toBeCloseTo(at('cpu-mid', 36), 9);
    expect(at('cpu-mid', 33) / at('cpu-mid', 32)).toBeGreaterThan(1.1);
  });

  it('a CPU gets faster with more threads up to its cores, and uses a "cpu@N" entry when given', () => {
    const { g, n } = conv(128, 128, 56);
    const mid = proc(sd8gen2, 'cpu-mid'); // 4 cores
    const t1 = model.opLatencyMs(n, g, mid, { threads: 1 });
    const t4 = model.opLatencyMs(n, g, mid, { threads: 4 });
    const t8 = model.opLatencyMs(n, g, mid, { threads: 8 });
    expect(t1 / t4).toBeGreaterThan(3.5);
    expect(t8).toBeCloseTo(t4, 9);

    const base = defaultCostParams(sd8gen2);
    const doubled = structuredClone(base.processors['cpu-mid']!);
    doubled.efficiency.conv = { points: [[0, 0.9]] };
    const params: DeviceCostParams = {
      ...base,
      processors: { ...base.processors, 'cpu-mid@2': doubled },
      fittedFrom: 'test',
    };
    const fitted = createCostModel(sd8gen2, params);
    const b2 = fitted.opBreakdown(n, g, mid, { threads: 2 });
    expect(b2.efficiency).toBe(0.9);
    expect(b2.peakGflops).toBeCloseTo(mid.peakGflops.float32! / 2, 6);
    // Other thread counts keep the base entry.
    expect(fitted.opBreakdown(n, g, mid, { threads: 3 }).efficiency).toBeLessThan(0.9);
  });

  it('costs a part of a split node (RunContext.split): smaller, tiled by the part, whole at fraction 1', () => {
    const { g, n } = conv(256, 256, 56);
    for (const p of sd8gen2.processors) {
      const whole = model.opBreakdown(n, g, p);
      const half = model.opBreakdown(n, g, p, { split: { axis: 'OC', fraction: 0.5 } });
      const one = model.opBreakdown(n, g, p, { split: { axis: 'H', fraction: 1 } });
      expect(one.latencyMs, p.id).toBe(whole.latencyMs);
      expect(half.latencyMs, p.id).toBeLessThan(whole.latencyMs);
      expect(half.paddedFlops / whole.paddedFlops, p.id).toBeCloseTo(0.5, 6);
      // Halving the work halves the time at best: the half runs at a lower (or equal) efficiency.
      expect(half.computeMs, p.id).toBeGreaterThanOrEqual(whole.computeMs / 2 - 1e-12);
    }
    // An OC part of 33 channels on the NPU is padded to 64.
    const npu = proc(sd8gen2, 'npu');
    const c66 = conv(256, 66, 56);
    const part = model.opBreakdown(c66.n, c66.g, npu, { split: { axis: 'OC', fraction: 0.5 } });
    expect(part.paddedFlops / nodeCost(c66.n, c66.g).flops).toBeCloseTo((0.5 * 64) / 33, 6);
  });

  it('computes in the requested dtype: fp32 on the GPU is slower than fp16', () => {
    const { g, n } = conv(256, 256, 56);
    const gpu = proc(sd8gen2, 'gpu');
    const fp16 = model.opLatencyMs(n, g, gpu);
    const fp32 = model.opLatencyMs(n, g, gpu, { computeDType: 'float32' });
    expect(fp32 / fp16).toBeGreaterThan(1.8);
  });

  it('an unsupported op or dtype is Infinity, with the reason in the breakdown', () => {
    const bn = oneOp('BatchNormalization', { x: [1, 32, 28, 28] }, { s: [32], b: [32], m: [32], v: [32] });
    const gpu = proc(sd865, 'gpu');
    const m = createCostModel(sd865);
    expect(m.opLatencyMs(bn.n, bn.g, gpu)).toBe(Infinity);
    expect(m.opEnergyJ(bn.n, bn.g, gpu)).toBe(Infinity);
    expect(m.opBreakdown(bn.n, bn.g, gpu).unsupported).toMatch(/BatchNormalization/);
    // The SD865 DSP computes in int8 only.
    const { g, n } = conv(32, 32, 28);
    expect(m.opLatencyMs(n, g, proc(sd865, 'dsp'), { computeDType: 'float32' })).toBe(Infinity);
    // The CPU runs everything.
    expect(Number.isFinite(m.opLatencyMs(bn.n, bn.g, proc(sd865, 'cpu-mid')))).toBe(true);
  });

  it('does not crash on nodes whose cost is unknown (custom op, symbolic shapes)', () => {
    const m = createCostModel(sd865);
    const cpu = proc(sd865, 'cpu-mid');
    const custom = oneOp('MyCustomOp', { x: [1, 16] });
    custom.n.domain = 'com.example';
    const sym = conv(16, 16, 8);
    const symbolic = oneOp('Relu', { x: ['batch', 16, 8, 8] });
    for (const { g, n } of [custom, symbolic, sym]) {
      const ms = m.opLatencyMs(n, g, cpu);
      expect(Number.isFinite(ms)).toBe(true);
      expect(ms).toBeGreaterThan(0);
    }
    // The GPU delegate has no custom ops: Infinity, not a number.
    expect(m.opLatencyMs(custom.n, custom.g, proc(sd865, 'gpu'))).toBe(Infinity);
  });
});

describe('DVFS and contention', () => {
  const model = createCostModel(sd8gen2);
  const big = conv(256, 256, 56); // compute-bound
  const add = oneOp('Add', { a: [1, 64, 224, 224], b: [1, 64, 224, 224] }); // memory-bound

  it('a lower frequency is slower (compute-bound ∝ 1/f, memory-bound less) and draws less power', () => {
    for (const p of sd8gen2.processors) {
      const fast = model.opBreakdown(big.n, big.g, p);
      const slow = model.opBreakdown(big.n, big.g, p, { freqShare: 0.5 });
      expect(slow.latencyMs, p.id).toBeGreaterThan(fast.latencyMs);
      expect(slow.computeMs / fast.computeMs, p.id).toBeCloseTo(2, 6);
      const mf = model.opBreakdown(add.n, add.g, p);
      const ms = model.opBreakdown(add.n, add.g, p, { freqShare: 0.5 });
      expect(ms.memoryMs / mf.memoryMs, p.id).toBeGreaterThan(1);
      expect(ms.memoryMs / mf.memoryMs, p.id).toBeLessThan(2);
      expect(model.activePowerW(p, { freqShare: 0.5 }), p.id).toBeLessThan(model.activePowerW(p));
      expect(model.activePowerW(p, { freqShare: 0.5 }), p.id).toBeGreaterThan(model.idlePowerW(p));
    }
  });

  it('concurrent DRAM traffic slows a memory-bound op, monotonically, and barely a compute-bound one', () => {
    for (const p of sd8gen2.processors) {
      let prev = model.opLatencyMs(add.n, add.g, p);
      const alone = prev;
      for (const c of [10, 20, 30, 40, 50, 60, 80, 200]) {
        const ms = model.opLatencyMs(add.n, add.g, p, { concurrentBandwidthGBps: c });
        expect(ms, `${p.id} @${c}`).toBeGreaterThanOrEqual(prev);
        prev = ms;
      }
      expect(prev / alone, p.id).toBeGreaterThan(1.5);
      expect(Number.isFinite(prev), p.id).toBe(true);
      const bigAlone = model.opLatencyMs(big.n, big.g, p);
      const bigBusy = model.opLatencyMs(big.n, big.g, p, { concurrentBandwidthGBps: 30 });
      expect(bigBusy / bigAlone, p.id).toBeLessThan(1.05);
    }
  });
});

describe('energy', () => {
  const model = createCostModel(sd865);
  const { g, n } = conv(128, 128, 56);

  it('op energy = latency × active power at the frequency level and thread count', () => {
    for (const p of sd865.processors) {
      for (const ctx of [undefined, { freqShare: 0.6 }, { threads: 1 }]) {
        const e = model.opEnergyJ(n, g, p, ctx);
        expect(e).toBeCloseTo((model.opLatencyMs(n, g, p, ctx) / 1000) * model.activePowerW(p, ctx), 12);
      }
      expect(model.activePowerW(p)).toBeCloseTo(p.power.activeW, 9);
      expect(model.idlePowerW(p)).toBe(p.power.idleW);
    }
    const mid = proc(sd865, 'cpu-mid');
    expect(model.activePowerW(mid, { threads: 1 })).toBeLessThan(model.activePowerW(mid, { threads: 3 }));
  });

  it('transfer energy grows with bytes and exceeds the DRAM traffic alone', () => {
    const cpu = proc(sd865, 'cpu-mid');
    const dsp = proc(sd865, 'dsp');
    const t = (c: number) => ({
      name: 't',
      shape: [1, c, 56, 56],
      dtype: 'float32' as const,
      constant: false,
    });
    const small = model.transferEnergyJ(t(8), cpu, dsp);
    const large = model.transferEnergyJ(t(256), cpu, dsp);
    expect(large).toBeGreaterThan(small * 10);
    const b = model.transferBreakdown(t(256), cpu, dsp);
    expect(large).toBeGreaterThan(b.trafficBytes * 80e-12);
    expect(model.transferEnergyJ(t(256), cpu, cpu)).toBe(0);
  });
});

describe('whole-model sanity (uncalibrated defaults vs published latencies)', () => {
  // TensorFlow Lite's published benchmarks (tensorflow/lite/g3doc/performance/benchmarks.md, Android
  // 10): MobileNet v1 1.0 224 float on Pixel 4 (Snapdragon 855) takes 14.0 ms on 4 CPU threads and
  // 9.0 ms on the GPU delegate; on Pixel 3 (SD845) 23.9 ms and 6.45 ms. MobileNetV2 has about half the
  // MACs (300 M vs 569 M) with more memory-bound layers, and the SD865's A77/Adreno 650 are faster
  // than the SD855's, so MobileNetV2 on SD865 should land within a few × of 5–15 ms on CPU and
  // 3–10 ms on the GPU. Wide bounds: these are uncalibrated defaults.
  const g = buildZoo('mobilenetv2');
  const model = createCostModel(sd865);
  const sum = (p: Processor, ctx?: { threads: number }) => {
    let ms = 0;
    for (const n of g.nodes) {
      // TFLite's converter folds BatchNormalization into the preceding conv; the zoo keeps it apart.
      if (n.op === 'BatchNormalization') continue;
      ms += model.opLatencyMs(n, g, p, ctx);
    }
    return ms;
  };

  it('CPU (3 big cores, fp32) lands in 4–60 ms and beats one core and the little cluster', () => {
    const mid = sum(proc(sd865, 'cpu-mid'), { threads: 3 });
    expect(mid).toBeGreaterThan(4);
    expect(mid).toBeLessThan(60);
    expect(sum(proc(sd865, 'cpu-mid'), { threads: 1 })).toBeGreaterThan(mid * 1.5);
    expect(sum(proc(sd865, 'cpu-little'))).toBeGreaterThan(mid);
  });

  it('GPU (fp16) lands in 1.5–30 ms and beats the CPU', () => {
    const gpu = sum(proc(sd865, 'gpu'));
    expect(gpu).toBeGreaterThan(1.5);
    expect(gpu).toBeLessThan(30);
    expect(gpu).toBeLessThan(sum(proc(sd865, 'cpu-mid'), { threads: 3 }));
  });
});
