// A tensor moved between two CPU processors is copied by a core, so the copy keeps the consumer busy
// (the host's per-core workers), where a copy engine's move overlaps the consumer's other work:
// evaluatePlan and the simulator both charge it so.
import { describe, expect, it } from 'vitest';
import { createCostModel } from '../../src/cost/index.js';
import { defaultProcessorParams } from '../../src/cost/defaults.js';
import { withCoreWorkerParams } from '../../src/cost/for-device.js';
import { inferShapes } from '../../src/graph/shape-inference.js';
import { buildHostDevice, withCoreWorkers } from '../../src/hardware/host.js';
import { evaluatePlan } from '../../src/plan/evaluate.js';
import { makePlan } from '../../src/plan/make-plan.js';
import { idleRequestMs } from '../../src/sim/index.js';
import { GraphBuilder } from '../../src/zoo/builder.js';
import { TEST_HOST } from '../test-host.js';

const ELEMENTS = 1 << 18; // 1 MiB of float32
const COPY_US_PER_MIB = 10;

/**
 * x → a (cpu0) and x → c1 → c2 (cpu1), then sum = a + c2 on cpu1: a's output reaches cpu1 while cpu1
 * still runs c2, which a copy engine would overlap and a core cannot.
 */
function setup(copyUsPerMiB: number | undefined) {
  const b = new GraphBuilder('copies');
  const x = b.input('x', [1, ELEMENTS]);
  const a = b.relu(x);
  const c = b.relu(b.relu(x));
  b.output(b.add(a, c));
  const graph = inferShapes(b.build(), {}).graph;
  const device = withCoreWorkers(buildHostDevice(TEST_HOST));
  const cpu = defaultProcessorParams(device.processors.find((p) => p.id === 'cpu')!);
  const params = { device: 'host', processors: { cpu }, fittedFrom: 'test' };
  const cost = createCostModel(device, withCoreWorkerParams(params, device, 1, copyUsPerMiB));
  const [first] = graph.nodes;
  const placements = Object.fromEntries(
    graph.nodes.map((n) => [n.id, { proc: n.id === first.id ? 'cpu0' : 'cpu1' }]),
  );
  const plan = makePlan(graph, device, 'test', placements);
  return { graph, device, cost, plan };
}

describe('copies between CPU processors', () => {
  it('keep the consumer busy: each adds its whole time to the request, even one a copy engine would hide', () => {
    const copyMs = COPY_US_PER_MIB / 1000;
    const without = setup(undefined);
    const withCopies = setup(COPY_US_PER_MIB);
    const base = evaluatePlan(without.plan, without.graph, without.device, without.cost).latencyMs;
    const charged = evaluatePlan(withCopies.plan, withCopies.graph, withCopies.device, withCopies.cost);
    // x into cpu1 before c1, then a's output into cpu1 after c2: both on cpu1's critical path.
    expect(charged.latencyMs - base).toBeCloseTo(2 * copyMs, 9);
    expect(charged.latencyMs).toBeGreaterThan(base);
  });

  it('the simulator charges them as evaluatePlan does', () => {
    for (const copy of [undefined, COPY_US_PER_MIB]) {
      const { plan, graph, device, cost } = setup(copy);
      const evaluated = evaluatePlan(plan, graph, device, cost).latencyMs;
      expect(idleRequestMs(plan, graph, device, cost)).toBeCloseTo(evaluated, 6);
    }
  });
});
