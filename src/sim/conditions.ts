// Conditions a run happens under: ambient and starting temperature, the DVFS governor, and background
// loads (other apps taking CPU cores or the GPU, DRAM traffic, a processor unavailable for a while).
// Named presets map the dimensions of the seed paper's finding (quiet lab vs. busy, hot, shared
// phone); a JSON file of the same shape gives any other condition. Every number below that is not
// from a source is marked estimated with its reasoning — these are scenarios, not measurements.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { HeteroError } from '../errors.js';
import type { BackgroundLoad, Conditions } from './types.js';

/** Room temperature (°C): the usual reference ambient of thermal tests (estimated). */
const ROOM_C = 25;

/**
 * Inference runtimes hold a performance vote while they run (Qualcomm SNPE's preset perf profiles
 * such as Burst, applied for the whole session up to SNPE 2.21 and per inference since), so clocks
 * stay at the top until the thermal governor caps them: `performance` is every preset's governor.
 * Source: https://docs.qualcomm.com/doc/80-63442-2/topic/low_level_perf_apis.html
 */
const RUNTIME_GOVERNOR = 'performance' as const;

function load(l: Partial<BackgroundLoad> & Pick<BackgroundLoad, 'name' | 'target'>): BackgroundLoad {
  return { busyShare: 0, bandwidthGBps: 0, bandwidthShare: 0, powerW: 0, fromMs: 0, toMs: Infinity, ...l };
}

export const CONDITION_PRESETS: Readonly<Record<string, Conditions>> = {
  idle: {
    name: 'idle',
    description: 'quiet lab: nothing else runs, the phone starts cool, clocks at the top',
    ambientC: ROOM_C,
    initialTempC: 30,
    governor: RUNTIME_GOVERNOR,
    thermal: true,
    loads: [],
    notes: [
      'initialTempC 30 (estimated): a phone in hand with the screen on sits a few °C above a 25 °C room, below any throttling threshold',
    ],
  },
  'background-cpu': {
    name: 'background-cpu',
    description: 'other apps keep half of every CPU cluster busy (sync, music, a feed scrolling)',
    ambientC: ROOM_C,
    initialTempC: 30,
    governor: RUNTIME_GOVERNOR,
    thermal: true,
    loads: [
      load({
        name: 'background apps',
        target: 'cpu',
        busyShare: 0.5,
        bandwidthGBps: 2,
        estimated: true,
        reasoning:
          'systrace captures of everyday use show 2–4 of 8 cores running app and system threads beside the foreground app; half of each cluster is that; their memory traffic is a few GB/s at most',
      }),
    ],
  },
  'gpu-busy': {
    name: 'gpu-busy',
    description: 'a 3D game runs: most of the GPU, its main thread on the big core, a lot of DRAM traffic',
    ambientC: ROOM_C,
    initialTempC: 33,
    governor: RUNTIME_GOVERNOR,
    thermal: true,
    loads: [
      load({
        name: '3D game (GPU)',
        target: 'gpu',
        busyShare: 0.7,
        bandwidthShare: 0.15,
        estimated: true,
        reasoning:
          'a game at 60 fps whose frames take ~11.7 ms of the 16.7 ms budget keeps the GPU ~70 % busy; rendering 1080p–1440p with textures and G-buffers streams ~10 GB/s, ~15 % of an LPDDR5 phone',
      }),
      load({
        name: '3D game (main thread)',
        target: 'cpu-big',
        busyShare: 0.6,
        estimated: true,
        reasoning: 'a game’s main/render thread is pinned to the fastest core and keeps it mostly busy',
      }),
    ],
    notes: ['initialTempC 33 (estimated): the game has been running for a while'],
  },
  'thermal-throttle': {
    name: 'thermal-throttle',
    description:
      'a hot day, camera preview on, after a game: the phone starts inside its throttling band and heats on',
    ambientC: 35,
    initialTempC: 42,
    governor: RUNTIME_GOVERNOR,
    thermal: true,
    loads: [
      load({
        name: 'display + camera preview',
        target: 'none',
        powerW: 2,
        estimated: true,
        reasoning:
          'a 6.5-inch OLED at typical brightness draws ~0.5–1 W and a camera sensor with ISP preview ~1 W: heat the inference adds to',
      }),
    ],
    notes: [
      'ambientC 35 (estimated): a hot day, or a phone in a pocket or car mount',
      'initialTempC 42 (estimated): hot from a game or a long camera session — past the catalog throttling start (skin limit − 5 °C on most SoCs), so clocks are already stepped down and fall further as the heat builds; starting cooler, a phone takes minutes (RC ≈ 10 min) to get there, longer than most runs',
    ],
  },
  'memory-pressure': {
    name: 'memory-pressure',
    description: 'another app streams through DRAM (video recording, a large game’s assets)',
    ambientC: ROOM_C,
    initialTempC: 30,
    governor: RUNTIME_GOVERNOR,
    thermal: true,
    loads: [
      load({
        name: 'memory-heavy app',
        target: 'none',
        bandwidthShare: 0.45,
        powerW: 0.5,
        estimated: true,
        reasoning:
          '4K60 video recording (sensor readout, ISP passes, encoder references) or a large game moves tens of GB/s; 45 % of peak DRAM bandwidth is the heavy end; DRAM at that traffic adds ~0.5 W',
      }),
    ],
  },
  'concurrent-models': {
    name: 'concurrent-models',
    description: 'another app runs its own models: a 24 fps camera effect on the NPU/DSP and GPU',
    ambientC: ROOM_C,
    initialTempC: 30,
    governor: RUNTIME_GOVERNOR,
    thermal: true,
    loads: [
      load({
        name: 'camera effect model (accelerator)',
        target: 'accelerator',
        busyShare: 1,
        periodMs: 1000 / 24,
        onMs: 8,
        randomPhase: true,
        bandwidthGBps: 3,
        estimated: true,
        reasoning:
          'a segmentation/face model at 24 fps holding the NPU ~8 ms of every frame (MobileNet-class models run in a few ms on these NPUs; queueing and I/O double it); 24 fps rather than the camera’s 30 so the two never lock phase',
      }),
      load({
        name: 'AR renderer (GPU)',
        target: 'gpu',
        busyShare: 0.25,
        estimated: true,
        reasoning: 'drawing the effect over the preview keeps a quarter of the GPU busy',
      }),
    ],
  },
  'accelerator-unavailable': {
    name: 'accelerator-unavailable',
    description: 'the NPU/DSP is held by another app for 4 s of every 10 s',
    ambientC: ROOM_C,
    initialTempC: 30,
    governor: RUNTIME_GOVERNOR,
    thermal: true,
    loads: [
      load({
        name: 'other app holds the accelerator',
        target: 'accelerator',
        busyShare: 1,
        periodMs: 10_000,
        onMs: 4_000,
        fromMs: 2_000,
        estimated: true,
        reasoning:
          'a pattern, not a measurement: NNAPI/QNN sessions of another app make the accelerator busy for seconds',
      }),
    ],
  },
};

export function conditionPresetNames(): string[] {
  return Object.keys(CONDITION_PRESETS);
}

/** A preset by name (a copy); an unknown name is a user error listing the known ones. */
export function conditionsPreset(name: string): Conditions {
  const c = CONDITION_PRESETS[name];
  if (!c || !Object.hasOwn(CONDITION_PRESETS, name)) {
    throw new HeteroError(
      '--conditions',
      `unknown preset "${name}"; known: ${conditionPresetNames().join(', ')}, or a JSON file`,
    );
  }
  return structuredClone(c);
}

const share = z.number().min(0).max(1);
const nonNeg = z.number().min(0);

const loadSchema = z.strictObject({
  name: z.string().min(1),
  target: z.string().min(1),
  busyShare: share.default(0),
  bandwidthGBps: nonNeg.default(0),
  bandwidthShare: share.default(0),
  powerW: nonNeg.default(0),
  fromMs: nonNeg.default(0),
  toMs: z.number().positive().nullable().default(null),
  periodMs: z.number().positive().optional(),
  onMs: z.number().positive().optional(),
  randomPhase: z.boolean().optional(),
  meanOnMs: z.number().positive().optional(),
  meanOffMs: z.number().positive().optional(),
  source: z.string().optional(),
  estimated: z.boolean().optional(),
  reasoning: z.string().optional(),
});

const conditionsSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().min(1),
  description: z.string().default(''),
  /** A preset to start from: fields given here replace the preset's. */
  extends: z.string().optional(),
  ambientC: z.number().min(-40).max(80).optional(),
  initialTempC: z.number().min(-40).max(120).optional(),
  governor: z.enum(['performance', 'schedutil', 'powersave']).optional(),
  thermal: z.boolean().optional(),
  loads: z.array(loadSchema).optional(),
  notes: z.array(z.string()).optional(),
});

/** Conditions from parsed JSON (a file's content); problems name the field. */
export function parseConditions(raw: unknown, where: string): Conditions {
  const parsed = conditionsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue.path.length > 0 ? issue.path.join('.') : 'conditions';
    throw new HeteroError(where, `${at}: ${issue.message}`);
  }
  const d = parsed.data;
  const base = d.extends !== undefined ? conditionsPreset(d.extends) : undefined;
  const loads: BackgroundLoad[] | undefined = d.loads?.map((l, i) => {
    const out: BackgroundLoad = { ...l, toMs: l.toMs ?? Infinity };
    if ((out.periodMs === undefined) !== (out.onMs === undefined)) {
      throw new HeteroError(where, `loads.${i}: periodMs and onMs go together`);
    }
    if (out.periodMs !== undefined && out.onMs !== undefined && out.onMs > out.periodMs) {
      throw new HeteroError(where, `loads.${i}.onMs: must be ≤ periodMs`);
    }
    if ((out.meanOnMs === undefined) !== (out.meanOffMs === undefined)) {
      throw new HeteroError(where, `loads.${i}: meanOnMs and meanOffMs go together`);
    }
    if (out.toMs <= out.fromMs) throw new HeteroError(where, `loads.${i}.toMs: must be after fromMs`);
    return out;
  });
  const ambientC = d.ambientC ?? base?.ambientC ?? ROOM_C;
  return {
    name: d.name,
    description: d.description || base?.description || '',
    ambientC,
    initialTempC: d.initialTempC ?? base?.initialTempC ?? ambientC,
    governor: d.governor ?? base?.governor ?? RUNTIME_GOVERNOR,
    thermal: d.thermal ?? base?.thermal ?? true,
    loads: loads ?? base?.loads ?? [],
    notes: d.notes ?? base?.notes,
  };
}

/** A preset name, or a JSON file of conditions (see parseConditions). */
export function loadConditions(nameOrFile: string): Conditions {
  if (Object.hasOwn(CONDITION_PRESETS, nameOrFile)) return conditionsPreset(nameOrFile);
  if (!/\.json$/i.test(nameOrFile) && !nameOrFile.includes('/') && !nameOrFile.includes('\\')) {
    return conditionsPreset(nameOrFile); // not a path: an unknown preset name
  }
  let text: string;
  try {
    text = readFileSync(nameOrFile, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new HeteroError(
      nameOrFile,
      code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? 'I/O error'})`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new HeteroError(
      nameOrFile,
      `is not valid JSON (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`,
    );
  }
  return parseConditions(raw, nameOrFile);
}

/** Checks a Conditions object built in code. */
export function validateConditions(c: Conditions): Conditions {
  return parseConditions(
    { ...c, loads: c.loads.map((l) => ({ ...l, toMs: Number.isFinite(l.toMs) ? l.toMs : null })) },
    'conditions',
  );
}
