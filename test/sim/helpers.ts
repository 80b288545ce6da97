// Shared fixtures of the simulator tests: catalog devices with their cost models, deployed zoo graphs
// and one-strategy plans (all cached: graphs and plans are immutable).
import { deviceWithCost, type DeviceWithCost } from '../../src/cost/for-device.js';
import { loadModel } from '../../src/frontend/load.js';
import type { Graph } from '../../src/graph/types.js';
import { planForSimulation } from '../../src/sim/index.js';
import type { SimModel } from '../../src/sim/index.js';

const devices = new Map<string, DeviceWithCost>();
const graphs = new Map<string, Graph>();
const plans = new Map<string, SimModel>();

export function device(id: string): DeviceWithCost {
  let d = devices.get(id);
  if (!d) devices.set(id, (d = deviceWithCost(id)));
  return d;
}

export function graph(spec: string): Graph {
  let g = graphs.get(spec);
  if (!g) graphs.set(spec, (g = loadModel(spec, { deploy: true, exampleInputs: true }).graph));
  return g;
}

/** `strategy`'s plan of zoo model `model` on `deviceId`, as a simulation model. */
export function planned(strategy: string, model: string, deviceId: string): SimModel {
  const key = `${strategy}|${model}|${deviceId}`;
  let m = plans.get(key);
  if (!m) {
    const { device: d, cost } = device(deviceId);
    const g = graph(model);
    [m] = planForSimulation(strategy, [{ name: g.name, graph: g }], d, cost);
    plans.set(key, m);
  }
  return m;
}
