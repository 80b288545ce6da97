// A number that comes from the world carries where it came from. In catalog JSON every number is an
// object: {"value": 2.84, "unit": "GHz", "source": "<url or source id>"} or, when nothing could be found,
// {"value": 2.84, "estimated": true, "reasoning": "<how it was derived>"}. The schema rejects a bare number
// and a number with neither, so provenance cannot be forgotten.
import { z } from 'zod';

/** Shortest reasoning accepted: a word like "guess" is not a derivation. */
export const MIN_REASONING_CHARS = 12;

export interface QuantityBounds {
  /** Inclusive lower bound. */
  min?: number;
  /** Exclusive lower bound (e.g. 0 for bandwidths, clocks). */
  above?: number;
  max?: number;
  integer?: boolean;
}

const BARE_NUMBER =
  'a bare number has no provenance: write {"value": n, "source": "…"} or {"value": n, "estimated": true, "reasoning": "…"}';

const NO_PROVENANCE = 'has neither "source" nor "estimated": true with "reasoning"';

function boundedNumber(bounds: QuantityBounds): z.ZodNumber {
  let n = z.number();
  if (bounds.integer) n = n.int();
  if (bounds.min !== undefined) n = n.min(bounds.min);
  if (bounds.above !== undefined) n = n.gt(bounds.above);
  if (bounds.max !== undefined) n = n.max(bounds.max);
  return n;
}

function provenanceFields() {
  return {
    unit: z.string().min(1).optional(),
    /** A URL, or the id of an entry in the device's `sources`. */
    source: z.string().min(1).optional(),
    /** Qualifies a sourced number, e.g. "5G variant" or "derived: 4266 MT/s × 8 B". */
    note: z.string().min(1).optional(),
    estimated: z.literal(true).optional(),
    reasoning: z.string().optional(),
  };
}

interface ProvenanceLike {
  source?: string;
  estimated?: true;
  reasoning?: string;
}

function checkProvenance(q: ProvenanceLike, ctx: z.RefinementCtx): void {
  const reasoned = q.estimated === true && (q.reasoning ?? '').trim().length >= MIN_REASONING_CHARS;
  if (q.source === undefined && !reasoned) ctx.addIssue({ code: 'custom', message: NO_PROVENANCE });
  if (q.estimated === true && !reasoned) {
    ctx.addIssue({
      code: 'custom',
      path: ['reasoning'],
      message: `an estimate needs "reasoning" of at least ${MIN_REASONING_CHARS} characters`,
    });
  }
}

function objectError(issue: { code: string; input?: unknown }): string | undefined {
  if (issue.code !== 'invalid_type') return undefined;
  if (typeof issue.input === 'number') return BARE_NUMBER;
  if (issue.input === undefined) return 'is required';
  return undefined;
}

/** One sourced (or reasoned-estimate) number. */
export function quantity(bounds: QuantityBounds = {}) {
  return z
    .strictObject({ value: boundedNumber(bounds), ...provenanceFields() }, { error: objectError })
    .superRefine(checkProvenance);
}

/** A sourced list of numbers, e.g. DVFS frequency levels. */
export function quantityList(bounds: QuantityBounds = {}) {
  return z
    .strictObject(
      { values: z.array(boundedNumber(bounds)).min(1), ...provenanceFields() },
      { error: objectError },
    )
    .superRefine(checkProvenance);
}

export type Quantity = z.output<ReturnType<typeof quantity>>;
export type QuantityList = z.output<ReturnType<typeof quantityList>>;

export function isQuantity(x: unknown): x is Quantity {
  return typeof x === 'object' && x !== null && typeof (x as { value?: unknown }).value === 'number';
}

export function isQuantityList(x: unknown): x is QuantityList {
  return typeof x === 'object' && x !== null && Array.isArray((x as { values?: unknown }).values);
}
