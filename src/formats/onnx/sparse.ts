// SparseTensorProto (COO: values + indices) <-> a dense ConstTensor.
import type { ConstTensor } from '../../graph/types.js';
import { dtypeBytes } from '../../graph/types.js';
import { int64ToNumber, type SparseTensorProto, type TensorProto } from './proto.js';
import { decodeTensor, dtypeToOnnx } from './tensors.js';
import { onnxError } from './user-error.js';

function int64Values(data: Uint8Array): number[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: number[] = [];
  for (let i = 0; i + 8 <= data.byteLength; i += 8) out.push(Number(view.getBigInt64(i, true)));
  return out;
}

/** Dense form of a sparse tensor; indices may be [NNZ, rank] coordinates or [NNZ] linear offsets. */
export function densify(sp: SparseTensorProto, where: string, what: string): ConstTensor {
  const fail = (problem: string): never => {
    throw onnxError(where, `sparse tensor "${what}": ${problem}`);
  };
  if (!sp.values || !sp.indices) fail('lacks values or indices');
  const shape = (sp.dims ?? []).map((d) => int64ToNumber(d));
  for (const d of shape) if (!Number.isSafeInteger(d) || d < 0) fail(`invalid dimension ${d}`);
  const values = decodeTensor(sp.values!, where, `${what}.values`);
  const indices = decodeTensor(sp.indices!, where, `${what}.indices`);
  if (!values.data || values.dtype === 'int4' || values.dtype === 'uint4')
    fail(`unsupported values type ${values.dtype}`);
  if (indices.dtype !== 'int64' || !indices.data) fail('indices must be int64');
  const elemBytes = dtypeBytes(values.dtype);
  const nnz = values.shape[0] ?? 0;
  if (values.shape.length !== 1 || values.data!.byteLength !== nnz * elemBytes) fail('values must be 1-D');
  const numel = shape.reduce((a, b) => a * b, 1);
  if (numel * elemBytes > 2 ** 31) fail('is too large to densify');
  const rank = shape.length;
  const idx = int64Values(indices.data!);
  const coordinates = indices.shape.length === 2;
  if (idx.length !== (coordinates ? nnz * rank : nnz)) fail('indices do not match the number of values');

  const dense = new Uint8Array(numel * elemBytes);
  for (let k = 0; k < nnz; k++) {
    let linear = 0;
    if (coordinates) {
      for (let r = 0; r < rank; r++) {
        const c = idx[k * rank + r];
        if (c < 0 || c >= shape[r]) fail(`index ${c} out of range on axis ${r}`);
        linear = linear * shape[r] + c;
      }
    } else linear = idx[k];
    if (linear < 0 || linear >= numel) fail(`index ${linear} out of range`);
    dense.set(values.data!.subarray(k * elemBytes, (k + 1) * elemBytes), linear * elemBytes);
  }
  return { dtype: values.dtype, shape, data: dense };
}

/** COO form of a dense tensor with linear [NNZ] indices. */
export function sparsify(t: ConstTensor, name: string): SparseTensorProto {
  const elemBytes = dtypeBytes(t.dtype);
  const nonzero: number[] = [];
  const numel = t.data.byteLength / elemBytes;
  for (let i = 0; i < numel; i++) {
    for (let b = 0; b < elemBytes; b++) {
      if (t.data[i * elemBytes + b] !== 0) {
        nonzero.push(i);
        break;
      }
    }
  }
  const values = new Uint8Array(nonzero.length * elemBytes);
  nonzero.forEach((i, k) => values.set(t.data.subarray(i * elemBytes, (i + 1) * elemBytes), k * elemBytes));
  const indices = new Uint8Array(BigInt64Array.from(nonzero, (i) => BigInt(i)).buffer);
  const values_: TensorProto = {
    name: `${name}_values`,
    dataType: dtypeToOnnx(t.dtype),
    dims: [nonzero.length],
    rawData: values,
  };
  const indices_: TensorProto = {
    name: `${name}_indices`,
    dataType: 7,
    dims: [nonzero.length],
    rawData: indices,
  };
  return { values: values_, indices: indices_, dims: t.shape };
}
