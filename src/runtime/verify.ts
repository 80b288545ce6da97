// Numeric verification: the executed plan's outputs against one monolithic ONNX Runtime session
// (the original file for real models, the whole exported graph for zoo models).
import * as ort from 'onnxruntime-node';
import { HeteroError } from '../errors.js';
import { exportOnnx } from '../formats/onnx/index.js';
import { materializeWeights } from './materialize.js';
import type { ExecTarget } from './target.js';
import { toWire, typedData, type WireTensor } from './wire.js';

/** Maximum absolute difference per output. */
export type OutputDiffs = Record<string, number>;

function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n').find((l) => l.trim() !== '') ?? 'unknown error';
}

/** A monolithic session of the target (the file when there is one). */
export async function monolithicSession(
  target: ExecTarget,
  options: ort.InferenceSession.SessionOptions = {},
): Promise<ort.InferenceSession> {
  const where = target.file ?? target.graph.name;
  try {
    return target.file
      ? await ort.InferenceSession.create(target.file, options)
      : await ort.InferenceSession.create(exportOnnx(materializeWeights(target.graph)), options);
  } catch (e) {
    throw new HeteroError(where, `ONNX Runtime cannot load it: ${firstLine(e)}`);
  }
}

/** Outputs of one monolithic run on `feeds`. */
export async function referenceOutputs(
  target: ExecTarget,
  feeds: Record<string, ort.Tensor>,
): Promise<Record<string, WireTensor>> {
  const session = await monolithicSession(target, { graphOptimizationLevel: 'disabled' });
  try {
    const results = await session.run(feeds);
    const out: Record<string, WireTensor> = {};
    for (const name of target.graph.outputs) {
      const t = results[name];
      if (t) out[name] = toWire(t, true);
    }
    return out;
  } catch (e) {
    throw new HeteroError(target.file ?? target.graph.name, `ONNX Runtime failed to run it: ${firstLine(e)}`);
  } finally {
    await session.release();
  }
}

/** Max |a − b| per output of `reference`; a missing or differently shaped output is Infinity. */
export function outputDiffs(
  outputs: Record<string, WireTensor>,
  reference: Record<string, WireTensor>,
): OutputDiffs {
  const diffs: OutputDiffs = {};
  for (const [name, ref] of Object.entries(reference)) {
    const got = outputs[name];
    if (!got || got.dims.join('x') !== ref.dims.join('x') || got.dtype !== ref.dtype) {
      diffs[name] = Infinity;
      continue;
    }
    const a = typedData(got);
    const b = typedData(ref);
    let max = 0;
    for (let i = 0; i < a.length; i++) {
      const d = Math.abs(Number(a[i]) - Number(b[i]));
      if (!(d <= max)) max = Number.isNaN(d) ? Infinity : d;
    }
    diffs[name] = max;
  }
  return diffs;
}

export function maxDiff(diffs: OutputDiffs): number {
  return Math.max(0, ...Object.values(diffs));
}
