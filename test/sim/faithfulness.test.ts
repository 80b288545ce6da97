// The faithfulness checks: with nothing else on the device one request takes what
// evaluatePlan predicts; background CPU load slows a CPU-heavy plan; a long hot run throttles; a busy
// GPU slows a GPU plan; DRAM pressure slows memory-bound work; an unavailable accelerator stalls.
import { describe, expect, it } from 'vitest';
import { evaluatePlan } from '../../src/plan/evaluate.js';
import { placementParts } from '../../src/plan/validate.js';
import { conditionsPreset, simulate } from '../../src/sim/index.js';
import type { SimModel, SimulationResult } from '../../src/sim/index.js';
import { device, planned } from './helpers.js';

function run(
  m: SimModel,
  deviceId: string,
  workload: string,
  conditions: string,
  durationMs: number,
  seed = 1,
): SimulationResult {
  const { device: d, cost } = device(deviceId);
  return simulate({ device: d, cost, models: [m], workload, conditions, durationMs, seed });
}

function processorsOf(m: SimModel): Set<string> {
  return new Set(Object.values(m.plan.placements).flatMap((p) => placementParts(p).map((x) => x.proc)));
}

describe('one request on an idle device', () => {
  // Whole-node plans (single processors, branch-parallel, layer-wise), split plans (CoDL's H/OC
  // chains with halo recompute, μLayer's channel splits in int8/fp16) and adaptive, on a phone with
  // an NPU and one without.
  const strategies = ['best-single', 'cpu', 'heft', 'layerwise', 'codl', 'ulayer', 'adaptive'];
  for (const deviceId of ['sd8gen2', 'sd855']) {
    for (const model of ['zoo:mobilenetv2', 'zoo:resnet50', 'zoo:inceptionv3']) {
      it(`${model} on ${deviceId}: simulated = evaluatePlan within 1% for every strategy`, () => {
        const { device: d, cost } = device(deviceId);
        for (const s of strategies) {
          const m = planned(s, model, deviceId);
          const staticMs = evaluatePlan(m.plan, m.graph, d, cost).latencyMs;
          const r = run(m, deviceId, 'single', 'idle', 1000);
          expect(r.completed, s).toBe(1);
          expect(
            Math.abs(r.latencyMs.max / staticMs - 1),
            `${s}: ${r.latencyMs.max} vs ${staticMs} ms`,
          ).toBeLessThan(0.01);
        }
      });
    }
  }

  it('energy of one whole-node request equals evaluatePlan’s (idle power while it runs included)', () => {
    const { device: d, cost } = device('sd8gen2');
    const m = planned('heft', 'zoo:inceptionv3', 'sd8gen2');
    const e = evaluatePlan(m.plan, m.graph, d, cost);
    const r = run(m, 'sd8gen2', 'single', 'idle', 1000);
    expect(r.energyMjPerInference / (e.energyJ * 1000)).toBeCloseTo(1, 3);
  });
});

describe('background load', () => {
  it('background CPU load makes a CPU-heavy plan slower, not faster', () => {
    const m = planned('cpu', 'zoo:mobilenetv2', 'sd8gen2');
    expect([...processorsOf(m)].every((p) => p.startsWith('cpu'))).toBe(true);
    const idle = run(m, 'sd8gen2', '10fps', 'idle', 5000);
    const busy = run(m, 'sd8gen2', '10fps', 'background-cpu', 5000);
    expect(busy.latencyMs.p50).toBeGreaterThan(idle.latencyMs.p50 * 1.2);
    expect(busy.latencyMs.mean).toBeGreaterThan(idle.latencyMs.mean);
  });

  it('a game on the GPU slows a GPU plan and leaves an NPU plan nearly alone', () => {
    const gpuPlan = planned('gpu', 'zoo:resnet50', 'sd8gen2');
    const gpuIdle = run(gpuPlan, 'sd8gen2', '10fps', 'idle', 5000);
    const gpuBusy = run(gpuPlan, 'sd8gen2', '10fps', 'gpu-busy', 5000);
    // The game takes 70% of the GPU: a GPU op takes ~1/0.3 as long.
    expect(gpuBusy.latencyMs.p50).toBeGreaterThan(gpuIdle.latencyMs.p50 * 2.5);
    const npuPlan = planned('npu', 'zoo:resnet50', 'sd8gen2');
    const npuIdle = run(npuPlan, 'sd8gen2', '10fps', 'idle', 5000);
    const npuBusy = run(npuPlan, 'sd8gen2', '10fps', 'gpu-busy', 5000);
    expect(npuBusy.latencyMs.p50).toBeGreaterThanOrEqual(npuIdle.latencyMs.p50);
    expect(npuBusy.latencyMs.p50).toBeLessThan(npuIdle.latencyMs.p50 * 1.5);
  });

  it('DRAM pressure slows memory-bound work (through the cost model’s contention rule)', () => {
    // ResNet-50 on the 8 Gen 2's NPU streams its weights: with another app taking 45% of the DRAM
    // bandwidth, less than the NPU reaches alone is left. A CPU plan is compute-bound: untouched.
    const npu = planned('npu', 'zoo:resnet50', 'sd8gen2');
    const idle = run(npu, 'sd8gen2', '10fps', 'idle', 3000);
    const pressed = run(npu, 'sd8gen2', '10fps', 'memory-pressure', 3000);
    expect(pressed.latencyMs.p50).toBeGreaterThan(idle.latencyMs.p50 * 1.03);
    const cpu = planned('cpu', 'zoo:mobilenetv2', 'sd8gen2');
    const cpuIdle = run(cpu, 'sd8gen2', '10fps', 'idle', 3000);
    const cpuPressed = run(cpu, 'sd8gen2', '10fps', 'memory-pressure', 3000);
    expect(cpuPressed.latencyMs.p50 / cpuIdle.latencyMs.p50).toBeLessThan(1.01);
  });

  it('an accelerator held by another app stalls the requests that need it', () => {
    const m = planned('npu', 'zoo:mobilenetv2', 'sd8gen2');
    const idle = run(m, 'sd8gen2', '30fps', 'idle', 10_000);
    const held = run(m, 'sd8gen2', '30fps', 'accelerator-unavailable', 10_000);
    expect(idle.deadlineMissRate).toBe(0);
    // Held 4 s of every 10 s from 2 s on: frames queue behind the stall and miss their 33 ms deadline.
    expect(held.deadlineMissRate).toBeGreaterThan(0.2);
    expect(held.latencyMs.max).toBeGreaterThan(3000);
  });
});

describe('heat', () => {
  it('a long thermal-throttle run throttles: late requests are slower than early ones', () => {
    const m = planned('gpu', 'zoo:resnet50', 'sd8gen2');
    const r = run(m, 'sd8gen2', '60fps,deadline=1s', 'thermal-throttle', 8 * 60_000);
    const samples = r.timeline.filter((s) => s.completed > 0);
    const firstMinute = samples.filter((s) => s.tMs <= 60_000);
    const lastMinute = samples.filter((s) => s.tMs >= 7 * 60_000);
    const mean = (xs: typeof samples): number =>
      xs.reduce((a, s) => a + s.meanLatencyMs * s.completed, 0) / xs.reduce((a, s) => a + s.completed, 0);
    expect(mean(lastMinute)).toBeGreaterThan(mean(firstMinute) * 1.05);
    // The clock came down and the phone heated past the throttling start.
    const last = r.timeline[r.timeline.length - 1];
    expect(last.freqShare.gpu).toBeLessThan(1);
    const startC = conditionsPreset('thermal-throttle').initialTempC;
    expect(r.timeline[0].temperatureC).toBeCloseTo(startC, 5);
    expect(r.maxTemperatureC).toBeGreaterThan(startC + 1);
  });

  it('the same run in a cool room at rest does not throttle', () => {
    const m = planned('gpu', 'zoo:resnet50', 'sd8gen2');
    const r = run(m, 'sd8gen2', '10fps', 'idle', 60_000);
    expect(r.timeline.every((s) => s.freqShare.gpu === 1)).toBe(true);
    expect(r.latencyMs.p99 / r.latencyMs.p50).toBeLessThan(1.001);
  });
});
