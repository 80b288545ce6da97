// The study runner: expands the spec into cells, skips those the results database already holds,
// runs the rest on a Piscina worker pool (one thread per job) and writes each finished cell to the
// database as soon as it arrives. Results do not depend on the job count or the finishing order:
// every cell is a pure function of its parameters (seeded), plans are deterministic and shared
// through the plan cache, and rows are keyed by cell id. Real executions on the host run last, one at
// a time in this thread, so that parallel cells do not disturb the measurement.
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { expandCells, type Cell } from './cells.js';
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
}

export const RESULTS_FILE = 'results.duckdb';

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
  const cells = expandCells(study, vocab);
  const dbPath = join(opts.outDir, RESULTS_FILE);
  const env: CellEnv = {
    planDir: join(opts.outDir, 'plans'),
    ...(opts.hostFile ? { hostFile: opts.hostFile } : {}),
  };
  const progress = opts.progress ?? silentProgress;
  const store = await ResultStore.open(dbPath);
  try {
    const removed = await store.keepOnly(new Set(cells.map((c) => c.id)));
    await store.setMeta('name', study.spec.name);
    await store.setMeta('spec', JSON.stringify(study.spec));
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
    return { dbPath, cells: cells.length, computed: todo.length, removed, byStatus };
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
