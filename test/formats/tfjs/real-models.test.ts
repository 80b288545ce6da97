// Real TF.js graph models shipped by the @vladmandic/human devDependency (models/*.json + .bin).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importTfjsFile, importTfjsFileWithNotes } from '../../../src/formats/tfjs/index.js';
import { inferShapes } from '../../../src/graph/shape-inference.js';
import type { Dim, Graph } from '../../../src/graph/types.js';
import { totalWork, workOf } from './helpers.js';

function modelsDir(): string {
  const lookup = createRequire(import.meta.url).resolve.paths('@vladmandic/human') ?? [];
  const root = lookup
    .map((d) => join(d, '@vladmandic/human'))
    .find((d) => existsSync(join(d, 'package.json')));
  if (!root) throw new Error('devDependency @vladmandic/human is not installed (npm ci)');
  return join(root, 'models');
}

const DIR = modelsDir();

/** Imports a shipped model and infers shapes with every symbolic input dim set to 1. */
function load(name: string): { graph: Graph; warnings: string[]; imported: Graph } {
  const imported = importTfjsFile(join(DIR, `${name}.json`));
  const inputShapes: Record<string, Dim[]> = {};
  for (const i of imported.inputs) {
    inputShapes[i] = imported.tensors.get(i)!.shape!.map((d) => (typeof d === 'number' ? d : 1));
  }
  return { ...inferShapes(imported, { inputShapes }), imported };
}

function nonNumeric(g: Graph): string[] {
  return [...g.tensors.values()]
    .filter((t) => !t.shape || !t.shape.every((d) => typeof d === 'number'))
    .map((t) => t.name);
}

const f32 = (d: Uint8Array): Float32Array => new Float32Array(d.slice().buffer);

describe('real TF.js graph models (@vladmandic/human)', () => {
  it.each([
    ['antispoof', 14],
    ['blazeface', 144],
    ['centernet', 276],
    ['emotion', 21],
    ['facemesh', 120],
    ['faceres', 154],
    ['handlandmark-lite', 146],
    ['iris', 142],
    ['liveness', 21],
    ['movenet-lightning', 150],
  ])('%s: every tensor gets a numeric shape, every node a known cost', (name, nodes) => {
    const { graph, warnings } = load(name);
    expect(graph.source).toBe('tfjs');
    expect(graph.nodes).toHaveLength(nodes);
    expect(warnings).toEqual([]);
    expect(nonNumeric(graph)).toEqual([]);
    expect(totalWork(graph).macs).toBeGreaterThan(1e6);
  });

  it('BlazeFace (256², float32 weights): 4 outputs, first conv 5×5×3×24 stride 2, 188.7 M MACs', () => {
    const { graph } = load('blazeface');
    expect(graph.inputs).toEqual(['input']);
    expect(graph.tensors.get('input')!.shape).toEqual([1, 256, 256, 3]);
    expect(graph.outputs.map((o) => graph.tensors.get(o)!.shape)).toEqual([
      [1, 384, 16],
      [1, 512, 1],
      [1, 384, 1],
      [1, 512, 16],
    ]);
    const first = graph.nodes[0];
    expect(first.op).toBe('_FusedConv2D');
    expect(graph.tensors.get(first.outputs[0])!.shape).toEqual([1, 128, 128, 24]);
    expect(workOf(graph, first.id).macs).toBe(128 * 128 * 24 * 5 * 5 * 3);
    // Regression pin of the whole model (convs 151.9 M + depthwise 36.9 M).
    expect(totalWork(graph).macs).toBe(188_749_824);
  });

  it('MoveNet Lightning (192², float16 weights): MACs in line with its MobileNetV2 backbone', () => {
    const { graph, imported } = load('movenet-lightning');
    expect(graph.tensors.get('input')).toMatchObject({ shape: [1, 192, 192, 3], dtype: 'int32' });
    expect(graph.outputs.map((o) => graph.tensors.get(o)!.shape)).toEqual([[1, 1, 17, 3]]);
    // MobileNetV2 1.0 is 300 M MACs at 224² (Sandler et al. 2018, Table 4) → ≈ 220 M at 192²;
    // MoveNet adds an FPN and four CenterNet heads on top.
    const macs = totalWork(graph).macs;
    expect(macs).toBeGreaterThan(220e6);
    expect(macs).toBeLessThan(350e6);
    expect(macs).toBe(270_549_504);
    // float16 weights arrive dequantized to float32 with sane values.
    const manifest = JSON.parse(readFileSync(join(DIR, 'movenet-lightning.json'), 'utf8')) as {
      weightsManifest: { weights: { name: string; shape: number[]; quantization?: { dtype: string } }[] }[];
    };
    const halfs = manifest.weightsManifest
      .flatMap((g) => g.weights)
      .filter((w) => w.quantization?.dtype === 'float16');
    expect(halfs.length).toBeGreaterThan(100);
    for (const w of halfs) {
      const t = imported.tensors.get(w.name)!;
      expect(t.dtype).toBe('float32');
      expect(t.data!.length).toBe(w.shape.reduce((x, y) => x * y, 1) * 4);
    }
    const big = f32(
      imported.tensors.get(halfs.reduce((x, y) => (x.shape.length >= y.shape.length ? x : y)).name)!.data!,
    );
    expect(big.every(Number.isFinite)).toBe(true);
    expect(big.some((v) => v !== 0)).toBe(true);
    expect(Math.max(...big.map(Math.abs))).toBeLessThan(100);
  });

  it('handtrack (uint8-quantized SSD with a TF1 while loop): uint8 weights dequantize exactly', () => {
    const { graph, notes } = importTfjsFileWithNotes(join(DIR, 'handtrack.json'));
    expect(notes).toContain('dropped 41 control input(s) (^name): they only order execution');
    const text = JSON.parse(readFileSync(join(DIR, 'handtrack.json'), 'utf8')) as {
      weightsManifest: {
        paths: string[];
        weights: {
          name: string;
          shape: number[];
          dtype: string;
          quantization?: { dtype: string; scale: number; min: number };
        }[];
      }[];
    };
    const group = text.weightsManifest[0];
    const bytes = Buffer.concat(group.paths.map((p) => readFileSync(join(DIR, p))));
    let at = 0;
    let checked = 0;
    for (const w of group.weights) {
      const n = w.shape.reduce((x, y) => x * y, 1);
      const q = w.quantization;
      if (q?.dtype === 'uint8' && checked < 5) {
        const got = f32(graph.tensors.get(w.name)!.data!);
        for (let k = 0; k < n; k += Math.max(1, Math.floor(n / 50))) {
          expect(got[k]).toBe(Math.fround(bytes[at + k] * q.scale + q.min));
        }
        checked++;
      }
      at += n * (q?.dtype === 'uint8' ? 1 : 4);
    }
    expect(checked).toBe(5);
    expect(at).toBe(bytes.length);
    expect(graph.nodes.some((n) => n.op === 'NonMaxSuppressionV5')).toBe(true);

    // Shapes flow through the while frame (Enter/Merge/Switch/TensorList*) into the SSD backbone;
    // only the per-image preprocessing (dynamic image size) and NMS counts stay symbolic.
    const r = inferShapes(graph);
    expect(r.warnings).toEqual([]);
    const convs = r.graph.nodes.filter((n) => /Conv2D|Conv2dNative/.test(n.op));
    expect(convs.length).toBe(72 + 17 + 34);
    const convMacs = convs.reduce((sum, n) => sum + workOf(r.graph, n.id).macs, 0);
    expect(convMacs).toBe(849_004_800);
  });
});
