// validatePlan: a plan is checked against its graph and device before anything evaluates, simulates
// or executes it. Every problem is a user error naming the plan and the node.
import type { CostModel } from '../cost/types.js';
import { HeteroError } from '../errors.js';
import { dependencies } from '../graph/dag.js';
import type { DType, Graph, Node } from '../graph/types.js';
import type { Device, Processor } from '../hardware/schema.js';
import { supportsOp } from '../hardware/op-support.js';
import { fingerprintOf } from './make-plan.js';
import { splitProblem } from './split-rules.js';
import type { Placement, Plan, SplitPart } from './types.js';

const FRACTION_TOLERANCE = 1e-6;

/** Processors a placement uses, with the share of the node each computes. */
export function placementParts(p: Placement): SplitPart[] {
  if ('split' in p) return p.split.parts;
  return p.computeDType
    ? [{ proc: p.proc, fraction: 1, computeDType: p.computeDType }]
    : [{ proc: p.proc, fraction: 1 }];
}

function checkRunnable(
  node: Node,
  graph: Graph,
  proc: Processor,
  cost: CostModel,
  where: string,
  computeDType?: DType,
): void {
  const ctx = computeDType ? { computeDType } : undefined;
  if (Number.isFinite(cost.opLatencyMs(node, graph, proc, ctx))) return;
  const dtype = computeDType ?? graph.tensors.get(node.outputs[0])?.dtype ?? 'float32';
  const answer = supportsOp(proc, node.op, dtype);
  const reason = answer.reason ?? `the cost model cannot run ${node.op} there`;
  throw new HeteroError(
    where,
    `node ${node.id} (${node.op}) is placed on ${proc.id}, which cannot run it: ${reason}`,
  );
}

/** Throws a HeteroError naming `where` (the plan file or strategy) on the first problem found. */
export function validatePlan(
  plan: Plan,
  graph: Graph,
  device: Device,
  cost: CostModel,
  where = 'plan',
): void {
  if (plan.device !== device.id)
    throw new HeteroError(where, `plan is for device ${plan.device}, not ${device.id}`);
  if (plan.fingerprint !== fingerprintOf(graph)) {
    throw new HeteroError(
      where,
      `plan is for another model (${plan.model}) or other input shapes than ${graph.name}`,
    );
  }
  const procs = new Map(device.processors.map((p) => [p.id, p]));
  const ids = new Set(graph.nodes.map((n) => n.id));
  for (const id of Object.keys(plan.placements)) {
    if (!ids.has(id))
      throw new HeteroError(where, `placement for node "${id}", which the model does not have`);
  }
  for (const node of graph.nodes) {
    const placement = plan.placements[node.id];
    if (!placement) throw new HeteroError(where, `node ${node.id} has no placement`);
    const parts = placementParts(placement);
    for (const part of parts) {
      const proc = procs.get(part.proc);
      if (!proc)
        throw new HeteroError(where, `node ${node.id}: unknown processor "${part.proc}" on ${device.id}`);
      checkRunnable(node, graph, proc, cost, where, part.computeDType);
    }
    if ('split' in placement) checkSplit(node, graph, placement.split, where);
  }
  checkOrder(plan, graph, where);
}

function checkSplit(
  node: Node,
  graph: Graph,
  split: { axis: string; parts: { proc: string; fraction: number }[] },
  where: string,
): void {
  const { parts } = split;
  if (parts.length < 2) throw new HeteroError(where, `node ${node.id}: a split needs at least two parts`);
  if (new Set(parts.map((p) => p.proc)).size !== parts.length) {
    throw new HeteroError(where, `node ${node.id}: a split uses a processor twice`);
  }
  for (const p of parts) {
    if (!(p.fraction > 0 && p.fraction <= 1)) {
      throw new HeteroError(where, `node ${node.id}: fraction ${p.fraction} on ${p.proc} is not in (0, 1]`);
    }
  }
  const sum = parts.reduce((s, p) => s + p.fraction, 0);
  if (Math.abs(sum - 1) > FRACTION_TOLERANCE) {
    throw new HeteroError(where, `node ${node.id}: split fractions sum to ${sum}, not 1`);
  }
  const axis = split.axis;
  if (axis !== 'N' && axis !== 'H' && axis !== 'W' && axis !== 'C' && axis !== 'OC') {
    throw new HeteroError(where, `node ${node.id}: unknown split axis "${axis}" (N, H, W, C or OC)`);
  }
  const problem = splitProblem(node, graph, axis, parts.length);
  if (problem) throw new HeteroError(where, `node ${node.id}: ${problem}`);
}

/** The issue order (and pipeline stages) must respect every data dependency. */
function checkOrder(plan: Plan, graph: Graph, where: string): void {
  const deps = dependencies(graph);
  const index = new Map(graph.nodes.map((n, i) => [n.id, i]));
  if (plan.order) {
    if (plan.order.length !== graph.nodes.length || new Set(plan.order).size !== graph.nodes.length) {
      throw new HeteroError(
        where,
        `order must list every node exactly once (${plan.order.length} of ${graph.nodes.length})`,
      );
    }
    const position = new Map<number, number>();
    plan.order.forEach((id, k) => {
      const i = index.get(id);
      if (i === undefined) throw new HeteroError(where, `order names unknown node "${id}"`);
      position.set(i, k);
    });
    deps.preds.forEach((preds, i) => {
      for (const p of preds) {
        if ((position.get(p) ?? 0) > (position.get(i) ?? 0)) {
          throw new HeteroError(
            where,
            `order runs ${graph.nodes[i].id} before its input's producer ${graph.nodes[p].id}`,
          );
        }
      }
    });
  }
  if (plan.stages) {
    const stageOf = new Map<number, number>();
    plan.stages.forEach((stage, s) =>
      stage.forEach((id) => {
        const i = index.get(id);
        if (i === undefined) throw new HeteroError(where, `stage ${s} names unknown node "${id}"`);
        if (stageOf.has(i)) throw new HeteroError(where, `node ${id} is in two stages`);
        stageOf.set(i, s);
      }),
    );
    if (stageOf.size !== graph.nodes.length) throw new HeteroError(where, `stages must cover every node`);
    deps.preds.forEach((preds, i) => {
      for (const p of preds) {
        if ((stageOf.get(p) ?? 0) > (stageOf.get(i) ?? 0)) {
          throw new HeteroError(
            where,
            `stage of ${graph.nodes[i].id} comes before its producer ${graph.nodes[p].id}'s`,
          );
        }
      }
    });
  }
}
