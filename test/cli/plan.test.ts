import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectCleanError, runCli } from './helpers.js';

// mobilenetv2 has > 30 ops, so `optimal` refuses it (and says why) while every other strategy runs.
const MODEL = 'zoo:mobilenetv2';
const DEVICE = 'sd865';

interface JsonResult {
  strategy: string;
  latencyMs?: number;
  energyMj?: number;
  speedupVsBestSingle?: number;
  breakdown?: { shares: Record<'compute' | 'transfer' | 'sync' | 'idle', number> };
  fallbacks?: number;
  crossEdges?: number;
  lowerBound?: boolean;
  error?: string;
}

interface JsonOutput {
  model: string;
  device: string;
  results: JsonResult[];
  boundMs: number;
  chosen: string;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hetero-plan-'));
});

function planJson(args: string[]): JsonOutput {
  const r = runCli(['plan', ...args, '--json']);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as JsonOutput;
}

describe('hetero plan', () => {
  it('prints a table of every strategy against the best single processor and the bound', () => {
    const r = runCli(['plan', MODEL, '--device', DEVICE]);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^mobilenetv2 on sd865 .*objective: latency/);
    expect(r.stdout).toMatch(
      /strategy\s+latency\s+speedup\s+energy\s+compute\s+transfer\s+sync\s+idle\s+fallbacks\s+x-edges\s+vs bound/,
    );
    for (const name of [
      'cpu',
      'gpu',
      'npu',
      'best-single',
      'layerwise',
      'heft',
      'ulayer',
      'codl',
      'pipeline',
      'stretch',
      'band',
      'bound',
      'adaptive',
    ]) {
      expect(
        lines.some((l) => new RegExp(`^[ *]${name}\\s+\\d+\\.\\d+ ms`).test(l)),
        name,
      ).toBe(true);
    }
    expect(lines.find((l) => /^ optimal/.test(l))).toMatch(/cannot run: .*30 ops/);
    expect(lines.find((l) => /^ bound/.test(l))).toMatch(/lower bound/);
    expect(lines.find((l) => /^ best-single/.test(l))).toMatch(/ 1\.00× /);
    expect(r.stdout).toMatch(/^lower bound: \d+\.\d+ ms$/m);
    expect(r.stdout).toMatch(/^\* chosen: adaptive — /m);
  });

  it('--json gives every result with the documented fields, none below the bound', () => {
    const out = planJson([MODEL, '--device', DEVICE]);
    expect(out.model).toBe('mobilenetv2');
    expect(out.device).toBe(DEVICE);
    expect(out.boundMs).toBeGreaterThan(0);
    expect(out.chosen).toBe('adaptive');
    const byName = new Map(out.results.map((r) => [r.strategy, r]));
    expect(byName.get('optimal')?.error).toMatch(/30 ops/);
    expect(byName.get('bound')).toMatchObject({ lowerBound: true, latencyMs: out.boundMs });
    expect(byName.get('best-single')?.speedupVsBestSingle).toBeCloseTo(1, 9);
    for (const r of out.results.filter((x) => x.error === undefined && !x.lowerBound)) {
      expect(r.latencyMs, r.strategy).toBeGreaterThanOrEqual(out.boundMs * (1 - 1e-9));
      expect(r.energyMj, r.strategy).toBeGreaterThan(0);
      expect(r.speedupVsBestSingle, r.strategy).toBeGreaterThan(0);
      expect(Number.isInteger(r.fallbacks) && Number.isInteger(r.crossEdges), r.strategy).toBe(true);
      const s = r.breakdown?.shares;
      expect(s, r.strategy).toBeDefined();
      expect(s?.compute, r.strategy).toBeGreaterThan(0);
      for (const v of Object.values(s ?? {})) expect(v).toBeGreaterThanOrEqual(0);
    }
    // adaptive is never predicted worse than another strategy that keeps the model.
    const adaptiveMs = byName.get('adaptive')?.latencyMs ?? Infinity;
    for (const r of out.results.filter((x) => x.latencyMs !== undefined && !x.lowerBound)) {
      if (r.strategy !== 'stretch')
        expect(adaptiveMs, r.strategy).toBeLessThanOrEqual((r.latencyMs ?? 0) * (1 + 1e-9));
    }
  });

  it('--out writes the plan and --gantt its schedule; --plan reads the plan back and evaluates it alike', () => {
    const planFile = join(dir, 'codl.json');
    const svgFile = join(dir, 'codl.svg');
    const made = planJson([
      MODEL,
      '--device',
      DEVICE,
      '--strategy',
      'codl',
      '--out',
      planFile,
      '--gantt',
      svgFile,
    ]);
    expect(made.results.map((r) => r.strategy)).toEqual(['codl']);
    const saved = JSON.parse(readFileSync(planFile, 'utf8')) as { strategy: string; device: string };
    expect(saved).toMatchObject({ strategy: 'codl', device: DEVICE });
    const svg = readFileSync(svgFile, 'utf8');
    expect(svg).toMatch(/^<svg[\s\S]*<\/svg>$/);
    expect(svg).toMatch(/aria-label="compute /);

    // The device defaults to the plan's.
    const back = planJson([MODEL, '--plan', planFile]);
    expect(back.results).toHaveLength(1);
    expect(back.results[0].strategy).toBe('codl');
    expect(back.results[0].latencyMs).toBeCloseTo(made.results[0].latencyMs ?? NaN, 9);
    expect(back.results[0].speedupVsBestSingle).toBeCloseTo(made.results[0].speedupVsBestSingle ?? NaN, 9);
  });

  it('rejects bad input with one line, exit 2 and nothing written', () => {
    const out = join(dir, 'never.json');
    const svg = join(dir, 'never.svg');
    const written = [out, svg];
    const common = ['--out', out, '--gantt', svg];
    expectCleanError(
      ['plan', MODEL, '--device', DEVICE, '--strategy', 'warp', ...common],
      /--strategy: unknown strategy "warp"; known: cpu, gpu, npu/,
      written,
    );
    expectCleanError(
      ['plan', MODEL, '--device', 'pixel99', ...common],
      /--device: unknown device "pixel99"/,
      written,
    );
    expectCleanError(
      ['plan', MODEL, '--device', DEVICE, '--objective', 'speed', ...common],
      /--objective: "speed"/,
      written,
    );

    // A plan made for mobilenetv2, applied to resnet50.
    const planFile = join(dir, 'cpu.json');
    expect(runCli(['plan', MODEL, '--device', DEVICE, '--strategy', 'cpu', '--out', planFile]).status).toBe(
      0,
    );
    expectCleanError(
      ['plan', 'zoo:resnet50', '--plan', planFile, ...common],
      /plan is for another model/,
      written,
    );
    expectCleanError(
      ['plan', MODEL, '--device', 'sd888', '--check', planFile, ...common],
      /plan is for device sd865, not sd888/,
      written,
    );

    // A plan that fails validation: a node on a processor the device does not have.
    const plan = JSON.parse(readFileSync(planFile, 'utf8')) as { placements: Record<string, unknown> };
    const first = Object.keys(plan.placements)[0];
    plan.placements[first] = { proc: 'tpu' };
    const badProc = join(dir, 'bad-proc.json');
    writeFileSync(badProc, JSON.stringify(plan));
    expectCleanError(['plan', MODEL, '--plan', badProc, ...common], /unknown processor "tpu"/, written);

    // Split fractions that do not sum to 1.
    plan.placements[first] = {
      split: {
        axis: 'OC',
        parts: [
          { proc: 'cpu-big', fraction: 0.5 },
          { proc: 'gpu', fraction: 0.2 },
        ],
      },
    };
    const badSplit = join(dir, 'bad-split.json');
    writeFileSync(badSplit, JSON.stringify(plan));
    expectCleanError(['plan', MODEL, '--plan', badSplit, ...common], /fractions sum to 0\.7/, written);

    // Not JSON, and JSON that is not a plan.
    const notJson = join(dir, 'not.json');
    writeFileSync(notJson, '{ "model": ');
    expectCleanError(['plan', MODEL, '--plan', notJson, ...common], /not\.json: is not valid JSON/, written);
    const notPlan = join(dir, 'not-plan.json');
    writeFileSync(notPlan, JSON.stringify({ model: 'x', device: DEVICE, placements: { a: { proc: 3 } } }));
    expectCleanError(
      ['plan', MODEL, '--plan', notPlan, ...common],
      /not-plan\.json: is not a plan: /,
      written,
    );
  });
});
