// A processor of the host as a worker thread: its own onnxruntime-node sessions (one per partition
// it runs) with its own intra-op thread count, and a store of the tensors it holds between runs.
// Messages are handled strictly one after another, so queued runs execute in arrival order.
import { parentPort } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import type { FromWorker, LoadMessage, RunMessage, ToWorker } from './node-protocol.js';
import { toWire, typedData, type WireTensor } from './wire.js';

const port = parentPort;
if (!port) throw new Error('node-worker.ts must run as a worker thread');

const sessions = new Map<string, ort.InferenceSession>();
const store = new Map<string, ort.Tensor>();
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

async function load(m: LoadMessage): Promise<void> {
  const options: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: m.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: m.graphOptimization,
    // Pool threads sleep rather than spin between parallel sections, as in the profiles the host is
    // calibrated on (runtime/profile.ts): a spinning thread takes the core a sibling worker needs.
    // Denormals flush to zero, as on phone runtimes (Arm NEON flushes them): the seeded weights of
    // exported zoo models with BatchNorm folded drive activations into the denormal range, which
    // made x86 run MobileNetV2 47% slower (22.7 vs 16.8 ms on one worker) for no real work.
    extra: { session: { intra_op: { allow_spinning: '0' }, set_denormal_as_zero: '1' } },
  };
  for (const model of m.models) {
    try {
      sessions.set(model.id, await ort.InferenceSession.create(new Uint8Array(model.bytes), options));
    } catch (e) {
      post({ type: 'failed', partition: model.id, message: `ONNX Runtime cannot load it: ${firstLine(e)}` });
      return;
    }
  }
  post({ type: 'loaded' });
}

async function run(m: RunMessage): Promise<void> {
  const receivedAt = now();
  const session = sessions.get(m.partition);
  if (!session) {
    post({ type: 'failed', partition: m.partition, message: 'no session for this partition' });
    return;
  }
  for (const [name, w] of Object.entries(m.feeds)) store.set(name, fromWire(w));
  const feeds: Record<string, ort.Tensor> = {};
  for (const name of m.inputs) {
    const t = store.get(name);
    if (!t) {
      post({ type: 'failed', partition: m.partition, message: `input "${name}" never arrived` });
      return;
    }
    feeds[name] = t;
  }
  const startAt = now();
  let results: ort.InferenceSession.OnnxValueMapType;
  try {
    results = await session.run(feeds);
  } catch (e) {
    post({
      type: 'failed',
      partition: m.partition,
      message: `ONNX Runtime failed to run it: ${firstLine(e)}`,
    });
    return;
  }
  const endAt = now();
  for (const [name, t] of Object.entries(results)) store.set(name, t);
  const drop = new Set(m.drop);
  const outputs: Record<string, WireTensor> = {};
  const transfer: ArrayBuffer[] = [];
  for (const name of m.send) {
    const t = store.get(name);
    if (!t) continue;
    // A tensor this worker still needs is copied; one it drops is moved.
    const w = toWire(t, !drop.has(name));
    outputs[name] = w;
    if (drop.has(name)) transfer.push(w.data);
  }
  for (const name of drop) store.delete(name);
  post({ type: 'done', seq: m.seq, partition: m.partition, outputs, receivedAt, startAt, endAt }, transfer);
}

async function close(): Promise<void> {
  store.clear();
  for (const s of sessions.values()) await s.release().catch(() => undefined);
  sessions.clear();
  post({ type: 'closed' });
}

let queue: Promise<void> = Promise.resolve();
port.on('message', (m: ToWorker) => {
  queue = queue.then(() => (m.type === 'load' ? load(m) : m.type === 'run' ? run(m) : close()));
});
