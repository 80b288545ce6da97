// `hetero calibrate [models…]`: measure this machine and fit the host's cost-model parameters; writes
// the host file (.hetero/host.json) with the `host` device and its parameters.
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { calibrateHost, type HostCalibration, type RunOverhead } from '../cost/calibrate-host.js';
import { FIDELITY_TARGETS } from '../cost/fidelity.js';
import { measurementRepeatability, type MeasurementRepeatability } from '../cost/repeatability.js';
import type { ProcessorCostParams } from '../cost/types.js';
import { HeteroError } from '../errors.js';
import { DEFAULT_HOST_FILE, saveHostFile, type HostMeasurements } from '../hardware/host.js';
import { DEFAULT_PROFILE_DIR } from '../runtime/profile-cache.js';
import { measureHost } from '../runtime/profile-host.js';
import { SETTLE_MEAN_SHARE, SETTLE_QUIETEST_SHARE } from '../runtime/profile-sessions.js';
import { measureSteadiness, steadinessLine, type Steadiness } from '../runtime/steadiness.js';
import {
  defaultSuite,
  profileSuite,
  suiteFromSpecs,
  SUITE_GRAPHS,
  SUITE_PROFILE_OPTIONS,
  type SuiteGraphs,
  type SuiteModel,
} from '../runtime/profile-suite.js';
import { formatPercent } from './format.js';
import { parseCount } from './options.js';

interface CalibrateFlags {
  threads: string;
  runs: string;
  out: string;
  cache: string | false;
  graphs: string;
  steadiness: string;
  sessions: string;
  maxSessions: string;
}

/** `--sessions`, shared by calibrate and validate. */
export const SESSIONS_OPTION = [
  '--sessions <n>',
  "measure every profile in at least this many sessions, minutes apart: one thread keeps the quietest run and each op's fastest session, more threads the mean of the sessions for the run and the convs and MatMuls (more sessions on a noisy machine: they repeat better)",
  String(SUITE_PROFILE_OPTIONS.sessions),
] as const;

/** `--max-sessions`, shared by calibrate and validate. */
export const MAX_SESSIONS_OPTION = [
  '--max-sessions <n>',
  `then measure again, one session at a time up to this many, the profiles whose sessions disagree (one thread: its two quietest runs more than ${SETTLE_QUIETEST_SHARE * 100}% apart; more threads: its mean end to end not known within ${SETTLE_MEAN_SHARE * 100}%)`,
  String(SUITE_PROFILE_OPTIONS.maxSessions),
] as const;

/** A pass over the whole suite takes about 10 min on two cores: 50 is most of a working day. */
const MAX_SESSIONS = 50;

/** Sessions per profile (`flag`: --sessions or --max-sessions): 1 to MAX_SESSIONS. */
export function parseSessions(value: string, flag = '--sessions'): number {
  const n = parseCount(value, flag, 1);
  if (n > MAX_SESSIONS) throw new HeteroError(flag, `"${value}" is more than ${MAX_SESSIONS}`);
  return n;
}

/** `--steadiness`, shared by calibrate and validate. */
export const STEADINESS_OPTION = [
  '--steadiness <seconds>',
  'first measure for this long how steady the machine runs short streaming and compute kernels (0: skip)',
  '10',
] as const;

/** Seconds of the steadiness probe (0 = none): a whole number of seconds, at most an hour. */
export function parseSteadinessSeconds(value: string): number {
  const seconds = parseCount(value, '--steadiness', 0);
  if (seconds > 3600) throw new HeteroError('--steadiness', `"${value}" is more than an hour (3600 s)`);
  return seconds;
}

/** `--graphs`, shared by calibrate and validate. */
export const GRAPHS_OPTION = [
  '--graphs <form>',
  `the form of each model measured: ${SUITE_GRAPHS.join(' or ')} (the graph plans are made on and the executor runs: BatchNorm folded, activations fused; or the model as its file gives it)`,
  'deployed',
] as const;

export function parseGraphs(value: string): SuiteGraphs {
  const g = SUITE_GRAPHS.find((x) => x === value);
  if (!g) throw new HeteroError('--graphs', `"${value}" is not one of ${SUITE_GRAPHS.join(', ')}`);
  return g;
}

export function registerCalibrate(program: Command, print: (text: string) => void): void {
  program
    .command('calibrate')
    .description("measure this machine and fit the host's cost-model parameters (writes the host device)")
    .argument(
      '[models...]',
      'models to profile (default: the packaged real models and zoo models, each at two input sizes)',
    )
    .option('--threads <list>', 'thread counts to fit, e.g. 1,2', '1,2')
    .option('--runs <k>', 'measured runs per profile', '20')
    .option('--out <file>', 'host file to write', DEFAULT_HOST_FILE)
    .option('--cache <dir>', 'profile cache directory', DEFAULT_PROFILE_DIR)
    .option('--no-cache', 'measure every profile afresh')
    .option(...GRAPHS_OPTION)
    .option(...STEADINESS_OPTION)
    .option(...SESSIONS_OPTION)
    .option(...MAX_SESSIONS_OPTION)
    .action(async (models: string[], flags: CalibrateFlags) => {
      const graphs = parseGraphs(flags.graphs);
      const threads = parseThreadList(flags.threads);
      const runs = parseCount(flags.runs, '--runs', 1);
      const steadinessSeconds = parseSteadinessSeconds(flags.steadiness);
      const sessions = parseSessions(flags.sessions);
      const maxSessions = parseSessions(flags.maxSessions, '--max-sessions');
      // Both sizes of every family, as validate fits its folds, so that the host file is the model
      // validate scores (twice the profiling of a fresh machine). Fitted on the first size only, the
      // study's ppocr-det at its 640×640 example input was predicted 3% faster still.
      const suite = models.length > 0 ? suiteFromSpecs(models) : defaultSuite(2);
      const { calibration, measurements, steadiness, repeatability } = await runCalibration(suite, {
        threads,
        runs,
        cacheDir: flags.cache,
        graphs,
        steadinessSeconds,
        sessions,
        maxSessions,
      });
      const file = saveHostFile(
        {
          format: 'hetero-host/1',
          device: calibration.device,
          params: calibration.params,
          runOverhead: calibration.runOverhead,
          measurements,
        },
        flags.out,
      );
      print(
        [
          renderCalibration(calibration, measurements, file, repeatability),
          ...(steadiness ? [steadinessLine(steadiness)] : []),
        ].join('\n'),
      );
    });
}

export function parseThreadList(text: string): number[] {
  const list = text.split(',').map((t) => parseCount(t.trim(), '--threads', 1));
  if (list.length === 0) throw new HeteroError('--threads', 'give at least one thread count');
  return [...new Set(list)].sort((a, b) => a - b);
}

/**
 * The steadiness probe (when `seconds` > 0), host micro-benchmarks, then every model × thread count,
 * under one progress bar on stderr.
 */
export async function runCalibration(
  suite: readonly SuiteModel[],
  opts: {
    threads: readonly number[];
    runs: number;
    cacheDir: string | false;
    graphs?: SuiteGraphs;
    /** Default 0: no probe. */
    steadinessSeconds?: number;
    /** Default SUITE_PROFILE_OPTIONS.sessions. */
    sessions?: number;
    /** Default `sessions` (profileSuite's maxSessions). */
    maxSessions?: number;
  },
): Promise<{
  calibration: HostCalibration;
  measurements: HostMeasurements;
  steadiness?: Steadiness;
  /** How well the profiles' sessions repeat; absent for one session. */
  repeatability?: MeasurementRepeatability;
}> {
  const { threads, runs, cacheDir, graphs = 'deployed' } = opts;
  const sessions = opts.sessions ?? SUITE_PROFILE_OPTIONS.sessions;
  const progress = startProgress(suite.length * threads.length * sessions + 1);
  try {
    const steadiness = await probeSteadiness(progress, opts.steadinessSeconds ?? 0);
    progress.update(0, 'host peak and bandwidth');
    const measurements = await measureHost(threads);
    progress.update(1, 'profiling');
    const data = await profileSuite(
      suite,
      threads,
      { runs, cacheDir, graphs, sessions, ...(opts.maxSessions ? { maxSessions: opts.maxSessions } : {}) },
      (p) => progress.update(p.done + 1, p.label, p.total + 1),
    );
    if (new Set(data.map((d) => d.profile.threads)).size === 0)
      throw new HeteroError('calibrate', 'no profiles');
    const repeatability = measurementRepeatability(data);
    return {
      calibration: calibrateHost(measurements, data),
      measurements,
      ...(steadiness ? { steadiness } : {}),
      ...(repeatability ? { repeatability } : {}),
    };
  } finally {
    progress.stop();
  }
}

interface Progress {
  /** `total`: the steps known by now (a suite's extra sessions add steps as they are found). */
  update(done: number, label: string, total?: number): void;
  stop(): void;
}

/** The steadiness probe as the progress bar's first label; undefined when skipped (0 s). */
export async function probeSteadiness(progress: Progress, seconds: number): Promise<Steadiness | undefined> {
  if (seconds <= 0) return undefined;
  progress.update(0, `machine steadiness (${seconds} s)`);
  return measureSteadiness({ seconds });
}

/** A cli-progress bar on stderr when it is a terminal; otherwise one line at the end. */
export function startProgress(total: number): Progress {
  if (!process.stderr.isTTY) {
    let last = 0;
    let known = total;
    return {
      update: (done, _label, steps) => {
        last = done;
        known = steps ?? known;
      },
      stop: () => process.stderr.write(`calibrate: ${last}/${known} steps done\n`),
    };
  }
  const bar = new SingleBar({
    stream: process.stderr,
    format: '{bar} {value}/{total} {label}',
    hideCursor: true,
    clearOnComplete: false,
  });
  bar.start(total, 0, { label: '' });
  return {
    update: (done, label, steps) => {
      if (steps !== undefined && steps !== bar.getTotal()) bar.setTotal(steps);
      bar.update(done, { label });
    },
    stop: () => bar.stop(),
  };
}

/**
 * One line on how well the measurements repeat (repeatability.ts), with a warning when two
 * measurements of one profile agree less often than the end-to-end target asks of a model: then
 * many of a model's misses are the measurement's own.
 */
export function repeatabilityLine(r: MeasurementRepeatability): string {
  const disturbed =
    r.endToEnd.within10pct < FIDELITY_TARGETS.endToEnd
      ? `; below the ${FIDELITY_TARGETS.endToEnd * 100}% end-to-end target, so the machine was too disturbed to show it: measure again on a quiet one (--no-cache) or in more sessions (--sessions)`
      : '';
  const byThreads = r.byThreads
    .map(
      (t) => `t${t.threads} ${formatPercent(t.endToEnd.within10pct)} / ${formatPercent(t.perOp.within10pct)}`,
    )
    .join(', ');
  return `measured again (every other session against the rest, each merged as all the sessions are) over ${r.profiles} profiles: end to end ${formatPercent(r.endToEnd.within10pct)}, per op (≥ ${r.minOpUs} µs) ${formatPercent(r.perOp.within10pct)} within ±10% of each other (end to end / per op by threads: ${byThreads}); worst session ${r.worstSessionRatio.toFixed(2)}× the quietest${disturbed}`;
}

function renderCalibration(
  c: HostCalibration,
  m: HostMeasurements,
  file: string,
  repeatability: MeasurementRepeatability | undefined,
): string {
  const lines = [`wrote ${file}`, `host: ${c.device.name}`];
  for (const t of Object.keys(m.matmulGflops)) {
    const n = Number(t);
    lines.push(
      `  ${t} thread(s): MatMul ${m.matmulGflops[n].toFixed(1)} GFLOPS, DRAM Add ${m.addBandwidthGBps[n].toFixed(1)} GB/s, in-cache Add ${m.cachedAddBandwidthGBps[n].toFixed(1)} GB/s` +
        (m.sessionRunUs?.[n] !== undefined ? `, session.run ${m.sessionRunUs[n].toFixed(1)} µs` : ''),
    );
  }
  lines.push(
    `fitted on: ${c.fittedOn.join(', ')}`,
    ...(repeatability ? [repeatabilityLine(repeatability)] : []),
    `effective bandwidth: ${c.effectiveBandwidthGBps.toFixed(1)} GB/s`,
  );
  for (const [key, p] of Object.entries(c.params.processors)) {
    if (!key.includes('@')) continue;
    const o = c.runOverhead[key.split('@')[1] ?? ''];
    lines.push(
      `${key}: dispatch ${p.dispatchUs.toFixed(1)} µs, run = ${o ? runFormula(o) : '—'}`,
      `  kernel models: ${kernelSummary(p)}`,
    );
    lines.push(`  efficiency (peak share at 10^4 / 10^6 / 10^8 FLOPs):`);
    for (const [name, curve] of curvesOf(p)) {
      lines.push(`    ${name.padEnd(22)} ${[4, 6, 8].map((x) => at(curve, x).toFixed(3)).join(' / ')}`);
    }
    const shares = Object.entries(p.bandwidthShare ?? {});
    if (shares.length > 0)
      lines.push(`  bandwidth share: ${shares.map(([k, v]) => `${k} ${v?.toFixed(3)}`).join(', ')}`);
  }
  return lines.join('\n');
}

/** The plain-run model (cost/host-run.ts) with its fitted numbers. */
function runFormula(o: RunOverhead): string {
  const us = (ms: number | undefined): string => ((ms ?? 0) * 1000).toFixed(1);
  const perNode = o.perNodeMs !== 0 ? ` + ${us(o.perNodeMs)} µs/node` : '';
  return (
    `${(o.kernelScale ?? 1).toFixed(3)} × Σ max(span − ${us(o.spanInflationMs)} µs, min(span, ${us(o.kernelFloorMs)} µs))` +
    ` + ${o.fixedMs.toFixed(3)} ms${perNode}; profiler ${us(o.profilerEventMs)} µs/event`
  );
}

/** How many op keys have their own kernel model, and how many of them split on size. */
function kernelSummary(p: ProcessorCostParams): string {
  const models = Object.entries(p.kernels?.models ?? {});
  if (models.length === 0) return 'none (roofline only)';
  const split = models.filter(([, m]) => !('coef' in m.tree)).length;
  const wake = p.kernels?.serialWakeUs;
  const share = p.kernels?.parallelFloorShare;
  const bound =
    (wake !== undefined ? `; at most one thread's time + ${wake.toFixed(1)} µs` : '') +
    (share !== undefined ? `; at least ${share.toFixed(2)} × one thread's time` : '');
  return `${models.length} keys (${split} split on size)${bound}: ${models.map(([k]) => k).join(', ')}`;
}

function curvesOf(p: ProcessorCostParams): [string, { points: [number, number][] }][] {
  return [
    ...Object.entries(p.efficiency).map(([k, v]): [string, { points: [number, number][] }] => [
      k,
      v ?? { points: [] },
    ]),
    ...Object.entries(p.opEfficiency ?? {}).map(([k, v]): [string, { points: [number, number][] }] => [
      `op ${k}`,
      v,
    ]),
  ];
}

/** Display only: the curve's value at log10 FLOPs x (log-linear between points, flat ends). */
function at(curve: { points: [number, number][] }, x: number): number {
  const pts = curve.points;
  if (pts.length === 0) return 0;
  if (x <= pts[0][0]) return pts[0][1];
  for (let i = 1; i < pts.length; i++) {
    if (x <= pts[i][0]) {
      const [x0, e0] = pts[i - 1];
      const [x1, e1] = pts[i];
      const t = (x - x0) / (x1 - x0);
      return 10 ** (Math.log10(e0) + t * (Math.log10(e1) - Math.log10(e0)));
    }
  }
  return pts[pts.length - 1][1];
}
