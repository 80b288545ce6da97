// The built-in device catalog (catalog/*.json, imported as JSON modules so tsc copies them into dist/) and
// loading of user device files.
import { readFileSync } from 'node:fs';
import { HeteroError } from '../errors.js';
import { resolveDevice } from './resolve.js';
import type { Device } from './schema.js';
import dimensity9200 from './catalog/dimensity9200.json' with { type: 'json' };
import kirin990 from './catalog/kirin990.json' with { type: 'json' };
import kirin9000 from './catalog/kirin9000.json' with { type: 'json' };
import sd855 from './catalog/sd855.json' with { type: 'json' };
import sd865 from './catalog/sd865.json' with { type: 'json' };
import sd888 from './catalog/sd888.json' with { type: 'json' };
import sd8gen2 from './catalog/sd8gen2.json' with { type: 'json' };
import tensorG2 from './catalog/tensor-g2.json' with { type: 'json' };

/** Raw catalog files by file name, in release order. Exported for tests that walk the raw JSON. */
export const CATALOG_FILES: Readonly<Record<string, unknown>> = {
  'sd855.json': sd855,
  'kirin990.json': kirin990,
  'sd865.json': sd865,
  'kirin9000.json': kirin9000,
  'sd888.json': sd888,
  'tensor-g2.json': tensorG2,
  'sd8gen2.json': sd8gen2,
  'dimensity9200.json': dimensity9200,
};

let devices: Map<string, Device> | undefined;

function loadCatalog(): Map<string, Device> {
  if (!devices) {
    devices = new Map();
    for (const [file, json] of Object.entries(CATALOG_FILES)) {
      const device = resolveDevice(json, `src/hardware/catalog/${file}`);
      devices.set(device.id, device);
    }
  }
  return devices;
}

export function listDevices(): Device[] {
  return [...loadCatalog().values()];
}

export function getDevice(id: string): Device {
  const device = loadCatalog().get(id);
  if (!device) {
    throw new HeteroError(
      '--device',
      `unknown device "${id}"; known: ${[...loadCatalog().keys()].join(', ')}`,
    );
  }
  return device;
}

/** Loads a device file in catalog format; every error names the file (and the field, for schema errors). */
export function loadDeviceFile(path: string): Device {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new HeteroError(path, code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? String(e)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new HeteroError(path, `malformed JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  return resolveDevice(json, path);
}
