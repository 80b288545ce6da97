// Expansion of a resolved study into cells — one unit of work and one row of results each — with
// stable ids: a cell's id is a readable prefix plus a hash of everything that decides its result, so
// a resumed run recognises finished cells and a changed spec never reuses a stale one.
import { createHash } from 'node:crypto';
import type { Objective } from '../plan/types.js';
import type { ModelEntry, ResolvedStudy, RunKind, WorkloadDef } from './spec.js';

/** Bump when the meaning of a cell's result changes, so that old results are recomputed. */
// 2: execute cells run the cell's plan on the executor; host cells carry their calibration.
export const CELL_FORMAT = 'hetero-study-cell/2';

export type ModelRef = ModelEntry & { name: string };

/** Everything a worker needs to compute one cell: plain, serialisable data. */
export interface CellParams {
  kind: RunKind;
  /** The model's name, or the stream models' names joined by "+" for a multi-model workload. */
  model: string;
  /** The models the cell runs (one, or a multi workload's streams in order). */
  models: ModelRef[];
  device: string;
  strategy: string;
  objective: Objective;
  workload?: WorkloadDef;
  conditions?: string;
  seed?: number;
  durationMs?: number;
  runs?: number;
  /** Keep the cell's trace. */
  trace: boolean;
  /**
   * `host` cells: a hash of the host calibration their cost model comes from, so that a new
   * calibration recomputes them (and their plans) instead of reusing results made with another.
   */
  hostCalibration?: string;
}

export interface Cell {
  id: string;
  /** The first sweep that asked for the cell (cells shared by sweeps run once). */
  sweep: string;
  params: CellParams;
}

/** The plan a cell runs: one per (model, device, strategy, objective), shared by cells. */
export interface PlanKey {
  id: string;
  model: ModelRef;
  device: string;
  strategy: string;
  objective: Objective;
  /** The host calibration's hash (host plans depend on it). */
  hostCalibration?: string;
}

export function shortHash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 12);
}

export function planKey(
  model: ModelRef,
  device: string,
  strategy: string,
  objective: Objective,
  hostCalibration?: string,
): PlanKey {
  const decisive = [
    CELL_FORMAT,
    model,
    device,
    strategy,
    objective,
    ...(hostCalibration ? [hostCalibration] : []),
  ];
  const id = `${model.name}~${device}~${strategy}~${objective}~${shortHash(decisive)}`;
  return { id, model, device, strategy, objective, ...(hostCalibration ? { hostCalibration } : {}) };
}

/** The plan of one of a cell's models. */
export function cellPlanKey(p: CellParams, model: ModelRef): PlanKey {
  return planKey(model, p.device, p.strategy, p.objective, p.hostCalibration);
}

function cellId(p: CellParams): string {
  const parts = [p.kind, p.model, p.device, p.strategy, p.objective];
  if (p.workload) parts.push(p.workload.name);
  if (p.conditions) parts.push(p.conditions);
  if (p.seed !== undefined) parts.push(`s${p.seed}`);
  // The trace flag is not part of the identity: a cell two sweeps ask for runs once, with its trace
  // kept if either asks.
  const { trace: _trace, ...decisive } = p;
  return `${parts.join('/')}#${shortHash([CELL_FORMAT, decisive])}`;
}

export interface ExpandOptions {
  /** Hash of the host calibration (see CellParams.hostCalibration); absent = not known yet. */
  hostCalibration?: string;
}

/** Every cell of the study, in spec order, each once. */
export function expandCells(
  study: ResolvedStudy,
  vocab: { strategies: readonly string[]; conditions: readonly string[] },
  opts: ExpandOptions = {},
): Cell[] {
  const { spec, models } = study;
  const cells: Cell[] = [];
  const seen = new Map<string, Cell>();
  const pick = <T extends string>(list: 'all' | T[] | undefined, all: readonly T[]): readonly T[] =>
    list === undefined || list === 'all' ? all : list;
  const allStrategies = pick(spec.strategies, vocab.strategies);
  const allConditions = pick(spec.conditions, vocab.conditions);
  const modelByName = (n: string): ModelRef => {
    const m = models.get(n);
    if (!m) throw new Error(`expandCells: unresolved model ${n}`);
    return m;
  };
  for (const sweep of spec.sweeps) {
    const add = (params: CellParams): void => {
      const p =
        params.device === 'host' && opts.hostCalibration
          ? { ...params, hostCalibration: opts.hostCalibration }
          : params;
      const id = cellId(p);
      const before = seen.get(id);
      if (before) {
        if (p.trace) before.params.trace = true;
        return;
      }
      const cell = { id, sweep: sweep.name, params: p };
      seen.set(id, cell);
      cells.push(cell);
    };
    const sweepModels = pick(sweep.models, [...models.keys()]).map(modelByName);
    const devices = pick(sweep.devices, spec.devices);
    const strategies = pick(sweep.strategies, allStrategies);
    const objectives = sweep.objectives ?? spec.objectives;
    const base = { trace: sweep.traces };
    for (const device of devices) {
      for (const strategy of strategies) {
        for (const objective of objectives) {
          if (sweep.run !== 'simulate') {
            for (const m of sweepModels) {
              add({
                ...base,
                kind: sweep.run,
                model: m.name,
                models: [m],
                device,
                strategy,
                objective,
                ...(sweep.run === 'execute' ? { runs: sweep.runs ?? spec.runs } : {}),
              });
            }
            continue;
          }
          const workloads = pick(
            sweep.workloads,
            spec.workloads.map((w) => w.name),
          ).map((n) => spec.workloads.find((w) => w.name === n) as WorkloadDef);
          for (const workload of workloads) {
            const runs =
              workload.kind === 'multi'
                ? [workload.streams.map((s) => modelByName(s.model))]
                : sweepModels.map((m) => [m]);
            for (const ms of runs) {
              for (const conditions of pick(sweep.conditions, allConditions)) {
                for (const seed of sweep.seeds ?? spec.seeds) {
                  add({
                    ...base,
                    kind: 'simulate',
                    model: ms.map((m) => m.name).join('+'),
                    models: ms,
                    device,
                    strategy,
                    objective,
                    workload,
                    conditions,
                    seed,
                    durationMs: sweep.durationMs ?? spec.durationMs,
                  });
                }
              }
            }
          }
        }
      }
    }
  }
  return cells;
}

/** The distinct plans the cells run. */
export function planKeysOf(cells: readonly Cell[]): PlanKey[] {
  const keys = new Map<string, PlanKey>();
  for (const c of cells) {
    for (const m of c.params.models) {
      const k = cellPlanKey(c.params, m);
      keys.set(k.id, k);
    }
  }
  return [...keys.values()];
}
