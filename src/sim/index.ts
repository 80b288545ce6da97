// The simulator's public API: run plans through time under workloads and conditions (simulate), and
// the parsers and presets that describe those.
export type * from './types.js';
export { simulate, idleRequestMs } from './simulate.js';
export { parseWorkload, validateWorkload, DEFAULT_POLICY, deadlineOf } from './workload.js';
export {
  CONDITION_PRESETS,
  conditionsPreset,
  conditionPresetNames,
  loadConditions,
  parseConditions,
} from './conditions.js';
export { planForSimulation, type ModelToPlan } from './plan-models.js';
export { compilePlan, type JobTemplate } from './compile.js';
export { parseDurationMs, parseRatePerS } from './units.js';
