// `hetero validate --device host`: leave-one-model-out fidelity of the host cost model against real
// measurements, beside a FLOPs-only baseline.
import type { Command } from 'commander';
import { FIDELITY_TARGETS, type FidelitySummary } from '../cost/fidelity.js';
import { ESTIMATE_QUANTILE } from '../cost/measurements.js';
import type { KernelGroup } from '../cost/host-kernel-features.js';
import { HOLD_OUTS, validateHost, type HoldOut, type ValidationReport } from '../cost/validate-host.js';
import { HeteroError } from '../errors.js';
import { phoneFidelity } from '../cost/calibrate-published.js';
import { getDevice } from '../hardware/catalog.js';
import { DEFAULT_HOST_FILE, loadHost, type HostMeasurements } from '../hardware/host.js';
import { DEFAULT_PROFILE_DIR } from '../runtime/profile-cache.js';
import { steadinessLine, type Steadiness } from '../runtime/steadiness.js';
import { measureHost } from '../runtime/profile-host.js';
import { defaultSuite, profileSuite, type SuiteModel } from '../runtime/profile-suite.js';
import {
  GRAPHS_OPTION,
  parseGraphs,
  parseSessions,
  parseSteadinessSeconds,
  MAX_SESSIONS_OPTION,
  SESSIONS_OPTION,
  parseThreadList,
  probeSteadiness,
  repeatabilityLine,
  startProgress,
  STEADINESS_OPTION,
} from './calibrate.js';
import { formatPercent, table } from './format.js';
import { parseCount } from './options.js';

interface ValidateFlags {
  device: string;
  json?: boolean;
  quick?: boolean;
  threads: string;
  runs?: string;
  host: string;
  cache: string | false;
  holdOut: string;
  graphs: string;
  steadiness: string;
  sessions: string;
  maxSessions: string;
}

/** The report, with how steady the machine ran just before (absent with --steadiness 0). */
export type HostValidation = ValidationReport & { steadiness?: Steadiness };

/** --quick: four fast families, fewer runs. */
const QUICK_FAMILIES = new Set(['ppocr-cls', 'ppocr-rec', 'silero-vad', 'mobilenetv2']);

export function registerValidate(program: Command, print: (text: string) => void): void {
  program
    .command('validate')
    .description('leave-one-model-out fidelity of the cost model against measurements on this machine')
    .requiredOption('--device <id>', 'host (measured here) or a catalog phone (published latencies)')
    .option('--json', 'print one JSON object')
    .option('--quick', 'fewer models and runs')
    .option('--threads <list>', 'thread counts', '1,2')
    .option('--runs <k>', 'measured runs per profile (default 20, --quick 10)')
    .option(
      '--host <file>',
      'host file with measured peak/bandwidth (measured afresh when absent)',
      DEFAULT_HOST_FILE,
    )
    .option('--cache <dir>', 'profile cache directory', DEFAULT_PROFILE_DIR)
    .option('--no-cache', 'measure every profile afresh')
    .option(
      '--hold-out <what>',
      'family: each fold holds out a model family at every size; input: one model at one input size (its other sizes stay in the fit)',
      'family',
    )
    .option(...GRAPHS_OPTION)
    .option(...STEADINESS_OPTION)
    .option(...SESSIONS_OPTION)
    .option(...MAX_SESSIONS_OPTION)
    .action(async (flags: ValidateFlags) => {
      if (flags.device !== 'host') {
        print(validatePhone(flags.device, flags.json === true));
        return;
      }
      const holdOut = parseHoldOut(flags.holdOut);
      const graphs = parseGraphs(flags.graphs);
      const threads = parseThreadList(flags.threads);
      const runs = parseCount(flags.runs ?? (flags.quick ? '10' : '20'), '--runs', 1);
      const steadinessSeconds = parseSteadinessSeconds(flags.steadiness);
      const sessions = parseSessions(flags.sessions);
      const maxSessions = parseSessions(flags.maxSessions, '--max-sessions');
      const suite: SuiteModel[] = defaultSuite(2).filter((m) => !flags.quick || QUICK_FAMILIES.has(m.family));
      const progress = startProgress(suite.length * threads.length * sessions + 1);
      let report: HostValidation;
      try {
        const steadiness = await probeSteadiness(progress, steadinessSeconds);
        progress.update(0, 'host peak and bandwidth');
        const measurements = await hostMeasurements(flags.host, threads);
        progress.update(1, 'profiling');
        const data = await profileSuite(
          suite,
          threads,
          { runs, cacheDir: flags.cache, graphs, sessions, maxSessions },
          (p) => progress.update(p.done + 1, p.label, p.total + 1),
        );
        report = {
          ...validateHost(measurements, data, { holdOut }),
          graphs,
          ...(steadiness ? { steadiness } : {}),
        };
      } finally {
        progress.stop();
      }
      print(flags.json ? JSON.stringify(report, null, 2) : renderValidation(report));
    });
}

function parseHoldOut(value: string): HoldOut {
  const v = HOLD_OUTS.find((h) => h === value);
  if (!v) throw new HeteroError('--hold-out', `"${value}" is not one of ${HOLD_OUTS.join(', ')}`);
  return v;
}

/** The calibrated host's measurements when they cover the thread counts, else fresh ones. */
async function hostMeasurements(file: string, threads: readonly number[]): Promise<HostMeasurements> {
  try {
    const m = loadHost(file).measurements;
    if (threads.every((t) => m.matmulGflops[t] !== undefined)) return m;
  } catch (e) {
    if (!(e instanceof HeteroError)) throw e;
  }
  return measureHost(threads);
}

const KERNEL_GROUP_NAMES: Record<KernelGroup, string> = {
  gemm: 'SGEMM (MatMul, Gemm, 1×1 conv)',
  im2col: 'im2col + SGEMM conv',
  grouped: 'depthwise/grouped conv, batched MatMul',
  streaming: 'streaming and other ops',
};

/** A report row; `interval`: with the column of the share's interval over families (host reports). */
const row = (name: string, s: FidelitySummary, interval = true): string[] => [
  `  ${name}`,
  `${s.cases}`,
  formatPercent(s.within10pct),
  ...(interval ? [s.within10pctInterval ? formatInterval(s.within10pctInterval) : ''] : []),
  formatPercent(s.timeWithin10pct),
  formatPercent(s.mape),
];

/** "55.1–64.2%": the share's 95% interval over resampled families (fidelity.ts). */
const formatInterval = ([lo, hi]: readonly [number, number]): string =>
  `${(lo * 100).toFixed(1)}–${formatPercent(hi)}`;

export function renderValidation(r: HostValidation): string {
  const lines = [
    r.holdOut === 'input'
      ? `leave-one-model-out, each model at one input size held out (its other sizes stay in the fit), over ${r.families.length} model families (${r.families.join(', ')})`
      : `leave-one-model-out, each model family held out at every input size, over ${r.families.length} families (${r.families.join(', ')})`,
    ...(r.graphs
      ? [
          r.graphs === 'deployed'
            ? 'models measured as deployed: BatchNorm folded, activations fused (the graphs plans are made on and the executor runs)'
            : 'models measured as given (not the deployed graphs plans are made on)',
        ]
      : []),
    '',
    table([
      ['', 'cases', 'within ±10%', '95%, by family', 'of time', 'MAPE'],
      row('end-to-end', r.endToEnd),
      row(`per op (≥ ${r.minOpUs} µs)`, r.perOp),
      row('per op (all)', r.perOpAll),
      row('FLOPs-only end-to-end', r.baseline.endToEnd),
      row(`FLOPs-only per op`, r.baseline.perOp),
      ...(r.repeatability
        ? [
            row('measured again, end-to-end', r.repeatability.endToEnd),
            row(`measured again, per op (≥ ${r.repeatability.minOpUs} µs)`, r.repeatability.perOp),
          ]
        : []),
    ]),
    '',
    `scored ops hold ${formatPercent(r.perOpTimeShare)} of measured kernel time; targets: end-to-end ≥ ${FIDELITY_TARGETS.endToEnd * 100}%, per op ≥ ${FIDELITY_TARGETS.perOp * 100}% within ±10%`,
    '',
    table([
      [
        `  per op (≥ ${r.minOpUs} µs) by kernel`,
        'threads',
        'cases',
        'within ±10%',
        '95%, by family',
        'of time',
        'MAPE',
      ],
      ...r.perOpByKernel.map((g) => {
        const [name, ...rest] = row(KERNEL_GROUP_NAMES[g.kernels], g);
        return [name!, `${g.threads}`, ...rest];
      }),
    ]),
    '',
    ...(r.load
      ? [
          `measured while other processes kept ${r.load.meanBackgroundCores.toFixed(2)} cores busy on average (at most ${r.load.maxBackgroundCores.toFixed(2)}); latencies are p${Math.round(ESTIMATE_QUANTILE * 100)} of interleaved runs`,
        ]
      : []),
    ...(r.repeatability ? [repeatabilityLine(r.repeatability)] : []),
    ...(r.steadiness ? [steadinessLine(r.steadiness)] : []),
    '',
    table([
      ['  model', 'inputs', 'threads', 'measured ms', 'predicted ms', 'error', 'FLOPs-only ms'],
      ...r.models.map((m) => [
        `  ${m.model}`,
        Object.values(m.inputs)
          .map((d) => d.join('x'))
          .join(','),
        // "2→1": asked for 2 threads, others held a core, so the runs had 1 (effectiveThreads).
        m.effectiveThreads === undefined ? `${m.threads}` : `${m.threads}→${m.effectiveThreads}`,
        m.measuredMs.toFixed(2),
        m.predictedMs.toFixed(2),
        `${((m.predictedMs / m.measuredMs - 1) * 100).toFixed(1)}%`,
        m.baselineMs.toFixed(2),
      ]),
    ]),
  ];
  return lines.join('\n');
}

/**
 * A phone: the committed calibration's fidelity on published whole-model latencies, on the points
 * held out of its fit and on the training points, beside the uncalibrated catalog defaults.
 */
function validatePhone(deviceId: string, json: boolean): string {
  const device = getDevice(deviceId); // unknown ids are a user error naming the known ones
  const fidelity = phoneFidelity();
  const mine = fidelity.perDevice[device.id];
  if (!mine) {
    const known = Object.keys(fidelity.perDevice).join(', ');
    throw new HeteroError(
      '--device',
      `no published measurements for ${device.id} (phones with data: ${known}, and host)`,
    );
  }
  const cases = fidelity.cases.filter((c) => c.device === device.id);
  if (json)
    return JSON.stringify(
      {
        device: device.id,
        ...mine,
        overall: { heldOut: fidelity.overall, heldOutDefaults: fidelity.defaults },
        cases,
      },
      null,
      2,
    );
  return [
    `${device.name}: ${cases.length} published whole-model latencies (every third per processor held out of the fit)`,
    '',
    table([
      ['', 'cases', 'within ±10%', 'of time', 'MAPE'],
      row('held out, calibrated', mine.heldOut, false),
      row('held out, catalog defaults', mine.heldOutDefaults, false),
      row('training, calibrated', mine.train, false),
      row('training, catalog defaults', mine.trainDefaults, false),
    ]),
    '',
    table([
      ['  point', 'processor', 'dtype', 'split', 'published ms', 'predicted ms', 'defaults ms'],
      ...cases.map((c) => [
        `  ${c.model}`,
        c.processor,
        c.dtype,
        c.split,
        c.measuredMs.toFixed(2),
        c.predictedMs.toFixed(2),
        c.defaultsMs.toFixed(2),
      ]),
    ]),
    '',
    `all phones, held out: ${formatPercent(fidelity.overall.within10pct)} within ±10%, MAPE ${formatPercent(fidelity.overall.mape)} (defaults: ${formatPercent(fidelity.defaults.within10pct)}, ${formatPercent(fidelity.defaults.mape)})`,
  ].join('\n');
}
