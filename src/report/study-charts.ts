// The study report's charts as Vega-Lite specs, from rows the report queried. Strings in the data
// come from model files and specs and may be hostile: they are made XML-safe here (xmlSafeText) and
// Vega's SVG writer escapes them.
import type { TopLevelSpec } from 'vega-lite';
import { xmlSafeText } from './gantt.js';
import type { QueryRow } from '../study/store.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** Rows with every string XML-safe. */
function safe(rows: readonly QueryRow[]): Record<string, string | number | boolean | null>[] {
  return rows.map((r) => {
    const out: Record<string, string | number | boolean | null> = {};
    for (const [k, v] of Object.entries(r)) out[k] = typeof v === 'string' ? xmlSafeText(v) : v;
    return out;
  });
}

/**
 * Rows ordered by `presets` (then as given). Vega-Lite drops a facet's sort array when the facet's
 * data is aggregated (the sort index is computed before the aggregate and lost by it), leaving the
 * columns in data order; ordering the data too keeps `idle` first either way.
 */
function inPresetOrder(rows: readonly QueryRow[], presets: readonly string[]): QueryRow[] {
  const rank = (r: QueryRow): number => {
    const i = presets.indexOf(String(r.conditions));
    return i < 0 ? presets.length : i;
  };
  return [...rows].sort((a, b) => rank(a) - rank(b));
}

/** Rows: model, device, strategy, speedup (best single processor's latency / the strategy's). */
export function speedupHeatmapSpec(rows: readonly QueryRow[], strategies: readonly string[]): TopLevelSpec {
  const data = safe(rows).map((r) => ({ ...r, context: `${String(r.model)} @ ${String(r.device)}` }));
  const contexts = [...new Set(data.map((r) => r.context))];
  return {
    $schema: SCHEMA,
    title: 'Speedup over the best single processor (static prediction, one inference)',
    data: { values: data },
    width: { step: 46 },
    height: { step: 15 },
    encoding: {
      x: {
        field: 'strategy',
        type: 'nominal',
        sort: [...strategies],
        title: 'strategy',
        axis: { labelAngle: -40 },
      },
      y: {
        field: 'context',
        type: 'nominal',
        sort: contexts,
        title: 'model @ device',
        axis: { labelLimit: 320 },
      },
    },
    layer: [
      {
        mark: 'rect',
        encoding: {
          color: {
            field: 'speedup',
            type: 'quantitative',
            title: 'speedup ×',
            scale: { type: 'log', scheme: 'redblue', domainMid: 1, domain: [0.1, 10], clamp: true },
          },
        },
      },
      {
        mark: { type: 'text', fontSize: 8 },
        encoding: { text: { field: 'speedup', type: 'quantitative', format: '.2f' } },
      },
    ],
  };
}

/** Rows: strategy, conditions, slowdown (p50 under the preset / p50 of the same cell idle). */
export function conditionsBoxplotSpec(rows: readonly QueryRow[], presets: readonly string[]): TopLevelSpec {
  return {
    $schema: SCHEMA,
    title: 'Simulated p50 latency under each conditions preset, relative to the same cell on an idle device',
    data: { values: safe(inPresetOrder(rows, presets)) },
    facet: {
      column: { field: 'conditions', type: 'nominal', sort: [...presets], title: 'conditions preset' },
    },
    spec: {
      width: 150,
      height: 220,
      mark: { type: 'boxplot', extent: 'min-max' },
      encoding: {
        x: { field: 'strategy', type: 'nominal', title: null, axis: { labelAngle: -50 } },
        y: { field: 'slowdown', type: 'quantitative', title: 'p50 / idle p50', scale: { type: 'log' } },
        color: { field: 'strategy', type: 'nominal', legend: null },
      },
    },
  };
}

/** Rows: model, strategy, energy_mj (median over devices), objective. */
export function energySpec(rows: readonly QueryRow[], strategies: readonly string[]): TopLevelSpec {
  return {
    $schema: SCHEMA,
    title: 'Predicted energy per inference (median over the phones)',
    data: { values: safe(rows) },
    width: 520,
    height: 260,
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'strategy', type: 'nominal', sort: [...strategies], axis: { labelAngle: -40 } },
      y: {
        field: 'energy_mj',
        type: 'quantitative',
        title: 'energy per inference (mJ)',
        scale: { type: 'log' },
      },
      color: { field: 'model', type: 'nominal' },
    },
  };
}

/** Rows: model, strategy, predicted_ms, measured_ms (one point per executed plan). */
export function predictedVsMeasuredSpec(rows: readonly QueryRow[]): TopLevelSpec {
  const values = safe(rows);
  const all = values.flatMap((r) => [Number(r.predicted_ms), Number(r.measured_ms)]).filter((v) => v > 0);
  const lo = all.length ? Math.min(...all) / 1.5 : 0.1;
  const hi = all.length ? Math.max(...all) * 1.5 : 10;
  return {
    $schema: SCHEMA,
    title: 'Predicted vs measured latency on this machine (host)',
    width: 360,
    height: 360,
    layer: [
      {
        data: {
          values: [
            { a: lo, b: lo },
            { a: hi, b: hi },
          ],
        },
        mark: { type: 'line', color: '#999', strokeDash: [4, 4] },
        encoding: {
          x: { field: 'a', type: 'quantitative', scale: { type: 'log', domain: [lo, hi] } },
          y: { field: 'b', type: 'quantitative', scale: { type: 'log', domain: [lo, hi] } },
        },
      },
      {
        data: { values },
        mark: { type: 'point', filled: true, size: 60 },
        encoding: {
          x: {
            field: 'predicted_ms',
            type: 'quantitative',
            title: 'predicted (ms)',
            scale: { type: 'log', domain: [lo, hi] },
          },
          y: {
            field: 'measured_ms',
            type: 'quantitative',
            title: 'measured median (ms)',
            scale: { type: 'log', domain: [lo, hi] },
          },
          color: { field: 'model', type: 'nominal' },
          shape: { field: 'strategy', type: 'nominal', title: 'plan' },
        },
      },
    ],
  };
}

/** Rows: workload, device, strategy, conditions, miss_pct (deadline misses, %). */
export function multiModelSpec(rows: readonly QueryRow[], presets: readonly string[]): TopLevelSpec {
  return {
    $schema: SCHEMA,
    title: 'Several models at once: deadline misses per strategy and conditions preset',
    data: { values: safe(inPresetOrder(rows, presets)) },
    facet: {
      column: { field: 'conditions', type: 'nominal', sort: [...presets], title: 'conditions preset' },
      row: { field: 'workload', type: 'nominal', title: 'workload' },
    },
    spec: {
      width: 120,
      height: 120,
      mark: 'bar',
      encoding: {
        x: { field: 'strategy', type: 'nominal', title: null, axis: { labelAngle: -50 } },
        y: { field: 'miss_pct', type: 'quantitative', aggregate: 'mean', title: 'deadline misses (%)' },
        color: { field: 'strategy', type: 'nominal', legend: null },
      },
    },
  };
}
