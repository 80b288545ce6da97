import { describe, expect, it } from 'vitest';
import { getDevice } from '../../src/hardware/catalog.js';
import { withCoreWorkers } from '../../src/hardware/host.js';
import type { Device } from '../../src/hardware/schema.js';
import { usableProcessors } from '../../src/plan/make-plan.js';

/** A host-like device: one whole-machine `cpu` of two cores, then its per-core workers. */
function hostLike(): Device {
  const phone = getDevice('sd865');
  const big = phone.processors.find((p) => p.id === 'cpu-big');
  if (!big) throw new Error('sd865 has no cpu-big');
  return withCoreWorkers({ ...phone, id: 'host', processors: [{ ...big, id: 'cpu', cores: 2 }] });
}

describe('usableProcessors', () => {
  it('offers the parts of a processor split into cores, not the whole, by default', () => {
    const device = hostLike();
    expect(device.processors.map((p) => p.id)).toEqual(['cpu', 'cpu0', 'cpu1']);
    expect(usableProcessors(device).map((p) => p.id)).toEqual(['cpu0', 'cpu1']);
    expect(usableProcessors(device, { processors: ['cpu'] }).map((p) => p.id)).toEqual(['cpu']);
  });

  it('refuses a whole together with one of its parts (they share cores)', () => {
    expect(() => usableProcessors(hostLike(), { processors: ['cpu', 'cpu1'] })).toThrow(
      /cpu and cpu1 share cores/,
    );
  });

  it('leaves a phone, whose processors are disjoint, as it is', () => {
    const phone = getDevice('sd865');
    expect(usableProcessors(phone)).toEqual(phone.processors);
  });
});
