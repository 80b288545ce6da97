// hetero's public library API: everything the CLI does, a program can do with these.
export { HeteroError, isHeteroError } from './errors.js';

// The graph IR, shape inference, costs and DAG utilities.
export * from './graph/types.js';
export { inferShapes, type InferOptions, type InferResult } from './graph/shape-inference.js';
export { nodeCost, graphCost, costAssumptions, type GraphCost } from './graph/cost.js';
export {
  criticalPath,
  dependencies,
  extractSubgraph,
  nodeInputs,
  outerScopeReads,
  parallelWidth,
  topologicalOrder,
  type CriticalPath,
  type Dependencies,
} from './graph/dag.js';
export { summarize, countParams, peakActivationBytes, type GraphSummary } from './graph/summary.js';
export {
  registerOp,
  lookupOp,
  knownOps,
  type OpDef,
  type OpContext,
  type OutputInfo,
} from './graph/ops/index.js';

// Model formats.
export { importOnnxFile, importOnnxBytes, exportOnnx, exportOnnxFile } from './formats/onnx/index.js';
export type { ImportOnnxOptions, ExportOnnxOptions } from './formats/onnx/index.js';
export { importTfjsFile, importTfjsFileWithNotes, importTfjsObject } from './formats/tfjs/index.js';

// The architecture zoo and the real models npm packages ship.
export { buildZoo, zooNames, zooEntries, zooEntry, GraphBuilder, type ZooEntry } from './zoo/index.js';
export {
  PACKAGED_MODELS,
  packagedModel,
  resolvePackagedModel,
  type PackagedModel,
} from './frontend/packaged-models.js';

// From a user's model argument to a shape-inferred graph.
export { loadModel, type LoadedModel, type LoadOptions } from './frontend/load.js';
export { parseInputSpec, resolveInputSpecs, type InputShapeSpec } from './frontend/input-spec.js';

// Devices: the sourced SoC catalog, the schema and op support per processor/runtime.
export * from './hardware/index.js';

// Cost: the analytic model, its calibrations (host measurements, published phone latencies) and fidelity.
export * from './cost/index.js';
export { deviceWithCost, type DeviceWithCost } from './cost/for-device.js';
export { calibrateHost, type HostCalibration, type ProfiledModel } from './cost/calibrate-host.js';
export { validateHost, predictGraphMs, type ValidationReport } from './cost/validate-host.js';
export { measurementRepeatability, type MeasurementRepeatability } from './cost/repeatability.js';
export { loadPhoneCalibration, phoneFidelity, type PhoneFidelity } from './cost/calibrate-published.js';
export {
  buildHostDevice,
  loadHost,
  saveHostFile,
  type HostFile,
  type HostMeasurements,
} from './hardware/host.js';

// Deployment rewrites.
export { deployGraph } from './frontend/load.js';
export { foldBatchNorm } from './frontend/fold-batchnorm.js';
export { fuseActivations } from './frontend/fuse-activations.js';

// Real measurements on this machine.
export { profileModel, loadProfileTarget, type ProfileOptions } from './runtime/profile.js';

// Plans: types, validation, evaluation and every strategy.
export * from './plan/types.js';
export { validatePlan, placementParts } from './plan/validate.js';
export { evaluatePlan, homeProcessor, Timeline, type EvaluateOptions } from './plan/evaluate.js';
export { pipelineThroughput } from './plan/throughput.js';
export { splitProblem } from './plan/split-rules.js';
export { makePlan, usableProcessors, canRun } from './plan/make-plan.js';
export {
  listStrategies,
  strategyNames,
  getStrategy,
  planAndEvaluate,
  planGraph,
  lowerBound,
  lowerBoundMs,
  type StrategyOutcome,
} from './plan/strategies/index.js';
export { planMulti, bandSchedule } from './plan/strategies/band.js';
export { renderGanttSvg } from './report/gantt.js';

// Simulation: plans through time under workloads and device conditions.
export * from './sim/index.js';

// Studies: specs, the parallel resumable runner, the results database and the report.
export {
  parseStudySpec,
  readStudySpec,
  resolveStudy,
  StudySpecSchema,
  type StudySpec,
  type ResolvedStudy,
} from './study/spec.js';
export { loadStudy, studyVocabulary } from './study/load.js';
export { expandCells, planKeysOf, type Cell, type CellParams, type PlanKey } from './study/cells.js';
export { runStudy, RESULTS_FILE, type RunStudyOptions, type StudyRunSummary } from './study/runner.js';
export { runCell } from './study/run-cell.js';
export { ResultStore, type QueryRow, type QueryValue } from './study/store.js';
export type { CellRow, CellOutcome, CellStatus } from './study/row.js';
export { DEFAULT_STUDY_YAML } from './study/default-study.js';
export { buildStudyReport, writeStudyReport, type StudyReport } from './report/study-report.js';
export { computeFindings, findingText, type Finding } from './report/findings.js';
export { renderVegaLiteSvg } from './report/vega-svg.js';

// Execution: plans run for real on onnxruntime-node (worker threads) and onnxruntime-web (Chromium).
export {
  executePlan,
  checkPlanForExecution,
  type ExecuteOptions,
  type ExecutionResult,
} from './runtime/execute.js';
export { splitPlan, partitionBytes, type SplitModel, type SubModel } from './runtime/submodel.js';
export { partitionPlan, type Partition, type PartitionedPlan } from './runtime/partition.js';
export { executeInBrowser, type BrowserOptions, type BrowserProvider } from './runtime/browser.js';
export { loadExecTarget, type ExecTarget } from './runtime/target.js';
export { referenceOutputs, outputDiffs, type OutputDiffs } from './runtime/verify.js';
export { hostForExecution } from './runtime/host-device.js';
export { withCoreWorkers } from './hardware/host.js';
export { withCoreWorkerParams } from './cost/for-device.js';
