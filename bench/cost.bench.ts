// Issue #3 target: predicting one op takes ≤ 5 µs on average (planners call it millions of times).
// Measures opLatencyMs over every node of several zoo models × every processor of sd8gen2 × a few
// run contexts, ≥ 1e6 calls, after one warm-up pass (which also fills the per-node cost cache).
import type { Graph, Node } from '../src/graph/types.js';
import { createCostModel } from '../src/cost/model.js';
import type { RunContext } from '../src/cost/types.js';
import { getDevice } from '../src/hardware/catalog.js';
import { buildZoo } from '../src/zoo/index.js';

const TARGET_US = 5;
const MIN_CALLS = 1_000_000;
const MODELS = ['mobilenetv2', 'resnet50', 'inceptionv3', 'yolov2', 'bert-base', 'vit-b16'];

export async function benchCost(): Promise<{ name: string; ok: boolean; detail: string }> {
  const device = getDevice('sd8gen2');
  const model = createCostModel(device);
  const work: [Node, Graph][] = [];
  for (const name of MODELS) {
    const g = buildZoo(name);
    for (const n of g.nodes) work.push([n, g]);
  }
  const contexts: (RunContext | undefined)[] = [
    undefined,
    { freqShare: 0.6 },
    { concurrentBandwidthGBps: 20, threads: 2 },
  ];
  const procs = device.processors;
  const perPass = work.length * procs.length * contexts.length;
  let sink = 0;
  const pass = (): void => {
    for (const ctx of contexts) {
      for (const p of procs) {
        for (const [n, g] of work) {
          const ms = model.opLatencyMs(n, g, p, ctx);
          if (ms !== Infinity) sink += ms;
        }
      }
    }
  };
  const coldStart = process.hrtime.bigint();
  pass(); // warm-up: nodeCost per node, compiled processors, op-support answers
  const coldMs = Number(process.hrtime.bigint() - coldStart) / 1e6;
  const passes = Math.ceil(MIN_CALLS / perPass);
  const start = process.hrtime.bigint();
  for (let i = 0; i < passes; i++) pass();
  const elapsedNs = Number(process.hrtime.bigint() - start);
  const calls = passes * perPass;
  const usPerCall = elapsedNs / 1000 / calls;
  return {
    name: 'cost: opLatencyMs per call',
    ok: usPerCall <= TARGET_US && Number.isFinite(sink),
    detail:
      `${usPerCall.toFixed(3)} µs/call over ${calls.toLocaleString('en-US')} calls ` +
      `(${work.length} nodes of ${MODELS.length} zoo models × ${procs.length} sd8gen2 processors × ` +
      `${contexts.length} contexts; first cold pass ${coldMs.toFixed(0)} ms); target ≤ ${TARGET_US} µs`,
  };
}
