// Reads the weights of a TF.js graph model: each manifest group is one byte stream split over shard
// files, holding its weights back to back. Quantized weights are expanded to their original dtype
// (float32 unless the manifest says otherwise) so that every consumer sees plain tensors.
import { HeteroError } from '../../errors.js';
import type { ConstTensor, DType } from '../../graph/types.js';
import { dtypeBytes } from '../../graph/types.js';
import { dtypeOfManifest } from './dtypes.js';
import type { WeightGroupJson, WeightJson } from './model-json.js';

/** Returns a shard's bytes by its manifest path (relative to model.json); throws HeteroError if absent. */
export type ShardReader = (path: string) => Uint8Array;

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** IEEE half bits → number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Bytes that string weights take: each element is a uint32 LE length followed by its bytes. */
function stringBytes(bytes: Uint8Array, at: number, count: number, where: string): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = at;
  for (let k = 0; k < count; k++) {
    if (p + 4 > bytes.length) throw new HeteroError(where, 'string weight runs past the end of its shards');
    p += 4 + view.getUint32(p, true);
  }
  return p - at;
}

/** Expands quantized values to float32 (or int32 when that was the original dtype). */
function dequantize(w: WeightJson, raw: Uint8Array, count: number, where: string): ConstTensor {
  const q = w.quantization!;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const original: DType = q.original_dtype === 'int32' ? 'int32' : 'float32';
  const out = new Uint8Array(count * 4);
  const outView = new DataView(out.buffer);
  const put = (k: number, v: number): void => {
    if (original === 'int32') outView.setInt32(k * 4, Math.round(v), true);
    else outView.setFloat32(k * 4, v, true);
  };
  if (q.dtype === 'float16') {
    for (let k = 0; k < count; k++) put(k, halfToFloat(view.getUint16(k * 2, true)));
  } else if (q.dtype === 'uint8' || q.dtype === 'uint16') {
    if (q.scale === undefined || q.min === undefined) {
      throw new HeteroError(where, `weight "${w.name}": ${q.dtype} quantization needs "scale" and "min"`);
    }
    const { scale, min } = q;
    for (let k = 0; k < count; k++) {
      const v = q.dtype === 'uint8' ? view.getUint8(k) : view.getUint16(k * 2, true);
      put(k, v * scale + min);
    }
  } else {
    throw new HeteroError(where, `weight "${w.name}": unsupported quantization dtype "${q.dtype}"`);
  }
  return { dtype: original, shape: w.shape, data: out };
}

/** Stored bytes per element of a weight (its quantized dtype when quantized). */
function storedElementBytes(w: WeightJson, where: string): { dtype: DType; bytes: number } {
  const name = w.quantization?.dtype ?? w.dtype;
  const dtype = dtypeOfManifest(name);
  if (!dtype) throw new HeteroError(where, `weight "${w.name}" has unknown dtype "${name}"`);
  return { dtype, bytes: dtypeBytes(dtype) };
}

/**
 * Decodes every weight of every group. `where` names model.json; errors about bytes name the shard.
 * The returned tensors own copies of their bytes (aligned, independent of the shard buffers).
 */
export function readWeights(
  groups: readonly WeightGroupJson[],
  readShard: ShardReader,
  where: string,
): Map<string, ConstTensor> {
  const out = new Map<string, ConstTensor>();
  groups.forEach((g, gi) => {
    if (g.weights.length > 0 && g.paths.length === 0) {
      throw new HeteroError(where, `weightsManifest[${gi}] lists weights but no shard paths`);
    }
    const bytes = concat(g.paths.map(readShard));
    const lastShard = g.paths[g.paths.length - 1] ?? where;
    let at = 0;
    for (const w of g.weights) {
      const count = w.shape.reduce((a, b) => a * b, 1);
      const stored = storedElementBytes(w, where);
      const size =
        stored.dtype === 'string' ? stringBytes(bytes, at, count, lastShard) : count * stored.bytes;
      if (at + size > bytes.length) {
        throw new HeteroError(
          lastShard,
          `shards of weightsManifest[${gi}] hold ${bytes.length} bytes but weight "${w.name}" needs bytes ${at}..${at + size}`,
        );
      }
      const raw = bytes.slice(at, at + size);
      at += size;
      if (w.quantization && w.quantization.dtype !== w.dtype) {
        out.set(w.name, dequantize(w, raw, count, where));
      } else {
        out.set(w.name, { dtype: stored.dtype, shape: w.shape, data: raw });
      }
    }
  });
  return out;
}
