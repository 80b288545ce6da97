// Profiles cached on disk (default .hetero/profiles/), keyed by graph fingerprint, thread count and
// optimization level, so that `hetero validate` reuses what `hetero calibrate` measured.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkProfileMatches,
  kernelLatencyStats,
  MEASUREMENT_METHOD,
  type LatencyStats,
  type ModelProfile,
} from '../cost/measurements.js';
import { graphFingerprint } from '../graph/fingerprint.js';
import { waitForQuiet } from './profile-load.js';
import { profileModel, type ProfileOptions, type ProfileTarget } from './profile.js';
import { writeFileAtomic } from '../write-atomic.js';

export const DEFAULT_PROFILE_DIR = join('.hetero', 'profiles');

/** The cache file of a profile; `session` > 0 names a later measurement session of the same profile. */
export function profileCacheFile(
  dir: string,
  fingerprint: string,
  threads: number,
  level: string,
  session = 0,
): string {
  return join(dir, `${fingerprint}-t${threads}-${level}${session > 0 ? `-s${session}` : ''}.json`);
}

/**
 * A cached profile of the current MEASUREMENT_METHOD with at least `runs` runs, or undefined. A file of
 * another model is an error.
 */
export function readCachedProfile(
  dir: string,
  fingerprint: string,
  threads: number,
  level: string,
  runs: number,
  session = 0,
): ModelProfile | undefined {
  const file = profileCacheFile(dir, fingerprint, threads, level, session);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  let profile: ModelProfile;
  try {
    profile = JSON.parse(text) as ModelProfile;
  } catch {
    return undefined; // a torn or foreign file: measure again
  }
  checkProfileMatches(profile, fingerprint, file);
  return profile.runs >= runs && profile.threads === threads && profile.method === MEASUREMENT_METHOD
    ? withKernelEstimates(profile)
    : undefined;
}

/** The profile with its kernels' statistics derived again from their samples (the current estimator). */
function withKernelEstimates(profile: ModelProfile): ModelProfile {
  return {
    ...profile,
    nodes: profile.nodes.map((n) => ({
      ...n,
      latency: withKernelEstimate(n.latency),
      ...(n.kernels
        ? { kernels: n.kernels.map((k) => ({ ...k, latency: withKernelEstimate(k.latency) })) }
        : {}),
    })),
  };
}

function withKernelEstimate(latency: LatencyStats): LatencyStats {
  return Array.isArray(latency.samplesMs) && latency.samplesMs.length > 0
    ? kernelLatencyStats(latency.samplesMs)
    : latency;
}

export function writeCachedProfile(dir: string, profile: ModelProfile, session = 0): string {
  mkdirSync(dir, { recursive: true });
  const file = profileCacheFile(
    dir,
    profile.fingerprint,
    profile.threads,
    profile.runtime.graphOptimization,
    session,
  );
  writeFileAtomic(file, JSON.stringify(profile));
  return file;
}

/** The cached profile when there is one, else a fresh measurement (then cached). */
export async function cachedProfile(
  target: ProfileTarget,
  opts: ProfileOptions & { cacheDir?: string | false; quiet?: boolean; session?: number },
): Promise<ModelProfile> {
  const session = opts.session ?? 0;
  const level = opts.graphOptimization ?? 'disabled';
  const threads = opts.threads ?? 1;
  const runs = opts.runs ?? 20;
  const dir = opts.cacheDir === undefined ? DEFAULT_PROFILE_DIR : opts.cacheDir;
  const fingerprint = graphFingerprint(target.graph);
  if (dir) {
    const hit = readCachedProfile(dir, fingerprint, threads, level, runs, session);
    if (hit) return hit;
  }
  const profile = opts.quiet === false ? await profileModel(target, opts) : await quietProfile(target, opts);
  if (dir) writeCachedProfile(dir, profile, session);
  return profile;
}

/** Others may use this many cores while we measure (default 0.3). */
export const MAX_BACKGROUND_CORES = 0.3;

/**
 * Profiles on a quiet machine where possible: waits up to 2 s for others to use under
 * MAX_BACKGROUND_CORES, then measures once. Load that comes and goes during the measurement is the
 * profiler's own business (interleaved runs, a low-quantile estimate and a stopping rule, see
 * profile.ts), which copes with it far better than measuring twice and keeping the less disturbed
 * median did; every profile records the load it saw (backgroundCores), so a disturbed measurement
 * is visible rather than silent.
 */
export async function quietProfile(target: ProfileTarget, opts: ProfileOptions): Promise<ModelProfile> {
  await waitForQuiet(MAX_BACKGROUND_CORES, 2_000);
  return profileModel(target, opts);
}
