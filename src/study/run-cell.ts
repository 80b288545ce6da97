// One cell, whatever its kind: the row identity from the cell, then the kind's runner. A strategy that
// refuses, or a precondition that is missing (no host calibration, no simulator), is a row with that
// status and its one-line reason; anything else that throws is a bug, kept as an `error` row with the
// message so that one broken cell does not abort a long study.
import { isHeteroError } from '../errors.js';
import type { Cell } from './cells.js';
import { runExecuteCell } from './execute-cell.js';
import { runPlanCell } from './plan-cell.js';
import { emptyRow, type CellOutcome, type CellRow } from './row.js';
import { runSimulateCell } from './simulate-cell.js';

export interface CellEnv {
  /** Directory of the plan cache (the study's out dir /plans). */
  planDir: string;
  /** Host calibration file (default .hetero/host.json). */
  hostFile?: string;
  /** Which calibration the host's cost model comes from, recorded with each execution. */
  calibration?: string;
}

export function cellIdentity(cell: Cell): CellRow {
  const p = cell.params;
  return emptyRow({
    id: cell.id,
    kind: p.kind,
    sweep: cell.sweep,
    model: p.model,
    device: p.device,
    strategy: p.strategy,
    objective: p.objective,
    workload: p.workload?.name ?? null,
    conditions: p.conditions ?? null,
    seed: p.seed ?? null,
  });
}

export async function runCell(cell: Cell, env: CellEnv): Promise<CellOutcome> {
  const row = cellIdentity(cell);
  try {
    switch (cell.params.kind) {
      case 'plan':
        return runPlanCell(cell, row, env.planDir, env.hostFile);
      case 'simulate':
        return runSimulateCell(cell, row, env.planDir, env.hostFile);
      case 'execute':
        return await runExecuteCell(cell, row, env.planDir, env.hostFile, env.calibration);
    }
  } catch (e) {
    if (isHeteroError(e)) {
      // e.g. the host is not calibrated: retried on the next run, once the user has fixed it.
      return { row: { ...row, status: 'skipped', message: e.message.split('\n')[0] } };
    }
    const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    return { row: { ...row, status: 'error', message: message.split('\n')[0] } };
  }
}
