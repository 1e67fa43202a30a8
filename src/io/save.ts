// The saved-model format: one byte array that holds the topology as JSON and the weights as
// float32 bytes, guarded so that a damaged or foreign file is an error, never a model with
// garbage weights.
//
//   bytes 0..7    "LSTMWASM" (magic)
//   bytes 8..11   format version, u32 little-endian
//   bytes 12..15  header length H, u32 little-endian
//   bytes 16..19  CRC-32 of the header bytes, u32 little-endian
//   bytes 20..    header: UTF-8 JSON { modelTopology, weightSpecs, weightBytes, crc32, states?, training? }
//   then          weights: float32 little-endian, weightBytes long, in weightSpecs order
import { LstmWasmError, describe, show } from '../errors.js';
import type { Layer } from '../layers/layer.js';
import { crc32 } from './crc32.js';

export const MAGIC = 'LSTMWASM';
/** 2: the topology is a graph (Model) or a chain (Sequential). Files of version 1 (Sequential only) still load. */
export const FORMAT_VERSION = 2;
export const READABLE_VERSIONS = [1, 2];
const PREFIX = 20;
const HEADER_KEYS = ['format', 'formatVersion', 'modelTopology', 'weightSpecs', 'weightBytes', 'crc32', 'states', 'training'];

export interface WeightSpec {
  layer: string;
  name: string;
  shape: number[];
}

export interface Header {
  format: 'lstm-wasm';
  formatVersion: number;
  modelTopology: { className: string; config: Record<string, unknown> & { name?: string; layers: { className: string; config: Record<string, unknown>; inboundNodes?: unknown }[] } };
  weightSpecs: WeightSpec[];
  weightBytes: number;
  crc32: number;
  states?: WeightSpec[];
  training?: Record<string, unknown> | null;
}

export interface SaveOptions {
  /** Also save the recurrent state of stateful layers (default false). */
  includeState?: boolean;
}

const isLittleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function f32Bytes(parts: Float32Array[]): Uint8Array {
  const n = parts.reduce((s, p) => s + p.length, 0);
  const all = new Float32Array(n);
  let at = 0;
  for (const p of parts) { all.set(p, at); at += p.length; }
  const bytes = new Uint8Array(all.buffer);
  if (!isLittleEndian) for (let i = 0; i < bytes.length; i += 4) bytes.subarray(i, i + 4).reverse();
  return bytes;
}

/** What a model gives save(): its topology, its layers with weights (in order), its compile config. */
export interface Saveable {
  topology: { className: string; config: Record<string, unknown> };
  layers: Layer[];
  training: Record<string, unknown> | null;
}

export function encodeModel(model: Saveable, options: SaveOptions = {}): Uint8Array {
  const weights: Float32Array[] = [];
  const specs: WeightSpec[] = [];
  for (const l of model.layers) {
    const ws = l.getWeights();
    ws.forEach((w, i) => { weights.push(w.data); specs.push({ layer: l.name, name: l.slots[i].spec.name, shape: w.shape }); });
  }
  const states: WeightSpec[] = [];
  if (options.includeState) {
    for (const l of model.layers) {
      if (!l.isStateful()) continue;
      const r = l as unknown as { getStates(): { data: Float32Array; shape: number[] }[] };
      r.getStates().forEach((st, i) => { weights.push(st.data); states.push({ layer: l.name, name: i === 0 ? 'h' : 'c', shape: st.shape }); });
    }
  }
  const data = f32Bytes(weights);
  const header: Header = {
    format: 'lstm-wasm',
    formatVersion: FORMAT_VERSION,
    modelTopology: model.topology as Header['modelTopology'],
    weightSpecs: specs,
    weightBytes: data.length,
    crc32: crc32(data),
    states: states.length ? states : undefined,
    training: model.training,
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
  if (typeof spec.layer !== 'string' || typeof spec.name !== 'string') fail(`${what} must name its layer and weight, got ${describe(s)}`);
  // Sizes are compared with the layer's own later, which names both shapes; here only their form.
  if (!Array.isArray(spec.shape) || !spec.shape.every((d) => typeof d === 'number')) {
    fail(`${what} (${spec.layer} ${spec.name}) has a bad shape ${show(spec.shape)}`);
  }
}

export function fail(why: string): never {
  throw new LstmWasmError(`loadModel: ${why}`);
}

export type SavedModel = Uint8Array | ArrayBuffer;

/** Checks a saved model's bytes (magic, version, checksums, header form) and gives its header and weights. */
export function decodeModel(saved: SavedModel): { header: Header; floats: Float32Array } {
  const bytes = saved instanceof Uint8Array ? saved : saved instanceof ArrayBuffer ? new Uint8Array(saved) : fail(`expected the bytes that model.save() returned (a Uint8Array or ArrayBuffer), got ${describe(saved)}`);
  const magic = new TextDecoder().decode(bytes.subarray(0, 8));
  if (bytes.length >= 8 && magic !== MAGIC) fail(`this is not an lstm-wasm model: it starts with ${JSON.stringify(magic)} instead of "${MAGIC}"`);
  if (bytes.length < PREFIX) fail(`the data is ${bytes.length} bytes long, too short to be a saved model (it is cut short, or not one)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(8, true);
  if (!READABLE_VERSIONS.includes(version)) fail(`format version ${version} is ${version > FORMAT_VERSION ? 'newer than' : 'not'} the one this lstm-wasm reads (${FORMAT_VERSION}); ${version > FORMAT_VERSION ? 'upgrade lstm-wasm' : 'the file is damaged'}`);
  const hlen = dv.getUint32(12, true);
  if (PREFIX + hlen > bytes.length) fail(`the header says ${hlen} bytes but only ${bytes.length - PREFIX} follow: the data is cut short`);
  const headerBytes = bytes.subarray(PREFIX, PREFIX + hlen);
  if (crc32(headerBytes) !== dv.getUint32(16, true)) fail(`the header's checksum does not match: the data is damaged`);
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (e) {
    fail(`the header is not valid JSON (${(e as Error).message}): the data is damaged`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header) || header.format !== 'lstm-wasm') fail(`the header does not describe an lstm-wasm model`);
  const unknown = Object.keys(header).filter((k) => !HEADER_KEYS.includes(k));
  if (unknown.length) fail(`the header has keys this version does not know (${unknown.join(', ')})`);
  if (!Array.isArray(header.weightSpecs) || !header.modelTopology || !Array.isArray(header.modelTopology.config?.layers)) fail(`the header lacks its topology or weight list: the data is damaged`);
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
      if (s.name === 'c' && !seen.has(`${s.layer}/h`)) fail(`states[${i}]: state c of ${describe(s.layer)} comes before its h`);
      seen.add(key);
    }
  }
  const data = bytes.subarray(PREFIX + hlen);
  if (data.length !== header.weightBytes) fail(`expected ${header.weightBytes} bytes of weights, found ${data.length}: the data is ${data.length < header.weightBytes ? 'cut short' : 'longer than it should be'}`);
  if (crc32(data) !== header.crc32) fail(`the weights' checksum does not match (crc32 ${crc32(data)} instead of ${header.crc32}): the data is damaged`);
  const aligned = new Uint8Array(data.length);
  aligned.set(data);
  if (!isLittleEndian) for (let i = 0; i < aligned.length; i += 4) aligned.subarray(i, i + 4).reverse();
  const floats = new Float32Array(aligned.buffer);

  return { header, floats };
}
