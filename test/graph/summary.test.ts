import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/frontend/load.js';
import { countParams, peakActivationBytes, summarize } from '../../src/graph/summary.js';
import type { Graph, TensorInfo } from '../../src/graph/types.js';

function t(name: string, shape: number[], constant = false): TensorInfo {
  return { name, shape, dtype: 'float32', constant };
}

// x(4 KiB) → a(8 KiB) → b(4 KiB) → y(4 KiB); a is also read by the last node.
const chain: Graph = {
  name: 'chain',
  nodes: [
    { id: 'n1', op: 'Relu', inputs: ['x'], outputs: ['a'], attrs: {} },
    { id: 'n2', op: 'Relu', inputs: ['a'], outputs: ['b'], attrs: {} },
    { id: 'n3', op: 'Add', inputs: ['a', 'b', 'w'], outputs: ['y'], attrs: {} },
  ],
  tensors: new Map([
    ['x', t('x', [1024])],
    ['a', t('a', [2048])],
    ['b', t('b', [1024])],
    ['y', t('y', [1024])],
    ['w', t('w', [1024], true)],
    ['s', { ...t('s', [], true) }],
  ]),
  inputs: ['x'],
  outputs: ['y'],
};

describe('peakActivationBytes', () => {
  it('holds a tensor until its last reader and frees inputs once read', () => {
    // step n1: x + a = 12 KiB; step n2: a + b (x freed) = 12 KiB; step n3: a + b + y = 16 KiB.
    expect(peakActivationBytes(chain)).toBe(16 * 1024);
  });

  it('is null while shapes are symbolic', () => {
    const tensors = new Map(chain.tensors);
    tensors.set('a', { ...t('a', []), shape: ['n'] });
    expect(peakActivationBytes({ ...chain, tensors })).toBeNull();
  });
});

describe('countParams', () => {
  it('counts weight tensors but not scalar hyper-parameters', () => {
    expect(countParams(chain)).toEqual({ params: 1024, paramBytes: 4096 });
  });
});

describe('summarize', () => {
  it('counts nested nodes and finds the costliest ops of a real model', () => {
    const { graph } = loadModel('pkg:silero-vad', {
      inputs: [
        { name: 'input', dims: [1, 512] },
        { name: 'state', dims: [2, 1, 128] },
      ],
      values: { sr: [16000] },
    });
    const s = summarize(graph, 3);
    expect(s.nodes).toBe(4);
    expect(s.nestedNodes).toBe(344);
    expect(s.unknownCostNodes).toEqual([]);
    expect(s.macs).toBeGreaterThan(1e5);
    expect(s.topOps).toHaveLength(3);
    expect(s.topOps[0].op).toBe('If');
  });

  it('reports the parallel structure of a branchy model', () => {
    const s = summarize(loadModel('zoo:inceptionv3').graph);
    expect(s.computeParallelWidth).toBeGreaterThanOrEqual(4);
    expect(s.criticalPath.share).toBeGreaterThan(0.4);
    expect(s.criticalPath.share).toBeLessThan(0.9);
  });
});
