import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  latencyStats,
  MEASUREMENT_METHOD,
  PROFILER_TICK_MS,
  type ModelProfile,
} from '../../src/cost/measurements.js';
import { HeteroError } from '../../src/errors.js';
import { exportOnnx } from '../../src/formats/onnx/index.js';
import { graphFingerprint } from '../../src/graph/fingerprint.js';
import { fusedActivation } from '../../src/graph/fused-activation.js';
import type { Graph } from '../../src/graph/types.js';
import { profileCacheFile, readCachedProfile, writeCachedProfile } from '../../src/runtime/profile-cache.js';
import { loadProfileTarget, profileModel, type ProfileTarget } from '../../src/runtime/profile.js';
import { profileSuite } from '../../src/runtime/profile-suite.js';

describe('profileModel on a real model (ppocr-cls)', () => {
  let target: ProfileTarget;
  let one: ModelProfile;
  let two: ModelProfile;
  let deployed: ProfileTarget;
  let dep: ModelProfile;
  beforeAll(async () => {
    target = loadProfileTarget('pkg:ppocr-cls');
    one = await profileModel(target, { threads: 1, runs: 3, warmup: 1 });
    two = await profileModel(target, { threads: 2, runs: 3, warmup: 1 });
    deployed = loadProfileTarget('pkg:ppocr-cls', [], {}, { deploy: true });
    dep = await profileModel(deployed, { threads: 1, runs: 3, warmup: 1 });
  });

  it('maps at least 95% of kernel time to hetero nodes', () => {
    expect(one.mappedShare).toBeGreaterThanOrEqual(0.95);
    const ids = new Set(target.graph.nodes.map((n) => n.id));
    for (const n of one.nodes) expect(ids.has(n.node)).toBe(true);
    // Nearly every node of the graph ran and was seen.
    expect(one.nodes.length).toBeGreaterThanOrEqual(0.95 * target.graph.nodes.length);
  });

  it('reports positive per-node medians and a consistent spread', () => {
    for (const n of one.nodes) {
      expect(n.latency.medianMs).toBeGreaterThan(0);
      expect(n.latency.p10Ms).toBeLessThanOrEqual(n.latency.medianMs);
      expect(n.latency.p90Ms).toBeGreaterThanOrEqual(n.latency.medianMs);
      expect(n.latency.samplesMs).toHaveLength(3);
    }
    expect(one.endToEnd.medianMs).toBeGreaterThan(0);
    expect(one.endToEnd.samplesMs).toHaveLength(3);
    // Plain and profiled runs are interleaved: as many of each, all estimated the same way.
    expect(one.profiledEndToEnd.samplesMs).toHaveLength(3);
    expect(one.endToEnd.estimateMs).toBeLessThanOrEqual(one.endToEnd.medianMs);
    // Kernel durations are truncated to whole µs, so their estimate reads a tick above the samples.
    for (const n of one.nodes)
      expect(n.latency.estimateMs).toBeLessThanOrEqual(n.latency.medianMs + PROFILER_TICK_MS);
    expect(one.method).toBe(MEASUREMENT_METHOD);
    expect(one.stoppedBy).toBe('max-runs');
  });

  it('measures between runs and maxRuns rounds when asked to continue until stable', async () => {
    const p = await profileModel(target, { runs: 3, maxRuns: 6, precision: 1e-9, warmup: 1 });
    // An impossible precision: it stops at the cap, with every round's nodes and times kept.
    expect(p.runs).toBe(6);
    expect(p.stoppedBy).toBe('max-runs');
    expect(p.endToEnd.samplesMs).toHaveLength(6);
    expect(p.nodes[0].latency.samplesMs).toHaveLength(6);
    const loose = await profileModel(target, { runs: 3, maxRuns: 50, precision: 10, warmup: 1 });
    expect(loose.runs).toBe(3);
    expect(loose.stoppedBy).toBe('stable');
  });

  it('profiles the deployed graph as exported, its fused activations measured with their nodes', () => {
    // BatchNorm folded and activations fused: the file is not what runs, the exported graph is.
    expect(deployed.file).toBeUndefined();
    expect(target.file).toBeDefined();
    expect(deployed.graph.nodes.length).toBeLessThan(target.graph.nodes.length);
    expect(deployed.graph.nodes.some((n) => n.op === 'BatchNormalization')).toBe(false);
    expect(dep.fingerprint).toBe(graphFingerprint(deployed.graph));
    expect(dep.mappedShare).toBe(1);
    expect(dep.unmappedEvents).toEqual([]);
    const fused = deployed.graph.nodes.filter((n) => fusedActivation(n));
    expect(fused.length).toBeGreaterThan(10);
    for (const n of fused) {
      const m = dep.nodes.find((x) => x.node === n.id)!;
      // The node's kernel and its Relu/Clip, in run order; the node's time is theirs summed, per run.
      expect(m.kernels?.map((k) => k.name)).toEqual([
        n.id,
        `${n.id}__${fusedActivation(n)!.op.toLowerCase()}`,
      ]);
      m.latency.samplesMs.forEach((ms, run) =>
        expect(ms).toBeCloseTo(
          m.kernels![0].latency.samplesMs[run] + m.kernels![1].latency.samplesMs[run],
          9,
        ),
      );
    }
    expect(dep.nodes.filter((x) => x.kernels)).toHaveLength(fused.length);
  });

  it('records the thread count, the fingerprint of the graph and the runtime', () => {
    expect(one.threads).toBe(1);
    expect(two.threads).toBe(2);
    expect(one.fingerprint).toBe(graphFingerprint(target.graph));
    expect(one.inputs).toEqual({ x: [1, 3, 48, 192] });
    expect(one.runtime).toMatchObject({ name: 'onnxruntime-node', graphOptimization: 'disabled' });
  });

  it('rejects a cached profile of a different model', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hetero-cache-'));
    writeCachedProfile(dir, one);
    expect(readCachedProfile(dir, one.fingerprint, 1, 'disabled', 3)).toBeDefined();
    // Kernel estimates are derived again from the samples on reading, so a cache follows the estimator.
    const stale = {
      ...one,
      nodes: one.nodes.map((n) => ({ ...n, latency: { ...n.latency, estimateMs: -1 } })),
    };
    writeCachedProfile(dir, stale);
    const reread = readCachedProfile(dir, one.fingerprint, 1, 'disabled', 3)!;
    expect(reread.nodes.map((n) => n.latency.estimateMs)).toEqual(one.nodes.map((n) => n.latency.estimateMs));
    // A profile measured by an older method is measured again, not reused.
    writeCachedProfile(dir, { ...one, method: undefined });
    expect(readCachedProfile(dir, one.fingerprint, 1, 'disabled', 3)).toBeUndefined();
    // A file under this model's key that holds another model's profile.
    const file = profileCacheFile(dir, 'feedfacefeedface', 1, 'disabled');
    writeFileSync(file, JSON.stringify(one));
    expect(() => readCachedProfile(dir, 'feedfacefeedface', 1, 'disabled', 3)).toThrow(
      /profile of a different model/,
    );
  });

  it("keeps, of a suite profile measured in several sessions, the run of the session whose plain and profiled runs were together faster, and each node's fastest session", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hetero-sessions-'));
    const slower = (p: ModelProfile, plain: number, profiled = plain): ModelProfile => ({
      ...p,
      endToEnd: { ...p.endToEnd, estimateMs: p.endToEnd.estimateMs * plain },
      profiledEndToEnd: { ...p.profiledEndToEnd, estimateMs: p.profiledEndToEnd.estimateMs * profiled },
    });
    // Session 0 ran while something slowed it down; session 1 did not.
    // The suite measures the deployed graph (its cache key is that graph's fingerprint).
    writeCachedProfile(dir, slower(dep, 1.3), 0);
    writeCachedProfile(dir, dep, 1);
    const suite = [{ family: 'ppocr-cls', spec: 'pkg:ppocr-cls', inputs: [] }];
    const [kept] = await profileSuite(suite, [1], { runs: 3, cacheDir: dir, sessions: 2 });
    expect(kept.profile.endToEnd.estimateMs).toBe(dep.endToEnd.estimateMs);
    expect(kept.graph.nodes.length).toBe(deployed.graph.nodes.length);
    // Both sessions' plain end-to-end estimates stay on record, so validation can say they disagreed.
    expect(kept.sessionsMs).toEqual([dep.endToEnd.estimateMs * 1.3, dep.endToEnd.estimateMs]);
    // With the sessions the other way round, the other file wins.
    writeCachedProfile(dir, dep, 0);
    writeCachedProfile(dir, slower(dep, 1.3), 1);
    const [again] = await profileSuite(suite, [1], { runs: 3, cacheDir: dir, sessions: 2 });
    expect(again.profile.endToEnd.estimateMs).toBe(dep.endToEnd.estimateMs);
    // The per-op times come from the profiled runs: a session whose plain runs were 10% faster but
    // whose profiled runs were 50% slower is not the quiet one.
    writeCachedProfile(dir, slower(dep, 1.1, 1), 0);
    writeCachedProfile(dir, slower(dep, 1, 1.5), 1);
    const [quiet] = await profileSuite(suite, [1], { runs: 3, cacheDir: dir, sessions: 2 });
    expect(quiet.profile.endToEnd.estimateMs).toBeCloseTo(dep.endToEnd.estimateMs * 1.1, 12);
    expect(quiet.profile.profiledEndToEnd.estimateMs).toBe(dep.profiledEndToEnd.estimateMs);
    // Two halves of sessions are two measurements of the profile: the quietest of sessions 0 and 2
    // against session 1 (measurementRepeatability scores them).
    writeCachedProfile(dir, slower(dep, 1.2), 0);
    writeCachedProfile(dir, slower(dep, 1.5), 1);
    writeCachedProfile(dir, slower(dep, 1.1), 2);
    const [three] = await profileSuite(suite, [1], { runs: 3, cacheDir: dir, sessions: 3 });
    expect(three.halves?.map((h) => h.endToEnd.estimateMs / dep.endToEnd.estimateMs)).toEqual([
      expect.closeTo(1.1, 12),
      expect.closeTo(1.5, 12),
    ]);
    expect(three.profile).toEqual(three.halves?.[0]);
    // Each node keeps the session it ran fastest in, the whole run the quieter session: a node that
    // a neighbour slowed in the quiet session is taken from the other (the cache derives estimates
    // from the samples again).
    const node = dep.nodes[0];
    const withNode = (p: ModelProfile, factor: number): ModelProfile => ({
      ...p,
      nodes: p.nodes.map((n) =>
        n.node === node.node
          ? { ...n, latency: latencyStats(n.latency.samplesMs.map((ms) => ms * factor)) }
          : n,
      ),
    });
    writeCachedProfile(dir, withNode(dep, 1.4), 0);
    writeCachedProfile(dir, withNode(slower(dep, 1.2), 0.9), 1);
    const [merged] = await profileSuite(suite, [1], { runs: 3, cacheDir: dir, sessions: 2 });
    expect(merged.profile.endToEnd.estimateMs).toBe(dep.endToEnd.estimateMs);
    const ms = (p: ModelProfile, id: string): number | undefined =>
      p.nodes.find((n) => n.node === id)?.latency.estimateMs;
    const session = (n: number): ModelProfile =>
      readCachedProfile(dir, dep.fingerprint, 1, 'disabled', 3, n)!;
    expect(ms(session(1), node.node)).toBeLessThan(ms(session(0), node.node)!);
    expect(ms(merged.profile, node.node)).toBe(ms(session(1), node.node));
    expect(ms(merged.profile, dep.nodes[1].node)).toBe(ms(session(0), dep.nodes[1].node));
    expect(merged.profile.nodes.map((n) => n.node)).toEqual(dep.nodes.map((n) => n.node));
    // One session reads session 0 only.
    writeCachedProfile(dir, dep, 0);
    const [single] = await profileSuite(suite, [1], { runs: 3, cacheDir: dir, sessions: 1 });
    expect(single.profile.endToEnd.estimateMs).toBe(dep.endToEnd.estimateMs);
    expect(single.sessionsMs).toBeUndefined();
    expect(single.halves).toBeUndefined();
  });

  it('keeps, of a two-thread suite profile, the mean of its sessions, and of each half the mean of its own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hetero-sessions-'));
    const scaled = (p: ModelProfile, k: number): ModelProfile => ({
      ...p,
      endToEnd: latencyStats(p.endToEnd.samplesMs.map((ms) => ms * k)),
      profiledEndToEnd: latencyStats(p.profiledEndToEnd.samplesMs.map((ms) => ms * k)),
    });
    // The host put both threads on one core for session 1: the whole run took 1.5× as long.
    [1, 1.5, 1.1].forEach((k, s) => writeCachedProfile(dir, scaled(two, k), s));
    const suite = [{ family: 'ppocr-cls', spec: 'pkg:ppocr-cls', inputs: [] }];
    const [kept] = await profileSuite(suite, [2], {
      runs: 3,
      cacheDir: dir,
      sessions: 3,
      graphs: 'as-given',
    });
    const ms = two.endToEnd.estimateMs;
    expect(kept.profile.threads).toBe(2);
    expect(kept.profile.endToEnd.estimateMs).toBeCloseTo((ms * (1 + 1.5 + 1.1)) / 3, 9);
    expect(kept.halves?.map((h) => h.endToEnd.estimateMs)).toEqual([
      expect.closeTo((ms * (1 + 1.1)) / 2, 9),
      expect.closeTo(ms * 1.5, 9),
    ]);
    expect(kept.sessionsMs).toEqual([ms, ms * 1.5, ms * 1.1].map((x) => expect.closeTo(x, 9)));
  });

  it('measures a profile again, up to maxSessions, until its sessions settle, and no further', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hetero-sessions-'));
    const slower = (k: number): ModelProfile => ({
      ...dep,
      endToEnd: { ...dep.endToEnd, estimateMs: dep.endToEnd.estimateMs * k },
      profiledEndToEnd: { ...dep.profiledEndToEnd, estimateMs: dep.profiledEndToEnd.estimateMs * k },
    });
    // Sessions 0 and 1 disagree by 30%; session 2 agrees with session 1 within 2%; session 3 is on disk
    // too, and a pass that read it would change the result.
    [1.3, 1, 1.02, 0.5].forEach((k, s) => writeCachedProfile(dir, slower(k), s));
    const suite = [{ family: 'ppocr-cls', spec: 'pkg:ppocr-cls', inputs: [] }];
    const steps: number[] = [];
    const [kept] = await profileSuite(
      suite,
      [1],
      { runs: 3, cacheDir: dir, sessions: 2, maxSessions: 4 },
      (p) => steps.push(p.total),
    );
    const ms = dep.endToEnd.estimateMs;
    expect(kept.sessionsMs).toEqual([1.3, 1, 1.02].map((k) => expect.closeTo(ms * k, 9)));
    expect(kept.profile.endToEnd.estimateMs).toBe(ms);
    // The third session was found to be needed after the first two: the total grew by one.
    expect(steps).toEqual([2, 2, 3]);
    // Settled from the start: two sessions only, whatever maxSessions allows.
    [1, 1.01].forEach((k, s) => writeCachedProfile(dir, slower(k), s));
    const [settled] = await profileSuite(suite, [1], { runs: 3, cacheDir: dir, sessions: 2, maxSessions: 4 });
    expect(settled.sessionsMs).toHaveLength(2);
    // Without maxSessions, exactly `sessions`.
    [1.3, 1].forEach((k, s) => writeCachedProfile(dir, slower(k), s));
    const [exact] = await profileSuite(suite, [1], { runs: 3, cacheDir: dir, sessions: 2 });
    expect(exact.sessionsMs).toHaveLength(2);
  });
});

describe('profileModel errors', () => {
  it('turns a model ONNX Runtime cannot load into a one-line HeteroError naming the file', async () => {
    const graph: Graph = {
      name: 'unknown-op',
      nodes: [
        {
          id: 'mystery',
          op: 'Mystery',
          domain: 'com.example.nothing',
          inputs: ['x'],
          outputs: ['y'],
          attrs: {},
        },
      ],
      tensors: new Map([
        ['x', { name: 'x', shape: [1, 4], dtype: 'float32', constant: false }],
        ['y', { name: 'y', shape: [1, 4], dtype: 'float32', constant: false }],
      ]),
      inputs: ['x'],
      outputs: ['y'],
    };
    const file = join(mkdtempSync(join(tmpdir(), 'hetero-bad-')), 'unknown-op.onnx');
    writeFileSync(file, exportOnnx(graph));
    const err = await profileModel(file, { runs: 1, warmup: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HeteroError);
    expect((err as HeteroError).message).toContain(file);
    expect((err as HeteroError).message).toContain('ONNX Runtime cannot load it');
    expect((err as HeteroError).message).not.toContain('\n');
  });

  it('rejects a non-positive thread count', async () => {
    await expect(profileModel('pkg:ppocr-cls', { threads: 0 })).rejects.toThrow(/--threads/);
  });
});
