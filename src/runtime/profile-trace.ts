// Parsing of an ONNX Runtime profiler trace (Chrome trace JSON) into per-run kernel times per node.
// Pure: the caller reads the file.
//
// ORT writes one `model_run` Session event per session.run and one Node event `<node name>_kernel_time`
// per executed kernel (dur in µs). Kernels of an If/Loop/Scan body run inside their parent's kernel
// event, so an event nested in another's time span is already counted by its parent and skipped.

export interface TraceEvent {
  cat: string;
  name: string;
  ts: number;
  dur: number;
}

export interface TraceRuns {
  /**
   * Kernel time (µs) per top-level node per kept run, summed over its kernels; absent nodes did not
   * run (e.g. an If's unused branch).
   */
  nodeUs: Map<string, number[]>;
  /** Per kernel (by its event name), for the nodes that ran as more than one kernel (`owners`). */
  partUs: Map<string, number[]>;
  /** Kernel events that name no hetero node, µs per kept run. */
  unmappedUs: Map<string, number[]>;
  /** Share (0..1) of top-level kernel time that mapped to nodes. */
  mappedShare: number;
  runs: number;
}

const KERNEL_SUFFIX = '_kernel_time';

export function parseTraceEvents(json: unknown): TraceEvent[] {
  if (!Array.isArray(json)) return [];
  const events: TraceEvent[] = [];
  for (const e of json as unknown[]) {
    if (typeof e !== 'object' || e === null) continue;
    const r = e as Record<string, unknown>;
    if (typeof r.cat === 'string' && typeof r.name === 'string' && typeof r.ts === 'number') {
      events.push({ cat: r.cat, name: r.name, ts: r.ts, dur: typeof r.dur === 'number' ? r.dur : 0 });
    }
  }
  return events;
}

/**
 * Splits kernel events by run and maps them to node ids; keeps the last `keepRuns` runs (earlier
 * ones are warm-up). `nodeIds` are the graph's top-level node ids; `owners` maps the names of extra
 * kernels a node was exported as (a fused activation's Relu/Clip) to that node.
 */
export function kernelTimesPerRun(
  events: readonly TraceEvent[],
  nodeIds: ReadonlySet<string>,
  keepRuns: number,
  owners: ReadonlyMap<string, string> = new Map(),
): TraceRuns {
  const multiKernel = new Set(owners.values());
  const runs = events
    .filter((e) => e.cat === 'Session' && e.name === 'model_run')
    .sort((a, b) => a.ts - b.ts)
    .slice(-keepRuns);
  const kernels = events
    .filter((e) => e.cat === 'Node' && e.name.endsWith(KERNEL_SUFFIX))
    .sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const nodeUs = new Map<string, number[]>();
  const unmappedUs = new Map<string, number[]>();
  const partUs = new Map<string, number[]>();
  let mapped = 0;
  let total = 0;
  const add = (into: Map<string, number[]>, key: string, run: number, us: number): void => {
    let arr = into.get(key);
    if (!arr) {
      arr = new Array<number>(runs.length).fill(0);
      into.set(key, arr);
    }
    arr[run] += us;
  };
  let k = 0;
  runs.forEach((run, r) => {
    const end = run.ts + run.dur;
    let outerEnd = -Infinity;
    for (; k < kernels.length && kernels[k].ts <= end; k++) {
      const e = kernels[k];
      if (e.ts < run.ts) continue; // a warm-up run's kernel
      if (e.ts < outerEnd && e.ts + e.dur <= outerEnd) continue; // inside a control-flow parent
      outerEnd = e.ts + e.dur;
      const name = e.name.slice(0, -KERNEL_SUFFIX.length);
      total += e.dur;
      const node = nodeIds.has(name) ? name : owners.get(name);
      if (node !== undefined) {
        mapped += e.dur;
        add(nodeUs, node, r, e.dur);
        if (multiKernel.has(node)) add(partUs, name, r, e.dur);
      } else {
        add(unmappedUs, name, r, e.dur);
      }
    }
  });
  return { nodeUs, partUs, unmappedUs, mappedShare: total > 0 ? mapped / total : 0, runs: runs.length };
}
