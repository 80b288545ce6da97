// `hetero devices [id]`: the device catalog, every number with its source.
import type { Command } from 'commander';
import { getDevice, listDevices, loadDeviceFile } from '../hardware/catalog.js';
import { renderDevice, renderDeviceTable } from './device-format.js';

interface DevicesFlags {
  json?: boolean;
  file?: string;
}

export function registerDevices(program: Command, print: (text: string) => void): void {
  program
    .command('devices')
    .description('list the device catalog, or show one device with the source of each number')
    .argument('[id]', 'a device id, e.g. sd865')
    .option('--file <device.json>', 'validate and show a device description file instead of the catalog')
    .option('--json', 'print JSON')
    .action((id: string | undefined, flags: DevicesFlags) => {
      const one = flags.file ? loadDeviceFile(flags.file) : id ? getDevice(id) : undefined;
      if (one) print(flags.json ? JSON.stringify(one, null, 2) : renderDevice(one));
      else print(flags.json ? JSON.stringify(listDevices(), null, 2) : renderDeviceTable(listDevices()));
    });
}
