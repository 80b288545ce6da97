// createCostModel: the analytic cost model of one device — roofline per op (roofline.ts), transfers
// and syncs (transfer.ts), energy (energy.ts) — over calibrated parameters or catalog defaults
// (defaults.ts). Per-processor parameters are compiled once, per-node costs cached on the node.
import type { Graph, Node, TensorInfo } from '../graph/types.js';
import type { Device, Processor } from '../hardware/schema.js';
import { defaultProcessorParams } from './defaults.js';
import { activePowerW, copyEnginePowerW, opEnergyFromLatency, transferEnergy } from './energy.js';
import {
  compileProcessor,
  nodeInfo,
  rooflineMs,
  unsupportedReason,
  type CompiledProcessor,
} from './roofline.js';
import { syncMs, transferBreakdown, type TransferBreakdown } from './transfer.js';
import type { CostModel, DeviceCostParams, OpCostBreakdown, RunContext, TransferContext } from './types.js';

interface ProcEntry {
  base: CompiledProcessor;
  /** Compiled "<id>@<threads>" entries; null = none in the params (use base). */
  byThreads: Map<number, CompiledProcessor | null>;
}

export interface AnalyticCostModel extends CostModel {
  readonly params: DeviceCostParams | undefined;
  /** The terms behind opLatencyMs (for calibration and explanations). */
  opBreakdown(node: Node, graph: Graph, proc: Processor, ctx?: RunContext): OpCostBreakdown;
  /** The terms behind transferMs. */
  transferBreakdown(
    tensor: TensorInfo,
    from: Processor,
    to: Processor,
    ctx?: TransferContext,
  ): TransferBreakdown;
  /** Power (W) of a processor running at the context's frequency and thread count. */
  activePowerW(proc: Processor, ctx?: RunContext): number;
}

/**
 * The cost model of `device`. Processors missing from `params` (or all, when `params` is absent) use
 * defaultProcessorParams. For a CPU with `ctx.threads = N`, an exact "<id>@N" entry wins over "<id>".
 */
export function createCostModel(device: Device, params?: DeviceCostParams): AnalyticCostModel {
  const entries = new WeakMap<Processor, ProcEntry>();
  const dramGBps = device.memory.bandwidthGBps;
  const hostCpu = device.processors.find((p) => p.kind === 'cpu');

  function entry(proc: Processor): ProcEntry {
    let e = entries.get(proc);
    if (!e) {
      const p = params?.processors[proc.id] ?? defaultProcessorParams(proc);
      e = { base: compileProcessor(proc, p), byThreads: new Map() };
      entries.set(proc, e);
    }
    return e;
  }

  function compiled(proc: Processor, ctx: RunContext | undefined): CompiledProcessor {
    const e = entry(proc);
    const threads = ctx?.threads;
    if (threads === undefined || proc.kind !== 'cpu' || !params) return e.base;
    let c = e.byThreads.get(threads);
    if (c === undefined) {
      const p = params.processors[`${proc.id}@${threads}`];
      c = p ? compileProcessor(proc, p) : null;
      e.byThreads.set(threads, c);
    }
    return c ?? e.base;
  }

  function opLatencyMs(node: Node, graph: Graph, proc: Processor, ctx?: RunContext): number {
    return rooflineMs(nodeInfo(node, graph), compiled(proc, ctx), ctx, dramGBps, null);
  }

  function opBreakdown(node: Node, graph: Graph, proc: Processor, ctx?: RunContext): OpCostBreakdown {
    const info = nodeInfo(node, graph);
    const cp = compiled(proc, ctx);
    const out: OpCostBreakdown = {
      latencyMs: 0,
      dispatchMs: 0,
      computeMs: 0,
      memoryMs: 0,
      paddedFlops: 0,
      efficiency: 0,
      peakGflops: 0,
      bandwidthGBps: 0,
      computeDType: ctx?.computeDType ?? cp.computeDType,
      bound: 'dispatch',
    };
    out.latencyMs = rooflineMs(info, cp, ctx, dramGBps, out);
    if (!Number.isFinite(out.latencyMs)) {
      out.unsupported = unsupportedReason(cp, info.opKey, out.computeDType);
    }
    return out;
  }

  function transfer(
    tensor: TensorInfo,
    from: Processor,
    to: Processor,
    ctx?: TransferContext,
  ): TransferBreakdown {
    return transferBreakdown(tensor, entry(from).base, entry(to).base, ctx);
  }

  function enginePower(from: Processor, to: Processor): number {
    const cpu = from.kind === 'cpu' ? from : to.kind === 'cpu' ? to : hostCpu;
    return copyEnginePowerW(cpu);
  }

  return {
    device,
    params,
    opLatencyMs,
    opBreakdown,
    transferMs: (tensor, from, to, ctx) => transfer(tensor, from, to, ctx).totalMs,
    transferBreakdown: transfer,
    syncMs: (from, to) => syncMs(entry(from).base, entry(to).base),
    opEnergyJ: (node, graph, proc, ctx) =>
      opEnergyFromLatency(opLatencyMs(node, graph, proc, ctx), proc, ctx),
    transferEnergyJ: (tensor, from, to, ctx) => {
      const t = transfer(tensor, from, to, ctx);
      return transferEnergy(t.trafficBytes, t.totalMs, enginePower(from, to));
    },
    idlePowerW: (proc) => proc.power.idleW,
    activePowerW,
  };
}
