// Findings: sentences computed from the results database, each with the SQL that produced its
// numbers and the rows it returned. Every number a sentence cites is a value of those rows (rounded
// in SQL), so a reader — or a test — can re-run the query and find it. A finding whose data the study
// did not produce (e.g. no simulations) is left out rather than stated on nothing.
import type { QueryRow, QueryValue, ResultStore } from '../study/store.js';

/** A number cited in a sentence: a value of the finding's rows. */
export interface Cited {
  value: number;
  unit: string;
}

export type FindingPart = string | Cited;

export interface Finding {
  id: string;
  title: string;
  parts: FindingPart[];
  sql: string;
  rows: QueryRow[];
}

/** Strategies that run on one processor. */
export const SINGLE_STRATEGIES = ['cpu', 'gpu', 'npu', 'best-single'] as const;
/** Strategies that may co-execute on several processors and keep the model unchanged. */
export const COEXEC_STRATEGIES = [
  'layerwise',
  'heft',
  'ulayer',
  'codl',
  'pipeline',
  'band',
  'optimal',
  'adaptive',
] as const;

const list = (names: readonly string[]): string => names.map((n) => `'${n}'`).join(', ');

function cite(v: QueryValue | undefined, unit = ''): Cited {
  return { value: Number(v ?? NaN), unit };
}

/** The plain text of a finding (numbers with their units). */
export function findingText(f: Finding): string {
  return f.parts.map((p) => (typeof p === 'string' ? p : `${p.value}${p.unit}`)).join('');
}

const PLAN_ROWS = `SELECT model, device, strategy, objective, latency_ms, energy_mj, nodes, fallbacks
  FROM cells WHERE kind = 'plan' AND status = 'ok' AND device <> 'host'`;

/** Where a single processor is as fast as any co-execution plan, and how much co-execution gains elsewhere. */
async function singleVsCoexec(store: ResultStore): Promise<Finding | undefined> {
  const sql = `WITH p AS (${PLAN_ROWS} AND objective = 'latency'),
single AS (SELECT model, device, min(latency_ms) AS ms FROM p WHERE strategy IN (${list(SINGLE_STRATEGIES)}) GROUP BY model, device),
co AS (SELECT model, device, min(latency_ms) AS ms FROM p WHERE strategy IN (${list(COEXEC_STRATEGIES)}) GROUP BY model, device),
g AS (SELECT model, device, single.ms / co.ms AS gain FROM single JOIN co USING (model, device))
SELECT count(*) AS pairs,
  count(*) FILTER (WHERE gain <= 1.01) AS single_wins,
  round(100.0 * count(*) FILTER (WHERE gain <= 1.01) / count(*), 1) AS single_wins_pct,
  round(median(gain), 2) AS median_gain,
  round(max(gain), 2) AS max_gain,
  arg_max(model || ' on ' || device, gain) AS max_gain_at
FROM g`;
  const rows = await store.query(sql);
  const r = rows[0];
  if (!r || !Number(r.pairs)) return undefined;
  return {
    id: 'single-vs-coexec',
    title: 'Where co-execution pays and where a single processor wins',
    parts: [
      'Over ',
      cite(r.pairs),
      ' model × phone pairs, the best co-execution plan is a median ',
      cite(r.median_gain, '×'),
      ' faster than the best single processor (at most ',
      cite(r.max_gain, '×'),
      `, ${String(r.max_gain_at)}); a single processor is within 1% of every co-execution plan in `,
      cite(r.single_wins),
      ' pairs (',
      cite(r.single_wins_pct, '%'),
      ').',
    ],
    sql,
    rows,
  };
}

/** Which models a single processor serves best, per model. */
async function singleWinsByModel(store: ResultStore): Promise<Finding | undefined> {
  const sql = `WITH p AS (${PLAN_ROWS} AND objective = 'latency'),
single AS (SELECT model, device, min(latency_ms) AS ms, arg_min(strategy, latency_ms) AS proc FROM p WHERE strategy IN ('cpu', 'gpu', 'npu') GROUP BY model, device),
co AS (SELECT model, device, min(latency_ms) AS ms FROM p WHERE strategy IN (${list(COEXEC_STRATEGIES)}) GROUP BY model, device),
g AS (SELECT model, device, single.proc AS proc, single.ms / co.ms AS gain FROM single JOIN co USING (model, device))
SELECT model, count(*) AS devices, count(*) FILTER (WHERE gain <= 1.01) AS single_wins,
  round(median(gain), 2) AS median_gain, mode(proc) AS usual_processor
FROM g GROUP BY model ORDER BY single_wins DESC, median_gain ASC, model`;
  const rows = await store.query(sql);
  if (rows.length === 0) return undefined;
  const top = rows[0];
  const bottom = rows[rows.length - 1];
  return {
    id: 'single-wins-by-model',
    title: 'Which models a single processor serves best',
    parts: [
      `A single processor wins most often for ${String(top.model)} (`,
      cite(top.single_wins),
      ' of ',
      cite(top.devices),
      ` phones, usually the ${String(top.usual_processor).toUpperCase()}; co-execution gains a median `,
      cite(top.median_gain, '×'),
      `), least often for ${String(bottom.model)} (`,
      cite(bottom.single_wins),
      ' of ',
      cite(bottom.devices),
      '; median gain ',
      cite(bottom.median_gain, '×'),
      ').',
    ],
    sql,
    rows,
  };
}

/** How much of a model the NPU cannot run (ops that fall back to the CPU). */
async function npuFallbacks(store: ResultStore): Promise<Finding | undefined> {
  const sql = `WITH n AS (SELECT model, device, 100.0 * fallbacks / nodes AS pct FROM cells
  WHERE kind = 'plan' AND status = 'ok' AND strategy = 'npu' AND objective = 'latency' AND nodes > 0)
SELECT model, count(*) AS devices, round(avg(pct), 1) AS fallback_pct, round(min(pct), 1) AS min_pct,
  round(max(pct), 1) AS max_pct, (SELECT round(avg(pct), 1) FROM n) AS overall_pct,
  (SELECT count(*) FROM n) AS pairs
FROM n GROUP BY model ORDER BY fallback_pct DESC, model`;
  const rows = await store.query(sql);
  if (rows.length === 0) return undefined;
  const most = rows[0];
  const least = rows[rows.length - 1];
  return {
    id: 'npu-fallbacks',
    title: "How much of a model the NPU's framework runs",
    parts: [
      'With framework fallback, on average ',
      cite(most.overall_pct, '%'),
      " of a model's ops fall back from the NPU to the CPU (",
      cite(most.pairs),
      ` model × device pairs): most for ${String(most.model)} (`,
      cite(most.fallback_pct, '%'),
      ' on average, up to ',
      cite(most.max_pct, '%'),
      `), least for ${String(least.model)} (`,
      cite(least.fallback_pct, '%'),
      ').',
    ],
    sql,
    rows,
  };
}

const SIM_ROWS = `SELECT model, device, workload, conditions, seed, strategy, p50_ms FROM cells
  WHERE kind = 'simulate' AND status = 'ok' AND p50_ms > 0 AND model NOT LIKE '%+%'
    AND strategy NOT IN ('stretch', 'bound')`;

/** How often the strategy that wins on an idle device stops being the best under other conditions. */
async function bestStrategyChanges(store: ResultStore): Promise<Finding | undefined> {
  const sql = `WITH s AS (${SIM_ROWS}),
ranked AS (SELECT *, row_number() OVER (PARTITION BY model, device, workload, conditions, seed ORDER BY p50_ms, strategy) AS rank FROM s),
best AS (SELECT model, device, workload, conditions, seed, p50_ms AS best_ms FROM ranked WHERE rank = 1),
idle_winner AS (SELECT model, device, workload, seed, strategy AS winner FROM ranked WHERE rank = 1 AND conditions = 'idle'),
j AS (SELECT b.conditions, s.p50_ms > 1.01 * b.best_ms AS changed
  FROM best b JOIN idle_winner w USING (model, device, workload, seed)
  JOIN s ON s.model = b.model AND s.device = b.device AND s.workload = b.workload AND s.seed = b.seed
    AND s.conditions = b.conditions AND s.strategy = w.winner
  WHERE b.conditions <> 'idle')
SELECT conditions, count(*) AS contexts, count(*) FILTER (WHERE changed) AS changed,
  round(100.0 * count(*) FILTER (WHERE changed) / count(*), 1) AS changed_pct,
  (SELECT count(*) FROM j) AS all_contexts, (SELECT count(*) FILTER (WHERE changed) FROM j) AS all_changed,
  (SELECT round(100.0 * count(*) FILTER (WHERE changed) / count(*), 1) FROM j) AS all_changed_pct
FROM j GROUP BY conditions ORDER BY changed_pct DESC, conditions`;
  const rows = await store.query(sql);
  if (rows.length === 0) return undefined;
  const most = rows[0];
  const least = rows[rows.length - 1];
  return {
    id: 'best-strategy-changes',
    title: 'Does the lab winner stay the winner',
    parts: [
      'The strategy with the lowest p50 latency on an idle device is more than 1% slower than the best one in ',
      cite(most.all_changed),
      ' of ',
      cite(most.all_contexts),
      ' contexts with other conditions (',
      cite(most.all_changed_pct, '%'),
      `): most often under ${String(most.conditions)} (`,
      cite(most.changed_pct, '%'),
      `), least under ${String(least.conditions)} (`,
      cite(least.changed_pct, '%'),
      ').',
    ],
    sql,
    rows,
  };
}

/** How much of co-execution's gain over the best single processor survives each preset. */
async function gainSurvival(store: ResultStore): Promise<Finding | undefined> {
  const key = 'model, device, workload, seed';
  const sql = `WITH s AS (${SIM_ROWS}),
single AS (SELECT ${key}, conditions, min(p50_ms) AS ms FROM s WHERE strategy IN (${list(SINGLE_STRATEGIES)}) GROUP BY ALL),
co AS (SELECT ${key}, conditions, min(p50_ms) AS ms FROM s WHERE strategy IN (${list(COEXEC_STRATEGIES.filter((n) => n !== 'adaptive'))}) GROUP BY ALL),
g AS (SELECT ${key}, conditions, single.ms / co.ms AS gain FROM single JOIN co USING (${key}, conditions)),
idle AS (SELECT ${key}, gain AS idle_gain FROM g WHERE conditions = 'idle' AND gain > 1.05),
j AS (SELECT g.conditions, g.gain, idle.idle_gain, (g.gain - 1) / (idle.idle_gain - 1) AS kept
  FROM g JOIN idle USING (${key}) WHERE g.conditions <> 'idle')
SELECT conditions, count(*) AS contexts, round(median(gain), 2) AS median_gain,
  round(100.0 * median(kept), 0) AS survived_pct,
  (SELECT count(*) FROM idle) AS gaining, (SELECT round(median(idle_gain), 2) FROM idle) AS idle_gain
FROM j GROUP BY conditions ORDER BY survived_pct DESC, conditions`;
  const rows = await store.query(sql);
  if (rows.length === 0) return undefined;
  const parts: FindingPart[] = [
    'In the ',
    cite(rows[0].gaining),
    ' simulated contexts where the best published co-execution plan (layerwise, heft, μLayer, CoDL, pipeline, Band) beats the best single processor by more than 5% on an idle device (median ',
    cite(rows[0].idle_gain, '×'),
    ', p50), the share of that gain that survives is ',
  ];
  rows.forEach((r, i) => {
    if (i > 0) parts.push(i === rows.length - 1 ? ' and ' : ', ');
    parts.push(cite(r.survived_pct, '%'), ` under ${String(r.conditions)} (`, cite(r.median_gain, '×'), ')');
  });
  parts.push(' (medians; above 100% the gain grows, below 0% the single processor wins).');
  return {
    id: 'gain-survival',
    title: "How much of co-execution's gain survives a busy, hot device",
    parts,
    sql,
    rows,
  };
}

/** The energy price of the fastest plan, and what planning for energy saves. */
async function energy(store: ResultStore): Promise<Finding | undefined> {
  const sql = `WITH p AS (${PLAN_ROWS}),
e AS (SELECT model, device,
  max(energy_mj) FILTER (WHERE strategy = 'best-single' AND objective = 'latency') AS single_mj,
  max(energy_mj) FILTER (WHERE strategy = 'adaptive' AND objective = 'latency') AS fast_mj,
  max(energy_mj) FILTER (WHERE strategy = 'adaptive' AND objective = 'energy') AS frugal_mj
  FROM p GROUP BY model, device)
SELECT count(fast_mj / single_mj) AS pairs,
  round(100.0 * (median(fast_mj / single_mj) - 1), 1) AS fastest_extra_pct,
  round(abs(100.0 * (median(fast_mj / single_mj) - 1)), 1) AS fastest_extra_abs_pct,
  count(frugal_mj / fast_mj) AS energy_pairs,
  round(100.0 * (1 - median(frugal_mj / fast_mj)), 1) AS energy_saving_pct
FROM e`;
  const rows = await store.query(sql);
  const r = rows[0];
  if (!r || !Number(r.pairs)) return undefined;
  const extra = Number(r.fastest_extra_pct);
  const parts: FindingPart[] = [
    'The fastest plan (adaptive, latency objective) uses a median ',
    cite(r.fastest_extra_abs_pct, '%'),
    ` ${extra >= 0 ? 'more' : 'less'} energy per inference than the best single processor over `,
    cite(r.pairs),
    ' model × phone pairs',
  ];
  if (Number(r.energy_pairs) > 0) {
    parts.push(
      '; planning for energy instead saves a median ',
      cite(r.energy_saving_pct, '%'),
      ' of it (',
      cite(r.energy_pairs),
      ' pairs)',
    );
  }
  parts.push('.');
  return { id: 'energy', title: 'The energy price of speed', parts, sql, rows };
}

/** Several models at once: deadline misses per strategy. */
async function multiModel(store: ResultStore): Promise<Finding | undefined> {
  const sql = `SELECT strategy, count(*) AS runs, round(100.0 * avg(deadline_miss_rate), 1) AS miss_pct,
  round(median(p99_ms), 1) AS median_p99_ms
FROM cells WHERE kind = 'simulate' AND status = 'ok' AND model LIKE '%+%'
GROUP BY strategy ORDER BY miss_pct, strategy`;
  const rows = await store.query(sql);
  if (rows.length < 2) return undefined;
  const best = rows[0];
  const worst = rows[rows.length - 1];
  return {
    id: 'multi-model',
    title: 'Several models at once',
    parts: [
      `With several models sharing the device, ${String(best.strategy)} misses the fewest deadlines (`,
      cite(best.miss_pct, '%'),
      ' over ',
      cite(best.runs),
      ` runs, median p99 `,
      cite(best.median_p99_ms, ' ms'),
      `) and ${String(worst.strategy)} the most (`,
      cite(worst.miss_pct, '%'),
      ', median p99 ',
      cite(worst.median_p99_ms, ' ms'),
      ').',
    ],
    sql,
    rows,
  };
}

/** Which calibration the study's host predictions came from (study metadata), if recorded. */
async function hostCalibration(store: ResultStore): Promise<string | undefined> {
  const rows = await store.query("SELECT value FROM study WHERE key = 'host_calibration'");
  return rows[0] ? String(rows[0].value) : undefined;
}

const EXECUTED = `SELECT model, strategy, predicted_ms, measured_ms, max_abs_diff,
    abs(predicted_ms / measured_ms - 1) AS err, predicted_ms / measured_ms - 1 AS bias
  FROM cells WHERE kind = 'execute' AND status = 'ok' AND measured_ms > 0 AND predicted_ms > 0`;

/** How close the simulator's host predictions are to plans executed for real on this machine. */
async function predictedVsMeasured(store: ResultStore): Promise<Finding | undefined> {
  const sql = `WITH e AS (${EXECUTED})
SELECT count(*) AS plans, count(DISTINCT model) AS models,
  round(100.0 * median(err), 1) AS median_error_pct,
  count(*) FILTER (WHERE err <= 0.1) AS within_10pct,
  round(100.0 * max(err), 1) AS max_error_pct,
  arg_max(model || ' (' || strategy || ')', err) AS worst_plan,
  round(100.0 * median(bias), 1) AS median_bias_pct,
  round(abs(100.0 * median(bias)), 1) AS median_bias_abs_pct,
  round(1e6 * max(max_abs_diff), 2) AS max_abs_diff_e6
FROM e`;
  const rows = await store.query(sql);
  const r = rows[0];
  if (!r || !Number(r.plans)) return undefined;
  const calibration = await hostCalibration(store);
  const under = Number(r.median_bias_pct) < 0;
  return {
    id: 'predicted-vs-measured',
    title: 'Predictions against real runs on this machine',
    parts: [
      'Over ',
      cite(r.plans),
      ' plans of ',
      cite(r.models),
      ` models executed for real on this machine (ONNX Runtime worker threads, every output within 1e-4 of the monolithic model, largest difference `,
      cite(r.max_abs_diff_e6, '·10⁻⁶'),
      "), the simulator's prediction for one request on an idle host is off from the measured median by a median of ",
      cite(r.median_error_pct, '%'),
      '; ',
      cite(r.within_10pct),
      ' of ',
      cite(r.plans),
      ` plans are within ±10% (worst: ${String(r.worst_plan)}, `,
      cite(r.max_error_pct, '%'),
      '), and predictions are a median ',
      cite(r.median_bias_abs_pct, '%'),
      ` ${under ? 'below' : 'above'} measurement.${calibration ? ` Host predictions use the ${calibration}.` : ''}`,
    ],
    sql,
    rows,
  };
}

/** Whether splitting a model over the host's per-core workers beats one session on all cores, for real. */
async function hostCoexecution(store: ResultStore): Promise<Finding | undefined> {
  // Models whose heft plan really uses several workers: a one-worker heft plan is a one-thread
  // session, which says nothing about co-execution.
  const sql = `WITH e AS (${EXECUTED}),
w AS (SELECT model, json_array_length(json_extract(details, '$.processors')) AS workers FROM cells
  WHERE kind = 'execute' AND status = 'ok' AND strategy = 'heft'),
m AS (SELECT model, max(w.workers) AS workers,
  max(measured_ms) FILTER (WHERE strategy = 'cpu') / max(measured_ms) FILTER (WHERE strategy = 'heft') AS measured_speedup,
  max(predicted_ms) FILTER (WHERE strategy = 'cpu') / max(predicted_ms) FILTER (WHERE strategy = 'heft') AS predicted_speedup
  FROM e JOIN w USING (model) GROUP BY model HAVING measured_speedup IS NOT NULL AND predicted_speedup IS NOT NULL),
s AS (SELECT * FROM m WHERE workers > 1)
SELECT (SELECT count(*) FROM m) AS models, count(*) AS split_models,
  count(*) FILTER (WHERE measured_speedup > 1.05) AS heft_faster,
  count(*) FILTER (WHERE measured_speedup < 0.95) AS cpu_faster,
  count(*) FILTER (WHERE (measured_speedup > 1) = (predicted_speedup > 1)) AS winner_predicted,
  round(median(measured_speedup), 2) AS median_measured_speedup,
  round(median(predicted_speedup), 2) AS median_predicted_speedup,
  round(max(measured_speedup), 2) AS max_measured_speedup,
  arg_max(model, measured_speedup) AS max_at
FROM s`;
  const rows = await store.query(sql);
  const r = rows[0];
  if (!r || !Number(r.split_models)) return undefined;
  return {
    id: 'host-coexecution',
    title: 'Does co-execution pay on a real machine',
    parts: [
      "Executed for real, heft's plan splits ",
      cite(r.split_models),
      ' of ',
      cite(r.models),
      ' models over both per-core workers (one ORT thread each, the others stay on one worker); for those, the split plan is more than 5% faster than one ORT session on all cores for ',
      cite(r.heft_faster),
      ' and more than 5% slower for ',
      cite(r.cpu_faster),
      ' (measured speedup: median ',
      cite(r.median_measured_speedup, '×'),
      ', best ',
      cite(r.max_measured_speedup, '×'),
      ` for ${String(r.max_at)}; predicted median `,
      cite(r.median_predicted_speedup, '×'),
      '), and the prediction picks the faster of the two plans for ',
      cite(r.winner_predicted),
      ' of them.',
    ],
    sql,
    rows,
  };
}

/** Every finding the data supports, in reading order. */
export async function computeFindings(store: ResultStore): Promise<Finding[]> {
  const all = [
    singleVsCoexec,
    singleWinsByModel,
    npuFallbacks,
    bestStrategyChanges,
    gainSurvival,
    energy,
    multiModel,
    predictedVsMeasured,
    hostCoexecution,
  ];
  const out: Finding[] = [];
  for (const f of all) {
    const finding = await f(store);
    if (finding) out.push(finding);
  }
  return out;
}
