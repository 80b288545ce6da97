// The Node executor: real models run as two-worker plans (branch-parallel heft, split convs,
// hand-made alternations) and equal the monolithic ONNX Runtime run within 1e-4; partitions on
// different workers overlap in the measured trace; bad plans fail in one line; no worker outlives
// its run, also after errors.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isHeteroError } from '../../src/errors.js';
import { exportOnnx } from '../../src/formats/onnx/index.js';
import { splitProblem } from '../../src/plan/split-rules.js';
import { getStrategy } from '../../src/plan/strategies/index.js';
import { executePlan, threadsFor } from '../../src/runtime/execute.js';
import { NodeExecutor } from '../../src/runtime/node-executor.js';
import { splitPlan } from '../../src/runtime/submodel.js';
import { toWire } from '../../src/runtime/wire.js';
import * as ort from 'onnxruntime-node';
import { liveWorkerCount } from '../../src/runtime/node-workers.js';
import { measureExecutorRequest, measureWorkerBoundary } from '../../src/runtime/profile-executor.js';
import { loadExecTarget, type ExecTarget } from '../../src/runtime/target.js';
import { GraphBuilder } from '../../src/zoo/builder.js';
import { inferShapes } from '../../src/graph/shape-inference.js';
import { planBy, testHost } from './exec-helpers.js';

const { device, cost } = testHost();
const WORKERS = { processors: ['cpu0', 'cpu1'] };
const OPTS = { runs: 2, warmup: 1 };

/** Real models at modest sizes (the executor cuts the deployed graph plans are made on). */
const REAL: [string, ExecTarget][] = [
  ['pkg:ppocr-det', loadExecTarget('pkg:ppocr-det', [{ name: 'x', dims: [1, 3, 256, 256] }])],
  ['pkg:ppocr-rec', loadExecTarget('pkg:ppocr-rec', [{ name: 'x', dims: [1, 3, 48, 160] }])],
  ['pkg:ppocr-cls', loadExecTarget('pkg:ppocr-cls')],
  ['pkg:silero-vad', loadExecTarget('pkg:silero-vad')],
];

async function expectOneLineError(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isHeteroError(e)).toBe(true);
  const message = (e as Error).message;
  expect(message).toMatch(pattern);
  expect(message.includes('\n')).toBe(false);
}

describe('executePlan on onnxruntime-node worker threads', () => {
  it.each(REAL)('%s: a two-worker plan equals the monolithic run', async (_name, target) => {
    // Alternate blocks of nodes so every model really crosses workers.
    const plan = planBy(target.graph, device, (_id, _op, i) => ({
      proc: Math.floor(i / 9) % 2 ? 'cpu1' : 'cpu0',
    }));
    const r = await executePlan(target, plan, device, OPTS);
    expect(r.maxAbsDiff).toBeLessThanOrEqual(1e-4);
    expect(new Set(r.partitions.map((p) => p.proc)).size).toBe(target.graph.nodes.length > 9 ? 2 : 1);
    expect(r.trace.events.filter((e) => e.kind === 'compute')).toHaveLength(r.partitions.length);
    expect(r.runsMs).toHaveLength(2);
    expect(liveWorkerCount()).toBe(0);
  });

  it('zoo:inceptionv3 (exported, 149×149): heft runs branches on both workers at once', async () => {
    const target = loadExecTarget('zoo:inceptionv3', [{ name: 'input', dims: [1, 3, 149, 149] }]);
    const plan = getStrategy('heft').plan(target.graph, device, cost, WORKERS);
    let r = await executePlan(target, plan, device, OPTS);
    // Both workers computed at the same instant (measured session.run intervals). On a loaded
    // 2-core machine one worker can be descheduled for a whole inference: up to three tries.
    for (let tries = 1; tries < 3 && (r.maxBusyWorkers ?? 0) < 2; tries++)
      r = await executePlan(target, plan, device, OPTS);
    expect(r.maxAbsDiff).toBeLessThanOrEqual(1e-4);
    expect(r.maxBusyWorkers).toBe(2);
    expect(new Set(r.trace.events.filter((e) => e.kind === 'compute').map((e) => e.proc))).toEqual(
      new Set(['cpu0', 'cpu1']),
    );
    expect(r.trace.events.some((e) => e.kind === 'transfer' && e.proc.includes('→'))).toBe(true);
  });

  it('zoo:mobilenetv2 (exported): convs split OC and H across workers equal the monolithic run', async () => {
    const target = loadExecTarget('zoo:mobilenetv2', [{ name: 'input', dims: [1, 3, 96, 96] }]);
    const g = target.graph;
    let splits = 0;
    const plan = planBy(g, device, (_id, op, i) => {
      const axis = i % 4 === 0 ? 'H' : 'OC';
      if (op === 'Conv' && i % 2 === 0 && !splitProblem(g.nodes[i], g, axis, 2)) {
        splits++;
        return {
          split: {
            axis,
            parts: [
              { proc: 'cpu0', fraction: 0.6 },
              { proc: 'cpu1', fraction: 0.4 },
            ],
          },
        };
      }
      return { proc: i % 3 ? 'cpu0' : 'cpu1' };
    });
    expect(splits).toBeGreaterThan(10);
    const r = await executePlan(target, plan, device, OPTS);
    expect(r.maxAbsDiff).toBeLessThanOrEqual(1e-4);
  });
});

describe('scheduling on a worker', () => {
  it('a ready partition does not wait behind an earlier one still waiting for a peer', async () => {
    const g = new GraphBuilder('waits');
    // 64 rows through eight 1024×1024 layers: ~0.5 GMAC on cpu1, tens of ms, so cpu0's wait for it
    // is real even when a loaded machine delays cpu0's start.
    const x = g.input('x', [64, 1024], { channels: 1024 });
    let h = x;
    for (let i = 0; i < 8; i++) h = g.linear(h, 1024, `slow${i}`);
    const a = g.softmax(h);
    const b = g.sigmoid(x);
    const c = g.tanh(a);
    g.output(b, c);
    const graph = inferShapes(g.build(), {}).graph;
    const dir = mkdtempSync(join(tmpdir(), 'hetero-exec-'));
    try {
      const file = join(dir, 'waits.onnx');
      writeFileSync(file, exportOnnx(graph));
      const target = loadExecTarget(file, [{ name: 'x', dims: [64, 1024] }]);
      const plan = planBy(target.graph, device, (_id, op) => ({
        proc: op === 'Softmax' || op === 'Sigmoid' ? 'cpu0' : 'cpu1',
      }));
      // Issue order: the slow chain, then a (waits for it), then b (ready from the start), then c.
      const byOp = (op: string): string[] => target.graph.nodes.filter((n) => n.op === op).map((n) => n.id);
      const rest = target.graph.nodes.filter((n) => !['Softmax', 'Sigmoid', 'Tanh'].includes(n.op));
      plan.order = [...rest.map((n) => n.id), ...byOp('Softmax'), ...byOp('Sigmoid'), ...byOp('Tanh')];
      const r = await executePlan(target, plan, device, OPTS);
      expect(r.maxAbsDiff).toBeLessThanOrEqual(1e-4);
      const onCpu0 = r.trace.events.filter((e) => e.kind === 'compute' && e.proc === 'cpu0');
      expect(onCpu0).toHaveLength(2);
      const [first, second] = [...onCpu0].sort((p, q) => p.startMs - q.startMs);
      const nodeOf = (op: string): string => target.graph.nodes.find((n) => n.op === op)?.id ?? '';
      const partOf = (op: string): string =>
        splitPlan(target.graph, plan).partitions.find((p) => p.nodes.includes(nodeOf(op)))?.id ?? '';
      expect(first.node).toBe(partOf('Sigmoid'));
      expect(second.node).toBe(partOf('Softmax'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the executor’s request cost', () => {
  /** A fixed part below a second and a finite, non-negative part per MiB, with every worker gone. */
  function expectFixedAndPerMiB(m: { latencyUs: number; usPerMiB: number }, minLatencyUs: number): void {
    expect(m.latencyUs).toBeGreaterThanOrEqual(minLatencyUs);
    expect(m.latencyUs).toBeLessThan(1e6);
    expect(m.usPerMiB).toBeGreaterThanOrEqual(0);
    expect(Number.isFinite(m.usPerMiB)).toBe(true);
    expect(liveWorkerCount()).toBe(0);
  }

  it('is measured as wall time less session.run, a fixed part and a part per MiB, and leaves no worker', async () => {
    // Two thread hops and a message each way: more than nothing, far less than a second.
    expectFixedAndPerMiB(await measureExecutorRequest(10), Number.MIN_VALUE);
  });

  it('prices a dependency between two per-core workers from a split chain against a whole one, and leaves no worker', async () => {
    // A difference of two medians: on a noisy machine the fixed part may read 0, never less.
    expectFixedAndPerMiB(await measureWorkerBoundary(6), 0);
  });
});

describe('bad input', () => {
  const cls = REAL[2][1];

  it('a plan for another model', async () => {
    const rec = REAL[1][1];
    const plan = planBy(rec.graph, device, () => ({ proc: 'cpu0' }));
    await expectOneLineError(executePlan(cls, plan, device, OPTS), /plan is for another model/);
  });

  it('a plan naming a processor the host lacks', async () => {
    const plan = planBy(cls.graph, device, () => ({ proc: 'gpu' }));
    await expectOneLineError(executePlan(cls, plan, device, OPTS), /"gpu", which host does not have/);
  });

  it('a model ONNX Runtime cannot load: workers end anyway', async () => {
    const b = new GraphBuilder('bogus');
    const x = b.input('x', [1, 4], { channels: 4 });
    b.output(b.add(x, x));
    const built = b.build();
    const graph = inferShapes(
      { ...built, nodes: built.nodes.map((n) => ({ ...n, op: 'NoSuchOp', domain: 'com.example' })) },
      {},
    ).graph;
    const dir = mkdtempSync(join(tmpdir(), 'hetero-exec-'));
    try {
      const file = join(dir, 'bogus.onnx');
      writeFileSync(file, exportOnnx(graph));
      const target = loadExecTarget(file, [{ name: 'x', dims: [1, 4] }]);
      const plan = planBy(target.graph, device, () => ({ proc: 'cpu0' }));
      await expectOneLineError(executePlan(target, plan, device, OPTS), /ONNX Runtime cannot load it/);
      expect(liveWorkerCount()).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a partition failing at run time while a peer waits for its tensor: one line, workers end', async () => {
    const rec = REAL[1][1];
    // cpu0 runs the head; cpu1 waits for its output, which never comes.
    const plan = planBy(rec.graph, device, (_id, _op, i) => ({ proc: i < 5 ? 'cpu0' : 'cpu1' }));
    const model = splitPlan(rec.graph, plan);
    const executor = await NodeExecutor.start(model, {
      threads: threadsFor(device, model.procs),
      graphOptimization: 'disabled',
    });
    try {
      // Three channels where the first conv needs three: ORT refuses the input at run time.
      const wrong = new ort.Tensor('float32', new Float32Array(2 * 48 * 160), [1, 2, 48, 160]);
      await expectOneLineError(
        executor.infer({ x: toWire(wrong, true) }),
        /^cpu0 p0: ONNX Runtime failed to run it/,
      );
    } finally {
      await executor.close();
    }
    expect(liveWorkerCount()).toBe(0);
  });
});
