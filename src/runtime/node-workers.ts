// Worker threads of the Node executor, one per processor: spawning (the compiled worker, or the
// TypeScript source through tsx when hetero itself runs from source, as in tests), request/reply
// plumbing, and shutdown that always ends the thread. Dedicated threads rather than a pool
// (piscina): each processor keeps its own sessions and tensors between runs.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type MessagePort } from 'node:worker_threads';
import { HeteroError } from '../errors.js';
import type {
  FromWorker,
  GraphOptimization,
  InferMessage,
  PartitionStep,
  ToWorker,
} from './node-protocol.js';

/**
 * How long a worker may take to finish its run in flight and release its sessions before it is
 * terminated anyway (terminating one mid-run can abort the process, node-worker.ts close()).
 */
const CLOSE_TIMEOUT_MS = 30_000;

/**
 * The compiled worker next to this file, or (running from source) a bootstrap that registers tsx's
 * ESM hooks inside the worker and imports the TypeScript source: workers do not take `--import`.
 */
function workerEntry(): URL {
  const compiled = new URL('./node-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(compiled))) return compiled;
  const require = createRequire(import.meta.url);
  const tsxDir = dirname(require.resolve('tsx/package.json'));
  const manifest = JSON.parse(readFileSync(join(tsxDir, 'package.json'), 'utf8')) as TsxManifest;
  const api = pathToFileURL(join(tsxDir, manifest.exports['./esm/api'].import.default)).href;
  const source = new URL('./node-worker.ts', import.meta.url).href;
  const code = `import { register } from ${JSON.stringify(api)}; register(); await import(${JSON.stringify(source)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

interface TsxManifest {
  exports: { './esm/api': { import: { default: string } } };
}

/** Worker threads alive now, across all executors (tests check none outlive their run). */
let alive = 0;
export function liveWorkerCount(): number {
  return alive;
}

export class ProcessorWorker {
  readonly proc: string;
  private readonly worker: Worker;
  private readonly listeners = new Set<(m: FromWorker) => void>();
  private failure: Error | undefined;
  private exited = false;

  constructor(proc: string) {
    this.proc = proc;
    this.worker = new Worker(workerEntry());
    alive++;
    this.worker.on('message', (m: FromWorker) => this.listeners.forEach((l) => l(m)));
    this.worker.on('error', (e) => {
      this.failure = e;
      this.listeners.forEach((l) => l({ type: 'failed', message: e.message }));
    });
    this.worker.on('exit', () => {
      if (!this.exited) alive--;
      this.exited = true;
      this.listeners.forEach((l) => l({ type: 'failed', message: 'worker exited' }));
    });
  }

  onMessage(listener: (m: FromWorker) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  post(message: ToWorker, transfer: (ArrayBuffer | MessagePort)[] = []): void {
    this.worker.postMessage(message, transfer);
  }

  /**
   * Loads one session per partition and hands the worker its steps and its ports to the other
   * workers; rejects with a one-line HeteroError naming the partition.
   */
  load(
    threads: number,
    graphOptimization: GraphOptimization,
    models: { id: string; bytes: Uint8Array }[],
    steps: PartitionStep[],
    peers: Record<string, MessagePort>,
  ): Promise<void> {
    // Exact copies: protobufjs hands out Node Buffers, whose slice() is a view into a shared pool.
    const copies = models.map((m) => ({ id: m.id, bytes: Uint8Array.from(m.bytes).buffer }));
    return new Promise((resolve, reject) => {
      const off = this.onMessage((m) => {
        if (m.type === 'loaded') {
          off();
          resolve();
        } else if (m.type === 'failed') {
          off();
          reject(new HeteroError(`${this.proc}${m.partition ? ` ${m.partition}` : ''}`, m.message));
        }
      });
      this.post({ type: 'load', proc: this.proc, threads, graphOptimization, models: copies, steps, peers }, [
        ...copies.map((c) => c.bytes),
        ...Object.values(peers),
      ]);
    });
  }

  infer(message: InferMessage, transfer: ArrayBuffer[]): void {
    if (this.failure) throw this.failure;
    this.post(message, transfer);
  }

  /** Releases the sessions, then ends the thread (terminated after a timeout in any case). */
  async close(): Promise<void> {
    if (this.exited) return;
    const released = new Promise<void>((resolve) => {
      const off = this.onMessage((m) => {
        if (m.type === 'closed' || m.type === 'failed') {
          off();
          resolve();
        }
      });
    });
    try {
      this.post({ type: 'close' });
      await Promise.race([released, new Promise((r) => setTimeout(r, CLOSE_TIMEOUT_MS).unref())]);
    } finally {
      await this.worker.terminate();
    }
  }
}
