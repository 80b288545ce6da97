// Published whole-model latencies of catalog phones, per processor (src/cost/published/*.json), and
// the graphs they map to. Every point names its source document and the place in it (table, row,
// column); an assumption about a point (which IP NNAPI chose, the dtype a GPU backend ran in, an
// input size the source does not restate) is marked `…Estimated: true` with its reasoning, as the
// device catalog does for numbers.
import { z } from 'zod';
import { HeteroError } from '../errors.js';
import { inferShapes } from '../graph/shape-inference.js';
import type { Graph } from '../graph/types.js';
import { getDevice } from '../hardware/catalog.js';
import { DTYPE_NAMES, SourceSchema } from '../hardware/schema.js';
import { buildZoo, zooEntry } from '../zoo/index.js';
import { mobilenetV1 } from '../zoo/posenet.js';
import paddleLiteBenchmark from './published/paddle-lite-benchmark.json' with { type: 'json' };
import paddleLiteNnapi from './published/paddle-lite-nnapi.json' with { type: 'json' };
import qualcommAiHub from './published/qualcomm-ai-hub.json' with { type: 'json' };
import { deployGraph } from '../frontend/load.js';

/** Raw dataset files by name (exported for tests that walk the raw JSON). */
export const PUBLISHED_FILES: Readonly<Record<string, unknown>> = {
  'paddle-lite-benchmark.json': paddleLiteBenchmark,
  'paddle-lite-nnapi.json': paddleLiteNnapi,
  'qualcomm-ai-hub.json': qualcommAiHub,
};

/** Models the dataset may name: zoo entries plus the builders defined here. */
export const PUBLISHED_MODEL_KEYS = [
  'mobilenetv1',
  'mobilenetv2',
  'mobilenetv3-large',
  'resnet50',
  'inceptionv3',
  'vit-b16',
] as const;
export type PublishedModelKey = (typeof PUBLISHED_MODEL_KEYS)[number];

const MIN_REASONING_CHARS = 12;

const reasoned = (flag: string, why: string) => (p: Record<string, unknown>) =>
  p[flag] !== true || (typeof p[why] === 'string' && (p[why] as string).trim().length >= MIN_REASONING_CHARS);

export const PublishedPointSchema = z
  .strictObject({
    /** Unique across the dataset. */
    id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/),
    /** Catalog device id (src/hardware/catalog). */
    device: z.string().min(1),
    /** The phone the source measured. */
    phone: z.string().min(1),
    /** Catalog processor id the run used. */
    processor: z.string().min(1),
    processorEstimated: z.literal(true).optional(),
    processorReasoning: z.string().optional(),
    /** Framework and delegate / backend as published. */
    runtime: z.string().min(1),
    /** CPU threads (CPU points only). */
    threads: z.number().int().min(1).optional(),
    /** DType the processor computed in. */
    dtype: z.enum(DTYPE_NAMES),
    dtypeEstimated: z.literal(true).optional(),
    dtypeReasoning: z.string().optional(),
    /** The model's name as published. */
    publishedModel: z.string().min(1),
    /** The graph hetero builds for it. */
    model: z.enum(PUBLISHED_MODEL_KEYS),
    inputShape: z.array(z.number().int().min(1)).length(4),
    inputEstimated: z.literal(true).optional(),
    inputReasoning: z.string().optional(),
    /** Whole-model latency as published (ms). */
    latencyMs: z.number().positive(),
    /** Id of an entry in the file's `sources`. */
    source: z.string().min(1),
    /** Where in the source: section, table, row, column. */
    where: z.string().min(8),
    note: z.string().optional(),
  })
  .refine(reasoned('processorEstimated', 'processorReasoning'), 'processorEstimated needs processorReasoning')
  .refine(reasoned('dtypeEstimated', 'dtypeReasoning'), 'dtypeEstimated needs dtypeReasoning')
  .refine(reasoned('inputEstimated', 'inputReasoning'), 'inputEstimated needs inputReasoning');

export type PublishedPoint = z.output<typeof PublishedPointSchema>;

export const PublishedFileSchema = z
  .strictObject({
    description: z.string().min(1),
    sources: z.array(SourceSchema).min(1),
    points: z.array(PublishedPointSchema).min(1),
  })
  .superRefine((file, ctx) => {
    const ids = new Set(file.sources.map((s) => s.id));
    file.points.forEach((p, i) => {
      if (!ids.has(p.source)) {
        ctx.addIssue({
          code: 'custom',
          path: ['points', i, 'source'],
          message: `unknown source "${p.source}"`,
        });
      }
    });
  });

export type PublishedFile = z.output<typeof PublishedFileSchema>;
export type PublishedSource = PublishedFile['sources'][number];

export interface PublishedDataset {
  points: PublishedPoint[];
  /** Sources by id, across files. */
  sources: Map<string, PublishedSource>;
}

/** Validates one file's JSON against the schema and the catalog (device, processor, model input). */
export function parsePublishedFile(json: unknown, where: string): PublishedFile {
  const parsed = PublishedFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new HeteroError(where, `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  parsed.data.points.forEach((p, i) => {
    const at = `${where}: points.${i} (${p.id})`;
    const device = getDevice(p.device);
    const proc = device.processors.find((q) => q.id === p.processor);
    if (!proc) throw new HeteroError(at, `device ${p.device} has no processor "${p.processor}"`);
    if ((proc.kind === 'cpu') !== (p.threads !== undefined)) {
      throw new HeteroError(at, 'threads must be given for CPU points and only for them');
    }
    if (proc.peakGflops[p.dtype] === undefined) {
      throw new HeteroError(at, `${p.device}/${p.processor} has no catalogued peak for ${p.dtype}`);
    }
    checkInputShape(p.model, p.inputShape, at);
  });
  return parsed.data;
}

let dataset: PublishedDataset | undefined;

/** The whole dataset, validated once. */
export function loadPublishedDataset(): PublishedDataset {
  if (!dataset) {
    const points: PublishedPoint[] = [];
    const sources = new Map<string, PublishedSource>();
    for (const [name, json] of Object.entries(PUBLISHED_FILES)) {
      const file = parsePublishedFile(json, `src/cost/published/${name}`);
      for (const s of file.sources) {
        if (sources.has(s.id)) throw new HeteroError(name, `duplicate source id "${s.id}"`);
        sources.set(s.id, s);
      }
      points.push(...file.points);
    }
    const seen = new Set<string>();
    for (const p of points) {
      if (seen.has(p.id)) throw new HeteroError('src/cost/published', `duplicate point id "${p.id}"`);
      seen.add(p.id);
    }
    dataset = { points, sources };
  }
  return dataset;
}

// ---- models ----------------------------------------------------------------------------------------

function checkInputShape(model: PublishedModelKey, shape: number[], at: string): void {
  const [n, c, h, w] = shape as [number, number, number, number];
  if (model === 'mobilenetv1') {
    if (n !== 1 || c !== 3 || h !== w)
      throw new HeteroError(at, `mobilenetv1 takes [1,3,S,S], not [${shape}]`);
    return;
  }
  const zooShape = zooEntry(model).inputs.input;
  if (!zooShape || zooShape.join(',') !== shape.join(',')) {
    throw new HeteroError(at, `zoo model ${model} is built at [${zooShape}], the point says [${shape}]`);
  }
}

// ---- the graph as the benchmarked runtimes run it ----------------------------------------------------

/** Ops a preceding Conv/Gemm/Add absorbs: TFLite's fused_activation_function (RELU, RELU6) and Paddle
 * Lite's conv/elementwise activation fuse passes both cover ReLU and ReLU6 (= Clip(0, 6)). */
const graphCache = new Map<string, Graph>();

/**
 * The shape-inferred graph a point's model maps to, as the runtimes run it (deployGraph), cached per
 * model and input shape.
 */
export function publishedModelGraph(model: PublishedModelKey, inputShape: number[]): Graph {
  const key = `${model}@${inputShape.join('x')}`;
  let g = graphCache.get(key);
  if (!g) {
    checkInputShape(model, inputShape, key);
    g = deployGraph(
      model === 'mobilenetv1' ? inferShapes(mobilenetV1(inputShape[2])).graph : buildZoo(model),
    );
    graphCache.set(key, g);
  }
  return g;
}
