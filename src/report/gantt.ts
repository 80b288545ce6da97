// The schedule of one inference as a Gantt chart: one row per processor and per transfer lane
// ("from→to"), one bar per compute / transfer / sync event of a Trace (predicted or measured).
// Drawn as a Vega-Lite spec and rendered to SVG headlessly (no canvas). Node names come from model
// files and may be hostile: they only ever reach the SVG as escaped text (Vega escapes attribute
// values; control characters, which XML cannot carry even escaped, are replaced first).
import type { TopLevelSpec } from 'vega-lite';
import type { Encoding } from 'vega-lite/types_unstable/encoding.js';
import type { Trace, TraceEvent } from '../plan/types.js';

export interface GanttOptions {
  title?: string;
  /** Processor ids in the order their rows should appear (e.g. the device's); others follow. */
  processors?: string[];
  /** Plot width in pixels (default 800). */
  widthPx?: number;
}

/** One bar of the chart. */
export interface GanttBar {
  row: string;
  kind: TraceEvent['kind'];
  startMs: number;
  endMs: number;
  /** What the bar is, for screen readers and SVG viewers (becomes the bar's aria-label). */
  label: string;
}

/** Whether XML 1.0 can carry code point `c` (even escaped, it cannot carry most control characters). */
function xmlAllowed(c: number): boolean {
  return (
    c === 0x9 ||
    c === 0xa ||
    c === 0xd ||
    (c >= 0x20 && c <= 0xd7ff) ||
    (c >= 0xe000 && c <= 0xfffd) ||
    c >= 0x10000
  );
}

/** Text from a model file made safe to hand to an XML writer (which still escapes <, >, &, "). */
export function xmlSafeText(text: string): string {
  let out = '';
  // for…of walks code points: a lone surrogate comes out alone and is replaced.
  for (const ch of text) out += xmlAllowed(ch.codePointAt(0) ?? 0) ? ch : '\ufffd';
  return out;
}

/** Rows in display order: processors (given order first), then transfer lanes. */
export function ganttRows(trace: Trace, processors: string[] = []): string[] {
  const seen = new Set(trace.events.map((e) => e.proc));
  const procRows = processors.filter((p) => seen.has(p));
  const rest = [...seen].filter((r) => !procRows.includes(r));
  const lanes = rest.filter((r) => r.includes('→')).sort();
  const others = rest.filter((r) => !r.includes('→')).sort();
  return [...procRows, ...others, ...lanes];
}

/** The bars of a trace; zero-length events (e.g. a free sync) are kept so every event has a bar. */
export function ganttBars(trace: Trace): GanttBar[] {
  return trace.events
    .filter((e) => e.kind !== 'idle')
    .map((e) => {
      const what = e.node === undefined ? '' : ` ${xmlSafeText(e.node)}`;
      const req = e.request === undefined ? '' : ` (request ${e.request})`;
      return {
        row: xmlSafeText(e.proc),
        kind: e.kind,
        startMs: e.startMs,
        endMs: e.endMs,
        label: `${e.kind}${what}${req} on ${xmlSafeText(e.proc)}, ${e.startMs.toFixed(3)}–${e.endMs.toFixed(3)} ms`,
      };
    });
}

const KIND_COLORS: Record<string, string> = {
  compute: '#4c78a8',
  transfer: '#f58518',
  sync: '#e45756',
};

export function ganttSpec(trace: Trace, opts: GanttOptions = {}): TopLevelSpec {
  const rows = ganttRows(trace, opts.processors);
  const bars = ganttBars(trace);
  const kinds = Object.keys(KIND_COLORS);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(opts.title ? { title: xmlSafeText(opts.title) } : {}),
    width: opts.widthPx ?? 800,
    height: { step: 22 },
    data: { values: bars },
    // Sync is drawn thin so that it stays visible when it overlaps the compute of its processor.
    layer: [
      {
        transform: [{ filter: "datum.kind !== 'sync'" }],
        mark: { type: 'bar', height: { band: 0.8 } },
        encoding: barEncoding(rows, kinds),
      },
      {
        transform: [{ filter: "datum.kind === 'sync'" }],
        mark: { type: 'bar', height: { band: 0.25 } },
        encoding: barEncoding(rows, kinds),
      },
    ],
  };
}

function barEncoding(rows: string[], kinds: string[]): Encoding<string> {
  return {
    y: { field: 'row', type: 'nominal', sort: rows, title: null },
    x: { field: 'startMs', type: 'quantitative', title: 'time (ms)' },
    x2: { field: 'endMs' },
    color: {
      field: 'kind',
      type: 'nominal',
      title: 'event',
      scale: { domain: kinds, range: kinds.map((k) => KIND_COLORS[k]) },
    },
    description: { field: 'label' },
  };
}

/** The chart as a standalone SVG document. Vega is loaded on first use (it is large). */
export async function renderGanttSvg(trace: Trace, opts: GanttOptions = {}): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vegaLite.compile(ganttSpec(trace, opts)).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
