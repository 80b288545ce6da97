// Tensors as they cross threads: dtype, dims and one ArrayBuffer, which postMessage can transfer
// (moved, not copied) when the sender no longer needs it.
import type { Tensor } from 'onnxruntime-node';

export type WireDType = 'float32' | 'float64' | 'int64' | 'int32' | 'int8' | 'uint8' | 'bool' | 'float16';

export interface WireTensor {
  dtype: WireDType;
  dims: number[];
  /** Exactly the tensor's bytes (no offset). */
  data: ArrayBuffer;
}

type Typed = Float32Array | Float64Array | BigInt64Array | Int32Array | Int8Array | Uint8Array | Uint16Array;

const WIRE_DTYPES: readonly string[] = [
  'float32',
  'float64',
  'int64',
  'int32',
  'int8',
  'uint8',
  'bool',
  'float16',
];

export function isWireDType(d: string): d is WireDType {
  return WIRE_DTYPES.includes(d);
}

/**
 * The bytes of an ORT tensor as a WireTensor. `copy` = false hands over the tensor's own buffer when
 * it spans it exactly (the caller then must not use the tensor again).
 */
export function toWire(t: Tensor, copy: boolean): WireTensor {
  if (!isWireDType(t.type)) throw new Error(`tensor of type ${t.type} cannot cross threads`);
  const view = t.data as Typed;
  const whole = view.byteOffset === 0 && view.byteLength === view.buffer.byteLength;
  const data =
    !copy && whole && view.buffer instanceof ArrayBuffer
      ? view.buffer
      : (view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength) as ArrayBuffer);
  return { dtype: t.type, dims: [...t.dims], data };
}

/** A typed array over the wire tensor's buffer (no copy). */
export function typedData(w: WireTensor): Typed {
  switch (w.dtype) {
    case 'float32':
      return new Float32Array(w.data);
    case 'float64':
      return new Float64Array(w.data);
    case 'int64':
      return new BigInt64Array(w.data);
    case 'int32':
      return new Int32Array(w.data);
    case 'int8':
      return new Int8Array(w.data);
    case 'float16':
      return new Uint16Array(w.data);
    case 'uint8':
    case 'bool':
      return new Uint8Array(w.data);
  }
}

/** A structured-clone copy of a wire tensor, for a second receiver. */
export function cloneWire(w: WireTensor): WireTensor {
  return { ...w, dims: [...w.dims], data: w.data.slice(0) };
}
