// Full sweep: adaptive against every family it considers (and optimal on small subgraphs), for every
// zoo and packaged real model on every catalog device. Prints one line per pair and a summary.
// Run: npx tsx scripts/check-adaptive.ts [model ...]
import { createCostModel } from '../src/cost/index.js';
import { parseInputSpec } from '../src/frontend/input-spec.js';
import { loadModel, type LoadOptions } from '../src/frontend/load.js';
import { extractSubgraph, topologicalOrder } from '../src/graph/dag.js';
import { inferShapes } from '../src/graph/shape-inference.js';
import type { Graph, Node, TensorInfo } from '../src/graph/types.js';
import { listDevices } from '../src/hardware/catalog.js';
import { evaluatePlan } from '../src/plan/evaluate.js';
import { adaptive, ADAPTIVE_FAMILIES } from '../src/plan/strategies/adaptive.js';
import { lowerBoundMs } from '../src/plan/strategies/bound.js';
import { searchOptimal } from '../src/plan/strategies/optimal.js';

const MODELS: [string, LoadOptions?][] = [
  ['zoo:vgg16'],
  ['zoo:resnet50'],
  ['zoo:mobilenetv2'],
  ['zoo:inceptionv3'],
  ['zoo:yolov2'],
  ['zoo:posenet'],
  ['zoo:retinaface'],
  ['zoo:fast-style-transfer'],
  ['zoo:bert-base'],
  ['zoo:vit-b16'],
  ['zoo:mobilenetv3-large'],
  ['pkg:ppocr-det', { inputs: [parseInputSpec('x=1x3x640x640')] }],
  ['pkg:ppocr-rec', { inputs: [parseInputSpec('x=1x3x48x320')] }],
  ['pkg:ppocr-cls', { inputs: [parseInputSpec('x=1x3x48x192')] }],
  [
    'pkg:silero-vad',
    {
      inputs: [parseInputSpec('input=1x512'), parseInputSpec('state=2x1x128')],
      values: { sr: [16000] },
    },
  ],
];

const only = process.argv.slice(2);
let worst = 0;
let pairs = 0;
let failures = 0;
let optimalGapMax = 0;
const devices = listDevices();
for (const [name, loadOptions] of MODELS) {
  if (only.length > 0 && !only.includes(name)) continue;
  let graph: Graph;
  try {
    graph = loadModel(name, loadOptions ?? {}).graph;
  } catch (e) {
    console.log(`${name}: cannot load: ${(e as Error).message}`);
    continue;
  }
  for (const device of devices) {
    const cost = createCostModel(device);
    const t0 = performance.now();
    const plan = adaptive.plan(graph, device, cost, {});
    const ms = performance.now() - t0;
    const a = evaluatePlan(plan, graph, device, cost).latencyMs;
    const others: string[] = [];
    let bestOther = Infinity;
    let bestName = '';
    for (const s of ADAPTIVE_FAMILIES) {
      try {
        const v = evaluatePlan(s.plan(graph, device, cost, {}), graph, device, cost).latencyMs;
        if (v < bestOther) [bestOther, bestName] = [v, s.name];
        if (v < a * (1 - 1e-9)) {
          others.push(`${s.name} ${v.toFixed(3)} < adaptive!`);
          failures++;
        }
      } catch {
        // families that cannot plan this pair are not candidates either
      }
    }
    const lb = lowerBoundMs(graph, device, cost);
    pairs++;
    worst = Math.max(worst, a / bestOther);
    // Optimal on the first 12 ops (a small subgraph), adaptive on the same.
    const ids = topologicalOrder(graph)
      .slice(0, 12)
      .map((i) => graph.nodes[i].id);
    const sub = extractSubgraph(graph, ids, `${graph.name}[:12]`);
    let optNote: string;
    try {
      const opt = searchOptimal(sub, device, cost, {}, { maxExpansions: 100_000 });
      const ad = evaluatePlan(adaptive.plan(sub, device, cost, {}), sub, device, cost).latencyMs;
      const gap = ad / opt.value - 1;
      optimalGapMax = Math.max(optimalGapMax, gap);
      optNote = ` | sub12 optimal ${opt.value.toFixed(3)}${opt.proven ? '' : '?'} adaptive ${ad.toFixed(3)} (${(gap * 100).toFixed(1)}%)`;
    } catch (e) {
      optNote = ` | sub12: ${(e as Error).message}`;
    }
    console.log(
      `${name.padEnd(26)} ${device.id.padEnd(14)} adaptive ${a.toFixed(3).padStart(9)} ms  best family ${bestName} ${bestOther.toFixed(3)}  bound ${lb.toFixed(3)}  plan ${ms.toFixed(0)} ms${optNote} ${others.join(' ')}`,
    );
  }
}
console.log(
  `pairs ${pairs}, adaptive worse than a family: ${failures}, worst adaptive/best-family ${worst.toFixed(4)}, worst gap to optimal on 12-op subgraphs ${(optimalGapMax * 100).toFixed(2)}%`,
);

// Planning time on a 1,000-node graph: 250 residual blocks (Conv, Relu, Conv, Add).
{
  const C = 32;
  const tensors = new Map<string, TensorInfo>([
    ['x', { name: 'x', shape: [1, C, 56, 56], dtype: 'float32', constant: false }],
  ]);
  const nodes: Node[] = [];
  let prev = 'x';
  for (let b = 0; b < 250; b++) {
    for (const w of [`w${b}a`, `w${b}b`])
      tensors.set(w, { name: w, shape: [C, C, 3, 3], dtype: 'float32', constant: true });
    const pads = [1, 1, 1, 1];
    nodes.push({ id: `c${b}a`, op: 'Conv', inputs: [prev, `w${b}a`], outputs: [`t${b}a`], attrs: { pads } });
    nodes.push({ id: `r${b}`, op: 'Relu', inputs: [`t${b}a`], outputs: [`t${b}r`], attrs: {} });
    nodes.push({
      id: `c${b}b`,
      op: 'Conv',
      inputs: [`t${b}r`, `w${b}b`],
      outputs: [`t${b}b`],
      attrs: { pads },
    });
    nodes.push({ id: `a${b}`, op: 'Add', inputs: [prev, `t${b}b`], outputs: [`t${b}`], attrs: {} });
    prev = `t${b}`;
  }
  const graph = inferShapes({
    name: 'residual-1000',
    nodes,
    tensors,
    inputs: ['x'],
    outputs: [prev],
    opsets: { '': 17 },
  }).graph;
  for (const device of devices.slice(0, 3)) {
    const cost = createCostModel(device);
    adaptive.plan(graph, device, cost, {}); // warm-up
    const t0 = performance.now();
    const plan = adaptive.plan(graph, device, cost, {});
    const ms = performance.now() - t0;
    console.log(
      `1,000-node graph on ${device.id}: adaptive planned in ${ms.toFixed(0)} ms (${evaluatePlan(plan, graph, device, cost).latencyMs.toFixed(2)} ms predicted)`,
    );
  }
}
