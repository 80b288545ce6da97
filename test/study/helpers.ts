// Small study specs for tests (seconds to run) and a way to read a results database back.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportOnnxFile } from '../../src/formats/onnx/index.js';
import { inferShapes } from '../../src/graph/shape-inference.js';
import { buildHostDevice, saveHostFile } from '../../src/hardware/host.js';
import { TEST_HOST } from '../test-host.js';
import { ResultStore, type QueryRow } from '../../src/study/store.js';
import { GraphBuilder } from '../../src/zoo/builder.js';

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

/**
 * A host file with fixed figures and catalog-default costs (`peakScale` varies it, so that two
 * files are two calibrations); returns its path.
 */
export function fakeHostFile(peakScale = 1, dir = tempDir('host')): string {
  const measurements = {
    ...TEST_HOST,
    matmulGflops: { 1: 60 * peakScale, 2: 110 * peakScale },
  };
  return saveHostFile(
    {
      format: 'hetero-host/1',
      device: buildHostDevice(measurements),
      params: { device: 'host', processors: {}, fittedFrom: 'test' },
      runOverhead: {},
      measurements,
    },
    join(dir, `host-${peakScale}.json`),
  );
}

/** A tiny two-branch CNN as an ONNX file (milliseconds per run): heft can give a branch to each worker. */
export function tinyBranchyModel(dir = tempDir('model')): string {
  const b = new GraphBuilder('tiny-branchy');
  const x = b.input('x', [1, 8, 32, 32], { channels: 8 });
  const left = b.relu(b.conv(x, { out: 32, kernel: [3, 3], pad: [1, 1], bias: true }, 'left'));
  const right = b.relu(b.conv(x, { out: 32, kernel: [5, 5], pad: [2, 2], bias: true }, 'right'));
  b.output(b.add(left, right));
  const file = join(dir, 'tiny-branchy.onnx');
  exportOnnxFile(inferShapes(b.build(), {}).graph, file);
  return file;
}

/** A study of one tiny model executed on the host, whole CPU and heft over the per-core workers. */
export function hostSpec(model: string): string {
  return `name: host-tiny
models:
  - { name: tiny, source: '${model}' }
devices: [host]
sweeps:
  - { name: host, run: execute, strategies: [cpu, heft], runs: 2, traces: true }
`;
}
