import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { expect } from 'vitest';

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `hetero` launcher as a user would. */
export function runCli(args: string[], cwd = process.cwd()): CliResult {
  const r = spawnSync(process.execPath, ['bin/hetero.js', ...args], {
    cwd,
    encoding: 'utf8',
    // Under the test's own 120 s: `hetero run` on a clean clone calibrates quickly first, which took
    // 47–49 s of a once 60 s limit in CI.
    timeout: 100_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Bad input: exit 2, nothing on stdout, one `hetero: …` line naming `mention`, no stack, no file written. */
export function expectCleanError(args: string[], mention: string | RegExp, unwritten: string[] = []): void {
  const r = runCli(args);
  expect(r.status, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^hetero: /);
  expect(lines[0]).toMatch(mention);
  expect(r.stderr).not.toMatch(/\s+at\s+\S+\s+\(/); // no stack trace
  for (const file of unwritten) expect(existsSync(file), `${file} written`).toBe(false);
}
