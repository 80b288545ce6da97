// A processor of the host as a worker thread: its own onnxruntime-node sessions (one per partition
// it runs) with its own intra-op thread count. An inference runs, each time, the first of the
// worker's remaining partitions (in plan order) whose inputs are all here; inputs from peers arrive
// on direct ports (no hop through the main thread), and each output goes straight to the workers
// that read it.
import { parentPort, type MessagePort } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import type {
  Arrival,
  FromWorker,
  InferMessage,
  LoadMessage,
  PartitionStep,
  PeerMessage,
  StepTiming,
  ToWorker,
} from './node-protocol.js';
import { cpuSessionOptions } from './session-options.js';
import { Inbox, Outbox, preallocatedFetches } from './tensor-buffers.js';
import { toWire, typedData, type WireTensor } from './wire.js';

const port = parentPort;
if (!port) throw new Error('node-worker.ts must run as a worker thread');

const sessions = new Map<string, ort.InferenceSession>();
let steps: PartitionStep[] = [];
/** Per partition, every output: the tensor ORT writes into, or null where ORT allocates. */
const fetchesOf = new Map<string, Record<string, ort.Tensor | null>>();
const outbox = new Outbox();
const inbox = new Inbox();
let peers = new Map<string, MessagePort>();
/** Tensors this worker holds during the current inference. */
const store = new Map<string, ort.Tensor>();
/** Local readers of each tensor name among this worker's steps (set at load). */
let localReaders = new Map<string, number>();
/** Wakes the inference waiting for the next tensor from a peer. */
let wake: { resolve: () => void; reject: (e: Error) => void } | undefined;
let arrivals: Arrival[] = [];
/** Tensors of an inference whose 'infer' message has not been handled yet (ports race). */
let early: PeerMessage[] = [];
let currentSeq = 0;
let procName = '';
let closed = false;

class StepError extends Error {
  constructor(
    readonly partition: string,
    message: string,
  ) {
    super(message);
  }
}

const now = (): number => performance.timeOrigin + performance.now();

function post(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(message, transfer);
}

function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n').find((l) => l.trim() !== '') ?? 'unknown error';
}

function fromWire(w: WireTensor): ort.Tensor {
  return new ort.Tensor(w.dtype, typedData(w), w.dims);
}

function onPeer(m: PeerMessage): void {
  if (m.seq > currentSeq) early.push(m);
  if (m.seq !== currentSeq) return;
  store.set(m.tensor, inbox.unpack(m));
  arrivals.push({ tensor: m.tensor, from: m.from, sentAt: m.sentAt, arrivedAt: now() });
  wake?.resolve();
  wake = undefined;
}

async function load(m: LoadMessage): Promise<void> {
  // Run as the profiles the host is calibrated on (session-options.ts: no spinning, denormals flushed).
  const options = cpuSessionOptions(m.threads, m.graphOptimization);
  for (const model of m.models) {
    try {
      sessions.set(model.id, await ort.InferenceSession.create(new Uint8Array(model.bytes), options));
    } catch (e) {
      post({ type: 'failed', partition: model.id, message: `ONNX Runtime cannot load it: ${firstLine(e)}` });
      return;
    }
  }
  steps = m.steps;
  for (const step of steps) {
    const session = sessions.get(step.id);
    if (!session || step.preallocate.length === 0) continue;
    const own = preallocatedFetches(step.preallocate);
    fetchesOf.set(step.id, Object.fromEntries(session.outputNames.map((n) => [n, own[n] ?? null])));
  }
  localReaders = new Map();
  for (const step of steps) {
    for (const name of step.inputs) localReaders.set(name, (localReaders.get(name) ?? 0) + 1);
  }
  peers = new Map(Object.entries(m.peers));
  for (const p of peers.values()) p.on('message', onPeer);
  post({ type: 'loaded' });
}

/** Resolves when the next tensor from a peer has arrived. */
function nextArrival(): Promise<void> {
  return new Promise((resolve, reject) => (wake = { resolve, reject }));
}

/** Forgets a tensor once no step of this worker still reads it in this inference. */
function release(name: string, left: Map<string, number>, read: boolean): void {
  const n = (left.get(name) ?? 0) - (read ? 1 : 0);
  left.set(name, n);
  if (n <= 0) store.delete(name);
}

/** Sends each output to the peers that read it, through the shared buffer it keeps for it. */
function sendOutputs(step: PartitionStep, seq: number): void {
  for (const { tensor, procs } of step.sendTo) {
    const t = store.get(tensor);
    if (!t) continue;
    const message = outbox.pack(tensor, t, seq, procName, now);
    for (const proc of procs) peers.get(proc)?.postMessage(message);
  }
}

/**
 * Runs one partition into its preallocated outputs; if ORT rejects them (a shape only known at run
 * time differs), the partition lets ORT allocate from then on.
 */
async function runStep(
  step: PartitionStep,
  session: ort.InferenceSession,
  feeds: Record<string, ort.Tensor>,
) {
  const fetches = fetchesOf.get(step.id);
  if (fetches) {
    try {
      return await session.run(feeds, fetches);
    } catch {
      fetchesOf.delete(step.id);
    }
  }
  return session.run(feeds);
}

async function infer(m: InferMessage): Promise<void> {
  for (const [name, w] of Object.entries(m.feeds)) store.set(name, fromWire(w));
  const timings: StepTiming[] = [];
  const outputs: Record<string, WireTensor> = {};
  const transfer: ArrayBuffer[] = [];
  const left = new Map(localReaders);
  const pending = [...steps];
  while (pending.length > 0) {
    // The first step in plan order whose inputs are all here: a step waiting for a peer does not
    // hold up a later one that is ready.
    const next = pending.findIndex((s) => s.inputs.every((name) => store.has(name)));
    if (next < 0) {
      await nextArrival();
      if (closed) return;
      continue;
    }
    const [step] = pending.splice(next, 1);
    const session = sessions.get(step.id);
    if (!session) throw new StepError(step.id, 'no session for this partition');
    const feeds: Record<string, ort.Tensor> = {};
    for (const name of step.inputs) feeds[name] = store.get(name) as ort.Tensor;
    const startAt = now();
    let results: ort.InferenceSession.OnnxValueMapType;
    try {
      results = await runStep(step, session, feeds);
    } catch (e) {
      throw new StepError(step.id, `ONNX Runtime failed to run it: ${firstLine(e)}`);
    }
    const endAt = now();
    timings.push({ partition: step.id, startAt, endAt });
    for (const [name, t] of Object.entries(results)) store.set(name, t);
    sendOutputs(step, m.seq);
    // Moved when nothing here reads it again and ORT allocated it for this run (model outputs are
    // not preallocated); else copied.
    const fetches = fetchesOf.get(step.id);
    for (const name of step.toMain) {
      const t = store.get(name);
      if (!t) continue;
      const move = (left.get(name) ?? 0) <= 0 && !fetches?.[name];
      const w = toWire(t, !move);
      outputs[name] = w;
      transfer.push(w.data);
      if (move) store.delete(name);
    }
    for (const name of step.inputs) release(name, left, true);
    for (const name of Object.keys(results)) release(name, left, false);
  }
  const report = { type: 'finished' as const, seq: m.seq, outputs, steps: timings, arrivals };
  store.clear();
  arrivals = [];
  post(report, transfer);
}

async function runInference(m: InferMessage): Promise<void> {
  currentSeq = m.seq;
  const due = early.filter((e) => e.seq === m.seq);
  early = early.filter((e) => e.seq > m.seq);
  due.forEach(onPeer);
  try {
    await infer(m);
  } catch (e) {
    store.clear();
    arrivals = [];
    if (closed) return;
    post({
      type: 'failed',
      ...(e instanceof StepError ? { partition: e.partition } : {}),
      message: firstLine(e),
    });
  }
}

/** Loads and runs, in arrival order. */
let queue: Promise<void> = Promise.resolve();

/** Runs at once, even while an inference waits for a peer: that wait then ends with an error. */
async function close(): Promise<void> {
  closed = true;
  wake?.reject(new Error('worker closed'));
  wake = undefined;
  store.clear();
  for (const p of peers.values()) p.close();
  // A session released (or the thread terminated) under a load or run still in flight aborts the whole
  // process from ORT's native side ("terminate called after throwing Napi::Error"): let it finish.
  await queue.catch(() => undefined);
  for (const s of sessions.values()) await s.release().catch(() => undefined);
  sessions.clear();
  post({ type: 'closed' });
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'close') {
    void close();
    return;
  }
  if (m.type === 'load') procName = m.proc;
  queue = queue.then(() => (m.type === 'load' ? load(m) : runInference(m)));
});
