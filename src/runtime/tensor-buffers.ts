// Memory a worker keeps for its tensors from one inference to the next. A fresh ArrayBuffer costs
// page faults: copying 1.4 MB into a new one took 0.2–0.6 ms here, into one already touched
// 0.035 ms. So a partition's outputs are written by ORT into buffers allocated once (preallocated
// fetches), a tensor for a peer is copied into a SharedArrayBuffer the producer keeps (onnxruntime-node
// refuses shared memory as input or output, so the peer copies it out into a buffer of its own).
import * as ort from 'onnxruntime-node';
import { dtypeBytes } from '../graph/types.js';
import type { OutputShape, PeerMessage } from './node-protocol.js';
import { typedData, type WireDType } from './wire.js';

type Bytes = { buffer: ArrayBufferLike; byteOffset: number; byteLength: number };

function bytesOf(t: ort.Tensor): Uint8Array {
  const view = t.data as Bytes;
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** ORT tensors over buffers allocated once, for the outputs whose shapes are known before the run. */
export function preallocatedFetches(shapes: readonly OutputShape[]): Record<string, ort.Tensor> {
  const fetches: Record<string, ort.Tensor> = {};
  for (const s of shapes) {
    const elements = s.dims.reduce((a, b) => a * b, 1);
    const bytes = elements * dtypeBytes(s.dtype);
    fetches[s.name] = new ort.Tensor(
      s.dtype,
      typedData({ dtype: s.dtype, dims: s.dims, data: new ArrayBuffer(bytes) }),
      s.dims,
    );
  }
  return fetches;
}

/** Producer side: one SharedArrayBuffer per tensor sent, grown when a run's tensor is larger. */
export class Outbox {
  private readonly buffers = new Map<string, SharedArrayBuffer>();

  /** Copies `t` into its shared buffer; the message carries the buffer, not a copy of it. */
  pack(name: string, t: ort.Tensor, seq: number, from: string, sentAt: () => number): PeerMessage {
    const src = bytesOf(t);
    let shared = this.buffers.get(name);
    if (!shared || shared.byteLength < src.byteLength) {
      shared = new SharedArrayBuffer(src.byteLength);
      this.buffers.set(name, shared);
    }
    new Uint8Array(shared, 0, src.byteLength).set(src);
    return {
      seq,
      tensor: name,
      from,
      dtype: t.type as WireDType,
      dims: [...t.dims],
      shared,
      byteLength: src.byteLength,
      sentAt: sentAt(),
    };
  }
}

/** Receiver side: one buffer per tensor received, reused while the size stays the same. */
export class Inbox {
  private readonly buffers = new Map<string, ArrayBuffer>();

  unpack(m: PeerMessage): ort.Tensor {
    let own = this.buffers.get(m.tensor);
    if (!own || own.byteLength !== m.byteLength) {
      own = new ArrayBuffer(m.byteLength);
      this.buffers.set(m.tensor, own);
    }
    new Uint8Array(own).set(new Uint8Array(m.shared, 0, m.byteLength));
    return new ort.Tensor(m.dtype, typedData({ dtype: m.dtype, dims: m.dims, data: own }), m.dims);
  }
}
