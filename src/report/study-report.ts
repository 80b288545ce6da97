// The study report: one self-contained HTML file (inline SVG charts, no scripts, no network) built
// from a results database — what was run, the findings with their evidence, and the charts.
import { writeFileAtomic } from '../write-atomic.js';
import { strategyNames } from '../plan/strategies/index.js';
import type { TraceEvent } from '../plan/types.js';
import { conditionPresetNames } from '../sim/index.js';
import { ResultStore, type QueryRow } from '../study/store.js';
import { computeFindings, type Finding } from './findings.js';
import { renderGanttSvg } from './gantt.js';
import { escapeHtml, figure, page, rowsTable } from './html.js';
import {
  conditionsBoxplotSpec,
  energySpec,
  multiModelSpec,
  predictedVsMeasuredSpec,
  speedupHeatmapSpec,
} from './study-charts.js';
import { renderVegaLiteSvg } from './vega-svg.js';

export interface StudyReport {
  html: string;
  findings: Finding[];
  /** Ids of the figures the report contains. */
  charts: string[];
}

/** Gantt charts drawn at most (each is a full trace). */
const MAX_GANTTS = 16;
/** Measured Gantt charts of multi-partition executions drawn at most. */
const MAX_MEASURED_GANTTS = 4;

function findingHtml(f: Finding): string {
  const text = f.parts
    .map((p) =>
      typeof p === 'string'
        ? escapeHtml(p)
        : `<data value="${escapeHtml(String(p.value))}">${escapeHtml(`${p.value}${p.unit}`)}</data>`,
    )
    .join('');
  return `<li class="finding" id="finding-${escapeHtml(f.id)}"><strong>${escapeHtml(f.title)}.</strong> ${text}
<details><summary>evidence</summary><pre class="sql">${escapeHtml(f.sql)}</pre>${rowsTable(f.rows)}</details></li>`;
}

function inOrder(preferred: readonly string[], present: readonly string[]): string[] {
  return [...preferred.filter((p) => present.includes(p)), ...present.filter((p) => !preferred.includes(p))];
}

async function order(store: ResultStore, sql: string): Promise<string[]> {
  return (await store.query(sql)).map((r) => String(Object.values(r)[0]));
}

export async function buildStudyReport(store: ResultStore): Promise<StudyReport> {
  const meta = Object.fromEntries(
    (await store.query('SELECT key, value FROM study')).map((r) => [r.key, r.value]),
  );
  const spec = meta.spec ? (JSON.parse(String(meta.spec)) as { name?: string; description?: string }) : {};
  const name = spec.name ?? 'study';
  // Display orders: the registry's for strategies, the simulator's for presets (idle first), then any others.
  const strategies = inOrder(
    strategyNames(),
    await order(store, 'SELECT DISTINCT strategy FROM cells ORDER BY 1'),
  );
  const presets = inOrder(
    conditionPresetNames(),
    await order(store, 'SELECT DISTINCT conditions FROM cells WHERE conditions IS NOT NULL ORDER BY 1'),
  );
  const sections: string[] = [];
  const charts: string[] = [];
  const chart = async (id: string, caption: string, svg: Promise<string>): Promise<string> => {
    charts.push(id);
    return figure(await svg, caption, id);
  };

  const summary = await store.query(
    'SELECT kind, status, count(*) AS cells FROM cells GROUP BY kind, status ORDER BY kind, status',
  );
  sections.push(`<h1>${escapeHtml(`hetero study: ${name}`)}</h1>
<p>${escapeHtml(spec.description ?? '')}</p>
<p class="note">Every number below comes from the results database next to this file (DuckDB, table <code>cells</code>); query it with <code>hetero results</code>.</p>
${rowsTable(summary)}`);

  const findings = await computeFindings(store);
  sections.push(`<h2 id="findings">Findings</h2>
${findings.length > 0 ? `<ol class="findings">${findings.map(findingHtml).join('\n')}</ol>` : '<p class="note">The study produced no data for findings.</p>'}`);

  const heat = await store.query(`WITH p AS (SELECT model, device, strategy, latency_ms FROM cells
    WHERE kind = 'plan' AND status = 'ok' AND objective = 'latency' AND device <> 'host'),
  b AS (SELECT model, device, min(latency_ms) AS single_ms FROM p WHERE strategy IN ('cpu', 'gpu', 'npu', 'best-single') GROUP BY model, device)
  SELECT p.model, p.device, p.strategy, b.single_ms / p.latency_ms AS speedup
  FROM p JOIN b USING (model, device) ORDER BY p.model, p.device, p.strategy`);
  if (heat.length > 0) {
    sections.push(`<h2>Speedup over the best single processor</h2>
${await chart('chart-speedup', 'Static prediction of one inference on an idle device; > 1 (blue) is faster than the best of CPU, GPU and NPU alone. bound = lower bound, stretch changes the model.', renderVegaLiteSvg(speedupHeatmapSpec(heat, strategies)))}`);
  }

  const slow =
    await store.query(`WITH s AS (SELECT model, device, workload, seed, strategy, conditions, p50_ms FROM cells
    WHERE kind = 'simulate' AND status = 'ok' AND model NOT LIKE '%+%' AND p50_ms > 0)
  SELECT s.strategy, s.conditions, s.p50_ms / i.p50_ms AS slowdown FROM s JOIN s AS i
    ON i.conditions = 'idle' AND i.model = s.model AND i.device = s.device AND i.workload = s.workload
    AND i.seed = s.seed AND i.strategy = s.strategy
  ORDER BY s.conditions, s.strategy, slowdown`);
  if (slow.length > 0) {
    sections.push(`<h2>Latency under each conditions preset</h2>
${await chart('chart-conditions', 'Distribution over models, devices and workloads of each cell’s simulated p50 latency divided by the same cell’s on an idle device.', renderVegaLiteSvg(conditionsBoxplotSpec(slow, presets)))}`);
  }

  const multi =
    await store.query(`SELECT workload, device, strategy, conditions, 100.0 * deadline_miss_rate AS miss_pct
    FROM cells WHERE kind = 'simulate' AND status = 'ok' AND model LIKE '%+%' ORDER BY workload, device, strategy, conditions`);
  if (multi.length > 0) {
    sections.push(`<h2>Several models at once</h2>
${await chart('chart-multi', 'Share of requests that missed their deadline, mean over devices.', renderVegaLiteSvg(multiModelSpec(multi, presets)))}`);
  }

  const energy = await store.query(`SELECT model, strategy, median(energy_mj) AS energy_mj FROM cells
    WHERE kind = 'plan' AND status = 'ok' AND objective = 'latency' AND device <> 'host' AND energy_mj > 0
    GROUP BY model, strategy ORDER BY model, strategy`);
  if (energy.length > 0) {
    sections.push(`<h2>Energy per inference</h2>
${await chart('chart-energy', 'Predicted energy of one inference under each strategy’s latency plan, median over the phones.', renderVegaLiteSvg(energySpec(energy, strategies)))}`);
  }

  const traces =
    await store.query(`SELECT c.model, c.device, c.strategy, c.objective, c.latency_ms, c.details, t.events
    FROM traces t JOIN cells c ON c.id = t.cell_id WHERE c.status = 'ok' AND c.kind = 'plan'
    ORDER BY c.model, c.device, c.strategy, c.objective LIMIT ${MAX_GANTTS}`);
  if (traces.length > 0) {
    const gantts: string[] = [];
    for (const [i, t] of traces.entries()) gantts.push(await ganttFigure(t, i, chart));
    sections.push(`<h2>Chosen plans (Gantt charts)</h2>\n${gantts.join('\n')}`);
  }

  const pvm = await store.query(`SELECT model, strategy, predicted_ms, measured_ms FROM cells
    WHERE kind = 'execute' AND status = 'ok' AND measured_ms > 0 AND predicted_ms > 0 ORDER BY model, strategy`);
  if (pvm.length > 0) {
    const calibration = `the ${meta.host_calibration ? String(meta.host_calibration) : 'host calibration'}`;
    sections.push(`<h2>Predicted vs measured (host)</h2>
${await chart('chart-host', `Each point a plan executed on this machine by hetero's executor (ONNX Runtime worker threads; median of the measured runs, outputs verified against the monolithic model) against the simulator's prediction for one request on an idle host, from ${calibration}. cpu = one session on all cores; heft = the model split over the per-core workers cpu0, cpu1. The dashed line is a perfect prediction.`, renderVegaLiteSvg(predictedVsMeasuredSpec(pvm)))}`);
  }

  const measured =
    await store.query(`SELECT c.model, c.device, c.strategy, c.objective, c.measured_ms AS latency_ms, c.details, t.events
    FROM traces t JOIN cells c ON c.id = t.cell_id
    WHERE c.status = 'ok' AND c.kind = 'execute' AND json_extract(c.details, '$.partitions')::INTEGER > 1
    ORDER BY c.model, c.strategy LIMIT ${MAX_MEASURED_GANTTS}`);
  if (measured.length > 0) {
    const gantts: string[] = [];
    for (const [i, t] of measured.entries()) gantts.push(await ganttFigure(t, i, chart, 'measured'));
    sections.push(`<h2>Executed plans on this machine (measured Gantt charts)</h2>\n${gantts.join('\n')}`);
  }

  const notRun = await store.query(`SELECT kind, status, message, count(*) AS cells FROM cells
    WHERE status <> 'ok' GROUP BY kind, status, message ORDER BY cells DESC, kind, message LIMIT 30`);
  if (notRun.length > 0) {
    sections.push(`<h2>Cells without results</h2>
<p class="note">refused = the strategy has no plan there (e.g. no GPU); skipped = a precondition was missing and the cell is retried by the next run; error = a bug.</p>
${rowsTable(notRun)}`);
  }
  return { html: page(`hetero study: ${name}`, sections.join('\n\n')), findings, charts };
}

async function ganttFigure(
  t: QueryRow,
  index: number,
  chart: (id: string, caption: string, svg: Promise<string>) => Promise<string>,
  kind: 'predicted' | 'measured' = 'predicted',
): Promise<string> {
  const events = JSON.parse(String(t.events)) as TraceEvent[];
  // Plan cells list their device's processors as {id, kind}; execute cells the ids they ran on.
  const details = JSON.parse(String(t.details)) as { processors?: (string | { id: string })[] };
  const processors = details.processors?.map((p) => (typeof p === 'string' ? p : p.id)) ?? [];
  const title = `${String(t.model)} on ${String(t.device)}: ${String(t.strategy)} (${Number(t.latency_ms).toFixed(2)} ms${kind === 'measured' ? ' measured' : ''})`;
  const caption =
    kind === 'measured'
      ? `${title}: one partition (sub-model) per bar, as the executor's worker threads ran the median inference.`
      : `${title}, ${String(t.objective)} objective: compute, transfers and syncs per processor.`;
  return chart(
    `chart-${kind === 'measured' ? 'measured-' : ''}gantt-${index}`,
    caption,
    renderGanttSvg({ events }, { title, processors, widthPx: 900 }),
  );
}

/** Builds the report from a database and writes it atomically (temp file + rename). */
export async function writeStudyReport(dbPath: string, htmlPath: string): Promise<StudyReport> {
  const store = await ResultStore.open(dbPath, { readOnly: true });
  try {
    const report = await buildStudyReport(store);
    writeFileAtomic(htmlPath, report.html);
    return report;
  } finally {
    store.close();
  }
}
