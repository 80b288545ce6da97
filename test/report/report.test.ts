// The study report as a person sees it: opened in headless Chromium, offline, with a model whose
// graph and node names are hostile. No console errors, no script runs, every chart is an SVG, and
// every number a finding cites is found by re-running the finding's SQL on the database.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportOnnxFile } from '../../src/formats/onnx/index.js';
import { loadModel } from '../../src/frontend/load.js';
import { CHROMIUM_ARGS } from '../../src/runtime/browser.js';
import buildDist from '../global-setup.js';
import { fakeHostFile, queryDb } from '../study/helpers.js';

const HOSTILE = '<script>alert(1)</script>';

/** MobileNetV2 exported with hostile node names (and graph name; the study names it by the spec). */
function hostileModel(dir: string): string {
  const { graph } = loadModel('zoo:mobilenetv2');
  const nodes = graph.nodes.map((n, i) =>
    i % 7 === 0 ? { ...n, id: `<img src=x onerror="alert(${i})">&amp;${i}` } : n,
  );
  const file = join(dir, 'hostile.onnx');
  exportOnnxFile({ ...graph, name: HOSTILE, nodes }, file);
  return file;
}

function spec(model: string): string {
  return `name: 'report <b>test</b>'
models:
  - { name: '${HOSTILE}', source: '${model}' }
  - { source: 'pkg:silero-vad' }
devices: [sd888, sd8gen2, host]
strategies: [cpu, gpu, npu, best-single, heft, adaptive]
conditions: [idle, background-cpu]
durationMs: 400
workloads:
  - { name: single, kind: single }
  - name: pair
    kind: multi
    streams:
      - { model: '${HOSTILE}', fps: 10, sloMs: 50 }
      - { model: silero-vad, fps: 20, sloMs: 30 }
sweeps:
  - { name: plans, run: plan, devices: [sd888, sd8gen2] }
  - { name: energy, run: plan, devices: [sd888], strategies: [adaptive], objectives: [energy] }
  - { name: gantt, run: plan, devices: [sd8gen2], strategies: [adaptive], traces: true }
  - { name: sim, run: simulate, devices: [sd888], strategies: [best-single, adaptive] }
  - { name: host, run: execute, devices: [host], strategies: [cpu, heft], models: [silero-vad], runs: 3 }
`;
}

let out = '';
let dbPath = '';

beforeAll(() => {
  buildDist();
  const dir = mkdtempSync(join(tmpdir(), 'hetero-report-'));
  const model = hostileModel(dir);
  const specPath = join(dir, 'study.yaml');
  // YAML single quotes: the hostile name has none, so it is carried verbatim.
  spawnSync('sh', ['-c', `cat > '${specPath}'`], { input: spec(model) });
  out = join(dir, 'out');
  // A host file with fixed figures: the report does not depend on this machine's calibration.
  const args = [
    'bin/hetero.js',
    'study',
    specPath,
    '--out',
    out,
    '--jobs',
    '2',
    '--host-file',
    fakeHostFile(),
  ];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 120_000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/report: .*report\.html/);
  dbPath = join(out, 'results.duckdb');
});

describe('study report', () => {
  it('never carries a hostile name as markup', () => {
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).not.toContain(HOSTILE);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('opens offline in Chromium with every chart as SVG and findings backed by the database', async () => {
    const userDataDir = mkdtempSync(join(tmpdir(), 'hetero-chromium-'));
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: '/usr/bin/chromium',
      // The executor's flags (WebGPU included, harmless for a page without scripts).
      args: CHROMIUM_ARGS,
      viewport: { width: 1300, height: 900 },
    });
    try {
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('dialog', (d) => {
        problems.push(`dialog: ${d.message()}`);
        void d.dismiss();
      });
      page.on('request', (req) => {
        if (!req.url().startsWith('file:')) problems.push(`network: ${req.url()}`);
      });
      await page.goto(pathToFileURL(join(out, 'report.html')).href);
      await page.waitForLoadState('load');

      const charts = await page.$$eval('figure.chart', (figs) =>
        figs.map((f) => ({ id: f.id, svg: f.querySelector(':scope > svg') !== null })),
      );
      const ids = charts.map((c) => c.id);
      const expected = ['chart-speedup', 'chart-energy', 'chart-gantt-0'];
      const has = async (sql: string): Promise<boolean> => (await queryDb(dbPath, sql)).length > 0;
      if (await has("SELECT 1 FROM cells WHERE kind = 'simulate' AND status = 'ok' AND model NOT LIKE '%+%'"))
        expected.push('chart-conditions');
      if (await has("SELECT 1 FROM cells WHERE kind = 'simulate' AND status = 'ok' AND model LIKE '%+%'"))
        expected.push('chart-multi');
      if (await has("SELECT 1 FROM cells WHERE kind = 'execute' AND status = 'ok'"))
        expected.push('chart-host');
      expect(ids).toEqual(expect.arrayContaining(expected));
      expect(ids).toContain('chart-host'); // the study executes silero-vad on the host
      // Conditions facets in the presets' order, idle first (not alphabetical: background-cpu < idle).
      const headerX = (label: string): Promise<number> =>
        page.$$eval(
          '#chart-conditions svg text',
          (texts, l) => texts.find((t) => t.textContent === l)?.getBoundingClientRect().x ?? NaN,
          label,
        );
      expect(await headerX('idle')).toBeLessThan(await headerX('background-cpu'));
      expect(charts.every((c) => c.svg)).toBe(true);
      expect(await page.$$eval('script', (s) => s.length)).toBe(0);
      // The hostile names are shown as text (escaped), in the page and inside the charts.
      expect(await page.textContent('body')).toContain(HOSTILE);
      expect(await page.$eval('#chart-speedup svg', (s) => s.textContent ?? '')).toContain(HOSTILE);

      const findings = await page.$$eval('li.finding', (items) =>
        items.map((li) => ({
          text: li.textContent ?? '',
          sql: li.querySelector('pre.sql')?.textContent ?? '',
          values: [...li.querySelectorAll('data')].map((d) => d.getAttribute('value') ?? ''),
        })),
      );
      expect(findings.length).toBeGreaterThan(0);
      const host = findings.find((f) => f.text.startsWith('Predictions against real runs'));
      expect(host?.text).toMatch(
        /Over 2 plans of 1 models executed for real .* Host predictions use the host file /,
      );
      for (const f of findings) {
        expect(f.values.length).toBeGreaterThan(0);
        const rows = await queryDb(dbPath, f.sql);
        const numbers = rows
          .flatMap((r) => Object.values(r))
          .filter((v): v is number => typeof v === 'number');
        for (const v of f.values) expect(numbers, `${v} in "${f.text.slice(0, 80)}"`).toContain(Number(v));
      }

      const shot = join(out, 'report.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(existsSync(shot) && statSync(shot).size).toBeGreaterThan(10_000);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
