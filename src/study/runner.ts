// The study runner: expands the spec into cells, skips those the results database already holds,
// runs the rest on a Piscina worker pool (one thread per job) and writes each finished cell to the
// database as soon as it arrives. Results do not depend on the job count or the finishing order:
// every cell is a pure function of its parameters (seeded), plans are deterministic and shared
// through the plan cache, and rows are keyed by cell id. Real executions on the host run last, one at
// a time in this thread, so that parallel cells do not disturb the measurement.
//
// Host cells need a host calibration: the one given (--host-file), else .hetero/host.json, else — on a
// clean clone — the executor's quick calibration (a few seconds), made once before any cell runs and
// saved beside the results (OUT/host-quick.json) so that every worker and a resumed run use the same.
// A hash of the calibration is part of host cells' ids: a new calibration recomputes them.
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { HeteroError, isHeteroError } from '../errors.js';
import { DEFAULT_HOST_FILE, loadHost, saveHostFile } from '../hardware/host.js';
import { QUICK_CALIBRATION, quickHostFile } from '../runtime/host-device.js';
import { expandCells, shortHash, type Cell } from './cells.js';
import { silentProgress, type Progress } from './progress.js';
import { runCell, type CellEnv } from './run-cell.js';
import type { CellOutcome, CellStatus } from './row.js';
import type { ResolvedStudy } from './spec.js';
import { ResultStore } from './store.js';
import { studyVocabulary } from './load.js';
import type { WorkerTask } from './worker.js';

export interface RunStudyOptions {
  /** Output directory: results.duckdb and the plan cache (plans/) go here. */
  outDir: string;
  /** Worker threads (default: the machine's parallelism). */
  jobs?: number;
  /** Host calibration file (default .hetero/host.json). */
  hostFile?: string;
  progress?: Progress;
}

export interface StudyRunSummary {
  dbPath: string;
  cells: number;
  /** Cells computed by this run (the others were already in the database). */
  computed: number;
  /** Cells removed because the spec no longer has them. */
  removed: number;
  byStatus: Record<CellStatus, number>;
  /** Which calibration host cells used (absent: the study has none). */
  hostCalibration?: string;
}

export const RESULTS_FILE = 'results.duckdb';
/** The quick host calibration a study makes when there is no host file (in its out dir). */
export const QUICK_HOST_FILE = 'host-quick.json';

export interface StudyHostCalibration {
  hostFile: string;
  /** Which calibration it is, as the results record it. */
  label: string;
  /** Hash of the file's content (part of host cells' ids). */
  hash: string;
}

function usableHostFile(file: string): boolean {
  try {
    loadHost(file);
    return true;
  } catch (e) {
    if (isHeteroError(e)) return false;
    throw e;
  }
}

/** The calibration host cells use (see the header); quick-calibrates only when there is none. */
export async function studyHostCalibration(
  outDir: string,
  hostFile: string | undefined,
  progress: Progress,
): Promise<StudyHostCalibration> {
  const chosen = (file: string, label: string): StudyHostCalibration => ({
    hostFile: file,
    label,
    hash: shortHash(readFileSync(file, 'utf8')),
  });
  if (hostFile !== undefined) {
    loadHost(hostFile); // a missing or malformed file the user named is a one-line error
    return chosen(hostFile, `host file ${hostFile}`);
  }
  if (existsSync(DEFAULT_HOST_FILE)) {
    if (!usableHostFile(DEFAULT_HOST_FILE))
      throw new HeteroError(DEFAULT_HOST_FILE, 'is not a hetero host file: run `hetero calibrate` again');
    return chosen(DEFAULT_HOST_FILE, `host file ${DEFAULT_HOST_FILE}`);
  }
  const quick = join(outDir, QUICK_HOST_FILE);
  if (!existsSync(quick) || !usableHostFile(quick)) {
    progress.phase(`no ${DEFAULT_HOST_FILE}: quick host calibration (a few seconds)…`);
    saveHostFile(await quickHostFile(), quick);
  }
  return chosen(quick, `${QUICK_CALIBRATION} saved to ${quick}, as there is no ${DEFAULT_HOST_FILE}`);
}

/**
 * The worker's JS entry beside this module: dist/study/worker.js when running compiled; when this
 * module runs from TypeScript sources (tests), the compiled twin in dist/ (build first).
 */
export function workerFile(): string {
  const here = fileURLToPath(import.meta.url);
  const dir = dirname(here);
  const jsDir = here.endsWith('.ts') ? dir.replace(/([\\/])src([\\/]study)$/, '$1dist$2') : dir;
  return join(jsDir, 'worker.js');
}

export async function runStudy(study: ResolvedStudy, opts: RunStudyOptions): Promise<StudyRunSummary> {
  const vocab = await studyVocabulary();
  const progress = opts.progress ?? silentProgress;
  let cells = expandCells(study, vocab);
  const host = cells.some((c) => c.params.device === 'host')
    ? await studyHostCalibration(opts.outDir, opts.hostFile, progress)
    : undefined;
  if (host) cells = expandCells(study, vocab, { hostCalibration: host.hash });
  const dbPath = join(opts.outDir, RESULTS_FILE);
  const env: CellEnv = {
    planDir: join(opts.outDir, 'plans'),
    ...(host ? { hostFile: host.hostFile, calibration: host.label } : {}),
  };
  const store = await ResultStore.open(dbPath);
  try {
    const removed = await store.keepOnly(new Set(cells.map((c) => c.id)));
    await store.setMeta('name', study.spec.name);
    await store.setMeta('spec', JSON.stringify(study.spec));
    if (host) await store.setMeta('host_calibration', host.label);
    const finished = await store.finishedIds();
    const todo = cells.filter((c) => !finished.has(c.id));
    progress.start(cells.length, cells.length - todo.length);
    // Batches: whatever finished while the previous transaction was committing goes in the next one.
    let pending: CellOutcome[] = [];
    let writing: Promise<void> = Promise.resolve();
    const flush = (): Promise<void> => {
      writing = writing.then(async () => {
        const batch = pending;
        pending = [];
        await store.write(batch);
      });
      return writing;
    };
    const done = (o: CellOutcome, label: string): void => {
      pending.push(o);
      void flush();
      progress.tick(label);
    };
    const parallel = todo.filter((c) => c.params.kind !== 'execute');
    const serial = todo.filter((c) => c.params.kind === 'execute');
    if (parallel.length > 0) await runPool(parallel, env, opts.jobs ?? availableParallelism(), done);
    await flush();
    for (const cell of serial) {
      done(await runCell(cell, env), cell.id);
      await flush();
    }
    await flush();
    const counts = await store.query('SELECT status, count(*) AS n FROM cells GROUP BY status');
    const byStatus: Record<CellStatus, number> = { ok: 0, refused: 0, error: 0, skipped: 0 };
    for (const r of counts) byStatus[String(r.status) as CellStatus] = Number(r.n);
    return {
      dbPath,
      cells: cells.length,
      computed: todo.length,
      removed,
      byStatus,
      ...(host ? { hostCalibration: host.label } : {}),
    };
  } finally {
    progress.stop();
    store.close();
  }
}

async function runPool(
  cells: readonly Cell[],
  env: CellEnv,
  jobs: number,
  done: (o: CellOutcome, label: string) => void,
): Promise<void> {
  const threads = Math.max(1, Math.min(jobs, cells.length));
  const pool = new Piscina<WorkerTask, CellOutcome>({
    filename: workerFile(),
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: 1000,
  });
  try {
    // Plan cells first: they fill the plan cache that the simulate cells of the same plans read.
    const ordered = [...cells].sort(
      (a, b) => Number(a.params.kind !== 'plan') - Number(b.params.kind !== 'plan'),
    );
    await Promise.all(
      ordered.map(async (cell) => {
        const outcome = await pool.run({ cell, env });
        done(outcome, cell.id);
      }),
    );
  } finally {
    await pool.destroy();
  }
}
