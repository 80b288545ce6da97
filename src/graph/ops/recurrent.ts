// Recurrent layers (ONNX LSTM / GRU / RNN, layout 0 = [seq, batch, feature], 1 = [batch, seq, feature]).
// MACs = gates × (input + hidden) × hidden × seq × batch × directions (LSTM 4 gates, GRU 3, RNN 1).
// FLOPs = 2 × MACs + element-wise work per (step, batch, direction, hidden unit):
//   LSTM 36 = 4 gates × 3 adds (two biases + joining Wx and Rh) + 5 activations × 4 + 4 for the cell update,
//   GRU 26 = 3 × 3 adds + 3 activations × 4 + 5 for the reset/update blend,
//   RNN 7  = 3 adds + 1 activation × 4.
import type { Dim } from '../types.js';
import { attrInt, attrString } from './attrs.js';
import { inDType, inShape, numShape } from './common.js';
import { registerOp, type OutputInfo } from './registry.js';

const GATES: Record<string, number> = { LSTM: 4, GRU: 3, RNN: 1 };
const ELEMENTWISE_FLOPS: Record<string, number> = { LSTM: 36, GRU: 26, RNN: 7 };

function directions(dir: string): number {
  if (dir === 'bidirectional') return 2;
  if (dir === 'forward' || dir === 'reverse') return 1;
  throw new Error(`unknown direction ${dir}`);
}

registerOp('', ['LSTM', 'GRU', 'RNN'], {
  category: 'recurrent',
  infer(ctx) {
    const x = inShape(ctx, 0);
    const w = inShape(ctx, 1);
    if (x.length !== 3) throw new Error(`X rank ${x.length} ≠ 3`);
    const layout = attrInt(ctx.node, 'layout', 0);
    const dirs = directions(attrString(ctx.node, 'direction', 'forward'));
    const gates = GATES[ctx.node.op];
    let hidden: Dim | undefined =
      ctx.node.attrs.hidden_size === undefined ? undefined : attrInt(ctx.node, 'hidden_size', 0);
    if (hidden === undefined) {
      const g = w[1];
      if (typeof g !== 'number') throw new Error('hidden_size unknown');
      hidden = g / gates;
    }
    const [seq, batch] = layout === 0 ? [x[0], x[1]] : [x[1], x[0]];
    const dtype = inDType(ctx, 0);
    const y: Dim[] = layout === 0 ? [seq, dirs, batch, hidden] : [batch, seq, dirs, hidden];
    const state: Dim[] = layout === 0 ? [dirs, batch, hidden] : [batch, dirs, hidden];
    const outs: OutputInfo[] = [{ shape: y, dtype }];
    for (let i = 1; i < ctx.node.outputs.length; i++) outs.push({ shape: state, dtype });
    return outs;
  },
  work(ctx, outs) {
    const x = numShape(ctx.inputs[0]);
    const w = numShape(ctx.inputs[1]);
    const y = numShape(outs[0]);
    const layout = attrInt(ctx.node, 'layout', 0);
    const [seq, batch] = layout === 0 ? [x[0], x[1]] : [x[1], x[0]];
    const hidden = y[3];
    const dirs = w[0];
    const gates = GATES[ctx.node.op];
    const input = x[2];
    const steps = seq * batch * dirs;
    const macs = gates * (input + hidden) * hidden * steps;
    return { macs, flops: 2 * macs + ELEMENTWISE_FLOPS[ctx.node.op] * hidden * steps };
  },
});
