// Execute cells as the study runs them: a tiny model's plans (whole CPU, and heft over the per-core
// workers) executed for real by the executor, each row carrying the measured median, the simulator's
// prediction and the verified max difference from the monolithic run, with the measured trace per
// partition; host cells belong to their calibration (a new one recomputes them). A host file with
// fixed figures stands in for the calibration, so nothing depends on .hetero/host.json.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TraceEvent } from '../../src/plan/types.js';
import { expandCells } from '../../src/study/cells.js';
import { loadStudy, studyVocabulary } from '../../src/study/load.js';
import { runStudy } from '../../src/study/runner.js';
import { fakeHostFile, hostSpec, queryDb, specFile, tempDir, tinyBranchyModel } from './helpers.js';

let spec = '';
beforeAll(() => {
  spec = specFile(hostSpec(tinyBranchyModel()));
});

interface Details {
  predictedBy: string;
  calibration: string;
  runsMs: number[];
  partitions: number;
  processors: string[];
}

describe('execute cells', () => {
  it('run the plan on the executor and store measured, predicted and max_abs_diff', async () => {
    const out = tempDir('execute');
    const hostFile = fakeHostFile();
    const summary = await runStudy(await loadStudy(spec), { outDir: out, jobs: 1, hostFile });
    expect(summary.byStatus).toEqual({ ok: 2, refused: 0, error: 0, skipped: 0 });
    expect(summary.hostCalibration).toBe(`host file ${hostFile}`);
    const db = join(out, 'results.duckdb');
    const rows = await queryDb(
      db,
      "SELECT id, strategy, predicted_ms, measured_ms, max_abs_diff, latency_ms, details FROM cells WHERE kind = 'execute' ORDER BY strategy",
    );
    expect(rows.map((r) => r.strategy)).toEqual(['cpu', 'heft']);
    for (const r of rows) {
      expect(Number(r.measured_ms)).toBeGreaterThan(0);
      expect(Number(r.predicted_ms)).toBeGreaterThan(0);
      expect(r.latency_ms).toBe(r.predicted_ms);
      expect(typeof r.max_abs_diff).toBe('number');
      expect(Number(r.max_abs_diff)).toBeLessThanOrEqual(1e-4);
      const d = JSON.parse(String(r.details)) as Details;
      expect(d.predictedBy).toBe('simulator');
      expect(d.calibration).toBe(`host file ${hostFile}`);
      expect(d.runsMs).toHaveLength(2);
    }
    const [cpu, heft] = rows.map((r) => JSON.parse(String(r.details)) as Details);
    // The whole-machine plan is one partition on `cpu`; heft plans over the per-core workers only.
    expect(cpu.processors).toEqual(['cpu']);
    expect(cpu.partitions).toBe(1);
    expect([...heft.processors].sort()).toEqual(['cpu0', 'cpu1']); // one branch per worker
    // The measured trace: one compute event per partition, on the processors the plan used.
    for (const [i, r] of rows.entries()) {
      const [t] = await queryDb(db, `SELECT events FROM traces WHERE cell_id = '${String(r.id)}'`);
      const events = JSON.parse(String(t.events)) as TraceEvent[];
      const d = i === 0 ? cpu : heft;
      expect(events.filter((e) => e.kind === 'compute')).toHaveLength(d.partitions);
      const computed = events.filter((e) => e.kind === 'compute').map((e) => e.proc);
      expect(new Set(computed)).toEqual(new Set(d.processors));
    }
    const [meta] = await queryDb(db, "SELECT value FROM study WHERE key = 'host_calibration'");
    expect(meta.value).toBe(`host file ${hostFile}`);
  });

  it('belong to their host calibration: another one gives other cell ids and recomputes them', async () => {
    const study = await loadStudy(spec);
    const vocab = await studyVocabulary();
    const ids = (hostCalibration?: string): string[] =>
      expandCells(study, vocab, hostCalibration ? { hostCalibration } : {}).map((c) => c.id);
    expect(ids('aaa')).toEqual(ids('aaa'));
    expect(ids('aaa').some((id) => ids('bbb').includes(id))).toBe(false);

    const out = tempDir('recalibrated');
    const dir = tempDir('hosts');
    const first = await runStudy(study, { outDir: out, jobs: 1, hostFile: fakeHostFile(1, dir) });
    expect(first.computed).toBe(2);
    const same = await runStudy(study, { outDir: out, jobs: 1, hostFile: fakeHostFile(1, dir) });
    expect(same.computed).toBe(0);
    const other = await runStudy(study, { outDir: out, jobs: 1, hostFile: fakeHostFile(2, dir) });
    expect(other).toMatchObject({ computed: 2, removed: 2, cells: 2 });
  });
});
