// The host device and cost model the executor's predictions use: the calibrated host file when
// there is one, else a quick calibration made on the spot (host micro-benchmarks and two small
// models, measured at once without waiting for a quiet machine, a few seconds) so that `hetero run`
// works from a clean clone. The quick one is not saved: `hetero calibrate` makes the real one.
import { existsSync } from 'node:fs';
import { calibrateHost, type ProfiledModel } from '../cost/calibrate-host.js';
import {
  deviceWithCost,
  executorRequestMs,
  withCoreWorkerParams,
  workerCopyUsPerMiB,
  workerSyncUs,
  type DeviceWithCost,
} from '../cost/for-device.js';
import { createCostModel } from '../cost/model.js';
import { DEFAULT_HOST_FILE, withCoreWorkers, type HostFile } from '../hardware/host.js';
import { measureHost } from './profile-host.js';
import { loadProfileTarget, profileModel } from './profile.js';

export interface HostForExecution extends DeviceWithCost {
  /** 'host file <path>' or 'quick calibration (…)'. */
  calibration: string;
}

/**
 * Small inputs of models whose profiles fit the quick calibration: small ops (ppocr-cls), depthwise
 * convs (MobileNetV2), dense residual convs (ResNet-50) and a conv+recurrent/attention mix
 * (PP-OCR rec) — with the first two alone, predictions of dense CNNs were off by ~40%.
 */
const QUICK_MODELS = [
  { family: 'ppocr-cls', spec: 'pkg:ppocr-cls' },
  { family: 'mobilenetv2', spec: 'zoo:mobilenetv2', inputs: [{ name: 'input', dims: [1, 3, 160, 160] }] },
  { family: 'resnet50', spec: 'zoo:resnet50', inputs: [{ name: 'input', dims: [1, 3, 128, 128] }] },
  { family: 'ppocr-rec', spec: 'pkg:ppocr-rec', inputs: [{ name: 'x', dims: [1, 3, 48, 160] }] },
];
const QUICK_THREADS = [1, 2];
const QUICK_RUNS = 5;
/**
 * Rounds of the plain-run micro-benchmarks in a quick calibration: two, not measureHost's five, so
 * that `hetero run` without a host file stays quick; its session.run figure reads higher for it
 * (24–33 µs against 16–17 µs in five rounds here, profile-host.ts PLAIN_RUN_ROUNDS).
 */
const QUICK_PLAIN_ROUNDS = 2;

/** What the quick calibration is called where results record their calibration. */
export const QUICK_CALIBRATION = `quick calibration on ${QUICK_MODELS.map((m) => m.family).join(', ')}`;

/**
 * The quick calibration as a host file (hetero-host/1), for callers that share it between threads or
 * runs (the study saves it beside its results); hostForExecution fits the same thing in memory.
 */
export async function quickHostFile(): Promise<HostFile> {
  const measurements = await measureHost(QUICK_THREADS, {
    runs: 3,
    quiet: false,
    plainRounds: QUICK_PLAIN_ROUNDS,
  });
  const data: ProfiledModel[] = [];
  for (const m of QUICK_MODELS) {
    const target = loadProfileTarget(m.spec, m.inputs ?? [], {}, { deploy: true });
    for (const threads of QUICK_THREADS) {
      const profile = await profileModel(target, { threads, runs: QUICK_RUNS, warmup: 2 });
      data.push({ family: m.family, graph: target.graph, profile });
    }
  }
  const fitted = calibrateHost(measurements, data);
  return {
    format: 'hetero-host/1',
    device: fitted.device,
    params: fitted.params,
    runOverhead: fitted.runOverhead,
    measurements,
  };
}

export async function hostForExecution(hostFile: string = DEFAULT_HOST_FILE): Promise<HostForExecution> {
  if (existsSync(hostFile))
    return { ...deviceWithCost('host', hostFile), calibration: `host file ${hostFile}` };
  const fitted = await quickHostFile();
  const device = withCoreWorkers(fitted.device);
  const params = withCoreWorkerParams(
    fitted.params,
    device,
    workerSyncUs(fitted),
    workerCopyUsPerMiB(fitted),
  );
  return {
    device,
    cost: createCostModel(device, params),
    fittedFrom: params.fittedFrom,
    requestMs: (graph) => executorRequestMs(fitted.measurements, graph),
    calibration: `${QUICK_CALIBRATION}; no ${hostFile}: run \`hetero calibrate\` for a full one`,
  };
}
