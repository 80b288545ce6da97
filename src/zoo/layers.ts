// Building blocks shared by several zoo families.
import type { ConvOptions, GraphBuilder, Sym } from './builder.js';

export type Activation = 'relu' | 'relu6' | 'hswish' | 'leaky0.1' | 'none';

export function activate(b: GraphBuilder, x: Sym, act: Activation): Sym {
  switch (act) {
    case 'relu':
      return b.relu(x);
    case 'relu6':
      return b.relu6(x);
    case 'hswish':
      return b.hardSwish(x);
    case 'leaky0.1':
      return b.leakyRelu(x, 0.1);
    case 'none':
      return x;
  }
}

/** Node ids of a conv and its BatchNorm (the builder's defaults, `conv` and `bn`, where absent). */
export interface ConvBnIds {
  conv?: string;
  bn?: string;
}

/** Conv (no bias) → BatchNorm. */
export function convBn(b: GraphBuilder, x: Sym, o: ConvOptions, bnEps = 1e-5, ids: ConvBnIds = {}): Sym {
  return b.batchNorm(b.conv(x, { ...o, bias: false }, ids.conv), bnEps, ids.bn);
}

/** SiLU (swish) as x·σ(x): opset 17 has no SiLU op, and this is what torch.onnx emits for nn.SiLU. */
export function silu(b: GraphBuilder, x: Sym): Sym {
  return b.scope('silu', () => b.mul(x, b.sigmoid(x)));
}

/** Conv (no bias) → BatchNorm → activation: the unit of most CNNs trained with BN. */
export function convBnAct(b: GraphBuilder, x: Sym, o: ConvOptions, act: Activation, bnEps = 1e-5): Sym {
  return activate(b, convBn(b, x, o, bnEps), act);
}

/** Classifier head: global average pool → flatten → fully connected. */
export function poolFlattenFc(b: GraphBuilder, x: Sym, classes: number): Sym {
  const pooled = b.globalAvgPool(x);
  return b.gemm(b.flatten(pooled, x.channels), classes);
}

/** Rounds channels to a multiple of `divisor`, never below 90% of the input (MobileNet rule). */
export function makeDivisible(v: number, divisor = 8): number {
  const rounded = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  return rounded < 0.9 * v ? rounded + divisor : rounded;
}
