// Messages between the executor (main thread) and its per-processor workers (node-worker.ts).
import type { WireTensor } from './wire.js';

export type GraphOptimization = 'disabled' | 'basic' | 'extended' | 'all';

export interface LoadMessage {
  type: 'load';
  /** ORT intra-op threads of this worker's sessions. */
  threads: number;
  graphOptimization: GraphOptimization;
  models: { id: string; bytes: ArrayBuffer }[];
}

export interface RunMessage {
  type: 'run';
  /** Inference number (several per executePlan call). */
  seq: number;
  partition: string;
  /** Inputs the worker does not hold yet. */
  feeds: Record<string, WireTensor>;
  /** Names of the partition's inputs, in any order (fed from the worker's store). */
  inputs: string[];
  /** Outputs to send back (other workers or the model's outputs read them). */
  send: string[];
  /** Names the worker may forget after this run (no later partition of it reads them). */
  drop: string[];
}

export interface CloseMessage {
  type: 'close';
}

export type ToWorker = LoadMessage | RunMessage | CloseMessage;

export interface LoadedMessage {
  type: 'loaded';
}

export interface DoneMessage {
  type: 'done';
  seq: number;
  partition: string;
  outputs: Record<string, WireTensor>;
  /** Absolute times (performance.timeOrigin + now, ms): message received, session.run start/end. */
  receivedAt: number;
  startAt: number;
  endAt: number;
}

export interface FailedMessage {
  type: 'failed';
  /** The partition that failed to load or run, when known. */
  partition?: string;
  message: string;
}

export interface ClosedMessage {
  type: 'closed';
}

export type FromWorker = LoadedMessage | DoneMessage | FailedMessage | ClosedMessage;
