// Bytes -> ModelProto, turning every protobuf failure into a one-line user error.
import { has, int64ToNumber, onnx, type ModelProto } from './proto.js';
import { onnxError } from './user-error.js';

/** Decode and sanity-check a ModelProto; `where` names the file in errors. */
export function decodeModel(bytes: Uint8Array, where: string): ModelProto {
  if (bytes.byteLength === 0) throw onnxError(where, 'is empty, not an ONNX model');
  let model: ReturnType<typeof onnx.ModelProto.decode>;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    // protobufjs throws RangeError ("index out of range") on truncation and Error on bad wire types.
    const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw onnxError(where, `is not an ONNX model (protobuf decoding failed: ${why})`);
  }
  const irVersion = int64ToNumber(model.irVersion);
  if (!has(model, 'irVersion') || irVersion <= 0 || irVersion > 1000) {
    throw onnxError(where, 'is not an ONNX model (no valid ir_version)');
  }
  const graph = model.graph;
  if (!graph) throw onnxError(where, 'is not an ONNX model (no graph)');
  if ((graph.node ?? []).length === 0 && (graph.output ?? []).length === 0) {
    throw onnxError(where, 'is not an ONNX model (graph has neither nodes nor outputs)');
  }
  for (const o of model.opsetImport) {
    const version = int64ToNumber(o.version);
    if (!Number.isSafeInteger(version) || version < 1) {
      throw onnxError(where, `invalid opset version ${version} for domain "${o.domain}"`);
    }
  }
  return model;
}
