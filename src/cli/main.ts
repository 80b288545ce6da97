// The `hetero` command: parse, dispatch, and turn user errors into one line and exit code 2.
import { Command, CommanderError } from 'commander';
import { isHeteroError } from '../errors.js';
import { registerCalibrate } from './calibrate.js';
import { registerDevices } from './devices.js';
import { registerInspect } from './inspect.js';
import { registerModels } from './models.js';
import { registerPlan } from './plan.js';
import { registerProfile } from './profile.js';
import { registerTour } from './tour.js';
import { registerValidate } from './validate.js';
import { registerResults } from './results.js';
import { registerStudy } from './study.js';
import { registerSimulate } from './simulate.js';
import { registerRun } from './run.js';

export async function main(
  argv: string[],
  out: (text: string) => void = (t) => console.log(t),
): Promise<number> {
  const program = new Command('hetero')
    .description('deep-learning inference across the CPU, GPU and NPU of a device')
    .exitOverride()
    .showHelpAfterError(false)
    .configureOutput({
      writeOut: (text) => process.stdout.write(text),
      writeErr: () => undefined, // errors are printed once, below, as one line
    });
  registerInspect(program, out);
  registerModels(program, out);
  registerDevices(program, out);
  registerTour(program, out);
  registerPlan(program, out);
  registerProfile(program, out);
  registerCalibrate(program, out);
  registerValidate(program, out);
  registerStudy(program, out);
  registerResults(program, out);
  registerSimulate(program, out);
  registerRun(program, out);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return 0; // --help, --version
      process.stderr.write(`hetero: ${e.message.replace(/^error: /, '').split('\n')[0]}\n`);
      return 2;
    }
    if (isHeteroError(e)) {
      process.stderr.write(`hetero: ${e.message.split('\n')[0]}\n`);
      return 2;
    }
    throw e;
  }
}
