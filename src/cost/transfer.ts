// Moving a tensor between two processors of one SoC (all catalog devices have unified DRAM) and
// synchronising a cross-processor dependency. Pure functions over compiled processors.
//
//   transferMs = boundaryMs(from.kind, to.kind)          map/unmap, ION/FastRPC buffer setup
//              + copyMs       CPU↔NPU/DSP and GPU↔NPU/DSP copy through a shared buffer; between CPU
//                             processors with a measured copy cost (the host's per-core workers)
//              + flushMs      CPU↔GPU zero-copy: cache maintenance, one pass over the bytes
//              + layoutMs     when the two preferred layouts differ (rank-4 tensors): a strided pass
//              + dtypeMs      when the two dtypes differ (quantize/dequantize/fp16 cast): one pass
// Every pass moves its bytes at the lower of the two processors' bandwidths.
import type { DType, TensorInfo } from '../graph/types.js';
import { dtypeBytes, numel } from '../graph/types.js';
import type { ProcessorKind } from '../hardware/schema.js';
import type { CompiledProcessor } from './roofline.js';
import type { TransferContext } from './types.js';

/**
 * Fixed cost (µs) of bringing a buffer into / out of a processor kind's domain; a transfer pays the
 * sum of both ends (CPU↔GPU 40, CPU↔NPU 100, GPU↔NPU 140).
 * - gpu 40: clEnqueueMapBuffer/clEnqueueUnmapMemObject of a host-visible buffer (the zero-copy path
 *   μLayer, EuroSys'19, uses on unified memory) costs tens of µs in mobile OpenCL drivers (assumption).
 * - npu/dsp 100: shared ION/dma-buf buffers need cache maintenance per invocation; the Hexagon SDK's
 *   "System optimizations" page says this takes "a minimum of a few hundred microseconds" on DSPs
 *   without IO-coherence; newer SoCs are IO-coherent, hence 100 µs (assumption within that range).
 */
const BOUNDARY_US: Record<ProcessorKind, number> = { cpu: 0, gpu: 40, npu: 100, dsp: 100 };

/**
 * A layout conversion (NCHW↔NHWC↔PHWC4) reads with a stride of the channel count: it reaches about half
 * of streaming bandwidth (assumption, typical of transpose kernels on Arm cores).
 */
export const LAYOUT_PASS_EFFICIENCY = 0.5;

const FLOAT_DTYPES: ReadonlySet<DType> = new Set<DType>(['float32', 'float16', 'bfloat16', 'float64']);

export interface TransferBreakdown {
  totalMs: number;
  boundaryMs: number;
  copyMs: number;
  flushMs: number;
  layoutMs: number;
  dtypeMs: number;
  /** DRAM traffic of all passes (bytes read + written), for energy. */
  trafficBytes: number;
  fromDType: DType;
  toDType: DType;
}

function sideDType(tensor: TensorInfo, cp: CompiledProcessor, explicit: DType | undefined): DType {
  if (explicit) return explicit;
  // Only float activations are cast/quantized at a boundary; indices and masks keep their dtype.
  return FLOAT_DTYPES.has(tensor.dtype) ? cp.computeDType : tensor.dtype;
}

const NEEDS_COPY = (k: ProcessorKind): boolean => k === 'npu' || k === 'dsp';

/**
 * Cost of moving `tensor` from one processor to another. Same processor → 0. A tensor whose shape is
 * not fully known moves 0 bytes here (only the fixed costs count): the caller sees it in the graph's
 * costAssumptions, not as a silent number of bytes.
 */
export function transferBreakdown(
  tensor: TensorInfo,
  from: CompiledProcessor,
  to: CompiledProcessor,
  ctx: TransferContext | undefined,
): TransferBreakdown {
  const fromDType = sideDType(tensor, from, ctx?.fromDType);
  const toDType = sideDType(tensor, to, ctx?.toDType);
  const none: TransferBreakdown = {
    totalMs: 0,
    boundaryMs: 0,
    copyMs: 0,
    flushMs: 0,
    layoutMs: 0,
    dtypeMs: 0,
    trafficBytes: 0,
    fromDType,
    toDType,
  };
  if (from.proc.id === to.proc.id && fromDType === toDType) return none;

  const elems = numel(tensor.shape) ?? 0;
  const fromBytes = elems * dtypeBytes(fromDType);
  const toBytes = elems * dtypeBytes(toDType);
  const bytesPerMs = Math.min(from.bandwidthGBps, to.bandwidthGBps) * 1e6;
  const a = from.proc.kind;
  const b = to.proc.kind;
  let traffic = 0;

  const boundaryMs = from.proc.id === to.proc.id ? 0 : (BOUNDARY_US[a] + BOUNDARY_US[b]) / 1000;
  let copyMs = 0;
  let flushMs = 0;
  if (from.proc.id !== to.proc.id) {
    if (NEEDS_COPY(a) || NEEDS_COPY(b)) {
      copyMs = (2 * fromBytes) / bytesPerMs; // read + write
      traffic += 2 * fromBytes;
    } else if (a !== b) {
      flushMs = fromBytes / bytesPerMs; // CPU↔GPU zero-copy: clean/invalidate over the buffer
      traffic += fromBytes;
    } else if (to.copyInMsPerByte !== undefined) {
      // Between CPU processors that do not share the tensor in place (the host's per-core workers):
      // the measured cost of their copies.
      copyMs = fromBytes * to.copyInMsPerByte;
      traffic += 2 * fromBytes;
    }
  }
  let layoutMs = 0;
  if (from.layout !== to.layout && tensor.shape?.length === 4) {
    layoutMs = (2 * fromBytes) / (bytesPerMs * LAYOUT_PASS_EFFICIENCY);
    traffic += 2 * fromBytes;
  }
  let dtypeMs = 0;
  if (fromDType !== toDType) {
    dtypeMs = (fromBytes + toBytes) / bytesPerMs;
    traffic += fromBytes + toBytes;
  }
  return {
    totalMs: boundaryMs + copyMs + flushMs + layoutMs + dtypeMs,
    boundaryMs,
    copyMs,
    flushMs,
    layoutMs,
    dtypeMs,
    trafficBytes: traffic,
    fromDType,
    toDType,
  };
}

/** cpu→cpu sync (below); also the host workers' hand-off when a host file predates measuring it. */
export const CPU_WAKE_UP_US = 10;

/**
 * Fixed synchronisation cost (µs) of one dependency from a producer on `from` to a consumer on `to`.
 * - cpu→cpu 10 (CPU_WAKE_UP_US): waking a thread on another cluster (futex wake + scheduler latency), assumption.
 * - cpu→gpu 50: clFlush + command submission to the GPU queue, assumption.
 * - gpu→cpu 300: waiting for the GPU (clFinish / fence + interrupt + CPU wake-up); 0.1–0.5 ms is what
 *   mobile OpenCL pipelines see (Arm's Mali OpenCL guide warns clFinish serialises; CoDL, MobiSys'22,
 *   sizes its operator chains to amortise this sync), 300 µs assumed.
 * - cpu→npu/dsp 150, npu/dsp→cpu 150: a FastRPC / NNAPI execution round trip (Hexagon SDK: "overhead
 *   for each invocation ... could extend to several milliseconds" with CPU sleep states; 150 µs assumed
 *   with performance QoS).
 * - accelerator↔accelerator goes through the CPU: the sum of both legs.
 */
const SYNC_TO_CPU_US: Record<ProcessorKind, number> = { cpu: CPU_WAKE_UP_US, gpu: 300, npu: 150, dsp: 150 };
const SYNC_FROM_CPU_US: Record<ProcessorKind, number> = { cpu: CPU_WAKE_UP_US, gpu: 50, npu: 150, dsp: 150 };

export function syncMs(from: CompiledProcessor, to: CompiledProcessor): number {
  if (from.proc.id === to.proc.id) return 0;
  const a = from.proc.kind;
  const b = to.proc.kind;
  if (a === 'cpu' && to.syncInMs !== undefined) return to.syncInMs;
  if (a === 'cpu') return SYNC_FROM_CPU_US[b] / 1000;
  if (b === 'cpu') return SYNC_TO_CPU_US[a] / 1000;
  return (SYNC_TO_CPU_US[a] + SYNC_FROM_CPU_US[b]) / 1000;
}
