// `hetero inspect <model>`: what is in a model, how much work it is and how parallel.
import type { Command } from 'commander';
import type { InputShapeSpec } from '../frontend/input-spec.js';
import { loadModel } from '../frontend/load.js';
import { summarize, type GraphSummary } from '../graph/summary.js';
import { formatBytes, formatCount, formatPercent, formatShape, table } from './format.js';
import { parseCount, withModelInputs } from './options.js';

interface InspectFlags {
  input: InputShapeSpec[];
  value: Record<string, number[]>;
  json?: boolean;
  top: string;
}

export function registerInspect(program: Command, print: (text: string) => void): void {
  withModelInputs(program.command('inspect'))
    .description(
      'show a model: inputs/outputs, op histogram, MACs, params, memory, parallelism, costliest ops',
    )
    .argument('<model>', 'an .onnx file, a TF.js model.json, zoo:NAME or pkg:NAME')
    .option('--top <n>', 'how many costliest ops to list', '10')
    .option('--json', 'print one JSON object')
    .action((model: string, flags: InspectFlags) => {
      const { graph, warnings } = loadModel(model, {
        inputs: flags.input,
        values: flags.value,
        exampleInputs: true,
      });
      const summary = summarize(graph, parseCount(flags.top, '--top', 0));
      print(
        flags.json ? JSON.stringify({ ...summary, warnings }, null, 2) : renderSummary(summary, warnings),
      );
    });
}

export function renderSummary(s: GraphSummary, warnings: string[]): string {
  const lines: string[] = [];
  lines.push(`${s.name}${s.source ? ` (${s.source})` : ''}`);
  for (const t of s.inputs) lines.push(`  input   ${t.name} ${formatShape(t.shape)} ${t.dtype}`);
  for (const t of s.outputs) lines.push(`  output  ${t.name} ${formatShape(t.shape)} ${t.dtype}`);
  lines.push('');
  lines.push(
    table([
      ['nodes', s.nestedNodes > 0 ? `${s.nodes} (+${s.nestedNodes} in nested graphs)` : `${s.nodes}`],
      ['MACs', formatCount(s.macs)],
      ['FLOPs', formatCount(s.flops)],
      ['params', `${formatCount(s.params)} (${formatBytes(s.paramBytes)})`],
      [
        'peak activations',
        s.peakActivationBytes === null
          ? 'unknown (symbolic shapes: give --input)'
          : formatBytes(s.peakActivationBytes),
      ],
      ['parallel width', `${s.parallelWidth} ops (${s.computeParallelWidth} doing arithmetic)`],
      ['critical path', `${s.criticalPath.nodes} ops, ${formatPercent(s.criticalPath.share)} of MACs`],
    ]),
  );
  lines.push('', 'ops:');
  const histogram = Object.entries(s.ops).sort((a, b) => b[1] - a[1]);
  lines.push(table(histogram.map(([op, count]) => [`  ${op}`, `${count}`])));
  if (s.topOps.length > 0) {
    lines.push('', 'costliest ops:');
    lines.push(
      table(s.topOps.map((o) => [`  ${o.id}`, o.op, `${formatCount(o.macs)}MACs`, formatPercent(o.share)])),
    );
  }
  if (s.unknownCostNodes.length > 0) {
    lines.push(
      '',
      `cost unknown for ${s.unknownCostNodes.length} node(s): ${s.unknownCostNodes.slice(0, 8).join(', ')}${s.unknownCostNodes.length > 8 ? ', …' : ''}`,
    );
  }
  if (warnings.length > 0) {
    lines.push('', `warnings (${warnings.length}):`);
    for (const w of warnings.slice(0, 20)) lines.push(`  ${w}`);
    if (warnings.length > 20) lines.push(`  … ${warnings.length - 20} more (see --json)`);
  }
  return lines.join('\n');
}
