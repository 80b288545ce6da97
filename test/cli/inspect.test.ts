import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolvePackagedModel } from '../../src/frontend/packaged-models.js';
import { expectCleanError, runCli } from './helpers.js';

const { onnx } = onnxProto;
let dir: string;
let clsPath: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hetero-cli-'));
  clsPath = resolvePackagedModel('ppocr-cls');
});

/** A one-node model whose weight lives in an external file at `location`. */
function externalDataModel(location: string): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'ext',
      node: [{ opType: 'Add', input: ['x', 'w'], output: ['y'], name: 'add' }],
      input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 4 }] } } } }],
      output: [{ name: 'y', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 4 }] } } } }],
      initializer: [
        {
          name: 'w',
          dataType: 1,
          dims: [4],
          dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
          externalData: [
            { key: 'location', value: location },
            { key: 'offset', value: '0' },
            { key: 'length', value: '16' },
          ],
        },
      ],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

describe('hetero inspect', () => {
  it('summarises a real model as JSON with the documented fields', () => {
    const r = runCli(['inspect', 'pkg:ppocr-det', '--input', 'x=1x3x640x640', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as Record<string, unknown>;
    for (const key of ['name', 'nodes', 'macs', 'flops', 'params', 'ops', 'inputs', 'outputs', 'warnings']) {
      expect(s).toHaveProperty(key);
    }
    expect(s.nodes).toBeGreaterThan(300);
    expect(s.macs).toBeGreaterThan(1e9);
    expect((s.ops as Record<string, number>).Conv).toBe(62);
    expect(s.warnings).toEqual([]);
  });

  it('prints a readable summary of a zoo model', () => {
    const r = runCli(['inspect', 'zoo:resnet50']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/MACs\s+4\.\d+ G/);
    expect(r.stdout).toMatch(/costliest ops/);
  });

  it('rejects a nonexistent path', () => expectCleanError(['inspect', join(dir, 'nope.onnx')], /nope\.onnx/));

  it('rejects a directory', () => expectCleanError(['inspect', dir], /directory/));

  it('rejects a file that is not a model', () => {
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'hello, this is not a model\n'.repeat(10));
    expectCleanError(['inspect', text], /notes\.txt/);
  });

  it('rejects a truncated ONNX file', () => {
    const truncated = join(dir, 'truncated.onnx');
    writeFileSync(truncated, readFileSync(clsPath).subarray(0, 100_000));
    expectCleanError(['inspect', truncated], /truncated\.onnx/);
  });

  it('rejects a bit-flipped ONNX file', () => {
    const bytes = new Uint8Array(readFileSync(clsPath));
    for (let i = 0; i < bytes.length; i += 997) bytes[i] ^= 0xff;
    const flipped = join(dir, 'flipped.onnx');
    writeFileSync(flipped, bytes);
    expectCleanError(['inspect', flipped], /flipped\.onnx/);
  });

  it('rejects a JSON file that is not a TF.js graph model', () => {
    const json = join(dir, 'package.json');
    copyFileSync('package.json', json);
    expectCleanError(['inspect', json], /package\.json/);
  });

  it('refuses external data outside the model folder', () => {
    const modelDir = mkdtempSync(join(dir, 'ext-'));
    writeFileSync(join(dir, 'secret.bin'), new Uint8Array(16));
    const model = join(modelDir, 'escape.onnx');
    writeFileSync(model, externalDataModel('../secret.bin'));
    expectCleanError(['inspect', model], /secret\.bin/);
  });

  it('rejects an unknown zoo name', () =>
    expectCleanError(['inspect', 'zoo:alexnet-9000'], /zoo:alexnet-9000/));

  it.each([['x=1x3xfoo'], ['y=1x3x640x640'], ['x=1x3']])('rejects --input %s', (spec) =>
    expectCleanError(['inspect', 'pkg:ppocr-det', '--input', spec], /--input/),
  );

  it('rejects an unknown flag and a missing argument', () => {
    expectCleanError(['inspect', 'zoo:resnet50', '--frobnicate'], /frobnicate/);
    expectCleanError(['inspect'], /model/);
  });
});
