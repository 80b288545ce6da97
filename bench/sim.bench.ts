// Issue #5 targets: the simulator processes ≥ 1,000,000 events per second, and simulates ten minutes
// of a 30 fps camera (MobileNetV2) plus two other models (ResNet-50 at 10 requests/s Poisson,
// Inception-v3 in bursts of 4 every second) on sd8gen2 in ≤ 3 s. Planning is done once, outside the
// timed region (a study plans once and simulates many conditions); the first run includes filling
// the cost memo, later runs reuse it.
import { deviceWithCost } from '../src/cost/for-device.js';
import { loadModel } from '../src/frontend/load.js';
import { parseWorkload, planForSimulation, simulate } from '../src/sim/index.js';
import type { SimulationResult } from '../src/sim/index.js';
import type { BenchResult } from './import.bench.js';

const EVENTS_PER_S_TARGET = 1_000_000;
const TEN_MINUTES_TARGET_MS = 3000;
const WORKLOAD = '30fps,deadline=33ms;poisson:10/s,deadline=100ms;burst:4/1s,deadline=200ms';

function timed(fn: () => SimulationResult): { ms: number; result: SimulationResult } {
  const start = process.hrtime.bigint();
  const result = fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, result };
}

export async function benchSim(): Promise<BenchResult[]> {
  const { device, cost } = deviceWithCost('sd8gen2');
  const models = ['zoo:mobilenetv2', 'zoo:resnet50', 'zoo:inceptionv3'].map((spec) => {
    const { graph } = loadModel(spec, { deploy: true, exampleInputs: true });
    return { name: graph.name, graph };
  });
  const workload = parseWorkload(WORKLOAD);
  const results: BenchResult[] = [];
  // adaptive: the CLI's default (NPU-heavy here); codl: split plans, about 1.6× the events.
  for (const strategy of ['adaptive', 'codl']) {
    const planned = planForSimulation(strategy, models, device, cost, workload);
    const run = (): SimulationResult =>
      simulate({
        device,
        cost,
        models: planned,
        workload,
        conditions: 'concurrent-models',
        durationMs: 600_000,
        seed: 1,
      });
    const runs = [timed(run), timed(run), timed(run)];
    const sorted = runs.map((r) => r.ms).sort((a, b) => a - b);
    const medianMs = sorted[1];
    const events = runs[0].result.events;
    const eventsPerS = events / (medianMs / 1000);
    const firstMs = runs[0].ms;
    results.push({
      name: `simulate 10 min of 30 fps camera + 2 models on sd8gen2 (${strategy}, concurrent-models)`,
      ok: Math.max(medianMs, firstMs) <= TEN_MINUTES_TARGET_MS,
      detail:
        `${medianMs.toFixed(0)} ms (median of 3; first ${firstMs.toFixed(0)} ms), ` +
        `${(Math.max(medianMs, firstMs) / TEN_MINUTES_TARGET_MS).toFixed(2)}× of the ${TEN_MINUTES_TARGET_MS} ms target; ` +
        `${runs[0].result.requests} requests`,
    });
    results.push({
      name: `simulator event rate (${strategy} run above)`,
      ok: eventsPerS >= EVENTS_PER_S_TARGET,
      detail:
        `${(eventsPerS / 1e6).toFixed(2)} M events/s (${(events / 1e6).toFixed(2)} M events), ` +
        `${(eventsPerS / EVENTS_PER_S_TARGET).toFixed(2)}× the ${EVENTS_PER_S_TARGET / 1e6} M/s target`,
    });
  }
  return results;
}
