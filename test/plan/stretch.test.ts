import { describe, expect, it } from 'vitest';
import { createCostModel } from '../../src/cost/index.js';
import { loadModel } from '../../src/frontend/load.js';
import { graphFingerprint } from '../../src/graph/fingerprint.js';
import type { Graph } from '../../src/graph/types.js';
import { getDevice } from '../../src/hardware/catalog.js';
import { evaluatePlan } from '../../src/plan/evaluate.js';
import {
  branchWidths,
  stretch,
  STRETCH_BRANCH_PREFIX,
  STRETCH_MERGE_ID,
} from '../../src/plan/strategies/stretch.js';
import { validatePlan } from '../../src/plan/validate.js';

const sd865 = getDevice('sd865');
const cost = createCostModel(sd865);

function shapeOf(g: Graph, name: string): unknown {
  return g.tensors.get(name)?.shape;
}

describe('branchWidths', () => {
  it('divides channels by share, each branch at least one, summing to the total', () => {
    expect(branchWidths(64, [0.75, 0.25])).toEqual([48, 16]);
    expect(branchWidths(10, [0.5, 0.3, 0.2])).toEqual([5, 3, 2]);
    expect(branchWidths(3, [0.98, 0.01, 0.01])).toEqual([1, 1, 1]);
    const w = branchWidths(37, [0.41, 0.33, 0.26]);
    expect(w.reduce((a, b) => a + b, 0)).toBe(37);
  });
});

describe('stretch', () => {
  it.each(['zoo:vgg16', 'zoo:mobilenetv2', 'zoo:yolov2'])(
    '%s: rewrites the frontend into branches with the original output shape',
    (model) => {
      const { graph } = loadModel(model);
      const g2 = stretch.rewrite?.(graph, sd865, cost);
      if (!g2) throw new Error('stretch has no rewrite');
      expect(g2).not.toBe(graph);
      // Same outputs, same shapes; the tail (everything after the merge) is untouched.
      expect(g2.outputs).toEqual(graph.outputs);
      for (const o of graph.outputs) expect(shapeOf(g2, o)).toEqual(shapeOf(graph, o));
      const merge = g2.nodes.find((n) => n.id === STRETCH_MERGE_ID);
      expect(merge?.op).toBe('Concat');
      const merged = merge?.outputs[0] ?? '';
      expect(shapeOf(g2, merged)).toEqual(shapeOf(graph, merged));
      const widths = (merge?.inputs ?? []).map((name) => g2.tensors.get(name)?.shape?.[1] as number);
      expect(widths.length).toBeGreaterThanOrEqual(2);
      expect(widths.reduce((a, b) => a + b, 0)).toBe(graph.tensors.get(merged)?.shape?.[1]);
      const branchIds = g2.nodes.filter((n) => n.id.startsWith(STRETCH_BRANCH_PREFIX));
      const kept = g2.nodes.filter(
        (n) => !n.id.startsWith(STRETCH_BRANCH_PREFIX) && n.id !== STRETCH_MERGE_ID,
      );
      const original = new Map(graph.nodes.map((n) => [n.id, n]));
      for (const n of kept) expect(n).toEqual(original.get(n.id));
      expect(branchIds.length).toBe(widths.length * (graph.nodes.length - kept.length));
      // Every tensor has a known shape; new weights are weightless constants.
      for (const n of g2.nodes) {
        for (const name of [...n.inputs, ...n.outputs]) {
          if (name === '') continue;
          const t = g2.tensors.get(name);
          expect(t?.shape, name).not.toBeNull();
          if (name.startsWith(STRETCH_BRANCH_PREFIX) && t?.constant) expect(t.data).toBeUndefined();
        }
      }
    },
  );

  it('branch convolutions read the full input and split the output channels', () => {
    const { graph } = loadModel('zoo:vgg16');
    const g2 = stretch.rewrite?.(graph, sd865, cost) ?? graph;
    const firsts = g2.nodes.filter(
      (n) => n.id.startsWith(STRETCH_BRANCH_PREFIX) && n.id.endsWith('/features/conv'),
    );
    expect(firsts.length).toBeGreaterThanOrEqual(2);
    const outChannels = firsts.map((n) => {
      expect(n.inputs[0]).toBe(graph.inputs[0]);
      const w = g2.tensors.get(n.inputs[1]);
      expect(w?.shape?.[1]).toBe(3);
      return w?.shape?.[0] as number;
    });
    expect(outChannels.reduce((a, b) => a + b, 0)).toBe(64);
  });

  it('plans the rewritten graph: valid, flagged as changing the model, each branch on its processor', () => {
    const { graph } = loadModel('zoo:vgg16');
    const g2 = stretch.rewrite?.(graph, sd865, cost) ?? graph;
    const plan = stretch.plan(g2, sd865, cost);
    validatePlan(plan, g2, sd865, cost, 'stretch');
    expect(plan.changesModel).toBe(true);
    expect(plan.notes.join(' ')).toMatch(/retrain/);
    expect(plan.notes.join(' ')).toMatch(/re-validated/);
    const branchProcs = new Set(
      g2.nodes
        .filter((n) => n.id.startsWith(STRETCH_BRANCH_PREFIX))
        .map((n) => {
          const p = plan.placements[n.id];
          return 'proc' in p ? p.proc : '';
        }),
    );
    expect(branchProcs.size).toBeGreaterThanOrEqual(2);
    // The plan does not apply to the original model.
    expect(() => validatePlan(plan, graph, sd865, cost)).toThrow(/another model/);
    // plan() on the original graph plans its rewrite.
    const direct = stretch.plan(graph, sd865, cost);
    expect(direct.fingerprint).toBe(graphFingerprint(g2));
    expect(direct.changesModel).toBe(true);
    // Under this cost model, VGG-16's branched frontend beats its best single processor (dsp).
    const single = Object.fromEntries(graph.nodes.map((n) => [n.id, { proc: 'dsp' }]));
    const singleMs = evaluatePlan(
      { ...plan, fingerprint: graphFingerprint(graph), placements: single, order: undefined },
      graph,
      sd865,
      cost,
    ).latencyMs;
    expect(evaluatePlan(plan, g2, sd865, cost).latencyMs).toBeLessThan(singleMs);
  });

  it('leaves a model with no convolutional frontend unchanged and says so', () => {
    const { graph } = loadModel('zoo:bert-base');
    expect(stretch.rewrite?.(graph, sd865, cost)).toBe(graph);
    const plan = stretch.plan(graph, sd865, cost);
    validatePlan(plan, graph, sd865, cost);
    expect(plan.changesModel).toBe(false);
    expect(plan.notes[0]).toMatch(/unchanged/);
  });

  it('needs two processors able to run the frontend', () => {
    const { graph } = loadModel('zoo:vgg16');
    expect(stretch.rewrite?.(graph, sd865, cost, { processors: ['gpu'] })).toBe(graph);
  });
});
