// Bytes of the file formats (ours, TF.js, ONNX): all little-endian, whatever the machine is.
export const isLittleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Reverses each `width`-byte group in place on a big-endian machine (a no-op on little-endian ones). */
export function swapToLE(bytes: Uint8Array, width: number): Uint8Array {
  if (!isLittleEndian) for (let i = 0; i < bytes.length; i += width) bytes.subarray(i, i + width).reverse();
  return bytes;
}

/** A copy of the values as little-endian bytes. */
export function leBytes(data: Float32Array | BigInt64Array | Int32Array, width: number): Uint8Array {
  return swapToLE(new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)), width);
}

/** An aligned copy of little-endian bytes in the machine's order, for a typed-array view. */
export function fromLE(raw: Uint8Array, width: number): ArrayBuffer {
  const out = new Uint8Array(raw.length);
  out.set(raw);
  swapToLE(out, width);
  return out.buffer;
}

/** An IEEE half-precision value (its 16 bits) as a number. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1,
    e = (h >> 10) & 0x1f,
    m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}
