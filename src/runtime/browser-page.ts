// The page the browser executor loads (served from memory, never from the network): it imports
// onnxruntime-web, creates one session per partition on its processor's execution provider, and
// runs inferences partition after partition in plan order. onnxruntime-web serves both providers
// from one WebAssembly instance that runs one session at a time (overlapping runs of a wasm and a
// webgpu session hang in 1.30), so unlike Node there is no overlap between processors here.
// Plain JavaScript: it runs in Chromium, outside the TypeScript build.

/** Origin the page is served at: localhost, a secure context, so navigator.gpu exists. */
export const PAGE_ORIGIN = 'http://localhost:8';
export const ORT_BUNDLE = 'ort.webgpu.bundle.min.mjs';

export const PAGE_HTML = `<!doctype html><html><head><meta charset="utf-8"><title>hetero executor</title></head>
<body><script type="module">
import * as ort from '/ort/${ORT_BUNDLE}';
ort.env.wasm.wasmPaths = '/ort/';
ort.env.wasm.numThreads = 1;
ort.env.wasm.proxy = false;
ort.env.logLevel = 'error';

const DTYPES = { float32: Float32Array, float64: Float64Array, int64: BigInt64Array, int32: Int32Array,
  int8: Int8Array, uint8: Uint8Array, bool: Uint8Array, float16: Uint16Array };

function toB64(view) {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

async function fetchBytes(path) {
  const r = await fetch(path);
  if (!r.ok) throw new Error('cannot fetch ' + path);
  return new Uint8Array(await r.arrayBuffer());
}

window.heteroRun = async (spec) => {
  const sessions = [];
  const adapter = { requested: false, info: null };
  try {
    for (const p of spec.partitions) {
      const bytes = await fetchBytes('/model/' + p.id);
      try {
        sessions.push(await ort.InferenceSession.create(bytes, {
          executionProviders: [p.ep], graphOptimizationLevel: spec.graphOptimization }));
      } catch (e) {
        throw new Error(p.id + ' on ' + p.ep + ': ' + String(e && e.message || e).split('\\n')[0]);
      }
    }
    if (spec.partitions.some((p) => p.ep === 'webgpu')) {
      // The GPUDevice ORT's WebGPU backend created: proof that the webgpu EP is live.
      const device = await ort.env.webgpu.device;
      const info = device && device.adapterInfo;
      adapter.requested = true;
      adapter.info = info ? { vendor: info.vendor, architecture: info.architecture } : null;
    }
    const feeds = {};
    for (const f of spec.feeds) {
      const bytes = await fetchBytes('/feed/' + encodeURIComponent(f.name));
      const Typed = DTYPES[f.dtype];
      const data = new Typed(bytes.buffer, 0, bytes.byteLength / Typed.BYTES_PER_ELEMENT);
      feeds[f.name] = new ort.Tensor(f.dtype, data, f.dims);
    }
    const runs = [];
    let last = null;
    for (let k = 0; k < spec.warmup + spec.runs; k++) {
      const t0 = performance.now();
      const tensors = new Map(Object.entries(feeds).map(([n, t]) => [n, Promise.resolve(t)]));
      let queue = Promise.resolve();
      const events = [];
      const done = spec.partitions.map((p, i) => {
        const inputs = Promise.all(p.inputs.map((n) => tensors.get(n)));
        const previous = queue;
        const run = Promise.all([inputs, previous]).then(async ([values]) => {
          const fed = {};
          p.inputs.forEach((n, j) => { fed[n] = values[j]; });
          const start = performance.now();
          const out = await sessions[i].run(fed);
          events.push({ partition: p.id, ep: p.ep, startMs: start - t0, endMs: performance.now() - t0 });
          return out;
        });
        queue = run.catch(() => undefined);
        for (const o of p.outputs) tensors.set(o, run.then((out) => out[o]));
        return run;
      });
      await Promise.all(done);
      const outputs = {};
      for (const o of spec.outputs) outputs[o] = await tensors.get(o);
      const wallMs = performance.now() - t0;
      if (k >= spec.warmup) runs.push({ wallMs, events });
      last = outputs;
    }
    const outputs = {};
    for (const [name, t] of Object.entries(last)) outputs[name] = { dtype: t.type, dims: [...t.dims], b64: toB64(t.data) };
    return { ok: true, runs, outputs, adapter };
  } catch (e) {
    return { ok: false, message: String(e && e.message || e).split('\\n')[0] };
  } finally {
    for (const s of sessions) await s.release().catch(() => undefined);
  }
};
window.heteroReady = true;
</script></body></html>`;
