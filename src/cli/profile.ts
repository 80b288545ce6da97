// `hetero profile <model>`: per-node and end-to-end latency measured on onnxruntime-node.
import type { Command } from 'commander';
import { HeteroError } from '../errors.js';
import {
  ESTIMATE_QUANTILE,
  estimateOf,
  type GraphOptimizationLevel,
  type ModelProfile,
} from '../cost/measurements.js';
import type { InputShapeSpec } from '../frontend/input-spec.js';
import { loadProfileTarget, profileModel } from '../runtime/profile.js';
import { formatPercent, table } from './format.js';
import { parseCount, withModelInputs } from './options.js';

interface ProfileFlags {
  input: InputShapeSpec[];
  value: Record<string, number[]>;
  threads: string;
  runs: string;
  maxRuns?: string;
  warmup: string;
  top: string;
  optimization: string;
  deployed?: boolean;
  json?: boolean;
}

const LEVELS: readonly GraphOptimizationLevel[] = ['disabled', 'basic', 'extended', 'all'];

export function registerProfile(program: Command, print: (text: string) => void): void {
  withModelInputs(program.command('profile'))
    .description('run a model on onnxruntime-node with its profiler: per-node and end-to-end latency')
    .argument('<model>', 'an .onnx file, zoo:NAME or pkg:NAME')
    .option('--threads <n>', 'ONNX Runtime intra-op threads', '1')
    .option('--runs <k>', 'measured runs (each one plain and one profiled, interleaved)', '20')
    .option('--max-runs <k>', 'keep measuring up to k runs until the p20 is known within ±2%')
    .option('--warmup <k>', 'runs before measuring', '3')
    .option('--top <n>', 'how many slowest nodes to list', '15')
    .option('--optimization <level>', `ORT graph optimization: ${LEVELS.join(', ')}`, 'disabled')
    .option(
      '--deployed',
      'profile the deployed graph (BatchNorm folded, activations fused) that plans are made on and the executor runs, as hetero calibrate does',
    )
    .option('--json', 'print the ModelProfile as JSON')
    .action(async (model: string, flags: ProfileFlags) => {
      const level = flags.optimization as GraphOptimizationLevel;
      if (!LEVELS.includes(level)) {
        throw new HeteroError('--optimization', `"${flags.optimization}" is not one of ${LEVELS.join(', ')}`);
      }
      const target = flags.deployed
        ? loadProfileTarget(model, flags.input, flags.value, { deploy: true })
        : model;
      const profile = await profileModel(target, {
        inputs: flags.input,
        values: flags.value,
        threads: parseCount(flags.threads, '--threads', 1),
        runs: parseCount(flags.runs, '--runs', 1),
        ...(flags.maxRuns === undefined ? {} : { maxRuns: parseCount(flags.maxRuns, '--max-runs', 1) }),
        warmup: parseCount(flags.warmup, '--warmup', 0),
        graphOptimization: level,
      });
      print(
        flags.json
          ? JSON.stringify(profile, null, 2)
          : renderProfile(profile, parseCount(flags.top, '--top', 0)),
      );
    });
}

const ms = (x: number): string => (x >= 10 ? x.toFixed(1) : x >= 0.1 ? x.toFixed(3) : x.toFixed(4));

export function renderProfile(p: ModelProfile, top: number): string {
  const lines: string[] = [];
  const shapes = Object.entries(p.inputs)
    .map(([n, d]) => `${n}=${d.join('x')}`)
    .join(' ');
  lines.push(`${p.model} ${shapes}  ·  ${p.threads} thread(s), ${p.runs} runs, ORT ${p.runtime.version}`);
  lines.push(
    `end-to-end  median ${ms(p.endToEnd.medianMs)} ms  (p10 ${ms(p.endToEnd.p10Ms)}, p90 ${ms(p.endToEnd.p90Ms)}; estimate p${Math.round(ESTIMATE_QUANTILE * 100)} ${ms(estimateOf(p.endToEnd))} ms)`,
  );
  if (p.backgroundCores !== undefined)
    lines.push(
      `other processes kept ${p.backgroundCores.toFixed(2)} cores busy meanwhile${p.stoppedBy ? `; stopped: ${p.stoppedBy}` : ''}`,
    );
  lines.push(
    `with profiler ${ms(p.profiledEndToEnd.medianMs)} ms  ·  ${p.nodes.length} nodes  ·  ${formatPercent(p.mappedShare)} of kernel time mapped to nodes`,
  );
  const total = p.nodes.reduce((s, n) => s + n.latency.medianMs, 0);
  const slowest = [...p.nodes].sort((a, b) => b.latency.medianMs - a.latency.medianMs).slice(0, top);
  if (slowest.length > 0) {
    lines.push('', `slowest nodes (kernel time, ms; sum of medians ${ms(total)}):`);
    lines.push(
      table([
        ['  node', 'op', 'median', 'p10', 'p90', 'share'],
        ...slowest.map((n) => [
          `  ${n.node}`,
          n.op,
          ms(n.latency.medianMs),
          ms(n.latency.p10Ms),
          ms(n.latency.p90Ms),
          formatPercent(total > 0 ? n.latency.medianMs / total : 0),
        ]),
      ]),
    );
  }
  if (p.unmappedEvents.length > 0) {
    lines.push('', `unmapped profiler events (${p.unmappedEvents.length}):`);
    for (const e of p.unmappedEvents.slice(0, 10)) lines.push(`  ${e.name}  ${ms(e.medianMs)} ms`);
  }
  return lines.join('\n');
}
