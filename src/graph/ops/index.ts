// Importing this module registers every ONNX operator family hetero knows.
import './elementwise.js';
import './conv.js';
import './matmul.js';
import './pooling.js';
import './normalization.js';
import './shape-ops.js';
import './reduction.js';
import './recurrent.js';
import './control-flow.js';
import './quantization.js';
// TF.js graph-model ops (domain 'tf'), so that any Graph can be inferred whatever imported it.
import './tf.js';

export { lookupOp, knownOps, registerOp } from './registry.js';
export type { OpContext, OpDef, OpWork, OutputInfo, SubgraphResult } from './registry.js';
