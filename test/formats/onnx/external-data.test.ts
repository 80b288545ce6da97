// Tensors stored next to the model: read from the model's folder and nowhere else.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HeteroError } from '../../../src/errors.js';
import { exportOnnx, importOnnxBytes, importOnnxFile } from '../../../src/formats/onnx/index.js';
import { encodeModel, f32Bytes, onnx, ort, runModel, tensorValueInfo, tmpDir } from './fixtures.js';

const W = [1, 2, 3, 4, 5, 6];
const PADDING_BYTES = 16;

/** y = x + w, where w [2,3] lives in an external file at `location`. */
function externalModel(location: string, offset = PADDING_BYTES, length = 24): Uint8Array {
  const T = onnx.TensorProto.DataType;
  return encodeModel({
    name: 'ext',
    input: [tensorValueInfo('x', T.FLOAT, [2, 3])],
    output: [tensorValueInfo('y', T.FLOAT, [2, 3])],
    initializer: [
      {
        name: 'w',
        dataType: T.FLOAT,
        dims: [2, 3],
        dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
        externalData: [
          { key: 'location', value: location },
          { key: 'offset', value: String(offset) },
          { key: 'length', value: String(length) },
        ],
      },
    ],
    node: [{ opType: 'Add', input: ['x', 'w'], output: ['y'] }],
  });
}

function writeWeights(file: string): void {
  writeFileSync(file, Buffer.concat([Buffer.alloc(PADDING_BYTES, 0xee), f32Bytes(W)]));
}

/** A model folder `<tmp>/model/` with model.onnx pointing at `location`, plus `<tmp>/secret.bin` outside. */
function setup(
  location: string,
  offset?: number,
  length?: number,
): { dir: string; file: string; root: string } {
  const root = tmpDir('ext');
  const dir = path.join(root, 'model');
  const file = path.join(dir, 'model.onnx');
  mkdirSync(dir);
  writeWeights(path.join(dir, 'weights.bin'));
  writeWeights(path.join(root, 'secret.bin'));
  writeFileSync(file, externalModel(location, offset, length));
  return { dir, file, root };
}

function refusal(fn: () => unknown): HeteroError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(HeteroError);
    return e as HeteroError;
  }
  throw new Error('expected a HeteroError');
}

describe('external tensor data', () => {
  it('reads an external initializer from the model folder and runs', async () => {
    const { file } = setup('weights.bin');
    const g = importOnnxFile(file);
    expect(Array.from(new Float32Array(new Uint8Array(g.tensors.get('w')!.data!).buffer))).toEqual(W);
    const x = new ort.Tensor('float32', Float32Array.from([10, 20, 30, 40, 50, 60]), [2, 3]);
    const out = await runModel(exportOnnx(g), { x });
    expect(Array.from(out.y.data as Float32Array)).toEqual([11, 22, 33, 44, 55, 66]);
  });

  it('reads from baseDir with importOnnxBytes, and refuses external data without one', () => {
    const { dir } = setup('weights.bin');
    const bytes = externalModel('weights.bin');
    expect(importOnnxBytes(bytes, { name: 'm.onnx', baseDir: dir }).tensors.get('w')!.data!.byteLength).toBe(
      24,
    );
    expect(refusal(() => importOnnxBytes(bytes, { name: 'm.onnx' })).message).toMatch(
      /m\.onnx.*external data/,
    );
  });

  it('refuses a location that climbs out of the model folder', () => {
    const { file } = setup('../secret.bin');
    const e = refusal(() => importOnnxFile(file));
    expect(e.message).toContain('model.onnx');
    expect(e.message).toContain('../secret.bin');
  });

  it('refuses an absolute location', () => {
    const root = tmpDir('abs');
    writeWeights(path.join(root, 'secret.bin'));
    const { file } = setup(path.join(root, 'secret.bin'));
    const e = refusal(() => importOnnxFile(file));
    expect(e.message).toContain(path.join(root, 'secret.bin'));
    expect(e.message).toContain('absolute');
  });

  it('refuses a symlink inside the folder that points outside it', () => {
    const { file, dir, root } = setup('link.bin');
    symlinkSync(path.join(root, 'secret.bin'), path.join(dir, 'link.bin'));
    const e = refusal(() => importOnnxFile(file));
    expect(e.message).toContain('link.bin');
    expect(e.message).toContain('outside');
  });

  it('refuses offset/length beyond the file and a missing file', () => {
    expect(refusal(() => importOnnxFile(setup('weights.bin', 32, 24).file)).message).toMatch(
      /exceeds the file size/,
    );
    expect(refusal(() => importOnnxFile(setup('weights.bin', 0, 4000).file)).message).toMatch(
      /exceeds the file size/,
    );
    expect(refusal(() => importOnnxFile(setup('weights.bin', 0, 20).file)).message).toMatch(/holds 20 bytes/);
    expect(refusal(() => importOnnxFile(setup('nope.bin').file)).message).toMatch(
      /"nope\.bin" does not exist/,
    );
  });
});
