import { describe, expect, it } from 'vitest';
import { HeteroError } from '../../src/errors.js';
import { CATALOG_FILES, getDevice, listDevices } from '../../src/hardware/catalog.js';
import { listOpSupportTables } from '../../src/hardware/op-support.js';
import { MIN_REASONING_CHARS } from '../../src/hardware/quantity.js';
import type { Device, Processor } from '../../src/hardware/schema.js';

const IDS = ['sd855', 'sd865', 'sd888', 'sd8gen2', 'kirin990', 'kirin9000', 'dimensity9200', 'tensor-g2'];

function proc(d: Device, id: string): Processor {
  const p = d.processors.find((x) => x.id === id);
  if (!p) throw new Error(`${d.id} has no processor ${id}`);
  return p;
}

/** Every number in a raw catalog file, with whether its holder carries provenance. */
function walkNumbers(node: unknown, path: string, out: { path: string; ok: boolean }[]): void {
  if (Array.isArray(node)) {
    node.forEach((item, i) => walkNumbers(item, `${path}[${i}]`, out));
    return;
  }
  if (typeof node !== 'object' || node === null) {
    if (typeof node === 'number') out.push({ path, ok: false });
    return;
  }
  const obj = node as Record<string, unknown>;
  const holdsNumber = typeof obj.value === 'number' || Array.isArray(obj.values);
  if (holdsNumber) {
    const sourced = typeof obj.source === 'string' && obj.source.length > 0;
    const reasoned =
      obj.estimated === true &&
      typeof obj.reasoning === 'string' &&
      obj.reasoning.length >= MIN_REASONING_CHARS;
    const numbers = typeof obj.value === 'number' ? [obj.value] : (obj.values as unknown[]);
    for (const n of numbers) if (typeof n === 'number') out.push({ path, ok: sourced || reasoned });
    return;
  }
  for (const [key, value] of Object.entries(obj)) walkNumbers(value, path ? `${path}.${key}` : key, out);
}

describe('device catalog', () => {
  it('holds exactly the listed devices, each validating', () => {
    expect(
      listDevices()
        .map((d) => d.id)
        .sort(),
    ).toEqual([...IDS].sort());
    expect(Object.keys(CATALOG_FILES)).toHaveLength(IDS.length);
    for (const id of IDS) expect(getDevice(id).id).toBe(id);
  });

  it('gives every number in every raw file a source or a reasoned estimate', () => {
    for (const [file, json] of Object.entries(CATALOG_FILES)) {
      const numbers: { path: string; ok: boolean }[] = [];
      walkNumbers(json, '', numbers);
      expect(numbers.length, file).toBeGreaterThan(50);
      expect(numbers.filter((n) => !n.ok).map((n) => `${file}: ${n.path}`)).toEqual([]);
    }
  });

  it('keeps provenance for the flattened numbers, resolving source ids', () => {
    const d = getDevice('sd855');
    expect(proc(d, 'gpu').peakGflops.float32).toBe(899);
    const p = d.provenance['processors.gpu.peakGflops.float32'];
    expect(p.estimated).toBe(false);
    expect(p.source).toMatchObject({
      id: 'nanoreview-855-vs-765g',
      url: expect.stringMatching(/^https:\/\/nanoreview/),
    });
    const est = d.provenance['processors.gpu.peakGflops.float16'];
    expect(est.estimated).toBe(true);
    expect(est.reasoning).toMatch(/twice/);
    for (const device of listDevices()) {
      expect(Object.keys(device.provenance).length).toBeGreaterThan(50);
      for (const s of device.sources) expect(s.url).toMatch(/^https?:\/\//);
    }
  });

  it('has CPU, GPU and an NPU/DSP with sane clocks on every device', () => {
    for (const d of listDevices()) {
      const big = proc(d, 'cpu-big');
      const little = proc(d, 'cpu-little');
      expect(big.freqMHz.max, d.id).toBeGreaterThan(little.freqMHz.max);
      expect(proc(d, 'cpu-mid').freqMHz.max, d.id).toBeLessThanOrEqual(big.freqMHz.max);
      const cores = d.processors.filter((p) => p.kind === 'cpu').reduce((n, p) => n + (p.cores ?? 0), 0);
      expect(cores, d.id).toBe(8);
      const gpu = proc(d, 'gpu');
      expect(gpu.peakGflops.float16 ?? 0, d.id).toBeGreaterThanOrEqual(gpu.peakGflops.float32 ?? Infinity);
      expect(
        d.processors.some((p) => p.kind === 'npu' || p.kind === 'dsp'),
        d.id,
      ).toBe(true);
      for (const p of d.processors) {
        expect(p.power.activeW, `${d.id}/${p.id}`).toBeGreaterThan(p.power.idleW);
        // No single processor can stream faster than the DRAM it shares.
        expect(p.memBandwidthGBps, `${d.id}/${p.id}`).toBeLessThanOrEqual(d.memory.bandwidthGBps);
      }
    }
  });

  it('has DRAM bandwidth within the range of its LPDDR generation on a 64-bit bus', () => {
    // Peak for 4 x 16-bit channels: LPDDR4X up to 4266 MT/s, LPDDR5 up to 6400, LPDDR5X up to 8533.
    const range: Record<string, [number, number]> = {
      LPDDR4X: [25, 34.2],
      LPDDR5: [40, 51.3],
      LPDDR5X: [60, 68.3],
    };
    for (const d of listDevices()) {
      const [lo, hi] = range[d.memory.type];
      expect(d.memory.bandwidthGBps, d.id).toBeGreaterThanOrEqual(lo);
      expect(d.memory.bandwidthGBps, d.id).toBeLessThanOrEqual(hi);
      // bandwidth = data rate x bus bytes (channels x 16 bit), within rounding
      const derived = (d.memory.dataRateMTps * d.memory.channels * 2) / 1000;
      expect(Math.abs(derived - d.memory.bandwidthGBps) / derived, d.id).toBeLessThan(0.03);
    }
  });

  it('shows newer Snapdragon generations faster on the published AI-engine TOPS', () => {
    const int8 = (id: string) => {
      const d = getDevice(id);
      const npu = d.processors.find((p) => p.kind === 'npu' || p.kind === 'dsp');
      return {
        value: npu?.peakGflops.int8 ?? 0,
        estimated: d.provenance[`processors.${npu?.id}.peakGflops.int8`]?.estimated,
      };
    };
    const published = ['sd855', 'sd865', 'sd888'].map(int8);
    expect(published.every((p) => p.estimated === false)).toBe(true);
    expect(published.map((p) => p.value)).toEqual([7000, 15000, 26000]);
    expect(int8('sd8gen2').value).toBeGreaterThan(int8('sd888').value);
    expect(int8('kirin9000').value).toBeGreaterThan(int8('kirin990').value);
  });

  it('gives newer generations more GPU FLOPS within a vendor line', () => {
    const fp32 = (id: string) => proc(getDevice(id), 'gpu').peakGflops.float32 ?? 0;
    expect(fp32('sd865')).toBeGreaterThan(fp32('sd855'));
    expect(fp32('sd888')).toBeGreaterThan(fp32('sd865'));
    expect(fp32('sd8gen2')).toBeGreaterThan(fp32('sd888'));
    expect(fp32('kirin9000')).toBeGreaterThan(fp32('kirin990'));
  });

  it('uses only runtimes that have an op-support table', () => {
    const runtimes = new Set(listOpSupportTables().map((t) => t.runtime));
    for (const d of listDevices())
      for (const p of d.processors) expect(runtimes, `${d.id}/${p.id}`).toContain(p.supports.runtime);
  });

  it('rejects an unknown id with a --device error listing the known ones', () => {
    expect(() => getDevice('sd999')).toThrow(HeteroError);
    expect(() => getDevice('sd999')).toThrow(/^--device: unknown device "sd999"; known: .*sd855.*tensor-g2/);
  });
});
