// `hetero simulate <model>[,…] --device <id> --strategy <name>`: plans the models with one strategy and
// runs the plans through time under a workload and conditions (src/sim), printing what a user would
// feel — latency percentiles, deadline misses, throughput, energy, utilisation, heat.
import { writeFileAtomic } from '../write-atomic.js';
import type { Command } from 'commander';
import { deviceWithCost } from '../cost/for-device.js';
import { HeteroError } from '../errors.js';
import type { InputShapeSpec } from '../frontend/input-spec.js';
import { loadModel } from '../frontend/load.js';
import { getStrategy } from '../plan/strategies/index.js';
import { renderGanttSvg } from '../report/gantt.js';
import { loadConditions, parseWorkload, planForSimulation, simulate } from '../sim/index.js';
import type { SimulationResult, TraceWindow } from '../sim/index.js';
import { parseDurationMs, parsePositiveDurationMs } from '../sim/units.js';
import { formatPercent, table } from './format.js';
import { withModelInputs } from './options.js';

interface SimulateFlags {
  device?: string;
  strategy: string;
  workload: string;
  conditions: string;
  duration: string;
  seed: string;
  json?: boolean;
  gantt?: string;
  window?: string;
  input: InputShapeSpec[];
  value: Record<string, number[]>;
}

/** Default Gantt window: the first 100 ms (a few frames; a whole run would be unreadable). */
const DEFAULT_WINDOW: TraceWindow = { fromMs: 0, toMs: 100 };
/** More bars than this make an unreadable chart and a slow render: ask for a smaller window. */
const MAX_GANTT_EVENTS = 20_000;

export function registerSimulate(program: Command, print: (text: string) => void): void {
  withModelInputs(program.command('simulate'))
    .description('simulate plans through time under a workload and device conditions')
    .argument('<models>', 'model(s), comma-separated: .onnx files, TF.js model.json, zoo:NAME or pkg:NAME')
    .option('--device <id>', 'catalog device id (see `hetero devices`)')
    .option('--strategy <name>', 'planning strategy (see `hetero plan`)', 'adaptive')
    .option(
      '--workload <spec>',
      'arrivals per model, ";"-separated: single, 30fps, periodic:33ms, poisson:20/s, burst:8/2s; options ,deadline=33ms ,priority=N ,queue=fifo|edf|priority ,drop=late ,inflight=N ,maxqueue=N',
      '30fps',
    )
    .option(
      '--conditions <preset|file>',
      'a preset (idle, background-cpu, gpu-busy, thermal-throttle, memory-pressure, concurrent-models, accelerator-unavailable) or a JSON file',
      'idle',
    )
    .option('--duration <time>', 'how long requests arrive, e.g. 60s, 10min', '60s')
    .option('--seed <n>', 'random seed (arrivals, background phases)', '1')
    .option('--json', 'print one JSON object')
    .option('--gantt <file>', 'write the schedule of a window of the run as an SVG Gantt chart')
    .option('--window <from-to>', 'the Gantt window, e.g. 0-500ms or 2s-2.5s (default 0-100ms)')
    .action(async (models: string, flags: SimulateFlags) => {
      print(await runSimulateCommand(models, flags));
    });
}

function parseSeed(text: string): number {
  if (!/^[0-9]+$/.test(text.trim()) || !Number.isSafeInteger(Number(text))) {
    throw new HeteroError('--seed', `"${text}" is not a non-negative integer`);
  }
  return Number(text);
}

/** "0-500ms", "2s-2.5s", "100-200" (ms): a unit on the end applies to both ends unless they carry their own. */
export function parseWindow(text: string): TraceWindow {
  const m = /^\s*([0-9.]+[a-z]*)\s*-\s*([0-9.]+)\s*([a-z]*)\s*$/i.exec(text);
  if (!m) throw new HeteroError('--window', `"${text}" is not a window like 0-500ms or 2s-2.5s`);
  const unit = m[3];
  const from = /[a-z]$/i.test(m[1]) ? m[1] : `${m[1]}${unit}`;
  const fromMs = parseDurationMs(from, '--window', 'start');
  const toMs = parseDurationMs(`${m[2]}${unit}`, '--window', 'end');
  if (!(toMs > fromMs)) throw new HeteroError('--window', `end must be after start in "${text}"`);
  return { fromMs, toMs };
}

export async function runSimulateCommand(modelsArg: string, flags: SimulateFlags): Promise<string> {
  // Every flag is checked before any model is loaded: bad input fails fast and writes nothing.
  if (!flags.device) throw new HeteroError('--device', 'give a device id (see `hetero devices`)');
  const durationMs = parsePositiveDurationMs(flags.duration, '--duration', 'duration');
  const seed = parseSeed(flags.seed);
  const workload = parseWorkload(flags.workload, '--workload');
  const conditions = loadConditions(flags.conditions);
  const strategy = getStrategy(flags.strategy);
  if (flags.window !== undefined && !flags.gantt) throw new HeteroError('--window', 'goes with --gantt');
  const window = flags.gantt ? (flags.window ? parseWindow(flags.window) : DEFAULT_WINDOW) : undefined;
  const specs = modelsArg
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (specs.length === 0) throw new HeteroError('<models>', 'give at least one model');
  if (workload.models.length !== 1 && workload.models.length !== specs.length) {
    throw new HeteroError(
      '--workload',
      `gives ${workload.models.length} model specs for ${specs.length} models (give 1 or ${specs.length})`,
    );
  }
  const { device, cost } = deviceWithCost(flags.device);

  const seen = new Map<string, number>();
  const loaded = specs.map((spec) => {
    const { graph } = loadModel(spec, {
      inputs: flags.input,
      values: flags.value,
      deploy: true,
      exampleInputs: true,
    });
    const n = (seen.get(graph.name) ?? 0) + 1;
    seen.set(graph.name, n);
    return { name: n === 1 ? graph.name : `${graph.name}#${n}`, graph };
  });
  const models = planForSimulation(strategy.name, loaded, device, cost, workload);
  const result = simulate({
    device,
    cost,
    models,
    workload,
    conditions,
    durationMs,
    seed,
    keepTrace: window,
  });

  // Everything is computed before anything is written.
  if (flags.gantt && window) {
    const events = result.trace?.events ?? [];
    if (events.length === 0) {
      throw new HeteroError('--window', `nothing ran in ${window.fromMs}–${window.toMs} ms`);
    }
    if (events.length > MAX_GANTT_EVENTS) {
      throw new HeteroError('--window', `${events.length} events in the window; give a shorter one`);
    }
    const svg = await renderGanttSvg(
      { events },
      {
        title: `${loaded.map((m) => m.name).join(' + ')} on ${device.id}: ${strategy.name}, ${conditions.name}, ${window.fromMs}–${window.toMs} ms`,
        processors: device.processors.map((p) => p.id),
      },
    );
    writeFileAtomic(flags.gantt, svg);
  }

  const summary = {
    device: device.id,
    strategy: strategy.name,
    conditions: conditions.name,
    workload: flags.workload,
    durationMs,
    seed,
    requests: result.requests,
    completed: result.completed,
    dropped: result.dropped,
    unfinished: result.unfinished,
    latencyMs: result.latencyMs,
    throughputPerS: result.throughputPerS,
    deadlineMissRate: result.deadlineMissRate,
    energyMjPerInference: result.energyMjPerInference,
    utilization: result.utilization,
    idleMs: result.idleMs,
    perModel: result.perModel,
    maxTemperatureC: result.maxTemperatureC,
    simulatedMs: result.simulatedMs,
    events: result.events,
    timeline: result.timeline,
    notes: result.notes,
  };
  if (flags.json) return JSON.stringify(summary, null, 2);
  return renderText(summary, result, flags);
}

function ms(x: number): string {
  return `${x.toFixed(2)} ms`;
}

function renderText(
  s: {
    device: string;
    strategy: string;
    conditions: string;
    workload: string;
    durationMs: number;
    seed: number;
  },
  r: SimulationResult,
  flags: SimulateFlags,
): string {
  const rows: string[][] = [['model', 'requests', 'done', 'dropped', 'p50', 'p90', 'p99', 'miss', 'per s']];
  for (const [name, m] of Object.entries(r.perModel)) {
    rows.push([
      name,
      `${m.requests}`,
      `${m.completed}`,
      `${m.dropped}`,
      ms(m.latencyMs.p50),
      ms(m.latencyMs.p90),
      ms(m.latencyMs.p99),
      formatPercent(m.deadlineMissRate),
      m.throughputPerS.toFixed(1),
    ]);
  }
  if (Object.keys(r.perModel).length > 1) {
    rows.push([
      'all',
      `${r.requests}`,
      `${r.completed}`,
      `${r.dropped}`,
      ms(r.latencyMs.p50),
      ms(r.latencyMs.p90),
      ms(r.latencyMs.p99),
      formatPercent(r.deadlineMissRate),
      r.throughputPerS.toFixed(1),
    ]);
  }
  const procRows: string[][] = [['processor', 'utilisation', 'idle']];
  for (const [proc, u] of Object.entries(r.utilization)) {
    procRows.push([proc, formatPercent(u), `${((r.idleMs[proc] ?? 0) / 1000).toFixed(1)} s`]);
  }
  const last = r.timeline[r.timeline.length - 1];
  const lines = [
    `${s.strategy} on ${s.device}, conditions ${s.conditions}, workload ${s.workload}, ${(s.durationMs / 1000).toFixed(1)} s (seed ${s.seed})`,
    '',
    table(rows),
    '',
    table(procRows),
    '',
    `energy per inference: ${r.energyMjPerInference.toFixed(2)} mJ (idle power while requests are in flight included)`,
    `temperature: peak ${r.maxTemperatureC.toFixed(1)} °C` +
      (last
        ? `, at the end ${last.temperatureC.toFixed(1)} °C with clocks ${Object.entries(last.freqShare)
            .map(([p, f]) => `${p} ${Math.round(f * 100)}%`)
            .join(', ')}`
        : ''),
    `${r.events} events over ${(r.simulatedMs / 1000).toFixed(1)} s simulated`,
    ...r.notes.slice(1),
  ];
  if (flags.gantt) lines.push(`Gantt chart written to ${flags.gantt}`);
  return lines.join('\n');
}
