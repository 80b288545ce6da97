// The device and cost model a user means by a device id: `host` is this machine as calibrated by
// `hetero calibrate` (its measured device and fitted parameters); a catalog phone uses the parameters
// fitted to published latencies where there are any, else the catalog defaults.
import { getDevice } from '../hardware/catalog.js';
import { DEFAULT_HOST_FILE, loadHost } from '../hardware/host.js';
import type { Device } from '../hardware/schema.js';
import { loadPhoneCalibration } from './calibrate-published.js';
import { createCostModel, type AnalyticCostModel } from './model.js';

export interface DeviceWithCost {
  device: Device;
  cost: AnalyticCostModel;
  /** Where the parameters come from: 'host-profile', 'published-latencies' or 'catalog-defaults'. */
  fittedFrom: string;
}

export function deviceWithCost(id: string, hostFile: string = DEFAULT_HOST_FILE): DeviceWithCost {
  if (id === 'host') {
    const host = loadHost(hostFile);
    return {
      device: host.device,
      cost: createCostModel(host.device, host.params),
      fittedFrom: host.params.fittedFrom,
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
