// Splitting a plan into ONNX sub-models: every partition loads in onnxruntime-node, split ops
// (Conv along OC and H with halos, grouped/depthwise convs, MatMul and Gemm along OC) compute the
// same numbers as the unsplit model, and nodes holding nested graphs stay whole.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { exportOnnx } from '../../src/formats/onnx/index.js';
import { inferShapes } from '../../src/graph/shape-inference.js';
import type { Graph } from '../../src/graph/types.js';
import type { SplitAxis } from '../../src/plan/types.js';
import { splitProblem } from '../../src/plan/split-rules.js';
import { materializeWeights } from '../../src/runtime/materialize.js';
import { partitionPlan } from '../../src/runtime/partition.js';
import { splitPlan } from '../../src/runtime/submodel.js';
import { makeFeeds } from '../../src/runtime/profile-inputs.js';
import { loadExecTarget } from '../../src/runtime/target.js';
import { GraphBuilder } from '../../src/zoo/builder.js';
import { maxAbs, planBy, runInProcess, testHost } from './exec-helpers.js';

const { device } = testHost();
const TWO = (a: number): { proc: string; fraction: number }[] => [
  { proc: 'cpu0', fraction: a },
  { proc: 'cpu1', fraction: 1 - a },
];

async function monolithic(
  graph: Graph,
  feeds: Record<string, ort.Tensor>,
): Promise<Record<string, ort.Tensor>> {
  const s = await ort.InferenceSession.create(exportOnnx(materializeWeights(graph)), {
    graphOptimizationLevel: 'disabled',
  });
  try {
    return await s.run(feeds);
  } finally {
    await s.release();
  }
}

/** Splits every node of `op` along `axis` (0.37 / 0.63), the rest alternating per node. */
async function checkSplit(graph: Graph, op: string, axis: SplitAxis): Promise<number> {
  let splits = 0;
  const plan = planBy(graph, device, (id, nodeOp, i) => {
    const node = graph.nodes[i];
    if (nodeOp === op && !splitProblem(node, graph, axis, 2)) {
      splits++;
      return { split: { axis, parts: TWO(0.37) } };
    }
    return { proc: i % 2 ? 'cpu1' : 'cpu0' };
  });
  expect(splits).toBeGreaterThan(0);
  const model = splitPlan(graph, plan);
  expect(model.graph.nodes.filter((n) => n.op === 'Concat' && n.id.endsWith('#concat'))).toHaveLength(splits);
  const feeds = makeFeeds(graph);
  const [want, got] = [await monolithic(graph, feeds), await runInProcess(model, feeds)];
  return Math.max(...graph.outputs.map((o) => maxAbs(want[o], got[o])));
}

function convNet(): Graph {
  const b = new GraphBuilder('convnet');
  let x = b.input('x', [1, 8, 23, 19], { channels: 8 });
  x = b.relu(b.conv(x, { out: 16, kernel: [3, 3], stride: [1, 1], pad: [1, 1], bias: true }));
  x = b.conv(x, { out: 16, kernel: [3, 3], stride: [2, 2], pad: [1, 1], group: 16 }); // depthwise
  x = b.conv(x, { out: 24, kernel: [5, 5], pad: [2, 2], dilation: [1, 1], bias: true });
  x = b.conv(x, { out: 24, kernel: [3, 3], stride: [2, 2], pad: [0, 0], group: 4 }); // grouped
  b.output(x);
  return inferShapes(b.build(), {}).graph;
}

function denseNet(): Graph {
  const b = new GraphBuilder('dense');
  const x = b.input('x', [4, 32], { channels: 32 });
  const h = b.linear(x, 48);
  b.output(b.gemm(h, 20));
  return inferShapes(b.build(), {}).graph;
}

describe('split ops', () => {
  it('Conv along OC (plain, depthwise, grouped) equals the whole conv', async () => {
    expect(await checkSplit(convNet(), 'Conv', 'OC')).toBeLessThan(1e-5);
  });

  it('Conv along H reads its halo rows and pads only at the real edges', async () => {
    expect(await checkSplit(convNet(), 'Conv', 'H')).toBeLessThan(1e-5);
  });

  it('Conv along W as well', async () => {
    expect(await checkSplit(convNet(), 'Conv', 'W')).toBeLessThan(1e-5);
  });

  it('MatMul and Gemm along OC', async () => {
    expect(await checkSplit(denseNet(), 'MatMul', 'OC')).toBeLessThan(1e-5);
    expect(await checkSplit(denseNet(), 'Gemm', 'OC')).toBeLessThan(1e-5);
  });

  it('an unsupported split is a one-line error, not a wrong model', () => {
    const g = convNet();
    const plan = planBy(g, device, (_id, _op, i) =>
      i === 0 ? { split: { axis: 'N', parts: TWO(0.5) } } : { proc: 'cpu0' },
    );
    expect(() => splitPlan(g, plan)).toThrow(/cannot cut 1 into 2 parts/);
  });
});

describe('sub-models of real models', () => {
  it('ppocr-rec cut into many partitions: each loads, together they compute the model', async () => {
    const target = loadExecTarget('pkg:ppocr-rec', [{ name: 'x', dims: [1, 3, 48, 160] }]);
    const plan = planBy(target.graph, device, (_id, op, i) =>
      op === 'Conv' && i % 5 === 0 && !splitProblem(target.graph.nodes[i], target.graph, 'OC', 2)
        ? { split: { axis: 'OC', parts: TWO(0.5) } }
        : { proc: Math.floor(i / 7) % 2 ? 'cpu1' : 'cpu0' },
    );
    const model = splitPlan(target.graph, plan);
    expect(model.partitions.length).toBeGreaterThan(20);
    expect(new Set(model.partitions.map((p) => p.proc))).toEqual(new Set(['cpu0', 'cpu1']));
    const feeds = makeFeeds(target.graph);
    const ref = await ort.InferenceSession.create(target.file ?? '', { graphOptimizationLevel: 'disabled' });
    const want = await ref.run(feeds);
    await ref.release();
    const got = await runInProcess(model, feeds);
    for (const o of target.graph.outputs) expect(maxAbs(want[o], got[o])).toBeLessThan(1e-4);
  });

  it('silero-vad: the If holding the whole network stays in one partition', () => {
    const target = loadExecTarget('pkg:silero-vad');
    const plan = planBy(target.graph, device, (_id, _op, i) => ({ proc: i % 2 ? 'cpu1' : 'cpu0' }));
    const model = splitPlan(target.graph, plan);
    const withIf = model.partitions.filter((p) =>
      p.nodes.some((id) => model.graph.nodes.find((n) => n.id === id)?.subgraphs),
    );
    expect(withIf).toHaveLength(1);
    expect(model.partitions.length).toBeGreaterThan(1);
  });
});

describe('cutting runs into partitions', () => {
  /** x → a → b on cpu0; c on cpu1 reads a (and b when `readsB`); d on cpu0 reads b and c. */
  function fork(readsB: boolean): string[][] {
    const g = new GraphBuilder('fork');
    const x = g.input('x', [1, 4], { channels: 4 });
    const a = g.relu(x);
    const b = g.sigmoid(a);
    const c = readsB ? g.add(a, b) : g.tanh(a);
    const d = g.add(b, c);
    g.output(d);
    const graph = inferShapes(g.build(), {}).graph;
    const procs = ['cpu0', 'cpu0', 'cpu1', 'cpu0'];
    const plan = planBy(graph, device, (_id, _op, i) => ({ proc: procs[i] }));
    return partitionPlan(graph, plan).partitions.map((p) => p.nodes);
  }

  it('cuts after a tensor another worker reads, so it can start at once', () => {
    const [a, b, c, d] = fork(false).flat();
    expect(fork(false)).toEqual([[a], [b], [c], [d]]);
  });

  it('keeps the next node in the run when that reader needs it anyway', () => {
    const [a, b, c, d] = fork(true).flat();
    expect(fork(true)).toEqual([[a, b], [c], [d]]);
  });

  it('cuts before a node that would make the run wait for another worker', () => {
    const g = new GraphBuilder('wait');
    const x = g.input('x', [1, 8], { channels: 8 });
    const slow = g.tanh(g.tanh(x));
    const b = g.sigmoid(x);
    const a = g.softmax(slow);
    g.output(a, b);
    const graph = inferShapes(g.build(), {}).graph;
    const ids = graph.nodes.map((n) => n.id);
    const plan = planBy(graph, device, (_id, op) => ({ proc: op === 'Tanh' ? 'cpu1' : 'cpu0' }));
    plan.order = ids;
    const parts = partitionPlan(graph, plan).partitions.map((p) => p.nodes);
    // sigmoid needs nothing from cpu1; softmax does: one run would hold sigmoid back until cpu1 is done.
    expect(parts).toEqual([[ids[0], ids[1]], [ids[2]], [ids[3]]]);
  });
});
