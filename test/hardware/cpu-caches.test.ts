import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CPU_CACHES, parseCacheSize, readCpuCaches } from '../../src/hardware/cpu-caches.js';

const root = mkdtempSync(join(tmpdir(), 'hetero-caches-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A sysfs cache directory with the given (level, type, size) entries. */
function sysfs(name: string, entries: [number, string, string][]): string {
  const dir = join(root, name);
  entries.forEach(([level, type, size], i) => {
    const d = join(dir, `index${i}`);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'level'), `${level}\n`);
    writeFileSync(join(d, 'type'), `${type}\n`);
    writeFileSync(join(d, 'size'), `${size}\n`);
  });
  return dir;
}

describe('CPU caches', () => {
  it('parses sysfs sizes and rejects anything else', () => {
    expect(parseCacheSize('1024K')).toBe(1 << 20);
    expect(parseCacheSize('32M\n')).toBe(32 << 20);
    expect(parseCacheSize('512')).toBe(512);
    expect(parseCacheSize('')).toBeUndefined();
    expect(parseCacheSize('-1K')).toBeUndefined();
    expect(parseCacheSize('lots')).toBeUndefined();
  });

  it('reads L2 and the last-level cache, skipping instruction caches', () => {
    const dir = sysfs('epyc', [
      [1, 'Data', '32K'],
      [1, 'Instruction', '32K'],
      [2, 'Unified', '1024K'],
      [3, 'Unified', '32768K'],
    ]);
    expect(readCpuCaches(dir)).toEqual({ l2Bytes: 1 << 20, llcBytes: 32 << 20, source: 'sysfs' });
    // No L3: the L2 is the last level.
    const phone = sysfs('no-l3', [
      [1, 'Data', '64K'],
      [2, 'Unified', '2M'],
    ]);
    expect(readCpuCaches(phone)).toEqual({ l2Bytes: 2 << 20, llcBytes: 2 << 20, source: 'sysfs' });
  });

  it('falls back to the defaults where sysfs is missing or says nothing usable', () => {
    expect(readCpuCaches(join(root, 'absent'))).toEqual(DEFAULT_CPU_CACHES);
    expect(readCpuCaches(sysfs('garbled', [[2, 'Unified', 'big']]))).toEqual(DEFAULT_CPU_CACHES);
  });
});
