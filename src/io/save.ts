// The saved-model format: one byte array that holds the topology as JSON and the weights as
// float32 bytes, guarded so that a damaged or foreign file is an error, never a model with
// garbage weights.
//
//   bytes 0..7    "LSTMWASM" (magic)
//   bytes 8..11   format version, u32 little-endian
//   bytes 12..15  header length H, u32 little-endian
//   bytes 16..19  CRC-32 of the header bytes, u32 little-endian
//   bytes 20.. header: UTF-8 JSON { modelTopology, weightSpecs, weightBytes, crc32, states?,
//   training?, weightsDtype? }
//   then          weights: float32 little-endian, weightBytes long, in weightSpecs order (then the states);
//                 with weightsDtype 'float16', IEEE half floats (u16 little-endian, rounded to nearest
//                 even) instead, read back into f32. Files without weightsDtype are float32. A weight
//                 whose spec says dtype 'int8' (the int8 kernels of quantize()'s layers) is one signed
//                 byte per value, whatever weightsDtype says. A weight whose spec says encoding 'sparse'
//                 (a pruned kernel) is a bit mask and its `nonzero` stored values (src/io/sparse.ts).
//                 With save({ includeOptimizer: true }), header.optimizerState { iterations, slots }
//                 names the optimizer's slot values (both slot regions, as the kernels hold them),
//                 stored after the states; files without it load as before.
import { LstmWasmError, describe, show } from '../errors.js';
import type { Layer } from '../layers/layer.js';
import { crc32 } from './crc32.js';
import { halfToFloat, swapToLE } from './bytes.js';
import { checkMetadata } from './metadata.js';
import { countStored, isPrunable, readSparse, sparseSize, writeSparse } from './sparse.js';

export const MAGIC = 'LSTMWASM';
/** 2: the topology is a graph (Model) or a chain (Sequential). Files of version 1 (Sequential only) still load. */
export const FORMAT_VERSION = 2;
export const READABLE_VERSIONS = [1, 2];
const PREFIX = 20;
const HEADER_KEYS = [
  'format',
  'formatVersion',
  'modelTopology',
  'weightSpecs',
  'weightBytes',
  'crc32',
  'states',
  'optimizerState',
  'training',
  'weightsDtype',
  'userDefinedMetadata',
];
/** The types weights may be stored in (header field weightsDtype; absent means float32). */
export const WEIGHT_DTYPES = ['float32', 'float16'] as const;
export type WeightDtype = (typeof WEIGHT_DTYPES)[number];

export interface WeightSpec {
  layer: string;
  name: string;
  shape: number[];
  /** 'int8': stored as one signed byte per value (integers in [-128, 127]); absent: the file's weightsDtype. */
  dtype?: 'int8';
  /** 'sparse': a bit mask, then the `nonzero` values that are not +0 (src/io/sparse.ts); absent: dense. */
  encoding?: 'sparse';
  /** With encoding 'sparse': how many values are stored. */
  nonzero?: number;
}

export interface Header {
  format: 'lstm-wasm';
  formatVersion: number;
  modelTopology: {
    className: string;
    config: Record<string, unknown> & {
      name?: string;
      layers: { className: string; config: Record<string, unknown>; inboundNodes?: unknown }[];
    };
  };
  weightSpecs: WeightSpec[];
  weightBytes: number;
  crc32: number;
  states?: WeightSpec[];
  /**
   * The optimizer's iteration count and its slot values (one spec, after the states), from save({
   * includeOptimizer: true }).
   */
  optimizerState?: { iterations: number; slots: WeightSpec[] };
  training?: Record<string, unknown> | null;
  /** How the weight bytes are stored; absent: float32. */
  weightsDtype?: 'float16';
  /** What save({ metadata }) was given (plain JSON; readMetadata reads it). */
  userDefinedMetadata?: Record<string, unknown>;
}

/** Options of model.save(): `includeState` (stateful layers' states), `weights` ('float32' or 'float16'). */
export interface SaveOptions {
  /** Also save the recurrent state of stateful layers (default false). */
  includeState?: boolean;
  /**
   * The type the weights are stored in: 'float32' (default) or 'float16' (half the bytes; loadModel
   * reads them back into f32).
   */
  weights?: WeightDtype;
  /**
   * Also save the optimizer's state (its slots and iteration count, TF.js's option name; default
   * false), so training goes on where it was.
   */
  includeOptimizer?: boolean;
  /**
   * Plain JSON saved beside the weights, such as { scaler: scaler.toJSON(), window: 24 };
   * readMetadata(bytes), and getUserDefinedMetadata() of the loaded model, give it back. Defaults
   * to the model's getUserDefinedMetadata().
   */
  metadata?: Record<string, unknown>;
}

function f32Bytes(parts: Float32Array[]): Uint8Array {
  const n = parts.reduce((s, p) => s + p.length, 0);
  const all = new Float32Array(n);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return swapToLE(new Uint8Array(all.buffer), 4);
}

/** What a model gives save(): its topology, its layers with weights (in order), its compile config. */
export interface Saveable {
  topology: { className: string; config: Record<string, unknown> };
  layers: Layer[];
  training: Record<string, unknown> | null;
  /** The optimizer's state, when save({ includeOptimizer: true }) asks for it. */
  optimizerState?: { iterations: number; slots: Float32Array } | null;
}

// f32 ↔ IEEE half float, round to nearest even; beyond ±65504 a value rounds to ±Infinity.
const f32Box = new Float32Array(1);
const u32Box = new Uint32Array(f32Box.buffer);

export function toFloat16Bits(v: number): number {
  f32Box[0] = v;
  const x = u32Box[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1),
      halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // a carry out of the mantissa moves into the exponent, which is the right rounding (to Infinity at the top)
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++;
  return sign | h;
}

/** A half float's 16 bits as a number (the readers' helper in bytes.ts). */
export const fromFloat16Bits: (h: number) => number = halfToFloat;

function f16Bytes(parts: Float32Array[], where: (part: number) => string): Uint8Array {
  const n = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(2 * n);
  const dv = new DataView(out.buffer);
  let at = 0;
  parts.forEach((p, j) => {
    for (let i = 0; i < p.length; i++) {
      if (Math.abs(p[i]) > 65504)
        throw new LstmWasmError(
          `save: ${where(j)} holds ${p[i]} (at ${i}), beyond float16's range (±65504); save with weights: 'float32'`,
        );
      dv.setUint16(2 * at++, toFloat16Bits(p[i]), true);
    }
  });
  return out;
}

/** Weights stored as int8 values (one byte each), and the f32 or f16 rest, in spec order. */
function mixedBytes(parts: Float32Array[], specs: WeightSpec[], f16: boolean): Uint8Array {
  const size = (j: number) => (specs[j].dtype === 'int8' ? 1 : f16 ? 2 : 4);
  const bytes = (p: Float32Array, j: number) =>
    specs[j].encoding === 'sparse' ? sparseSize(p.length, specs[j].nonzero!, size(j)) : p.length * size(j);
  const out = new Uint8Array(parts.reduce((s, p, j) => s + bytes(p, j), 0));
  const dv = new DataView(out.buffer);
  let at = 0;
  parts.forEach((p, j) => {
    const sp = specs[j];
    if (sp.encoding === 'sparse') {
      at = writeSparse(out, at, p, (o, v) => {
        if (sp.dtype === 'int8') dv.setInt8(o, v);
        else if (f16) dv.setUint16(o, toFloat16Bits(v), true);
        else dv.setFloat32(o, v, true);
        return o + size(j);
      });
      return;
    }
    for (let i = 0; i < p.length; i++) {
      const v = p[i];
      if (sp.dtype === 'int8') {
        if (!Number.isInteger(v) || v < -128 || v > 127)
          throw new LstmWasmError(`save: layer '${sp.layer}' ${sp.name} is stored as int8 but holds ${v} (at ${i})`);
        dv.setInt8(at++, v);
      } else if (f16) {
        if (Math.abs(v) > 65504)
          throw new LstmWasmError(
            `save: layer '${sp.layer}' ${sp.name} holds ${v} (at ${i}), ` +
              "beyond float16's range (±65504); save with weights: 'float32'",
          );
        dv.setUint16(at, toFloat16Bits(v), true);
        at += 2;
      } else {
        dv.setFloat32(at, v, true);
        at += 4;
      }
    }
  });
  return out;
}

export function encodeModel(model: Saveable, options: SaveOptions = {}): Uint8Array {
  const dtype = options.weights ?? 'float32';
  if (!WEIGHT_DTYPES.includes(dtype))
    throw new LstmWasmError(`save: option 'weights' must be 'float32' or 'float16', got ${describe(options.weights)}`);
  const weights: Float32Array[] = [];
  const specs: WeightSpec[] = [];
  for (const l of model.layers) {
    const ws = l.getWeights();
    // A layer lists the weights it holds as int8 values (quantize()'s layers: their kernels).
    const int8 = (l as { int8Weights?: readonly string[] }).int8Weights ?? [];
    ws.forEach((w, i) => {
      weights.push(w.data);
      const name = l.slots[i].spec.name;
      specs.push({ layer: l.name, name, shape: w.shape, ...(int8.includes(name) ? { dtype: 'int8' as const } : {}) });
    });
  }
  const states: WeightSpec[] = [];
  if (options.includeState) {
    for (const l of model.layers) {
      if (!l.isStateful()) continue;
      const r = l as unknown as { getStates(): { data: Float32Array; shape: number[] }[] };
      r.getStates().forEach((st, i) => {
        weights.push(st.data);
        states.push({ layer: l.name, name: i === 0 ? 'h' : 'c', shape: st.shape });
      });
    }
  }
  const optimizer: WeightSpec[] = [];
  if (options.includeOptimizer) {
    const st = model.optimizerState;
    if (!st || !model.training)
      throw new LstmWasmError(
        `save: includeOptimizer needs a compiled model; compile() it first, or save without the option`,
      );
    weights.push(st.slots);
    optimizer.push({ layer: '', name: 'optimizer slots', shape: [st.slots.length] });
  }
  // A pruned kernel is stored as a mask and its non-zero values when that takes fewer bytes (sparse.ts).
  specs.forEach((sp, j) => {
    if (!isPrunable(sp.name)) return;
    const per = sp.dtype === 'int8' ? 1 : dtype === 'float16' ? 2 : 4;
    const n = weights[j].length,
      stored = countStored(weights[j]);
    if (sparseSize(n, stored, per) < n * per) Object.assign(sp, { encoding: 'sparse', nonzero: stored });
  });
  const names = [...specs, ...states, ...optimizer].map((s) => `layer '${s.layer}' ${s.name}`);
  const mixed = specs.some((sp) => sp.dtype === 'int8' || sp.encoding === 'sparse');
  const data = mixed
    ? mixedBytes(weights, [...specs, ...states, ...optimizer], dtype === 'float16')
    : dtype === 'float16'
      ? f16Bytes(weights, (j) => names[j])
      : f32Bytes(weights);
  const header: Header = {
    format: 'lstm-wasm',
    formatVersion: FORMAT_VERSION,
    modelTopology: model.topology as Header['modelTopology'],
    weightSpecs: specs,
    weightBytes: data.length,
    crc32: crc32(data),
    states: states.length ? states : undefined,
    optimizerState: optimizer.length ? { iterations: model.optimizerState!.iterations, slots: optimizer } : undefined,
    training: model.training,
    ...(dtype === 'float16' ? { weightsDtype: 'float16' as const } : {}),
    ...(options.metadata !== undefined ? { userDefinedMetadata: checkMetadata(options.metadata) } : {}),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(PREFIX + json.length + data.length);
  out.set(new TextEncoder().encode(MAGIC), 0);
  const dv = new DataView(out.buffer);
  dv.setUint32(8, FORMAT_VERSION, true);
  dv.setUint32(12, json.length, true);
  dv.setUint32(16, crc32(json), true);
  out.set(json, PREFIX);
  out.set(data, PREFIX + json.length);
  return out;
}

function checkSpec(s: unknown, what: string): void {
  if (s === null || typeof s !== 'object') fail(`${what} must be { layer, name, shape }, got ${describe(s)}`);
  const spec = s as WeightSpec;
  if (typeof spec.layer !== 'string' || typeof spec.name !== 'string')
    fail(`${what} must name its layer and weight, got ${describe(s)}`);
  // Sizes are compared with the layer's own later, which names both shapes; here only their form.
  if (!Array.isArray(spec.shape) || !spec.shape.every((d) => typeof d === 'number')) {
    fail(`${what} (${spec.layer} ${spec.name}) has a bad shape ${show(spec.shape)}`);
  }
  if (spec.dtype !== undefined && spec.dtype !== 'int8')
    fail(`${what} (${spec.layer} ${spec.name}): 'dtype' must be 'int8' (or absent), got ${describe(spec.dtype)}`);
  if (spec.encoding !== undefined && spec.encoding !== 'sparse')
    fail(
      `${what} (${spec.layer} ${spec.name}): 'encoding' must be 'sparse' (or absent), got ${describe(spec.encoding)}`,
    );
  if (spec.encoding === 'sparse') {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    if (!Number.isInteger(spec.nonzero) || (spec.nonzero as number) < 0 || (spec.nonzero as number) > n)
      fail(
        `${what} (${spec.layer} ${spec.name}) is stored sparse: 'nonzero' ` +
          `must be an integer in [0, ${n}], got ${describe(spec.nonzero)}`,
      );
  } else if (spec.nonzero !== undefined)
    fail(`${what} (${spec.layer} ${spec.name}) has 'nonzero' but is not stored sparse`);
}

export function fail(why: string): never {
  throw new LstmWasmError(`loadModel: ${why}`);
}

/** The bytes of a saved model: a Uint8Array or an ArrayBuffer. */
export type SavedModel = Uint8Array | ArrayBuffer;

/** Checks a saved model's bytes (magic, version, checksums, header form) and gives its header and weights. */
export function decodeModel(saved: SavedModel): { header: Header; floats: Float32Array } {
  const bytes =
    saved instanceof Uint8Array
      ? saved
      : saved instanceof ArrayBuffer
        ? new Uint8Array(saved)
        : fail(`expected the bytes that model.save() returned (a Uint8Array or ArrayBuffer), got ${describe(saved)}`);
  const magic = new TextDecoder().decode(bytes.subarray(0, 8));
  if (bytes.length >= 8 && magic !== MAGIC)
    fail(`this is not an lstm-wasm model: it starts with ${JSON.stringify(magic)} instead of "${MAGIC}"`);
  if (bytes.length < PREFIX)
    fail(`the data is ${bytes.length} bytes long, too short to be a saved model (it is cut short, or not one)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(8, true);
  if (!READABLE_VERSIONS.includes(version))
    fail(
      `format version ${version} is ` +
        (version > FORMAT_VERSION ? 'newer than' : 'not') +
        ` the one this lstm-wasm reads (${FORMAT_VERSION}); ` +
        (version > FORMAT_VERSION ? 'upgrade lstm-wasm' : 'the file is damaged'),
    );
  const hlen = dv.getUint32(12, true);
  if (PREFIX + hlen > bytes.length)
    fail(`the header says ${hlen} bytes but only ${bytes.length - PREFIX} follow: the data is cut short`);
  const headerBytes = bytes.subarray(PREFIX, PREFIX + hlen);
  if (crc32(headerBytes) !== dv.getUint32(16, true)) fail(`the header's checksum does not match: the data is damaged`);
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (e) {
    fail(`the header is not valid JSON (${(e as Error).message}): the data is damaged`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header) || header.format !== 'lstm-wasm')
    fail(`the header does not describe an lstm-wasm model`);
  const unknown = Object.keys(header).filter((k) => !HEADER_KEYS.includes(k));
  if (unknown.length) fail(`the header has keys this version does not know (${unknown.join(', ')})`);
  if (
    !Array.isArray(header.weightSpecs) ||
    !header.modelTopology ||
    !Array.isArray(header.modelTopology.config?.layers)
  )
    fail(`the header lacks its topology or weight list: the data is damaged`);
  for (const [i, s] of header.weightSpecs.entries()) checkSpec(s, `weightSpecs[${i}]`);
  if (header.states !== undefined) {
    if (!Array.isArray(header.states)) fail(`'states' must be a list, got ${describe(header.states)}`);
    const seen = new Set<string>();
    for (const [i, s] of header.states.entries()) {
      checkSpec(s, `states[${i}]`);
      if (s.name !== 'h' && s.name !== 'c') fail(`states[${i}] must be named 'h' or 'c', got ${describe(s.name)}`);
      const key = `${s.layer}/${s.name}`;
      if (seen.has(key)) fail(`states[${i}]: state ${s.name} of ${describe(s.layer)} is given twice`);
      // save() writes h before c: anything else is a damaged (or swapped) list.
      if (s.name === 'c' && !seen.has(`${s.layer}/h`))
        fail(`states[${i}]: state c of ${describe(s.layer)} comes before its h`);
      seen.add(key);
    }
  }
  if (header.optimizerState !== undefined) {
    const o = header.optimizerState;
    if (o === null || typeof o !== 'object' || !Array.isArray(o.slots) || o.slots.length !== 1)
      fail(`'optimizerState' must be { iterations, slots: [one spec] }, got ${describe(o)}`);
    if (!Number.isInteger(o.iterations) || o.iterations < 0)
      fail(`'optimizerState.iterations' must be an integer ≥ 0, got ${describe(o.iterations)}`);
    checkSpec(o.slots[0], 'optimizerState.slots[0]');
    if (!header.training) fail(`the file has an optimizer state but no training config to compile with`);
  }
  const data = bytes.subarray(PREFIX + hlen);
  if (data.length !== header.weightBytes)
    fail(
      `expected ${header.weightBytes} bytes of weights, found ${data.length}: the data is ` +
        (data.length < header.weightBytes ? 'cut short' : 'longer than it should be'),
    );
  if (crc32(data) !== header.crc32)
    fail(`the weights' checksum does not match (crc32 ${crc32(data)} instead of ${header.crc32}): the data is damaged`);
  if (header.weightsDtype !== undefined && header.weightsDtype !== 'float16')
    fail(`'weightsDtype' must be 'float16' (or absent, for float32), got ${describe(header.weightsDtype)}`);
  const meta = header.userDefinedMetadata;
  if (meta !== undefined && (meta === null || typeof meta !== 'object' || Array.isArray(meta)))
    fail(`'userDefinedMetadata' must be an object, got ${describe(meta)}`);
  if (header.weightSpecs.some((sp) => sp.dtype === 'int8' || sp.encoding === 'sparse')) {
    // Sizes differ per weight: read each spec's values in turn (the states follow the weights).
    const f16 = header.weightsDtype === 'float16';
    const all = [...header.weightSpecs, ...(header.states ?? []), ...(header.optimizerState?.slots ?? [])];
    const counts = all.map((sp) => {
      const n = sp.shape.reduce((a, b) => a * b, 1);
      if (!sp.shape.every((d) => Number.isInteger(d) && d > 0))
        fail(`${sp.layer} ${sp.name} has a bad shape ${show(sp.shape)}`);
      return n;
    });
    const per = (sp: WeightSpec) => (sp.dtype === 'int8' ? 1 : f16 ? 2 : 4);
    const sizes = all.map((sp, j) =>
      sp.encoding === 'sparse' ? sparseSize(counts[j], sp.nonzero!, per(sp)) : counts[j] * per(sp),
    );
    const need = sizes.reduce((a, b) => a + b, 0);
    if (need !== data.length)
      fail(`the weight list needs ${need} bytes, the file has ${data.length}: the data is damaged`);
    const floats = new Float32Array(counts.reduce((a, b) => a + b, 0));
    const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    let at = 0,
      k = 0;
    all.forEach((sp, j) => {
      if (sp.encoding === 'sparse') {
        const get = (o: number): [number, number] =>
          sp.dtype === 'int8'
            ? [dv.getInt8(o), o + 1]
            : f16
              ? [fromFloat16Bits(dv.getUint16(o, true)), o + 2]
              : [dv.getFloat32(o, true), o + 4];
        at = readSparse(data, at, counts[j], sp.nonzero!, floats, k, get, `${sp.layer} ${sp.name}`);
        k += counts[j];
        return;
      }
      for (let i = 0; i < counts[j]; i++) {
        if (sp.dtype === 'int8') floats[k++] = dv.getInt8(at++);
        else if (f16) {
          floats[k++] = fromFloat16Bits(dv.getUint16(at, true));
          at += 2;
        } else {
          floats[k++] = dv.getFloat32(at, true);
          at += 4;
        }
      }
    });
    return { header, floats };
  }
  if (header.weightsDtype !== undefined) {
    if (data.length % 2)
      fail(`float16 weights take an even number of bytes, found ${data.length}: the data is damaged`);
    const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const floats = new Float32Array(data.length / 2);
    for (let i = 0; i < floats.length; i++) floats[i] = fromFloat16Bits(dv.getUint16(2 * i, true));
    return { header, floats };
  }
  if (data.length % 4) fail(`float32 weights take a multiple of 4 bytes, found ${data.length}: the data is damaged`);
  const aligned = new Uint8Array(data.length);
  aligned.set(data);
  swapToLE(aligned, 4);
  const floats = new Float32Array(aligned.buffer);

  return { header, floats };
}
