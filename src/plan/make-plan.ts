// Small helpers every strategy needs: a Plan with its bookkeeping filled in, and who can run what.
import { HeteroError } from '../errors.js';
import type { CostModel } from '../cost/types.js';
import { graphFingerprint } from '../graph/fingerprint.js';
import type { Graph, Node } from '../graph/types.js';
import type { Device, Processor } from '../hardware/schema.js';
import type { Objective, Placement, Plan, PlanOptions } from './types.js';

// Fingerprints per graph (graphs are immutable): strategies make several plans of one graph.
const fingerprints = new WeakMap<Graph, string>();

/** graphFingerprint(graph), computed once per graph object. */
export function fingerprintOf(graph: Graph): string {
  let f = fingerprints.get(graph);
  if (f === undefined) fingerprints.set(graph, (f = graphFingerprint(graph)));
  return f;
}

export function makePlan(
  graph: Graph,
  device: Pick<Device, 'id'>,
  strategy: string,
  placements: Record<string, Placement>,
  extra: Partial<Omit<Plan, 'model' | 'fingerprint' | 'device' | 'strategy' | 'placements'>> = {},
): Plan {
  const objective: Objective = extra.objective ?? 'latency';
  return {
    model: graph.name,
    fingerprint: fingerprintOf(graph),
    device: device.id,
    strategy,
    objective,
    placements,
    notes: [],
    ...extra,
  };
}

/** Processors a strategy may use: `opts.processors` when given, else all the device has. */
/**
 * The processors a strategy may use: those `opts.processors` names, else all the device has — but a
 * processor split into parts (the host's `cpu` and its per-core workers) by default offers its parts,
 * which can run branches at once; asking for a whole and one of its parts together is an error.
 */
export function usableProcessors(device: Device, opts: PlanOptions = {}): Processor[] {
  if (!opts.processors) {
    return device.processors.filter((p) => !device.processors.some((q) => q.partOf === p.id));
  }
  const chosen = device.processors.filter((p) => opts.processors?.includes(p.id));
  const clash = chosen.find((p) => p.partOf !== undefined && chosen.some((q) => q.id === p.partOf));
  if (clash) {
    throw new HeteroError(
      'processors',
      `${clash.partOf} and ${clash.id} share cores (${clash.id} is part of ${clash.partOf}): use the whole or its parts`,
    );
  }
  return chosen;
}

/**
 * The disjoint processor sets a plan may use on `device`: one set (all its processors) for a phone;
 * for a device with a processor split into parts, the default set (the parts) and the set with each
 * whole in place of its parts.
 */
export function processorViews(device: Device): string[][] {
  const parts = usableProcessors(device).map((p) => p.id);
  if (!device.processors.some((p) => p.partOf !== undefined)) return [parts];
  const wholes = device.processors.filter((p) => p.partOf === undefined).map((p) => p.id);
  return [parts, wholes];
}

/** Whether the cost model can run `node` on `proc` at all (unsupported ops cost Infinity). */
export function canRun(node: Node, graph: Graph, proc: Processor, cost: CostModel): boolean {
  return Number.isFinite(cost.opLatencyMs(node, graph, proc));
}
