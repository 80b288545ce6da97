// The runner through the real CLI: results do not depend on the job count, and a run killed with
// SIGKILL mid-way resumes to exactly the results of an uninterrupted run (nothing lost, nothing twice).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import buildDist from '../global-setup.js';
import { allCells, queryDb, specFile, tempDir, TINY_SPEC } from './helpers.js';

/** Enough cells (a few seconds of work) that a kill lands mid-run. */
const KILL_SPEC = `name: resumable
models:
  - { source: 'zoo:mobilenetv2' }
  - { source: 'zoo:inceptionv3' }
  - { source: 'pkg:ppocr-rec' }
  - { source: 'pkg:silero-vad' }
devices: [sd855, sd865, sd888, sd8gen2, dimensity9200]
strategies: all
conditions: [idle, background-cpu]
durationMs: 300
workloads:
  - { name: single, kind: single }
sweeps:
  - { name: plans, run: plan }
  - { name: sim, run: simulate, devices: [sd888], strategies: [best-single, heft], models: [mobilenetv2] }
`;

function study(
  spec: string,
  out: string,
  jobs: number,
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(
    process.execPath,
    ['bin/hetero.js', 'study', spec, '--out', out, '--jobs', String(jobs), '--no-report'],
    {
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => buildDist());

describe('study runner', () => {
  it('gives the same database whatever the number of jobs', async () => {
    const spec = specFile(TINY_SPEC);
    const one = tempDir('jobs1');
    const two = tempDir('jobs2');
    expect(study(spec, one, 1).status).toBe(0);
    expect(study(spec, two, 2).status).toBe(0);
    const a = await allCells(join(one, 'results.duckdb'));
    const b = await allCells(join(two, 'results.duckdb'));
    expect(a.length).toBeGreaterThan(40);
    expect(b).toEqual(a);
    const traces = 'SELECT cell_id, md5(events) AS h FROM traces ORDER BY cell_id';
    expect(await queryDb(join(two, 'results.duckdb'), traces)).toEqual(
      await queryDb(join(one, 'results.duckdb'), traces),
    );
    // A second run finds everything done and computes nothing.
    const again = study(spec, one, 2);
    expect(again.stdout).toMatch(/, 0 computed now/);
    expect(await allCells(join(one, 'results.duckdb'))).toEqual(a);
  });

  it('resumes after kill -9 to exactly the uninterrupted results', async () => {
    const spec = specFile(KILL_SPEC);
    const reference = tempDir('reference');
    expect(study(spec, reference, 2).status).toBe(0);
    const expected = await allCells(join(reference, 'results.duckdb'));

    const out = tempDir('killed');
    const child = spawn(
      process.execPath,
      ['bin/hetero.js', 'study', spec, '--out', out, '--jobs', '2', '--no-report'],
      {
        stdio: 'ignore',
      },
    );
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    // Kill once some plans are on disk: the run is under way, most cells are not done.
    const plans = join(out, 'plans');
    for (let i = 0; i < 600; i++) {
      if (existsSync(plans) && readdirSync(plans).filter((f) => f.endsWith('.json')).length >= 15) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const partial = await allCells(join(out, 'results.duckdb'));
    expect(partial.length).toBeLessThan(expected.length);
    // What the killed run committed is already final: every row equals the reference's.
    const byId = new Map(expected.map((r) => [r.id, r]));
    for (const row of partial) if (row.status !== 'skipped') expect(row).toEqual(byId.get(row.id));

    const resumed = study(spec, out, 2);
    expect(resumed.status).toBe(0);
    const computed = Number(/(\d+) computed now/.exec(resumed.stdout)?.[1]);
    const done = partial.filter((r) => r.status !== 'skipped').length;
    expect(computed).toBe(expected.length - done);
    expect(await allCells(join(out, 'results.duckdb'))).toEqual(expected);
  });
});
