// One entry point from a user's model argument to a shape-inferred Graph: a file (ONNX or TF.js
// model.json, told apart by content), a zoo architecture (`zoo:NAME`) or a real model that an npm
// package ships (`pkg:NAME`).
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { HeteroError } from '../errors.js';
import { importOnnxFile } from '../formats/onnx/import.js';
import { importTfjsFile } from '../formats/tfjs/index.js';
import { inferShapes } from '../graph/shape-inference.js';
import type { Graph } from '../graph/types.js';
import { buildZoo } from '../zoo/index.js';
import { foldBatchNorm } from './fold-batchnorm.js';
import { fuseActivations } from './fuse-activations.js';
import { resolveInputSpecs, type InputShapeSpec } from './input-spec.js';
import { packagedModel, resolvePackagedModel } from './packaged-models.js';

export interface LoadedModel {
  graph: Graph;
  warnings: string[];
}

export interface LoadOptions {
  inputs?: InputShapeSpec[];
  /** Known values of small inputs (e.g. a sample rate) that decide control flow. */
  values?: Record<string, number[]>;
  /**
   * Apply the rewrites a deployment converter applies (deployGraph: BatchNorm folding, activation
   * fusion), so that
   * planning sees the graph a phone runtime would run. Off for `inspect`, which shows the file as is.
   */
  deploy?: boolean;
  /** For `pkg:` models: bind the inputs the user leaves out to the package's example shapes/values. */
  exampleInputs?: boolean;
}

export function loadModel(spec: string, opts: LoadOptions = {}): LoadedModel {
  const raw = readGraph(spec);
  const userInputs = raw.inputs.filter((name) => !raw.tensors.get(name)?.constant);
  // A packaged model may run at its example shapes (and control values) unless the user says otherwise.
  const example = opts.exampleInputs && spec.startsWith('pkg:') ? packagedModel(spec.slice(4)) : undefined;
  const inputShapes = { ...example?.exampleInputs, ...resolveInputSpecs(opts.inputs ?? [], userInputs) };
  const inputValues = { ...example?.exampleValues, ...opts.values };
  for (const name of Object.keys(inputValues)) {
    if (!userInputs.includes(name))
      throw new HeteroError('--value', `"${name}" is not an input of the model`);
  }
  const base = raw.source === 'zoo' ? withInputShapes(raw, inputShapes) : raw;
  const { graph, warnings } = inferShapes(base, {
    inputShapes: raw.source === 'zoo' ? {} : inputShapes,
    inputValues,
  });
  if (!opts.deploy) return { graph, warnings };
  return { graph: deployGraph(graph), warnings };
}

/** The graph a phone runtime would run: BatchNorm folded into convs, ReLU/ReLU6 fused into their producers. */
export function deployGraph(g: Graph): Graph {
  return fuseActivations(foldBatchNorm(g).graph).graph;
}

function readGraph(spec: string): Graph {
  if (spec.startsWith('zoo:')) return buildZoo(spec.slice(4));
  const path = spec.startsWith('pkg:') ? resolvePackagedModel(spec.slice(4)) : spec;
  return looksLikeJson(path) ? importTfjsFile(path) : importOnnxFile(path);
}

/** Zoo graphs have fixed input sizes; a user size replaces them before inference reruns. */
function withInputShapes(g: Graph, shapes: Record<string, number[]>): Graph {
  if (Object.keys(shapes).length === 0) return g;
  const tensors = new Map(g.tensors);
  for (const [name, dims] of Object.entries(shapes)) {
    const t = tensors.get(name);
    if (!t) continue;
    if (t.shape && t.shape.length !== dims.length) {
      throw new HeteroError('--input', `"${name}" has rank ${t.shape.length}, got ${dims.length} dims`);
    }
    tensors.set(name, { ...t, shape: dims });
  }
  return { ...g, tensors };
}

/** Sniffs the first bytes: TF.js graph models are JSON, ONNX files are protobuf. */
function looksLikeJson(path: string): boolean {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    throw new HeteroError(path, 'no such file');
  }
  if (stats.isDirectory())
    throw new HeteroError(path, 'is a directory: give an .onnx file or a TF.js model.json');
  const head = Buffer.alloc(64);
  const fd = openSync(path, 'r');
  try {
    const n = readSync(fd, head, 0, head.length, 0);
    const text = head.subarray(0, n).toString('latin1').trimStart();
    return text.startsWith('{');
  } finally {
    closeSync(fd);
  }
}
