// μLayer: Y. Kim, J. Kim, D. Chae, D. Kim, J. Kim, "μLayer: Low Latency On-Device Inference Using
// Cooperative Single-Layer Acceleration and Processor-Friendly Quantization", EuroSys 2019.
//
// What is reproduced: every splittable layer (Conv, Gemm/MatMul) is divided channel-wise (OC: each
// processor computes a slice of the output channels from the whole input) between the CPU's big
// cores and the GPU, the CPU taking f_cpu = t_gpu / (t_cpu + t_gpu) — the throughput ratio of the two
// processors on that layer, from the cost model's whole-layer latencies — rounded to whole channels.
// Layers that cannot be split run on the processor that is faster for them. Faithful to the method's
// weakness: it splits every layer regardless of its size, so it pays a synchronisation and an exchange
// of partial outputs at every layer boundary. Option `quantize` is the paper's processor-friendly
// quantization: CPU work in int8, GPU work in fp16 (per-part RunContext.computeDType).
//
// Simplifications: (1) the ratio is per layer from predicted latencies (the paper profiles per layer
// type and size); (2) μLayer's branch distribution (whole Inception branches per processor) is left to
// the `heft` strategy; (3) quantization changes only the compute dtype the cost model prices — the
// accuracy effect is not modelled, and transfers are priced between the processors' default dtypes
// (one conversion pass either way), not from int8; (4) one CPU cluster: phones split the big cores
// into clusters (prime `cpu-big`, performance `cpu-mid`); the GPU is paired with the cluster the cost
// model predicts runs the model fastest (splitPairFor), not both at once.
import type { CostModel, RunContext } from '../../cost/types.js';
import type { DType, Graph, Node } from '../../graph/types.js';
import type { Device, Processor } from '../../hardware/schema.js';
import { makePlan, usableProcessors } from '../make-plan.js';
import { splitProblem } from '../split-rules.js';
import type { Placement, Plan, PlanOptions, Strategy } from '../types.js';
import { planContext } from './chains.js';
import { axisLength, granular, latencyOn, partContext, splitPairFor } from './split-helpers.js';

export interface ULayerOptions {
  /** Processor-friendly quantization: CPU parts in int8, GPU parts in fp16. Default false. */
  quantize?: boolean;
}

const CITES =
  'Kim et al., "μLayer: Low Latency On-Device Inference Using Cooperative Single-Layer Acceleration ' +
  'and Processor-Friendly Quantization", EuroSys 2019';

/** The dtype a processor computes in under quantization, when the cost model can run the node in it. */
function quantizedDType(
  node: Node,
  graph: Graph,
  proc: Processor,
  cost: CostModel,
  base: RunContext,
  dtype: DType,
): DType | undefined {
  if (!proc.supports.dtypes.includes(dtype)) return undefined;
  const ms = cost.opLatencyMs(node, graph, proc, { ...base, computeDType: dtype });
  return Number.isFinite(ms) ? dtype : undefined;
}

export function createULayer(options: ULayerOptions = {}): Strategy {
  const quantize = options.quantize ?? false;
  return {
    name: 'ulayer',
    cites: CITES,
    plan(graph: Graph, device: Device, cost: CostModel, opts: PlanOptions = {}): Plan {
      const { cpu, gpu } = splitPairFor(graph, device, cost, opts);
      const base: RunContext = planContext(opts);
      const others = usableProcessors(device, opts);
      const placements: Record<string, Placement> = {};
      let splitCount = 0;
      let quantizedParts = 0;
      const ratios: number[] = [];

      for (const node of graph.nodes) {
        const cpuDType = quantize ? quantizedDType(node, graph, cpu, cost, base, 'int8') : undefined;
        const gpuDType =
          quantize && gpu ? quantizedDType(node, graph, gpu, cost, base, 'float16') : undefined;
        const cpuMs = latencyOn(node, graph, cpu, cost, partContext(base, undefined, 1, cpuDType));
        const gpuMs = latencyOn(node, graph, gpu, cost, partContext(base, undefined, 1, gpuDType));
        const one = (proc: Processor, dtype: DType | undefined): Placement => {
          if (dtype) quantizedParts++;
          return dtype ? { proc: proc.id, computeDType: dtype } : { proc: proc.id };
        };

        if (!Number.isFinite(cpuMs) && !Number.isFinite(gpuMs)) {
          // Neither side of the pair runs it: the first usable processor that can (validation names it
          // when none can).
          const any = others.find((p) => Number.isFinite(cost.opLatencyMs(node, graph, p, base)));
          placements[node.id] = { proc: (any ?? cpu).id };
          continue;
        }
        if (!gpu || !Number.isFinite(gpuMs)) {
          placements[node.id] = one(cpu, cpuDType);
          continue;
        }
        if (!Number.isFinite(cpuMs)) {
          placements[node.id] = one(gpu, gpuDType);
          continue;
        }
        if (splitProblem(node, graph, 'OC', 2) === undefined) {
          // Throughput ratio: each processor's share is proportional to its speed on this layer.
          const fCpu = granular(gpuMs / (cpuMs + gpuMs), axisLength(node, graph, 'OC'));
          ratios.push(fCpu);
          splitCount++;
          if (cpuDType) quantizedParts++;
          if (gpuDType) quantizedParts++;
          placements[node.id] = {
            split: {
              axis: 'OC',
              parts: [
                { proc: cpu.id, fraction: fCpu, ...(cpuDType ? { computeDType: cpuDType } : {}) },
                { proc: gpu.id, fraction: 1 - fCpu, ...(gpuDType ? { computeDType: gpuDType } : {}) },
              ],
            },
          };
          continue;
        }
        placements[node.id] = cpuMs <= gpuMs ? one(cpu, cpuDType) : one(gpu, gpuDType);
      }

      const notes: string[] = [];
      if (!gpu) notes.push(`no usable GPU on ${device.id}: every layer runs on ${cpu.id}`);
      const meanShare = ratios.length ? ratios.reduce((s, r) => s + r, 0) / ratios.length : 0;
      notes.push(
        `${splitCount} of ${graph.nodes.length} layers split channel-wise between ${cpu.id} and ` +
          `${gpu?.id ?? '-'}; mean CPU share ${(meanShare * 100).toFixed(1)}%`,
      );
      if (quantize) {
        notes.push(
          `processor-friendly quantization: ${quantizedParts} parts compute in int8 (CPU) / fp16 (GPU); ` +
            'accuracy effect not modelled, transfers priced between default dtypes',
        );
      }
      return makePlan(graph, device, 'ulayer', placements, {
        objective: opts.objective ?? 'latency',
        notes,
      });
    },
  };
}

/** μLayer without quantization (the registry's `ulayer`). */
export const ulayer: Strategy = createULayer();
