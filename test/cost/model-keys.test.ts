// Parameters added for phone fidelity: per-dtype parameter keys, the share of activation traffic
// that reaches DRAM, and what that share means for a compiled NPU graph.
import { describe, expect, it } from 'vitest';
import { aicc } from '../../src/cost/calibrate-published.js';
import { createCostModel, defaultProcessorParams } from '../../src/cost/index.js';
import { publishedModelGraph } from '../../src/cost/published.js';
import type { DeviceCostParams, ProcessorCostParams } from '../../src/cost/types.js';
import { getDevice } from '../../src/hardware/index.js';
import type { Device, Processor } from '../../src/hardware/schema.js';
import { conv } from './model-helpers.js';

const sd865 = getDevice('sd865');
const sd8gen2 = getDevice('sd8gen2');
function proc(d: Device, id: string): Processor {
  const p = d.processors.find((x) => x.id === id);
  if (!p) throw new Error(`no ${id} on ${d.id}`);
  return p;
}

/** Default parameters of `p` with every efficiency curve scaled by k (k < 1 = slower). */
function scaled(p: Processor, k: number, extra: Partial<ProcessorCostParams> = {}): ProcessorCostParams {
  const base = defaultProcessorParams(p);
  const efficiency: ProcessorCostParams['efficiency'] = {};
  for (const [cat, c] of Object.entries(base.efficiency)) {
    efficiency[cat as keyof typeof efficiency] = {
      points: c.points.map(([x, e]): [number, number] => [x, e * k]),
    };
  }
  return { ...base, efficiency, ...extra };
}

describe('dtype-keyed parameters', () => {
  const cpu = proc(sd865, 'cpu-mid');
  const { g, n } = conv(64, 64, 56);
  // Each key slows compute by a distinct factor, so the latency says which entry was used.
  const params: DeviceCostParams = {
    device: 'sd865',
    fittedFrom: 'test',
    processors: {
      'cpu-mid': scaled(cpu, 1),
      'cpu-mid@2': scaled(cpu, 1 / 2),
      'cpu-mid:int8': scaled(cpu, 1 / 3),
      'cpu-mid@2:int8': scaled(cpu, 1 / 5),
    },
  };
  const model = createCostModel(sd865, params);
  const plain = createCostModel(sd865, {
    ...params,
    processors: { 'cpu-mid': params.processors['cpu-mid']! },
  });
  /** How much slower than the plain entry a run is: the factor of the entry the lookup chose. */
  const slowdown = (ctx: { threads: number; computeDType: 'float32' | 'int8' }): number =>
    model.opBreakdown(n, g, cpu, ctx).computeMs / plain.opBreakdown(n, g, cpu, ctx).computeMs;

  it('looks up "<id>@T:D", then "<id>:D", then "<id>@T", then "<id>"', () => {
    expect(slowdown({ threads: 2, computeDType: 'int8' })).toBeCloseTo(5, 9); // "<id>@T:D"
    expect(slowdown({ threads: 3, computeDType: 'int8' })).toBeCloseTo(3, 9); // "<id>:D"
    expect(slowdown({ threads: 2, computeDType: 'float32' })).toBeCloseTo(2, 9); // "<id>@T"
    expect(slowdown({ threads: 3, computeDType: 'float32' })).toBeCloseTo(1, 9); // "<id>"
  });

  it('runs a dtype-keyed entry in its dtype and leaves transfers on the plain entry', () => {
    const only: DeviceCostParams = {
      device: 'sd865',
      fittedFrom: 'test',
      processors: { 'cpu-mid:int8': scaled(cpu, 1 / 3, { computeDType: 'float32' }) },
    };
    const m = createCostModel(sd865, only);
    expect(m.opBreakdown(n, g, cpu, { computeDType: 'int8' }).computeDType).toBe('int8');
    // No plain entry: float32 runs use the catalog defaults.
    const d = createCostModel(sd865);
    expect(m.opLatencyMs(n, g, cpu)).toBeCloseTo(d.opLatencyMs(n, g, cpu), 12);
  });
});

describe('activationDramShare', () => {
  const npu = proc(sd8gen2, 'npu');
  const gpu = proc(sd865, 'gpu');
  const { g, n } = conv(32, 32, 112, 1);

  it('lowers memory time monotonically and never touches weight traffic', () => {
    for (const p of [npu, gpu]) {
      let last = Infinity;
      for (const share of [1, 0.75, 0.5, 0.25, 0.1]) {
        const m = createCostModel(sd8gen2.processors.includes(p) ? sd8gen2 : sd865, {
          device: 'x',
          fittedFrom: 'test',
          processors: { [p.id]: { ...defaultProcessorParams(p), activationDramShare: share } },
        });
        const memoryMs = m.opBreakdown(n, g, p).memoryMs;
        expect(memoryMs, `${p.id} share ${share}`).toBeLessThan(last);
        last = memoryMs;
      }
    }
    // A weights-only op (MatMul of a 1-row activation with a big constant) barely changes.
    const { g: fg, n: fn } = conv(4096, 4096, 1, 1);
    const at = (share: number): number =>
      createCostModel(sd8gen2, {
        device: 'sd8gen2',
        fittedFrom: 'test',
        processors: { npu: { ...defaultProcessorParams(npu), activationDramShare: share } },
      }).opBreakdown(fn, fg, npu).memoryMs;
    expect(at(0.25) / at(1)).toBeGreaterThan(0.99);
  });

  it('defaults by kind: all activation traffic on a CPU, least on an NPU', () => {
    const share = (p: Processor): number | undefined => defaultProcessorParams(p).activationDramShare;
    expect(share(proc(sd865, 'cpu-big'))).toBe(1);
    expect(share(npu)).toBeLessThan(share(gpu)!);
    expect(share(gpu)).toBeLessThan(1);
  });

  it('leaves a compiled NPU graph (ResNet-50 int8 on the SD8 Gen 2 HTP) compute-dominated at default', () => {
    const graph = publishedModelGraph('resnet50', [1, 3, 224, 224]);
    const totals = (model: ReturnType<typeof createCostModel>): { compute: number; memory: number } => {
      let compute = 0;
      let memory = 0;
      for (const node of graph.nodes) {
        const b = model.opBreakdown(node, graph, npu, { computeDType: 'int8' });
        compute += b.computeMs;
        memory += b.memoryMs;
      }
      return { compute, memory };
    };
    const atDefault = totals(createCostModel(sd8gen2));
    const allDram = totals(
      createCostModel(sd8gen2, {
        device: 'sd8gen2',
        fittedFrom: 'test',
        processors: { npu: { ...defaultProcessorParams(npu), activationDramShare: 1 } },
      }),
    );
    expect(allDram.memory).toBeGreaterThan(allDram.compute); // every activation through DRAM: memory-bound
    expect(atDefault.memory).toBeLessThan(atDefault.compute);
  });
});

describe('AICc (forward selection of calibration parameters)', () => {
  it('penalises parameters, refuses a fit with no spare points, and floors the error at noise', () => {
    expect(aicc(0.1, 8, 3)).toBeGreaterThan(aicc(0.1, 8, 2));
    expect(aicc(0.1, 3, 2)).toBe(Infinity);
    expect(aicc(1e-12, 8, 2)).toBe(aicc(0, 8, 2));
  });
});
