// The Node executor: one worker thread per processor, sessions loaded once, then inferences run as a
// dataflow. A partition is dispatched as soon as each of its inputs is either on the main thread or
// will be on its worker (produced there by an earlier-dispatched partition: the worker runs in
// arrival order), so independent branches on different workers really overlap. Tensors a worker
// still needs stay there; others travel as transferred buffers.
import { HeteroError } from '../errors.js';
import type { Trace, TraceEvent } from '../plan/types.js';
import type { DoneMessage, FromWorker, GraphOptimization } from './node-protocol.js';
import { ProcessorWorker } from './node-workers.js';
import type { SplitModel, SubModel } from './submodel.js';
import { cloneWire, type WireTensor } from './wire.js';

export interface InferenceResult {
  outputs: Record<string, WireTensor>;
  /** Wall time from the first dispatch to the last model output on the main thread. */
  wallMs: number;
  trace: Trace;
  /**
   * Most workers that had work dispatched and unfinished at once, as the scheduler saw it: 2 means
   * two workers' partitions were in flight together (independent branches overlapped).
   */
  maxBusyWorkers: number;
}

export interface NodeExecutorOptions {
  /** ORT intra-op threads per processor id. */
  threads: Record<string, number>;
  graphOptimization: GraphOptimization;
}

interface TensorUse {
  /** Index of the producing partition, or -1 for a model input. */
  producer: number;
  /** Indices of the partitions that read it. */
  readers: number[];
}

export class NodeExecutor {
  private readonly model: SplitModel;
  private readonly workers: Map<string, ProcessorWorker>;
  private readonly uses: Map<string, TensorUse>;
  private seq = 0;

  private constructor(model: SplitModel, workers: Map<string, ProcessorWorker>) {
    this.model = model;
    this.workers = workers;
    this.uses = tensorUses(model.partitions);
  }

  /** Starts one worker per processor and loads its partitions; on any failure all workers end. */
  static async start(model: SplitModel, opts: NodeExecutorOptions): Promise<NodeExecutor> {
    const workers = new Map<string, ProcessorWorker>();
    try {
      for (const proc of model.procs) workers.set(proc, new ProcessorWorker(proc));
      await Promise.all(
        [...workers].map(([proc, w]) =>
          w.load(
            opts.threads[proc] ?? 1,
            opts.graphOptimization,
            model.partitions.filter((p) => p.proc === proc),
          ),
        ),
      );
    } catch (e) {
      await Promise.all([...workers.values()].map((w) => w.close()));
      throw e;
    }
    return new NodeExecutor(model, workers);
  }

  async close(): Promise<void> {
    await Promise.all([...this.workers.values()].map((w) => w.close()));
  }

  /** One inference; `inputs` are copied, never consumed. */
  infer(inputs: Record<string, WireTensor>): Promise<InferenceResult> {
    const seq = ++this.seq;
    const parts = this.model.partitions;
    const graphOutputs = new Set(this.model.graph.outputs);
    const atMain = new Map<string, WireTensor>();
    for (const [name, w] of Object.entries(inputs)) atMain.set(name, cloneWire(w));
    const heldBy = new Map<string, Set<string>>();
    const producerEnd = new Map<string, { proc: string; endAt: number }>();
    // Not-yet-dispatched readers of each tensor per processor.
    const pendingLocal = new Map<string, Map<string, number>>();
    parts.forEach((p) => {
      const local = pendingLocal.get(p.proc) ?? new Map<string, number>();
      for (const t of p.inputs) local.set(t, (local.get(t) ?? 0) + 1);
      pendingLocal.set(p.proc, local);
    });
    const dispatched = new Set<number>();
    const shippedFrom = new Map<number, { tensor: string; from: string }[]>();
    const events: TraceEvent[] = [];
    let doneCount = 0;
    const inFlight = new Map<string, number>();
    let maxBusyWorkers = 0;

    const holds = (proc: string, t: string): boolean => heldBy.get(t)?.has(proc) === true;
    const ready = (p: SubModel): boolean => p.inputs.every((t) => holds(p.proc, t) || atMain.has(t));
    /** Whether any other processor still needs `t` shipped, besides `proc`. */
    const neededElsewhere = (t: string, proc: string): boolean =>
      graphOutputs.has(t) ||
      (this.uses.get(t)?.readers ?? []).some(
        (r) => !dispatched.has(r) && parts[r].proc !== proc && !holds(parts[r].proc, t),
      );

    return new Promise<InferenceResult>((resolve, reject) => {
      const t0 = performance.timeOrigin + performance.now();
      const dispatchedAt = new Map<number, number>();
      const offs: (() => void)[] = [];
      let settled = false;
      const fail = (e: Error): void => {
        if (settled) return;
        settled = true;
        offs.forEach((off) => off());
        reject(e);
      };

      const dispatch = (i: number): void => {
        const p = parts[i];
        dispatched.add(i);
        const local = pendingLocal.get(p.proc) ?? new Map<string, number>();
        const feeds: Record<string, WireTensor> = {};
        const transfer: ArrayBuffer[] = [];
        const shipped: { tensor: string; from: string }[] = [];
        for (const t of p.inputs) {
          local.set(t, (local.get(t) ?? 1) - 1);
          if (holds(p.proc, t)) continue;
          const w = atMain.get(t);
          if (!w) throw new Error(`executor: ${t} is neither on ${p.proc} nor on the main thread`);
          // Move main's copy to the last receiver; copy it for the others.
          const keep = neededElsewhere(t, p.proc);
          const sent = keep ? cloneWire(w) : w;
          if (!keep) atMain.delete(t);
          feeds[t] = sent;
          transfer.push(sent.data);
          if (!heldBy.has(t)) heldBy.set(t, new Set());
          heldBy.get(t)?.add(p.proc);
          const from = producerEnd.get(t);
          if (from) shipped.push({ tensor: t, from: from.proc });
        }
        shippedFrom.set(i, shipped);
        dispatchedAt.set(i, performance.timeOrigin + performance.now());
        for (const o of p.outputs) {
          if (!heldBy.has(o)) heldBy.set(o, new Set());
          heldBy.get(o)?.add(p.proc);
        }
        const readers = (t: string): number[] => this.uses.get(t)?.readers ?? [];
        const send = p.outputs.filter(
          (o) => graphOutputs.has(o) || readers(o).some((r) => parts[r].proc !== p.proc),
        );
        const drop = [...p.inputs, ...p.outputs].filter((t) => (local.get(t) ?? 0) <= 0);
        inFlight.set(p.proc, (inFlight.get(p.proc) ?? 0) + 1);
        maxBusyWorkers = Math.max(maxBusyWorkers, [...inFlight.values()].filter((n) => n > 0).length);
        this.workers
          .get(p.proc)
          ?.run({ type: 'run', seq, partition: p.id, feeds, inputs: p.inputs, send, drop }, transfer);
      };

      const pump = (): void => {
        for (let i = 0; i < parts.length; i++) if (!dispatched.has(i) && ready(parts[i])) dispatch(i);
      };

      const onDone = (proc: string, m: DoneMessage): void => {
        if (m.seq !== seq) return;
        const i = parts.findIndex((p) => p.id === m.partition);
        inFlight.set(proc, (inFlight.get(proc) ?? 1) - 1);
        for (const [name, w] of Object.entries(m.outputs)) atMain.set(name, w);
        for (const o of parts[i].outputs) producerEnd.set(o, { proc, endAt: m.endAt });
        events.push({
          proc,
          kind: 'compute',
          node: m.partition,
          startMs: m.startAt - t0,
          endMs: m.endAt - t0,
        });
        // A move lasts from the producer's end until the tensor reaches the consumer's worker; a
        // worker busy with another partition picks the message up later, and that wait is not
        // the move's: it ends at the main thread's hand-off at the latest.
        const handedOffAt = Math.min(m.receivedAt, dispatchedAt.get(i) ?? m.receivedAt);
        for (const s of shippedFrom.get(i) ?? []) {
          const end = producerEnd.get(s.tensor)?.endAt ?? handedOffAt;
          events.push({
            proc: `${s.from}→${proc}`,
            kind: 'transfer',
            node: m.partition,
            startMs: end - t0,
            endMs: Math.max(end, handedOffAt) - t0,
          });
        }
        doneCount++;
        if (doneCount === parts.length) {
          if (settled) return;
          settled = true;
          const wallMs = performance.timeOrigin + performance.now() - t0;
          offs.forEach((off) => off());
          const outputs: Record<string, WireTensor> = {};
          for (const o of this.model.graph.outputs) {
            const w = atMain.get(o);
            if (w) outputs[o] = w;
          }
          events.sort((a, b) => a.startMs - b.startMs);
          resolve({ outputs, wallMs, trace: { events }, maxBusyWorkers });
          return;
        }
        try {
          pump();
        } catch (e) {
          fail(e instanceof Error ? e : new Error(String(e)));
        }
      };

      for (const [proc, w] of this.workers) {
        offs.push(
          w.onMessage((m: FromWorker) => {
            if (m.type === 'done') onDone(proc, m);
            else if (m.type === 'failed') {
              fail(new HeteroError(`${proc}${m.partition ? ` ${m.partition}` : ''}`, m.message));
            }
          }),
        );
      }
      try {
        pump();
      } catch (e) {
        fail(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }
}

function tensorUses(parts: readonly SubModel[]): Map<string, TensorUse> {
  const uses = new Map<string, TensorUse>();
  const use = (t: string): TensorUse => {
    let u = uses.get(t);
    if (!u) uses.set(t, (u = { producer: -1, readers: [] }));
    return u;
  };
  parts.forEach((p, i) => {
    for (const o of p.outputs) use(o).producer = i;
    for (const t of p.inputs) use(t).readers.push(i);
  });
  return uses;
}
