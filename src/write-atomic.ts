// Every file hetero writes (plans, charts, models, host calibrations, reports, caches) goes through
// here: written next to its target and renamed over it, so a crash or a full disk never leaves half a
// file where a reader (or a resumed study) would trust it.
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HeteroError } from './errors.js';

/**
 * Writes `data` to `file` atomically. A failure removes the temporary file and throws a HeteroError
 * naming `file` and the system's error code (made by `makeError` when the caller has its own kind).
 */
export function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  makeError: (where: string, problem: string) => Error = (w, p) => new HeteroError(w, p),
): void {
  const tmp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw makeError(file, `cannot be written (${(e as NodeJS.ErrnoException).code ?? 'I/O error'})`);
  }
}
