// CLI tests run the real `bin/hetero.js`, which loads the compiled library: rebuild it when any
// source is newer than the build (CI's `npm ci` has just built it, so there this is a no-op).
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newestMtimeMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtimeMs(path) : statSync(path).mtimeMs);
  }
  return newest;
}

export default function setup(): void {
  let builtMs = 0;
  try {
    builtMs = statSync('dist/cli/main.js').mtimeMs;
  } catch {
    // not built yet
  }
  if (newestMtimeMs('src') > builtMs) {
    execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
      stdio: 'inherit',
    });
  }
}
