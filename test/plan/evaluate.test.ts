import { describe, expect, it } from 'vitest';
import type { CostModel, RunContext } from '../../src/cost/types.js';
import { HeteroError } from '../../src/errors.js';
import { graphFingerprint } from '../../src/graph/fingerprint.js';
import { inferShapes } from '../../src/graph/shape-inference.js';
import type { Graph, Node, TensorInfo } from '../../src/graph/types.js';
import { tensorBytes } from '../../src/graph/types.js';
import { getDevice } from '../../src/hardware/catalog.js';
import type { Processor } from '../../src/hardware/schema.js';
import { evaluatePlan } from '../../src/plan/evaluate.js';
import type { Placement, Plan } from '../../src/plan/types.js';
import { validatePlan } from '../../src/plan/validate.js';

const device = getDevice('sd865');
const CPU = 'cpu-big';
const GPU = 'gpu';

/**
 * A cost model with round numbers, so that timelines can be checked by hand: every op takes 10 ms
 * (times its split fraction) on any processor, Softmax cannot run on the GPU, a transfer takes
 * 1 ms per MB, a sync 0.5 ms; 1 W active, 0.1 W idle.
 */
const fake: CostModel = {
  device,
  opLatencyMs(node: Node, _g: Graph, proc: Processor, ctx?: RunContext) {
    if (node.op === 'Softmax' && proc.kind === 'gpu') return Infinity;
    return 10 * (ctx?.split?.fraction ?? 1);
  },
  transferMs: (t: TensorInfo) => (tensorBytes(t) ?? 0) / 1e6,
  syncMs: () => 0.5,
  opEnergyJ(node, g, proc, ctx) {
    return this.opLatencyMs(node, g, proc, ctx) / 1000;
  },
  transferEnergyJ: () => 0,
  idlePowerW: () => 0.1,
};

// x [1,16,64,64] → conv a → (relu b, relu c) → add d → softmax e. Activations are 262,144 bytes.
function diamond(): Graph {
  const w: TensorInfo = { name: 'w', shape: [16, 16, 3, 3], dtype: 'float32', constant: true };
  const nodes: Node[] = [
    { id: 'a', op: 'Conv', inputs: ['x', 'w'], outputs: ['ta'], attrs: { pads: [1, 1, 1, 1] } },
    { id: 'b', op: 'Relu', inputs: ['ta'], outputs: ['tb'], attrs: {} },
    { id: 'c', op: 'Sigmoid', inputs: ['ta'], outputs: ['tc'], attrs: {} },
    { id: 'd', op: 'Add', inputs: ['tb', 'tc'], outputs: ['td'], attrs: {} },
    { id: 'e', op: 'Softmax', inputs: ['td'], outputs: ['y'], attrs: { axis: 1 } },
  ];
  const tensors = new Map<string, TensorInfo>([
    ['x', { name: 'x', shape: [1, 16, 64, 64], dtype: 'float32', constant: false }],
    ['w', w],
  ]);
  return inferShapes({ name: 'diamond', nodes, tensors, inputs: ['x'], outputs: ['y'], opsets: { '': 17 } })
    .graph;
}

function plan(g: Graph, placements: Record<string, Placement>, extra: Partial<Plan> = {}): Plan {
  return {
    model: g.name,
    fingerprint: graphFingerprint(g),
    device: device.id,
    strategy: 'test',
    objective: 'latency',
    placements,
    notes: [],
    ...extra,
  };
}

const allOn = (g: Graph, proc: string): Record<string, Placement> =>
  Object.fromEntries(g.nodes.map((n) => [n.id, { proc }]));

const MOVE_MS = 262_144 / 1e6 + 0.5; // one activation transferred after a sync

describe('evaluatePlan', () => {
  it('runs a one-processor plan back to back with no transfers', () => {
    const g = diamond();
    const r = evaluatePlan(plan(g, allOn(g, CPU)), g, device, fake);
    expect(r.latencyMs).toBeCloseTo(50);
    expect(r.crossEdges).toBe(0);
    expect(r.perProcessor[CPU].computeMs).toBeCloseTo(50);
    expect(r.perProcessor[GPU].idleMs).toBeCloseTo(50);
    expect(r.trace.events.filter((e) => e.kind === 'compute')).toHaveLength(5);
  });

  it('overlaps branches on two processors and pays sync + transfer on each crossing', () => {
    const g = diamond();
    const p = plan(g, { ...allOn(g, CPU), c: { proc: GPU } });
    const r = evaluatePlan(p, g, device, fake);
    // a: 0–10 on CPU; c waits for ta on the GPU (10 + move) while b runs 10–20 on the CPU;
    // d needs tc back on the CPU: 10 + move + 10 + move; then d and e take 10 each.
    const dStart = 10 + MOVE_MS + 10 + MOVE_MS;
    expect(r.latencyMs).toBeCloseTo(dStart + 20, 6);
    expect(r.crossEdges).toBe(2);
    expect(r.transferBytes).toBe(2 * 262_144);
    expect(r.perProcessor[GPU].computeMs).toBeCloseTo(10);
  });

  it('divides a split node between processors and gathers what an OC part needs', () => {
    const g = diamond();
    const p = plan(g, {
      ...allOn(g, CPU),
      a: {
        split: {
          axis: 'OC',
          parts: [
            { proc: CPU, fraction: 0.5 },
            { proc: GPU, fraction: 0.5 },
          ],
        },
      },
    });
    validatePlan(p, g, device, fake);
    const r = evaluatePlan(p, g, device, fake);
    // The GPU part needs all of x (move 262 KB), computes 5 ms; b on the CPU needs the GPU's half of ta.
    const gpuEnd = MOVE_MS + 5;
    const half = 131_072 / 1e6 + 0.5;
    expect(r.latencyMs).toBeCloseTo(gpuEnd + half + 40, 6);
    expect(r.transferBytes).toBe(262_144 + 131_072);
  });

  it('moves a tensor to a processor once for all its readers there', () => {
    const g = diamond();
    const p = plan(g, {
      a: { proc: CPU },
      b: { proc: GPU },
      c: { proc: GPU },
      d: { proc: GPU },
      e: { proc: CPU },
    });
    const r = evaluatePlan(p, g, device, fake);
    expect(r.crossEdges).toBe(2); // ta to the GPU once, td back
  });

  it('recomputes halo rows inside an H chain and exchanges them from an unsplit producer', () => {
    // x [1,64,64,64] → conv p (1×1) → conv q (k×k, pads (k−1)/2); both H-split half CPU, half GPU.
    // Activations are 1,048,576 bytes; one row (1/64 of the H) is 16,384 bytes.
    const chain = (k: number): Graph => {
      const w = (name: string, kk: number): TensorInfo => ({
        name,
        shape: [64, 64, kk, kk],
        dtype: 'float32',
        constant: true,
      });
      const pad = (k - 1) / 2;
      const nodes: Node[] = [
        { id: 'p', op: 'Conv', inputs: ['x', 'wp'], outputs: ['tp'], attrs: {} },
        { id: 'q', op: 'Conv', inputs: ['tp', 'wq'], outputs: ['y'], attrs: { pads: [pad, pad, pad, pad] } },
      ];
      const tensors = new Map<string, TensorInfo>([
        ['x', { name: 'x', shape: [1, 64, 64, 64], dtype: 'float32', constant: false }],
        ['wp', w('wp', 1)],
        ['wq', w('wq', k)],
      ]);
      return inferShapes({
        name: `chain${k}`,
        nodes,
        tensors,
        inputs: ['x'],
        outputs: ['y'],
        opsets: { '': 17 },
      }).graph;
    };
    const hSplit: Placement = {
      split: {
        axis: 'H',
        parts: [
          { proc: CPU, fraction: 0.5 },
          { proc: GPU, fraction: 0.5 },
        ],
      },
    };
    const run = (k: number, pPlacement: Placement = hSplit) => {
      const g = chain(k);
      const p = plan(g, { p: pPlacement, q: hSplit });
      validatePlan(p, g, device, fake);
      return evaluatePlan(p, g, device, fake);
    };
    const qOn = (r: ReturnType<typeof run>, proc: string) =>
      r.trace.events.find((e) => e.kind === 'compute' && e.node === 'q' && e.proc === proc);
    // 1×1: only x's GPU half in and y's GPU half out; nothing moves between p and q.
    const pointwise = run(1);
    expect(pointwise.crossEdges).toBe(2);
    expect(pointwise.transferBytes).toBe(2 * 524_288);
    expect(pointwise.trace.events.filter((e) => e.kind === 'transfer' && e.node === 'q')).toHaveLength(0);
    // 3×3 after an H-split p on the same processors and fractions: each side of q recomputes the one
    // row of tp beyond its slice (p's local part, 5 ms for half the rows, × (1/64) / 0.5) instead of
    // exchanging it: still no cross edges between p and q.
    const windowed = run(3);
    expect(windowed.crossEdges).toBe(2);
    expect(windowed.transferBytes).toBe(2 * 524_288);
    expect(windowed.trace.events.filter((e) => e.node === 'q' && e.kind !== 'compute')).toHaveLength(0);
    const recomputeMs = (5 * (1 / 64)) / 0.5;
    for (const proc of [CPU, GPU]) {
      const [a, b] = [qOn(pointwise, proc)!, qOn(windowed, proc)!];
      expect(b.endMs - b.startMs).toBeCloseTo(a.endMs - a.startMs + recomputeMs, 9);
      expect(windowed.perProcessor[proc].computeMs).toBeCloseTo(10 + recomputeMs, 9);
    }
    // p: CPU 0–5; GPU after x's half arrives (0.5 + 0.524288), +5. q's CPU part starts right after p's
    // (no wait for the GPU's row); q's GPU half then goes home (sync + 0.524288).
    const gpuP = 0.5 + 0.524288 + 5;
    expect(qOn(windowed, CPU)!.startMs).toBeCloseTo(5, 9);
    expect(windowed.latencyMs).toBeCloseTo(gpuP + 5 + recomputeMs + 0.5 + 0.524288, 6);
    // 3×3 after p whole on the GPU (not split): q's CPU part exchanges its rows and the halo row from
    // the GPU (a sync and a transfer of 33 of 64 rows), and nothing is recomputed.
    const fromWhole = run(3, { proc: GPU });
    const halos = fromWhole.trace.events.filter((e) => e.kind === 'transfer' && e.node === 'q');
    expect(halos.map((e) => e.proc)).toEqual([`${GPU}→${CPU}`]);
    expect(fromWhole.transferBytes).toBe(1_048_576 + 33 * 16_384 + 524_288);
    const wholeP = 0.5 + 1.048576 + 10;
    expect(qOn(fromWhole, CPU)!.startMs).toBeCloseTo(wholeP + 0.5 + 0.540672, 9);
    for (const proc of [CPU, GPU])
      expect(qOn(fromWhole, proc)!.endMs - qOn(fromWhole, proc)!.startMs).toBeCloseTo(5, 9);
  });

  it('counts idle energy for every processor over the whole inference', () => {
    const g = diamond();
    const r = evaluatePlan(plan(g, allOn(g, CPU)), g, device, fake);
    const idleJ = (0.1 * 50 * (device.processors.length - 1)) / 1000;
    expect(r.energyJ).toBeCloseTo(0.05 + idleJ, 9);
  });
});

describe('validatePlan', () => {
  const g = diamond();
  const expectRejected = (p: Plan, message: RegExp): void => {
    expect(() => validatePlan(p, g, device, fake)).toThrow(HeteroError);
    expect(() => validatePlan(p, g, device, fake)).toThrow(message);
  };

  it('accepts a valid plan', () => {
    expect(() => validatePlan(plan(g, allOn(g, CPU)), g, device, fake)).not.toThrow();
  });

  it('rejects an op on a processor that cannot run it', () => {
    expectRejected(plan(g, allOn(g, GPU)), /node e \(Softmax\) is placed on gpu/);
  });

  it('rejects fractions that do not sum to 1 and impossible split axes', () => {
    const split = (axis: 'OC' | 'H' | 'C', f: number): Placement => ({
      split: {
        axis,
        parts: [
          { proc: CPU, fraction: f },
          { proc: GPU, fraction: 0.5 },
        ],
      },
    });
    expectRejected(plan(g, { ...allOn(g, CPU), a: split('OC', 0.4) }), /sum to 0\.9/);
    expectRejected(plan(g, { ...allOn(g, CPU), d: split('OC', 0.5) }), /Add cannot be split along OC/);
    expectRejected(plan(g, { ...allOn(g, CPU), a: split('C', 0.5) }), /Conv cannot be split along C/);
    expect(() =>
      validatePlan(plan(g, { ...allOn(g, CPU), b: split('H', 0.5) }), g, device, fake),
    ).not.toThrow();
  });

  it('rejects a broken dependency order, unknown processors and another model', () => {
    expectRejected(
      plan(g, allOn(g, CPU), { order: ['b', 'a', 'c', 'd', 'e'] }),
      /before its input's producer/,
    );
    expectRejected(plan(g, { ...allOn(g, CPU), a: { proc: 'tpu' } }), /unknown processor "tpu"/);
    expectRejected({ ...plan(g, allOn(g, CPU)), fingerprint: 'deadbeef' }, /another model/);
    const missing = allOn(g, CPU);
    delete missing.e;
    expectRejected(plan(g, missing), /node e has no placement/);
  });
});
