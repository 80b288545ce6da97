// Workload specs, condition presets and files, the thermal model, the histogram and the event queue.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getDevice } from '../../src/hardware/catalog.js';
import { mulberry32 } from '../../src/random.js';
import { EventQueue } from '../../src/sim/event-queue.js';
import { CONDITION_PRESETS, conditionsPreset, loadConditions, parseWorkload } from '../../src/sim/index.js';
import { LatencyHistogram } from '../../src/sim/stats.js';
import { stepTemperature, thermalCap, thermalParams } from '../../src/sim/thermal.js';

describe('parseWorkload', () => {
  it('reads every arrival pattern and option', () => {
    const w = parseWorkload(
      '30fps,deadline=33ms;poisson:20/s,priority=2;burst:8/2s/5ms;single:3;periodic:50ms,jitter=2ms',
    );
    expect(w.models.map((m) => m.arrival)).toEqual([
      { kind: 'periodic', periodMs: 1000 / 30, jitterMs: 0 },
      { kind: 'poisson', ratePerS: 20 },
      { kind: 'burst', size: 8, everyMs: 2000, spacingMs: 5 },
      { kind: 'single', count: 3 },
      { kind: 'periodic', periodMs: 50, jitterMs: 2 },
    ]);
    expect(w.models[0].deadlineMs).toBe(33);
    expect(w.models[1].priority).toBe(2);
    const p = parseWorkload('60fps,queue=edf,drop=late,inflight=2,maxqueue=3').policy;
    expect(p).toEqual({ order: 'edf', dropLate: true, maxInFlight: 2, maxQueue: 3 });
  });

  it('names the field of a bad spec', () => {
    expect(() => parseWorkload('poisson:-5/s')).toThrow(/workload: poisson rate must be a positive rate/);
    expect(() => parseWorkload('poisson:0/s')).toThrow(/rate/);
    expect(() => parseWorkload('periodic:0ms')).toThrow(/periodic period must be > 0/);
    expect(() => parseWorkload('burst:0/1s')).toThrow(/burst size/);
    expect(() => parseWorkload('30fps,deadline=-1ms')).toThrow(/deadline must be > 0/);
    expect(() => parseWorkload('30fps,queue=lifo')).toThrow(/queue "lifo"/);
    expect(() => parseWorkload('30fps,colour=red')).toThrow(/unknown option "colour"/);
    expect(() => parseWorkload('sometimes')).toThrow(/unknown arrival pattern "sometimes"/);
    expect(() => parseWorkload('')).toThrow(/empty/);
    expect(() => parseWorkload('30fps', '--workload')).not.toThrow();
    expect(() => parseWorkload('30fps,inflight=0', '--workload')).toThrow(/^--workload: inflight/);
  });
});

describe('conditions', () => {
  it('has the issue’s presets, each load with a reason for its numbers', () => {
    for (const name of [
      'idle',
      'background-cpu',
      'gpu-busy',
      'thermal-throttle',
      'memory-pressure',
      'concurrent-models',
    ]) {
      expect(CONDITION_PRESETS[name], name).toBeDefined();
    }
    for (const c of Object.values(CONDITION_PRESETS)) {
      for (const l of c.loads) expect(l.source ?? l.reasoning, `${c.name}/${l.name}`).toBeTruthy();
    }
    // A copy: changing it does not change the preset.
    const c = conditionsPreset('gpu-busy');
    c.loads[0].busyShare = 0;
    expect(conditionsPreset('gpu-busy').loads[0].busyShare).toBe(0.7);
    expect(() => conditionsPreset('toString')).toThrow(/unknown preset/);
  });

  it('reads a JSON file, extending a preset, and names the field of a bad one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hetero-sim-'));
    const file = (name: string, text: string): string => {
      const f = join(dir, name);
      writeFileSync(f, text);
      return f;
    };
    const ok = loadConditions(
      file(
        'ok.json',
        JSON.stringify({
          name: 'hot-game',
          extends: 'gpu-busy',
          ambientC: 35,
          loads: [{ name: 'x', target: 'gpu', busyShare: 0.5, toMs: 1000 }],
        }),
      ),
    );
    expect(ok).toMatchObject({ name: 'hot-game', ambientC: 35, initialTempC: 33, governor: 'performance' });
    expect(ok.loads[0]).toMatchObject({ busyShare: 0.5, toMs: 1000, fromMs: 0, bandwidthGBps: 0 });
    expect(() =>
      loadConditions(file('share.json', '{"name":"x","loads":[{"name":"a","target":"gpu","busyShare":-1}]}')),
    ).toThrow(/share\.json: loads\.0\.busyShare/);
    expect(() => loadConditions(file('gov.json', '{"name":"x","governor":"turbo"}'))).toThrow(
      /gov\.json: governor/,
    );
    expect(() => loadConditions(file('extra.json', '{"name":"x","colour":1}'))).toThrow(
      /extra\.json: .*colour/,
    );
    expect(() => loadConditions(file('trunc.json', '{"name": "x", "loads": [{'))).toThrow(
      /trunc\.json: is not valid JSON/,
    );
    expect(() =>
      loadConditions(file('duty.json', '{"name":"x","loads":[{"name":"a","target":"npu","periodMs":10}]}')),
    ).toThrow(/loads\.0: periodMs and onMs go together/);
    expect(() => loadConditions(join(dir, 'missing.json'))).toThrow(/no such file/);
    expect(() => loadConditions('sunny')).toThrow(/unknown preset "sunny"/);
  });
});

describe('thermal model', () => {
  const d = getDevice('sd8gen2');
  const p = thermalParams(d, 25);

  it('relaxes towards ambient + P·R with time constant R·C (the catalog’s numbers)', () => {
    expect(p.resistanceCPerW).toBe(d.thermal.thermalResistanceCPerW);
    const tau = p.resistanceCPerW * p.capacitanceJPerC * 1000;
    const steady = 25 + 4.5 * p.resistanceCPerW;
    expect(stepTemperature(30, 4.5, 1e9, p)).toBeCloseTo(steady, 6);
    // After one time constant, 1 − 1/e of the way.
    expect(stepTemperature(25, 4.5, tau, p)).toBeCloseTo(25 + (steady - 25) * (1 - Math.exp(-1)), 6);
    // Stepping twice by half equals one step (exact solution).
    const half = stepTemperature(stepTemperature(25, 3, 5000, p), 3, 5000, p);
    expect(half).toBeCloseTo(stepTemperature(25, 3, 10000, p), 9);
  });

  it('caps clocks from the throttling start down to the sustained share at the skin limit', () => {
    const gpu = d.processors.find((x) => x.id === 'gpu');
    if (!gpu) throw new Error('no gpu');
    expect(thermalCap(39, gpu, p)).toBe(1);
    expect(thermalCap(p.throttleFullC, gpu, p)).toBeCloseTo(gpu.sustained?.gflopsShare ?? 0, 9);
    expect(thermalCap(42, gpu, p)).toBeLessThan(1);
    expect(thermalCap(50, gpu, p)).toBeLessThan(thermalCap(42, gpu, p));
  });
});

describe('building blocks', () => {
  it('the event queue pops in time order, ties in push order', () => {
    const q = new EventQueue(2);
    const rand = mulberry32(3);
    const pushed: [number, number][] = [];
    for (let i = 0; i < 5000; i++) {
      const t = Math.floor(rand() * 100);
      q.push(t, 0, i, 0);
      pushed.push([t, i]);
    }
    pushed.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const popped: [number, number][] = [];
    while (q.pop()) popped.push([q.top.timeMs, q.top.a]);
    expect(popped).toEqual(pushed);
  });

  it('histogram percentiles are within 0.1% of the exact nearest-rank values', () => {
    const h = new LatencyHistogram();
    const rand = mulberry32(11);
    const xs: number[] = [];
    for (let i = 0; i < 20000; i++) {
      const x = 0.5 + -Math.log(1 - rand()) * 20;
      xs.push(x);
      h.add(x);
    }
    xs.sort((a, b) => a - b);
    for (const q of [0.5, 0.9, 0.99]) {
      const exact = xs[Math.ceil(q * xs.length) - 1];
      expect(Math.abs(h.percentile(q) / exact - 1)).toBeLessThan(1e-3);
    }
    expect(h.maxMs).toBe(xs[xs.length - 1]);
  });
});
