// `hetero tour` (what `npm start` runs until the study lands): import every built-in model — the
// zoo and the real models npm packages ship — and summarise them side by side.
import type { Command } from 'commander';
import { loadModel } from '../frontend/load.js';
import { PACKAGED_MODELS } from '../frontend/packaged-models.js';
import { summarize } from '../graph/summary.js';
import { isHeteroError } from '../errors.js';
import { zooNames } from '../zoo/index.js';
import { formatBytes, formatCount, formatPercent, table } from './format.js';

export function registerTour(program: Command, print: (text: string) => void): void {
  program
    .command('tour')
    .description('summarise every built-in model (zoo and packaged real models)')
    .action(() => print(tour()));
}

export function tour(): string {
  const rows: string[][] = [
    ['model', 'nodes', 'MACs', 'params', 'peak act.', 'width', 'crit. path', 'unknown'],
  ];
  const notes: string[] = [];
  const specs = [
    ...zooNames().map((name) => ({ spec: `zoo:${name}`, inputs: [], values: undefined })),
    ...PACKAGED_MODELS.map((m) => ({
      spec: `pkg:${m.name}`,
      inputs: Object.entries(m.exampleInputs).map(([name, dims]) => ({ name, dims })),
      values: m.exampleValues,
    })),
  ];
  for (const { spec, inputs, values } of specs) {
    try {
      const s = summarize(loadModel(spec, { inputs, values }).graph, 0);
      rows.push([
        spec,
        `${s.nodes}`,
        formatCount(s.macs),
        formatCount(s.params),
        s.peakActivationBytes === null ? '?' : formatBytes(s.peakActivationBytes),
        `${s.computeParallelWidth}`,
        formatPercent(s.criticalPath.share),
        `${s.unknownCostNodes.length}`,
      ]);
    } catch (e) {
      if (!isHeteroError(e)) throw e;
      notes.push(`${spec}: ${e.message}`); // e.g. a packaged model whose package is not installed
    }
  }
  const legend =
    'width = most ops that could run at once (arithmetic ops only); crit. path = share of MACs on the heaviest dependency chain';
  return [table(rows), '', legend, ...notes].join('\n');
}
