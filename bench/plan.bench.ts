// Issue #4 targets: every heuristic strategy plans a 1,000-node graph in ≤ 50 ms; `adaptive` in
// ≤ 500 ms. Measured on sd8gen2 (five processors incl. an NPU) with the analytic cost model, on two
// synthetic 1,000-node graphs: a CNN that mixes the zoo's block shapes (residual, inception-style
// branches, inverted-residual depthwise blocks), so chains, branches and splittable ops all occur; and
// a plain residual network of 250 conv-relu-conv-add blocks.
import { createCostModel } from '../src/cost/index.js';
import { inferShapes } from '../src/graph/shape-inference.js';
import type { Graph } from '../src/graph/types.js';
import { getDevice } from '../src/hardware/catalog.js';
import { listStrategies } from '../src/plan/strategies/index.js';
import { GraphBuilder, type Sym } from '../src/zoo/index.js';
import type { BenchResult } from './import.bench.js';

const TARGET_NODES = 1000;
const HEURISTIC_TARGET_MS = 50;
const ADAPTIVE_TARGET_MS = 500;

/** A CNN of about `targetNodes` nodes built from residual, inception-style and depthwise blocks. */
export function benchGraph(targetNodes = TARGET_NODES): Graph {
  const b = new GraphBuilder(`bench-cnn-${targetNodes}`);
  let x: Sym = b.input('x', [1, 3, 224, 224]);
  x = b.relu(b.conv(x, { out: 32, kernel: 3, stride: 2 }));
  x = b.relu(b.conv(x, { out: 64, kernel: 3, stride: 2 }));
  let count = 4;
  let block = 0;
  const headNodes = 3;
  while (count < targetNodes - headNodes) {
    const kind = block % 3;
    if (kind === 0) {
      // Residual: conv-relu-conv-add-relu.
      const y = b.conv(b.relu(b.conv(x, { out: x.channels, kernel: 3 })), { out: x.channels, kernel: 3 });
      x = b.relu(b.add(x, y));
      count += 5;
    } else if (kind === 1) {
      // Inception-style: three branches, concatenated, reduced back.
      const c = x.channels;
      const a1 = b.relu(b.conv(x, { out: c / 2, kernel: 1 }));
      const a2 = b.relu(b.conv(b.relu(b.conv(x, { out: c / 2, kernel: 1 })), { out: c / 2, kernel: 3 }));
      const a3 = b.conv(b.maxPool(x, { kernel: 3, stride: 1, pad: 1 }), { out: c / 2, kernel: 1 });
      x = b.relu(b.conv(b.concat([a1, a2, a3]), { out: c, kernel: 1 }));
      count += 11;
    } else {
      // Inverted residual: expand, depthwise, project, add.
      const c = x.channels;
      const e = b.relu(b.conv(x, { out: c * 2, kernel: 1 }));
      const d = b.relu(b.conv(e, { out: c * 2, kernel: 3, group: c * 2 }));
      x = b.add(x, b.conv(d, { out: c, kernel: 1 }));
      count += 6;
    }
    block++;
    // Downsample twice along the way, as real backbones do.
    if (block === 30 || block === 90) {
      x = b.relu(b.conv(x, { out: x.channels * 2, kernel: 3, stride: 2 }));
      count += 2;
    }
  }
  x = b.gemm(b.flatten(b.globalAvgPool(x), x.channels), 1000);
  b.output(x);
  return inferShapes(b.build()).graph;
}

/**
 * A plain residual network of about `targetNodes` nodes: a stem, then blocks conv-relu-conv-add (250
 * blocks at 1,000 nodes), a deep chain of cut points where every block keeps a skip tensor live.
 */
export function residualGraph(targetNodes = TARGET_NODES): Graph {
  const b = new GraphBuilder(`bench-residual-${targetNodes}`);
  let x: Sym = b.input('x', [1, 3, 224, 224]);
  x = b.relu(b.conv(x, { out: 64, kernel: 3, stride: 4 }));
  let count = 2;
  const headNodes = 3;
  while (count + 4 <= targetNodes - headNodes) {
    const y = b.conv(b.relu(b.conv(x, { out: x.channels, kernel: 3 })), { out: x.channels, kernel: 3 });
    x = b.add(x, y);
    count += 4;
  }
  x = b.gemm(b.flatten(b.globalAvgPool(x), x.channels), 1000);
  b.output(x);
  return inferShapes(b.build()).graph;
}

function timeMs(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function benchPlan(): Promise<BenchResult[]> {
  const device = getDevice('sd8gen2');
  const results: BenchResult[] = [];
  // Two shapes of 1,000-node graph: the mixed CNN (branches, splittable ops, many node shapes) and a
  // deep plain residual chain (few node shapes, a skip tensor live across every block).
  for (const graph of [benchGraph(), residualGraph()]) {
    // Per-node op costs (FLOPs, bytes) are cached per graph by the cost module, as in `hetero plan`,
    // where the first strategy pays for them: warm them once so no strategy is charged for another's.
    const warm = createCostModel(device);
    for (const n of graph.nodes) for (const p of device.processors) warm.opLatencyMs(n, graph, p);

    for (const s of listStrategies()) {
      if (s.name === 'optimal') continue;
      const target = s.name === 'adaptive' ? ADAPTIVE_TARGET_MS : HEURISTIC_TARGET_MS;
      const runs = s.name === 'adaptive' ? 3 : 7;
      const times: number[] = [];
      let error: string | undefined;
      for (let i = 0; i < runs && error === undefined; i++) {
        // A fresh cost model per run: its per-processor compilation is part of planning.
        const cost = createCostModel(device);
        try {
          times.push(timeMs(() => s.plan(graph, device, cost, { objective: 'latency' })));
        } catch (e) {
          error = e instanceof Error ? e.message : String(e);
        }
      }
      if (error !== undefined) {
        results.push({ name: `plan ${s.name} on ${graph.name}`, ok: false, detail: `failed: ${error}` });
        continue;
      }
      const ms = median(times);
      // The issue sets targets for heuristics and adaptive; the bound runs in every `hetero plan`, so
      // it is held to the heuristics' target too.
      const kind = s.name === 'adaptive' ? 'ours' : s.name === 'bound' ? 'lower bound' : 'heuristic';
      results.push({
        name: `plan ${s.name} (${kind}) on ${graph.name} (${graph.nodes.length} nodes), ${device.id}`,
        ok: ms <= target,
        detail:
          `${ms.toFixed(1)} ms (median of ${runs}, first ${times[0].toFixed(1)} ms), ` +
          `${(ms / target).toFixed(2)}× of the ${target} ms target`,
      });
    }
  }
  return results;
}
