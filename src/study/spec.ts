// The study spec: what to run (models, devices, strategies, objectives, workloads, conditions, seeds)
// and how cells are grouped into sweeps. Parsed from YAML or JSON, validated by a zod schema, then
// checked against what hetero knows (devices, strategies, presets, model names). Every error names the
// file and the field path, e.g. `study.yaml: workloads[2].fps: must be > 0`.
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { HeteroError } from '../errors.js';

const positive = z.number({ error: 'must be a number' }).positive({ error: 'must be > 0' });
const count = z.number({ error: 'must be a number' }).int({ error: 'must be an integer' });
const name = z
  .string({ error: 'must be a string' })
  .min(1, { error: 'must not be empty' })
  .max(200, { error: 'is longer than 200 characters' });
const dims = z.array(count.min(1, { error: 'must be ≥ 1' }), { error: 'must be a list of dims' });

const ModelSchema = z.strictObject({
  /** Short name used in the results; default: `zoo:`/`pkg:` name, or the graph's own name for files. */
  name: name.optional(),
  /** A file path (relative to the spec), `zoo:NAME` or `pkg:NAME`. */
  source: name,
  inputs: z.record(z.string(), dims, { error: 'must map input names to dims' }).optional(),
  values: z.record(z.string(), z.array(z.number()), { error: 'must map input names to values' }).optional(),
});

const StreamSchema = z.strictObject({
  model: name,
  fps: positive,
  sloMs: positive.optional(),
});

const WorkloadSchema = z.discriminatedUnion(
  'kind',
  [
    /** Isolated inferences: one request every `everyMs` (default 200), each alone on the device. */
    z.strictObject({
      name,
      kind: z.literal('single'),
      everyMs: positive.optional(),
      sloMs: positive.optional(),
    }),
    /** Frames at a fixed rate (camera). */
    z.strictObject({ name, kind: z.literal('periodic'), fps: positive, sloMs: positive.optional() }),
    /** Random arrivals at a mean rate. */
    z.strictObject({ name, kind: z.literal('poisson'), ratePerS: positive, sloMs: positive.optional() }),
    /** Several models at once, each a periodic stream with its own rate and deadline. */
    z.strictObject({
      name,
      kind: z.literal('multi'),
      streams: z.array(StreamSchema).min(2, { error: 'needs at least two streams' }),
    }),
  ],
  { error: 'kind must be one of single, periodic, poisson, multi' },
);

const listOrAll = z.union([z.literal('all'), z.array(name).min(1, { error: 'must not be empty' })], {
  error: 'must be "all" or a list of names',
});

const SweepSchema = z.strictObject({
  name,
  /** plan: static prediction of one inference; simulate: the simulator; execute: real runs on the host. */
  run: z.enum(['plan', 'simulate', 'execute'], { error: 'must be one of plan, simulate, execute' }),
  models: listOrAll.default('all'),
  devices: listOrAll.default('all'),
  strategies: listOrAll.default('all'),
  objectives: z
    .array(z.enum(['latency', 'energy', 'throughput'], { error: 'must be latency, energy or throughput' }))
    .min(1, { error: 'must not be empty' })
    .optional(),
  workloads: listOrAll.optional(),
  conditions: listOrAll.optional(),
  seeds: z
    .array(count.min(0, { error: 'must be ≥ 0' }))
    .min(1, { error: 'must not be empty' })
    .optional(),
  /** Simulated time per cell (simulate). */
  durationMs: positive.optional(),
  /** Measured runs per cell (execute). */
  runs: count.min(1, { error: 'must be ≥ 1' }).optional(),
  /** Keep each cell's trace in the `traces` table. */
  traces: z.boolean({ error: 'must be true or false' }).default(false),
});

export const StudySpecSchema = z.strictObject({
  name,
  description: z.string().optional(),
  models: z.array(ModelSchema).min(1, { error: 'must list at least one model' }),
  devices: z.array(name).min(1, { error: 'must list at least one device' }),
  strategies: listOrAll.default('all'),
  objectives: z
    .array(z.enum(['latency', 'energy', 'throughput'], { error: 'must be latency, energy or throughput' }))
    .min(1, { error: 'must not be empty' })
    .default(['latency']),
  workloads: z.array(WorkloadSchema).default([{ name: 'single', kind: 'single' }]),
  conditions: listOrAll.default('all'),
  seeds: z
    .array(count.min(0, { error: 'must be ≥ 0' }))
    .min(1, { error: 'must not be empty' })
    .default([1]),
  durationMs: positive.default(2000),
  runs: count.min(1, { error: 'must be ≥ 1' }).default(5),
  sweeps: z.array(SweepSchema).min(1, { error: 'must list at least one sweep' }),
});

export type StudySpec = z.infer<typeof StudySpecSchema>;
export type ModelEntry = z.infer<typeof ModelSchema>;
export type WorkloadDef = z.infer<typeof WorkloadSchema>;
export type SweepDef = z.infer<typeof SweepSchema>;
export type RunKind = SweepDef['run'];

/** What the semantic checks need to know about hetero, injected so that tests can vary it. */
export interface SpecVocabulary {
  devices: readonly string[];
  strategies: readonly string[];
  conditions: readonly string[];
}

/** A study spec with every name resolved: what the cell expansion reads. */
export interface ResolvedStudy {
  spec: StudySpec;
  /** Directory relative model paths are resolved against. */
  baseDir: string;
  /** Model name → its entry (name filled in). */
  models: Map<string, ModelEntry & { name: string }>;
}

/** `a[2].b` from zod's path. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(top level)' : out;
}

/** Parses YAML or JSON text (JSON is YAML) into a validated spec; errors name `file: field`. */
export function parseStudySpec(text: string, file: string): StudySpec {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const line = e.linePos?.[0] ? ` (line ${e.linePos[0].line})` : '';
    throw new HeteroError(
      file,
      `not valid YAML${line}: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`,
    );
  }
  const raw: unknown = doc.toJS();
  if (raw === null || raw === undefined) throw new HeteroError(file, 'is empty');
  const parsed = StudySpecSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const message =
      issue.code === 'unrecognized_keys'
        ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`
        : issue.message;
    throw new HeteroError(`${file}: ${fieldPath(issue.path)}`, message);
  }
  return parsed.data;
}

export function readStudySpec(file: string): StudySpec {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new HeteroError(file, 'cannot read the study spec (no such file?)');
  }
  return parseStudySpec(text, file);
}

/** The default model name for a source: the zoo/pkg name; files are named after their graph later. */
export function defaultModelName(source: string): string | undefined {
  if (source.startsWith('zoo:') || source.startsWith('pkg:')) return source.slice(4);
  return undefined;
}

function unknown(where: string, what: string, value: string, known: readonly string[]): HeteroError {
  return new HeteroError(where, `unknown ${what} "${value}"; known: ${known.join(', ')}`);
}

/**
 * Checks every name in the spec against the vocabulary and the spec's own models and workloads.
 * `nameOfFile` gives a file model's default name (its graph name) and is only asked for unnamed files.
 */
export function resolveStudy(
  spec: StudySpec,
  file: string,
  baseDir: string,
  vocab: SpecVocabulary,
  nameOfFile: (source: string) => string,
): ResolvedStudy {
  const models = new Map<string, ModelEntry & { name: string }>();
  spec.models.forEach((m, i) => {
    const modelName = m.name ?? defaultModelName(m.source) ?? nameOfFile(m.source);
    if (models.has(modelName))
      throw new HeteroError(`${file}: models[${i}].name`, `duplicate model name "${modelName}"`);
    models.set(modelName, { ...m, name: modelName });
  });
  spec.devices.forEach((d, i) => {
    if (!vocab.devices.includes(d)) throw unknown(`${file}: devices[${i}]`, 'device', d, vocab.devices);
  });
  const checkList = (
    list: 'all' | string[] | undefined,
    where: string,
    what: string,
    known: readonly string[],
  ): void => {
    if (list === undefined || list === 'all') return;
    list.forEach((v, i) => {
      if (!known.includes(v)) throw unknown(`${file}: ${where}[${i}]`, what, v, known);
    });
  };
  checkList(spec.strategies, 'strategies', 'strategy', vocab.strategies);
  checkList(spec.conditions, 'conditions', 'conditions preset', vocab.conditions);
  const workloadNames = spec.workloads.map((w) => w.name);
  spec.workloads.forEach((w, i) => {
    if (workloadNames.indexOf(w.name) !== i)
      throw new HeteroError(`${file}: workloads[${i}].name`, `duplicate workload name "${w.name}"`);
    if (w.kind !== 'multi') return;
    w.streams.forEach((s, j) => {
      if (!models.has(s.model))
        throw unknown(`${file}: workloads[${i}].streams[${j}].model`, 'model', s.model, [...models.keys()]);
    });
  });
  const modelNames = [...models.keys()];
  const strategies = spec.strategies === 'all' ? vocab.strategies : spec.strategies;
  const conditions = spec.conditions === 'all' ? vocab.conditions : spec.conditions;
  const sweepNames = new Set<string>();
  spec.sweeps.forEach((s, i) => {
    const at = `sweeps[${i}]`;
    if (sweepNames.has(s.name)) throw new HeteroError(`${file}: ${at}.name`, `duplicate sweep "${s.name}"`);
    sweepNames.add(s.name);
    checkList(s.models, `${at}.models`, 'model', modelNames);
    checkList(s.devices, `${at}.devices`, 'device', spec.devices);
    checkList(s.strategies, `${at}.strategies`, 'strategy', strategies);
    checkList(s.workloads, `${at}.workloads`, 'workload', workloadNames);
    checkList(s.conditions, `${at}.conditions`, 'conditions preset', conditions);
    if (s.run === 'execute') {
      const devices = s.devices === 'all' ? spec.devices : s.devices;
      const phone = devices.find((d) => d !== 'host');
      if (phone !== undefined)
        throw new HeteroError(`${file}: ${at}.devices`, `execute runs only on "host", not "${phone}"`);
    }
  });
  return { spec, baseDir, models };
}
