import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  importTfjsFile,
  importTfjsFileWithNotes,
  importTfjsObject,
} from '../../../src/formats/tfjs/index.js';
import { HeteroError } from '../../../src/errors.js';
import { a, buildModel, constInt, constWeight, placeholder, type BuiltModel } from './helpers.js';

/** x → Conv2D(w) → Relu → Unpack-like split, with a control input and a Const used for shape. */
function small(): BuiltModel {
  return buildModel(
    [
      placeholder('x', [-1, 8, 8, 3]),
      constWeight('w'),
      constInt('shape', [-1, 64]),
      { name: 'init', op: 'NoOp' },
      {
        name: 'conv',
        op: 'Conv2D',
        input: ['x', 'w', '^init'],
        attr: {
          T: a.type('DT_FLOAT'),
          strides: a.ints([1, 1, 1, 1]),
          padding: a.s('SAME'),
          data_format: a.s('NHWC'),
          dilations: a.ints([1, 1, 1, 1]),
          explicit_paddings: { list: {} },
          use_cudnn_on_gpu: a.b(true),
        },
      },
      { name: 'relu', op: 'Relu', input: ['conv'], attr: { T: a.type('DT_FLOAT') } },
      { name: 'flat', op: 'Reshape', input: ['relu', 'shape'], attr: { T: a.type('DT_FLOAT') } },
      { name: 'split', op: 'Unpack', input: ['flat'], attr: { num: a.i(2), axis: a.i(1) } },
      { name: 'use1', op: 'Identity', input: ['split:1'] },
    ],
    [{ name: 'w', shape: [3, 3, 3, 4] }],
  );
}

function writeModel(m: BuiltModel, dir = mkdtempSync(join(tmpdir(), 'tfjs-'))): string {
  writeFileSync(join(dir, 'model.json'), JSON.stringify(m.json));
  for (const [p, bytes] of Object.entries(m.shards)) writeFileSync(join(dir, p), bytes);
  return join(dir, 'model.json');
}

describe('TF.js graph model import', () => {
  it('turns Consts into constants, Placeholders into inputs and keeps TF ops under domain tf', () => {
    const { graph, notes } = importTfjsObject(small().json, small().shards);
    expect(graph.source).toBe('tfjs');
    expect(graph.inputs).toEqual(['x']);
    expect(graph.tensors.get('x')).toMatchObject({
      shape: ['batch', 8, 8, 3],
      dtype: 'float32',
      constant: false,
    });
    expect(graph.tensors.get('w')).toMatchObject({ shape: [3, 3, 3, 4], dtype: 'float32', constant: true });
    expect(graph.tensors.get('w')!.data!.length).toBe(3 * 3 * 3 * 4 * 4);
    expect(graph.tensors.get('shape')).toMatchObject({ dtype: 'int32', constant: true, value: [-1, 64] });
    expect(graph.nodes.map((n) => n.op)).toEqual(['Conv2D', 'Relu', 'Reshape', 'Unpack', 'Identity']);
    const conv = graph.nodes[0];
    expect(conv.domain).toBe('tf');
    expect(conv.inputs).toEqual(['x', 'w']); // ^init dropped
    expect(conv.attrs).toMatchObject({
      padding: 'SAME',
      data_format: 'NHWC',
      strides: [1, 1, 1, 1],
      T: 'float32',
      use_cudnn_on_gpu: 1,
    });
    expect(notes).toEqual([
      'dropped 1 control input(s) (^name): they only order execution',
      'dropped 1 NoOp node(s)',
    ]);
  });

  it('names output k of a node name:k and sizes outputs by op attrs and consumers', () => {
    const { graph } = importTfjsObject(small().json, small().shards);
    const unpack = graph.nodes.find((n) => n.id === 'split')!;
    expect(unpack.outputs).toEqual(['split', 'split:1']);
    expect(graph.nodes.find((n) => n.id === 'use1')!.inputs).toEqual(['split:1']);
    // Without a signature the outputs are what nobody reads: split:0 is unread but split is read.
    expect(graph.outputs).toEqual(['use1']);
  });

  it('takes outputs and missing input shapes from the signature (top level or userDefinedMetadata)', () => {
    const base = small();
    const x = { ...placeholder('x', []), attr: { dtype: a.type('DT_FLOAT') } };
    const nodes = (base.json.modelTopology as { node: unknown[] }).node.map((n) =>
      (n as { name: string }).name === 'x' ? x : n,
    );
    const signature = {
      inputs: {
        x: {
          name: 'x:0',
          dtype: 'DT_FLOAT',
          tensorShape: { dim: [{ size: '1' }, { size: '8' }, { size: '8' }, { size: '3' }] },
        },
      },
      outputs: { y: { name: 'relu:0' }, z: { name: 'split:1' } },
    };
    for (const extra of [{ signature }, { userDefinedMetadata: { signature } }]) {
      const json = { ...base.json, modelTopology: { node: nodes }, ...extra };
      const { graph } = importTfjsObject(json, base.shards);
      expect(graph.outputs).toEqual(['relu', 'split:1']);
      expect(graph.tensors.get('x')!.shape).toEqual([1, 8, 8, 3]);
    }
  });

  it('reads model.json and shards from disk', () => {
    const path = writeModel(small());
    const g = importTfjsFile(path);
    expect(g.nodes).toHaveLength(5);
    expect(g.name).toMatch(/^tfjs-/); // model.json is named after its folder
    expect(importTfjsFileWithNotes(path).notes).toHaveLength(2);
  });

  it('decodes URL-encoded shard paths', () => {
    const m = small();
    const dir = mkdtempSync(join(tmpdir(), 'tfjs-'));
    (m.json.weightsManifest as { paths: string[] }[])[0].paths = ['my%20weights.bin'];
    writeFileSync(join(dir, 'model.json'), JSON.stringify(m.json));
    writeFileSync(join(dir, 'my weights.bin'), m.shards['group1-shard1of1.bin']);
    expect(importTfjsFile(join(dir, 'model.json')).tensors.get('w')!.constant).toBe(true);
  });
});

describe('TF.js import refuses bad input with one line naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tfjs-bad-'));
  const file = (name: string, text: string): string => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const fails = (path: string, message: RegExp): void => {
    let err: unknown;
    try {
      importTfjsFile(path);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HeteroError);
    expect((err as HeteroError).message).toMatch(message);
    expect((err as HeteroError).message).not.toContain('\n');
  };

  it('a package.json', () => {
    const p = file('package.json', JSON.stringify({ name: 'x', version: '1.0.0' }));
    fails(p, /package\.json: is not a TF\.js graph model \(no "modelTopology" object\)/);
  });

  it('a layers model', () => {
    const p = file(
      'layers.json',
      JSON.stringify({ format: 'layers-model', modelTopology: { class_name: 'Sequential', config: {} } }),
    );
    fails(p, /layers\.json: is a TF\.js layers model, not a graph model/);
    const q = file(
      'old-layers.json',
      JSON.stringify({ modelTopology: { model_config: {} }, weightsManifest: [] }),
    );
    fails(q, /old-layers\.json: is a TF\.js layers model/);
  });

  it('malformed JSON and missing files', () => {
    fails(file('broken.json', '{"format": "graph-model", '), /broken\.json: is not valid JSON/);
    fails(join(dir, 'absent.json'), /absent\.json: cannot read \(ENOENT\)/);
  });

  it('a wrongly typed field', () => {
    const p = file(
      'typed.json',
      JSON.stringify({ format: 'graph-model', modelTopology: { node: [{ name: 'x', op: 3 }] } }),
    );
    fails(p, /typed\.json: bad graph model field "modelTopology\.node\.0\.op"/);
  });

  it('a missing shard', () => {
    const sub = join(dir, 'noshard');
    mkdirSync(sub);
    const m = small();
    writeFileSync(join(sub, 'model.json'), JSON.stringify(m.json));
    fails(join(sub, 'model.json'), /noshard\/group1-shard1of1\.bin: weight shard is missing/);
  });

  it('a shard shorter than the manifest says', () => {
    const m = small();
    m.shards['group1-shard1of1.bin'] = m.shards['group1-shard1of1.bin'].slice(0, 100);
    const path = writeModel(m);
    let msg = '';
    try {
      importTfjsFile(path);
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(
      /^group1-shard1of1\.bin: shards of weightsManifest\[0\] hold 100 bytes but weight "w" needs bytes 0\.\.432$/,
    );
  });

  it('a shard path that leaves the model folder', () => {
    for (const bad of ['../x.bin', '../../etc/passwd', '/etc/passwd']) {
      const m = small();
      (m.json.weightsManifest as { paths: string[] }[])[0].paths = [bad];
      const path = writeModel(m);
      fails(
        path,
        new RegExp(`model\\.json: weight shard path "${bad.replace(/\./g, '\\.')}" leaves the model folder`),
      );
      expect(() => importTfjsObject(m.json, m.shards)).toThrow(/leaves the model folder/);
    }
  });

  it('a node input that refers to a missing node', () => {
    const m = buildModel([placeholder('x', [1, 2]), { name: 'y', op: 'Relu', input: ['ghost:1'] }]);
    fails(writeModel(m), /model\.json: node "y" input "ghost:1" refers to no node/);
  });

  it('a Const read at an output index it does not have, duplicate names, unknown signature outputs', () => {
    const m1 = buildModel([constInt('c', [1]), { name: 'y', op: 'Identity', input: ['c:1'] }]);
    expect(() => importTfjsObject(m1.json, m1.shards)).toThrow(
      /node "y" reads "c:1", which no node produces/,
    );
    const m2 = buildModel([placeholder('x', [1]), placeholder('x', [2])]);
    expect(() => importTfjsObject(m2.json, m2.shards)).toThrow(/two nodes are named "x"/);
    const m3 = buildModel([placeholder('x', [1])], [], { signature: { outputs: { o: { name: 'nope:0' } } } });
    expect(() => importTfjsObject(m3.json, m3.shards)).toThrow(
      /signature output "nope" is produced by no node/,
    );
  });
});
