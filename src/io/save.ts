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
import { shapeString } from '../tensor.js';
import { Sequential } from '../model.js';
import { Layer } from '../layers/layer.js';
import { Dense } from '../layers/dense.js';
import { Dropout } from '../layers/dropout.js';
import { Embedding } from '../layers/embedding.js';
import { Masking } from '../layers/masking.js';
import { GRU, LSTM, Recurrent, SimpleRNN } from '../layers/recurrent.js';
import { Bidirectional } from '../layers/bidirectional.js';
import { crc32 } from './crc32.js';

export const MAGIC = 'LSTMWASM';
export const FORMAT_VERSION = 1;
const PREFIX = 20;
const HEADER_KEYS = ['format', 'formatVersion', 'modelTopology', 'weightSpecs', 'weightBytes', 'crc32', 'states', 'training'];

interface WeightSpec {
  layer: string;
  name: string;
  shape: number[];
}

interface Header {
  format: 'lstm-wasm';
  formatVersion: number;
  modelTopology: { className: 'Sequential'; config: { name: string; layers: { className: string; config: Record<string, unknown> }[] } };
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

export function saveModel(model: Sequential, options: SaveOptions = {}): Uint8Array {
  if (model.isDisposed) throw new LstmWasmError(`save: the model was disposed`);
  const weights: Float32Array[] = [];
  const specs: WeightSpec[] = [];
  for (const l of model.layers) {
    const ws = l.getWeights();
    ws.forEach((w, i) => { weights.push(w.data); specs.push({ layer: l.name, name: l.slots[i].spec.name, shape: w.shape }); });
  }
  const states: WeightSpec[] = [];
  if (options.includeState) {
    for (const l of model.layers) {
      if (l instanceof Recurrent && l.stateful) {
        l.getStates().forEach((s, i) => { weights.push(s.data); states.push({ layer: l.name, name: i === 0 ? 'h' : 'c', shape: s.shape }); });
      }
    }
  }
  const data = f32Bytes(weights);
  const header: Header = {
    format: 'lstm-wasm',
    formatVersion: FORMAT_VERSION,
    modelTopology: { className: 'Sequential', config: { name: model.name, layers: model.layers.map((l) => ({ className: l.className, config: l.getConfig() })) } },
    weightSpecs: specs,
    weightBytes: data.length,
    crc32: crc32(data),
    states: states.length ? states : undefined,
    training: model.compileConfig,
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

const LAYERS: Record<string, (c: Record<string, unknown>) => Layer> = {
  LSTM: (c) => new LSTM(c as never),
  GRU: (c) => new GRU(c as never),
  SimpleRNN: (c) => new SimpleRNN(c as never),
  Dense: (c) => new Dense(c as never),
  Dropout: (c) => new Dropout(c as never),
  Embedding: (c) => new Embedding(c as never),
  Masking: (c) => new Masking(c as never),
  Bidirectional: (c) => {
    const inner = c.layer as { className?: string; config?: Record<string, unknown> } | undefined;
    if (!inner || typeof inner !== 'object' || !inner.className || !['LSTM', 'GRU', 'SimpleRNN'].includes(inner.className)) {
      throw new LstmWasmError(`loadModel: Bidirectional needs a wrapped LSTM, GRU or SimpleRNN layer, got ${describe(inner)}`);
    }
    const { layer: _l, ...rest } = c;
    return new Bidirectional({ ...rest, layer: LAYERS[inner.className](inner.config ?? {}) as Recurrent } as never);
  },
};

export function layerFromConfig(className: unknown, config: unknown): Layer {
  if (typeof className !== 'string' || !Object.hasOwn(LAYERS, className)) {
    throw new LstmWasmError(`loadModel: unknown layer class ${describe(className)}; supported: ${Object.keys(LAYERS).join(', ')}`);
  }
  if (config === null || typeof config !== 'object') throw new LstmWasmError(`loadModel: ${className} config must be an object, got ${describe(config)}`);
  return LAYERS[className](config as Record<string, unknown>);
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

function fail(why: string): never {
  throw new LstmWasmError(`loadModel: ${why}`);
}

export type SavedModel = Uint8Array | ArrayBuffer;

export async function loadModel(saved: SavedModel): Promise<Sequential> {
  return loadModelSync(saved);
}

export function loadModelSync(saved: SavedModel): Sequential {
  const bytes = saved instanceof Uint8Array ? saved : saved instanceof ArrayBuffer ? new Uint8Array(saved) : fail(`expected the bytes that model.save() returned (a Uint8Array or ArrayBuffer), got ${describe(saved)}`);
  const magic = new TextDecoder().decode(bytes.subarray(0, 8));
  if (bytes.length >= 8 && magic !== MAGIC) fail(`this is not an lstm-wasm model: it starts with ${JSON.stringify(magic)} instead of "${MAGIC}"`);
  if (bytes.length < PREFIX) fail(`the data is ${bytes.length} bytes long, too short to be a saved model (it is cut short, or not one)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(8, true);
  if (version !== FORMAT_VERSION) fail(`format version ${version} is ${version > FORMAT_VERSION ? 'newer than' : 'not'} the one this lstm-wasm reads (${FORMAT_VERSION}); ${version > FORMAT_VERSION ? 'upgrade lstm-wasm' : 'the file is damaged'}`);
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

  const layers = header.modelTopology.config.layers.map((l) => layerFromConfig(l?.className, l?.config));
  const model = new Sequential({ layers, name: header.modelTopology.config.name });
  model.build();
  let at = 0;
  const take = (spec: WeightSpec, what: string): Float32Array => {
    const shape = spec?.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d > 0)) fail(`${what} has a bad shape ${describe(shape)}`);
    const n = shape.reduce((a, b) => a * b, 1);
    if (at + n > floats.length) fail(`${what} runs past the end of the weights`);
    const out = floats.subarray(at, at + n);
    at += n;
    return out;
  };
  let si = 0;
  for (const l of model.layers) {
    const ws = l.slots.map((slot) => {
      const spec = header.weightSpecs[si++];
      if (!spec) fail(`the file has fewer weights than the topology needs (${l.where} ${slot.spec.name} is missing)`);
      if (shapeString(spec.shape) !== shapeString(slot.spec.shape)) fail(`${l.where} ${slot.spec.name} must have shape ${shapeString(slot.spec.shape)}, the file has ${shapeString(spec.shape)}`);
      return { data: take(spec, `${l.where} ${slot.spec.name}`), shape: spec.shape };
    });
    l.setWeights(ws);
  }
  if (si !== header.weightSpecs.length) fail(`the file has ${header.weightSpecs.length} weights but the topology uses ${si}`);
  for (const s of header.states ?? []) {
    const l = model.layers.find((x) => x.name === s.layer);
    if (!(l instanceof Recurrent) || !l.stateful) fail(`state for ${describe(s.layer)}, which is not a stateful layer of this model`);
    if (s.name === 'c' && !(l instanceof LSTM)) fail(`state 'c' for ${l.where}, which has no cell state`);
    if (shapeString(s.shape) !== shapeString([l.batchSize as number, l.units])) fail(`state ${s.name} of ${l.where} must have shape ${shapeString([l.batchSize as number, l.units])}, the file has ${shapeString(s.shape)}`);
    const values = take(s, `state ${s.name} of ${l.where}`);
    l.setState(s.name === 'c' ? 1 : 0, values);
  }
  if (at !== floats.length) fail(`${floats.length - at} weight values are left over: the file does not match its topology`);
  if (header.training && typeof header.training === 'object' && header.training.optimizer) {
    const t = header.training as { optimizer: never; loss: string; metrics?: string[]; clipNorm?: number; clipValue?: number };
    model.compile({ optimizer: t.optimizer, loss: t.loss, metrics: t.metrics, clipNorm: t.clipNorm, clipValue: t.clipValue });
  }
  return model;
}
