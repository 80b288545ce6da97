// Background CPU load: how many cores other processes keep busy. Profiles on a shared machine are only
// as good as the quiet they were taken in, so the profiler waits for quiet, records the load it saw,
// and measures again when it was disturbed. Linux (/proc/stat); elsewhere the load reads as unknown.
import { readFileSync } from 'node:fs';
import os from 'node:os';

interface CpuSnapshot {
  /** Busy and total jiffies of all CPUs (from /proc/stat), or undefined off Linux. */
  busy?: number;
  total?: number;
  /** This process's CPU time (µs). */
  ownUs: number;
  atMs: number;
}

function snapshot(): CpuSnapshot {
  const own = process.cpuUsage();
  const snap: CpuSnapshot = { ownUs: own.user + own.system, atMs: performance.now() };
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    if (f.length >= 5 && f.every(Number.isFinite)) {
      const idle = f[3] + (f[4] ?? 0); // idle + iowait
      snap.total = f.reduce((a, b) => a + b, 0);
      snap.busy = snap.total - idle;
    }
  } catch {
    // not Linux: unknown
  }
  return snap;
}

/** Cores other processes kept busy between two snapshots (undefined when unknown). */
function othersCores(a: CpuSnapshot, b: CpuSnapshot): number | undefined {
  if (a.busy === undefined || b.busy === undefined || a.total === undefined || b.total === undefined)
    return undefined;
  const totalJ = b.total - a.total;
  if (totalJ <= 0) return 0;
  const cores = os.cpus().length;
  const busyCores = ((b.busy - a.busy) / totalJ) * cores;
  const wallMs = b.atMs - a.atMs;
  const ownCores = wallMs > 0 ? (b.ownUs - a.ownUs) / 1000 / wallMs : 0;
  return Math.max(0, busyCores - ownCores);
}

/** Runs `fn` and reports how many cores others kept busy meanwhile. */
export async function withLoadMeter<T>(
  fn: () => Promise<T>,
): Promise<{ value: T; backgroundCores?: number }> {
  const a = snapshot();
  const value = await fn();
  return { value, backgroundCores: othersCores(a, snapshot()) };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Waits (polling every `pollMs`) until others use less than `maxCores`, at most `maxWaitMs`.
 * Returns the last load seen.
 */
export async function waitForQuiet(
  maxCores: number,
  maxWaitMs: number,
  pollMs = 500,
): Promise<number | undefined> {
  const deadline = performance.now() + maxWaitMs;
  for (;;) {
    const a = snapshot();
    await sleep(pollMs);
    const load = othersCores(a, snapshot());
    if (load === undefined || load <= maxCores || performance.now() >= deadline) return load;
  }
}
