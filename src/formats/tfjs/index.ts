// TF.js graph-model importer. Its op rules (domain 'tf') live with the others in graph/ops/.

export {
  importTfjsBytes,
  importTfjsFile,
  importTfjsFileWithNotes,
  importTfjsModel,
  importTfjsObject,
  folderShardReader,
  tfTensorName,
  TF_DOMAIN,
} from './import.js';
export type { TfjsImport, TfjsImportOptions } from './import.js';
export { parseModelJson, validateModelJson, signatureOf } from './model-json.js';
export type { TfjsModelJson } from './model-json.js';
export { decodeAttr, decodeAttrs, decodeTensor } from './parse-attrs.js';
export { readWeights, halfToFloat } from './weights.js';
export type { ShardReader } from './weights.js';
