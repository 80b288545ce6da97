import { describe, expect, it } from 'vitest';
import { kernelTimesPerRun, parseTraceEvents } from '../../src/runtime/profile-trace.js';

const run = (ts: number, dur: number) => ({ cat: 'Session', name: 'model_run', ts, dur });
const kernel = (name: string, ts: number, dur: number) => ({
  cat: 'Node',
  name: `${name}_kernel_time`,
  ts,
  dur,
});

describe('kernelTimesPerRun', () => {
  const events = parseTraceEvents([
    run(0, 100), // warm-up
    kernel('a', 10, 50),
    run(200, 100),
    { cat: 'Node', name: 'a_fence_before', ts: 205, dur: 0 },
    kernel('a', 210, 20),
    kernel('if', 240, 40),
    kernel('inner', 245, 30), // inside the If: counted by its parent
    kernel('copy', 285, 5),
    run(400, 100),
    kernel('a', 410, 30),
    kernel('if', 440, 20),
    'junk',
  ]);
  const r = kernelTimesPerRun(events, new Set(['a', 'if']), 2);

  it('drops warm-up runs and keeps one value per measured run', () => {
    expect(r.runs).toBe(2);
    expect(r.nodeUs.get('a')).toEqual([20, 30]);
  });

  it('counts nested kernels once, inside their control-flow parent', () => {
    expect(r.nodeUs.get('if')).toEqual([40, 20]);
    expect(r.nodeUs.has('inner')).toBe(false);
    expect(r.unmappedUs.has('inner')).toBe(false);
  });

  it('lists unmapped kernels and the mapped share of time', () => {
    expect(r.unmappedUs.get('copy')).toEqual([5, 0]);
    expect(r.mappedShare).toBeCloseTo(110 / 115, 6);
  });
});

describe('kernelTimesPerRun with a node exported as two kernels', () => {
  const events = parseTraceEvents([
    run(0, 100),
    kernel('conv', 10, 30),
    kernel('conv__relu', 45, 5),
    kernel('add', 55, 10),
  ]);
  const r = kernelTimesPerRun(events, new Set(['conv', 'add']), 1, new Map([['conv__relu', 'conv']]));

  it("sums a fused activation's kernel into its node and keeps each part", () => {
    expect(r.nodeUs.get('conv')).toEqual([35]);
    expect(r.partUs.get('conv')).toEqual([30]);
    expect(r.partUs.get('conv__relu')).toEqual([5]);
    expect(r.partUs.has('add')).toBe(false);
    expect(r.unmappedUs.size).toBe(0);
    expect(r.mappedShare).toBe(1);
  });
});
