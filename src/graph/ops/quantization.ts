// Quantisation: (De)QuantizeLinear are element-wise (2 FLOPs per element: scale and shift); the
// quantised conv/matmul forms reuse the float rules with their operand positions.
import type { DType } from '../types.js';
import { attrDType } from './attrs.js';
import { elems, hasInput, inDType, inShape } from './common.js';
import { registerConvLike } from './conv.js';
import { registerMatMulLike } from './matmul.js';
import { registerOp } from './registry.js';

registerOp('', 'QuantizeLinear', {
  category: 'elementwise',
  infer(ctx) {
    // Output type: the zero point's, else output_dtype (opset 21), else uint8.
    const dtype: DType = hasInput(ctx, 2) ? inDType(ctx, 2) : attrDType(ctx.node, 'output_dtype', 'uint8');
    return [{ shape: inShape(ctx, 0), dtype }];
  },
  work: (_ctx, outs) => ({ macs: 0, flops: 2 * elems(outs[0]) }),
});

registerOp('', 'DequantizeLinear', {
  category: 'elementwise',
  infer: (ctx) => [{ shape: inShape(ctx, 0), dtype: hasInput(ctx, 1) ? inDType(ctx, 1) : 'float32' }],
  work: (_ctx, outs) => ({ macs: 0, flops: 2 * elems(outs[0]) }),
});

registerOp('', 'DynamicQuantizeLinear', {
  category: 'elementwise',
  infer: (ctx) => [
    { shape: inShape(ctx, 0), dtype: 'uint8' },
    { shape: [], dtype: 'float32' },
    { shape: [], dtype: 'uint8' },
  ],
  work: (ctx) => ({ macs: 0, flops: 4 * elems(ctx.inputs[0]) }),
});

// QLinearConv(x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B); QLinearMatMul(a, a_scale, a_zp, b, …).
registerConvLike('QLinearConv', 0, 3, 8);
registerMatMulLike('QLinearMatMul', 0, 3);
