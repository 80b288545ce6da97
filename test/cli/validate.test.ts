import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

function expectCleanError(args: string[], mention: RegExp): void {
  const r = runCli(args);
  expect(r.status, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^hetero: /);
  expect(lines[0]).toMatch(mention);
}

describe('hetero calibrate / validate options', () => {
  it('refuses an unknown --graphs form before measuring anything, writing nothing', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'hetero-graphs-')), 'host.json');
    expectCleanError(
      ['calibrate', '--graphs', 'folded', '--out', out],
      /--graphs.*"folded".*deployed, as-given/,
    );
    expect(existsSync(out)).toBe(false);
    expectCleanError(['validate', '--device', 'host', '--graphs', 'raw'], /--graphs.*"raw"/);
  });

  it('refuses an unknown --hold-out', () => {
    expectCleanError(['validate', '--device', 'host', '--hold-out', 'op'], /--hold-out.*"op".*family, input/);
  });
});
