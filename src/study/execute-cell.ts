// An `execute` cell: the cell's plan for `host` run for real by the executor (src/runtime/: one
// onnxruntime-node worker thread per processor of the plan — the whole-machine `cpu`, or the per-core
// workers `cpu0`, `cpu1`, … — sub-models per partition, tensors passed between workers), its outputs
// verified against the monolithic model, beside what the simulator predicts for the same plan on an
// idle host, as `hetero run` reports it. Measured numbers depend on the machine and its load: these
// are the only cells whose results are not a pure function of the spec, so the runner runs them one
// at a time, after the parallel cells, with nothing else of the study competing for the cores.
import { evaluatePlan } from '../plan/evaluate.js';
import { executePlan } from '../runtime/execute.js';
import { loadExecTarget } from '../runtime/target.js';
import { idleRequestMs } from '../sim/index.js';
import { cellPlanKey, type Cell } from './cells.js';
import { studyDevice } from './context.js';
import { studyPlan } from './plan-cache.js';
import type { CellOutcome, CellRow } from './row.js';

/** Largest max-abs difference from the monolithic run an execution may have (fp32), as `hetero run --verify`. */
export const EXECUTE_TOLERANCE = 1e-4;

export async function runExecuteCell(
  cell: Cell,
  row: CellRow,
  planDir: string,
  hostFile?: string,
  calibration?: string,
): Promise<CellOutcome> {
  const p = cell.params;
  const model = p.models[0];
  const found = studyPlan(cellPlanKey(p, model), planDir, hostFile);
  if ('refused' in found) return { row: { ...row, status: 'refused', message: found.refused } };
  const { plan, graph } = found;
  if (plan.changesModel)
    return {
      row: {
        ...row,
        status: 'refused',
        message: 'its plans change the model (need retraining) and cannot be executed',
      },
    };
  const { device, cost, requestMs } = studyDevice(p.device, hostFile);
  const evaluation = evaluatePlan(plan, graph, device, cost);
  const simulatedMs = idleRequestMs(plan, graph, device, cost);
  // The wall time of a request through the executor: the plan's latency plus its request cost.
  const executorMs = requestMs?.(graph) ?? 0;
  const predictedMs = (simulatedMs ?? evaluation.latencyMs) + executorMs;
  const inputs = Object.entries(model.inputs ?? {}).map(([name, dims]) => ({ name, dims }));
  const target = loadExecTarget(model.source, inputs, model.values ?? {});
  const result = await executePlan(target, plan, device, { runs: p.runs ?? 5 });
  const maxAbsDiff = result.maxAbsDiff ?? null;
  const verified = maxAbsDiff !== null && maxAbsDiff <= EXECUTE_TOLERANCE;
  const sorted = [...result.runsMs].sort((a, b) => a - b);
  return {
    row: {
      ...row,
      // A wrong result makes its timing meaningless: the cell is an error (a bug), numbers kept.
      ...(verified
        ? {}
        : {
            status: 'error' as const,
            message: `outputs differ from the monolithic run by ${maxAbsDiff === null ? '(not verified)' : maxAbsDiff.toExponential(2)} (> ${EXECUTE_TOLERANCE})`,
          }),
      latency_ms: predictedMs,
      p50_ms: result.measuredMs,
      max_ms: sorted[sorted.length - 1] ?? null,
      requests: result.runsMs.length,
      completed: result.runsMs.length,
      predicted_ms: predictedMs,
      measured_ms: result.measuredMs,
      max_abs_diff: maxAbsDiff,
      nodes: graph.nodes.length,
      fallbacks: 0,
      cross_edges: evaluation.crossEdges,
      transfer_bytes: evaluation.transferBytes,
      changes_model: false,
      details: JSON.stringify({
        backend: result.backend,
        predictedBy: simulatedMs !== undefined ? 'simulator' : 'evaluatePlan',
        evaluatedMs: evaluation.latencyMs,
        requestMs: executorMs,
        calibration: calibration ?? null,
        runsMs: result.runsMs,
        partitions: result.partitions.length,
        processors: [...new Set(result.partitions.map((q) => q.proc))],
        threads: result.threads,
        maxBusyWorkers: result.maxBusyWorkers ?? null,
        diffs: result.diffs ?? null,
      }),
    },
    ...(p.trace ? { traceJson: JSON.stringify(result.trace.events) } : {}),
  };
}
