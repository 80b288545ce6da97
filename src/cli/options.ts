// Flags several commands share: how a model's inputs are bound, and counts.
import type { Command } from 'commander';
import { HeteroError } from '../errors.js';
import { parseInputSpec, parseValueSpec, type InputShapeSpec } from '../frontend/input-spec.js';

function collectInput(value: string, previous: InputShapeSpec[]): InputShapeSpec[] {
  return [...previous, parseInputSpec(value)];
}

function collectValue(text: string, previous: Record<string, number[]>): Record<string, number[]> {
  const { name, values } = parseValueSpec(text);
  return { ...previous, [name]: values };
}

/** Adds `--input name=DIMS` (repeatable) and `--value name=V,…` to a command that loads a model. */
export function withModelInputs(command: Command): Command {
  return command
    .option('--input <name=DIMS>', 'input shape, e.g. x=1x3x640x640 (repeatable)', collectInput, [])
    .option(
      '--value <name=V,…>',
      'known value of a small input that decides control flow, e.g. sr=16000',
      collectValue,
      {},
    );
}

export function parseCount(text: string, flag: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) {
    throw new HeteroError(flag, `"${text}" is not an integer ≥ ${min}`);
  }
  return n;
}
