// A `plan` cell: the static prediction of one inference under a plan on an idle device (evaluatePlan),
// with what the report needs about the plan itself — fallbacks, cross-processor edges, where the
// compute goes, and the steady-state throughput of a pipelined plan.
import { evaluatePlan } from '../plan/evaluate.js';
import { pipelineThroughput } from '../plan/throughput.js';
import { placementParts } from '../plan/validate.js';
import { cellPlanKey, type Cell } from './cells.js';
import { studyDevice } from './context.js';
import { studyPlan } from './plan-cache.js';
import type { CellOutcome, CellRow } from './row.js';

export function runPlanCell(cell: Cell, row: CellRow, planDir: string, hostFile?: string): CellOutcome {
  const p = cell.params;
  const key = cellPlanKey(p, p.models[0]);
  const found = studyPlan(key, planDir, hostFile);
  if ('refused' in found) return { row: { ...row, status: 'refused', message: found.refused } };
  const { plan, graph } = found;
  const { device, cost } = studyDevice(p.device, hostFile);
  const e = evaluatePlan(plan, graph, device, cost, { trace: p.trace });
  const throughput = pipelineThroughput(plan, graph, device, cost);
  const nodesByProc: Record<string, number> = {};
  for (const placement of Object.values(plan.placements)) {
    for (const part of placementParts(placement)) nodesByProc[part.proc] = (nodesByProc[part.proc] ?? 0) + 1;
  }
  const perProcessor = Object.fromEntries(
    Object.entries(e.perProcessor).map(([id, b]) => [
      id,
      { computeMs: b.computeMs, transferMs: b.transferMs, syncMs: b.syncMs, energyJ: b.energyJ },
    ]),
  );
  return {
    row: {
      ...row,
      latency_ms: e.latencyMs,
      p50_ms: e.latencyMs,
      p90_ms: e.latencyMs,
      p99_ms: e.latencyMs,
      max_ms: e.latencyMs,
      throughput_per_s: throughput.throughputPerS,
      energy_mj: e.energyJ * 1000,
      requests: 1,
      completed: 1,
      dropped: 0,
      nodes: graph.nodes.length,
      fallbacks: plan.fallbacks?.length ?? 0,
      cross_edges: e.crossEdges,
      transfer_bytes: e.transferBytes,
      changes_model: plan.changesModel ?? false,
      details: JSON.stringify({
        perProcessor,
        nodesByProc,
        processors: device.processors.map((q) => ({ id: q.id, kind: q.kind })),
        stages: plan.stages?.length ?? 0,
        notes: plan.notes.slice(0, 5),
      }),
    },
    ...(p.trace ? { traceJson: JSON.stringify(e.trace.events) } : {}),
  };
}
