// The Device/Processor schema. Two shapes: the catalog-file shape (every number with provenance, validated by
// zod) and the resolved shape code uses (plain numbers, provenance kept aside in `provenance`). resolve.ts turns
// the first into the second.
import { z } from 'zod';
import type { DType, OpCategory } from '../graph/types.js';
import { quantity, quantityList } from './quantity.js';

export const DTYPE_NAMES = [
  'float32',
  'float16',
  'bfloat16',
  'float64',
  'int4',
  'uint4',
  'int8',
  'uint8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'uint64',
  'bool',
  'string',
  'complex64',
  'complex128',
  'float8',
  'unknown',
] as const satisfies readonly DType[];

export const OP_CATEGORY_NAMES = [
  'conv',
  'depthwise-conv',
  'matmul',
  'elementwise',
  'pooling',
  'normalization',
  'activation',
  'data-movement',
  'reduction',
  'recurrent',
  'control-flow',
  'other',
] as const satisfies readonly OpCategory[];

// Compile-time guards: these lists must cover graph/types.ts exactly, so a new DType is not silently rejected.
type MissingDType = Exclude<DType, (typeof DTYPE_NAMES)[number]>;
type MissingCategory = Exclude<OpCategory, (typeof OP_CATEGORY_NAMES)[number]>;
const _dtypesComplete: MissingDType extends never ? true : MissingDType = true;
const _categoriesComplete: MissingCategory extends never ? true : MissingCategory = true;
void _dtypesComplete;
void _categoriesComplete;

export const PROCESSOR_KINDS = ['cpu', 'gpu', 'npu', 'dsp'] as const;
export type ProcessorKind = (typeof PROCESSOR_KINDS)[number];

export const MEMORY_TYPES = ['LPDDR4', 'LPDDR4X', 'LPDDR5', 'LPDDR5X'] as const;
export type MemoryType = (typeof MEMORY_TYPES)[number];

const idSchema = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes');
const dtypeSchema = z.enum(DTYPE_NAMES);

export const SourceSchema = z.strictObject({
  id: idSchema,
  title: z.string().min(1),
  url: z.url(),
  /** What the source is: "vendor", "review", "paper", "spec-database", "docs", "code". */
  kind: z.enum(['vendor', 'review', 'paper', 'spec-database', 'docs', 'code', 'news']).optional(),
  note: z.string().optional(),
});
export type Source = z.output<typeof SourceSchema>;

const OpSupportSchema = z.strictObject({
  /** Key of a table in op-support/ (e.g. 'tflite-gpu-delegate', 'nnapi', 'qnn-htp', 'neuron', 'cpu'). */
  runtime: z.string().min(1),
  /** Dtypes this processor computes in; others must be converted at its boundary. */
  dtypes: z.array(dtypeSchema).min(1),
  /** Coarse support by category where no op list exists; the runtime's op list wins where it exists. */
  categories: z.array(z.enum(OP_CATEGORY_NAMES)).optional(),
  /** ONNX op names this processor cannot run even though its runtime lists them. */
  unsupportedOps: z.array(z.string().min(1)),
  source: z.string().min(1),
  notes: z.string().optional(),
  /** What happens to tensors of other dtypes at the boundary, and what it costs in accuracy. */
  boundary: z.string().optional(),
});

const peakGflopsSchema = z.partialRecord(dtypeSchema, quantity({ above: 0 }));

const share = () => quantity({ above: 0, max: 1 });

export const ProcessorFileSchema = z.strictObject({
  id: idSchema,
  kind: z.enum(PROCESSOR_KINDS),
  name: z.string().min(1),
  cores: quantity({ integer: true, min: 1 }).optional(),
  clusters: quantity({ integer: true, min: 1 }).optional(),
  freqMHz: z.strictObject({
    max: quantity({ above: 0 }),
    min: quantity({ above: 0 }).optional(),
    levels: quantityList({ above: 0 }).optional(),
  }),
  /** GFLOPS for float types, GOPS for integer types (1 TOPS = 1000). */
  peakGflops: peakGflopsSchema,
  memBandwidthGBps: quantity({ above: 0 }),
  /** Per-kernel launch overhead. */
  dispatchUs: quantity({ min: 0 }),
  supports: OpSupportSchema,
  power: z.strictObject({ idleW: quantity({ min: 0 }), activeW: quantity({ above: 0 }) }),
  sustained: z
    .strictObject({ freqShare: share().optional(), gflopsShare: share().optional() })
    .refine((s) => s.freqShare !== undefined || s.gflopsShare !== undefined, 'needs freqShare or gflopsShare')
    .optional(),
  notes: z.string().optional(),
});

export const DeviceFileSchema = z
  .strictObject({
    $schema: z.string().optional(),
    id: idSchema,
    name: z.string().min(1),
    soc: z.string().min(1),
    vendor: z.string().min(1),
    year: quantity({ integer: true, min: 2000, max: 2100 }),
    processors: z.array(ProcessorFileSchema).min(1),
    memory: z.strictObject({
      type: z.enum(MEMORY_TYPES),
      channels: quantity({ integer: true, min: 1 }),
      dataRateMTps: quantity({ above: 0 }),
      bandwidthGBps: quantity({ above: 0 }),
      capacityMB: quantity({ above: 0 }),
      unified: z.literal(true),
    }),
    thermal: z.strictObject({
      sustainedPowerW: quantity({ above: 0 }),
      maxSkinTempC: quantity({ above: 0 }).optional(),
      throttleStartTempC: quantity({ above: 0 }).optional(),
      thermalResistanceCPerW: quantity({ above: 0 }).optional(),
      thermalCapacitanceJPerC: quantity({ above: 0 }).optional(),
    }),
    sources: z.array(SourceSchema).min(1),
    notes: z.string().optional(),
  })
  .superRefine((device, ctx) => {
    const seen = new Set<string>();
    device.processors.forEach((p, i) => {
      if (seen.has(p.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['processors', i, 'id'],
          message: `duplicate processor id "${p.id}"`,
        });
      }
      seen.add(p.id);
    });
    const sourceIds = new Set(device.sources.map((s) => s.id));
    for (const { path, source } of sourceRefs(device)) {
      if (!/^https?:\/\//.test(source) && !sourceIds.has(source)) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'source'],
          message: `source "${source}" is neither a URL nor the id of an entry in "sources"`,
        });
      }
    }
  });

/** Every `source` string in a parsed device file, with the path of the object that holds it. */
function sourceRefs(
  node: unknown,
  path: (string | number)[] = [],
): { path: (string | number)[]; source: string }[] {
  if (Array.isArray(node)) return node.flatMap((item, i) => sourceRefs(item, [...path, i]));
  if (typeof node !== 'object' || node === null) return [];
  const refs: { path: (string | number)[]; source: string }[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key === 'source' && typeof value === 'string') refs.push({ path, source: value });
    else if (key !== 'sources') refs.push(...sourceRefs(value, [...path, key]));
  }
  return refs;
}

export type DeviceFile = z.input<typeof DeviceFileSchema>;
export type ProcessorFile = z.input<typeof ProcessorFileSchema>;

// ---- resolved shape: plain numbers for code ----

export interface OpSupport {
  runtime: string;
  dtypes: DType[];
  categories?: OpCategory[];
  unsupportedOps: string[];
  source: string;
  notes?: string;
  boundary?: string;
}

export interface Processor {
  id: string;
  kind: ProcessorKind;
  name: string;
  cores?: number;
  clusters?: number;
  freqMHz: { max: number; min?: number; levels?: number[] };
  /** GFLOPS for float types, GOPS for integer types. */
  peakGflops: Partial<Record<DType, number>>;
  memBandwidthGBps: number;
  dispatchUs: number;
  supports: OpSupport;
  power: { idleW: number; activeW: number };
  /** Share of peak kept under sustained (thermally limited) load. */
  sustained?: { freqShare?: number; gflopsShare?: number };
  /**
   * Id of the processor whose cores this one is part of (the host's per-core workers `cpu0`, `cpu1`
   * are cores of `cpu`): a plan uses the whole or its parts, never both, or it would oversubscribe.
   */
  partOf?: string;
  notes?: string;
}

export interface Memory {
  type: MemoryType;
  channels: number;
  dataRateMTps: number;
  bandwidthGBps: number;
  capacityMB: number;
  unified: true;
}

export interface Thermal {
  sustainedPowerW: number;
  maxSkinTempC?: number;
  throttleStartTempC?: number;
  thermalResistanceCPerW?: number;
  thermalCapacitanceJPerC?: number;
}

/** Where one number came from; keyed in `Device.provenance` by path, e.g. "processors.gpu.peakGflops.float32". */
export interface Provenance {
  unit?: string;
  /** The cited source (resolved from an id to the full entry) or a URL. */
  source?: Source | { url: string };
  estimated: boolean;
  reasoning?: string;
  note?: string;
}

export interface Device {
  id: string;
  name: string;
  soc: string;
  vendor: string;
  year: number;
  processors: Processor[];
  memory: Memory;
  thermal: Thermal;
  sources: Source[];
  notes?: string;
  provenance: Record<string, Provenance>;
}
