// createCostModel: the analytic cost model of one device — roofline per op (roofline.ts), transfers
// and syncs (transfer.ts), energy (energy.ts) — over calibrated parameters or catalog defaults
// (defaults.ts). Per-processor parameters are compiled once, per-node costs cached on the node.
import type { DType, Graph, Node, TensorInfo } from '../graph/types.js';
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
import { hostKernelMs } from './host-kernel-model.js';
import { hostOpMs } from './host-run.js';
import { syncMs, transferBreakdown, type TransferBreakdown } from './transfer.js';
import type {
  CostModel,
  DeviceCostParams,
  OpCostBreakdown,
  ProcessorCostParams,
  RunContext,
  TransferContext,
} from './types.js';

/** The entry for one thread count (0 = no thread key) and its dtype-keyed variants. */
interface ThreadEntry {
  cp: CompiledProcessor;
  /** Resolved per compute dtype (the entry itself when no dtype key applies). */
  byDType: Map<DType, CompiledProcessor>;
}

interface ProcEntry {
  base: CompiledProcessor;
  /** The params hold "<id>@…" or "<id>:…" keys; false = every lookup is `base` (the fast path). */
  keyed: boolean;
  /** The params hold "<id>:<dtype>" or "<id>@<threads>:<dtype>" keys. */
  dtypeKeyed: boolean;
  byThreads: Map<number, ThreadEntry>;
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
 * defaultProcessorParams. Thread- and dtype-keyed entries ("cpu@2", "npu:int8", "cpu@2:int8") win over
 * the plain "<id>" entry in the order DeviceCostParams.processors documents.
 */
export function createCostModel(device: Device, params?: DeviceCostParams): AnalyticCostModel {
  const entries = new WeakMap<Processor, ProcEntry>();
  const dramGBps = device.memory.bandwidthGBps;
  const hostCpu = device.processors.find((p) => p.kind === 'cpu');

  function entry(proc: Processor): ProcEntry {
    let e = entries.get(proc);
    if (!e) {
      const p = params?.processors[proc.id] ?? defaultProcessorParams(proc);
      const keys = Object.keys(params?.processors ?? {});
      const threadKey = `${proc.id}@`;
      const dtypeKey = `${proc.id}:`;
      const dtypeKeyed = keys.some(
        (k) => k.startsWith(dtypeKey) || (k.startsWith(threadKey) && k.includes(':')),
      );
      e = {
        base: compileHost(proc, p),
        keyed: dtypeKeyed || (proc.kind === 'cpu' && keys.some((k) => k.startsWith(threadKey))),
        dtypeKeyed,
        byThreads: new Map(),
      };
      entries.set(proc, e);
    }
    return e;
  }

  /** The parameters a run uses (lookup order in DeviceCostParams.processors), compiled once. */
  function compiled(proc: Processor, ctx: RunContext | undefined): CompiledProcessor {
    const e = entry(proc);
    if (!e.keyed || !params) return e.base;
    const threads = proc.kind === 'cpu' && ctx?.threads !== undefined ? ctx.threads : 0;
    let t = e.byThreads.get(threads);
    if (t === undefined) {
      const p = threads > 0 ? params.processors[`${proc.id}@${threads}`] : undefined;
      t = { cp: p ? compileHost(proc, p) : e.base, byDType: new Map() };
      e.byThreads.set(threads, t);
    }
    if (!e.dtypeKeyed) return t.cp;
    const dtype = ctx?.computeDType ?? t.cp.computeDType;
    let c = t.byDType.get(dtype);
    if (c === undefined) {
      const p =
        (threads > 0 ? params.processors[`${proc.id}@${threads}:${dtype}`] : undefined) ??
        params.processors[`${proc.id}:${dtype}`];
      c = p ? compileProcessor(proc, { ...p, computeDType: dtype }) : t.cp;
      t.byDType.set(dtype, c);
    }
    return c;
  }

  /** compileProcessor, with a host entry's kernels linked to the one-thread entry that bounds them. */
  function compileHost(proc: Processor, p: ProcessorCostParams): CompiledProcessor {
    const cp = compileProcessor(proc, p);
    const serial =
      p.kernels?.serialWakeUs !== undefined || p.kernels?.parallelFloorShare !== undefined
        ? params?.processors[`${proc.id}@1`]?.kernels
        : undefined;
    return serial && serial !== p.kernels ? { ...cp, serialKernels: serial } : cp;
  }

  function opLatencyMs(node: Node, graph: Graph, proc: Processor, ctx?: RunContext): number {
    const cp = compiled(proc, ctx);
    // Host kernel and run models (host calibration only); every catalog processor takes the roofline.
    if (cp.kernels || cp.run) return hostOpMs(cp, node, graph, ctx, dramGBps);
    return rooflineMs(nodeInfo(node, graph), cp, ctx, dramGBps, null);
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
    out.latencyMs = cp.kernels
      ? hostKernelMs(cp, info, node, graph, ctx, dramGBps, out)
      : rooflineMs(info, cp, ctx, dramGBps, out);
    if ((cp.kernels || cp.run) && Number.isFinite(out.latencyMs) && out.latencyMs > 0) {
      // The host's latency is the node's share of a plain run (or its span): the terms follow it.
      const ms = hostOpMs(cp, node, graph, ctx, dramGBps);
      const f = ms / out.latencyMs;
      out.dispatchMs *= f;
      out.computeMs *= f;
      out.memoryMs *= f;
      out.latencyMs = ms;
    }
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
