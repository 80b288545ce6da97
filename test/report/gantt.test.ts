import { describe, expect, it } from 'vitest';
import { createCostModel } from '../../src/cost/index.js';
import { loadModel } from '../../src/frontend/load.js';
import { getDevice } from '../../src/hardware/catalog.js';
import { evaluatePlan } from '../../src/plan/evaluate.js';
import { ulayer } from '../../src/plan/strategies/ulayer.js';
import type { Trace } from '../../src/plan/types.js';
import { ganttRows, renderGanttSvg, xmlSafeText } from '../../src/report/gantt.js';

/** Loose XML well-formedness: every tag closes in order, no raw '<' or '&' in text or attributes. */
function expectWellFormedXml(xml: string): void {
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  for (let m = tag.exec(xml); m; m = tag.exec(xml)) {
    const text = xml.slice(last, m.index);
    expect(text, `text before <${m[2]}>`).not.toMatch(
      /[<>]|&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/,
    );
    for (const [, value] of m[3].matchAll(/="([^"]*)"/g)) {
      expect(value).not.toMatch(/&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/);
    }
    if (m[1] === '/') expect(stack.pop(), `closing </${m[2]}>`).toBe(m[2]);
    else if (m[4] !== '/') stack.push(m[2]);
    last = tag.lastIndex;
  }
  expect(xml.slice(last).trim()).toBe('');
  expect(stack).toEqual([]);
}

const ariaLabels = (svg: string): string[] => [...svg.matchAll(/aria-label="([^"]*)"/g)].map((m) => m[1]);

describe('Gantt chart', () => {
  it('draws one bar per compute event of a real plan, as well-formed SVG', async () => {
    const device = getDevice('sd8gen2');
    const cost = createCostModel(device);
    const { graph } = loadModel('zoo:mobilenetv2');
    const plan = ulayer.plan(graph, device, cost);
    const { trace } = evaluatePlan(plan, graph, device, cost);
    const computes = trace.events.filter((e) => e.kind === 'compute');
    const transfers = trace.events.filter((e) => e.kind === 'transfer');
    expect(transfers.length).toBeGreaterThan(0);
    const svg = await renderGanttSvg(trace, {
      title: 'mobilenetv2',
      processors: device.processors.map((p) => p.id),
    });
    expect(svg.startsWith('<svg')).toBe(true);
    expectWellFormedXml(svg);
    const labels = ariaLabels(svg);
    expect(labels.filter((l) => l.startsWith('compute '))).toHaveLength(computes.length);
    expect(labels.filter((l) => l.startsWith('transfer '))).toHaveLength(transfers.length);
    // Rows: the processors that work, in device order, then the transfer lanes.
    const rows = ganttRows(
      trace,
      device.processors.map((p) => p.id),
    );
    // μLayer pairs the GPU with the CPU cluster it predicts faster (cpu-big or cpu-mid); ops it
    // cannot split stay on the home CPU, which also syncs.
    const working = new Set(trace.events.map((e) => e.proc).filter((p) => !p.includes('→')));
    const procRows = device.processors.map((p) => p.id).filter((id) => working.has(id));
    expect(procRows).toContain('gpu');
    expect(procRows.some((id) => id === 'cpu-big' || id === 'cpu-mid')).toBe(true);
    expect(rows.slice(0, procRows.length)).toEqual(procRows);
    expect(rows.slice(procRows.length).every((r) => r.includes('→'))).toBe(true);
  });

  it('escapes hostile node names', async () => {
    const hostile = 'x"><script>alert(1)</script>&\u0000';
    const trace: Trace = {
      events: [
        { proc: 'cpu-big', kind: 'compute', node: hostile, startMs: 0, endMs: 2 },
        { proc: 'cpu-big→gpu', kind: 'transfer', node: hostile, startMs: 2, endMs: 2.5 },
        { proc: 'gpu', kind: 'sync', node: hostile, startMs: 2, endMs: 2.1 },
        { proc: 'gpu', kind: 'compute', node: 'b', startMs: 2.5, endMs: 4 },
      ],
    };
    const svg = await renderGanttSvg(trace, { title: `<script>${hostile}` });
    expect(svg).not.toMatch(/<script/i);
    expect(svg).not.toContain('\u0000');
    expect(svg).toContain('&lt;script&gt;');
    expectWellFormedXml(svg);
    expect(ariaLabels(svg).filter((l) => l.startsWith('compute '))).toHaveLength(2);
    expect(xmlSafeText('a\u0001b\ud800c')).toBe('a\ufffdb\ufffdc');
  });
});
