// Shared by the executor tests: a host device with per-core workers and catalog-default costs
// (no calibration file needed), plans made by hand or by a strategy, and an in-process runner of
// sub-models for numeric checks without worker threads.
import * as ort from 'onnxruntime-node';
import { withCoreWorkerParams } from '../../src/cost/for-device.js';
import { createCostModel } from '../../src/cost/model.js';
import type { CostModel } from '../../src/cost/types.js';
import type { Graph } from '../../src/graph/types.js';
import { buildHostDevice, withCoreWorkers } from '../../src/hardware/host.js';
import { TEST_HOST } from '../test-host.js';
import type { Device } from '../../src/hardware/schema.js';
import { makePlan } from '../../src/plan/make-plan.js';
import type { Placement, Plan } from '../../src/plan/types.js';
import type { SplitModel } from '../../src/runtime/submodel.js';

export function testHost(): { device: Device; cost: CostModel } {
  const device = withCoreWorkers(buildHostDevice(TEST_HOST));
  const params = withCoreWorkerParams({ device: 'host', processors: {}, fittedFrom: 'test' }, device);
  return { device, cost: createCostModel(device, params) };
}

/** A plan placing node i on `procOf(node, i)`. */
export function planBy(
  graph: Graph,
  device: Device,
  placementOf: (id: string, op: string, i: number) => Placement,
): Plan {
  const placements = Object.fromEntries(graph.nodes.map((n, i) => [n.id, placementOf(n.id, n.op, i)]));
  return makePlan(graph, device, 'test', placements);
}

/** Runs every sub-model in order in this thread; returns all tensors. */
export async function runInProcess(
  model: SplitModel,
  feeds: Record<string, ort.Tensor>,
): Promise<Record<string, ort.Tensor>> {
  const store: Record<string, ort.Tensor> = { ...feeds };
  for (const p of model.partitions) {
    const session = await ort.InferenceSession.create(p.bytes, { graphOptimizationLevel: 'disabled' });
    try {
      Object.assign(store, await session.run(Object.fromEntries(p.inputs.map((i) => [i, store[i]]))));
    } finally {
      await session.release();
    }
  }
  return store;
}

export function maxAbs(a: ort.Tensor, b: ort.Tensor): number {
  const x = a.data as Float32Array;
  const y = b.data as Float32Array;
  if (x.length !== y.length) return Infinity;
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m;
}
