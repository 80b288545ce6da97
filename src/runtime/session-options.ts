// How hetero runs ONNX Runtime on the CPU, in one place, so that the profiles the host is calibrated
// on (profile.ts), the steadiness probe (steadiness.ts) and the executor's workers (node-worker.ts)
// run the same way:
// - one op at a time, `threads` intra-op threads;
// - pool threads sleep rather than spin between parallel sections (unless `spinning`): a spinning
//   thread takes the core a sibling worker or another process needs (profile.ts has the measurement);
// - denormals flush to zero, as on phone runtimes (Arm NEON flushes them): the seeded weights of
//   exported zoo models with BatchNorm folded drive activations into the denormal range, which made
//   the x86 machine of earlier sessions run MobileNetV2 47% slower (22.7 vs 16.8 ms on one worker)
//   for no real work.
import type * as ort from 'onnxruntime-node';
import type { GraphOptimizationLevel } from '../cost/measurements.js';

export function cpuSessionOptions(
  threads: number,
  level: GraphOptimizationLevel,
  spinning = false,
): ort.InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: level,
    extra: {
      session: { ...(spinning ? {} : { intra_op: { allow_spinning: '0' } }), set_denormal_as_zero: '1' },
    },
  };
}
