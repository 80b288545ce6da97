// Seeded random DAGs and random valid placements for the bound / optimal / adaptive tests.
import type { CostModel } from '../../src/cost/types.js';
import { inferShapes } from '../../src/graph/shape-inference.js';
import type { Graph, Node, TensorInfo } from '../../src/graph/types.js';
import type { Processor } from '../../src/hardware/schema.js';
import { splitProblem } from '../../src/plan/split-rules.js';
import type { Placement, SplitAxis } from '../../src/plan/types.js';
import { mulberry32 } from '../../src/random.js';
import type { Device } from '../../src/hardware/schema.js';
import { evaluatePlan } from '../../src/plan/evaluate.js';
import { ADAPTIVE_FAMILIES } from '../../src/plan/strategies/adaptive.js';

/** A seeded random DAG of same-shaped activations: convs, activations, pools and adds. */
export function randomDag(seed: number, size: number): Graph {
  const rand = mulberry32(seed);
  const C = 8 + Math.floor(rand() * 3) * 8;
  const HW = 16 + Math.floor(rand() * 3) * 16;
  const tensors = new Map<string, TensorInfo>([
    ['x', { name: 'x', shape: [1, C, HW, HW], dtype: 'float32', constant: false }],
  ]);
  const nodes: Node[] = [];
  const available = ['x'];
  for (let k = 0; k < size; k++) {
    const pick = (): string => available[Math.floor(rand() * available.length)];
    const out = `t${k}`;
    const r = rand();
    if (r < 0.4) {
      const w = `w${k}`;
      tensors.set(w, { name: w, shape: [C, C, 3, 3], dtype: 'float32', constant: true });
      nodes.push({
        id: `conv${k}`,
        op: 'Conv',
        inputs: [pick(), w],
        outputs: [out],
        attrs: { pads: [1, 1, 1, 1] },
      });
    } else if (r < 0.6 && available.length > 1) {
      nodes.push({ id: `add${k}`, op: 'Add', inputs: [pick(), pick()], outputs: [out], attrs: {} });
    } else if (r < 0.7) {
      nodes.push({
        id: `pool${k}`,
        op: 'MaxPool',
        inputs: [pick()],
        outputs: [out],
        attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] },
      });
    } else {
      nodes.push({
        id: `act${k}`,
        op: rand() < 0.5 ? 'Relu' : 'Sigmoid',
        inputs: [pick()],
        outputs: [out],
        attrs: {},
      });
    }
    available.push(out);
  }
  // Outputs: every tensor nobody reads.
  const read = new Set(nodes.flatMap((n) => n.inputs));
  const outputs = nodes.flatMap((n) => n.outputs).filter((t) => !read.has(t));
  return inferShapes({ name: `random-${seed}`, nodes, tensors, inputs: ['x'], outputs, opsets: { '': 17 } })
    .graph;
}

/** A random valid plan: each node on a random processor that can run it, or split two ways. */
export function randomPlacements(
  graph: Graph,
  procs: Processor[],
  cost: CostModel,
  seed: number,
): Record<string, Placement> {
  const rand = mulberry32(seed);
  const placements: Record<string, Placement> = {};
  for (const node of graph.nodes) {
    const ok = procs.filter((p) => Number.isFinite(cost.opLatencyMs(node, graph, p)));
    const axes = (['OC', 'H', 'C', 'W'] as SplitAxis[]).filter(
      (a) => splitProblem(node, graph, a, 2) === undefined,
    );
    if (ok.length >= 2 && axes.length > 0 && rand() < 0.4) {
      const [a, b] = [...ok].sort(() => rand() - 0.5);
      const f = 0.1 + 0.8 * rand();
      placements[node.id] = {
        split: {
          axis: axes[Math.floor(rand() * axes.length)],
          parts: [
            { proc: a.id, fraction: f },
            { proc: b.id, fraction: 1 - f },
          ],
        },
      };
    } else {
      placements[node.id] = { proc: ok[Math.floor(rand() * ok.length)].id };
    }
  }
  return placements;
}

/** evaluatePlan latency of every adaptive family's plan for `graph` (families that refuse it are skipped). */
export function familyLatenciesMs(
  graph: Graph,
  device: Device,
  cost: CostModel,
): { name: string; ms: number }[] {
  const out: { name: string; ms: number }[] = [];
  for (const s of ADAPTIVE_FAMILIES) {
    let plan;
    try {
      plan = s.plan(graph, device, cost);
    } catch {
      continue;
    }
    out.push({ name: s.name, ms: evaluatePlan(plan, graph, device, cost).latencyMs });
  }
  return out;
}
