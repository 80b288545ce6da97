// Parsing of user-given input shapes: `--input name=1x3x640x640` (or just `1x3x640x640` for a
// model with a single input).
import { HeteroError } from '../errors.js';

export interface InputShapeSpec {
  /** undefined: the model's only input. */
  name?: string;
  dims: number[];
}

const MAX_DIM = 1 << 30;

export function parseInputSpec(text: string): InputShapeSpec {
  const eq = text.lastIndexOf('=');
  const name = eq >= 0 ? text.slice(0, eq).trim() : undefined;
  const dimsText = (eq >= 0 ? text.slice(eq + 1) : text).trim();
  if (name === '') throw new HeteroError('--input', `"${text}": empty input name before "="`);
  if (dimsText === '')
    throw new HeteroError('--input', `"${text}": no dimensions (expected e.g. x=1x3x224x224)`);
  const dims = dimsText.split(/[x,×]/).map((part) => {
    if (!/^\d+$/.test(part.trim())) {
      throw new HeteroError('--input', `"${text}": dimension "${part}" is not a positive integer`);
    }
    const d = Number(part);
    if (d < 1 || d > MAX_DIM)
      throw new HeteroError('--input', `"${text}": dimension ${part} is out of range 1..${MAX_DIM}`);
    return d;
  });
  return { name, dims };
}

/** Resolves specs against the model's inputs: unnamed specs need exactly one non-constant input. */
export function resolveInputSpecs(specs: InputShapeSpec[], modelInputs: string[]): Record<string, number[]> {
  const shapes: Record<string, number[]> = {};
  for (const spec of specs) {
    let name = spec.name;
    if (name === undefined) {
      if (modelInputs.length !== 1) {
        throw new HeteroError(
          '--input',
          `the model has ${modelInputs.length} inputs (${modelInputs.join(', ')}): name one, e.g. ${modelInputs[0] ?? 'x'}=1x3x224x224`,
        );
      }
      name = modelInputs[0];
    }
    if (!modelInputs.includes(name)) {
      throw new HeteroError(
        '--input',
        `"${name}" is not an input of the model (inputs: ${modelInputs.join(', ') || 'none'})`,
      );
    }
    if (shapes[name]) throw new HeteroError('--input', `"${name}" is given twice`);
    shapes[name] = spec.dims;
  }
  return shapes;
}

/** `--value sr=16000` or `--value ids=1,2,3`: known element values of a small input. */
export function parseValueSpec(text: string): { name: string; values: number[] } {
  const eq = text.indexOf('=');
  const name = eq > 0 ? text.slice(0, eq).trim() : '';
  if (name === '') throw new HeteroError('--value', `"${text}": expected name=v1[,v2…], e.g. sr=16000`);
  const values = text
    .slice(eq + 1)
    .split(',')
    .map((part) => {
      const v = Number(part.trim());
      if (part.trim() === '' || !Number.isFinite(v)) {
        throw new HeteroError('--value', `"${text}": "${part}" is not a finite number`);
      }
      return v;
    });
  return { name, values };
}
