// A tiny DSL that writes weightless ONNX-domain graphs (opset 17) for the architecture zoo.
// The builder only tracks the channel count of each tensor (enough to size weights); every other
// shape comes from shape inference, exactly as for an imported model.
import type { AttrValue, DType, Graph, Node, TensorInfo } from '../graph/types.js';

/** A value in the graph under construction. */
export interface Sym {
  readonly name: string;
  /**
   * Size of the feature axis the next weighted op contracts over: axis 1 for NCHW images, the
   * last axis for [batch, tokens, hidden] sequences.
   */
  readonly channels: number;
}

export type Pair = number | [number, number];

export interface ConvOptions {
  out: number;
  kernel: Pair;
  stride?: Pair;
  /**
   * Symmetric [padH, padW], or ONNX's [top, left, bottom, right] (TensorFlow's "same" pads an even
   * kernel one more at the end); default keeps the size at stride 1 for odd kernels ("same").
   */
  pad?: Pair | [number, number, number, number];
  dilation?: Pair;
  group?: number;
  bias?: boolean;
}

export interface ConvTransposeOptions {
  out: number;
  kernel: Pair;
  stride?: Pair;
  pad?: Pair;
  outputPadding?: Pair;
  bias?: boolean;
}

export interface PoolOptions {
  kernel: Pair;
  stride?: Pair;
  pad?: Pair;
  ceil?: boolean;
  /** AveragePool only; PyTorch's default (true) differs from ONNX's (false). */
  countIncludePad?: boolean;
}

const OPSET_VERSION = 17;

function pair(p: Pair): [number, number] {
  return typeof p === 'number' ? [p, p] : p;
}

/** ONNX pads are [top, left, bottom, right] for 2-D. */
function pads2d(p: Pair | [number, number, number, number]): number[] {
  if (Array.isArray(p) && p.length === 4) return [...p];
  const [h, w] = pair(p as Pair);
  return [h, w, h, w];
}

export class GraphBuilder {
  private readonly nodes: Node[] = [];
  private readonly tensors = new Map<string, TensorInfo>();
  private readonly inputs: string[] = [];
  private readonly outputs: string[] = [];
  private readonly usedIds = new Map<string, number>();
  private readonly constCache = new Map<string, string>();
  private readonly scopes: string[] = [];

  constructor(private readonly name: string) {}

  // ---- graph plumbing -------------------------------------------------------------------------

  input(name: string, shape: number[], opts: { dtype?: DType; channels?: number } = {}): Sym {
    const dtype = opts.dtype ?? 'float32';
    this.tensors.set(name, { name, shape: [...shape], dtype, constant: false });
    this.inputs.push(name);
    return { name, channels: opts.channels ?? shape[1] ?? 1 };
  }

  output(...syms: Sym[]): void {
    for (const s of syms) this.outputs.push(s.name);
  }

  /** Runs `fn` with node ids prefixed by `name/`, so ids read like module paths. */
  scope<T>(name: string, fn: () => T): T {
    this.scopes.push(name);
    try {
      return fn();
    } finally {
      this.scopes.pop();
    }
  }

  private uniqueId(base: string): string {
    const full = [...this.scopes, base].join('/');
    const seen = this.usedIds.get(full) ?? 0;
    this.usedIds.set(full, seen + 1);
    return seen === 0 ? full : `${full}_${seen}`;
  }

  /** A weight tensor: constant, known shape, no data (exporters generate values). */
  private weight(nodeId: string, role: string, shape: number[]): string {
    const name = `${nodeId}.${role}`;
    this.tensors.set(name, { name, shape, dtype: 'float32', constant: true });
    return name;
  }

  /** A learned tensor that is not tied to one op (class token, position embeddings). */
  parameter(base: string, shape: number[], channels: number): Sym {
    const name = this.uniqueId(base);
    this.tensors.set(name, { name, shape, dtype: 'float32', constant: true });
    return { name, channels };
  }

  /** A small constant with known values (shapes, axes, scalars), shared across the graph. */
  constant(values: number[], shape: number[], dtype: DType = 'int64'): Sym {
    const key = `${dtype}:${shape.join('x')}:${values.join(',')}`;
    let name = this.constCache.get(key);
    if (name === undefined) {
      name = `const_${this.constCache.size}`;
      this.constCache.set(key, name);
      this.tensors.set(name, { name, shape, dtype, constant: true, value: [...values] });
    }
    return { name, channels: values.length };
  }

  private ints(values: number[]): string {
    return this.constant(values, [values.length], 'int64').name;
  }

  scalar(value: number): Sym {
    return this.constant([value], [], 'float32');
  }

  /** Adds any ONNX node; returns its outputs with the channel counts given. */
  op(
    op: string,
    inputs: (Sym | string)[],
    attrs: Record<string, AttrValue>,
    channels: number | number[],
    opts: { id?: string; dtype?: DType } = {},
  ): Sym[] {
    const id = this.uniqueId(opts.id ?? op.toLowerCase());
    const outChannels = Array.isArray(channels) ? channels : [channels];
    const outputs = outChannels.map((_, i) => (outChannels.length === 1 ? id : `${id}:${i}`));
    for (const name of outputs) {
      this.tensors.set(name, { name, shape: null, dtype: opts.dtype ?? 'float32', constant: false });
    }
    this.nodes.push({
      id,
      op,
      inputs: inputs.map((x) => (typeof x === 'string' ? x : x.name)),
      outputs,
      attrs,
    });
    return outputs.map((name, i) => ({ name, channels: outChannels[i] ?? 0 }));
  }

  private op1(
    op: string,
    inputs: (Sym | string)[],
    attrs: Record<string, AttrValue>,
    channels: number,
    opts: { id?: string; dtype?: DType } = {},
  ): Sym {
    const [y] = this.op(op, inputs, attrs, channels, opts);
    if (y === undefined) throw new Error(`${op}: no output`);
    return y;
  }

  build(): Graph {
    return {
      name: this.name,
      nodes: [...this.nodes],
      tensors: new Map(this.tensors),
      inputs: [...this.inputs],
      outputs: [...this.outputs],
      opsets: { '': OPSET_VERSION },
      source: 'zoo',
    };
  }

  // ---- weighted ops -----------------------------------------------------------------------------

  conv(x: Sym, o: ConvOptions, id = 'conv'): Sym {
    const [kh, kw] = pair(o.kernel);
    const [dh, dw] = pair(o.dilation ?? 1);
    const group = o.group ?? 1;
    if (x.channels % group !== 0 || o.out % group !== 0) {
      throw new Error(`conv: ${x.channels}→${o.out} channels not divisible by group ${group}`);
    }
    const pad = o.pad ?? [Math.floor(kh / 2) * dh, Math.floor(kw / 2) * dw];
    const nodeId = this.uniqueId(id);
    const inputs = [x.name, this.weight(nodeId, 'weight', [o.out, x.channels / group, kh, kw])];
    if (o.bias) inputs.push(this.weight(nodeId, 'bias', [o.out]));
    return this.emit(nodeId, 'Conv', inputs, o.out, {
      kernel_shape: [kh, kw],
      strides: pair(o.stride ?? 1),
      pads: pads2d(pad),
      dilations: [dh, dw],
      group,
    });
  }

  /** 1-D convolution over [N, C, L] (audio front ends), as exporters write nn.Conv1d. */
  conv1d(
    x: Sym,
    o: { out: number; kernel: number; stride?: number; pad?: number; bias?: boolean },
    id = 'conv',
  ): Sym {
    const nodeId = this.uniqueId(id);
    const inputs = [x.name, this.weight(nodeId, 'weight', [o.out, x.channels, o.kernel])];
    if (o.bias) inputs.push(this.weight(nodeId, 'bias', [o.out]));
    const pad = o.pad ?? Math.floor(o.kernel / 2);
    return this.emit(nodeId, 'Conv', inputs, o.out, {
      kernel_shape: [o.kernel],
      strides: [o.stride ?? 1],
      pads: [pad, pad],
      dilations: [1],
      group: 1,
    });
  }

  convTranspose(x: Sym, o: ConvTransposeOptions, id = 'deconv'): Sym {
    const [kh, kw] = pair(o.kernel);
    const nodeId = this.uniqueId(id);
    // ONNX ConvTranspose weight is [C_in, C_out/group, kH, kW].
    const inputs = [x.name, this.weight(nodeId, 'weight', [x.channels, o.out, kh, kw])];
    if (o.bias) inputs.push(this.weight(nodeId, 'bias', [o.out]));
    return this.emit(nodeId, 'ConvTranspose', inputs, o.out, {
      kernel_shape: [kh, kw],
      strides: pair(o.stride ?? 1),
      pads: pads2d(o.pad ?? 0),
      output_padding: pair(o.outputPadding ?? 0),
    });
  }

  /** Fully connected on a [N, C] tensor: Gemm with a PyTorch-layout [out, in] weight. */
  gemm(x: Sym, out: number, id = 'fc'): Sym {
    const nodeId = this.uniqueId(id);
    const w = this.weight(nodeId, 'weight', [out, x.channels]);
    const b = this.weight(nodeId, 'bias', [out]);
    return this.emit(nodeId, 'Gemm', [x.name, w, b], out, { transB: 1 });
  }

  /** Dense layer on the last axis of any-rank input: MatMul([in, out]) then Add(bias). */
  linear(x: Sym, out: number, id = 'linear', bias = true): Sym {
    const nodeId = this.uniqueId(id);
    const w = this.weight(nodeId, 'weight', [x.channels, out]);
    const y = this.emit(nodeId, 'MatMul', [x.name, w], out, {});
    if (!bias) return y;
    const b = this.weight(nodeId, 'bias', [out]);
    return this.op1('Add', [y, b], {}, out, { id: `${id}_bias` });
  }

  batchNorm(x: Sym, eps = 1e-5, id = 'bn'): Sym {
    const nodeId = this.uniqueId(id);
    const c = [x.channels];
    const inputs = ['scale', 'bias', 'mean', 'var'].map((r) => this.weight(nodeId, r, c));
    return this.emit(nodeId, 'BatchNormalization', [x.name, ...inputs], x.channels, { epsilon: eps });
  }

  instanceNorm(x: Sym, eps = 1e-5, id = 'in'): Sym {
    const nodeId = this.uniqueId(id);
    const c = [x.channels];
    const inputs = ['scale', 'bias'].map((r) => this.weight(nodeId, r, c));
    return this.emit(nodeId, 'InstanceNormalization', [x.name, ...inputs], x.channels, { epsilon: eps });
  }

  /** LayerNormalization over the last axis (opset 17). */
  layerNorm(x: Sym, eps: number, id = 'ln'): Sym {
    const nodeId = this.uniqueId(id);
    const c = [x.channels];
    const inputs = ['scale', 'bias'].map((r) => this.weight(nodeId, r, c));
    return this.emit(nodeId, 'LayerNormalization', [x.name, ...inputs], x.channels, {
      axis: -1,
      epsilon: eps,
    });
  }

  /** Embedding lookup: Gather rows of a [rows, dim] table by int64 indices. */
  embedding(indices: Sym, rows: number, dim: number, id = 'embedding'): Sym {
    const nodeId = this.uniqueId(id);
    const table = this.weight(nodeId, 'weight', [rows, dim]);
    return this.emit(nodeId, 'Gather', [table, indices.name], dim, { axis: 0 });
  }

  private emit(
    id: string,
    op: string,
    inputs: string[],
    channels: number,
    attrs: Record<string, AttrValue>,
  ): Sym {
    this.tensors.set(id, { name: id, shape: null, dtype: 'float32', constant: false });
    this.nodes.push({ id, op, inputs, outputs: [id], attrs });
    return { name: id, channels };
  }

  // ---- activations -----------------------------------------------------------------------------

  relu(x: Sym, id?: string): Sym {
    return this.op1('Relu', [x], {}, x.channels, id === undefined ? {} : { id });
  }

  /** ReLU6 as Clip(0, 6) with min/max inputs (opset ≥ 11). */
  relu6(x: Sym): Sym {
    return this.op1('Clip', [x, this.scalar(0), this.scalar(6)], {}, x.channels, { id: 'relu6' });
  }

  leakyRelu(x: Sym, alpha: number): Sym {
    return this.op1('LeakyRelu', [x], { alpha }, x.channels);
  }

  sigmoid(x: Sym): Sym {
    return this.op1('Sigmoid', [x], {}, x.channels);
  }

  hardSigmoid(x: Sym, alpha: number, beta: number): Sym {
    return this.op1('HardSigmoid', [x], { alpha, beta }, x.channels);
  }

  hardSwish(x: Sym): Sym {
    return this.op1('HardSwish', [x], {}, x.channels);
  }

  tanh(x: Sym): Sym {
    return this.op1('Tanh', [x], {}, x.channels);
  }

  softmax(x: Sym, axis = -1): Sym {
    return this.op1('Softmax', [x], { axis }, x.channels);
  }

  /** Exact GELU in its Erf form, x·½·(1 + erf(x/√2)): opset 17 has no Gelu op. */
  gelu(x: Sym): Sym {
    return this.scope('gelu', () => {
      const scaled = this.div(x, Math.SQRT2);
      const erf = this.op1('Erf', [scaled], {}, x.channels);
      const onePlus = this.add(erf, 1);
      return this.mul(this.mul(x, onePlus), 0.5);
    });
  }

  // ---- elementwise (a number becomes a shared float scalar) -------------------------------------

  private binary(op: string, a: Sym, b: Sym | number): Sym {
    const rhs = typeof b === 'number' ? this.scalar(b) : b;
    return this.op1(op, [a, rhs], {}, a.channels);
  }

  add(a: Sym, b: Sym | number): Sym {
    return this.binary('Add', a, b);
  }

  sub(a: Sym, b: Sym | number): Sym {
    return this.binary('Sub', a, b);
  }

  mul(a: Sym, b: Sym | number): Sym {
    return this.binary('Mul', a, b);
  }

  div(a: Sym, b: Sym | number): Sym {
    return this.binary('Div', a, b);
  }

  matmul(a: Sym, b: Sym, channels: number): Sym {
    return this.op1('MatMul', [a, b], {}, channels);
  }

  // ---- pooling -----------------------------------------------------------------------------------

  maxPool(x: Sym, o: PoolOptions, id?: string): Sym {
    return this.op1('MaxPool', [x], this.poolAttrs(o), x.channels, id === undefined ? {} : { id });
  }

  avgPool(x: Sym, o: PoolOptions): Sym {
    const attrs = this.poolAttrs(o);
    if (o.countIncludePad) attrs.count_include_pad = 1;
    return this.op1('AveragePool', [x], attrs, x.channels);
  }

  private poolAttrs(o: PoolOptions): Record<string, AttrValue> {
    const attrs: Record<string, AttrValue> = {
      kernel_shape: pair(o.kernel),
      strides: pair(o.stride ?? o.kernel),
      pads: pads2d(o.pad ?? 0),
    };
    if (o.ceil) attrs.ceil_mode = 1;
    return attrs;
  }

  globalAvgPool(x: Sym, id?: string): Sym {
    return this.op1('GlobalAveragePool', [x], {}, x.channels, id === undefined ? {} : { id });
  }

  // ---- data movement -------------------------------------------------------------------------

  concat(xs: Sym[], axis = 1, channels?: number): Sym {
    const c = channels ?? xs.reduce((sum, x) => sum + x.channels, 0);
    return this.op1('Concat', xs, { axis }, c);
  }

  flatten(x: Sym, channels: number, axis = 1): Sym {
    return this.op1('Flatten', [x], { axis }, channels);
  }

  reshape(x: Sym, shape: number[], channels: number): Sym {
    return this.op1('Reshape', [x.name, this.ints(shape)], {}, channels);
  }

  transpose(x: Sym, perm: number[], channels: number): Sym {
    return this.op1('Transpose', [x], { perm }, channels);
  }

  unsqueeze(x: Sym, axes: number[], channels = x.channels): Sym {
    return this.op1('Unsqueeze', [x.name, this.ints(axes)], {}, channels);
  }

  slice(x: Sym, o: { starts: number[]; ends: number[]; axes: number[] }, channels = x.channels): Sym {
    const inputs = [x.name, this.ints(o.starts), this.ints(o.ends), this.ints(o.axes)];
    return this.op1('Slice', inputs, {}, channels);
  }

  /** Gather with a constant scalar index: drops the axis (e.g. the class token of a sequence). */
  pick(x: Sym, axis: number, index: number): Sym {
    return this.op1('Gather', [x, this.constant([index], [], 'int64')], { axis }, x.channels);
  }

  cast(x: Sym, to: DType, onnxType: number): Sym {
    return this.op1('Cast', [x], { to: onnxType }, x.channels, { dtype: to });
  }

  spaceToDepth(x: Sym, block: number): Sym {
    return this.op1('SpaceToDepth', [x], { blocksize: block }, x.channels * block * block);
  }

  /**
   * Nearest-neighbour upsampling of an NCHW tensor by integer factors (Resize with scales), with the
   * attributes torch.onnx gives nn.Upsample(mode='nearest'): asymmetric coordinates, floor rounding.
   */
  upsampleNearest(x: Sym, factor: number): Sym {
    const scales = this.constant([1, 1, factor, factor], [4], 'float32');
    const attrs = { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' };
    return this.op1('Resize', [x.name, '', scales.name], attrs, x.channels);
  }
}

/** ONNX TensorProto.DataType codes the zoo needs. */
export const ONNX_FLOAT = 1;
