// An `execute` cell: a plan run for real on this machine (onnxruntime-node) beside its prediction for
// the `host` device. Measured numbers depend on the machine and its load: these are the only cells
// whose results are not a pure function of the spec, so the runner runs them one at a time, after
// the parallel cells, with nothing else of the study competing for the cores.
//
// Until the plan executor (src/runtime/, issue 6) lands, the measurement is the whole model in one
// ONNX Runtime session on one thread (profileModel) — exactly what a plan for the single-processor
// `host` device runs — and the prediction is the calibrated host model's run time for it
// (predictRunMs: Σ op latencies + the fitted per-run overhead), as `hetero validate` scores it.
import { predictRunMs } from '../cost/calibrate-host.js';
import { loadHost } from '../hardware/host.js';
import { loadProfileTarget, profileModel } from '../runtime/profile.js';
import { planKey, type Cell } from './cells.js';
import { studyDevice } from './context.js';
import { studyPlan } from './plan-cache.js';
import type { CellOutcome, CellRow } from './row.js';

/** ORT intra-op threads of a measured run (one: the least disturbed by other processes). */
const THREADS = 1;

export async function runExecuteCell(
  cell: Cell,
  row: CellRow,
  planDir: string,
  hostFile?: string,
): Promise<CellOutcome> {
  const p = cell.params;
  const model = p.models[0];
  const found = studyPlan(planKey(model, p.device, p.strategy, p.objective), planDir, hostFile);
  if ('refused' in found) return { row: { ...row, status: 'refused', message: found.refused } };
  const procs = new Set(Object.values(found.plan.placements).map((pl) => ('proc' in pl ? pl.proc : 'split')));
  if (procs.size !== 1 || found.plan.changesModel)
    return {
      row: {
        ...row,
        status: 'refused',
        message: 'only single-partition plans run on the host until the executor lands',
      },
    };
  const { cost } = studyDevice(p.device, hostFile);
  const host = hostFile ? loadHost(hostFile) : loadHost();
  const inputs = Object.entries(model.inputs ?? {}).map(([name, dims]) => ({ name, dims }));
  const target = loadProfileTarget(model.source, inputs, model.values ?? {});
  const predicted = predictRunMs(cost, host.runOverhead, target.graph, THREADS).endToEndMs;
  const profile = await profileModel(target, { threads: THREADS, runs: p.runs ?? 5, warmup: 2 });
  return {
    row: {
      ...row,
      latency_ms: predicted,
      predicted_ms: predicted,
      measured_ms: profile.endToEnd.medianMs,
      nodes: target.graph.nodes.length,
      fallbacks: 0,
      details: JSON.stringify({
        threads: THREADS,
        measuredP10Ms: profile.endToEnd.p10Ms,
        measuredP90Ms: profile.endToEnd.p90Ms,
        backgroundCores: profile.backgroundCores ?? null,
        runtime: profile.runtime,
      }),
    },
  };
}
