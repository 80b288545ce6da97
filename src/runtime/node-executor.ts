// The Node executor: one worker thread per processor, sessions loaded once, each pair of workers
// joined by a MessagePort. An inference is a dataflow the workers drive themselves: the main thread
// hands every worker the model inputs it reads, each worker runs its partitions in issue order
// (a topological order, so no worker waits on one that waits on it), waits only for tensors still
// on their way from a peer, and sends each output straight to the workers that read it — no hop
// through the main thread between partitions. Each worker reports its timings once at the end.
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { HeteroError } from '../errors.js';
import type { Trace, TraceEvent } from '../plan/types.js';
import type {
  FinishedMessage,
  FromWorker,
  GraphOptimization,
  OutputShape,
  PartitionStep,
} from './node-protocol.js';
import { ProcessorWorker } from './node-workers.js';
import type { SplitModel, SubModel } from './submodel.js';
import { cloneWire, isWireDType, type WireTensor } from './wire.js';

export interface InferenceResult {
  outputs: Record<string, WireTensor>;
  /** Wall time from handing out the inputs to the last worker's report on the main thread. */
  wallMs: number;
  trace: Trace;
  /** Most workers computing at the same instant (measured intervals): 2+ = branches overlapped. */
  maxBusyWorkers: number;
}

export interface NodeExecutorOptions {
  /** ORT intra-op threads per processor id. */
  threads: Record<string, number>;
  graphOptimization: GraphOptimization;
}

export class NodeExecutor {
  private readonly model: SplitModel;
  private readonly workers: Map<string, ProcessorWorker>;
  /** Per processor, the tensors its partitions read that no partition produces (model inputs). */
  private readonly externalInputs: Map<string, string[]>;
  private seq = 0;

  private constructor(model: SplitModel, workers: Map<string, ProcessorWorker>) {
    this.model = model;
    this.workers = workers;
    this.externalInputs = externalInputsByProc(model);
  }

  /** Starts one worker per processor and loads its partitions; on any failure all workers end. */
  static async start(model: SplitModel, opts: NodeExecutorOptions): Promise<NodeExecutor> {
    const workers = new Map<string, ProcessorWorker>();
    try {
      for (const proc of model.procs) workers.set(proc, new ProcessorWorker(proc));
      const ports = peerPorts(model.procs);
      await Promise.all(
        [...workers].map(([proc, w]) =>
          w.load(
            opts.threads[proc] ?? 1,
            opts.graphOptimization,
            model.partitions.filter((p) => p.proc === proc),
            stepsOf(model, proc),
            ports.get(proc) ?? {},
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
    return new Promise<InferenceResult>((resolve, reject) => {
      const reports = new Map<string, FinishedMessage>();
      const offs: (() => void)[] = [];
      let settled = false;
      const settle = (): void => {
        settled = true;
        offs.forEach((off) => off());
      };
      const t0 = performance.timeOrigin + performance.now();
      for (const [proc, w] of this.workers) {
        offs.push(
          w.onMessage((m: FromWorker) => {
            if (settled) return;
            if (m.type === 'failed') {
              settle();
              reject(new HeteroError(`${proc}${m.partition ? ` ${m.partition}` : ''}`, m.message));
            } else if (m.type === 'finished' && m.seq === seq) {
              reports.set(proc, m);
              if (reports.size < this.workers.size) return;
              const wallMs = performance.timeOrigin + performance.now() - t0;
              settle();
              resolve(this.result(reports, t0, wallMs));
            }
          }),
        );
      }
      try {
        for (const [proc, w] of this.workers) {
          const feeds: Record<string, WireTensor> = {};
          for (const name of this.externalInputs.get(proc) ?? []) {
            if (name in inputs) feeds[name] = cloneWire(inputs[name]);
          }
          w.infer(
            { type: 'infer', seq, feeds },
            Object.values(feeds).map((f) => f.data),
          );
        }
      } catch (e) {
        settle();
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  private result(reports: Map<string, FinishedMessage>, t0: number, wallMs: number): InferenceResult {
    const outputs: Record<string, WireTensor> = {};
    for (const r of reports.values()) Object.assign(outputs, r.outputs);
    const events = traceEvents(this.model.partitions, reports, t0);
    return { outputs, wallMs, trace: { events }, maxBusyWorkers: mostBusyAtOnce(events) };
  }
}

/** A MessageChannel per pair of processors: ports.get(a)[b] talks to b, ports.get(b)[a] to a. */
function peerPorts(procs: readonly string[]): Map<string, Record<string, MessagePort>> {
  const ports = new Map(procs.map((p): [string, Record<string, MessagePort>] => [p, {}]));
  procs.forEach((a, i) =>
    procs.slice(i + 1).forEach((b) => {
      const { port1, port2 } = new MessageChannel();
      (ports.get(a) ?? {})[b] = port1;
      (ports.get(b) ?? {})[a] = port2;
    }),
  );
  return ports;
}

function externalInputsByProc(model: SplitModel): Map<string, string[]> {
  const produced = new Set(model.partitions.flatMap((p) => p.outputs));
  const byProc = new Map<string, Set<string>>();
  for (const p of model.partitions) {
    const names = byProc.get(p.proc) ?? new Set<string>();
    for (const t of p.inputs) if (!produced.has(t)) names.add(t);
    byProc.set(p.proc, names);
  }
  return new Map([...byProc].map(([proc, names]) => [proc, [...names]]));
}

/** `proc`'s partitions in issue order with where their outputs go. */
export function stepsOf(model: SplitModel, proc: string): PartitionStep[] {
  const graphOutputs = new Set(model.graph.outputs);
  const readersOf = new Map<string, Set<string>>();
  for (const p of model.partitions) {
    for (const t of p.inputs) readersOf.set(t, (readersOf.get(t) ?? new Set()).add(p.proc));
  }
  const mine = model.partitions.filter((p) => p.proc === proc);
  return mine.map((p) => {
    const sendTo = p.outputs
      .map((tensor) => ({ tensor, procs: [...(readersOf.get(tensor) ?? [])].filter((r) => r !== proc) }))
      .filter((s) => s.procs.length > 0);
    return {
      id: p.id,
      // The model's outputs leave the worker: a kept buffer would have to be copied out each time.
      preallocate: hasNestedGraphs(model, p)
        ? []
        : p.outputs.filter((t) => !graphOutputs.has(t)).flatMap((t) => staticShape(model, t)),
      inputs: p.inputs,
      sendTo,
      toMain: p.outputs.filter((t) => graphOutputs.has(t)),
    };
  });
}

/** Nodes holding If/Loop bodies: their outputs' shapes may only be known at run time. */
function hasNestedGraphs(model: SplitModel, p: SubModel): boolean {
  const members = new Set(p.nodes);
  return model.graph.nodes.some((n) => members.has(n.id) && n.subgraphs !== undefined);
}

/** The tensor's dtype and dims when every dim is a number (none symbolic or unknown). */
function staticShape(model: SplitModel, name: string): OutputShape[] {
  const t = model.graph.tensors.get(name);
  const dims = t?.shape;
  if (!t || !dims || !isWireDType(t.dtype) || !dims.every((d): d is number => typeof d === 'number'))
    return [];
  return [{ name, dtype: t.dtype, dims }];
}

/**
 * One compute event per partition and one transfer event per tensor a worker received: from the
 * producer's end until the consumer handled it — or until the consumer started computing, when the
 * tensor's message then waited for it to be free (that wait is not the move's).
 */
function traceEvents(
  parts: readonly SubModel[],
  reports: Map<string, FinishedMessage>,
  t0: number,
): TraceEvent[] {
  const events: TraceEvent[] = [];
  const endOf = new Map<string, number>();
  const computeOf = new Map<string, TraceEvent[]>();
  for (const [proc, r] of reports) {
    const own = r.steps.map((s): TraceEvent => ({
      proc,
      kind: 'compute',
      node: s.partition,
      startMs: s.startAt - t0,
      endMs: s.endAt - t0,
    }));
    computeOf.set(proc, own);
    events.push(...own);
    for (const s of r.steps) endOf.set(s.partition, s.endAt);
  }
  const producer = new Map<string, string>();
  for (const p of parts) for (const o of p.outputs) producer.set(o, p.id);
  for (const [proc, r] of reports) {
    for (const a of r.arrivals) {
      const reader = parts.find((p) => p.proc === proc && p.inputs.includes(a.tensor));
      const startAt = endOf.get(producer.get(a.tensor) ?? '') ?? a.sentAt;
      const busy = (computeOf.get(proc) ?? []).find(
        (e) => e.endMs + t0 > a.sentAt && e.startMs + t0 < a.arrivedAt,
      );
      const endAt = busy ? Math.max(a.sentAt, busy.startMs + t0) : a.arrivedAt;
      events.push({
        proc: `${a.from}→${proc}`,
        kind: 'transfer',
        node: reader?.id ?? a.tensor,
        startMs: startAt - t0,
        endMs: Math.max(startAt, endAt) - t0,
      });
    }
  }
  return events.sort((a, b) => a.startMs - b.startMs);
}

/** Most processors with a compute event covering the same instant. */
function mostBusyAtOnce(events: readonly TraceEvent[]): number {
  const edges = events
    .filter((e) => e.kind === 'compute')
    .flatMap((e) => [
      { at: e.startMs, d: 1 },
      { at: e.endMs, d: -1 },
    ])
    .sort((a, b) => a.at - b.at || a.d - b.d);
  let busy = 0;
  let most = 0;
  for (const e of edges) most = Math.max(most, (busy += e.d));
  return most;
}
