// Op-support tables: for each runtime a processor uses (TFLite GPU delegate, NNAPI, QNN HTP, Neuron, ORT web
// EPs), the ONNX ops it accepts, each table with its source. supportsOp() answers "can this processor run this
// op in this dtype?" from the processor's dtypes, its own exclusions and its runtime's table.
import { z } from 'zod';
import { HeteroError } from '../errors.js';
import type { DType } from '../graph/types.js';
import { describeIssues } from './resolve.js';
import { DTYPE_NAMES, type Processor } from './schema.js';
import cpuTable from './op-support/cpu.json' with { type: 'json' };
import nnapiTable from './op-support/nnapi.json' with { type: 'json' };
import neuronTable from './op-support/neuron.json' with { type: 'json' };
import webgpuTable from './op-support/ort-webgpu.json' with { type: 'json' };
import webnnTable from './op-support/ort-webnn.json' with { type: 'json' };
import qnnTable from './op-support/qnn-htp.json' with { type: 'json' };
import tfliteGpuTable from './op-support/tflite-gpu-delegate.json' with { type: 'json' };

const OpEntrySchema = z.strictObject({
  /** ONNX op type; other domains as "domain:Op", e.g. "com.microsoft:QLinearAdd". */
  op: z.string().min(1),
  /** The runtime's own op name(s) this ONNX op maps to, e.g. "CONV_2D". */
  from: z.string().min(1).optional(),
  /** Restricts the op to these dtypes (e.g. QLinear* ops are int8/uint8 only). */
  dtypes: z.array(z.enum(DTYPE_NAMES)).min(1).optional(),
  note: z.string().min(1).optional(),
});

export const OpSupportTableSchema = z
  .strictObject({
    runtime: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    title: z.string().min(1),
    source: z.url(),
    sources: z.array(z.url()).optional(),
    dtypes: z.array(z.enum(DTYPE_NAMES)).min(1),
    /** The runtime implements every op of the default ONNX domain (the CPU fallback). */
    allOps: z.boolean().optional(),
    notes: z.string().optional(),
    ops: z.array(OpEntrySchema),
  })
  .refine((t) => t.allOps === true || t.ops.length > 0, 'a table lists ops unless "allOps" is true');

export type OpSupportTable = z.output<typeof OpSupportTableSchema>;
export type OpEntry = z.output<typeof OpEntrySchema>;

const RAW_TABLES: readonly [string, unknown][] = [
  ['cpu.json', cpuTable],
  ['nnapi.json', nnapiTable],
  ['neuron.json', neuronTable],
  ['ort-webgpu.json', webgpuTable],
  ['ort-webnn.json', webnnTable],
  ['qnn-htp.json', qnnTable],
  ['tflite-gpu-delegate.json', tfliteGpuTable],
];

let tables: Map<string, OpSupportTable> | undefined;

/** Validates a parsed op-support table; `where` names the file in errors. */
export function resolveOpSupportTable(json: unknown, where: string): OpSupportTable {
  const parsed = OpSupportTableSchema.safeParse(json);
  if (!parsed.success) throw new HeteroError(where, describeIssues(parsed.error.issues, json));
  return parsed.data;
}

function loadTables(): Map<string, OpSupportTable> {
  tables ??= new Map(
    RAW_TABLES.map(([file, json]) => {
      const table = resolveOpSupportTable(json, `src/hardware/op-support/${file}`);
      return [table.runtime, table];
    }),
  );
  return tables;
}

export function listOpSupportTables(): OpSupportTable[] {
  return [...loadTables().values()];
}

export function getOpSupportTable(runtime: string): OpSupportTable {
  const table = loadTables().get(runtime);
  if (!table) {
    throw new HeteroError(
      'runtime',
      `unknown runtime "${runtime}"; known: ${[...loadTables().keys()].join(', ')}`,
    );
  }
  return table;
}

export interface OpSupportAnswer {
  supported: boolean;
  /** Why not (when unsupported). */
  reason?: string;
  /** Conditions the runtime attaches to a supported op (e.g. "only 2-D"). */
  note?: string;
}

/** Whether `processor` can run ONNX op `opType` ("Conv", or "com.microsoft:QLinearAdd") on `dtype` tensors. */
export function supportsOp(processor: Processor, opType: string, dtype: DType): OpSupportAnswer {
  const { supports } = processor;
  const who = `${processor.id} (${processor.name})`;
  if (!supports.dtypes.includes(dtype)) {
    const boundary = supports.boundary ? `; ${supports.boundary}` : '';
    return {
      supported: false,
      reason: `${who} computes in ${supports.dtypes.join('/')}, not ${dtype}${boundary}`,
    };
  }
  if (supports.unsupportedOps.includes(opType)) {
    return { supported: false, reason: `${who} does not run ${opType} (${supports.source})` };
  }
  const table = getOpSupportTable(supports.runtime);
  if (table.allOps) return { supported: true };
  const entry = table.ops.find((e) => e.op === opType);
  if (!entry) {
    return {
      supported: false,
      reason: `${opType} is not in the ${table.title} op list (${table.source}); it falls back to the CPU`,
    };
  }
  if (entry.dtypes && !entry.dtypes.includes(dtype)) {
    return { supported: false, reason: `${table.title} runs ${opType} only on ${entry.dtypes.join('/')}` };
  }
  return entry.note ? { supported: true, note: entry.note } : { supported: true };
}
