// `hetero plan <model> --device <id>`: every strategy's plan for a model on a device, compared under
// one cost model — or one strategy's, or a saved plan file's — with the Gantt chart of the chosen one.
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../write-atomic.js';
import type { Command } from 'commander';
import { z } from 'zod';
import { deviceWithCost } from '../cost/for-device.js';
import type { CostModel } from '../cost/types.js';
import { HeteroError, isHeteroError } from '../errors.js';
import type { InputShapeSpec } from '../frontend/input-spec.js';
import { loadModel } from '../frontend/load.js';
import type { Graph } from '../graph/types.js';
import type { Device } from '../hardware/schema.js';
import { evaluatePlan } from '../plan/evaluate.js';
import {
  getStrategy,
  listStrategies,
  lowerBoundMs,
  planAndEvaluate,
  planGraph,
  type StrategyOutcome,
} from '../plan/strategies/index.js';
import { pipelineThroughput } from '../plan/throughput.js';
import type { Objective, Plan, PlanEvaluation, PlanOptions } from '../plan/types.js';
import { validatePlan } from '../plan/validate.js';
import { renderGanttSvg } from '../report/gantt.js';
import { formatPercent, table } from './format.js';
import { DTYPE_NAMES } from '../hardware/schema.js';
import { withModelInputs } from './options.js';

interface PlanFlags {
  device?: string;
  input: InputShapeSpec[];
  value: Record<string, number[]>;
  strategy: string;
  objective: string;
  out?: string;
  gantt?: string;
  plan?: string;
  check?: string;
  json?: boolean;
}

const OBJECTIVES: readonly Objective[] = ['latency', 'energy', 'throughput'];

/** Names of the strategies whose plans are the single-processor baselines. */
const SINGLE_NAMES = ['cpu', 'gpu', 'npu', 'best-single'];
const BOUND = 'bound';

export function registerPlan(program: Command, print: (text: string) => void): void {
  withModelInputs(program.command('plan'))
    .description(
      'plan a model across the processors of a device with every strategy (or one) and compare them',
    )
    .argument('<model>', 'an .onnx file, a TF.js model.json, zoo:NAME or pkg:NAME')
    .option('--device <id>', 'catalog device id (see `hetero devices`); default: the --plan file’s')
    .option('--strategy <name>', 'a strategy name, or "all"', 'all')
    .option('--objective <goal>', 'latency, energy or throughput', 'latency')
    .option('--plan <file>', 'evaluate a saved plan (JSON from --out) instead of planning')
    .option('--check <file>', 'same as --plan')
    .option('--out <file>', 'write the chosen (or the one requested) plan as JSON')
    .option('--gantt <file>', 'write the schedule of that plan as an SVG Gantt chart')
    .option('--json', 'print one JSON object')
    .action(async (model: string, flags: PlanFlags) => {
      print(await runPlanCommand(model, flags));
    });
}

function parseObjective(text: string): Objective {
  const found = OBJECTIVES.find((o) => o === text);
  if (!found) throw new HeteroError('--objective', `"${text}" is not one of ${OBJECTIVES.join(', ')}`);
  return found;
}

/** One row of the comparison, as --json prints it. */
export interface PlanResultRow {
  strategy: string;
  latencyMs?: number;
  energyMj?: number;
  speedupVsBestSingle?: number;
  /** Frames per second in steady state (pipelined plans pipeline; others run one frame at a time). */
  throughputPerS?: number;
  breakdown?: PlanBreakdown;
  fallbacks?: number;
  crossEdges?: number;
  /** latency / bound − 1. */
  gapToBound?: number;
  changesModel?: boolean;
  /** The row of `bound`: latencyMs is the lower bound no plan can beat, not a plan's latency. */
  lowerBound?: boolean;
  /** Why the strategy has no plan here. */
  error?: string;
  notes?: string[];
}

/**
 * Where the processors' time goes. Shares are of the busy processors' time: latency × the number of
 * processors that compute anything. Transfers and syncs are booked on the receiving processor and may
 * overlap its compute, so `idle` is what is left (never below 0).
 */
export interface PlanBreakdown {
  computeMs: number;
  transferMs: number;
  syncMs: number;
  shares: { compute: number; transfer: number; sync: number; idle: number };
  perProcessor: PlanEvaluation['perProcessor'];
}

export function planBreakdown(e: PlanEvaluation): PlanBreakdown {
  const busy = Object.values(e.perProcessor).filter((b) => b.computeMs > 0);
  const computeMs = sum(busy.map((b) => b.computeMs));
  const transferMs = sum(Object.values(e.perProcessor).map((b) => b.transferMs));
  const syncMs = sum(Object.values(e.perProcessor).map((b) => b.syncMs));
  const totalMs = e.latencyMs * Math.max(1, busy.length);
  const share = (ms: number): number => (totalMs > 0 ? ms / totalMs : 0);
  const compute = share(computeMs);
  const transfer = share(transferMs);
  const sync = share(syncMs);
  return {
    computeMs,
    transferMs,
    syncMs,
    shares: { compute, transfer, sync, idle: Math.max(0, 1 - compute - transfer - sync) },
    perProcessor: e.perProcessor,
  };
}

function sum(xs: number[]): number {
  return xs.reduce((s, x) => s + x, 0);
}

// ---- plan files -------------------------------------------------------------------------------------

const partSchema = z.strictObject({
  proc: z.string(),
  fraction: z.number(),
  computeDType: z.enum(DTYPE_NAMES).optional(),
});

const placementSchema = z.union([
  z.strictObject({ proc: z.string(), computeDType: z.enum(DTYPE_NAMES).optional() }),
  z.strictObject({
    split: z.strictObject({ axis: z.enum(['N', 'H', 'W', 'C', 'OC']), parts: z.array(partSchema) }),
  }),
]);

const planSchema = z.object({
  model: z.string(),
  fingerprint: z.string(),
  device: z.string(),
  strategy: z.string(),
  objective: z.enum(OBJECTIVES),
  placements: z.record(z.string(), placementSchema),
  order: z.array(z.string()).optional(),
  stages: z.array(z.array(z.string())).optional(),
  fallbacks: z.array(z.string()).optional(),
  changesModel: z.boolean().optional(),
  notes: z.array(z.string()),
});

/** Parses plan JSON (as --out writes it); every problem is a one-line error naming `where`. */
export function parsePlanJson(text: string, where: string): Plan {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new HeteroError(where, `is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const parsed = planSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue.path.length > 0 ? issue.path.join('.') : 'plan';
    throw new HeteroError(where, `is not a plan: ${at}: ${issue.message}`);
  }
  return parsed.data as Plan;
}

function readPlanFile(file: string): Plan {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new HeteroError(
      file,
      code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? 'I/O error'})`,
    );
  }
  return parsePlanJson(text, file);
}

// ---- the command ------------------------------------------------------------------------------------

interface Row {
  outcome: StrategyOutcome;
  changesModel: boolean;
  throughputPerS?: number;
  periodMs?: number;
}

export async function runPlanCommand(model: string, flags: PlanFlags): Promise<string> {
  const objective = parseObjective(flags.objective);
  if (flags.plan && flags.check && flags.plan !== flags.check) {
    throw new HeteroError('--check', 'give one plan file (--plan and --check are the same option)');
  }
  const planFile = flags.plan ?? flags.check;
  const saved = planFile ? readPlanFile(planFile) : undefined;
  // Resolve names before loading anything, so that bad flags fail fast.
  const strategies =
    saved !== undefined ? [] : flags.strategy === 'all' ? listStrategies() : [getStrategy(flags.strategy)];
  const deviceId = flags.device ?? saved?.device;
  if (!deviceId) throw new HeteroError('--device', 'give a device id (see `hetero devices`)');
  const { device, cost } = deviceWithCost(deviceId);
  // Plan the graph a phone runtime would run (BatchNorm folded, activations fused).
  const { graph } = loadModel(model, {
    inputs: flags.input,
    values: flags.value,
    deploy: true,
    exampleInputs: true,
  });
  const opts = { objective };

  const rows: Row[] = [];
  if (saved && planFile) {
    // A plan that changes the model belongs to its strategy's rewrite of the model.
    const maker = listStrategies().find((s) => s.name === saved.strategy);
    const target = maker ? planGraph(maker, saved, graph, device, cost, opts) : graph;
    validatePlan(saved, target, device, cost, planFile);
    const evaluation = evaluatePlan(saved, target, device, cost);
    rows.push(
      withThroughput({ strategy: saved.strategy, plan: saved, graph: target, evaluation }, device, cost),
    );
  } else {
    for (const s of strategies) {
      rows.push(withThroughput(planAndEvaluate(s, graph, device, cost, opts), device, cost));
    }
  }
  const bestSingleMs = bestSingleLatency(rows, graph, device, cost, objective);
  const boundMs = lowerBound(graph, device, cost, opts);
  const chosen = chooseRow(rows, objective);

  // Everything is computed before anything is written: bad input leaves no files behind.
  let svg: string | undefined;
  if (flags.gantt) {
    if (!chosen?.outcome.evaluation) throw new HeteroError('--gantt', 'no strategy produced a plan to draw');
    const e = chosen.outcome.evaluation;
    svg = await renderGanttSvg(e.trace, {
      title: `${graph.name} on ${device.id}: ${chosen.outcome.strategy}, ${e.latencyMs.toFixed(2)} ms`,
      processors: device.processors.map((p) => p.id),
    });
  }
  if (flags.out) {
    if (!chosen?.outcome.plan) throw new HeteroError('--out', 'no strategy produced a plan to write');
    writeFileAtomic(flags.out, `${JSON.stringify(chosen.outcome.plan, null, 2)}\n`);
  }
  if (flags.gantt && svg !== undefined) writeFileAtomic(flags.gantt, svg);

  const results = rows.map((r) => resultRow(r, bestSingleMs, boundMs));
  if (flags.json) {
    return JSON.stringify(
      {
        model: graph.name,
        device: device.id,
        objective,
        results,
        boundMs: boundMs ?? null,
        bestSingleMs: bestSingleMs ?? null,
        chosen: chosen?.outcome.strategy ?? null,
      },
      null,
      2,
    );
  }
  return renderTable(graph, device, objective, results, boundMs, chosen?.outcome.strategy, flags);
}

function withThroughput(outcome: StrategyOutcome, device: Device, cost: CostModel): Row {
  const changesModel = outcome.plan?.changesModel === true;
  if (!outcome.plan || !outcome.evaluation) return { outcome, changesModel };
  if (!outcome.plan.stages || outcome.plan.stages.length === 0) {
    const periodMs = outcome.evaluation.latencyMs;
    return { outcome, changesModel, periodMs, throughputPerS: periodMs > 0 ? 1000 / periodMs : Infinity };
  }
  const t = pipelineThroughput(outcome.plan, outcome.graph, device, cost);
  return { outcome, changesModel, periodMs: t.periodMs, throughputPerS: t.throughputPerS };
}

/** Latency of the best single-processor deployment: from the rows when present, else planned here. */
function bestSingleLatency(
  rows: Row[],
  graph: Graph,
  device: Device,
  cost: CostModel,
  objective: Objective,
): number | undefined {
  const latencies = rows
    .filter(
      (r) =>
        SINGLE_NAMES.includes(r.outcome.strategy) && r.outcome.evaluation && !r.outcome.plan?.changesModel,
    )
    .map((r) => r.outcome.evaluation?.latencyMs ?? Infinity);
  if (latencies.length === 0) {
    for (const name of SINGLE_NAMES.slice(0, 3)) {
      const s = listStrategies().find((x) => x.name === name);
      if (!s) continue;
      const o = planAndEvaluate(s, graph, device, cost, { objective });
      if (o.evaluation) latencies.push(o.evaluation.latencyMs);
    }
  }
  const best = Math.min(...latencies);
  return Number.isFinite(best) ? best : undefined;
}

/** The lower bound on latency for any plan (undefined when some node can run nowhere). */
function lowerBound(graph: Graph, device: Device, cost: CostModel, opts: PlanOptions): number | undefined {
  try {
    return lowerBoundMs(graph, device, cost, opts);
  } catch (e) {
    if (isHeteroError(e)) return undefined;
    throw e;
  }
}

/**
 * The plan --out and --gantt use: the only one, else adaptive's, else the best by the objective.
 * A plan that changes the model is never chosen silently (only when asked for by name).
 */
function chooseRow(rows: Row[], objective: Objective): Row | undefined {
  const ok = rows.filter((r) => r.outcome.evaluation);
  if (rows.length === 1) return ok[0];
  const adaptive = ok.find((r) => r.outcome.strategy === 'adaptive');
  if (adaptive) return adaptive;
  const candidates = ok.filter((r) => !r.changesModel && r.outcome.strategy !== BOUND);
  const score = (r: Row): number => {
    const e = r.outcome.evaluation;
    if (!e) return Infinity;
    if (objective === 'energy') return e.energyJ;
    if (objective === 'throughput') return r.periodMs ?? e.latencyMs;
    return e.latencyMs;
  };
  let best: Row | undefined;
  for (const r of candidates) if (!best || score(r) < score(best)) best = r;
  return best;
}

function resultRow(r: Row, bestSingleMs: number | undefined, boundMs: number | undefined): PlanResultRow {
  const { outcome } = r;
  const e = outcome.evaluation;
  if (!e || !outcome.plan) return { strategy: outcome.strategy, error: outcome.error ?? 'no plan' };
  // The bound is a number, not a plan: its row shows the bound itself.
  if (outcome.strategy === BOUND && boundMs !== undefined) {
    return {
      strategy: BOUND,
      latencyMs: boundMs,
      speedupVsBestSingle: bestSingleMs !== undefined && boundMs > 0 ? bestSingleMs / boundMs : undefined,
      lowerBound: true,
      notes: outcome.plan.notes,
    };
  }
  return {
    strategy: outcome.strategy,
    latencyMs: e.latencyMs,
    energyMj: e.energyJ * 1000,
    speedupVsBestSingle:
      bestSingleMs !== undefined && e.latencyMs > 0 ? bestSingleMs / e.latencyMs : undefined,
    throughputPerS: r.throughputPerS,
    breakdown: planBreakdown(e),
    fallbacks: e.fallbacks,
    crossEdges: e.crossEdges,
    gapToBound: boundMs !== undefined && boundMs > 0 ? e.latencyMs / boundMs - 1 : undefined,
    ...(r.changesModel ? { changesModel: true } : {}),
    notes: outcome.plan.notes,
  };
}

function renderTable(
  graph: Graph,
  device: Device,
  objective: Objective,
  results: PlanResultRow[],
  boundMs: number | undefined,
  chosen: string | undefined,
  flags: PlanFlags,
): string {
  const throughput = objective === 'throughput';
  const header = [
    'strategy',
    'latency',
    'speedup',
    'energy',
    ...(throughput ? ['frames/s'] : []),
    'compute',
    'transfer',
    'sync',
    'idle',
    'fallbacks',
    'x-edges',
    'vs bound',
    '',
  ];
  const rows: string[][] = [header];
  for (const r of results) {
    const mark = r.strategy === chosen && results.length > 1 ? '*' : ' ';
    const name = `${mark}${r.strategy}`;
    if (r.error !== undefined) {
      rows.push([
        name,
        '—',
        '',
        '',
        ...(throughput ? [''] : []),
        '',
        '',
        '',
        '',
        '',
        '',
        '',
        `cannot run: ${oneLine(r.error)}`,
      ]);
      continue;
    }
    if (r.lowerBound) {
      rows.push([
        name,
        `${(r.latencyMs ?? 0).toFixed(2)} ms`,
        r.speedupVsBestSingle === undefined ? '' : `${r.speedupVsBestSingle.toFixed(2)}×`,
        ...Array<string>(throughput ? 9 : 8).fill(''),
        'lower bound: no plan is predicted faster',
      ]);
      continue;
    }
    const s = r.breakdown?.shares;
    rows.push([
      name,
      `${(r.latencyMs ?? 0).toFixed(2)} ms`,
      r.speedupVsBestSingle === undefined ? '' : `${r.speedupVsBestSingle.toFixed(2)}×`,
      `${(r.energyMj ?? 0).toFixed(1)} mJ`,
      ...(throughput ? [(r.throughputPerS ?? 0).toFixed(1)] : []),
      s ? formatPercent(s.compute) : '',
      s ? formatPercent(s.transfer) : '',
      s ? formatPercent(s.sync) : '',
      s ? formatPercent(s.idle) : '',
      `${r.fallbacks ?? 0}`,
      `${r.crossEdges ?? 0}`,
      r.gapToBound === undefined ? '' : `+${formatPercent(r.gapToBound)}`,
      r.changesModel ? 'changes the model (needs retraining)' : '',
    ]);
  }
  const lines = [
    `${graph.name} on ${device.id} (${device.name}), objective: ${objective}`,
    '',
    table(rows),
    '',
    boundMs === undefined ? 'lower bound: unavailable' : `lower bound: ${boundMs.toFixed(2)} ms`,
    'speedup is over the best single processor; shares are of the busy processors’ time (latency × processors used)',
  ];
  const chosenRow = results.find((r) => r.strategy === chosen);
  if (chosen && results.length > 1) {
    lines.push(`* chosen: ${chosen}${chosenRow?.notes?.[0] ? ` — ${oneLine(chosenRow.notes[0])}` : ''}`);
  }
  if (flags.out) lines.push(`plan written to ${flags.out}`);
  if (flags.gantt) lines.push(`Gantt chart written to ${flags.gantt}`);
  return lines.join('\n');
}

/** First line of `text`, cut to `maxChars` (strategy notes can be long). */
function oneLine(text: string, maxChars = 160): string {
  const line = text.split('\n')[0];
  return line.length > maxChars ? `${line.slice(0, maxChars - 1)}…` : line;
}
