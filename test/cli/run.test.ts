// `hetero run`: a strategy's plan executed on worker threads, verified and compared with the
// prediction (JSON and text), and every kind of bad input as one line with exit code 2. Without a
// host file (a clean clone) the prediction comes from a quick calibration, which the output names.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../src/frontend/load.js';
import { graphFingerprint } from '../../src/graph/fingerprint.js';
import { runCli } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'hetero-run-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function planFile(name: string, fingerprint: string, proc: string, nodes: string[]): string {
  const file = join(dir, name);
  const plan = {
    model: 'ppocr-cls',
    fingerprint,
    device: 'host',
    strategy: 'hand',
    objective: 'latency',
    placements: Object.fromEntries(nodes.map((id) => [id, { proc }])),
    notes: [],
  };
  writeFileSync(file, JSON.stringify(plan));
  return file;
}

function expectOneLine(r: { status: number | null; stdout: string; stderr: string }, pattern: RegExp): void {
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
}

describe('hetero run', () => {
  it('runs a heft plan on two workers, verifies it and reports measured vs predicted', () => {
    const r = runCli(['run', 'pkg:ppocr-cls', '--strategy', 'heft', '--runs', '2', '--verify', '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(report.measuredMs).toBeGreaterThan(0);
    expect(report.predictedMs).toBeGreaterThan(0);
    // The executor's measured request cost is part of the prediction on the node backend.
    expect(report.requestMs).toBeGreaterThan(0);
    expect(report.predictedMs).toBeGreaterThan(report.requestMs as number);
    expect(Number.isFinite(report.errorPct)).toBe(true);
    expect(report.maxAbsDiff).toBeLessThanOrEqual(1e-4);
    expect((report.trace as { events: unknown[] }).events.length).toBeGreaterThan(0);
    expect(report.calibration).toMatch(/host file|quick calibration/);
  });

  it('prints the text report with --verify', () => {
    const r = runCli([
      'run',
      'pkg:silero-vad',
      '--strategy',
      'cpu',
      '--processors',
      'cpu',
      '--runs',
      '2',
      '--verify',
    ]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/measured +[\d.]+ ms/);
    expect(r.stdout).toMatch(/predicted +[\d.]+ ms/);
    expect(r.stdout).toMatch(/error +[+-][\d.]+ %/);
    expect(r.stdout).toMatch(/stateN: /);
    expect(r.stdout).toMatch(/verified: every output within 0.0001/);
  });

  it('a plan for another model', () => {
    const file = planFile('other.json', 'not-this-model', 'cpu0', ['a']);
    expectOneLine(runCli(['run', 'pkg:ppocr-cls', '--plan', file]), /plan is for another model/);
  });

  it('a plan naming a processor the host lacks', () => {
    const { graph } = loadModel('pkg:ppocr-cls', { deploy: true, exampleInputs: true });
    const nodes = graph.nodes.map((n) => n.id);
    const file = planFile('gpu.json', graphFingerprint(graph), 'gpu', nodes);
    expectOneLine(runCli(['run', 'pkg:ppocr-cls', '--plan', file]), /unknown processor "gpu" on host/);
  });

  it('a TF.js model, a bad backend, and a browser that cannot start', () => {
    expectOneLine(
      runCli(['run', 'pkg:blazeface', '--strategy', 'heft']),
      /TF\.js model: ONNX Runtime cannot run it/,
    );
    expectOneLine(
      runCli(['run', 'pkg:ppocr-cls', '--strategy', 'heft', '--backend', 'gpu']),
      /--backend: "gpu"/,
    );
    const r = spawnSync(
      process.execPath,
      ['bin/hetero.js', 'run', 'pkg:ppocr-cls', '--strategy', 'heft', '--backend', 'browser'],
      {
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, HETERO_CHROMIUM: '/no/such/chromium' },
      },
    );
    expectOneLine(r, /Chromium cannot start \(\/no\/such\/chromium\)/);
  });

  it('neither --plan nor --strategy', () => {
    expectOneLine(runCli(['run', 'pkg:ppocr-cls']), /give exactly one of --plan FILE or --strategy NAME/);
  });
});
