// `hetero study` and `hetero results` as a user runs them: bad specs are one line and exit 2 with
// nothing written; results are queried and exported from the database a study wrote.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import buildDist from '../global-setup.js';
import { hostSpec, queryDb, specFile, tempDir, tinyBranchyModel, TINY_SPEC } from '../study/helpers.js';
import { runCli } from './helpers.js';

beforeAll(() => buildDist());

describe('hetero study', () => {
  it.each([
    [
      'a negative rate',
      TINY_SPEC.replace('fps: 30', 'fps: -30'),
      /study\.yaml: workloads\[1\]\.fps: must be > 0/,
    ],
    [
      'an unknown device',
      TINY_SPEC.replace('[sd888, sd8gen2]', '[sd888, nokia3310]'),
      /devices\[1\]: unknown device "nokia3310"/,
    ],
    [
      'an unknown strategy',
      TINY_SPEC.replace('cpu, gpu', 'cpu, tpu'),
      /strategies\[1\]: unknown strategy "tpu"/,
    ],
    [
      'an unknown preset',
      TINY_SPEC.replace('[idle, background-cpu', '[idle, heatwave'),
      /conditions\[1\]: unknown conditions preset "heatwave"/,
    ],
    ['malformed YAML', 'name: tiny\nmodels: [ { source: zoo:vgg16 \n', /study\.yaml: not valid YAML/],
    ['a truncated file', TINY_SPEC.slice(0, 120), /study\.yaml: /],
  ])('rejects %s with one line, exit 2, nothing written', (_what, text, message) => {
    const out = join(tempDir('bad'), 'out');
    const r = runCli(['study', specFile(text), '--out', out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
  });

  it('rejects a missing spec file and a bad --jobs', () => {
    expect(runCli(['study', '/nonexistent/study.yaml']).stderr).toMatch(
      /study\.yaml: cannot read the study spec/,
    );
    const r = runCli(['study', specFile(TINY_SPEC), '--jobs', '0']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--jobs: "0" is not an integer ≥ 1/);
  });

  it('prints the default spec', () => {
    const r = runCli(['study', '--print-default']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^# hetero's default study/);
    expect(r.stdout).toContain('run: simulate');
  });
});

describe('hetero study on a clean clone (no .hetero/host.json)', () => {
  it('calibrates the host quickly, saves it beside the results and executes the host cells', async () => {
    // Run from an empty directory: there is no .hetero/host.json there, as on a fresh clone.
    const cwd = tempDir('clean-clone');
    const spec = specFile(hostSpec(tinyBranchyModel()));
    const r = spawnSync(process.execPath, [resolve('bin/hetero.js'), 'study', spec, '--out', 'out'], {
      cwd,
      encoding: 'utf8',
      timeout: 170_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/host predictions: quick calibration on .* saved to out\/host-quick\.json/);
    expect(existsSync(join(cwd, 'out', 'host-quick.json'))).toBe(true);
    expect(existsSync(join(cwd, '.hetero'))).toBe(false); // the quick one is not the user's calibration
    const db = join(cwd, 'out', 'results.duckdb');
    const rows = await queryDb(
      db,
      "SELECT strategy, status, predicted_ms, measured_ms, max_abs_diff FROM cells WHERE kind = 'execute' ORDER BY strategy",
    );
    expect(rows.map((x) => [x.strategy, x.status])).toEqual([
      ['cpu', 'ok'],
      ['heft', 'ok'],
    ]);
    for (const x of rows) {
      expect(Number(x.predicted_ms)).toBeGreaterThan(0);
      expect(Number(x.measured_ms)).toBeGreaterThan(0);
      expect(Number(x.max_abs_diff)).toBeLessThanOrEqual(1e-4);
    }
    const report = readFileSync(join(cwd, 'out', 'report.html'), 'utf8');
    expect(report).toContain('id="chart-host"');
    expect(report).toMatch(/Host predictions use the quick calibration on/);
  });

  it('rejects a --host-file that does not exist in one line', () => {
    const r = runCli([
      'study',
      specFile(hostSpec(tinyBranchyModel())),
      '--host-file',
      '/nonexistent/host.json',
    ]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/\/nonexistent\/host\.json: no host calibration here/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('hetero results', () => {
  let db = '';
  beforeAll(() => {
    const out = tempDir('results');
    const r = runCli(['study', specFile(TINY_SPEC), '--out', out, '--no-report']);
    expect(r.status).toBe(0);
    db = join(out, 'results.duckdb');
  });

  it('prints a summary, a query as a table or JSON', () => {
    expect(runCli(['results', db]).stdout).toMatch(/kind\s+status\s+cells\nplan\s+ok\s+\d+/);
    const sql =
      "SELECT model, count(*) AS plans FROM cells WHERE kind = 'plan' GROUP BY model ORDER BY model";
    expect(runCli(['results', db, '--sql', sql]).stdout).toMatch(
      /model\s+plans\nmobilenetv2\s+14\nsilero-vad\s+14\n\(2 rows\)/,
    );
    const json = JSON.parse(runCli(['results', db, '--sql', sql, '--json']).stdout) as unknown;
    expect(json).toEqual([
      { model: 'mobilenetv2', plans: 14 },
      { model: 'silero-vad', plans: 14 },
    ]);
  });

  it('exports CSV and Parquet', () => {
    const dir = tempDir('export');
    const csv = join(dir, 'cells.csv');
    expect(runCli(['results', db, '--export', 'csv', '--to', csv]).stdout).toBe(`wrote ${csv}\n`);
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines[0]).toMatch(/^id,kind,sweep,model,device,strategy/);
    const parquet = join(dir, 'plans.parquet');
    const r = runCli([
      'results',
      db,
      '--export',
      'parquet',
      '--to',
      parquet,
      '--sql',
      "SELECT * FROM cells WHERE kind = 'plan'",
    ]);
    expect(r.status).toBe(0);
    expect(readFileSync(parquet).subarray(0, 4).toString()).toBe('PAR1');
    const back = runCli(['results', db, '--sql', `SELECT count(*) AS n FROM '${parquet}'`, '--json']);
    expect(JSON.parse(back.stdout)).toEqual([{ n: 28 }]);
    expect(lines.length - 1).toBeGreaterThan(28);
  });

  it('turns bad SQL, a missing database and a bad format into one line, exit 2', () => {
    const bad = runCli(['results', db, '--sql', 'SELEC nothing']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/results\.duckdb: .*Parser Error: syntax error/);
    expect(runCli(['results', '/nonexistent.duckdb']).stderr).toMatch(/no such results database/);
    expect(runCli(['results', db, '--export', 'xlsx']).stderr).toMatch(
      /--export: "xlsx" is not csv or parquet/,
    );
  });
});
