// The Piscina worker: runs one cell per task. Loaded graphs, devices and plans stay memoised in the
// worker between tasks (context.ts, plan-cache.ts).
import type { Cell } from './cells.js';
import { runCell, type CellEnv } from './run-cell.js';
import type { CellOutcome } from './row.js';

export interface WorkerTask {
  cell: Cell;
  env: CellEnv;
}

export default async function runTask(task: WorkerTask): Promise<CellOutcome> {
  return runCell(task.cell, task.env);
}
