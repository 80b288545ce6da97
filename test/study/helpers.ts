// Small study specs for tests (seconds to run) and a way to read a results database back.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResultStore, type QueryRow } from '../../src/study/store.js';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `hetero-${prefix}-`));
}

/** Writes `text` as a spec file in a fresh temp dir; returns its path. */
export function specFile(text: string, name = 'study.yaml'): string {
  const file = join(tempDir('spec'), name);
  writeFileSync(file, text);
  return file;
}

/** A tiny study: plans on two phones, a few simulations and no host execution. */
export const TINY_SPEC = `name: tiny
models:
  - { source: 'zoo:mobilenetv2' }
  - { source: 'pkg:silero-vad' }
devices: [sd888, sd8gen2]
strategies: [cpu, gpu, npu, best-single, layerwise, heft, adaptive]
conditions: [idle, background-cpu, thermal-throttle]
durationMs: 500
workloads:
  - { name: single, kind: single }
  - { name: camera30, kind: periodic, fps: 30, sloMs: 33.3 }
sweeps:
  - { name: plans, run: plan }
  - { name: gantt, run: plan, devices: [sd8gen2], strategies: [adaptive], traces: true }
  - { name: sim, run: simulate, devices: [sd888], strategies: [best-single, heft, adaptive], models: [mobilenetv2] }
`;

/** Every row of the cells table, ordered by id (the comparable content of a results database). */
export async function allCells(dbPath: string): Promise<QueryRow[]> {
  const store = await ResultStore.open(dbPath, { readOnly: true });
  try {
    return await store.query('SELECT * FROM cells ORDER BY id');
  } finally {
    store.close();
  }
}

export async function queryDb(dbPath: string, sql: string): Promise<QueryRow[]> {
  const store = await ResultStore.open(dbPath, { readOnly: true });
  try {
    return await store.query(sql);
  } finally {
    store.close();
  }
}
