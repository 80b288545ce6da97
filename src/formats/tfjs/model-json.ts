// The shape of a TF.js graph model's model.json, validated with zod so that a wrong file is refused with
// one line naming the field rather than crashing somewhere in the importer.
import { z } from 'zod';
import { HeteroError } from '../../errors.js';

// int64 fields are strings in proto3 JSON; small ones sometimes arrive as numbers.
const int64 = z.union([z.string(), z.number()]);
// floats may be the strings "NaN" / "Infinity" in proto3 JSON.
const float = z.union([z.number(), z.string()]);

const shapeJson = z.looseObject({
  dim: z.array(z.looseObject({ size: int64.optional(), name: z.string().optional() })).optional(),
  unknownRank: z.boolean().optional(),
});

const tensorJson = z.looseObject({
  dtype: z.string().optional(),
  tensorShape: shapeJson.optional(),
  tensorContent: z.string().optional(),
  floatVal: z.array(float).optional(),
  doubleVal: z.array(float).optional(),
  halfVal: z.array(int64).optional(),
  intVal: z.array(int64).optional(),
  int64Val: z.array(int64).optional(),
  uint32Val: z.array(int64).optional(),
  uint64Val: z.array(int64).optional(),
  boolVal: z.array(z.boolean()).optional(),
  stringVal: z.array(z.string()).optional(),
});

const attrJson = z.looseObject({
  s: z.string().optional(),
  i: int64.optional(),
  f: float.optional(),
  b: z.boolean().optional(),
  type: z.string().optional(),
  shape: shapeJson.optional(),
  tensor: tensorJson.optional(),
  func: z.looseObject({ name: z.string() }).optional(),
  list: z
    .looseObject({
      s: z.array(z.string()).optional(),
      i: z.array(int64).optional(),
      f: z.array(float).optional(),
      b: z.array(z.boolean()).optional(),
      type: z.array(z.string()).optional(),
      shape: z.array(shapeJson).optional(),
      tensor: z.array(tensorJson).optional(),
      func: z.array(z.looseObject({ name: z.string() })).optional(),
    })
    .optional(),
});

const nodeJson = z.looseObject({
  name: z.string().min(1),
  op: z.string().min(1),
  input: z.array(z.string()).optional(),
  device: z.string().optional(),
  attr: z.record(z.string(), attrJson).optional(),
});

const quantizationJson = z.looseObject({
  dtype: z.string(),
  scale: z.number().optional(),
  min: z.number().optional(),
  original_dtype: z.string().optional(),
});

const weightJson = z.looseObject({
  name: z.string(),
  shape: z.array(z.number().int().nonnegative()),
  dtype: z.string(),
  quantization: quantizationJson.optional(),
});

const groupJson = z.looseObject({ paths: z.array(z.string()), weights: z.array(weightJson) });

const signatureTensorJson = z.looseObject({
  name: z.string().optional(),
  dtype: z.string().optional(),
  tensorShape: shapeJson.optional(),
});

const signatureJson = z.looseObject({
  inputs: z.record(z.string(), signatureTensorJson).optional(),
  outputs: z.record(z.string(), signatureTensorJson).optional(),
});

const modelJson = z.looseObject({
  format: z.string().optional(),
  generatedBy: z.string().optional(),
  convertedBy: z.string().nullish(),
  modelTopology: z.looseObject({
    node: z.array(nodeJson),
    library: z.looseObject({}).optional(),
    versions: z.looseObject({ producer: z.number().optional() }).optional(),
  }),
  weightsManifest: z.array(groupJson).default([]),
  signature: signatureJson.optional(),
  userDefinedMetadata: z.looseObject({ signature: signatureJson.optional() }).optional(),
});

export type ShapeJson = z.infer<typeof shapeJson>;
export type TensorJson = z.infer<typeof tensorJson>;
export type AttrJson = z.infer<typeof attrJson>;
export type NodeJson = z.infer<typeof nodeJson>;
export type WeightJson = z.infer<typeof weightJson>;
export type WeightGroupJson = z.infer<typeof groupJson>;
export type SignatureJson = z.infer<typeof signatureJson>;
export type TfjsModelJson = z.infer<typeof modelJson>;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Says what a JSON that is not a graph model is instead, for a useful one-line refusal. */
function whyNotGraphModel(v: unknown): string | undefined {
  if (!isRecord(v)) return 'is not a JSON object';
  const topo = v.modelTopology;
  if (v.format === 'layers-model' || (isRecord(topo) && ('model_config' in topo || 'class_name' in topo))) {
    return 'is a TF.js layers model, not a graph model (convert it with tensorflowjs_converter --output_format tfjs_graph_model)';
  }
  if (v.format !== undefined && v.format !== 'graph-model')
    return `has format "${String(v.format)}", not "graph-model"`;
  if (!isRecord(topo)) {
    return 'is not a TF.js graph model (no "modelTopology" object)';
  }
  if (!Array.isArray(topo.node)) return 'is not a TF.js graph model ("modelTopology.node" is not a list)';
  return undefined;
}

/** Validates a parsed model.json; `where` names the file in errors. */
export function validateModelJson(v: unknown, where: string): TfjsModelJson {
  const why = whyNotGraphModel(v);
  if (why) throw new HeteroError(where, why);
  const r = modelJson.safeParse(v);
  if (!r.success) {
    const issue = r.error.issues[0];
    const field = issue ? issue.path.map(String).join('.') : '';
    throw new HeteroError(where, `bad graph model field "${field}": ${issue?.message ?? 'invalid'}`);
  }
  return r.data;
}

/** Parses model.json text or bytes. */
export function parseModelJson(text: string | Uint8Array, where: string): TfjsModelJson {
  const s = typeof text === 'string' ? text : new TextDecoder().decode(text);
  let v: unknown;
  try {
    v = JSON.parse(s);
  } catch (e) {
    throw new HeteroError(where, `is not valid JSON (${(e as Error).message})`);
  }
  return validateModelJson(v, where);
}

/** The signature, which converters put at the top level or under userDefinedMetadata. */
export function signatureOf(m: TfjsModelJson): SignatureJson | undefined {
  return m.signature ?? m.userDefinedMetadata?.signature;
}
