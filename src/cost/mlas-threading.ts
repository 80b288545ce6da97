// How ONNX Runtime's MLAS divides a dense kernel between the intra-op pool's threads, so that the
// kernel model can count the work of the busiest thread rather than of the whole kernel. Read in
// MLAS (sgemm.cpp MlasGemmBatch, convolve.cpp MlasConvPrepare and MlasConv), our own restatement:
// - an SGEMM asks for one thread per 64 Ki multiply-adds (at most the pool's), and splits the longer
//   of M and N: N in strides of 16 columns (one stride gives one thread), M by rows; a batch of
//   products shares the threads out, one product (or part of one) per task;
// - a pointwise conv is that SGEMM on the input itself; with several groups or images, one whole
//   SGEMM per (image, group), the (image, group)s shared out between threads;
// - another conv with more filters than output pixels expands the whole input on the calling
//   thread, then runs the threaded SGEMM (M = filters > N = pixels: split by rows);
// - any other conv splits its output pixels into 16-aligned strides, each thread expanding and
//   multiplying its own (a single stride runs on one thread); with several groups or images, the
//   (image, group)s are shared out instead, each run whole.
// At one thread every share is 1.

/** The busiest thread's part of a dense kernel's work. */
export interface DenseSplit {
  /** Threads that get work (1: the kernel runs on the calling thread alone). */
  readonly threads: number;
  /** Share of the 16-column SGEMM tiles (multiply-adds, B panel passes) the busiest thread computes. */
  readonly tileShare: number;
  /** Share of the output elements the busiest thread writes. */
  readonly outShare: number;
  /** Share of A's rows (the weights, for a conv) the busiest thread reads. */
  readonly aShare: number;
  /** Share of B's columns (the input, for a conv) the busiest thread packs. */
  readonly bShare: number;
  /** Share of the SGEMM calls the busiest thread makes. */
  readonly callShare: number;
  /** Share of the im2col expansion the busiest thread does. */
  readonly im2colShare: number;
}

/** Multiply-adds one thread is asked to take on (MLAS_SGEMM_THREAD_COMPLEXITY). */
const MACS_PER_THREAD = 64 * 1024;
/** Columns of N each thread's part is aligned to (MLAS_SGEMM_STRIDEN_THREAD_ALIGN). */
const N_ALIGN = 16;

const ALL_ON_ONE: DenseSplit = {
  threads: 1,
  tileShare: 1,
  outShare: 1,
  aShare: 1,
  bShare: 1,
  callShare: 1,
  im2colShare: 1,
};

const threadsFor = (macs: number, poolThreads: number): number =>
  Math.min(poolThreads, Math.floor(macs / MACS_PER_THREAD) + 1);

/** `batch` products of M×K by K×N, through MlasGemmBatch on a pool of `poolThreads`. */
export function gemmSplit(m: number, n: number, k: number, batch: number, poolThreads: number): DenseSplit {
  if (poolThreads <= 1 || m < 1 || n < 1) return ALL_ON_ONE;
  let perGemm = Math.ceil(threadsFor(m * n * k, poolThreads) / batch);
  let aFrac = 1;
  let bFrac = 1;
  // Of the 16-column tiles: a part of N spans whole tiles but the last one.
  let tileFrac = 1;
  if (n > m) {
    const strides = Math.ceil(n / N_ALIGN);
    perGemm = Math.min(perGemm, strides);
    const busiest = Math.ceil(strides / perGemm);
    bFrac = Math.min(n, busiest * N_ALIGN) / n;
    tileFrac = busiest / strides;
  } else {
    perGemm = Math.min(perGemm, m);
    aFrac = Math.ceil(m / perGemm) / m;
  }
  const tasks = perGemm * batch;
  const threads = Math.min(poolThreads, tasks);
  if (threads <= 1) return ALL_ON_ONE;
  // The pool hands out tasks evenly: the busiest thread gets ⌈tasks / threads⌉ of them.
  const perThread = Math.ceil(tasks / threads) / batch;
  return {
    threads,
    tileShare: perThread * aFrac * tileFrac,
    outShare: perThread * aFrac * bFrac,
    aShare: perThread * aFrac,
    bShare: perThread * bFrac,
    callShare: perThread,
    im2colShare: 1,
  };
}

/** Whole SGEMMs (one per image and group) shared out between threads. */
function wholeCallsSplit(calls: number, poolThreads: number): DenseSplit {
  const threads = Math.min(poolThreads, calls);
  if (threads <= 1) return ALL_ON_ONE;
  const share = Math.ceil(calls / threads) / calls;
  return {
    threads,
    tileShare: share,
    outShare: share,
    aShare: share,
    bShare: share,
    callShare: share,
    im2colShare: share,
  };
}

/** The shape of a conv as MLAS sees it, per group. */
export interface ConvShape {
  readonly batch: number;
  readonly groups: number;
  /** Filters per group (SGEMM M). */
  readonly filters: number;
  /** Output pixels (SGEMM N). */
  readonly pixels: number;
  /** Input channels per group × kernel taps (SGEMM K). */
  readonly depth: number;
  /** Kernel taps (product of the kernel's spatial dims). */
  readonly taps: number;
  /** Every stride 1 and no padding. */
  readonly unitStrideNoPad: boolean;
}

/** How MlasConv runs a conv of `shape` on a pool of `poolThreads`. */
export function convSplit(shape: ConvShape, poolThreads: number): DenseSplit {
  if (poolThreads <= 1) return ALL_ON_ONE;
  const calls = shape.batch * shape.groups;
  const { filters: m, pixels: n, depth: k } = shape;
  // Pointwise: the SGEMM runs on the input directly (MlasConvAlgorithmGemmDirect).
  if (shape.unitStrideNoPad && shape.taps === 1) {
    return calls > 1 ? wholeCallsSplit(calls, poolThreads) : gemmSplit(m, n, k, 1, poolThreads);
  }
  // More filters than pixels: serial expansion, then the threaded SGEMM, group after group.
  if (m > n) return { ...gemmSplit(m, n, k, 1, poolThreads), im2colShare: 1 };
  if (calls > 1) return wholeCallsSplit(calls, poolThreads);
  // One image, one group: strides of output pixels, each expanded and multiplied by its thread.
  let threads = threadsFor(m * n * k, poolThreads);
  let stride = Math.ceil(n / threads);
  if (threads > 1) {
    stride = Math.ceil(stride / N_ALIGN) * N_ALIGN;
    if (stride >= n) threads = 1;
    else if (stride * (threads - 1) >= n) threads--;
  }
  if (threads <= 1) return ALL_ON_ONE;
  const share = stride / n;
  const tileShare = stride / N_ALIGN / Math.ceil(n / N_ALIGN);
  return { threads, tileShare, outShare: share, aShare: 1, bShare: share, callShare: 1, im2colShare: share };
}
