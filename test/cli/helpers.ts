import { spawnSync } from 'node:child_process';

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
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
