// The TensorFlow.js layers format (model.json + binary weight shards), in and out, for Sequential
// and functional models of the layers this library has. loadLayersModel() reads what TF.js's model.save() writes
// and what the Keras converter (tensorflowjs_converter --input_format keras) writes; toLayersModel()
// and saveLayersModel() write files that TF.js's tf.loadLayersModel() reads unchanged.
//
// Both are Keras model configs: TF.js writes them in snake_case with Keras class names, the Keras
// converter adds Keras 2 (or 3) details around them (model_config, InputLayer, dtype policies,
// inbound_nodes of functional models, Keras 2 lists or Keras 3 { args, kwargs }). A functional
// model is rebuilt by applying each layer to the tensors its inbound nodes name, in whatever order
// they become ready; one that is a plain chain of the Sequential layers loads as a Sequential, as
// it always has. Options are read by a table per layer class: each one is
// taken, ignored where it cannot change what the model computes (initializers once weights are
// loaded, `implementation`, `unroll`), or refused with an error that names it. A model that
// loads here computes what it computed where it was saved, or it does not load.
//
// Conv1D, MaxPooling1D, AveragePooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D and
// LayerNormalization go both ways; Attention, AdditiveAttention and MultiHeadAttention (which TF.js
// does not have) are read from Keras 3 functional configs (call options use_causal_mask,
// return_attention_scores, key, attention_mask and Attention's mask in a node's kwargs; weights
// query/kernel, …, attention_output/bias by their path) but not written.
import { halfToFloat } from './bytes.js';
import { LstmWasmError, describe } from '../errors.js';
import { shapeString } from '../tensor.js';
import { Sequential } from '../sequential.js';
import { Model } from '../model.js';
import type { SymbolicTensor } from '../engine/symbolic.js';
import type { Layer, Shape } from '../layers/layer.js';
import { InputLayer } from '../layers/input.js';
import { TimeDistributed } from '../layers/time-distributed.js';
import { Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract } from '../layers/merge.js';
import { Activation, Flatten, Permute, RepeatVector, Reshape } from '../layers/reshape.js';
import { Dense } from '../layers/dense.js';
import { Dropout } from '../layers/dropout.js';
import { Embedding } from '../layers/embedding.js';
import { Masking } from '../layers/masking.js';
import { GRU, LSTM, Recurrent, SimpleRNN } from '../layers/recurrent.js';
import { Bidirectional, type MergeMode } from '../layers/bidirectional.js';
import { Conv1D } from '../layers/conv.js';
import { AveragePooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D, MaxPooling1D } from '../layers/pooling.js';
import { LayerNormalization } from '../layers/normalization.js';
import { AdditiveAttention, Attention, MultiHeadAttention } from '../layers/attention.js';
import type { ActivationName } from '../layers/activations.js';
import type { InitializerName } from '../layers/initializers.js';
import { toFloat16Bits } from './save.js';

// ---- the format ----------------------------------------------------------------------------

/** A weight's TF.js quantization entry: dtype ('uint8', 'uint16', 'float16') and its scale and min. */
export interface WeightQuantization {
  dtype: 'uint8' | 'uint16' | 'float16';
  scale?: number;
  min?: number;
  original_dtype?: string;
}

/** One weight in a weightsManifest group (TF.js WeightsManifestEntry). */
export interface WeightEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32' | string;
  quantization?: WeightQuantization;
}

/** One group of a weightsManifest (TF.js): its shard paths and the weights they hold, in order. */
export interface WeightGroup {
  paths: string[];
  weights: WeightEntry[];
}

/** The content of model.json. */
export interface LayersModelJson {
  modelTopology: Record<string, unknown>;
  weightsManifest: WeightGroup[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  trainingConfig?: unknown;
  [key: string]: unknown;
}

/**
 * A model in the TF.js layers format, in memory: `modelJson` (model.json) and `weightData` (the
 * shards, concatenated), plus the fields of TF.js's ModelArtifacts, so the object goes straight to
 * `tf.loadLayersModel(tf.io.fromMemory(artifacts))`.
 */
export interface LayersModelArtifacts {
  modelJson: LayersModelJson;
  weightData: ArrayBuffer;
  modelTopology: Record<string, unknown>;
  weightSpecs: WeightEntry[];
  format: string;
  generatedBy: string;
  convertedBy: null;
  /** Shard file names and their bytes, as saveLayersModel() writes them beside model.json. */
  shards: { path: string; data: Uint8Array }[];
}

type Bytes = ArrayBuffer | ArrayBufferView;

/** What loadLayersModel() reads. */
export type LayersModelSource =
  | string
  | URL
  | { modelJson: LayersModelJson | string; weights?: Bytes | Bytes[]; weightData?: Bytes | Bytes[] }
  | { modelTopology?: unknown; weightSpecs?: WeightEntry[]; weightData?: Bytes | Bytes[] }
  | { load(): Promise<unknown> };

/**
 * Options of loadLayersModel(): `fetch` and `requestInit` for URLs, `allowCrossOrigin` (weight
 * shards on another origin).
 */
export interface LoadLayersModelOptions {
  /** The fetch to use for URLs (default: globalThis.fetch). */
  fetch?: (input: string, init?: RequestInit) => Promise<Response>;
  /** Passed to every fetch (headers, credentials). */
  requestInit?: RequestInit;
  /** Let model.json name weight shards on another origin (default false: such a file is refused). */
  allowCrossOrigin?: boolean;
}

/**
 * A weight shard's path as model.json gives it: relative, inside the model's folder. Files from the
 * internet are untrusted: an absolute path, a scheme, a `..` segment or a NUL is refused, never read.
 */
function shardPath(p: unknown, file: string): string {
  if (typeof p !== 'string' || p === '' || p.length > 1024)
    fail(`${file}: a weightsManifest path must be a non-empty relative path, got ${describe(p)}`);
  const bad = p.includes('\0')
    ? 'holds a NUL'
    : /^[a-z][a-z0-9+.-]*:/i.test(p)
      ? 'names a scheme or a drive'
      : /^[\\/]/.test(p)
        ? 'is absolute'
        : p.split(/[\\/]/).some((seg) => seg === '..')
          ? "climbs out with '..'"
          : null;
  if (bad)
    fail(
      `${file}: the weightsManifest path ${JSON.stringify(p)} ${bad}; weight ` +
        "shards must lie inside the model's own folder, so it was not read",
    );
  return p;
}

/** Bytes the manifest's weights take, to check shards against before reading them. */
function manifestSize(manifest: WeightGroup[], file: string): number {
  let n = 0;
  for (const g of manifest)
    for (const w of g.weights ?? []) n += entryBytes(w, `${file}: weight ${describe((w as { name?: unknown })?.name)}`);
  return n;
}

const WHERE = 'loadLayersModel';

function fail(why: string): never {
  throw new LstmWasmError(`${WHERE}: ${why}`);
}

// ---- reading model.json and shards ---------------------------------------------------------

const hasFileSystem = (): boolean =>
  !!(globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node ||
  typeof (globalThis as { Deno?: unknown }).Deno !== 'undefined';

type Fs = {
  readFile(p: string): Promise<Uint8Array>;
  stat(p: string): Promise<{ isDirectory(): boolean; size?: number }>;
  mkdir(p: string, o: { recursive: boolean }): Promise<unknown>;
  writeFile(p: string, d: Uint8Array | string): Promise<void>;
};

async function fileSystem(where: string): Promise<Fs> {
  // A computed name, so bundlers for the browser leave it alone.
  const name = 'node:fs/promises';
  try {
    return (await import(/* @vite-ignore */ name)) as Fs;
  } catch (e) {
    throw new LstmWasmError(
      `${where}: reading and writing files needs Node or Deno (${(e as Error).message}); ` +
        "in a browser, pass a URL or the model's parts in memory",
    );
  }
}

/**
 * The path a `file://` URL names, read as tfjs-node reads it: what follows `file://` is the path,
 * absolute (`file:///tmp/model`) or relative to the working directory (`file://./model`,
 * `file://model`). Never through `new URL()`, which takes the `.` of `file://./model` for a host
 * and leaves `/model`, a folder at the root nobody named. Percent escapes are decoded (Node's
 * pathToFileURL writes a space as %20); `file:///C:/…` gives `C:/…`. Other strings pass as they are.
 */
function filePath(s: string, where: string): string {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(s)?.[1];
  if (scheme !== undefined && scheme.toLowerCase() !== 'file') {
    // TF.js's localstorage://, indexeddb://, downloads://, http:// handlers: read as a path, they
    // would make a folder named 'localstorage:' here. Not ours to imitate; refused, with the way.
    throw new LstmWasmError(
      `${where}: ${JSON.stringify(s)}: ${scheme}:// URLs are not handled here; give a path or a file:// URL` +
        (where === 'saveLayersModel'
          ? ', and toLayersModel(model) gives the model.json and shards to store or send yourself'
          : ''),
    );
  }
  if (!/^file:/i.test(s)) return s;
  const m = /^file:\/\/(.*)$/is.exec(s);
  const bad = (why: string): never => {
    throw new LstmWasmError(
      `${where}: ${JSON.stringify(s)} ${why}; write file:///absolute/path, ` +
        'file://./relative/path (to the working directory) or a plain path',
    );
  };
  if (!m || m[1] === '') bad('is not a file:// URL with a path');
  let p = m![1];
  try {
    p = decodeURIComponent(p);
  } catch {
    bad('has a malformed percent escape');
  }
  return p.replace(/^\/([a-z]:)/i, '$1');
}

const dirOf = (p: string): string => {
  const i = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  return i < 0 ? '.' : i === 0 ? p.slice(0, 1) : p.slice(0, i);
};
const joinPath = (dir: string, rel: string): string =>
  /^([a-z]:)?[\\/]/i.test(rel) ? rel : `${dir.replace(/[\\/]+$/, '')}/${rel}`;

function parseModelJson(text: string, what: string): LayersModelJson {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    fail(`${what} is not valid JSON (${(e as Error).message}): the file is cut short or damaged`);
  }
  return checkModelJson(json, what);
}

function checkModelJson(json: unknown, what: string): LayersModelJson {
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    fail(`${what} must hold a JSON object with modelTopology and weightsManifest, got ${describe(json)}`);
  const j = json as LayersModelJson;
  if (j.modelTopology === undefined || j.modelTopology === null || typeof j.modelTopology !== 'object') {
    fail(
      `${what} has no modelTopology` +
        ((j as { format?: string }).format === 'graph-model'
          ? ': it is a TF.js graph model (from a SavedModel), not a layers model'
          : ''),
    );
  }
  if (j.weightsManifest !== undefined && !Array.isArray(j.weightsManifest))
    fail(`${what}: weightsManifest must be an array of { paths, weights }, got ${describe(j.weightsManifest)}`);
  for (const [gi, grp] of (j.weightsManifest ?? []).entries()) {
    if (!grp || !Array.isArray(grp.paths) || !Array.isArray(grp.weights))
      fail(`${what}: weightsManifest[${gi}] must be { paths: [...], weights: [...] }, got ${describe(grp)}`);
  }
  return j;
}

function asBytes(b: unknown, what: string): Uint8Array {
  if (b instanceof ArrayBuffer) return new Uint8Array(b);
  if (ArrayBuffer.isView(b)) return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  fail(`${what} must be an ArrayBuffer or a typed array, got ${describe(b)}`);
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2 };

function entryBytes(w: WeightEntry, what: string): number {
  if (
    !w ||
    typeof w.name !== 'string' ||
    !Array.isArray(w.shape) ||
    !w.shape.every((d) => Number.isInteger(d) && d >= 0)
  ) {
    fail(`${what}: a weightsManifest entry must be { name, shape, dtype }, got ${describe(w)}`);
  }
  const n = w.shape.reduce((a, b) => a * b, 1);
  const dt = w.quantization?.dtype ?? w.dtype ?? 'float32';
  const size = DTYPE_BYTES[dt];
  if (!size)
    fail(
      `weight '${w.name}' has dtype ${JSON.stringify(dt)}; lstm-wasm reads ` +
        'float32, int32 and the TF.js quantized forms (uint8, uint16, float16)',
    );
  return n * size;
}

/** Checks each group's shards against its entries; returns all entries and the bytes, in manifest order. */
function manifestBytes(
  manifest: WeightGroup[],
  shards: Uint8Array[][],
  what: string,
): { entries: WeightEntry[]; data: Uint8Array } {
  const parts: Uint8Array[] = [];
  const entries: WeightEntry[] = [];
  manifest.forEach((grp, gi) => {
    const need = grp.weights.reduce((s, w) => s + entryBytes(w, what), 0);
    const got = shards[gi].reduce((s, b) => s + b.length, 0);
    if (got !== need) {
      const sizes = grp.paths.map((p, i) => `${p}: ${shards[gi][i]?.length ?? 0} bytes`).join(', ');
      fail(
        `the weight shards of group ${gi + 1} hold ${got} bytes ` +
          `(${sizes}), but its ${grp.weights.length} weights (` +
          grp.weights
            .map((w) => `${w.name} ${shapeString(w.shape)}`)
            .slice(0, 4)
            .join(', ') +
          `${grp.weights.length > 4 ? ', …' : ''}) need ${need}: a shard is ` +
          (got < need ? 'missing or cut short' : 'longer than it should be, or belongs to another model'),
      );
    }
    parts.push(...shards[gi]);
    entries.push(...grp.weights);
  });
  return { entries, data: concatBytes(parts) };
}

function splitBuffers(buffers: Uint8Array[], manifest: WeightGroup[], what: string): Uint8Array[][] {
  const nPaths = manifest.reduce((s, g) => s + g.paths.length, 0);
  if (buffers.length === nPaths && nPaths > 0) {
    let i = 0;
    return manifest.map((g) => g.paths.map(() => buffers[i++]));
  }
  // One buffer for everything: cut it by the groups' sizes.
  const all = concatBytes(buffers);
  const need = manifest.map((g) => g.weights.reduce((s, w) => s + entryBytes(w, what), 0));
  const total = need.reduce((a, b) => a + b, 0);
  if (all.length !== total) {
    fail(
      `the weights hold ${all.length} bytes, but the weightsManifest describes ${total}: ` +
        (all.length < total
          ? 'they are cut short or a shard is missing'
          : 'they are longer than the manifest says, or belong to another model'),
    );
  }
  let at = 0;
  return need.map((n) => {
    const b = all.subarray(at, at + n);
    at += n;
    return [b];
  });
}

async function readFromFiles(
  path: string,
): Promise<{ json: LayersModelJson; data: Uint8Array; entries: WeightEntry[] }> {
  const fs = await fileSystem(WHERE);
  let file = path;
  try {
    if ((await fs.stat(path)).isDirectory()) file = joinPath(path, 'model.json');
  } catch (e) {
    fail(`cannot read ${JSON.stringify(path)} (${(e as Error).message})`);
  }
  let text: string;
  try {
    text = new TextDecoder().decode(await fs.readFile(file));
  } catch (e) {
    fail(`cannot read ${JSON.stringify(file)} (${(e as Error).message})`);
  }
  const json = parseModelJson(text, file);
  const dir = dirOf(file);
  const shards: Uint8Array[][] = [];
  const want = manifestSize(json.weightsManifest ?? [], file);
  let seen = 0;
  for (const grp of json.weightsManifest ?? []) {
    const bufs: Uint8Array[] = [];
    for (const p of grp.paths) {
      const at = joinPath(dir, shardPath(p, file));
      try {
        // Sizes before reading: a shard larger than all the weights it could hold is refused unread.
        const size = (await fs.stat(at)).size;
        if (typeof size === 'number' && (seen += size) > want)
          fail(
            `the weight shard ${JSON.stringify(p)} that ${file} lists makes ${seen} bytes ` +
              `of shards, more than the ${want} its weights take: refused before reading`,
          );
        bufs.push(await fs.readFile(at));
      } catch (e) {
        if (e instanceof LstmWasmError) throw e;
        fail(`cannot read the weight shard ${JSON.stringify(p)} that ${file} lists (${(e as Error).message})`);
      }
    }
    shards.push(bufs);
  }
  return { json, ...manifestBytes(json.weightsManifest ?? [], shards, file) };
}

async function readFromUrl(
  url: string,
  options: LoadLayersModelOptions,
): Promise<{ json: LayersModelJson; data: Uint8Array; entries: WeightEntry[] }> {
  const f = options.fetch ?? (globalThis as { fetch?: LoadLayersModelOptions['fetch'] }).fetch;
  if (typeof f !== 'function') fail(`there is no fetch() here to read ${url}; pass { fetch } in the options`);
  const get = async (u: string, what: string): Promise<Response> => {
    let r: Response;
    try {
      r = await f(u, options.requestInit);
    } catch (e) {
      fail(`cannot fetch ${what} ${u} (${(e as Error).message})`);
    }
    if (!r.ok) fail(`fetching ${what} ${u} failed: HTTP ${r.status}${r.statusText ? ` ${r.statusText}` : ''}`);
    return r;
  };
  const json = parseModelJson(await (await get(url, 'model.json')).text(), url);
  const base =
    typeof location !== 'undefined' && !/^[a-z][a-z0-9+.-]*:/i.test(url) ? new URL(url, location.href) : new URL(url);
  const shards: Uint8Array[][] = [];
  const want = manifestSize(json.weightsManifest ?? [], url);
  let seen = 0;
  for (const grp of json.weightsManifest ?? []) {
    const bufs: Uint8Array[] = [];
    for (const p of grp.paths) {
      if (typeof p !== 'string' || p === '' || p.length > 4096 || p.includes('\0'))
        fail(`${url}: a weightsManifest path must be a non-empty URL path, got ${describe(p)}`);
      const at = new URL(p, base);
      if (at.protocol !== 'https:' && at.protocol !== 'http:')
        fail(`${url}: the weight shard ${JSON.stringify(p)} is not an http(s) URL (${at.protocol}); refused`);
      if (at.origin !== base.origin && !options.allowCrossOrigin) {
        fail(
          `${url}: the weight shard ${JSON.stringify(p)} is on another ` +
            `origin (${at.origin}); pass { allowCrossOrigin: true } to fetch it`,
        );
      }
      const r = await get(at.href, 'weight shard');
      const len = Number(r.headers?.get?.('content-length') ?? NaN);
      if (Number.isFinite(len) && seen + len > want)
        fail(
          `the weight shard ${at.href} is ${len} bytes, more than the ` +
            `${want - seen} the weights have left: refused before reading`,
        );
      const b = new Uint8Array(await r.arrayBuffer());
      if ((seen += b.length) > want)
        fail(`the weight shards of ${url} hold more than the ${want} bytes its weights take`);
      bufs.push(b);
    }
    shards.push(bufs);
  }
  return { json, ...manifestBytes(json.weightsManifest ?? [], shards, url) };
}

/**
 * A model from the TF.js layers format: a path to model.json or to its folder (Node, Deno; also
 * as a file:// URL, read as tfjs-node reads it: file:///abs/path, file://./relative), a URL
 * (fetch), `{ modelJson, weights }` in memory, TF.js's ModelArtifacts
 * (`{ modelTopology, weightSpecs, weightData }`), or a TF.js IOHandler such as tf.io.fromMemory(...).
 * Reads models saved by TF.js and converted from Keras (2 and 3). A Sequential config (and a
 * functional one whose layers form one chain of the Sequential layers) gives a Sequential; any
 * other functional config (several inputs or outputs, shared layers, merges, initial states) a
 * Model. Optimizer state and training config are not read: compile() the model to train it.
 */
export async function loadLayersModel(source: LayersModelSource, options: LoadLayersModelOptions = {}): Promise<Model> {
  if (source === null || source === undefined)
    fail(`expected a path, a URL or { modelJson, weights }, got ${describe(source)}`);
  if (typeof source === 'string' || source instanceof URL) {
    const s = String(source);
    if (/^https?:\/\//i.test(s) || (!hasFileSystem() && !/^file:/i.test(s))) {
      const r = await readFromUrl(s, options);
      return fromParts(r.json.modelTopology, r.entries, r.data);
    }
    const r = await readFromFiles(filePath(s, WHERE));
    return fromParts(r.json.modelTopology, r.entries, r.data);
  }
  if (typeof source !== 'object') fail(`expected a path, a URL or { modelJson, weights }, got ${describe(source)}`);
  if (typeof (source as { load?: unknown }).load === 'function') {
    const artifacts = await (source as { load(): Promise<unknown> }).load();
    return loadLayersModel(artifacts as LayersModelSource, options);
  }
  if ('modelJson' in source) {
    const mj = source.modelJson;
    const json = typeof mj === 'string' ? parseModelJson(mj, 'modelJson') : checkModelJson(mj, 'modelJson');
    const raw = source.weights ?? source.weightData;
    const manifest = json.weightsManifest ?? [];
    const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
    const buffers = list.map((b, i) => asBytes(b, `weights${Array.isArray(raw) ? `[${i}]` : ''}`));
    const { entries, data } = manifestBytes(manifest, splitBuffers(buffers, manifest, 'modelJson'), 'modelJson');
    return fromParts(json.modelTopology, entries, data);
  }
  if ('modelTopology' in source) {
    const a = source as { modelTopology?: unknown; weightSpecs?: WeightEntry[]; weightData?: Bytes | Bytes[] };
    if (a.modelTopology === null || typeof a.modelTopology !== 'object' || a.modelTopology instanceof ArrayBuffer)
      fail(`modelTopology must be the Keras model config (an object), got ${describe(a.modelTopology)}`);
    const specs = a.weightSpecs ?? [];
    if (!Array.isArray(specs)) fail(`weightSpecs must be an array, got ${describe(specs)}`);
    const list = a.weightData === undefined ? [] : Array.isArray(a.weightData) ? a.weightData : [a.weightData];
    const data = concatBytes(
      list.map((b, i) => asBytes(b, `weightData${Array.isArray(a.weightData) ? `[${i}]` : ''}`)),
    );
    const need = specs.reduce((s, w) => s + entryBytes(w, 'weightSpecs'), 0);
    if (data.length !== need)
      fail(
        `weightData holds ${data.length} bytes, but weightSpecs describe ${need}: ` +
          (data.length < need ? 'it is cut short' : 'it is longer than the specs say, or belongs to another model'),
      );
    return fromParts(a.modelTopology as Record<string, unknown>, specs, data);
  }
  fail(
    'expected a path, a URL, { modelJson, weights } or { ' +
      `modelTopology, weightSpecs, weightData }, got ${describe(source)}`,
  );
}

// ---- weights -------------------------------------------------------------------------------

interface NamedWeight {
  name: string;
  parts: string[];
  last: string;
  shape: number[];
  values: Float32Array;
  used: boolean;
}

function decodeWeights(entries: WeightEntry[], data: Uint8Array): NamedWeight[] {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let at = 0;
  return entries.map((w) => {
    const n = w.shape.reduce((a, b) => a * b, 1);
    const q = w.quantization;
    const values = new Float32Array(n);
    if (q) {
      const scale = q.scale ?? 1,
        min = q.min ?? 0;
      for (let i = 0; i < n; i++) {
        if (q.dtype === 'uint8') values[i] = data[at + i] * scale + min;
        else if (q.dtype === 'uint16') values[i] = dv.getUint16(at + 2 * i, true) * scale + min;
        else values[i] = halfToFloat(dv.getUint16(at + 2 * i, true));
      }
    } else if (w.dtype === 'int32') {
      for (let i = 0; i < n; i++) values[i] = dv.getInt32(at + 4 * i, true);
    } else {
      for (let i = 0; i < n; i++) values[i] = dv.getFloat32(at + 4 * i, true);
    }
    at += entryBytes(w, 'weights');
    const name = w.name.replace(/:\d+$/, '');
    const parts = name.split('/');
    return { name: w.name, parts, last: parts[parts.length - 1], shape: w.shape, values, used: false };
  });
}

/**
 * Gives each layer its weights: by name (layer name first, weight name last) when all are found,
 * else in manifest order.
 */
function assignWeights(layers: { layer: Layer; name: string }[], weights: NamedWeight[]): void {
  for (const { layer, name } of layers) {
    const slots = layer.slots;
    if (slots.length === 0) continue;
    const half = slots.length / 2;
    const wanted = slots.map((s, j) => ({
      pname: s.spec.name,
      dir: layer instanceof Bidirectional ? (j < half ? 'forward_' : 'backward_') : null,
      shape: s.spec.shape,
    }));
    // TF.js and Keras 2 put the layer name first (lstm/kernel, lstm/lstm_cell/kernel); some writers
    // nest it (model/lstm/...).
    const first = weights.filter((w) => !w.used && w.parts[0] === name);
    const mine = first.length ? first : weights.filter((w) => !w.used && w.parts.slice(0, -1).includes(name));
    let picked: (NamedWeight | null)[] = wanted.map((w) => {
      // A weight name may have several parts (MultiHeadAttention's query/kernel): the name's last parts.
      const pp = w.pname.split('/');
      const m = mine.filter(
        (e) =>
          e.parts.slice(-pp.length).join('/') === w.pname &&
          (w.dir === null || e.parts.slice(1, -1).some((p) => p.startsWith(w.dir!))),
      );
      return m.length === 1 ? m[0] : null;
    });
    if (picked.some((p) => p === null) || new Set(picked).size !== picked.length) {
      const rest = weights.filter((w) => !w.used);
      if (rest.length < wanted.length) {
        fail(
          `${layer.where} needs ${wanted.length} weights (` +
            wanted.map((w) => `${w.dir ?? ''}${w.pname} ${shapeString(w.shape)}`).join(', ') +
            `), but the weightsManifest has only ${rest.length} left` +
            (rest.length ? ` (${rest.map((w) => w.name).join(', ')})` : ''),
        );
      }
      picked = rest.slice(0, wanted.length);
    }
    picked.forEach((w, j) => {
      const want = wanted[j];
      if (shapeString(w!.shape) !== shapeString(want.shape)) {
        fail(
          `${layer.where} ${want.dir ?? ''}${want.pname} must have shape ${shapeString(want.shape)}, ` +
            `but the weight it gets (${w!.name}) has shape ${shapeString(w!.shape)}`,
        );
      }
    });
    layer.setWeights(picked.map((w, j) => ({ data: w!.values, shape: wanted[j].shape })));
    for (const w of picked) w!.used = true;
  }
  const left = weights.filter((w) => !w.used);
  if (left.length)
    fail(
      `the weightsManifest lists ${left.length} weight${left.length > 1 ? 's' : ''} that no layer uses (${left
        .slice(0, 6)
        .map((w) => `${w.name} ${shapeString(w.shape)}`)
        .join(', ')}${left.length > 6 ? ', …' : ''}): the topology and the weights do not match`,
    );
}

// ---- the topology --------------------------------------------------------------------------

type Raw = Record<string, unknown>;
interface RawLayer {
  className: string;
  config: Raw;
  inbound?: unknown;
}

const camel = (k: string): string => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

function camelKeys(o: Raw): Raw {
  const out: Raw = {};
  for (const [k, v] of Object.entries(o)) {
    // A file is untrusted: keys that would reach an object's prototype are refused, not copied.
    if (k === '__proto__' || k === 'constructor' || k === 'prototype')
      fail(`a layer config has the key ${JSON.stringify(k)}, which no layer option is; the file was refused`);
    out[camel(k)] = v;
  }
  return out;
}

function rawLayer(l: unknown, what: string): RawLayer {
  if (l === null || typeof l !== 'object') fail(`${what} must be { class_name, config }, got ${describe(l)}`);
  const o = l as Raw;
  const className = (o.class_name ?? o.className) as string;
  if (typeof className !== 'string') fail(`${what} has no class_name`);
  const config = o.config ?? {};
  if (config === null || typeof config !== 'object' || Array.isArray(config))
    fail(`${what} (${className}) must have a config object, got ${describe(config)}`);
  return { className, config: camelKeys(config as Raw), inbound: o.inbound_nodes ?? o.inboundNodes };
}

type Ref = [string, number, number];

/** One call of a layer in a functional config: the tensors it reads (initial states last) and its training flag. */
interface RawNode {
  inputs: Ref[];
  training?: boolean;
  /**
   * Attention layers' call options: flags (useCausalMask, returnAttentionScores) and tensors
   * (attentionMask, mask: [query, value]).
   */
  flags?: Record<string, boolean>;
  attentionMask?: Ref;
  masks?: (Ref | null)[];
}

const ATTENTION_CLASSES = ['Attention', 'AdditiveAttention', 'MultiHeadAttention'];

/** The call options of an attention layer's node (Keras 3 and tf.keras): true when the option was one of them. */
function attentionKwarg(cls: string, k: string, v: unknown, where: string, node: RawNode, lists: boolean): boolean {
  if (!ATTENTION_CLASSES.includes(cls)) return false;
  const flag = (name: string) => {
    if (typeof v !== 'boolean') fail(`${where}: call option '${k}' must be true or false, got ${describe(v)}`);
    (node.flags ??= {})[name] = v;
    return true;
  };
  if (k === 'use_causal_mask' || k === 'useCausalMask') return flag('useCausalMask');
  if (k === 'return_attention_scores' || k === 'returnAttentionScores') return flag('returnAttentionScores');
  const one = (): Ref => {
    const refs = refsIn(v, lists);
    if (refs.length !== 1) fail(`${where}: call option '${k}' must name one tensor, got ${describeRaw(v)}`);
    return refs[0];
  };
  if (cls === 'MultiHeadAttention') {
    if (k === 'key') {
      // The key comes third: [query, value, key].
      if (node.inputs.length !== 2)
        fail(
          `${where}: it reads ${node.inputs.length} tensors and names a ` +
            'key in its call options; expected [query, value] and the key',
        );
      node.inputs.push(one());
      return true;
    }
    if (k === 'value') {
      if (node.inputs.length !== 1)
        fail(
          `${where}: it reads ${node.inputs.length} tensors and names a ` +
            'value in its call options; expected the query and the value',
        );
      node.inputs.push(one());
      return true;
    }
    if (k === 'attention_mask' || k === 'attentionMask') {
      node.attentionMask = one();
      return true;
    }
    if (['query_mask', 'value_mask', 'key_mask'].includes(k))
      fail(
        `${where}: call option '${k}' (an explicit mask tensor) is not supported; ` +
          'masks come from Embedding(mask_zero) and Masking layers, or attention_mask',
      );
    return false;
  }
  if (k === 'mask') {
    if (!Array.isArray(v)) fail(`${where}: call option 'mask' must be [query_mask, value_mask], got ${describeRaw(v)}`);
    node.masks = v.slice(0, 2).map((m) => {
      if (m === null || m === undefined) return null;
      const refs = refsIn(lists && isRef(m) ? [m] : m, lists);
      if (refs.length !== 1)
        fail(
          `${where}: call option 'mask' must be [query_mask, ` +
            `value_mask], each one tensor or null, got ${describeRaw(v)}`,
        );
      return refs[0];
    });
    return true;
  }
  return false;
}

interface Functional {
  inputs: Ref[];
  outputs: Ref[];
  /** Per layer (in file order), its calls. */
  nodes: RawNode[][];
}

const isRef = (v: unknown): v is unknown[] =>
  Array.isArray(v) &&
  v.length >= 3 &&
  typeof v[0] === 'string' &&
  Number.isInteger(v[1]) &&
  (v[1] as number) >= 0 &&
  Number.isInteger(v[2]) &&
  (v[2] as number) >= 0;

/** A Keras 3 tensor reference ({ class_name: '__keras_tensor__', config: { keras_history } }) as a Ref, else null. */
function historyRef(v: unknown): Ref | null {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return null;
  const o = v as Raw;
  const hist = o.keras_history ?? (o.config as Raw | undefined)?.keras_history;
  return isRef(hist) ? [hist[0] as string, hist[1] as number, hist[2] as number] : null;
}

/**
 * Every tensor reference in v, in order: Keras 3 keras_history objects, and [name, node, tensor]
 * lists where `lists` is set.
 */
function refsIn(v: unknown, lists: boolean): Ref[] {
  const out: Ref[] = [];
  const walk = (x: unknown): void => {
    const h = historyRef(x);
    if (h) {
      out.push(h);
      return;
    }
    if (Array.isArray(x)) {
      if (lists && isRef(x)) {
        out.push([x[0] as string, x[1] as number, x[2] as number]);
        return;
      }
      x.forEach(walk);
      return;
    }
    if (x && typeof x === 'object') Object.values(x as Raw).forEach(walk);
  };
  walk(v);
  return out;
}

/** The call options of a node (Keras kwargs): training, initial states; anything else that matters is refused. */
function nodeKwargs(kwargs: unknown, where: string, node: RawNode, lists: boolean, cls = ''): void {
  if (kwargs === undefined || kwargs === null) return;
  if (typeof kwargs !== 'object' || Array.isArray(kwargs))
    fail(`${where}: its call options (kwargs) must be an object, got ${describe(kwargs)}`);
  for (const [k, v] of Object.entries(kwargs as Raw)) {
    if (v === null || v === undefined) continue;
    if (attentionKwarg(cls, k, v, where, node, lists)) continue;
    if (k === 'training') {
      if (typeof v !== 'boolean')
        fail(`${where}: call option 'training' must be true, false or null, got ${describe(v)}`);
      node.training = v;
    } else if (k === 'initial_state' || k === 'initialState') {
      const refs = refsIn(v, lists);
      // Writers that pass the states as extra inbound tensors may repeat them here: take them once.
      if (node.inputs.length === 1) node.inputs.push(...refs);
      else if (refs.length && node.inputs.length !== 1 + refs.length)
        fail(
          `${where}: it reads ${node.inputs.length} tensors and names ` +
            `${refs.length} initial states in its call options; they do not agree`,
        );
    } else if (k === 'mask') {
      fail(
        `${where}: call option 'mask' (an explicit mask tensor) is not ` +
          'supported; masks come from Embedding(mask_zero) and Masking layers',
      );
    } else {
      fail(`${where}: call option '${k}' (${describeRaw(v)}) is not supported; supported: training, initial_state`);
    }
  }
}

/** A layer's calls, from Keras 2 ([[name, node, tensor, kwargs], ...]) or Keras 3 ({ args, kwargs }) inbound nodes. */
function inboundCalls(inbound: unknown, where: string, cls = ''): RawNode[] {
  if (inbound === undefined || inbound === null) return [];
  if (!Array.isArray(inbound)) fail(`${where}: inbound_nodes must be a list, got ${describe(inbound)}`);
  return inbound.map((n, j) => {
    const w = `${where} call ${j}`;
    if (Array.isArray(n)) {
      if (n.length === 0) fail(`${w} reads no tensors`);
      const node: RawNode = { inputs: [] };
      for (const e of n) {
        if (!isRef(e))
          fail(`${w}: an inbound entry must be [layer, node_index, tensor_index, kwargs], got ${describe(e)}`);
        node.inputs.push([e[0] as string, e[1] as number, e[2] as number]);
      }
      nodeKwargs((n[0] as unknown[])[3], w, node, true, cls);
      return node;
    }
    if (n && typeof n === 'object') {
      const o = n as Raw;
      const node: RawNode = { inputs: refsIn(o.args, false) };
      if (node.inputs.length === 0) fail(`${w} reads no tensors (args ${describe(o.args)})`);
      nodeKwargs(o.kwargs, w, node, false, cls);
      return node;
    }
    fail(`${w} must be a list of [layer, node_index, tensor_index, kwargs] or { args, kwargs }, got ${describe(n)}`);
  });
}

/** input_layers / output_layers: [[name, node, tensor], ...], one [name, node, tensor] (Keras 3), or a dict of them. */
function endpointRefs(v: unknown, what: string): Ref[] {
  let list: unknown[];
  if (isRef(v)) list = [v];
  else if (Array.isArray(v)) list = v;
  else if (v && typeof v === 'object') list = Object.values(v as Raw);
  else fail(`functional model: '${what}' must list [layer, node_index, tensor_index] references, got ${describe(v)}`);
  return list.map((r) => {
    const h = historyRef(r);
    if (h) return h;
    if (!isRef(r))
      fail(`functional model: '${what}' must list [layer, node_index, tensor_index] references, got ${describe(r)}`);
    return [r[0] as string, r[1] as number, r[2] as number] as Ref;
  });
}

/** Convolution, pooling and normalization classes, read alike on both paths. */
const SEQUENCE_CLASSES = [
  'Conv1D',
  'MaxPooling1D',
  'AveragePooling1D',
  'GlobalAveragePooling1D',
  'GlobalMaxPooling1D',
  'LayerNormalization',
];

/** The classes the Sequential path reads; a functional chain of only these loads as a Sequential, as before. */
const CHAIN_CLASSES = new Set([
  'InputLayer',
  'LSTM',
  'GRU',
  'SimpleRNN',
  'Bidirectional',
  'Dense',
  'TimeDistributed',
  'Activation',
  'Dropout',
  'Embedding',
  'Masking',
  'Flatten',
  ...SEQUENCE_CLASSES,
]);

function topologyLayers(topology: Raw): {
  name?: string;
  layers: RawLayer[];
  keras3: boolean;
  graph?: Functional;
  chain?: boolean;
} {
  let t = topology;
  const version = String(t.keras_version ?? t.kerasVersion ?? '');
  if (t.model_config ?? t.modelConfig) t = (t.model_config ?? t.modelConfig) as Raw;
  const className = (t.class_name ?? t.className) as string | undefined;
  const config = t.config as Raw | Raw[] | undefined;
  const keras3 = /^3\./.test(version) || 'module' in t;
  if (className === 'Sequential') {
    const list = Array.isArray(config) ? config : (config?.layers as unknown[] | undefined);
    if (!Array.isArray(list)) fail(`the Sequential model config has no layers list`);
    return {
      name: Array.isArray(config) ? undefined : (config?.name as string | undefined),
      layers: list.map((l, i) => rawLayer(l, `layer ${i}`)),
      keras3,
    };
  }
  if (className === 'Functional' || className === 'Model') {
    const c = config as Raw;
    const list = c?.layers;
    if (!Array.isArray(list)) fail(`the ${className} model config has no layers list`);
    const layers = list.map((l, i) => rawLayer(l, `layer ${i}`));
    const names = list.map((l) => String((l as Raw).name ?? ((l as Raw).config as Raw | undefined)?.name));
    layers.forEach((l, i) => {
      if (typeof l.config.name !== 'string' || l.config.name === '') l.config = { ...l.config, name: names[i] };
    });
    const seen = new Set<string>();
    for (const n of names) {
      if (seen.has(n)) fail(`functional model: two layers are named '${n}'; layer names must be unique`);
      seen.add(n);
    }
    const nodes = layers.map((l, i) =>
      l.className === 'InputLayer'
        ? []
        : inboundCalls(l.inbound, `functional model: layer ${names[i]} (${l.className})`, l.className),
    );
    const graph: Functional = {
      inputs: endpointRefs(c.input_layers ?? c.inputLayers, 'input_layers'),
      outputs: endpointRefs(c.output_layers ?? c.outputLayers, 'output_layers'),
      nodes,
    };
    // A chain (each layer reads the one before it, one input, one output) of the Sequential path's
    // layers reads as before: a Sequential.
    const same = (r: Ref, name: string) => r[0] === name && r[1] === 0 && r[2] === 0;
    const chain =
      graph.inputs.length === 1 &&
      graph.outputs.length === 1 &&
      same(graph.outputs[0], names[names.length - 1]) &&
      layers.every(
        (l, i) =>
          CHAIN_CLASSES.has(l.className) &&
          (i === 0
            ? nodes[0].length === 0 && same(graph.inputs[0], names[0])
            : nodes[i].length === 1 &&
              nodes[i][0].inputs.length === 1 &&
              nodes[i][0].training === undefined &&
              same(nodes[i][0].inputs[0], names[i - 1])),
      );
    return { name: c.name as string | undefined, layers, keras3, graph, chain };
  }
  fail(
    `the model is a ${JSON.stringify(className)}; lstm-wasm loads Sequential and functional (Functional, Model) models`,
  );
}

/** Reads one layer config, remembering which options were taken. */
class Cfg {
  private used = new Set<string>();
  constructor(
    readonly c: Raw,
    readonly where: string,
    readonly keras3: boolean,
  ) {}

  has(k: string): boolean {
    return this.c[k] !== undefined && this.c[k] !== null;
  }

  get(k: string): unknown {
    this.used.add(k);
    const v = this.c[k];
    return v === null ? undefined : v;
  }

  ignore(...keys: string[]): void {
    for (const k of keys) this.used.add(k);
  }

  fail(why: string): never {
    fail(`${this.where}: ${why}`);
  }

  /** Options that must be absent, null, or the one value that computes what we compute. */
  mustBe(k: string, ok: unknown[], why: string): void {
    const v = this.get(k);
    if (v !== undefined && !ok.includes(v)) this.fail(`option '${k}' = ${JSON.stringify(v)} is not supported: ${why}`);
  }

  nothing(k: string, why: string): void {
    const v = this.get(k);
    if (v !== undefined) this.fail(`option '${k}' (${describeRaw(v)}) is not supported: ${why}`);
  }

  /** Errors on any option nobody took. */
  done(): void {
    const left = Object.keys(this.c).filter((k) => !this.used.has(k) && this.c[k] !== null && this.c[k] !== undefined);
    if (left.length)
      this.fail(
        `option${left.length > 1 ? 's' : ''} ${left.map((k) => `'${k}'`).join(', ')} ` +
          `${left.length > 1 ? 'are' : 'is'} not supported; supported: ` +
          [...this.used]
            .filter((k) => !['module', 'registeredName', 'buildConfig', 'compileConfig'].includes(k))
            .join(', '),
      );
  }
}

function describeRaw(v: unknown): string {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Raw;
    const cls = o.class_name ?? o.className;
    if (typeof cls === 'string') return cls;
  }
  return JSON.stringify(v);
}

const ACTIVATIONS: Record<string, ActivationName> = {
  tanh: 'tanh',
  sigmoid: 'sigmoid',
  relu: 'relu',
  linear: 'linear',
  softmax: 'softmax',
  hard_sigmoid: 'hardSigmoid',
  hardSigmoid: 'hardSigmoid',
};

function activationOf(c: Cfg, key: string, allowed: ActivationName[]): ActivationName | undefined {
  let v = c.get(key);
  if (v === undefined) return undefined;
  if (v && typeof v === 'object') v = (v as Raw).class_name ?? (v as Raw).className ?? (v as Raw).config;
  const name = typeof v === 'string' ? ACTIVATIONS[v] : undefined;
  const names = allowed.map((a) => (a === 'hardSigmoid' ? 'hard_sigmoid' : a));
  if (!name || !allowed.includes(name))
    c.fail(`activation ${JSON.stringify(v)} (option '${key}') is not supported; supported: ${names.join(', ')}`);
  if (name === 'hardSigmoid' && c.keras3)
    c.fail(
      `Keras 3's hard_sigmoid (x/6 + 1/2 clipped, option '${key}') is not lstm-wasm's ` +
        'hardSigmoid (0.2·x + 0.5 clipped, as Keras 2 and TF.js); supported: ' +
        names.filter((n) => n !== 'hard_sigmoid').join(', '),
    );
  return name;
}

const ELEMENTWISE: ActivationName[] = ['tanh', 'relu', 'sigmoid', 'hardSigmoid', 'linear'];

/**
 * An initializer config as one of our names, or undefined (the default) when it has no name here:
 * it only draws the weights the file then replaces.
 */
function initializerOf(c: Cfg, key: string): InitializerName | undefined {
  const v = c.get(key);
  if (v === undefined) return undefined;
  const cls = typeof v === 'string' ? v : String((v as Raw).class_name ?? (v as Raw).className ?? '');
  const cfg = (typeof v === 'object' ? ((v as Raw).config as Raw) : undefined) ?? {};
  const simple: Record<string, InitializerName> = {
    GlorotUniform: 'glorotUniform',
    glorot_uniform: 'glorotUniform',
    GlorotNormal: 'glorotNormal',
    glorot_normal: 'glorotNormal',
    HeUniform: 'heUniform',
    he_uniform: 'heUniform',
    HeNormal: 'heNormal',
    he_normal: 'heNormal',
    LecunUniform: 'lecunUniform',
    LeCunUniform: 'lecunUniform',
    lecun_uniform: 'lecunUniform',
    LecunNormal: 'lecunNormal',
    LeCunNormal: 'lecunNormal',
    lecun_normal: 'lecunNormal',
    Orthogonal: 'orthogonal',
    orthogonal: 'orthogonal',
    Zeros: 'zeros',
    zeros: 'zeros',
    Ones: 'ones',
    ones: 'ones',
    RandomNormal: 'randomNormal',
    random_normal: 'randomNormal',
    RandomUniform: 'randomUniform',
    random_uniform: 'randomUniform',
  };
  if (simple[cls]) return simple[cls];
  if (cls === 'VarianceScaling') {
    const scale = cfg.scale ?? 1,
      mode = cfg.mode ?? 'fan_in',
      dist = String(cfg.distribution ?? 'truncated_normal');
    const uniform = dist === 'uniform';
    if (scale === 1 && mode === 'fan_avg') return uniform ? 'glorotUniform' : 'glorotNormal';
    if (scale === 2 && mode === 'fan_in') return uniform ? 'heUniform' : 'heNormal';
    if (scale === 1 && mode === 'fan_in') return uniform ? 'lecunUniform' : 'lecunNormal';
  }
  return undefined;
}

function regularizerOf(c: Cfg, key: string): { l2: number } | undefined {
  const v = c.get(key);
  if (v === undefined) return undefined;
  const o = v as Raw;
  const cls = o.class_name ?? o.className;
  const cfg = (o.config as Raw | undefined) ?? o;
  const l1 = Number(cfg.l1 ?? 0),
    l2 = Number(cfg.l2 ?? 0);
  if (!['L1L2', 'L2', 'l1_l2', 'l2', 'L1'].includes(String(cls)) && cls !== undefined)
    c.fail(`regularizer ${describeRaw(v)} (option '${key}') is not supported; supported: L2 (and L1L2 with l1 = 0)`);
  if (l1 !== 0) c.fail(`option '${key}' has an L1 penalty (l1 = ${l1}); lstm-wasm has L2 regularizers only`);
  if (!Number.isFinite(l2) || l2 < 0) c.fail(`option '${key}' has l2 = ${JSON.stringify(cfg.l2)}`);
  return l2 > 0 ? { l2 } : undefined;
}

function dtypeOk(c: Cfg): void {
  const v = c.get('dtype');
  if (v === undefined) return;
  const name = typeof v === 'string' ? v : ((v as Raw).config as Raw | undefined)?.name;
  if (name !== 'float32') c.fail(`dtype ${JSON.stringify(name ?? v)} is not supported; lstm-wasm computes in float32`);
}

/** name, trainable, dtype and the input shape, common to every layer. */
function baseArgs(c: Cfg): Raw {
  const args: Raw = {};
  const name = c.get('name');
  if (name !== undefined) args.name = name;
  const trainable = c.get('trainable');
  if (trainable !== undefined) args.trainable = trainable;
  dtypeOk(c);
  const batchShape = (c.get('batchInputShape') ?? c.get('batchShape')) as (number | null)[] | undefined;
  const inputShape = c.get('inputShape') as (number | null)[] | undefined;
  const batchSize = c.get('batchSize') as number | undefined;
  if (batchShape !== undefined) args.batchInputShape = batchShape;
  else if (inputShape !== undefined) args.batchInputShape = [batchSize ?? null, ...inputShape];
  c.mustBe('sparse', [false], 'lstm-wasm reads dense tensors');
  c.mustBe('ragged', [false], 'lstm-wasm reads dense tensors');
  c.ignore('inputDtype', 'module', 'registeredName', 'buildConfig', 'compileConfig');
  return args;
}

function noConstraints(c: Cfg, keys: string[]): void {
  for (const k of keys) c.nothing(k, 'lstm-wasm has no weight constraints');
}

interface Ctx {
  keras3: boolean;
  /** The rank of the bias the manifest holds for a layer, when it has one. */
  biasRank(layer: string): number | undefined;
}

function recurrentArgs(c: Cfg, kind: 'LSTM' | 'GRU' | 'SimpleRNN', ctx: Ctx, name: string): Raw {
  const a: Raw = { ...baseArgs(c) };
  a.units = c.get('units');
  const act = activationOf(c, 'activation', ELEMENTWISE);
  if (act) a.activation = act;
  if (kind !== 'SimpleRNN') {
    const rec = activationOf(c, 'recurrentActivation', ELEMENTWISE);
    if (rec) a.recurrentActivation = rec;
  }
  for (const k of [
    'useBias',
    'dropout',
    'recurrentDropout',
    'returnSequences',
    'returnState',
    'goBackwards',
    'stateful',
  ]) {
    const v = c.get(k);
    if (v !== undefined) a[k] = v;
  }
  for (const k of ['kernelInitializer', 'recurrentInitializer', 'biasInitializer']) {
    const v = initializerOf(c, k);
    if (v) a[k] = v;
  }
  for (const k of ['kernelRegularizer', 'recurrentRegularizer', 'biasRegularizer']) {
    const v = regularizerOf(c, k);
    if (v) a[k] = v;
  }
  c.nothing('activityRegularizer', 'lstm-wasm has no activity regularizers');
  noConstraints(c, ['kernelConstraint', 'recurrentConstraint', 'biasConstraint']);
  c.mustBe('timeMajor', [false], 'lstm-wasm layers read [batch, steps, features]');
  c.mustBe('zeroOutputForMask', [false], 'lstm-wasm carries the last output through masked steps');
  c.ignore('implementation', 'unroll', 'seed', 'useCudnn'); // how, not what, it computes
  if (kind === 'LSTM') {
    const v = c.get('unitForgetBias');
    a.unitForgetBias = v === undefined ? false : v;
  }
  if (kind === 'GRU') {
    const v = c.get('resetAfter');
    // Absent in TF.js-written and old Keras configs, which mean false; the bias shape settles it.
    a.resetAfter = v !== undefined ? v : ctx.biasRank(name) === 2;
  }
  return a;
}

const SUPPORTED_CLASSES =
  'InputLayer, LSTM, GRU, SimpleRNN, Bidirectional, Dense, TimeDistributed(Dense), Activation ' +
  '(after a Dense), Dropout, Embedding, Masking, Flatten (of [batch, features]), Conv1D, ' +
  'MaxPooling1D, AveragePooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D, LayerNormalization';

interface Built {
  layer: Layer | null;
  /** The name weights are stored under. */
  name: string;
  /** InputLayer: the batch shape it gives the next layer. */
  batchShape?: (number | null)[];
  /** Activation: folded into the Dense before it. */
  activation?: ActivationName;
  /** Flatten: no layer when it changes nothing. */
  flatten?: boolean;
}

function buildLayer(raw: RawLayer, where: string, ctx: Ctx): Built {
  const c = new Cfg(raw.config, where, ctx.keras3);
  const name = String(raw.config.name ?? '');
  switch (raw.className) {
    case 'InputLayer': {
      const args = baseArgs(c);
      c.ignore('inputShape');
      c.done();
      return { layer: null, name, batchShape: args.batchInputShape as (number | null)[] | undefined };
    }
    case 'LSTM':
    case 'GRU':
    case 'SimpleRNN': {
      const a = recurrentArgs(c, raw.className, ctx, name);
      c.done();
      const l =
        raw.className === 'LSTM'
          ? new LSTM(a as never)
          : raw.className === 'GRU'
            ? new GRU(a as never)
            : new SimpleRNN(a as never);
      return { layer: l, name };
    }
    case 'Dense': {
      const a: Raw = { ...baseArgs(c) };
      a.units = c.get('units');
      const act = activationOf(c, 'activation', ['linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'hardSigmoid']);
      if (act) a.activation = act;
      const ub = c.get('useBias');
      if (ub !== undefined) a.useBias = ub;
      for (const k of ['kernelInitializer', 'biasInitializer']) {
        const v = initializerOf(c, k);
        if (v) a[k] = v;
      }
      for (const k of ['kernelRegularizer', 'biasRegularizer']) {
        const v = regularizerOf(c, k);
        if (v) a[k] = v;
      }
      c.nothing('activityRegularizer', 'lstm-wasm has no activity regularizers');
      noConstraints(c, ['kernelConstraint', 'biasConstraint']);
      c.nothing('loraRank', 'lstm-wasm has no LoRA layers');
      c.ignore('loraAlpha');
      c.nothing('quantizationConfig', 'lstm-wasm computes in float32');
      c.done();
      return { layer: new Dense(a as never), name };
    }
    case 'Dropout': {
      const a: Raw = { ...baseArgs(c), rate: c.get('rate') };
      c.nothing('noiseShape', 'lstm-wasm drops single values, not slices');
      c.ignore('seed');
      c.done();
      return { layer: new Dropout(a as never), name };
    }
    case 'Embedding': {
      const a: Raw = { ...baseArgs(c), inputDim: c.get('inputDim'), outputDim: c.get('outputDim') };
      const mz = c.get('maskZero');
      if (mz !== undefined) a.maskZero = mz;
      const len = c.get('inputLength');
      if (a.batchInputShape === undefined && len !== undefined)
        a.batchInputShape = [null, Array.isArray(len) ? len[0] : len];
      const init = initializerOf(c, 'embeddingsInitializer');
      if (init) a.embeddingsInitializer = init;
      const reg = regularizerOf(c, 'embeddingsRegularizer');
      if (reg) a.embeddingsRegularizer = reg;
      c.nothing('activityRegularizer', 'lstm-wasm has no activity regularizers');
      noConstraints(c, ['embeddingsConstraint']);
      c.nothing('loraRank', 'lstm-wasm has no LoRA layers');
      c.ignore('loraAlpha');
      c.nothing('quantizationConfig', 'lstm-wasm computes in float32');
      c.done();
      return { layer: new Embedding(a as never), name };
    }
    case 'Masking': {
      const a: Raw = { ...baseArgs(c) };
      const v = c.get('maskValue');
      if (v !== undefined) a.maskValue = v;
      c.done();
      return { layer: new Masking(a as never), name };
    }
    case 'Bidirectional': {
      const a: Raw = { ...baseArgs(c) };
      const inner = c.get('layer');
      const mode = c.get('mergeMode');
      if (mode === undefined && 'mergeMode' in raw.config)
        c.fail(`merge_mode None (two separate outputs) is not supported; supported: concat, sum, mul, ave`);
      if (mode !== undefined) {
        if (!['concat', 'sum', 'mul', 'ave'].includes(mode as string))
          c.fail(`merge_mode ${JSON.stringify(mode)} is not supported; supported: concat, sum, mul, ave`);
        a.mergeMode = mode as MergeMode;
      }
      c.mustBe('numConstants', [0], 'lstm-wasm has no RNN constants');
      const back = c.get('backwardLayer');
      c.done();
      const innerRaw = rawLayer(inner, `${where}: its wrapped layer`);
      if (!['LSTM', 'GRU', 'SimpleRNN'].includes(innerRaw.className))
        c.fail(`it wraps a ${innerRaw.className}; supported: LSTM, GRU, SimpleRNN`);
      const innerName = String(innerRaw.config.name ?? '');
      const ic = new Cfg(innerRaw.config, `${where}: its ${innerRaw.className} '${innerName}'`, ctx.keras3);
      const ia = recurrentArgs(
        ic,
        innerRaw.className as 'LSTM',
        { ...ctx, biasRank: () => ctx.biasRank(name) },
        innerName,
      );
      ic.done();
      if (back !== undefined) {
        // Keras writes the backward layer when it was given; it must mirror the forward one.
        const br = rawLayer(back, `${where}: its backward layer`);
        const bc = new Cfg(br.config, `${where}: its backward layer`, ctx.keras3);
        const ba =
          br.className === innerRaw.className
            ? recurrentArgs(
                bc,
                br.className as 'LSTM',
                { ...ctx, biasRank: () => ctx.biasRank(name) },
                String(br.config.name ?? ''),
              )
            : null;
        const same =
          ba &&
          Object.keys({ ...ia, ...ba }).every(
            (k) =>
              k === 'name' ||
              k === 'batchInputShape' ||
              (k === 'goBackwards'
                ? !ba.goBackwards !== !ia.goBackwards
                : JSON.stringify(ba[k]) === JSON.stringify(ia[k])),
          );
        if (!same)
          c.fail(
            'its backward layer is not the forward layer run backwards; ' +
              "lstm-wasm's Bidirectional mirrors the forward layer",
          );
      }
      delete ia.batchInputShape;
      if (ia.goBackwards)
        c.fail(`it wraps a layer with go_backwards: true; lstm-wasm's Bidirectional wraps forward layers`);
      const innerLayer =
        innerRaw.className === 'LSTM'
          ? new LSTM(ia as never)
          : innerRaw.className === 'GRU'
            ? new GRU(ia as never)
            : new SimpleRNN(ia as never);
      if (a.batchInputShape === undefined && innerRaw.config.batchInputShape)
        a.batchInputShape = innerRaw.config.batchInputShape;
      return { layer: new Bidirectional({ ...a, layer: innerLayer } as never), name };
    }
    case 'TimeDistributed': {
      const a = baseArgs(c);
      const inner = rawLayer(c.get('layer'), `${where}: its wrapped layer`);
      c.done();
      if (inner.className !== 'Dense')
        c.fail(
          `it wraps a ${inner.className}; lstm-wasm reads TimeDistributed(Dense) ` +
            'only (a Dense on [batch, steps, features] is one already)',
        );
      const built = buildLayer(
        {
          ...inner,
          config: {
            ...inner.config,
            name,
            ...(a.batchInputShape ? { batchInputShape: a.batchInputShape } : {}),
            ...(a.trainable !== undefined ? { trainable: a.trainable } : {}),
          },
        },
        where,
        ctx,
      );
      return built;
    }
    case 'Activation': {
      baseArgs(c);
      const act = activationOf(c, 'activation', ['linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'hardSigmoid']);
      c.done();
      return { layer: null, name, activation: act ?? 'linear' };
    }
    case 'Flatten': {
      baseArgs(c);
      c.mustBe('dataFormat', ['channels_last'], 'lstm-wasm is channels-last');
      c.done();
      return { layer: null, name, flatten: true };
    }
    case 'Conv1D': {
      const a: Raw = { ...baseArgs(c) };
      for (const k of ['filters', 'kernelSize', 'strides', 'padding', 'dilationRate', 'useBias']) {
        const v = c.get(k);
        if (v !== undefined) a[k] = v;
      }
      c.mustBe('dataFormat', ['channels_last'], 'lstm-wasm is channels-last ([batch, steps, channels])');
      c.mustBe('groups', [1], 'lstm-wasm has no grouped convolutions');
      const act = activationOf(c, 'activation', ['linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'hardSigmoid']);
      if (act) a.activation = act;
      for (const k of ['kernelInitializer', 'biasInitializer']) {
        const v = initializerOf(c, k);
        if (v) a[k] = v;
      }
      for (const k of ['kernelRegularizer', 'biasRegularizer']) {
        const v = regularizerOf(c, k);
        if (v) a[k] = v;
      }
      c.nothing('activityRegularizer', 'lstm-wasm has no activity regularizers');
      noConstraints(c, ['kernelConstraint', 'biasConstraint']);
      c.nothing('loraRank', 'lstm-wasm has no LoRA layers');
      c.ignore('loraAlpha');
      c.done();
      return { layer: new Conv1D(a as never), name };
    }
    case 'MaxPooling1D':
    case 'AveragePooling1D': {
      const a: Raw = { ...baseArgs(c) };
      for (const k of ['poolSize', 'strides', 'padding']) {
        const v = c.get(k);
        if (v !== undefined) a[k] = v;
      }
      c.mustBe('dataFormat', ['channels_last'], 'lstm-wasm is channels-last ([batch, steps, channels])');
      c.done();
      return {
        layer: raw.className === 'MaxPooling1D' ? new MaxPooling1D(a as never) : new AveragePooling1D(a as never),
        name,
      };
    }
    case 'GlobalAveragePooling1D':
    case 'GlobalMaxPooling1D': {
      const a: Raw = { ...baseArgs(c) };
      const kd = c.get('keepdims');
      if (kd !== undefined) a.keepdims = kd;
      c.mustBe('dataFormat', ['channels_last'], 'lstm-wasm is channels-last ([batch, steps, channels])');
      c.done();
      return {
        layer:
          raw.className === 'GlobalAveragePooling1D'
            ? new GlobalAveragePooling1D(a as never)
            : new GlobalMaxPooling1D(a as never),
        name,
      };
    }
    case 'LayerNormalization': {
      const a: Raw = { ...baseArgs(c) };
      for (const k of ['axis', 'epsilon', 'center', 'scale']) {
        const v = c.get(k);
        if (v !== undefined) a[k] = v;
      }
      for (const k of ['betaInitializer', 'gammaInitializer']) {
        const v = initializerOf(c, k);
        if (v) a[k] = v;
      }
      for (const k of ['betaRegularizer', 'gammaRegularizer']) {
        const v = regularizerOf(c, k);
        if (v) a[k] = v;
      }
      noConstraints(c, ['betaConstraint', 'gammaConstraint']);
      c.mustBe('rmsScaling', [false], 'lstm-wasm normalizes by the mean and the variance');
      c.done();
      return { layer: new LayerNormalization(a as never), name };
    }
    default:
      fail(`${where}: layer class ${JSON.stringify(raw.className)} is not supported; supported: ${SUPPORTED_CLASSES}`);
  }
}

/** Builds the model from a Keras topology and the decoded weights. */
function fromParts(topology: Record<string, unknown>, entries: WeightEntry[], data: Uint8Array): Model {
  const t = topologyLayers(topology);
  if (t.graph && !t.chain) return fromGraph(t.name, t.layers, t.graph, t.keras3, entries, data);
  if (t.graph) {
    // A functional chain: a Sequential, as before; where the Sequential path cannot read it (an
    // Activation that is not after a Dense, say), it is read as the graph it is.
    try {
      return fromChain(t.name, t.layers, t.keras3, entries, data);
    } catch (e) {
      if (!(e instanceof LstmWasmError)) throw e;
      return fromGraph(t.name, t.layers, t.graph, t.keras3, entries, data);
    }
  }
  return fromChain(t.name, t.layers, t.keras3, entries, data);
}

/** The Sequential path: the layers in file order, InputLayer, Activation and Flatten folded away. */
function fromChain(
  name: string | undefined,
  raws: RawLayer[],
  keras3: boolean,
  entries: WeightEntry[],
  data: Uint8Array,
): Sequential {
  const weights = decodeWeights(entries, data);
  const ctx: Ctx = {
    keras3,
    biasRank(layer) {
      const w = weights.find((e) => e.parts[0] === layer && e.last === 'bias');
      return w?.shape.length;
    },
  };
  const layers: { layer: Layer; name: string }[] = [];
  let pendingShape: (number | null)[] | undefined;
  let shape: Shape | null = null;
  const wrap = (where: string, f: () => Built): Built => {
    try {
      return f();
    } catch (e) {
      if (e instanceof LstmWasmError && !e.message.startsWith(`${WHERE}:`)) fail(`${where}: ${e.message}`);
      throw e;
    }
  };
  raws.forEach((raw, i) => {
    const where = `layer ${i} (${raw.className} ${JSON.stringify(raw.config.name ?? '')})`;
    if (
      pendingShape &&
      raw.config.batchInputShape === undefined &&
      raw.config.batchShape === undefined &&
      raw.config.inputShape === undefined &&
      raw.className !== 'InputLayer'
    ) {
      raw = { ...raw, config: { ...raw.config, batchInputShape: pendingShape } };
    }
    const built = wrap(where, () => buildLayer(raw, where, ctx));
    if (raw.className !== 'InputLayer') pendingShape = undefined;
    if (built.batchShape) {
      pendingShape = built.batchShape;
      return;
    }
    if (built.activation !== undefined) {
      const prev = layers[layers.length - 1]?.layer;
      if (built.activation === 'linear') return;
      if (!(prev instanceof Dense) || prev.activation !== 'linear') {
        fail(
          `${where}: an Activation layer is read only right after a Dense layer with a linear ` +
            "activation (it becomes that Dense's activation); lstm-wasm has no standalone activation layer",
        );
      }
      // Rebuild the Dense with the activation: same weights, same name.
      const cfg = prev.getConfig();
      layers[layers.length - 1] = {
        layer: new Dense({ ...cfg, activation: built.activation } as never),
        name: layers[layers.length - 1].name,
      };
      return;
    }
    if (built.flatten) {
      if (shape && shape.length === 1) return;
      fail(
        `${where}: Flatten of ` +
          (shape ? shapeString([null, ...shape]) : 'an unknown shape') +
          ' is not supported; lstm-wasm reads Flatten only where it changes nothing ([batch, features])',
      );
    }
    const layer = built.layer!;
    if (layers.length === 0 && layer.inputShape === undefined)
      fail(`${where}: the first layer has no input shape (batch_input_shape); lstm-wasm needs it to build the model`);
    try {
      shape = layer.computeOutputShape(shape ?? layer.inputShape!);
    } catch (e) {
      if (e instanceof LstmWasmError) fail(`${where}: ${e.message}`);
      throw e;
    }
    layers.push({ layer, name: built.name });
  });
  if (layers.length === 0) fail(`the model has no layers`);
  let model: Sequential;
  try {
    model = new Sequential({ layers: layers.map((l) => l.layer), name });
    model.build();
  } catch (e) {
    if (e instanceof LstmWasmError && !e.message.startsWith(`${WHERE}:`)) fail(e.message);
    throw e;
  }
  try {
    assignWeights(layers, weights);
  } catch (e) {
    if (e instanceof LstmWasmError && !e.message.startsWith(`${WHERE}:`)) fail(e.message);
    throw e;
  }
  return model;
}

/** Makes a layer for the graph path: every class as its own layer (TimeDistributed, Activation, Flatten too). */
function buildGraphLayer(raw: RawLayer, where: string, ctx: Ctx): Layer {
  const c = new Cfg(raw.config, where, ctx.keras3);
  const simple = (make: (a: Raw) => Layer, keys: string[] = []): Layer => {
    const a = baseArgs(c);
    for (const k of keys) {
      const v = c.get(k);
      if (v !== undefined) a[k] = v;
    }
    c.done();
    return make(a);
  };
  switch (raw.className) {
    case 'InputLayer': {
      const name = c.get('name') as string | undefined;
      const shape = (c.get('batchInputShape') ?? c.get('batchShape')) as (number | null)[] | undefined;
      const sample = c.get('inputShape') as (number | null)[] | undefined;
      const bs = c.get('batchSize') as number | undefined;
      const dt = c.get('dtype');
      const dtype =
        typeof dt === 'string' ? dt : dt === undefined ? 'float32' : ((dt as Raw).config as Raw | undefined)?.name;
      if (dtype !== 'float32' && dtype !== 'int32')
        c.fail(
          `dtype ${JSON.stringify(dtype ?? dt)} is not supported; inputs are float32 (values) or int32 (token ids)`,
        );
      c.mustBe('sparse', [false], 'lstm-wasm reads dense tensors');
      c.mustBe('ragged', [false], 'lstm-wasm reads dense tensors');
      c.ignore('inputDtype', 'module', 'registeredName', 'buildConfig', 'compileConfig', 'optional', 'trainable');
      c.done();
      const batchShape = shape ?? (sample ? [bs ?? null, ...sample] : undefined);
      if (!batchShape) c.fail(`it has no batch_input_shape (or batch_shape); lstm-wasm needs the input's shape`);
      return new InputLayer({ batchShape: batchShape as (number | null)[], name, dtype: dtype as 'float32' });
    }
    case 'TimeDistributed': {
      const a = baseArgs(c);
      const innerRaw = rawLayer(c.get('layer'), `${where}: its wrapped layer`);
      c.done();
      if (
        innerRaw.className === 'InputLayer' ||
        innerRaw.className === 'TimeDistributed' ||
        innerRaw.className === 'Bidirectional'
      )
        c.fail(`it wraps a ${innerRaw.className}, which lstm-wasm's TimeDistributed does not wrap`);
      const inner = buildGraphLayer(
        {
          ...innerRaw,
          config: { ...innerRaw.config, batchInputShape: undefined, batchShape: undefined, inputShape: undefined },
        },
        `${where}: its wrapped ${innerRaw.className}`,
        ctx,
      );
      return new TimeDistributed({ ...a, layer: inner } as never);
    }
    case 'Activation': {
      const a = baseArgs(c);
      const act = activationOf(c, 'activation', ['linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'hardSigmoid']);
      c.done();
      return new Activation({ ...a, activation: act ?? 'linear' } as never);
    }
    case 'Flatten': {
      const a = baseArgs(c);
      c.mustBe('dataFormat', ['channels_last'], 'lstm-wasm is channels-last');
      c.done();
      return new Flatten(a as never);
    }
    case 'RepeatVector':
      return simple((a) => new RepeatVector(a as never), ['n']);
    case 'Reshape':
      return simple((a) => new Reshape(a as never), ['targetShape']);
    case 'Permute':
      return simple((a) => new Permute(a as never), ['dims']);
    case 'Concatenate':
      return simple((a) => new Concatenate(a as never), ['axis']);
    case 'Add':
      return simple((a) => new Add(a as never));
    case 'Subtract':
      return simple((a) => new Subtract(a as never));
    case 'Multiply':
      return simple((a) => new Multiply(a as never));
    case 'Average':
      return simple((a) => new Average(a as never));
    case 'Maximum':
      return simple((a) => new Maximum(a as never));
    case 'Minimum':
      return simple((a) => new Minimum(a as never));
    case 'Attention':
    case 'AdditiveAttention': {
      const a = baseArgs(c);
      const us = c.get('useScale');
      if (us !== undefined) a.useScale = us;
      const dr = c.get('dropout');
      if (dr !== undefined) a.dropout = dr;
      if (raw.className === 'Attention') {
        const sm = c.get('scoreMode');
        if (sm !== undefined) a.scoreMode = sm;
      }
      c.mustBe('causal', [false], 'give use_causal_mask in the call (Keras 3) instead');
      c.ignore('seed');
      c.done();
      return raw.className === 'Attention' ? new Attention(a as never) : new AdditiveAttention(a as never);
    }
    case 'MultiHeadAttention': {
      const a = baseArgs(c);
      for (const k of ['numHeads', 'keyDim', 'valueDim', 'dropout', 'useBias', 'outputShape']) {
        const v = c.get(k);
        if (v !== undefined) a[k] = v;
      }
      for (const k of ['kernelInitializer', 'biasInitializer']) {
        const v = initializerOf(c, k);
        if (v) a[k] = v;
      }
      const axes = c.get('attentionAxes');
      if (axes !== undefined && JSON.stringify(axes) !== '[1]' && axes !== 1 && JSON.stringify(axes) !== '[-2]')
        c.fail(
          `option 'attention_axes' = ${JSON.stringify(axes)} is not ` +
            'supported: lstm-wasm attends over the steps axis ([1])',
        );
      for (const k of ['kernelRegularizer', 'biasRegularizer', 'activityRegularizer'])
        c.nothing(k, 'lstm-wasm has no regularizers on MultiHeadAttention');
      noConstraints(c, ['kernelConstraint', 'biasConstraint']);
      c.mustBe('flashAttention', [false], 'lstm-wasm computes the attention weights');
      c.ignore('seed', 'queryShape', 'keyShape', 'valueShape');
      c.done();
      return new MultiHeadAttention(a as never);
    }
    case 'LSTM':
    case 'GRU':
    case 'SimpleRNN':
    case 'Dense':
    case 'Dropout':
    case 'Embedding':
    case 'Masking':
    case 'Bidirectional':
    case 'Conv1D':
    case 'MaxPooling1D':
    case 'AveragePooling1D':
    case 'GlobalAveragePooling1D':
    case 'GlobalMaxPooling1D':
    case 'LayerNormalization':
      return buildLayer(raw, where, ctx).layer!;
    default:
      fail(
        `${where}: layer class ${JSON.stringify(raw.className)} is not ` +
          `supported in a functional model; supported: ${GRAPH_CLASSES}`,
      );
  }
}

const GRAPH_CLASSES =
  'InputLayer, LSTM, GRU, SimpleRNN, Bidirectional, Dense, TimeDistributed, Activation, Dropout, ' +
  'Embedding, Masking, Flatten, Reshape, Permute, RepeatVector, Concatenate, Add, Subtract, Multiply, ' +
  'Average, Maximum, Minimum, Conv1D, MaxPooling1D, AveragePooling1D, GlobalAveragePooling1D, ' +
  'GlobalMaxPooling1D, LayerNormalization, Attention, AdditiveAttention, MultiHeadAttention (Keras 3)';

/** Every tensor a call reads: its inputs, then the masks named in its options. */
const nodeRefs = (n: RawNode): Ref[] => [
  ...n.inputs,
  ...(n.attentionMask ? [n.attentionMask] : []),
  ...(n.masks ?? []).filter((r): r is Ref => r !== null),
];

/**
 * A functional model: each layer applied to the tensors its calls name, in whatever order their
 * inputs become ready.
 */
function fromGraph(
  name: string | undefined,
  raws: RawLayer[],
  g: Functional,
  keras3: boolean,
  entries: WeightEntry[],
  data: Uint8Array,
): Model {
  const weights = decodeWeights(entries, data);
  const ctx: Ctx = {
    keras3,
    biasRank(layer) {
      const w = weights.find((e) => e.parts[0] === layer && e.last === 'bias');
      return w?.shape.length;
    },
  };
  const rethrow = (where: string, f: () => void): void => {
    try {
      f();
    } catch (e) {
      if (e instanceof LstmWasmError && !e.message.startsWith(`${WHERE}:`)) fail(`${where}: ${e.message}`);
      throw e;
    }
  };
  const layers: Layer[] = [];
  raws.forEach((raw, i) => {
    const where = `layer ${i} (${raw.className} ${JSON.stringify(raw.config.name ?? '')})`;
    rethrow(where, () => {
      layers.push(buildGraphLayer(raw, where, ctx));
    });
  });
  const names = raws.map((r) => String(r.config.name));
  const tensors = new Map<string, SymbolicTensor>();
  const key = (r: Ref) => `${r[0]}\u0000${r[1]}\u0000${r[2]}`;
  const pending: { layer: Layer; i: number; done: number }[] = [];
  layers.forEach((l, i) => {
    if (l instanceof InputLayer) tensors.set(key([names[i], 0, 0]), l.output);
    else if (g.nodes[i].length === 0)
      fail(`functional model: layer ${names[i]} (${raws[i].className}) is called on nothing (no inbound_nodes)`);
    else pending.push({ layer: l, i, done: 0 });
  });
  let progress = true;
  while (progress) {
    progress = false;
    for (const p of pending) {
      while (p.done < g.nodes[p.i].length) {
        const n = g.nodes[p.i][p.done];
        const ins = n.inputs.map((r) => tensors.get(key(r)));
        const extra = nodeRefs(n)
          .slice(n.inputs.length)
          .map((r) => tensors.get(key(r)));
        if (ins.some((t) => t === undefined) || extra.some((t) => t === undefined)) break;
        rethrow(`functional model: layer ${names[p.i]} (${raws[p.i].className}) call ${p.done}`, () => {
          const opts: Raw = n.training === undefined ? {} : { training: n.training };
          Object.assign(opts, n.flags ?? {});
          if (n.attentionMask) opts.attentionMask = tensors.get(key(n.attentionMask));
          if (n.masks) opts.mask = n.masks.map((r) => (r ? tensors.get(key(r)) : null));
          const attention = ATTENTION_CLASSES.includes(raws[p.i].className);
          const out = p.layer.apply((ins.length === 1 && !attention ? ins[0] : ins) as SymbolicTensor[], opts);
          (Array.isArray(out) ? out : [out]).forEach((t, k) => tensors.set(key([names[p.i], p.done, k]), t));
        });
        p.done++;
        progress = true;
      }
    }
  }
  const stuck = pending.find((p) => p.done < g.nodes[p.i].length);
  if (stuck) {
    const r = nodeRefs(g.nodes[stuck.i][stuck.done]).find((x) => !tensors.has(key(x)))!;
    fail(
      `functional model: layer ${names[stuck.i]} (call ${stuck.done}) ` +
        `reads ${r[0]}[${r[1]}][${r[2]}], which no layer of the file makes` +
        (names.includes(r[0]) ? '' : ` (there is no layer '${r[0]}')`),
    );
  }
  const ends = (refs: Ref[], what: string): SymbolicTensor[] =>
    refs.map((r) => {
      const t = tensors.get(key(r));
      if (!t) fail(`functional model: '${what}' names ${r[0]}[${r[1]}][${r[2]}], which no layer of the file makes`);
      return t;
    });
  const inputs = ends(g.inputs, 'input_layers');
  const outputs = ends(g.outputs, 'output_layers');
  let model!: Model;
  rethrow('functional model', () => {
    model = new Model({ inputs, outputs, name: name || undefined });
    model.build();
  });
  const used = new Set(model.layers);
  const unused = layers.filter((l) => !used.has(l));
  if (unused.length) {
    fail(
      `functional model: layer${unused.length > 1 ? 's' : ''} ${unused.map((l) => l.name).join(', ')} ` +
        `${unused.length > 1 ? 'are' : 'is'} not between its inputs and outputs`,
    );
  }
  rethrow('functional model', () => {
    assignWeights(
      layers.filter((l) => !(l instanceof InputLayer)).map((l) => ({ layer: l, name: l.name })),
      weights,
    );
  });
  return model;
}

// ---- writing -------------------------------------------------------------------------------

const kerasAct = (a: ActivationName): string => (a === 'hardSigmoid' ? 'hard_sigmoid' : a);

function kerasInit(name: InitializerName): Raw {
  const vs = (scale: number, mode: string, distribution: string) => ({
    class_name: 'VarianceScaling',
    config: { scale, mode, distribution, seed: null },
  });
  switch (name) {
    case 'glorotUniform':
      return vs(1, 'fan_avg', 'uniform');
    case 'glorotNormal':
      return vs(1, 'fan_avg', 'normal');
    case 'heUniform':
      return vs(2, 'fan_in', 'uniform');
    case 'heNormal':
      return vs(2, 'fan_in', 'normal');
    case 'lecunUniform':
      return vs(1, 'fan_in', 'uniform');
    case 'lecunNormal':
      return vs(1, 'fan_in', 'normal');
    case 'orthogonal':
      return { class_name: 'Orthogonal', config: { gain: 1, seed: null } };
    case 'zeros':
      return { class_name: 'Zeros', config: {} };
    case 'ones':
      return { class_name: 'Ones', config: {} };
    case 'randomNormal':
      return { class_name: 'RandomNormal', config: { mean: 0, stddev: 0.05, seed: null } };
    case 'randomUniform':
      return { class_name: 'RandomUniform', config: { minval: -0.05, maxval: 0.05, seed: null } };
  }
}

const kerasReg = (r: { l2?: number } | undefined): Raw | null =>
  r?.l2 ? { class_name: 'L1L2', config: { l1: 0, l2: r.l2 } } : null;

function recurrentConfig(l: Recurrent, where: string): Raw {
  if (l instanceof LSTM && l.peephole) {
    throw new LstmWasmError(
      `${where}: ${l.where} has peepholes, which the TF.js layers format ` +
        '(Keras LSTM) does not have; use model.save() or toOnnx() for it',
    );
  }
  const c: Raw = {
    name: l.name,
    trainable: l.trainable,
    dtype: 'float32',
    units: l.units,
    activation: kerasAct(l.activation),
  };
  if (l instanceof LSTM || l instanceof GRU) c.recurrent_activation = kerasAct(l.recurrentActivation);
  Object.assign(c, {
    use_bias: l.useBias,
    kernel_initializer: kerasInit(l.kernelInitializer),
    recurrent_initializer: kerasInit(l.recurrentInitializer),
    bias_initializer: kerasInit(l.biasInitializer),
  });
  if (l instanceof LSTM) c.unit_forget_bias = l.unitForgetBias;
  Object.assign(c, {
    kernel_regularizer: kerasReg(l.kernelRegularizer),
    recurrent_regularizer: kerasReg(l.recurrentRegularizer),
    bias_regularizer: kerasReg(l.biasRegularizer),
    activity_regularizer: null,
    kernel_constraint: null,
    recurrent_constraint: null,
    bias_constraint: null,
    dropout: l.dropout,
    recurrent_dropout: l.recurrentDropout,
    implementation: null,
  });
  // TF.js reads reset_after only as false; Keras reads both.
  if (l instanceof GRU) c.reset_after = l.resetAfter;
  Object.assign(c, {
    return_sequences: l.returnSequences,
    return_state: l.returnState,
    go_backwards: l.goBackwards,
    stateful: l.stateful,
    unroll: false,
  });
  return c;
}

function layerConfig(l: Layer, first: boolean, where: string): Raw {
  let cls = l.className;
  let c: Raw;
  if (l instanceof Recurrent) c = recurrentConfig(l, where);
  else if (l instanceof Dense) {
    c = {
      name: l.name,
      trainable: l.trainable,
      dtype: 'float32',
      units: l.units,
      activation: kerasAct(l.activation),
      use_bias: l.useBias,
      kernel_initializer: kerasInit(l.kernelInitializer),
      bias_initializer: kerasInit(l.biasInitializer),
      kernel_regularizer: kerasReg(l.kernelRegularizer),
      bias_regularizer: kerasReg(l.biasRegularizer),
      activity_regularizer: null,
      kernel_constraint: null,
      bias_constraint: null,
    };
  } else if (l instanceof Dropout)
    c = { name: l.name, trainable: l.trainable, dtype: 'float32', rate: l.rate, noise_shape: null, seed: null };
  else if (l instanceof Embedding) {
    c = {
      name: l.name,
      trainable: l.trainable,
      dtype: 'float32',
      input_dim: l.inputDim,
      output_dim: l.outputDim,
      embeddings_initializer: kerasInit(l.embeddingsInitializer),
      embeddings_regularizer: kerasReg(l.embeddingsRegularizer),
      activity_regularizer: null,
      embeddings_constraint: null,
      mask_zero: l.maskZero,
      input_length: l.inputShape?.[0] ?? null,
    };
  } else if (l instanceof Masking)
    c = { name: l.name, trainable: l.trainable, dtype: 'float32', mask_value: l.maskValue };
  else if (l instanceof Bidirectional) {
    const inner = l.forwardLayer;
    c = {
      name: l.name,
      trainable: l.trainable,
      merge_mode: l.mergeMode,
      layer: { class_name: inner.className, config: recurrentConfig(inner, where) },
    };
  } else if (l instanceof InputLayer) {
    return {
      class_name: 'InputLayer',
      config: {
        batch_input_shape: [l.batchSize ?? null, ...(l.inputShape ?? [])],
        dtype: l.dtype,
        sparse: false,
        name: l.name,
      },
    };
  } else if (l instanceof TimeDistributed) {
    const inner = layerConfig(l.layer, false, where);
    c = { name: l.name, trainable: l.trainable, layer: inner };
  } else if (l instanceof Concatenate) c = { name: l.name, trainable: l.trainable, dtype: 'float32', axis: l.axis };
  else if (
    l instanceof Add ||
    l instanceof Subtract ||
    l instanceof Multiply ||
    l instanceof Average ||
    l instanceof Maximum ||
    l instanceof Minimum
  )
    c = { name: l.name, trainable: l.trainable, dtype: 'float32' };
  else if (l instanceof RepeatVector) c = { name: l.name, trainable: l.trainable, dtype: 'float32', n: l.n };
  else if (l instanceof Flatten)
    c = { name: l.name, trainable: l.trainable, dtype: 'float32', data_format: 'channels_last' };
  else if (l instanceof Reshape)
    c = { name: l.name, trainable: l.trainable, dtype: 'float32', target_shape: [...l.targetShape] };
  else if (l instanceof Permute) c = { name: l.name, trainable: l.trainable, dtype: 'float32', dims: [...l.dims] };
  else if (l instanceof Activation)
    c = { name: l.name, trainable: l.trainable, dtype: 'float32', activation: kerasAct(l.activation) };
  else if (l instanceof Conv1D) {
    c = {
      name: l.name,
      trainable: l.trainable,
      dtype: 'float32',
      filters: l.filters,
      kernel_size: [l.kernelSize],
      strides: [l.strides],
      padding: l.padding,
      data_format: 'channels_last',
      dilation_rate: [l.dilationRate],
      activation: kerasAct(l.activation),
      use_bias: l.useBias,
      kernel_initializer: kerasInit(l.kernelInitializer),
      bias_initializer: kerasInit(l.biasInitializer),
      kernel_regularizer: kerasReg(l.kernelRegularizer),
      bias_regularizer: kerasReg(l.biasRegularizer),
      activity_regularizer: null,
      kernel_constraint: null,
      bias_constraint: null,
    };
  } else if (l instanceof MaxPooling1D || l instanceof AveragePooling1D) {
    c = {
      name: l.name,
      trainable: l.trainable,
      dtype: 'float32',
      pool_size: [l.poolSize],
      padding: l.padding,
      strides: [l.strides],
    };
  } else if (l instanceof GlobalAveragePooling1D || l instanceof GlobalMaxPooling1D) {
    // TF.js's global pooling has no keepdims (it would give [batch, channels]), and its average ignores masks.
    if (l.keepdims)
      throw new LstmWasmError(
        `${where}: ${l.where} has keepdims: true, which TF.js's ${l.className} does not have ` +
          '(tf.loadLayersModel would give [batch, channels]); add a Reshape after it instead',
      );
    c = { name: l.name, trainable: l.trainable, dtype: 'float32' };
  } else if (l instanceof LayerNormalization) {
    c = {
      name: l.name,
      trainable: l.trainable,
      dtype: 'float32',
      axis: l.axis,
      epsilon: l.epsilon,
      center: l.center,
      scale: l.scale,
      beta_initializer: kerasInit(l.betaInitializer),
      gamma_initializer: kerasInit(l.gammaInitializer),
      beta_regularizer: kerasReg(l.betaRegularizer),
      gamma_regularizer: kerasReg(l.gammaRegularizer),
    };
  } else if (l instanceof Attention || l instanceof AdditiveAttention || l instanceof MultiHeadAttention) {
    throw new LstmWasmError(
      `${where}: ${l.where} is a ${l.className} layer, which TF.js does not have: tf.loadLayersModel() ` +
        'cannot load a model with it; save it with model.save() or export it with toOnnx()',
    );
  } else throw new LstmWasmError(`${where}: ${(l as Layer).where} has no TF.js layers form`);
  if (first) c.batch_input_shape = [l.batchSize ?? null, ...(l.inputShape ?? [])];
  cls = l.className;
  return { class_name: cls, config: c };
}

/** TF.js's names for a layer's weights: layer/kernel, and bidirectional/forward_lstm/kernel. */
function weightNames(l: Layer): string[] {
  const names = l.slots.map((s) => s.spec.name);
  if (l instanceof Bidirectional) {
    const half = names.length / 2,
      inner = l.forwardLayer.name;
    return names.map((n, j) => `${l.name}/${j < half ? 'forward' : 'backward'}_${inner}/${n}`);
  }
  return names.map((n) => `${l.name}/${n}`);
}

/**
 * Options of toLayersModel() and saveLayersModel(): `shardBytes`, the largest weight shard (4 MiB,
 * as TF.js); `quantization` ('uint8', 'uint16', 'float16'), TF.js's own quantized weights.
 */
export interface ToLayersModelOptions {
  /** Largest weight shard in bytes (default 4 MiB, as TF.js). */
  shardBytes?: number;
  /**
   * Store the weights as the TF.js converter's quantization does (tf.loadLayersModel dequantizes them
   * on load): 'uint8' or 'uint16' (affine per weight tensor: value = q·scale + min, with 0 exact),
   * or 'float16'. Default: float32.
   */
  quantization?: 'uint8' | 'uint16' | 'float16';
}

/**
 * One weight as TF.js's quantized forms: uint8/uint16 affine over the tensor's [min, max] with min
 * nudged so that 0 is a level (pruned zeros stay zero), or float16; returns its bytes and entry.
 */
function quantizeEntry(
  values: Float32Array,
  dtype: 'uint8' | 'uint16' | 'float16',
  where: string,
): { bytes: Uint8Array; quantization: WeightQuantization } {
  const n = values.length;
  if (dtype === 'float16') {
    const bytes = new Uint8Array(2 * n);
    const dv = new DataView(bytes.buffer);
    for (let i = 0; i < n; i++) {
      if (Math.abs(values[i]) > 65504)
        throw new LstmWasmError(
          `toLayersModel: ${where} holds ${values[i]} (at ${i}), ` +
            "beyond float16's range (±65504); export without quantization",
        );
      dv.setUint16(2 * i, toFloat16Bits(values[i]), true);
    }
    return { bytes, quantization: { dtype: 'float16', original_dtype: 'float32' } };
  }
  const levels = dtype === 'uint8' ? 255 : 65535;
  let lo = Infinity,
    hi = -Infinity;
  for (let i = 0; i < n; i++) {
    lo = Math.min(lo, values[i]);
    hi = Math.max(hi, values[i]);
  }
  if (n === 0) lo = hi = 0;
  const bytes = new Uint8Array(n * (dtype === 'uint8' ? 1 : 2));
  if (lo === hi) return { bytes, quantization: { dtype, scale: 1, min: lo, original_dtype: 'float32' } };
  const scale = (hi - lo) / levels;
  // 0 on a level when the range holds it: min = -zeroPoint·scale (moves min by at most scale/2)
  const min = lo <= 0 && hi >= 0 ? -Math.round(-lo / scale) * scale : lo;
  const dv = new DataView(bytes.buffer);
  for (let i = 0; i < n; i++) {
    const q = Math.min(levels, Math.max(0, Math.round((values[i] - min) / scale)));
    if (dtype === 'uint8') bytes[i] = q;
    else dv.setUint16(2 * i, q, true);
  }
  return { bytes, quantization: { dtype, scale, min, original_dtype: 'float32' } };
}

/**
 * The model in the TF.js layers format, in memory: model.json's content and the weights. A
 * Sequential is written as a Sequential; any other model as a functional ('Model') config. TF.js
 * reads it with `tf.loadLayersModel(tf.io.fromMemory(artifacts))`; Keras through the converter.
 * GRU layers with resetAfter: true (our default, as Keras 2) are written as Keras writes them;
 * TF.js itself reads only resetAfter: false. Likewise Conv1D with padding 'causal': TF.js 4.22
 * loads it but its predict() throws (conv1dWithBias has no causal mode); Keras reads it. Attention,
 * AdditiveAttention and MultiHeadAttention have no TF.js layer: a model with one is refused.
 */
export function toLayersModel(model: Model, options: ToLayersModelOptions = {}): LayersModelArtifacts {
  const where = 'toLayersModel';
  if (!(model instanceof Model))
    throw new LstmWasmError(
      `${where}: expected a model (Sequential or model({ inputs, outputs })), got ${describe(model)}`,
    );
  if (model.isDisposed) throw new LstmWasmError(`${where}: the model was disposed`);
  const shardBytes = options.shardBytes ?? 4 * 1024 * 1024;
  if (!Number.isInteger(shardBytes) || shardBytes < 4)
    throw new LstmWasmError(
      `${where}: option 'shardBytes' must be an integer ≥ 4, got ${describe(options.shardBytes)}`,
    );
  const quantization = options.quantization;
  if (quantization !== undefined && !['uint8', 'uint16', 'float16'].includes(quantization))
    throw new LstmWasmError(
      `${where}: option 'quantization' must be 'uint8', 'uint16' or ` +
        `'float16' (TF.js's quantized weights), got ${describe(quantization)}`,
    );
  model.build();
  const quantized = model.layers.find((l) => l.className.startsWith('Quantized'));
  if (quantized)
    throw new LstmWasmError(
      `${where}: ${quantized.where} holds int8 weights, which this format ` +
        'cannot carry; export the float model (or save this one with model.save())',
    );
  let modelTopology: Record<string, unknown>;
  let weightLayers: Layer[];
  if (model instanceof Sequential) {
    const layers = model.layers.map((l, i) => layerConfig(l, i === 0, where));
    modelTopology = {
      class_name: 'Sequential',
      config: { name: model.name, layers },
      keras_version: 'tfjs-layers 4.22.0',
      backend: 'tensor_flow.js',
    };
    weightLayers = model.layers;
  } else {
    modelTopology = functionalTopology(model, where);
    weightLayers = model.layers.filter((l) => !(l instanceof InputLayer));
  }
  const specs: WeightEntry[] = [];
  const parts: Float32Array[] = [];
  for (const l of weightLayers) {
    const ws = l.getWeights();
    weightNames(l).forEach((name, j) => {
      specs.push({ name, shape: ws[j].shape, dtype: 'float32' });
      parts.push(ws[j].data);
    });
  }
  let data: Uint8Array;
  if (quantization) {
    const qs = parts.map((p, j) => quantizeEntry(p, quantization, `weight '${specs[j].name}'`));
    qs.forEach((q, j) => (specs[j].quantization = q.quantization));
    data = new Uint8Array(qs.reduce((s, q) => s + q.bytes.length, 0));
    let at = 0;
    for (const q of qs) {
      data.set(q.bytes, at);
      at += q.bytes.length;
    }
  } else {
    const n = parts.reduce((s, p) => s + p.length, 0);
    data = new Uint8Array(n * 4);
    const dv = new DataView(data.buffer);
    let at = 0;
    for (const p of parts) for (let i = 0; i < p.length; i++, at += 4) dv.setFloat32(at, p[i], true);
  }
  const count = Math.max(1, Math.ceil(data.length / shardBytes));
  const shards = Array.from({ length: count }, (_, i) => ({
    path: `group1-shard${i + 1}of${count}.bin`,
    data: data.subarray(i * shardBytes, Math.min(data.length, (i + 1) * shardBytes)),
  }));
  const modelJson: LayersModelJson = {
    modelTopology,
    format: 'layers-model',
    generatedBy: 'lstm-wasm 0.1.0',
    convertedBy: null,
    weightsManifest: [{ paths: shards.map((s) => s.path), weights: specs }],
  };
  return {
    modelJson,
    weightData: data.buffer as ArrayBuffer,
    modelTopology,
    weightSpecs: specs,
    format: 'layers-model',
    generatedBy: 'lstm-wasm 0.1.0',
    convertedBy: null,
    shards,
  };
}

/**
 * A functional model as TF.js writes one: class Model, layers with inbound_nodes (model-local node
 * indices), input_layers, output_layers.
 */
function functionalTopology(model: Model, where: string): Record<string, unknown> {
  // The model's nodes: those between its inputs and outputs (walked from the outputs).
  const nodes = new Set<SymbolicTensor['node']>();
  const visit = (t: SymbolicTensor): void => {
    if (nodes.has(t.node)) return;
    nodes.add(t.node);
    if (!(t.node.layer instanceof InputLayer)) t.node.inputs.forEach(visit);
  };
  model.outputs.forEach(visit);
  // Each layer's nodes in this model, in the order they were made: their positions are the node indices.
  const local = (l: Layer) => [...nodes].filter((n) => n.layer === l).sort((x, y) => x.index - y.index);
  const ref = (t: SymbolicTensor): [string, number, number] => [
    t.sourceLayer.name,
    Math.max(0, local(t.sourceLayer).indexOf(t.node)),
    t.outputIndex,
  ];
  const layers = model.layers.map((l) => {
    const { class_name, config } = layerConfig(l, false, where);
    const inbound_nodes =
      l instanceof InputLayer
        ? []
        : local(l).map((n) => {
            const other = Object.keys(n.call).filter((k) => k !== 'training' && n.call[k as 'training'] !== undefined);
            if (other.length)
              throw new LstmWasmError(
                `${where}: ${l.where} is called with option${other.length > 1 ? 's' : ''} ` +
                  other.map((k) => `'${k}'`).join(', ') +
                  ', which the TF.js layers format does not have',
              );
            const kwargs = n.call.training === undefined ? {} : { training: n.call.training };
            return n.inputs.map((t) => [...ref(t), kwargs]);
          });
    return { class_name, config, name: l.name, inbound_nodes };
  });
  return {
    class_name: 'Model',
    config: { name: model.name, layers, input_layers: model.inputs.map(ref), output_layers: model.outputs.map(ref) },
    keras_version: 'tfjs-layers 4.22.0',
    backend: 'tensor_flow.js',
  };
}

/**
 * toLayersModel(), and with a destination (Node, Deno) also writes model.json and its weight
 * shards into that folder (made if needed), or to that .json file and its folder. The destination
 * may be a file:// URL, as tfjs-node takes it: file:///abs/dir, or file://./dir relative to the
 * working directory.
 */
export async function saveLayersModel(
  model: Model,
  destination?: string,
  options: ToLayersModelOptions = {},
): Promise<LayersModelArtifacts> {
  const artifacts = toLayersModel(model, options);
  if (destination === undefined) return artifacts;
  if (typeof destination !== 'string' || destination === '')
    throw new LstmWasmError(
      `saveLayersModel: destination must be a folder or a .json path, got ${describe(destination)}`,
    );
  const fs = await fileSystem('saveLayersModel');
  const path = filePath(destination, 'saveLayersModel');
  const isJson = /\.json$/i.test(path);
  const dir = isJson ? dirOf(path) : path;
  const file = isJson ? path : joinPath(dir, 'model.json');
  try {
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(file, JSON.stringify(artifacts.modelJson));
    for (const s of artifacts.shards) await fs.writeFile(joinPath(dir, s.path), s.data);
  } catch (e) {
    throw new LstmWasmError(`saveLayersModel: cannot write ${JSON.stringify(file)} (${(e as Error).message})`);
  }
  return artifacts;
}
