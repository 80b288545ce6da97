import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectCleanError, runCli } from './helpers.js';

describe('hetero calibrate / validate options', () => {
  it('refuses an unknown --graphs form before measuring anything, writing nothing', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'hetero-graphs-')), 'host.json');
    expectCleanError(['calibrate', '--graphs', 'folded', '--out', out], /--graphs.*"folded"/, [out]);
    expectCleanError(['validate', '--device', 'host', '--graphs', 'raw'], /--graphs.*"raw"/);
  });

  it('refuses an unknown --hold-out', () => {
    expectCleanError(['validate', '--device', 'host', '--hold-out', 'op'], /--hold-out.*"op".*family, input/);
  });

  it('refuses a --steadiness that is not a whole number of seconds up to an hour, writing nothing', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'hetero-steady-')), 'host.json');
    expectCleanError(['calibrate', '--steadiness', '-1', '--out', out], /--steadiness.*"-1"/, [out]);
    expectCleanError(['validate', '--device', 'host', '--steadiness', '2.5'], /--steadiness.*"2\.5"/);
    expectCleanError(
      ['validate', '--device', 'host', '--steadiness', '86400'],
      /--steadiness.*more than an hour/,
    );
  });

  it('refuses a --sessions or --max-sessions that is not a whole number from 1 to 50, writing nothing', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'hetero-sessions-')), 'host.json');
    expectCleanError(['calibrate', '--sessions', '0', '--out', out], /--sessions.*"0"/, [out]);
    expectCleanError(['validate', '--device', 'host', '--sessions', 'two'], /--sessions.*"two"/);
    expectCleanError(['validate', '--device', 'host', '--sessions', '51'], /--sessions.*more than 50/);
    expectCleanError(['calibrate', '--max-sessions', '-3', '--out', out], /--max-sessions.*"-3"/, [out]);
    expectCleanError(
      ['validate', '--device', 'host', '--max-sessions', '99'],
      /--max-sessions.*more than 50/,
    );
  });

  it('reports a phone’s published-latency fidelity without the host’s column of intervals over families', () => {
    // A phone's cases are published whole-model latencies, not families of profiled ops.
    const r = runCli(['validate', '--device', 'sd865']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\s+cases\s+within ±10%\s+of time\s+MAPE$/m);
    expect(r.stdout).not.toMatch(/by family/);
    expect(r.stdout).toMatch(/held out, calibrated\s+\d+\s+[\d.]+%\s+[\d.]+%\s+[\d.]+%/);
  });
});
