// The browser executor: the same plan on onnxruntime-web in headless Chromium (playwright-core),
// each processor mapped to an execution provider (wasm or webgpu; WebGPU via SwiftShader here). The
// page, ORT's files, the sub-models and the inputs are served from memory through request
// interception: nothing touches the network. Chromium is always closed and its profile removed.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium, type BrowserContext, type Route } from 'playwright-core';
import { HeteroError } from '../errors.js';
import type { Device } from '../hardware/schema.js';
import type { Plan, TraceEvent } from '../plan/types.js';
import {
  checkPlanForExecution,
  executionFeeds,
  median,
  type ExecuteOptions,
  type ExecutionResult,
} from './execute.js';
import { PAGE_HTML, PAGE_ORIGIN } from './browser-page.js';
import { splitPlan, type SplitModel } from './submodel.js';
import type { ExecTarget } from './target.js';
import { maxDiff, outputDiffs, referenceOutputs } from './verify.js';
import { isWireDType, toWire, type WireTensor } from './wire.js';

export type BrowserProvider = 'wasm' | 'webgpu';

export interface BrowserOptions extends ExecuteOptions {
  /** Execution provider per processor id (default: see defaultProviders). */
  providers?: Record<string, BrowserProvider>;
  /** Chromium binary (default: $HETERO_CHROMIUM, else /usr/bin/chromium). */
  executablePath?: string;
  /** Longest a whole browser run may take (default 10 min). */
  timeoutMs?: number;
}

export interface BrowserExecutionResult extends ExecutionResult {
  providers: Record<string, BrowserProvider>;
  /** The WebGPU adapter ORT used, when a partition ran on webgpu. */
  webgpuAdapter?: { vendor: string; architecture: string } | null;
}

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--enable-unsafe-webgpu',
];

export function chromiumPath(explicit?: string): string {
  return explicit ?? process.env.HETERO_CHROMIUM ?? '/usr/bin/chromium';
}

/**
 * A browser has two processors: the CPU (wasm) and the GPU (webgpu). GPU-kind processors go to
 * webgpu; of the others, the first the plan uses goes to wasm and the second to webgpu.
 */
export function defaultProviders(device: Device, procs: readonly string[]): Record<string, BrowserProvider> {
  const out: Record<string, BrowserProvider> = {};
  let cpuLike = 0;
  for (const id of procs) {
    const kind = device.processors.find((p) => p.id === id)?.kind;
    if (kind === 'gpu') out[id] = 'webgpu';
    else out[id] = cpuLike++ === 0 ? 'wasm' : 'webgpu';
  }
  if (cpuLike > 2) {
    throw new HeteroError(
      '--ep',
      `the plan uses ${procs.length} processors; a browser has two (wasm, webgpu): give --ep`,
    );
  }
  return out;
}

function ortDistDir(): string {
  const require = createRequire(import.meta.url);
  // The package's exports hide package.json; its CommonJS entry sits in dist/.
  return dirname(require.resolve('onnxruntime-web'));
}

interface PageRun {
  wallMs: number;
  events: { partition: string; ep: BrowserProvider; startMs: number; endMs: number }[];
}

type PageResult =
  | {
      ok: true;
      runs: PageRun[];
      outputs: Record<string, { dtype: string; dims: number[]; b64: string }>;
      adapter: { requested: boolean; info: { vendor: string; architecture: string } | null };
    }
  | { ok: false; message: string };

interface PageSpec {
  partitions: { id: string; ep: BrowserProvider; inputs: string[]; outputs: string[] }[];
  feeds: { name: string; dtype: string; dims: number[] }[];
  outputs: string[];
  runs: number;
  warmup: number;
  graphOptimization: string;
}

function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n').find((l) => l.trim() !== '') ?? 'unknown error';
}

async function launch(executablePath: string): Promise<{ context: BrowserContext; profile: string }> {
  const profile = mkdtempSync(join(tmpdir(), 'hetero-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: 60_000,
    });
    return { context, profile };
  } catch (e) {
    rmSync(profile, { recursive: true, force: true });
    throw new HeteroError('--backend browser', `Chromium cannot start (${executablePath}): ${firstLine(e)}`);
  }
}

function serve(model: SplitModel, feeds: Record<string, WireTensor>, dist: string) {
  const bytesOf = new Map(model.partitions.map((p) => [p.id, p.bytes]));
  return async (route: Route): Promise<void> => {
    const path = decodeURIComponent(new URL(route.request().url()).pathname);
    const binary = (body: Uint8Array | Buffer): Promise<void> =>
      route.fulfill({ status: 200, contentType: 'application/octet-stream', body: Buffer.from(body) });
    if (path === '/') return route.fulfill({ status: 200, contentType: 'text/html', body: PAGE_HTML });
    if (path.startsWith('/model/')) {
      const bytes = bytesOf.get(path.slice('/model/'.length));
      if (bytes) return binary(bytes);
    }
    if (path.startsWith('/feed/')) {
      const w = feeds[path.slice('/feed/'.length)];
      if (w) return binary(new Uint8Array(w.data));
    }
    if (path.startsWith('/ort/') && /^[\w.-]+$/.test(path.slice(5))) {
      const file = path.slice(5);
      const type = file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript';
      try {
        return await route.fulfill({ status: 200, contentType: type, body: readFileSync(join(dist, file)) });
      } catch {
        // fall through to 404
      }
    }
    return route.fulfill({ status: 404, body: 'not found' });
  };
}

/** Runs `plan` in headless Chromium on onnxruntime-web. */
export async function executeInBrowser(
  target: ExecTarget,
  plan: Plan,
  device: Device,
  opts: BrowserOptions = {},
): Promise<BrowserExecutionResult> {
  checkPlanForExecution(plan, target, device);
  const model = splitPlan(target.graph, plan);
  const providers = opts.providers ?? defaultProviders(device, model.procs);
  for (const proc of model.procs) {
    if (!providers[proc]) throw new HeteroError('--ep', `no execution provider given for ${proc}`);
  }
  const feeds = executionFeeds(target, opts.seed);
  const wireFeeds = Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, toWire(t, true)]));
  const spec: PageSpec = {
    partitions: model.partitions.map((p) => ({
      id: p.id,
      ep: providers[p.proc],
      inputs: p.inputs,
      outputs: p.outputs,
    })),
    feeds: Object.entries(wireFeeds).map(([name, w]) => ({ name, dtype: w.dtype, dims: w.dims })),
    outputs: model.graph.outputs,
    runs: Math.max(1, Math.trunc(opts.runs ?? 5)),
    warmup: Math.max(0, Math.trunc(opts.warmup ?? 1)),
    graphOptimization: opts.graphOptimization ?? 'disabled',
  };
  const dist = ortDistDir();
  const { context, profile } = await launch(chromiumPath(opts.executablePath));
  let result: PageResult;
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    // HETERO_BROWSER_DEBUG=1 echoes the page's console and errors (diagnosis only).
    if (process.env.HETERO_BROWSER_DEBUG) {
      page.on('console', (m) => process.stderr.write(`[page] ${m.text()}\n`));
      page.on('pageerror', (e) => process.stderr.write(`[page error] ${e.message}\n`));
    }
    await page.route(`${PAGE_ORIGIN}/**`, serve(model, wireFeeds, dist));
    await page.goto(`${PAGE_ORIGIN}/`);
    await page.waitForFunction(
      () => (globalThis as unknown as { heteroReady?: boolean }).heteroReady === true,
      null,
      {
        timeout: 60_000,
      },
    );
    const timeoutMs = opts.timeoutMs ?? 600_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<PageResult>((resolve) => {
      timer = setTimeout(
        () => resolve({ ok: false, message: `no result within ${timeoutMs} ms` }),
        timeoutMs,
      );
    });
    const run = page.evaluate(
      (s: PageSpec) =>
        (globalThis as unknown as { heteroRun(s: PageSpec): Promise<PageResult> }).heteroRun(s),
      spec,
    );
    result = await Promise.race([run, timeout]);
    clearTimeout(timer);
  } catch (e) {
    if (e instanceof HeteroError) throw e;
    throw new HeteroError('--backend browser', `the page failed: ${firstLine(e)}`);
  } finally {
    await context.close().catch(() => undefined);
    rmSync(profile, { recursive: true, force: true });
  }
  if (!result.ok) throw new HeteroError('--backend browser', result.message);
  return browserResult(result, model, providers, target, feeds, opts);
}

async function browserResult(
  result: Extract<PageResult, { ok: true }>,
  model: SplitModel,
  providers: Record<string, BrowserProvider>,
  target: ExecTarget,
  feeds: Parameters<typeof referenceOutputs>[1],
  opts: BrowserOptions,
): Promise<BrowserExecutionResult> {
  const runsMs = result.runs.map((r) => r.wallMs);
  const measuredMs = median(runsMs);
  const typical = result.runs.reduce((best, r) =>
    Math.abs(r.wallMs - measuredMs) < Math.abs(best.wallMs - measuredMs) ? r : best,
  );
  const procOf = new Map(model.partitions.map((p) => [p.id, p.proc]));
  const events: TraceEvent[] = typical.events
    .map((e) => ({
      proc: procOf.get(e.partition) ?? e.ep,
      kind: 'compute' as const,
      node: e.partition,
      startMs: e.startMs,
      endMs: e.endMs,
    }))
    .sort((a, b) => a.startMs - b.startMs);
  const outputs: Record<string, WireTensor> = {};
  for (const [name, o] of Object.entries(result.outputs)) {
    if (!isWireDType(o.dtype)) continue;
    const bytes = Buffer.from(o.b64, 'base64');
    outputs[name] = { dtype: o.dtype, dims: o.dims, data: Uint8Array.from(bytes).buffer };
  }
  const out: BrowserExecutionResult = {
    backend: 'browser',
    runsMs,
    measuredMs,
    trace: { events },
    outputs,
    partitions: model.partitions.map((p) => ({ id: p.id, proc: p.proc, nodes: p.nodes.length })),
    threads: Object.fromEntries(model.procs.map((p) => [p, 1])),
    providers,
    ...(result.adapter.requested ? { webgpuAdapter: result.adapter.info } : {}),
  };
  if (opts.verify !== false) {
    const diffs = outputDiffs(outputs, await referenceOutputs(target, feeds));
    Object.assign(out, { diffs, maxAbsDiff: maxDiff(diffs) });
  }
  return out;
}
