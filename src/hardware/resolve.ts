// Catalog-file shape → the plain-number Device code uses. Validation errors become one-line HeteroErrors that
// name the file and the field path; provenance is kept in `device.provenance`, keyed by field path.
import type { z } from 'zod';
import { HeteroError } from '../errors.js';
import { isQuantity, isQuantityList } from './quantity.js';
import { DeviceFileSchema, type Device, type Provenance, type Source } from './schema.js';

/** Validates a parsed catalog file and flattens it. `where` names the file in error messages. */
export function resolveDevice(json: unknown, where = 'device'): Device {
  const parsed = DeviceFileSchema.safeParse(json);
  if (!parsed.success) throw new HeteroError(where, describeIssues(parsed.error.issues, json));
  const raw = parsed.data;
  const sourcesById = new Map(raw.sources.map((s) => [s.id, s]));
  const provenance: Record<string, Provenance> = {};
  const flat = flatten(raw, [], provenance, sourcesById);
  // The schema guarantees the shape; flatten only swaps each quantity object for its number.
  return { ...(flat as Omit<Device, 'provenance'>), provenance };
}

type Issue = z.core.$ZodIssue;

/** "processors[2] (gpu).memBandwidthGBps.value: Too small: expected number to be >0 (+1 more problem)". */
export function describeIssues(issues: readonly Issue[], input: unknown): string {
  const first = issues[0];
  if (!first) return 'invalid';
  const more =
    issues.length > 1 ? ` (+${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  const path = formatPath(first.path, input);
  return `${path ? `${path}: ` : ''}${first.message}${more}`;
}

function formatPath(path: readonly PropertyKey[], input: unknown): string {
  let text = '';
  let node: unknown = input;
  for (const key of path) {
    const step = typeof key === 'number' ? `[${key}]` : `${text ? '.' : ''}${String(key)}`;
    node = isRecord(node) || Array.isArray(node) ? (node as Record<PropertyKey, unknown>)[key] : undefined;
    // Name list items by their id where they have one: "processors[2] (gpu)".
    const id =
      typeof key === 'number' && isRecord(node) && typeof node.id === 'string' ? ` (${node.id})` : '';
    text += step + id;
  }
  return text;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function provenanceOf(q: Record<string, unknown>, sourcesById: Map<string, Source>): Provenance {
  const p: Provenance = { estimated: q.estimated === true };
  if (typeof q.unit === 'string') p.unit = q.unit;
  if (typeof q.source === 'string') p.source = sourcesById.get(q.source) ?? { url: q.source };
  if (typeof q.reasoning === 'string') p.reasoning = q.reasoning;
  if (typeof q.note === 'string') p.note = q.note;
  return p;
}

function flatten(
  node: unknown,
  path: string[],
  provenance: Record<string, Provenance>,
  sourcesById: Map<string, Source>,
): unknown {
  if (isQuantity(node) || isQuantityList(node)) {
    provenance[path.join('.')] = provenanceOf(node as Record<string, unknown>, sourcesById);
    return isQuantity(node) ? node.value : [...node.values];
  }
  if (Array.isArray(node)) {
    // Items with an id are addressed by it ("processors.gpu"), others by index.
    return node.map((item, i) => {
      const key = isRecord(item) && typeof item.id === 'string' ? item.id : String(i);
      return flatten(item, [...path, key], provenance, sourcesById);
    });
  }
  if (!isRecord(node)) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$schema') continue;
    if (key === 'sources' && path.length === 0) out[key] = value;
    else out[key] = flatten(value, [...path, key], provenance, sourcesById);
  }
  return out;
}
