// `hetero study [spec.yaml]`: run a study (the built-in default without a spec) in parallel with a
// progress bar, resumably, into OUT/results.duckdb, then write OUT/report.html.
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import type { Command } from 'commander';
import { writeStudyReport } from '../report/study-report.js';
import { DEFAULT_STUDY_YAML } from '../study/default-study.js';
import { loadStudy } from '../study/load.js';
import { terminalProgress } from '../study/progress.js';
import { runStudy } from '../study/runner.js';
import { parseCount } from './options.js';

interface StudyFlags {
  out: string;
  jobs?: string;
  hostFile?: string;
  report: boolean;
  printDefault?: boolean;
}

export const REPORT_FILE = 'report.html';

export function registerStudy(program: Command, print: (text: string) => void): void {
  program
    .command('study')
    .description('run an empirical study (default: the built-in one) and write its database and report')
    .argument('[spec]', 'study spec (YAML or JSON); default: the built-in study')
    .option('--out <dir>', 'output directory', 'out')
    .option('--jobs <n>', `parallel workers (default: ${availableParallelism()}, the cores)`)
    .option('--host-file <file>', 'host calibration (default .hetero/host.json)')
    .option('--no-report', 'run the cells only')
    .option('--print-default', 'print the built-in study spec and exit')
    .action(async (spec: string | undefined, flags: StudyFlags) => {
      if (flags.printDefault) {
        print(DEFAULT_STUDY_YAML.trimEnd());
        return;
      }
      // Validate everything before anything is written.
      const jobs = flags.jobs === undefined ? availableParallelism() : parseCount(flags.jobs, '--jobs', 1);
      const study = await loadStudy(spec);
      const started = performance.now();
      const summary = await runStudy(study, {
        outDir: flags.out,
        jobs,
        ...(flags.hostFile ? { hostFile: flags.hostFile } : {}),
        progress: terminalProgress(),
      });
      const s = summary.byStatus;
      const lines = [
        `study "${study.spec.name}": ${summary.cells} cells, ${summary.computed} computed now ` +
          `(${summary.cells - summary.computed} already in the database) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
        `  ok ${s.ok}, refused ${s.refused} (strategy has no plan there), skipped ${s.skipped}, errors ${s.error}`,
        `results: ${shown(summary.dbPath)}`,
      ];
      if (summary.hostCalibration) lines.splice(2, 0, `  host predictions: ${summary.hostCalibration}`);
      if (flags.report) {
        const file = join(flags.out, REPORT_FILE);
        const report = await writeStudyReport(summary.dbPath, file);
        lines.push(
          `report:  ${shown(file)} (${report.findings.length} findings, ${report.charts.length} charts)`,
        );
      }
      print(lines.join('\n'));
    });
}

function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel;
}
