// A worker closed while it still loads or runs: it finishes that work before releasing its sessions,
// since a session released, or a thread terminated, under ORT work in flight aborts the whole process
// from the native side ("terminate called after throwing an instance of 'Napi::Error'").
import { describe, expect, it } from 'vitest';
import { exportOnnx } from '../../src/formats/onnx/index.js';
import { inferShapes } from '../../src/graph/shape-inference.js';
import type { FromWorker } from '../../src/runtime/node-protocol.js';
import { liveWorkerCount, ProcessorWorker } from '../../src/runtime/node-workers.js';
import { GraphBuilder } from '../../src/zoo/builder.js';

/** A model whose session takes a while to create (a few MB of weights to copy and prepack). */
function slowToLoad(): Uint8Array {
  const b = new GraphBuilder('slow-to-load');
  let x = b.input('x', [1, 512], { channels: 512 });
  for (let i = 0; i < 8; i++) x = b.linear(x, 512, `fc${i}`);
  b.output(x);
  return exportOnnx(inferShapes(b.build(), {}).graph);
}

describe('closing a worker', () => {
  it('waits for a load in flight before releasing its sessions and ending the thread', async () => {
    const before = liveWorkerCount();
    const worker = new ProcessorWorker('cpu0');
    const seen: FromWorker['type'][] = [];
    worker.onMessage((m) => seen.push(m.type));
    const bytes = slowToLoad();
    const copy = Uint8Array.from(bytes).buffer;
    worker.post(
      {
        type: 'load',
        proc: 'cpu0',
        threads: 1,
        graphOptimization: 'disabled',
        models: [{ id: 'p0', bytes: copy }],
        steps: [{ id: 'p0', preallocate: [], inputs: ['x'], sendTo: [], toMain: [] }],
        peers: {},
      },
      [copy],
    );
    await worker.close();
    // Before the fix the worker answered 'closed' at once, with the session still being created.
    expect(seen.filter((t) => t === 'loaded' || t === 'closed')).toEqual(['loaded', 'closed']);
    expect(liveWorkerCount()).toBe(before);
  });
});
