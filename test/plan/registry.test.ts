import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createCostModel } from '../../src/cost/index.js';
import { HeteroError } from '../../src/errors.js';
import { loadModel } from '../../src/frontend/load.js';
import { getDevice } from '../../src/hardware/catalog.js';
import {
  getStrategy,
  listStrategies,
  lowerBoundMs,
  planAndEvaluate,
  strategyNames,
} from '../../src/plan/strategies/index.js';
import type { Strategy } from '../../src/plan/types.js';

/** The names the issue asks for, in display order. */
const EXPECTED = [
  'cpu',
  'gpu',
  'npu',
  'best-single',
  'layerwise',
  'heft',
  'ulayer',
  'codl',
  'pipeline',
  'stretch',
  'band',
  'optimal',
  'bound',
  'adaptive',
];

function isStrategy(x: unknown): x is Strategy {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as Strategy).name === 'string' &&
    typeof (x as Strategy).plan === 'function' &&
    typeof (x as Strategy).cites === 'string'
  );
}

describe('strategy registry', () => {
  it('lists each strategy once, in display order, each citing its source', () => {
    const names = strategyNames();
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(EXPECTED);
    for (const s of listStrategies()) expect(s.cites.length, s.name).toBeGreaterThan(20);
  });

  it('registers every Strategy exported by a file in src/plan/strategies/', async () => {
    const dir = new URL('../../src/plan/strategies/', import.meta.url);
    const registered = new Set(strategyNames());
    const exported: string[] = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'index.ts')) {
      const mod = (await import(new URL(file, dir).href)) as Record<string, unknown>;
      for (const value of Object.values(mod)) if (isStrategy(value)) exported.push(value.name);
    }
    // Factories (e.g. createULayer) may export variants; the default instance of each name is registered.
    for (const name of new Set(exported))
      expect(registered.has(name), `${name} is not registered`).toBe(true);
  });

  it('finds strategies by name and rejects unknown names with the list of known ones', () => {
    expect(getStrategy('cpu').name).toBe('cpu');
    expect(() => getStrategy('warp-drive')).toThrow(HeteroError);
    expect(() => getStrategy('warp-drive')).toThrow(
      /--strategy: unknown strategy "warp-drive"; known: cpu, gpu/,
    );
  });

  it('plans and evaluates each strategy on a real model, or says why not', () => {
    const device = getDevice('sd865');
    const cost = createCostModel(device);
    const { graph } = loadModel('pkg:ppocr-cls', { inputs: [{ name: 'x', dims: [1, 3, 48, 192] }] });
    const boundMs = lowerBoundMs(graph, device, cost);
    for (const s of listStrategies()) {
      const o = planAndEvaluate(s, graph, device, cost);
      expect(o.strategy).toBe(s.name);
      if (o.error !== undefined) {
        expect(o.error, s.name).toMatch(/\S/);
        continue;
      }
      expect(o.plan?.strategy, s.name).toBeDefined();
      expect(o.evaluation?.latencyMs, s.name).toBeGreaterThanOrEqual(boundMs * (1 - 1e-9));
    }
  });

  it('turns a refusal into an outcome and an invalid plan into a crash', () => {
    const device = getDevice('sd865');
    const cost = createCostModel(device);
    const { graph } = loadModel('zoo:mobilenetv2');
    const refusing: Strategy = {
      name: 'refuses',
      cites: 'test',
      plan: () => {
        throw new HeteroError('refuses', 'graph too big');
      },
    };
    expect(planAndEvaluate(refusing, graph, device, cost)).toMatchObject({ error: 'refuses: graph too big' });
    const broken: Strategy = {
      name: 'broken',
      cites: 'test',
      plan: (g, d, c) => ({ ...getStrategy('cpu').plan(g, d, c), placements: {} }),
    };
    expect(() => planAndEvaluate(broken, graph, device, cost)).toThrow(/broken produced an invalid plan/);
  });
});
