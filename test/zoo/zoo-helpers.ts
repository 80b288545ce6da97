// Shared by the zoo tests: published-figure checks (weight counts, a 3% tolerance), shape inference
// without warnings, and a real run of an exported weightless model on onnxruntime-node.
import * as ort from 'onnxruntime-node';
import { expect, it } from 'vitest';
import { graphCost } from '../../src/graph/cost.js';
import { exportOnnx } from '../../src/formats/onnx/export.js';
import { inferShapes } from '../../src/graph/shape-inference.js';
import type { Graph } from '../../src/graph/types.js';
import { numel } from '../../src/graph/types.js';

/** How far our MACs and parameter counts may be from a published figure. */
export const TOLERANCE = 0.03;

/**
 * Elements of the float weight tensors; small known-value constants (shapes, scalars) excluded, and
 * BatchNorm running mean/var unless the published count includes them (Keras-style counts do,
 * torchvision's do not).
 */
export function weightCount(g: Graph, opts: { bnRunningStats: boolean } = { bnRunningStats: false }): number {
  const stats = new Set<string>();
  for (const n of g.nodes) {
    if (n.op === 'BatchNormalization') for (const i of [3, 4]) stats.add(n.inputs[i] ?? '');
  }
  let total = 0;
  for (const t of g.tensors.values()) {
    if (!t.constant || t.dtype !== 'float32' || t.value !== undefined) continue;
    if (!opts.bnRunningStats && stats.has(t.name)) continue;
    total += numel(t.shape) ?? Number.NaN;
  }
  return total;
}

export function expectWithin(ours: number, published: number): void {
  expect(Math.abs(ours / published - 1), `ours ${ours} vs published ${published}`).toBeLessThanOrEqual(
    TOLERANCE,
  );
}

/**
 * The two checks against torchvision's published figures: MACs within TOLERANCE (its "GFLOPS" are
 * GMACs, rounded), and a parameter count that is exact, BN running-stat buffers aside, where every
 * learned tensor of its module is in the graph with its shape.
 */
export function itMatchesTorchvision(g: Graph, published: { macs: number; params: number }): void {
  it('matches torchvision’s published MACs within 3%', () => {
    expectWithin(graphCost(g).macs, published.macs);
  });
  it('matches torchvision’s published parameter count exactly, BN running stats aside', () => {
    expect(weightCount(g)).toBe(published.params);
  });
}

/** A tensor's inferred shape (undefined for an absent name or tensor). */
export function shapeOf(g: Graph, name: string | undefined): unknown {
  return name === undefined ? undefined : g.tensors.get(name)?.shape;
}

export function opCount(g: Graph, op: string): number {
  return g.nodes.filter((n) => n.op === op).length;
}

/** Shape inference that must not warn. */
export function inferred(g: Graph): Graph {
  const { graph, warnings } = inferShapes(g);
  expect(warnings).toEqual([]);
  return graph;
}

/** Token ids cycle below 7, segments alternate 0/1, the mask attends everywhere; images are a sine. */
function intFeed(name: string, i: number): bigint {
  if (name === 'attention_mask') return 1n;
  return BigInt(name === 'token_type_ids' ? i % 2 : i % 7);
}

export function feeds(g: Graph): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const name of g.inputs) {
    const t = g.tensors.get(name);
    const shape = (t?.shape ?? []) as number[];
    const n = numel(shape) ?? 0;
    out[name] =
      t?.dtype === 'int64'
        ? new ort.Tensor(
            'int64',
            BigInt64Array.from({ length: n }, (_, i) => intFeed(name, i)),
            shape,
          )
        : new ort.Tensor(
            'float32',
            Float32Array.from({ length: n }, (_, i) => Math.sin(i)),
            shape,
          );
  }
  return out;
}

/** Exports the graph with generated weights and runs it once: outputs of the inferred shapes, finite. */
export async function runExported(g: Graph): Promise<void> {
  const session = await ort.InferenceSession.create(exportOnnx(g));
  try {
    const results = await session.run(feeds(g));
    for (const name of g.outputs) {
      const result = results[name];
      expect(result?.dims, name).toEqual(g.tensors.get(name)?.shape);
      const data = result?.data as Float32Array;
      expect(
        data.every((v) => Number.isFinite(v)),
        `${name} finite`,
      ).toBe(true);
    }
  } finally {
    await session.release();
  }
}
