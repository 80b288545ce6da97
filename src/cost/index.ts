// Public API of the cost module: the contract, the analytic model, its defaults and building blocks,
// measurements and fidelity metrics.
export type {
  CostModel,
  DeviceCostParams,
  EfficiencyCurve,
  OpCostBreakdown,
  ProcessorCostParams,
  RunContext,
  TensorLayout,
  TransferContext,
} from './types.js';
export { createCostModel, type AnalyticCostModel } from './model.js';
export {
  defaultComputeDType,
  defaultCostParams,
  defaultLayout,
  defaultProcessorParams,
  defaultTileChannels,
} from './defaults.js';
export { compileCurve, efficiencyAt, saturatingCurve, type CompiledCurve } from './efficiency.js';
export { MEMORY_FREQ_SENSITIVITY, MIN_DRAM_SHARE, nodeInfo, peakGflops, type NodeInfo } from './roofline.js';
export { LAYOUT_PASS_EFFICIENCY, type TransferBreakdown } from './transfer.js';
export { activePowerW, DRAM_ENERGY_PJ_PER_BYTE, POWER_FREQ_EXPONENT } from './energy.js';
export * from './measurements.js';
export * from './fidelity.js';
