import { describe, expect, it } from 'vitest';
import {
  loadPublishedDataset,
  parsePublishedFile,
  PUBLISHED_FILES,
  publishedModelGraph,
} from '../../src/cost/published.js';
import { graphCost } from '../../src/graph/cost.js';
import { getDevice } from '../../src/hardware/catalog.js';
import { buildZoo } from '../../src/zoo/index.js';
import { deployGraph } from '../../src/frontend/load.js';
import { mobilenetV1 } from '../../src/zoo/posenet.js';
import { inferShapes } from '../../src/graph/shape-inference.js';

describe('published phone latencies', () => {
  const { points, sources } = loadPublishedDataset();

  it('has enough points over several devices and every processor kind', () => {
    expect(points.length).toBeGreaterThanOrEqual(40);
    expect(new Set(points.map((p) => p.device)).size).toBeGreaterThanOrEqual(4);
    const kinds = new Set(
      points.map((p) => getDevice(p.device).processors.find((q) => q.id === p.processor)!.kind),
    );
    expect(kinds.has('cpu') && kinds.has('gpu') && (kinds.has('npu') || kinds.has('dsp'))).toBe(true);
  });

  it('gives every point a source with a URL and a place in it', () => {
    for (const p of points) {
      const s = sources.get(p.source);
      expect(s, p.id).toBeDefined();
      expect(s!.url).toMatch(/^https:\/\//);
      expect(p.where.length).toBeGreaterThan(8);
    }
  });

  it('maps every point to a graph hetero can cost completely', () => {
    for (const p of points) {
      const c = graphCost(publishedModelGraph(p.model, p.inputShape));
      expect(c.unknownCostNodes, p.id).toEqual([]);
      expect(c.macs).toBeGreaterThan(1e8);
    }
  });

  it('rejects points without provenance or outside the catalog', () => {
    const file = PUBLISHED_FILES['paddle-lite-nnapi.json'] as { points: Record<string, unknown>[] };
    const withPoint = (patch: Record<string, unknown>) => ({
      ...file,
      points: [{ ...file.points[0], ...patch }],
    });
    expect(() => parsePublishedFile(withPoint({ source: 'nowhere' }), 't')).toThrow(/unknown source/);
    expect(() => parsePublishedFile(withPoint({ device: 'sd999' }), 't')).toThrow(/unknown device/);
    expect(() => parsePublishedFile(withPoint({ processor: 'tpu' }), 't')).toThrow(/no processor/);
    expect(() => parsePublishedFile(withPoint({ processorReasoning: undefined }), 't')).toThrow(/Reasoning/);
    expect(() => parsePublishedFile(withPoint({ latencyMs: 0 }), 't')).toThrow();
    expect(() =>
      parsePublishedFile(withPoint({ inputShape: [1, 3, 300, 300], model: 'resnet50' }), 't'),
    ).toThrow(/built at/);
  });
});

describe('MobileNetV1 builder', () => {
  it('matches the paper: 569 M multiply-adds, 4.2 M parameters at 224×224', () => {
    const c = graphCost(inferShapes(mobilenetV1()).graph);
    expect(c.macs / 569e6).toBeCloseTo(1, 2);
    expect(c.paramBytes / 4 / 4.2e6).toBeCloseTo(1, 1);
  });
});

describe('deployGraph', () => {
  it('folds BatchNormalization into convs and fuses ReLUs without changing the MACs', () => {
    const g = buildZoo('resnet50');
    const r = deployGraph(g);
    const count = (gr: typeof g, op: string) => gr.nodes.filter((n) => n.op === op).length;
    expect(count(r, 'BatchNormalization')).toBe(0);
    expect(count(r, 'Relu')).toBe(0);
    expect(count(r, 'Conv')).toBe(count(g, 'Conv'));
    expect(graphCost(r).macs).toBe(graphCost(g).macs);
    expect(r.outputs).toEqual(g.outputs);
    for (const n of r.nodes)
      for (const t of [...n.inputs, ...n.outputs]) if (t) expect(r.tensors.has(t), t).toBe(true);
  });
});
