// `hetero models`: the built-in models a user can name without a file.
import type { Command } from 'commander';
import { PACKAGED_MODELS } from '../frontend/packaged-models.js';
import { zooEntries } from '../zoo/index.js';
import { table } from './format.js';

export function registerModels(program: Command, print: (text: string) => void): void {
  program
    .command('models')
    .description('list the architecture zoo (zoo:NAME) and the real models npm packages ship (pkg:NAME)')
    .option('--json', 'print JSON')
    .action((flags: { json?: boolean }) => {
      const zoo = zooEntries().map((e) => ({ name: `zoo:${e.name}`, description: e.description }));
      const packaged = PACKAGED_MODELS.map((m) => ({
        name: `pkg:${m.name}`,
        description: `${m.description} (${m.npmPackage})`,
      }));
      if (flags.json) print(JSON.stringify([...zoo, ...packaged], null, 2));
      else print(table([...zoo, ...packaged].map((m) => [m.name, m.description])));
    });
}
