import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HeteroError } from '../../src/errors.js';
import { CATALOG_FILES, loadDeviceFile } from '../../src/hardware/catalog.js';
import { resolveDevice } from '../../src/hardware/resolve.js';

const dir = mkdtempSync(join(tmpdir(), 'hetero-hw-'));

type Key = string | number;
const DELETE = Symbol('delete');

/** A deep copy of sd855.json with the value at `path` replaced (or deleted), written to a temp file. */
function brokenFile(name: string, path: Key[] = [], value: unknown = DELETE): string {
  const copy = structuredClone(CATALOG_FILES['sd855.json']);
  if (path.length > 0) {
    let node = copy as Record<Key, unknown>;
    for (const key of path.slice(0, -1)) node = node[key] as Record<Key, unknown>;
    const last = path[path.length - 1];
    if (value === DELETE) delete node[last];
    else node[last] = value;
  }
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(copy));
  return file;
}

function errorOf(fn: () => unknown): HeteroError {
  try {
    fn();
  } catch (e) {
    if (e instanceof HeteroError) return e;
    throw e;
  }
  throw new Error('expected a HeteroError');
}

describe('loadDeviceFile', () => {
  it('loads a valid file', () => {
    const path = brokenFile('ok.json');
    expect(loadDeviceFile(path).id).toBe('sd855');
  });

  it.each([
    ['missing field', ['memory', 'bandwidthGBps'], DELETE, /memory\.bandwidthGBps: is required/],
    [
      'bare number',
      ['processors', 3, 'peakGflops', 'float32'],
      899,
      /processors\[3\] \(gpu\)\.peakGflops\.float32: a bare number has no provenance/,
    ],
    [
      'number without source',
      ['processors', 0, 'freqMHz', 'max', 'source'],
      DELETE,
      /processors\[0\] \(cpu-big\)\.freqMHz\.max: has neither "source" nor "estimated": true with "reasoning"/,
    ],
    [
      'estimate without reasoning',
      ['thermal', 'sustainedPowerW'],
      { value: 4, estimated: true },
      /thermal\.sustainedPowerW/,
    ],
    [
      'negative bandwidth',
      ['memory', 'bandwidthGBps', 'value'],
      -34.1,
      /memory\.bandwidthGBps\.value: Too small/,
    ],
    [
      'unknown source id',
      ['memory', 'channels', 'source'],
      'nowhere',
      /memory\.channels\.source: source "nowhere" is neither a URL nor the id/,
    ],
    [
      'unknown dtype',
      ['processors', 4, 'supports', 'dtypes'],
      ['int7'],
      /processors\[4\] \(dsp\)\.supports\.dtypes\[0\]/,
    ],
    ['duplicate processor id', ['processors', 1, 'id'], 'cpu-big', /duplicate processor id "cpu-big"/],
  ] as [string, Key[], unknown, RegExp][])(
    'rejects a %s with a one-line error naming the file and field',
    (name, at, value, pattern) => {
      const path = brokenFile(`${name.replace(/ /g, '-')}.json`, at, value);
      const err = errorOf(() => loadDeviceFile(path));
      expect(err.where).toBe(path);
      expect(err.message.startsWith(`${path}: `)).toBe(true);
      expect(err.message).toMatch(pattern);
      expect(err.message).not.toContain('\n');
    },
  );

  it('rejects malformed JSON and a missing file, naming the file', () => {
    const bad = join(dir, 'malformed.json');
    writeFileSync(bad, '{"id": "x", ');
    expect(() => loadDeviceFile(bad)).toThrow(new RegExp(`^${bad}: malformed JSON`));
    const missing = join(dir, 'missing.json');
    expect(() => loadDeviceFile(missing)).toThrow(new RegExp(`^${missing}: no such file`));
  });

  it('resolveDevice names the caller-given origin', () => {
    expect(() => resolveDevice({ id: 'x' }, 'inline')).toThrow(/^inline: /);
    expect(() => resolveDevice(42)).toThrow(/^device: /);
  });
});
