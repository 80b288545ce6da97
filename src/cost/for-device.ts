// The device and cost model a user means by a device id: `host` is this machine as calibrated by
// `hetero calibrate` (its measured device and fitted parameters); a catalog phone uses its committed
// calibration (src/cost/calibrations/): parameters fitted to its published latencies where it has
// any, transferred from fitted sibling processors of the same family elsewhere, catalog defaults for
// processors with no justifiable sibling (each file records which is which and why).
import { getDevice } from '../hardware/catalog.js';
import type { Graph } from '../graph/types.js';
import { tensorBytes } from '../graph/types.js';
import {
  DEFAULT_HOST_FILE,
  loadHost,
  withCoreWorkers,
  type HostFile,
  type HostMeasurements,
} from '../hardware/host.js';
import type { Device } from '../hardware/schema.js';
import { loadPhoneCalibration } from './calibrate-published.js';
import { createCostModel, type AnalyticCostModel } from './model.js';
import { CPU_WAKE_UP_US } from './transfer.js';
import type { DeviceCostParams } from './types.js';
import { countsTheseFeatures } from './host-kernel-features.js';
import { HeteroError } from '../errors.js';

export interface DeviceWithCost {
  device: Device;
  cost: AnalyticCostModel;
  /**
   * Where the parameters come from: 'host-profile', 'published-latencies' (the device's own points;
   * its processors without points may still be transferred), 'transferred from <ids>' (no points of
   * its own) or 'catalog-defaults'.
   */
  fittedFrom: string;
  /**
   * `host` only: what the Node executor adds to one request of `graph` besides its partitions'
   * session.runs (ms), measured (executorRequestMs). A plan's predicted latency is what the runtime
   * spends; `hetero run` and the study's execute cells add this to compare with the wall time of a
   * request through the executor.
   */
  requestMs?: (graph: Graph) => number;
}

export function deviceWithCost(id: string, hostFile: string = DEFAULT_HOST_FILE): DeviceWithCost {
  if (id === 'host') {
    const host = loadHost(hostFile);
    checkKernelCounters(host.params, hostFile);
    const device = withCoreWorkers(host.device);
    const params = withCoreWorkerParams(host.params, device, workerSyncUs(host), workerCopyUsPerMiB(host));
    return {
      device,
      cost: createCostModel(device, params),
      fittedFrom: host.params.fittedFrom,
      requestMs: (graph) => executorRequestMs(host.measurements, graph),
    };
  }
  const device = getDevice(id);
  const params = loadPhoneCalibration(id);
  return {
    device,
    cost: createCostModel(device, params),
    fittedFrom: params?.fittedFrom ?? 'catalog-defaults',
  };
}

/**
 * A host file whose kernel models were fitted over other work counters than this version counts
 * (a counter added or renamed since) would be priced by the roofline alone, silently: refused.
 */
function checkKernelCounters(params: DeviceCostParams, hostFile: string): void {
  for (const [entry, p] of Object.entries(params.processors)) {
    const fitted = p.kernels?.features;
    if (fitted !== undefined && !countsTheseFeatures(fitted)) {
      throw new HeteroError(
        hostFile,
        `${entry}'s kernel models were fitted over other work counters than this version of hetero counts: run \`hetero calibrate\` again`,
      );
    }
  }
}

/**
 * What the Node executor adds to a request of `graph` (ms): the measured fixed part plus the per-MiB
 * part over the model's inputs and outputs, which cross between the main thread and the workers;
 * 0 for a host file written before it was measured.
 */
export function executorRequestMs(m: Pick<HostMeasurements, 'executorRequest'>, graph: Graph): number {
  const r = m.executorRequest;
  if (!r) return 0;
  let bytes = 0;
  for (const name of [...graph.inputs, ...graph.outputs]) {
    const t = graph.tensors.get(name);
    if (t && !t.constant) bytes += tensorBytes(t) ?? 0;
  }
  return (r.latencyUs + (r.usPerMiB * bytes) / 2 ** 20) / 1000;
}

/**
 * What a dependency between two per-core workers costs (µs): measured through the executor
 * (workerBoundary), else the measured hand-off of a tensor between worker threads plus the fixed cost
 * of one more session.run — the consumer's work after the dependency is a partition of its own
 * (runtime/partition.ts).
 */
export function workerSyncUs(host: Pick<HostFile, 'measurements' | 'runOverhead'>): number {
  const boundary = host.measurements.workerBoundary;
  if (boundary) return boundary.latencyUs;
  // A host file written before the hand-off was measured: the assumed cpu→cpu wake-up.
  const handoffUs = host.measurements.workerHandoff?.latencyUs ?? CPU_WAKE_UP_US;
  return handoffUs + (host.runOverhead['1']?.fixedMs ?? 0) * 1000;
}

/**
 * What each MiB of a tensor crossing between per-core workers costs (µs): measured through the
 * executor (workerBoundary), else the hand-off's copies; undefined for a host file with neither.
 */
export function workerCopyUsPerMiB(host: Pick<HostFile, 'measurements'>): number | undefined {
  return host.measurements.workerBoundary?.usPerMiB ?? host.measurements.workerHandoff?.usPerMiB;
}

/**
 * A per-core worker (hardware/host.ts withCoreWorkers) costs what the whole CPU costs at one
 * thread: its entries are the calibration's "cpu@1" ones (and "cpu@1:<dtype>"), else "cpu"'s;
 * `syncInUs` (workerSyncUs) prices a dependency between workers, `copyInUsPerMiB`
 * (workerCopyUsPerMiB) the tensor it moves.
 */
export function withCoreWorkerParams(
  params: DeviceCostParams,
  device: Device,
  syncInUs?: number,
  copyInUsPerMiB?: number,
): DeviceCostParams {
  const processors = { ...params.processors };
  const single = params.processors['cpu@1'] ?? params.processors.cpu;
  for (const p of device.processors) {
    if (!/^cpu\d+$/.test(p.id) || processors[p.id]) continue;
    if (single)
      processors[p.id] = {
        ...single,
        ...(syncInUs === undefined ? {} : { syncInUs }),
        ...(copyInUsPerMiB === undefined ? {} : { copyInUsPerMiB }),
      };
    for (const [key, value] of Object.entries(params.processors)) {
      const dtype = /^cpu@1:(.+)$/.exec(key)?.[1];
      if (dtype) processors[`${p.id}:${dtype}`] = value;
    }
  }
  return { ...params, processors };
}
