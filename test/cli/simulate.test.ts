// `hetero simulate` end to end through the real launcher (build dist first): the JSON it prints, the
// Gantt chart of a window, and one-line errors (exit 2, nothing written) for bad input.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectCleanError, runCli } from './helpers.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hetero-simulate-'));
});

interface SimJson {
  requests: number;
  completed: number;
  latencyMs: { p50: number; p90: number; p99: number };
  throughputPerS: number;
  deadlineMissRate: number;
  energyMjPerInference: number;
  utilization: Record<string, number>;
  events: number;
  perModel: Record<string, { requests: number; deadlineMissRate: number }>;
}

function simulateJson(args: string[]): SimJson {
  const r = runCli(['simulate', ...args, '--json']);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as SimJson;
}

function expectSimulateError(args: string[], mention: RegExp, unwritten: string[] = []): void {
  expectCleanError(['simulate', ...args], mention, unwritten);
}

describe('hetero simulate', () => {
  it('prints the run as JSON: requests, percentiles, throughput, misses, energy, utilisation, events', () => {
    const out = simulateJson([
      'zoo:mobilenetv2',
      '--device',
      'sd8gen2',
      '--strategy',
      'gpu',
      '--duration',
      '2s',
    ]);
    expect(out.requests).toBe(60);
    expect(out.completed).toBe(60);
    expect(out.latencyMs.p50).toBeGreaterThan(0);
    expect(out.latencyMs.p99).toBeGreaterThanOrEqual(out.latencyMs.p50);
    expect(out.throughputPerS).toBeCloseTo(30, 0);
    expect(out.deadlineMissRate).toBe(0);
    expect(out.energyMjPerInference).toBeGreaterThan(0);
    expect(out.utilization.gpu).toBeGreaterThan(0);
    expect(out.utilization.npu).toBe(0);
    expect(out.events).toBeGreaterThan(60 * 60);
  });

  it('runs several models with their own workloads under a preset, reproducibly per seed', () => {
    const args = [
      'zoo:mobilenetv2,zoo:resnet50',
      '--device',
      'sd8gen2',
      '--strategy',
      'codl',
      '--workload',
      '30fps;poisson:10/s,deadline=50ms',
      '--conditions',
      'gpu-busy',
      '--duration',
      '3s',
      '--seed',
      '4',
    ];
    const a = simulateJson(args);
    const b = simulateJson(args);
    expect(b).toEqual(a);
    expect(Object.keys(a.perModel)).toEqual(['mobilenetv2', 'resnet50']);
    expect(a.perModel.mobilenetv2.requests).toBe(90);
    // A game on the GPU and a GPU-heavy plan: frames miss their 33 ms deadline.
    const idle = simulateJson(args.map((x) => (x === 'gpu-busy' ? 'idle' : x)));
    expect(a.latencyMs.p50).toBeGreaterThan(idle.latencyMs.p50);
  });

  it('prints a readable table without --json', () => {
    const r = runCli([
      'simulate',
      'zoo:mobilenetv2',
      '--device',
      'sd865',
      '--duration',
      '1s',
      '--conditions',
      'background-cpu',
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^adaptive on sd865, conditions background-cpu, workload 30fps/);
    expect(r.stdout).toMatch(/model\s+requests\s+done\s+dropped\s+p50\s+p90\s+p99\s+miss\s+per s/);
    expect(r.stdout).toMatch(/energy per inference: [0-9.]+ mJ/);
  });

  it('writes the Gantt chart of a window as SVG', () => {
    const svg = join(dir, 'run.svg');
    const r = runCli([
      'simulate',
      'zoo:mobilenetv2',
      '--device',
      'sd865',
      '--strategy',
      'codl',
      '--duration',
      '1s',
      '--gantt',
      svg,
      '--window',
      '0-70ms',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const text = readFileSync(svg, 'utf8');
    expect(text).toMatch(/^<svg/);
    expect(text).toMatch(/compute [^"]* \(request 1\)/);
  });

  it('rejects bad input with one line naming the field, exit 2, and writes nothing', () => {
    const svg = join(dir, 'never.svg');
    const base = ['zoo:mobilenetv2', '--device', 'sd8gen2', '--gantt', svg];
    expectSimulateError([...base, '--conditions', 'sunny'], /--conditions: unknown preset "sunny"/, [svg]);
    expectSimulateError(
      [...base, '--workload', 'poisson:-5/s'],
      /--workload: poisson rate must be a positive rate/,
      [svg],
    );
    expectSimulateError([...base, '--duration', '0s'], /--duration: duration must be > 0/, [svg]);
    expectSimulateError(
      [...base, '--workload', '30fps;10fps'],
      /--workload: gives 2 model specs for 1 models/,
      [svg],
    );
    expectSimulateError([...base, '--seed', 'abc'], /--seed/, [svg]);
    expectSimulateError([...base, '--window', '5-1ms'], /--window: end must be after start/, [svg]);
    expectSimulateError([...base, '--strategy', 'magic'], /--strategy: unknown strategy "magic"/, [svg]);
    expectSimulateError(['zoo:mobilenetv2', '--duration', '1s'], /--device/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"name":"x","loads":[{"name":"a","target":"gpu","busyShare":1.5}]}');
    expectSimulateError([...base, '--conditions', bad], /bad\.json: loads\.0\.busyShare/, [svg]);
    const truncated = join(dir, 'truncated.json');
    writeFileSync(truncated, '{"name": "x", "loads": [');
    expectSimulateError([...base, '--conditions', truncated], /truncated\.json: is not valid JSON/, [svg]);
  });
});
