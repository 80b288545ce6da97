// Profiles cached on disk (default .hetero/profiles/), keyed by graph fingerprint, thread count and
// optimization level, so that `hetero validate` reuses what `hetero calibrate` measured.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkProfileMatches, type ModelProfile } from '../cost/measurements.js';
import { graphFingerprint } from '../graph/fingerprint.js';
import { waitForQuiet } from './profile-load.js';
import { profileModel, type ProfileOptions, type ProfileTarget } from './profile.js';

export const DEFAULT_PROFILE_DIR = join('.hetero', 'profiles');

export function profileCacheFile(dir: string, fingerprint: string, threads: number, level: string): string {
  return join(dir, `${fingerprint}-t${threads}-${level}.json`);
}

/** A cached profile with at least `runs` runs, or undefined. A file of another model is an error. */
export function readCachedProfile(
  dir: string,
  fingerprint: string,
  threads: number,
  level: string,
  runs: number,
): ModelProfile | undefined {
  const file = profileCacheFile(dir, fingerprint, threads, level);
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
  return profile.runs >= runs && profile.threads === threads ? profile : undefined;
}

export function writeCachedProfile(dir: string, profile: ModelProfile): string {
  mkdirSync(dir, { recursive: true });
  const file = profileCacheFile(dir, profile.fingerprint, profile.threads, profile.runtime.graphOptimization);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(profile));
  renameSync(tmp, file);
  return file;
}

/** The cached profile when there is one, else a fresh measurement (then cached). */
export async function cachedProfile(
  target: ProfileTarget,
  opts: ProfileOptions & { cacheDir?: string | false; quiet?: boolean },
): Promise<ModelProfile> {
  const level = opts.graphOptimization ?? 'disabled';
  const threads = opts.threads ?? 1;
  const runs = opts.runs ?? 20;
  const dir = opts.cacheDir === undefined ? DEFAULT_PROFILE_DIR : opts.cacheDir;
  const fingerprint = graphFingerprint(target.graph);
  if (dir) {
    const hit = readCachedProfile(dir, fingerprint, threads, level, runs);
    if (hit) return hit;
  }
  const profile = opts.quiet === false ? await profileModel(target, opts) : await quietProfile(target, opts);
  if (dir) writeCachedProfile(dir, profile);
  return profile;
}

/** Others may use this many cores while we measure (default 0.3). */
export const MAX_BACKGROUND_CORES = 0.3;

/**
 * Profiles on a quiet machine where possible: waits up to 5 s for others to use under
 * MAX_BACKGROUND_CORES, measures, and measures once more when others kept more than a core busy;
 * keeps the less disturbed profile. Every profile records the load it saw (backgroundCores), so a
 * disturbed measurement is visible rather than silent; the waits are bounded so a busy machine
 * slows calibration down by seconds per profile, not without end.
 */
export async function quietProfile(target: ProfileTarget, opts: ProfileOptions): Promise<ModelProfile> {
  let best: ModelProfile | undefined;
  for (let attempt = 0; attempt < 2; attempt++) {
    await waitForQuiet(MAX_BACKGROUND_CORES, 5_000);
    const p = await profileModel(target, opts);
    if (!best || (p.backgroundCores ?? 0) < (best.backgroundCores ?? 0)) best = p;
    if ((p.backgroundCores ?? 0) <= 1) break;
  }
  return best as ModelProfile;
}
