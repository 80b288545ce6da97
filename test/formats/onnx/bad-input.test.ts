// Anything that is not a well-formed ONNX model is a one-line HeteroError naming the file, never a crash.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HeteroError } from '../../../src/errors.js';
import { importOnnxBytes, importOnnxFile } from '../../../src/formats/onnx/index.js';
import { encodeModel, MODELS, onnx, prng, tensorValueInfo, tmpDir } from './fixtures.js';

function expectUserError(fn: () => unknown, fileName: string, pattern?: RegExp): HeteroError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(HeteroError);
  const e = caught as HeteroError;
  expect(e.message).toContain(fileName);
  expect(e.message).not.toContain('\n');
  if (pattern) expect(e.message).toMatch(pattern);
  return e;
}

describe('bad files', () => {
  const dir = tmpDir('bad');
  const write = (name: string, bytes: Uint8Array | string): string => {
    const file = path.join(dir, name);
    writeFileSync(file, bytes);
    return file;
  };

  it('refuses a path that does not exist', () => {
    expectUserError(() => importOnnxFile(path.join(dir, 'missing.onnx')), 'missing.onnx', /does not exist/);
  });

  it('refuses a directory', () => {
    mkdirSync(path.join(dir, 'folder.onnx'));
    expectUserError(() => importOnnxFile(path.join(dir, 'folder.onnx')), 'folder.onnx', /directory/);
  });

  it.skipIf(process.getuid?.() === 0)('refuses an unreadable file', () => {
    const file = write('locked.onnx', readFileSync(MODELS.cls));
    chmodSync(file, 0o000);
    expectUserError(() => importOnnxFile(file), 'locked.onnx', /not readable/);
  });

  it('refuses an empty file, a text file, a PNG and random bytes', () => {
    expectUserError(() => importOnnxFile(write('empty.onnx', '')), 'empty.onnx', /empty/);
    expectUserError(() => importOnnxFile(write('notes.onnx', 'hello, this is not a model\n')), 'notes.onnx');
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      Buffer.from('\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\b\x06\0\0\0', 'latin1'),
    ]);
    expectUserError(() => importOnnxFile(write('image.png', png)), 'image.png');
    const rand = prng(99);
    for (let i = 0; i < 20; i++) {
      const bytes = Uint8Array.from({ length: 1 + Math.floor(rand() * 4000) }, () =>
        Math.floor(rand() * 256),
      );
      expectUserError(() => importOnnxFile(write(`random${i}.onnx`, bytes)), `random${i}.onnx`);
    }
  });

  it('refuses a truncated real model', () => {
    const bytes = readFileSync(MODELS.cls);
    for (const cut of [1, 100, bytes.length >> 1, bytes.length - 1]) {
      expectUserError(() => importOnnxFile(write('cut.onnx', bytes.subarray(0, cut))), 'cut.onnx');
    }
  });
});

describe('malformed models', () => {
  const T = onnx.TensorProto.DataType;
  const io = { input: [tensorValueInfo('x', T.FLOAT, [2])], output: [tensorValueInfo('y', T.FLOAT, [2])] };
  const bad = (graph: Parameters<typeof encodeModel>[0], pattern: RegExp): void => {
    expectUserError(() => importOnnxBytes(encodeModel(graph), { name: 'bad.onnx' }), 'bad.onnx', pattern);
  };

  it('refuses a protobuf that is not a model', () => {
    const tensorBytes = onnx.TensorProto.encode({
      name: 'w',
      dataType: T.FLOAT,
      dims: [1],
      floatData: [1],
    }).finish();
    expectUserError(() => importOnnxBytes(tensorBytes, { name: 't.onnx' }), 't.onnx', /not an ONNX model/);
    const noGraph = onnx.ModelProto.encode({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
    }).finish();
    expectUserError(() => importOnnxBytes(noGraph, { name: 'g.onnx' }), 'g.onnx', /no graph/);
    const noIr = onnx.ModelProto.encode({ graph: { ...io, node: [] } }).finish();
    expectUserError(() => importOnnxBytes(noIr, { name: 'i.onnx' }), 'i.onnx', /ir_version/);
    bad({ name: 'empty' }, /neither nodes nor outputs/);
  });

  it('refuses a tensor produced twice and a read of a tensor nobody produces', () => {
    bad(
      {
        ...io,
        node: [
          { opType: 'Relu', input: ['x'], output: ['y'] },
          { opType: 'Abs', input: ['x'], output: ['y'] },
        ],
      },
      /"y" is produced twice/,
    );
    bad(
      { ...io, node: [{ name: 'add', opType: 'Add', input: ['x', 'ghost'], output: ['y'] }] },
      /add.*"ghost"/,
    );
    bad({ ...io, node: [{ opType: 'Relu', input: ['x'], output: ['z'] }] }, /output "y" is not produced/);
  });

  it('allows empty optional inputs', () => {
    const g = importOnnxBytes(
      encodeModel({ ...io, node: [{ opType: 'Clip', input: ['x', '', ''], output: ['y'] }] }),
      { name: 'ok.onnx' },
    );
    expect(g.nodes[0].inputs).toEqual(['x', '', '']);
  });

  it('refuses negative dims and raw_data that does not match the shape', () => {
    bad(
      {
        input: [tensorValueInfo('x', T.FLOAT, [-3])],
        output: io.output,
        node: [{ opType: 'Relu', input: ['x'], output: ['y'] }],
      },
      /invalid dimension -3/,
    );
    bad(
      {
        ...io,
        initializer: [{ name: 'w', dataType: T.FLOAT, dims: [2], rawData: new Uint8Array(7) }],
        node: [{ opType: 'Add', input: ['x', 'w'], output: ['y'] }],
      },
      /"w".*holds 7 bytes.*needs 8/,
    );
    bad(
      {
        ...io,
        initializer: [{ name: 'w', dataType: T.FLOAT, dims: [-2], rawData: new Uint8Array(8) }],
        node: [{ opType: 'Add', input: ['x', 'w'], output: ['y'] }],
      },
      /invalid dimension/,
    );
    bad(
      {
        ...io,
        initializer: [{ name: 'w', dataType: T.FLOAT, dims: [3], floatData: [1, 2] }],
        node: [{ opType: 'Add', input: ['x', 'w'], output: ['y'] }],
      },
      /float_data has 2 elements, shape needs 3/,
    );
  });
});
