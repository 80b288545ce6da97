// Inputs for profiling runs: seeded random data of each input's dtype and shape, or the known value
// of a small control input (e.g. silero's sample rate), which decides which branch runs.
import * as ort from 'onnxruntime-node';
import { HeteroError } from '../errors.js';
import type { Graph, TensorInfo } from '../graph/types.js';
import { numel } from '../graph/types.js';
import { mulberry32 } from '../random.js';

/** Feeds for every non-constant graph input. `values` override random data. */
export function makeFeeds(
  graph: Graph,
  values: Record<string, number[]> = {},
  seed = 1,
): Record<string, ort.Tensor> {
  const rand = mulberry32(seed);
  const feeds: Record<string, ort.Tensor> = {};
  for (const name of graph.inputs) {
    const info = graph.tensors.get(name);
    if (!info || info.constant) continue;
    feeds[name] = makeTensor(info, values[name] ?? info.value, rand, graph.name);
  }
  return feeds;
}

function makeTensor(
  info: TensorInfo,
  known: number[] | undefined,
  rand: () => number,
  where: string,
): ort.Tensor {
  const count = numel(info.shape);
  if (count === undefined || !info.shape) {
    throw new HeteroError(
      where,
      `input "${info.name}" has no fixed shape ${JSON.stringify(info.shape)}: give --input ${info.name}=DIMS`,
    );
  }
  const dims = info.shape as number[];
  // Known values repeat to fill the tensor; ints otherwise get small valid ids/masks (0 or 1).
  const at = (i: number, randomValue: () => number): number =>
    known && known.length > 0 ? known[i % known.length] : randomValue();
  const float = (): number => rand() * 2 - 1;
  const small = (): number => (rand() < 0.5 ? 0 : 1);
  switch (info.dtype) {
    case 'float32':
      return new ort.Tensor(
        'float32',
        Float32Array.from({ length: count }, (_, i) => at(i, float)),
        dims,
      );
    case 'float64':
      return new ort.Tensor(
        'float64',
        Float64Array.from({ length: count }, (_, i) => at(i, float)),
        dims,
      );
    case 'int64':
      return new ort.Tensor(
        'int64',
        BigInt64Array.from({ length: count }, (_, i) => BigInt(Math.trunc(at(i, small)))),
        dims,
      );
    case 'int32':
      return new ort.Tensor(
        'int32',
        Int32Array.from({ length: count }, (_, i) => at(i, small)),
        dims,
      );
    case 'int8':
      return new ort.Tensor(
        'int8',
        Int8Array.from({ length: count }, (_, i) => at(i, small)),
        dims,
      );
    case 'uint8':
      return new ort.Tensor(
        'uint8',
        Uint8Array.from({ length: count }, (_, i) => at(i, small)),
        dims,
      );
    case 'bool':
      return new ort.Tensor(
        'bool',
        Uint8Array.from({ length: count }, (_, i) => (at(i, small) ? 1 : 0)),
        dims,
      );
    default:
      throw new HeteroError(
        where,
        `input "${info.name}" has dtype ${info.dtype}, which the profiler cannot feed`,
      );
  }
}
