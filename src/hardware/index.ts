// Public API of the hardware module: the Device/Processor schema, the built-in catalog and op support.
export {
  DTYPE_NAMES,
  OP_CATEGORY_NAMES,
  PROCESSOR_KINDS,
  MEMORY_TYPES,
  DeviceFileSchema,
  ProcessorFileSchema,
  SourceSchema,
  type Device,
  type DeviceFile,
  type Memory,
  type OpSupport,
  type Processor,
  type ProcessorFile,
  type ProcessorKind,
  type Provenance,
  type Source,
  type Thermal,
} from './schema.js';
export { quantity, quantityList, type Quantity, type QuantityList } from './quantity.js';
export { resolveDevice } from './resolve.js';
export { CATALOG_FILES, getDevice, listDevices, loadDeviceFile } from './catalog.js';
export {
  getOpSupportTable,
  listOpSupportTables,
  resolveOpSupportTable,
  supportsOp,
  type OpEntry,
  type OpSupportAnswer,
  type OpSupportTable,
} from './op-support.js';
