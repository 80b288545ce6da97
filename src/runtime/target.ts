// What the executor runs: the deployed graph plans are made on (BatchNorm folded, activations fused)
// and, for real models, the original file the monolithic reference run loads.
import { HeteroError } from '../errors.js';
import type { InputShapeSpec } from '../frontend/input-spec.js';
import { loadModel } from '../frontend/load.js';
import { packagedModel, resolvePackagedModel } from '../frontend/packaged-models.js';
import type { Graph } from '../graph/types.js';

export interface ExecTarget {
  /** The deployed, shape-inferred graph. */
  graph: Graph;
  /** The model file as given (real models); absent for zoo models (exported with seeded weights). */
  file?: string;
  /** Known values of control inputs (fed as they are; e.g. silero's sample rate). */
  values: Record<string, number[]>;
}

/** Resolves `file | zoo:NAME | pkg:NAME` the way `hetero plan` does (example shapes for pkg:). */
export function loadExecTarget(
  spec: string,
  inputs: InputShapeSpec[] = [],
  values: Record<string, number[]> = {},
): ExecTarget {
  const packaged = spec.startsWith('pkg:') ? packagedModel(spec.slice(4)) : undefined;
  const { graph } = loadModel(spec, { inputs, values, deploy: true, exampleInputs: true });
  if (graph.source === 'tfjs') {
    throw new HeteroError(spec, 'is a TF.js model: ONNX Runtime cannot run it (convert it to ONNX first)');
  }
  const known = { ...(packaged?.exampleValues ?? {}), ...values };
  if (spec.startsWith('zoo:')) return { graph, values: known };
  return { graph, values: known, file: packaged ? resolvePackagedModel(packaged.name) : spec };
}
