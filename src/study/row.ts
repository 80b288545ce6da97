// One row of the results database: a cell's identity and its metrics. Plain data, produced by workers
// and written by the store; the column list here is the table's schema (store.ts).
export type CellStatus = 'ok' | 'refused' | 'error' | 'skipped';

export interface CellRow {
  id: string;
  kind: string;
  sweep: string;
  model: string;
  device: string;
  strategy: string;
  objective: string;
  workload: string | null;
  conditions: string | null;
  seed: number | null;
  /** ok; refused = the strategy has no plan here; error = a bug; skipped = a precondition is missing (retried). */
  status: CellStatus;
  message: string | null;
  /** plan: predicted latency of one inference; simulate: mean over requests; execute: predicted. */
  latency_ms: number | null;
  p50_ms: number | null;
  p90_ms: number | null;
  p99_ms: number | null;
  max_ms: number | null;
  throughput_per_s: number | null;
  deadline_miss_rate: number | null;
  energy_mj: number | null;
  requests: number | null;
  completed: number | null;
  dropped: number | null;
  /** Nodes of the graph the plan runs, and how many the strategy wanted on an accelerator but fell back. */
  nodes: number | null;
  fallbacks: number | null;
  cross_edges: number | null;
  transfer_bytes: number | null;
  changes_model: boolean | null;
  /** execute: the host prediction and the median measured latency. */
  predicted_ms: number | null;
  measured_ms: number | null;
  /** execute: max |executed − monolithic ONNX Runtime| over the outputs (fp32). */
  max_abs_diff: number | null;
  /** JSON: per-processor utilisation / compute, per-model metrics, thermal summary, notes. */
  details: string;
}

/** Columns with their DuckDB types, in table order. */
export const ROW_COLUMNS: readonly (readonly [keyof CellRow, string])[] = [
  ['id', 'VARCHAR PRIMARY KEY'],
  ['kind', 'VARCHAR NOT NULL'],
  ['sweep', 'VARCHAR NOT NULL'],
  ['model', 'VARCHAR NOT NULL'],
  ['device', 'VARCHAR NOT NULL'],
  ['strategy', 'VARCHAR NOT NULL'],
  ['objective', 'VARCHAR NOT NULL'],
  ['workload', 'VARCHAR'],
  ['conditions', 'VARCHAR'],
  ['seed', 'INTEGER'],
  ['status', 'VARCHAR NOT NULL'],
  ['message', 'VARCHAR'],
  ['latency_ms', 'DOUBLE'],
  ['p50_ms', 'DOUBLE'],
  ['p90_ms', 'DOUBLE'],
  ['p99_ms', 'DOUBLE'],
  ['max_ms', 'DOUBLE'],
  ['throughput_per_s', 'DOUBLE'],
  ['deadline_miss_rate', 'DOUBLE'],
  ['energy_mj', 'DOUBLE'],
  ['requests', 'INTEGER'],
  ['completed', 'INTEGER'],
  ['dropped', 'INTEGER'],
  ['nodes', 'INTEGER'],
  ['fallbacks', 'INTEGER'],
  ['cross_edges', 'INTEGER'],
  ['transfer_bytes', 'DOUBLE'],
  ['changes_model', 'BOOLEAN'],
  ['predicted_ms', 'DOUBLE'],
  ['measured_ms', 'DOUBLE'],
  ['max_abs_diff', 'DOUBLE'],
  ['details', 'VARCHAR NOT NULL'],
];

/** A row with every metric empty: workers fill in what their kind of cell measures. */
export function emptyRow(
  identity: Pick<
    CellRow,
    | 'id'
    | 'kind'
    | 'sweep'
    | 'model'
    | 'device'
    | 'strategy'
    | 'objective'
    | 'workload'
    | 'conditions'
    | 'seed'
  >,
): CellRow {
  return {
    ...identity,
    status: 'ok',
    message: null,
    latency_ms: null,
    p50_ms: null,
    p90_ms: null,
    p99_ms: null,
    max_ms: null,
    throughput_per_s: null,
    deadline_miss_rate: null,
    energy_mj: null,
    requests: null,
    completed: null,
    dropped: null,
    nodes: null,
    fallbacks: null,
    cross_edges: null,
    transfer_bytes: null,
    changes_model: null,
    predicted_ms: null,
    measured_ms: null,
    max_abs_diff: null,
    details: '{}',
  };
}

/** What a worker returns for a cell: its row and, when asked for, its trace (JSON). */
export interface CellOutcome {
  row: CellRow;
  traceJson?: string;
}
