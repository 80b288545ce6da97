// The browser executor: a plan over two processors runs in headless Chromium on onnxruntime-web with
// one processor on the wasm and one on the webgpu execution provider (SwiftShader), equals the
// monolithic run, and leaves no browser or profile directory behind — also when Chromium cannot start.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { isHeteroError } from '../../src/errors.js';
import { executeInBrowser } from '../../src/runtime/browser.js';
import { loadExecTarget } from '../../src/runtime/target.js';
import { planBy, testHost } from './exec-helpers.js';

const { device } = testHost();

function chromiumProfiles(): string[] {
  return readdirSync(tmpdir()).filter((f) => f.startsWith('hetero-chromium-'));
}

/** Processes whose command line names a hetero Chromium profile (ours are the only ones). */
function chromiumProcesses(): string[] {
  const out = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes('hetero-chromium-') && !l.includes('ps -eo'));
}

describe('executeInBrowser', () => {
  it('ppocr-cls on wasm + webgpu equals the monolithic run; both providers ran', async () => {
    const before = chromiumProfiles();
    const target = loadExecTarget('pkg:ppocr-cls');
    const half = target.graph.nodes.length / 2;
    const plan = planBy(target.graph, device, (_id, _op, i) => ({ proc: i < half ? 'cpu0' : 'cpu1' }));
    const r = await executeInBrowser(target, plan, device, { runs: 2 });
    expect(r.providers).toEqual({ cpu0: 'wasm', cpu1: 'webgpu' });
    expect(r.webgpuAdapter?.architecture).toBe('swiftshader');
    const ran = new Set(r.trace.events.map((e) => r.providers[e.proc]));
    expect(ran).toEqual(new Set(['wasm', 'webgpu']));
    expect(r.maxAbsDiff).toBeLessThanOrEqual(1e-4);
    expect(chromiumProfiles()).toEqual(before);
    expect(chromiumProcesses()).toEqual([]);
  });

  it('a browser that cannot start is a one-line error and leaves nothing behind', async () => {
    const before = chromiumProfiles();
    const target = loadExecTarget('pkg:ppocr-cls');
    const plan = planBy(target.graph, device, () => ({ proc: 'cpu0' }));
    const e = await executeInBrowser(target, plan, device, { executablePath: '/no/such/chromium' }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isHeteroError(e)).toBe(true);
    expect((e as Error).message).toMatch(
      /^--backend browser: Chromium cannot start \(\/no\/such\/chromium\)/,
    );
    expect((e as Error).message.includes('\n')).toBe(false);
    expect(chromiumProfiles()).toEqual(before);
  });
});
