// Per-process memo of what cells share: loaded graphs and devices with their cost models. Workers
// run many cells; loading a model (tens of ms) or a device once per worker instead of once per cell
// is what keeps small cells cheap. Values are immutable, so sharing them cannot change a result.
import { deviceWithCost, type DeviceWithCost } from '../cost/for-device.js';
import { loadModel } from '../frontend/load.js';
import type { Graph } from '../graph/types.js';
import type { ModelRef } from './cells.js';

const graphs = new Map<string, Graph>();
const devices = new Map<string, DeviceWithCost>();

/** The deployed (BatchNorm folded, activations fused), shape-inferred graph of a study model. */
export function studyGraph(model: ModelRef): Graph {
  const key = JSON.stringify(model);
  let g = graphs.get(key);
  if (!g) {
    const inputs = Object.entries(model.inputs ?? {}).map(([name, dims]) => ({ name, dims }));
    g = loadModel(model.source, {
      inputs,
      ...(model.values ? { values: model.values } : {}),
      deploy: true,
      exampleInputs: true,
    }).graph;
    graphs.set(key, g);
  }
  return g;
}

/** A device and its cost model (`host` needs `.hetero/host.json`, see hardware/host.ts). */
export function studyDevice(id: string, hostFile?: string): DeviceWithCost {
  const key = `${id}|${hostFile ?? ''}`;
  let d = devices.get(key);
  if (!d) {
    d = hostFile ? deviceWithCost(id, hostFile) : deviceWithCost(id);
    devices.set(key, d);
  }
  return d;
}
