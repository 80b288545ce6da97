import { describe, expect, it } from 'vitest';
import { kernelTouches } from '../../src/cost/host-kernel-features.js';
import { activationOffsets, memoryTouches } from '../../src/cost/ort-memory-plan.js';
import { FEATURE_INDEX, kernelInfo } from '../../src/cost/host-kernel-features.js';
import type { Graph, TensorInfo } from '../../src/graph/types.js';

/** A graph from [op, inputs, outputs] rows; every tensor float32 of the given element count. */
function graph(
  rows: [string, string[], string[]][],
  elems: Record<string, number>,
  opts: { constants?: string[]; inputs?: string[]; outputs?: string[] } = {},
): Graph {
  const constants = new Set(opts.constants ?? []);
  const tensors = new Map<string, TensorInfo>();
  for (const [name, n] of Object.entries(elems))
    tensors.set(name, { name, shape: [n], dtype: 'float32', constant: constants.has(name) });
  return {
    name: 'g',
    nodes: rows.map(([op, inputs, outputs], i) => ({ id: `n${i}`, op, inputs, outputs, attrs: {} })),
    tensors,
    inputs: opts.inputs ?? ['x'],
    outputs: opts.outputs ?? ['y'],
  };
}

describe("ONNX Runtime's placement of a run's activations", () => {
  it('gives a freed buffer of exactly the size to the next output, the latest freed first', () => {
    const g = graph(
      [
        ['Abs', ['x'], ['a']],
        ['Abs', ['a'], ['b']], // a dies here
        ['Abs', ['b'], ['c']], // takes a's buffer; b dies
        ['Abs', ['c'], ['d']], // takes b's
        ['Abs', ['d'], ['y']],
      ],
      { x: 256, a: 256, b: 256, c: 256, d: 256, y: 256 },
    );
    const at = activationOffsets(g);
    expect([at.get('a'), at.get('b'), at.get('c'), at.get('d')]).toEqual([0, 1024, 0, 1024]);
    expect(at.has('x')).toBe(false); // the caller's buffer
    expect(at.has('y')).toBe(false); // allocated per run, outside the block
  });

  it('frees the inputs a kernel was the last to read in order, each to the front of the list', () => {
    const g = graph(
      [
        ['Abs', ['x'], ['a']],
        ['Abs', ['x'], ['b']],
        ['Add', ['a', 'b'], ['c']], // a, then b, freed: b is the latest
        ['Abs', ['c'], ['d']],
        ['Abs', ['d'], ['y']],
      ],
      { x: 256, a: 256, b: 256, c: 256, d: 256, y: 256 },
    );
    const at = activationOffsets(g);
    expect([at.get('a'), at.get('b'), at.get('c'), at.get('d')]).toEqual([0, 1024, 2048, 1024]);
  });

  it('lets a view alias its input, and an activation write over an input that dies at it', () => {
    const g = graph(
      [
        ['Abs', ['x'], ['a']],
        ['Reshape', ['a', 'shape'], ['r']],
        ['Relu', ['r'], ['s']], // r (and a) die here, same size: in place
        ['Relu', ['s'], ['t']], // s is read again below: a new buffer
        ['Add', ['s', 't'], ['y']],
      ],
      { x: 100, a: 100, shape: 1, r: 100, s: 100, t: 100, y: 100 },
      { constants: ['shape'] },
    );
    const at = activationOffsets(g);
    expect(at.get('r')).toBe(at.get('a'));
    expect(at.get('s')).toBe(at.get('a'));
    expect(at.get('t')).not.toBe(at.get('s'));
    expect(at.get('t')).toBe(448); // 400 bytes rounded up to 64
  });

  it('lays a new buffer in the live gap it fills best, else on top of the live ones', () => {
    const g = graph(
      [
        ['Abs', ['x'], ['a']], // 2048 B at 0
        ['Abs', ['x'], ['b']], // 1024 B at 2048
        ['Abs', ['x'], ['c']], // 1536 B at 3072
        ['Abs', ['x'], ['d']], // 1024 B at 4608
        ['Add', ['a', 'c'], ['e']], // 512 B, laid while a and c live: on top
        ['Add', ['b', 'd'], ['f']], // 640 B: no freed buffer of its size; gaps of 2048 and 1536 B
        ['Add', ['e', 'f'], ['y']],
      ],
      { x: 16, a: 512, b: 256, c: 384, d: 256, e: 128, f: 160, y: 160 },
    );
    const at = activationOffsets(g);
    expect([at.get('a'), at.get('b'), at.get('c'), at.get('d')]).toEqual([0, 2048, 3072, 4608]);
    expect(at.get('e')).toBe(5632);
    expect(at.get('f')).toBe(3072);
  });
});

describe('how far back a run touched what a kernel reads and writes', () => {
  // Activations of 16 KiB: distances are kept per 4 KiB page.
  const KiB = 1024;
  const g = graph(
    [
      ['Abs', ['x'], ['a']],
      ['Abs', ['a'], ['b']], // a's buffer is freed here
      ['MatMul', ['b', 'w'], ['m']], // reads 256 KiB of weights
      ['Abs', ['b'], ['c']], // writes into a's old buffer, reads b: both from before the weights
      ['Abs', ['c'], ['d']], // writes into b's buffer, just read: near
      ['Abs', ['m'], ['m2']],
      ['Add', ['d', 'm2'], ['y']], // a graph output: new memory each run
    ],
    { x: 4096, a: 4096, b: 4096, w: 64 * KiB, m: 5000, c: 4096, d: 4096, m2: 4096, y: 4096 },
    { constants: ['w'] },
  );
  const touches = memoryTouches(g, 128 * KiB, 32 * 1024 * KiB);

  it('counts what was last touched before a large read as far', () => {
    expect(touches.get('n3')).toEqual({
      readFarBytes: 16 * KiB,
      writeFarBytes: 16 * KiB,
      readDramBytes: 0,
      writeDramBytes: 0,
    });
    expect(touches.get('n4')).toBeUndefined();
  });

  it('counts a graph output, new each run, as written from DRAM', () => {
    expect(touches.get('n6')).toEqual({
      readFarBytes: 0,
      writeFarBytes: 16 * KiB,
      readDramBytes: 0,
      writeDramBytes: 16 * KiB,
    });
  });

  it("gives each of a node's two kernels its own part", () => {
    expect(kernelTouches(touches, { id: 'n3#base' })).toEqual(touches.get('n3'));
    expect(kernelTouches(touches, { id: 'n3#relu' })).toBeUndefined();
    expect(kernelTouches(touches, { id: 'n3#hardsigmoid' })).toMatchObject({
      readFarBytes: 16 * KiB,
      writeFarBytes: 0,
    });
    expect(kernelTouches(touches, { id: 'n3#mul' })).toMatchObject({
      readFarBytes: 0,
      writeFarBytes: 16 * KiB,
    });
  });

  it("feeds a streaming kernel's counters", () => {
    // The host's far distance is half its last-level cache (MiBs): 256 KiB back is near.
    const n3 = kernelInfo(g.nodes[3], g).x;
    expect([n3[FEATURE_INDEX.farElems], n3[FEATURE_INDEX.dramElems]]).toEqual([0, 0]);
    const n6 = kernelInfo(g.nodes[6], g).x;
    expect([n6[FEATURE_INDEX.farElems], n6[FEATURE_INDEX.dramElems]]).toEqual([4096, 4096]);
  });
});
