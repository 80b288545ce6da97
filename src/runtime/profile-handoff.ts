// What one cross-worker dependency costs on this machine, measured the way the executor moves a
// tensor (node-worker.ts): the producer copies it into a SharedArrayBuffer it keeps and posts a
// message on a direct port; the consumer wakes, copies it out and goes on. Two worker threads
// ping-pong such messages; half a round trip is one hand-off. Measured with a tiny payload (the
// wake-up and messaging latency) and a 1 MiB one (plus the two copies), so the cost model can take
// a fixed part and a per-byte part.
import { MessageChannel, Worker } from 'node:worker_threads';
import { median } from '../cost/measurements.js';

export interface HandoffMeasurement {
  /** Median one-way hand-off of a 4-byte tensor (µs). */
  latencyUs: number;
  /** Extra µs per MiB moved (both copies), from the 1 MiB hand-off. */
  usPerMiB: number;
}

const LARGE_BYTES = 1 << 20;

// Plain JavaScript, so it runs in a worker with no loader (the project may run from TypeScript).
const PONG = `
const { parentPort } = require('node:worker_threads');
parentPort.once('message', ({ port }) => {
  let own = new Uint8Array(0);
  port.on('message', (m) => {
    if (m === 'stop') { port.close(); return; }
    if (own.byteLength !== m.bytes) own = new Uint8Array(m.bytes);
    own.set(new Uint8Array(m.shared, 0, m.bytes));
    if (!m.reply) { port.postMessage(m); return; }
    m.reply.set(own);
    port.postMessage(m);
  });
});
`;

async function roundTripsUs(bytes: number, rounds: number): Promise<number[]> {
  const peer = new Worker(PONG, { eval: true });
  try {
    const { port1, port2 } = new MessageChannel();
    peer.postMessage({ port: port2 }, [port2]);
    const shared = new SharedArrayBuffer(bytes);
    const src = new Uint8Array(bytes).fill(7);
    const back = new Uint8Array(new SharedArrayBuffer(bytes));
    const own = new Uint8Array(bytes);
    const samples: number[] = [];
    await new Promise<void>((resolve) => {
      let left = rounds + 3;
      let t0 = 0;
      const send = (): void => {
        t0 = performance.now();
        new Uint8Array(shared).set(src);
        port1.postMessage({ shared, bytes, reply: back });
      };
      port1.on('message', () => {
        own.set(back);
        if (left-- <= rounds) samples.push((performance.now() - t0) * 1000);
        if (left > 0) send();
        else resolve();
      });
      send();
    });
    port1.postMessage('stop');
    port1.close();
    return samples;
  } finally {
    await peer.terminate();
  }
}

/** Hand-off latency and per-MiB cost between two worker threads (a second or so). */
export async function measureHandoff(rounds = 200): Promise<HandoffMeasurement> {
  const small = median(await roundTripsUs(4, rounds)) / 2;
  const large = median(await roundTripsUs(LARGE_BYTES, Math.max(20, rounds / 4))) / 2;
  return { latencyUs: small, usPerMiB: Math.max(0, large - small) };
}
