// Messages of the Node executor. The main thread loads each per-processor worker (node-worker.ts)
// with its partitions, their order and where each output goes, and wires every pair of workers with
// a MessagePort; an inference is then driven by the workers themselves: each runs its partitions in
// order, sends tensors straight to the workers that read them and reports to the main thread once.
import type { MessagePort } from 'node:worker_threads';
import type { WireDType, WireTensor } from './wire.js';

export type GraphOptimization = 'disabled' | 'basic' | 'extended' | 'all';

/** An output whose dtype and dims are known before the run (its buffer is allocated once). */
export interface OutputShape {
  name: string;
  dtype: WireDType;
  dims: number[];
}

/**
 * One partition as its worker runs it. A worker runs the first of its remaining steps, in this order
 * (a topological one), whose inputs are all present, and forgets a tensor once no step reads it.
 */
export interface PartitionStep {
  id: string;
  /** Outputs ORT writes into buffers the worker keeps (the others ORT allocates each run). */
  preallocate: OutputShape[];
  /** Names of the partition's inputs (from the inference's feeds, this worker's store or a peer). */
  inputs: string[];
  /** Outputs other workers read: each goes once to every processor listed. */
  sendTo: { tensor: string; procs: string[] }[];
  /** Outputs of the model it produces (go to the main thread with the inference's report). */
  toMain: string[];
}

export interface LoadMessage {
  type: 'load';
  /** This worker's processor id (named in peers' messages). */
  proc: string;
  /** ORT intra-op threads of this worker's sessions. */
  threads: number;
  graphOptimization: GraphOptimization;
  models: { id: string; bytes: ArrayBuffer }[];
  steps: PartitionStep[];
  /** One port per other worker, keyed by its processor id. */
  peers: Record<string, MessagePort>;
}

export interface InferMessage {
  type: 'infer';
  /** Inference number (several per executePlan call). */
  seq: number;
  /** The model inputs this worker's partitions read. */
  feeds: Record<string, WireTensor>;
}

export interface CloseMessage {
  type: 'close';
}

export type ToWorker = LoadMessage | InferMessage | CloseMessage;

/** A tensor from one worker to another, over their port: its bytes are in the producer's `shared`. */
export interface PeerMessage {
  seq: number;
  tensor: string;
  from: string;
  dtype: WireDType;
  dims: number[];
  shared: SharedArrayBuffer;
  byteLength: number;
  /** Absolute time (performance.timeOrigin + now, ms) the producer posted it. */
  sentAt: number;
}

/** Absolute times (performance.timeOrigin + now, ms) of one partition's run. */
export interface StepTiming {
  partition: string;
  /** Every input present, session.run called. */
  startAt: number;
  endAt: number;
}

/** A tensor that came from a peer: posted at sentAt, handled by this worker at arrivedAt. */
export interface Arrival {
  tensor: string;
  from: string;
  sentAt: number;
  arrivedAt: number;
}

export interface LoadedMessage {
  type: 'loaded';
}

export interface FinishedMessage {
  type: 'finished';
  seq: number;
  outputs: Record<string, WireTensor>;
  steps: StepTiming[];
  arrivals: Arrival[];
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

export type FromWorker = LoadedMessage | FinishedMessage | FailedMessage | ClosedMessage;
