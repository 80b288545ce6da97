// `hetero run <model> --plan plan.json | --strategy NAME`: execute a plan for real on this machine
// (onnxruntime-node worker threads, or onnxruntime-web in headless Chromium), verify the outputs
// against the monolithic model, and compare the measured latency with the prediction for `host`.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { CostModel } from '../cost/types.js';
import { HeteroError } from '../errors.js';
import type { InputShapeSpec } from '../frontend/input-spec.js';
import { graphFingerprint } from '../graph/fingerprint.js';
import type { Graph } from '../graph/types.js';
import type { Device } from '../hardware/schema.js';
import { evaluatePlan } from '../plan/evaluate.js';
import { getStrategy, planAndEvaluate } from '../plan/strategies/index.js';
import type { Plan, Trace } from '../plan/types.js';
import { validatePlan } from '../plan/validate.js';
import { executeInBrowser, type BrowserProvider } from '../runtime/browser.js';
import { executePlan, type ExecutionResult } from '../runtime/execute.js';
import { hostForExecution } from '../runtime/host-device.js';
import { loadExecTarget } from '../runtime/target.js';
import { idleRequestMs } from '../sim/index.js';
import { parseCount, withModelInputs } from './options.js';
import { parsePlanJson } from './plan.js';

interface RunFlags {
  input: InputShapeSpec[];
  value: Record<string, number[]>;
  plan?: string;
  strategy?: string;
  processors?: string;
  backend: string;
  ep?: string;
  runs: string;
  verify?: boolean;
  json?: boolean;
}

/** Largest max-abs difference --verify accepts (fp32). */
export const VERIFY_TOLERANCE = 1e-4;

export interface RunReport {
  model: string;
  backend: 'node' | 'browser';
  strategy: string;
  partitions: ExecutionResult['partitions'];
  measuredMs: number;
  runsMs: number[];
  /** The plan's predicted latency plus, on the node backend, the executor's request cost. */
  predictedMs: number;
  /** 'simulator' (idle, one request) or 'evaluatePlan'. */
  predictedBy: string;
  /** What the Node executor adds per request (measured, ms; in predictedMs); 0 for the browser. */
  requestMs: number;
  evaluatedMs: number;
  /** (predicted − measured) / measured × 100. */
  errorPct: number;
  maxAbsDiff: number | null;
  diffs: Record<string, number> | null;
  trace: Trace;
  calibration: string;
  threads: Record<string, number>;
  providers?: Record<string, BrowserProvider>;
}

export function registerRun(program: Command, print: (text: string) => void): void {
  withModelInputs(program.command('run'))
    .description('execute a plan for real on this machine, verify it and compare with the prediction')
    .argument('<model>', 'an .onnx file, zoo:NAME or pkg:NAME')
    .option('--plan <file>', 'a plan for the host device (JSON from `hetero plan --out`)')
    .option('--strategy <name>', 'plan with this strategy instead')
    .option(
      '--processors <list>',
      'processors the strategy may use (default: the per-core workers cpu0,cpu1,…; `cpu` runs on the whole machine)',
    )
    .option('--backend <name>', 'node (worker threads) or browser (headless Chromium)', 'node')
    .option('--ep <proc=ep,…>', 'browser: execution provider per processor, wasm or webgpu')
    .option('--runs <k>', 'timed inferences (the median is reported)', '5')
    .option('--verify', `print the max difference per output and fail above ${VERIFY_TOLERANCE}`)
    .option('--json', 'print one JSON object')
    .action(async (model: string, flags: RunFlags) => {
      print(await runRunCommand(model, flags));
    });
}

function parseBackend(text: string): 'node' | 'browser' {
  if (text !== 'node' && text !== 'browser')
    throw new HeteroError('--backend', `"${text}" is not node or browser`);
  return text;
}

function parseProviders(text: string | undefined): Record<string, BrowserProvider> | undefined {
  if (text === undefined) return undefined;
  const out: Record<string, BrowserProvider> = {};
  for (const item of text.split(',')) {
    const [proc, ep] = item.split('=').map((s) => s.trim());
    if (!proc || (ep !== 'wasm' && ep !== 'webgpu')) {
      throw new HeteroError('--ep', `"${item}" is not PROC=wasm or PROC=webgpu`);
    }
    out[proc] = ep;
  }
  return out;
}

function readPlan(file: string): Plan {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new HeteroError(file, 'no such file');
  }
  return parsePlanJson(text, file);
}

/** The plan to run: the file's (checked against model and host) or a strategy's. */
function choosePlan(flags: RunFlags, graph: Graph, device: Device, cost: CostModel, saved?: Plan): Plan {
  if (saved && flags.plan) {
    if (saved.device !== device.id) {
      throw new HeteroError(
        flags.plan,
        `plan is for device ${saved.device}; hetero run executes on this machine (host)`,
      );
    }
    validatePlan(saved, graph, device, cost, flags.plan);
    return saved;
  }
  const strategy = getStrategy(flags.strategy ?? '');
  // Unnamed, the planner's own default (usableProcessors): the per-core workers, while the `cpu`
  // strategy targets the whole machine and adaptive weighs both.
  const processors = flags.processors ? flags.processors.split(',').map((s) => s.trim()) : undefined;
  for (const p of processors ?? []) {
    if (!device.processors.some((q) => q.id === p)) {
      throw new HeteroError(
        '--processors',
        `"${p}" is not a processor of host (${device.processors.map((q) => q.id).join(', ')})`,
      );
    }
  }
  const outcome = planAndEvaluate(strategy, graph, device, cost, { processors });
  if (!outcome.plan) throw new HeteroError(`--strategy ${strategy.name}`, outcome.error ?? 'no plan');
  if (outcome.plan.changesModel) {
    throw new HeteroError(
      `--strategy ${strategy.name}`,
      'its plans change the model (need retraining) and cannot be executed',
    );
  }
  return outcome.plan;
}

/** The simulator's latency for one request on an idle host, else undefined (it is optional here). */
function simulatedMs(plan: Plan, graph: Graph, device: Device, cost: CostModel): number | undefined {
  try {
    return idleRequestMs(plan, graph, device, cost);
  } catch {
    return undefined;
  }
}

export async function runRunCommand(model: string, flags: RunFlags): Promise<string> {
  const backend = parseBackend(flags.backend);
  const runs = parseCount(flags.runs, '--runs', 1);
  const providers = parseProviders(flags.ep);
  if ((flags.plan === undefined) === (flags.strategy === undefined)) {
    throw new HeteroError('hetero run', 'give exactly one of --plan FILE or --strategy NAME');
  }
  const saved = flags.plan ? readPlan(flags.plan) : undefined;
  if (flags.strategy) getStrategy(flags.strategy); // unknown names fail before anything is loaded
  const target = loadExecTarget(model, flags.input, flags.value);
  if (saved && flags.plan && saved.fingerprint !== graphFingerprint(target.graph)) {
    throw new HeteroError(
      flags.plan,
      `plan is for another model (${saved.model}) or other input shapes than ${target.graph.name}`,
    );
  }
  const host = await hostForExecution();
  const plan = choosePlan(flags, target.graph, host.device, host.cost, saved);
  const evaluatedMs = evaluatePlan(plan, target.graph, host.device, host.cost).latencyMs;
  const simMs = simulatedMs(plan, target.graph, host.device, host.cost);
  // The browser's page and wasm/WebGPU hand-offs are not measured: its requests add nothing here.
  const requestMs = backend === 'node' ? (host.requestMs?.(target.graph) ?? 0) : 0;
  const predictedMs = (simMs ?? evaluatedMs) + requestMs;

  const result =
    backend === 'browser'
      ? await executeInBrowser(target, plan, host.device, { runs, ...(providers ? { providers } : {}) })
      : await executePlan(target, plan, host.device, { runs });
  const maxAbsDiff = result.maxAbsDiff ?? null;
  if (flags.verify && (maxAbsDiff === null || !(maxAbsDiff <= VERIFY_TOLERANCE))) {
    const worst = Object.entries(result.diffs ?? {}).sort((a, b) => b[1] - a[1])[0];
    throw new HeteroError(
      model,
      `outputs differ from the monolithic run: ${worst ? `${worst[0]} by ${worst[1].toExponential(2)}` : 'not verified'} (> ${VERIFY_TOLERANCE})`,
    );
  }
  const report: RunReport = {
    model: target.graph.name,
    backend,
    strategy: plan.strategy,
    partitions: result.partitions,
    measuredMs: result.measuredMs,
    runsMs: result.runsMs,
    predictedMs,
    predictedBy: simMs !== undefined ? 'simulator' : 'evaluatePlan',
    requestMs,
    evaluatedMs,
    errorPct: ((predictedMs - result.measuredMs) / result.measuredMs) * 100,
    maxAbsDiff,
    diffs: result.diffs ?? null,
    trace: result.trace,
    calibration: host.calibration,
    threads: result.threads,
    ...('providers' in result ? { providers: result.providers as Record<string, BrowserProvider> } : {}),
  };
  return flags.json ? JSON.stringify(report, null, 2) : renderRun(report, !!flags.verify);
}

function renderRun(r: RunReport, verify: boolean): string {
  const procs = [...new Set(r.partitions.map((p) => p.proc))];
  const where =
    r.backend === 'browser'
      ? procs.map((p) => `${p}→${r.providers?.[p] ?? '?'}`).join(', ')
      : procs
          .map((p) => `${p} (${r.threads[p] ?? 1} thread${(r.threads[p] ?? 1) > 1 ? 's' : ''})`)
          .join(', ');
  const sign = r.errorPct >= 0 ? '+' : '';
  const lines = [
    `${r.model}: ${r.strategy} plan, ${r.partitions.length} partition${r.partitions.length > 1 ? 's' : ''} on ${where}, ${r.backend} backend`,
    `measured   ${r.measuredMs.toFixed(2)} ms  (median of ${r.runsMs.length} runs)`,
    `predicted  ${r.predictedMs.toFixed(2)} ms  (${r.predictedBy === 'simulator' ? 'simulator, one request on an idle host' : 'evaluatePlan'}${r.requestMs > 0 ? ` + ${r.requestMs.toFixed(2)} ms executor request` : ''}; ${r.calibration})`,
    `error      ${sign}${r.errorPct.toFixed(1)} %  (predicted vs measured)`,
    `max |diff| ${r.maxAbsDiff === null ? 'not verified' : r.maxAbsDiff.toExponential(2)} vs the monolithic ONNX Runtime run`,
  ];
  if (verify && r.diffs) {
    for (const [name, d] of Object.entries(r.diffs)) lines.push(`  ${name}: ${d.toExponential(2)}`);
    lines.push(`verified: every output within ${VERIFY_TOLERANCE}`);
  }
  return lines.join('\n');
}
