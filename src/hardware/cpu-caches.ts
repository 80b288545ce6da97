// The cache sizes of the CPU hetero runs on, as Linux reports them (sysfs), for the host's kernel
// models (cost/host-kernel-features.ts): whether a kernel's tensors fit in a core's L2 and whether a
// model's weights fit in the last-level cache changes what a kernel costs per element.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CpuCaches {
  /** Unified L2 of one core (bytes). */
  l2Bytes: number;
  /** The last-level cache (bytes): L3 where there is one, else L2. */
  llcBytes: number;
  /** Where the sizes came from. */
  source: 'sysfs' | 'default';
}

/**
 * Used where sysfs does not tell (not Linux, a container hiding it): a current server or laptop core,
 * as on the machine the host models were developed on (AMD EPYC: 1 MiB L2 per core, 32 MiB L3).
 */
export const DEFAULT_CPU_CACHES: CpuCaches = { l2Bytes: 1 << 20, llcBytes: 32 << 20, source: 'default' };

const CACHE_DIR = '/sys/devices/system/cpu/cpu0/cache';

/** "1024K", "32M" or a plain byte count, as sysfs writes cache sizes; undefined when unreadable. */
export function parseCacheSize(text: string): number | undefined {
  const m = /^\s*(\d+)\s*([KMG]?)\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = { '': 1, K: 1 << 10, M: 1 << 20, G: 1 << 30 }[m[2].toUpperCase() as '' | 'K' | 'M' | 'G'];
  const bytes = Number(m[1]) * unit;
  return bytes > 0 ? bytes : undefined;
}

/** Unified/data caches of cpu0 by level, read from `dir` (sysfs layout). */
export function readCpuCaches(dir = CACHE_DIR): CpuCaches {
  const byLevel = new Map<number, number>();
  try {
    for (const entry of readdirSync(dir)) {
      if (!entry.startsWith('index')) continue;
      const read = (f: string): string => readFileSync(join(dir, entry, f), 'utf8').trim();
      const type = read('type');
      if (type !== 'Unified' && type !== 'Data') continue;
      const level = Number(read('level'));
      const bytes = parseCacheSize(read('size'));
      if (Number.isInteger(level) && bytes !== undefined)
        byLevel.set(level, Math.max(byLevel.get(level) ?? 0, bytes));
    }
  } catch {
    return DEFAULT_CPU_CACHES;
  }
  const l2 = byLevel.get(2);
  if (l2 === undefined) return DEFAULT_CPU_CACHES;
  return { l2Bytes: l2, llcBytes: Math.max(l2, ...byLevel.values()), source: 'sysfs' };
}

let cached: CpuCaches | undefined;

/** This machine's caches (read once). */
export function hostCpuCaches(): CpuCaches {
  cached ??= readCpuCaches();
  return cached;
}
