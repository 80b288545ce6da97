import { describe, expect, it } from 'vitest';
import { graphFingerprint } from '../../src/graph/fingerprint.js';
import { inferShapes } from '../../src/graph/shape-inference.js';
import type { Graph } from '../../src/graph/types.js';
import { GraphBuilder } from '../../src/zoo/builder.js';

/** Conv → Resize ×`factor`, built afresh each call (same node and tensor names every time). */
function model(o: { kernel?: number; factor?: number; mode?: string } = {}): Graph {
  const b = new GraphBuilder('fp');
  const x = b.input('x', [1, 4, 8, 8]);
  const y = b.conv(x, { out: 8, kernel: o.kernel ?? 3, pad: Math.floor((o.kernel ?? 3) / 2) });
  b.output(b.upsampleNearest(y, o.factor ?? 2));
  const g = inferShapes(b.build(), {}).graph;
  if (o.mode) g.nodes[g.nodes.length - 1]!.attrs.coordinate_transformation_mode = o.mode;
  return g;
}

describe('graph fingerprint', () => {
  it('is the same for the same model built twice', () => {
    expect(graphFingerprint(model())).toBe(graphFingerprint(model()));
  });

  it('changes with an attribute, a weight shape or a small constant, under the same names', () => {
    const base = graphFingerprint(model());
    // Same nodes and tensor names; ORT runs another Resize loop.
    expect(graphFingerprint(model({ mode: 'half_pixel' }))).not.toBe(base);
    // A 5×5 kernel: other weight shape, other pads.
    expect(graphFingerprint(model({ kernel: 5 }))).not.toBe(base);
    // Scales [1, 1, 4, 4]: a constant's value.
    expect(graphFingerprint(model({ factor: 4 }))).not.toBe(base);
  });

  it('does not depend on the values of the weights', () => {
    const a = model();
    const b = model();
    const w = [...a.tensors.values()].find((t) => t.constant && t.shape?.length === 4)!;
    a.tensors.set(w.name, { ...w, data: new Uint8Array(8 * 4 * 9 * 4).fill(1) });
    b.tensors.set(w.name, { ...w, data: new Uint8Array(8 * 4 * 9 * 4).fill(2) });
    expect(graphFingerprint(a)).toBe(graphFingerprint(b));
  });
});
