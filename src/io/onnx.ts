// ONNX in and out. toOnnx() writes a model (Sequential, or functional: several inputs and outputs,
// merges, shape layers, shared layers, recurrent layers' initial and returned states) as an ONNX
// graph of standard operators (opset 14), which ONNX Runtime and other runtimes run unchanged.
// fromOnnx() reads graphs made of the same operators, such as PyTorch's torch.onnx.export of
// nn.LSTM / nn.GRU / nn.RNN followed by nn.Linear layers, back into a Sequential model (one path
// from the input to an output), or with { functional: true } the whole graph into a functional
// model (an encoder's Y_h / Y_c as a decoder's initial_h / initial_c, several inputs and outputs).
//
// Layouts. Our models are batch-major: x [B, T, F]. The ONNX recurrent operators are time-major:
// X [T, B, I], Y [T, D, B, H], Y_h [D, B, H] (D = 1, or 2 when bidirectional). toOnnx() wraps each
// recurrent operator in the Transposes (and a Squeeze, Reshape or Reduce* for the directions) that
// make the exported graph batch-major like the model. fromOnnx() follows the axes of every tensor
// along the path from the graph's input to the chosen output, so it reads either form; the model it
// returns is batch-major whatever the graph's layout (see fromOnnx).
//
// Weights. Keras (ours) keeps kernel [I, G·H] with gates i, f, c, o (LSTM), z, r, h (GRU); ONNX keeps
// W [D, G·H, I] with gates i, o, f, c (LSTM), z, r, h (GRU), and two biases, Wb and Rb, where Keras
// has one (GRU with resetAfter keeps both, as bias [2, 3H], and is ONNX's linear_before_reset = 1).
// Peepholes: ours p_i, p_f, p_o; ONNX's P is ordered i, o, f.
//
// Sequence layers. Conv1D, MaxPooling1D and AveragePooling1D are ONNX's Conv / MaxPool / AveragePool
// on [B, C, T] between two Transposes (kernel [K, C, F] → W [F, C, K]; 'causal' is a left pad,
// 'same' TensorFlow's pads: fixed at stride 1, auto_pad SAME_UPPER above; averages count only the
// steps inside the sequence, count_include_pad 0). Global pooling is ReduceMean / ReduceMax over the
// steps. LayerNormalization is written at opset 14, which has no LayerNormalization operator, as
// ReduceMean, Sub, Mul, ReduceMean, Add, Sqrt, Div, Mul (gamma), Add (beta). Attention,
// AdditiveAttention and MultiHeadAttention are MatMul, Add, Mul, Tanh, ReduceSum, Softmax,
// Transpose and Reshape; their masks (Embedding maskZero carried beside the tensors, explicit masks
// and attentionMask inputs, useCausalMask as a constant) become an additive -1e9 on the scores.
// fromOnnx({ functional: true }) reads Conv, MaxPool, AveragePool (1-D) and ReduceMean / ReduceMax
// over the steps back into those layers; not (yet) the attention or LayerNormalization patterns.
import { LstmWasmError, describe } from '../errors.js';
import { Sequential } from '../sequential.js';
import { Model } from '../model.js';
import { uniqueName, type Layer } from '../layers/layer.js';
import { input as symbolicInput } from '../layers/input.js';
import { TimeDistributed } from '../layers/time-distributed.js';
import { Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract } from '../layers/merge.js';
import { Activation, Flatten, Permute, RepeatVector, Reshape } from '../layers/reshape.js';
import { buildGraph } from '../engine/graph.js';
import type { Node, SymbolicTensor } from '../engine/symbolic.js';
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
import { fromLE, halfToFloat, leBytes } from './bytes.js';
import { decode, encode, type Message } from './protobuf.js';
import * as P from './onnx-schema.js';

const OPSET = 14;
const IR_VERSION = 7;
const INT64_MIN = -(2 ** 63); // as a double (exact); encoded exactly by ProtoWriter.varint
const HUGE = 2 ** 31; // Slice ends at or past this mean "to the end"

/** Gate blocks: for ONNX gate g, the Keras gate block it comes from. */
const GATES = { LSTM: [0, 3, 1, 2], GRU: [0, 1, 2], RNN: [0] } as const;
type RecOp = keyof typeof GATES;

// ---- tensors -------------------------------------------------------------------------------

/** An ONNX tensor read into JavaScript: floats as Float32Array, integers as numbers. */
export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: number;
  floats?: Float32Array;
  ints?: number[];
}

const copyLE = fromLE;

const TYPE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(P.TensorDataType).map(([k, v]) => [v, k]));

/** Reads a decoded TensorProto's values. */
export function tensorValues(t: Message, where = 'fromOnnx'): OnnxTensor {
  const name = (t.name as string) ?? '';
  const dims = (t.dims as number[]) ?? [];
  const dataType = (t.dataType as number) ?? 0;
  const n = dims.reduce((a, b) => a * b, 1);
  const what = `tensor ${JSON.stringify(name)}`;
  if (t.dataLocation === 1 || (t.externalData as unknown[])?.length) {
    throw new LstmWasmError(
      `${where}: ${what} keeps its values in an external file; save the ONNX model ` +
        'with all tensors inside it (onnx.save_model(..., save_as_external_data=False))',
    );
  }
  const raw = t.rawData as Uint8Array | undefined;
  const check = (len: number) => {
    if (len !== n)
      throw new LstmWasmError(
        `${where}: ${what} has dims ${JSON.stringify(dims)} (${n} values) but holds ${len}: the file is damaged`,
      );
  };
  const width: Record<number, number> = { 1: 4, 11: 8, 10: 2, 6: 4, 7: 8, 2: 1, 3: 1, 4: 2, 5: 2, 9: 1, 12: 4, 13: 8 };
  if (raw && raw.length > 0 && width[dataType] && raw.length !== n * width[dataType]) {
    throw new LstmWasmError(
      `${where}: ${what} has dims ${JSON.stringify(dims)} (${n} values of ` +
        `${width[dataType]} bytes) but holds ${raw.length} bytes: the file is damaged`,
    );
  }
  switch (dataType) {
    case P.TensorDataType.FLOAT: {
      const f = raw && raw.length ? new Float32Array(copyLE(raw, 4)) : Float32Array.from(t.floatData as number[]);
      check(f.length);
      return { name, dims, dataType, floats: f };
    }
    case P.TensorDataType.DOUBLE: {
      const d = raw && raw.length ? Array.from(new Float64Array(copyLE(raw, 8))) : (t.doubleData as number[]);
      check(d.length);
      return { name, dims, dataType, floats: Float32Array.from(d) };
    }
    case P.TensorDataType.FLOAT16: {
      const hs = raw && raw.length ? Array.from(new Uint16Array(copyLE(raw, 2))) : (t.int32Data as number[]);
      check(hs.length);
      return { name, dims, dataType, floats: Float32Array.from(hs, halfToFloat) };
    }
    case P.TensorDataType.INT64: {
      const v = raw && raw.length ? Array.from(new BigInt64Array(copyLE(raw, 8)), Number) : (t.int64Data as number[]);
      check(v.length);
      return { name, dims, dataType, ints: v };
    }
    case P.TensorDataType.INT32:
    case P.TensorDataType.INT8:
    case P.TensorDataType.UINT8:
    case P.TensorDataType.INT16:
    case P.TensorDataType.UINT16:
    case P.TensorDataType.BOOL: {
      let v: number[];
      if (raw && raw.length) {
        const buf = copyLE(raw, width[dataType]);
        const view =
          dataType === 6
            ? new Int32Array(buf)
            : dataType === 3
              ? new Int8Array(buf)
              : dataType === 5
                ? new Int16Array(buf)
                : dataType === 4
                  ? new Uint16Array(buf)
                  : new Uint8Array(buf);
        v = Array.from(view);
      } else v = t.int32Data as number[];
      check(v.length);
      return { name, dims, dataType, ints: v };
    }
    default:
      throw new LstmWasmError(
        `${where}: ${what} has data type ${TYPE_NAMES[dataType] ?? dataType}; ` +
          'lstm-wasm reads FLOAT, DOUBLE, FLOAT16 and integer tensors',
      );
  }
}

const f32Raw = (data: Float32Array): Uint8Array => leBytes(data, 4);
const i64Raw = (values: number[]): Uint8Array => leBytes(new BigInt64Array(values.map((v) => BigInt(v))), 8);

// ---- reading -------------------------------------------------------------------------------

/** The decoded ModelProto, as plain objects named as in onnx.proto (camelCase). */
export type OnnxModel = Message & { graph?: Message; opsetImport: Message[] };

/** Decodes the bytes of an .onnx file; errors say where a damaged or cut-short file breaks. */
export function readOnnx(bytes: Uint8Array | ArrayBuffer, where = 'readOnnx'): OnnxModel {
  const b =
    bytes instanceof Uint8Array
      ? bytes
      : bytes instanceof ArrayBuffer
        ? new Uint8Array(bytes)
        : (() => {
            throw new LstmWasmError(
              `${where}: expected the bytes of an .onnx file (a Uint8Array or ArrayBuffer), got ${describe(bytes)}`,
            );
          })();
  if (b.length === 0) throw new LstmWasmError(`${where}: the data is empty, not an ONNX model`);
  const m = decode(b, P.Model, where) as OnnxModel;
  if (!m.graph)
    throw new LstmWasmError(
      `${where}: the data holds no graph (ModelProto.graph is missing): it is cut short or not an ONNX model`,
    );
  return m;
}

// ---- writing -------------------------------------------------------------------------------

type Attr = Message;
const attrInt = (name: string, i: number): Attr => ({ name, type: P.AttributeType.INT, i });
const attrInts = (name: string, ints: number[]): Attr => ({ name, type: P.AttributeType.INTS, ints });
const attrFloat = (name: string, f: number): Attr => ({ name, type: P.AttributeType.FLOAT, f });
const attrFloats = (name: string, floats: number[]): Attr => ({ name, type: P.AttributeType.FLOATS, floats });
const attrString = (name: string, s: string): Attr => ({
  name,
  type: P.AttributeType.STRING,
  s: new TextEncoder().encode(s),
});
const attrStrings = (name: string, ss: string[]): Attr => ({
  name,
  type: P.AttributeType.STRINGS,
  strings: ss.map((s) => new TextEncoder().encode(s)),
});

class GraphBuilder {
  nodes: Message[] = [];
  initializers: Message[] = [];
  private used = new Set<string>();
  /** toOnnx's `int8` option: how int8 LSTM layers are written. */
  int8: 'dequantize' | 'onnxruntime' = 'dequantize';
  /** Set when a com.microsoft (ONNX Runtime contrib) operator was written. */
  usesMicrosoft = false;

  unique(base: string): string {
    let name = base,
      i = 1;
    while (this.used.has(name)) name = `${base}_${i++}`;
    this.used.add(name);
    return name;
  }

  floats(base: string, dims: number[], data: Float32Array): string {
    const name = this.unique(base);
    this.initializers.push({ name, dims, dataType: P.TensorDataType.FLOAT, rawData: f32Raw(data) });
    return name;
  }

  /** An INT8 initializer of integer values held as f32 (a quantized layer's weights); refused outside [-128, 127]. */
  int8s(base: string, dims: number[], data: Float32Array, where: string): string {
    const q = new Int8Array(data.length);
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (!Number.isInteger(v) || v < -128 || v > 127)
        throw new LstmWasmError(
          `toOnnx: ${where} should hold int8 values (integers in [-127, ` +
            `127]), but value ${i} is ${v}; quantize() the float model again`,
        );
      q[i] = v;
    }
    const name = this.unique(base);
    this.initializers.push({ name, dims, dataType: P.TensorDataType.INT8, rawData: new Uint8Array(q.buffer) });
    return name;
  }

  int64s(base: string, values: number[], scalar = false): string {
    const name = this.unique(base);
    this.initializers.push({
      name,
      dims: scalar ? [] : [values.length],
      dataType: P.TensorDataType.INT64,
      rawData: i64Raw(values),
    });
    return name;
  }

  node(opType: string, inputs: string[], base: string, attribute: Attr[] = [], outputs = 1): string[] {
    const name = this.unique(`${base}/${opType}`);
    const out = Array.from({ length: outputs }, (_, i) => this.unique(`${name}:${i}`));
    this.nodes.push({ opType, input: inputs, output: out, name, attribute });
    return out;
  }
}

const ONNX_ACT: Record<ActivationName, string> = {
  sigmoid: 'Sigmoid',
  tanh: 'Tanh',
  relu: 'Relu',
  hardSigmoid: 'HardSigmoid',
  linear: 'Affine',
  softmax: 'Softmax',
};

/**
 * ONNX activations list with the alpha/beta lists ONNX Runtime consumes in order (HardSigmoid and
 * Affine take both).
 */
function rnnActivations(names: ActivationName[]): Attr[] {
  const acts: string[] = [],
    alpha: number[] = [],
    beta: number[] = [];
  for (const a of names) {
    acts.push(ONNX_ACT[a]);
    if (a === 'hardSigmoid') {
      alpha.push(0.2);
      beta.push(0.5);
    }
    if (a === 'linear') {
      alpha.push(1);
      beta.push(0);
    }
  }
  const attrs = [attrStrings('activations', acts)];
  if (alpha.length) attrs.push(attrFloats('activation_alpha', alpha), attrFloats('activation_beta', beta));
  return attrs;
}

/** Elementwise activation after a Dense layer; returns the output name. */
function denseActivation(g: GraphBuilder, x: string, act: ActivationName, base: string): string {
  switch (act) {
    case 'linear':
      return x;
    case 'softmax':
      return g.node('Softmax', [x], base, [attrInt('axis', -1)])[0];
    case 'hardSigmoid':
      return g.node('HardSigmoid', [x], base, [attrFloat('alpha', 0.2), attrFloat('beta', 0.5)])[0];
    default:
      return g.node(ONNX_ACT[act], [x], base)[0];
  }
}

interface ExportState {
  x: string;
  rank: number; // with the batch: 2 for [B, F], 3 for [B, T, F]
  /**
   * The [B, T] mask carried with a sequence (from Embedding maskZero): float, 1 where a step is
   * kept, 0 where masked.
   */
  mask?: string;
}

function opOf(l: Recurrent): RecOp {
  return l instanceof LSTM ? 'LSTM' : l instanceof GRU ? 'GRU' : 'RNN';
}

/** One direction's W, R, B (and P) in ONNX layout, from Keras-layout weights. */
function onnxWeights(l: Recurrent, ws: { data: Float32Array; shape: number[] }[]) {
  const op = opOf(l);
  const perm = GATES[op];
  const G = perm.length,
    H = l.units;
  const [kernel, rec] = ws;
  const I = kernel.shape[0];
  const W = new Float32Array(G * H * I),
    R = new Float32Array(G * H * H);
  for (let g = 0; g < G; g++) {
    for (let j = 0; j < H; j++) {
      const src = perm[g] * H + j,
        dst = g * H + j;
      for (let k = 0; k < I; k++) W[dst * I + k] = kernel.data[k * G * H + src];
      for (let k = 0; k < H; k++) R[dst * H + k] = rec.data[k * G * H + src];
    }
  }
  let B: Float32Array | null = null;
  if (l.useBias) {
    const bias = ws[2].data;
    B = new Float32Array(2 * G * H);
    const twoBiases = l instanceof GRU && l.resetAfter;
    for (let g = 0; g < G; g++) {
      for (let j = 0; j < H; j++) {
        B[g * H + j] = bias[perm[g] * H + j];
        if (twoBiases) B[G * H + g * H + j] = bias[G * H + perm[g] * H + j];
      }
    }
  }
  let Pp: Float32Array | null = null;
  if (l instanceof LSTM && l.peephole) {
    const p = ws[l.useBias ? 3 : 2].data; // p_i, p_f, p_o
    Pp = new Float32Array(3 * H);
    Pp.set(p.subarray(0, H), 0); // i
    Pp.set(p.subarray(2 * H, 3 * H), H); // o
    Pp.set(p.subarray(H, 2 * H), 2 * H); // f
  }
  return { W, R, B, P: Pp, I, H, G };
}

/** Whether a layer is one of quantize()'s int8 layers (src/layers/quantized.ts). */
const isQuantized = (l: Layer): boolean => l.className.startsWith('Quantized');

/**
 * A quantized weight as ONNX nodes: the int8 values (an INT8 initializer, integers held as f32 in
 * `q`) and their scales (one per index of `axis`; no zero point: symmetric) into DequantizeLinear
 * (opset 13, per-axis), whose f32 output the float operator reads. Returns that output's name.
 */
function dequantized(
  g: GraphBuilder,
  l: Layer,
  name: string,
  dims: number[],
  q: Float32Array,
  scale: Float32Array,
  axis: number,
): string {
  const where = `${l.where} ${name}`;
  if (scale.length !== dims[axis])
    throw new LstmWasmError(
      `toOnnx: ${where} has ${scale.length} scales for ${dims[axis]} output channels (axis ${axis} of [${dims}])`,
    );
  for (let i = 0; i < scale.length; i++)
    if (!Number.isFinite(scale[i]) || scale[i] < 0)
      throw new LstmWasmError(
        `toOnnx: ${where} scale ${i} is ${scale[i]}; a quantized weight's scales ` +
          'must be finite and not negative (quantize() the float model again)',
      );
  const base = `${l.name}/${name}`;
  const qn = g.int8s(`${base}_quantized`, dims, q, where);
  const sn = g.floats(`${base}_scale`, [scale.length], scale);
  // x_zero_point left out: 0 (symmetric), of x's type (int8)
  return g.node('DequantizeLinear', [qn, sn], base, [attrInt('axis', axis)])[0];
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The initializer names of a layer's weights, made once per layer (a shared layer's nodes read the same ones). */
type WeightCache = Map<Layer, string[]>;

function exportRecurrent(
  g: GraphBuilder,
  s: ExportState,
  layer: Recurrent | Bidirectional,
  cache: WeightCache = new Map(),
  initial: ExportState[] = [],
  withStates = false,
): { out: ExportState; states: ExportState[] } {
  const base = layer.name;
  const bi = layer instanceof Bidirectional;
  const dirs = bi ? [layer.forwardLayer, layer.backwardLayer] : [layer as Recurrent];
  const first = dirs[0];
  if (first.stateful) {
    throw new LstmWasmError(
      `toOnnx: ${layer.where} is stateful, and an ONNX graph starts every call from zero ` +
        'state; rebuild the model with stateful: false (the same weights fit) to export it',
    );
  }
  if (bi && first.goBackwards) {
    throw new LstmWasmError(
      `toOnnx: ${layer.where} wraps a layer with goBackwards: true; ` +
        'lstm-wasm exports Bidirectional only around forward layers',
    );
  }
  if (bi && (initial.length || withStates)) {
    throw new LstmWasmError(
      `toOnnx: ${layer.where} takes initial states or returns its states (returnState: true); ` +
        'lstm-wasm exports those for LSTM, GRU and SimpleRNN layers, not for Bidirectional',
    );
  }
  const op = opOf(first);
  const q = dirs.find(isQuantized);
  if (bi && q)
    throw new LstmWasmError(
      `toOnnx: ${layer.where} wraps the int8 ${q.where}; lstm-wasm exports int8 recurrent ` +
        'layers on their own, not inside Bidirectional (quantize() keeps Bidirectional in f32)',
    );
  const all = layer.getWeights();
  const per = all.length / dirs.length;
  const w = dirs.map((l, i) => onnxWeights(l, all.slice(i * per, (i + 1) * per)));
  const { I, H, G } = w[0];
  const D = dirs.length;
  // An int8 layer: its scales (the last two weights, one per Keras column) follow the gates into ONNX's order.
  const perm = GATES[op];
  const gateScales = (scale: Float32Array): Float32Array => {
    const out = new Float32Array(G * H);
    for (let k = 0; k < G; k++) out.set(scale.subarray(perm[k] * H, (perm[k] + 1) * H), k * H);
    return out;
  };
  let names = cache.get(layer);
  const dynamic = !!q && op === 'LSTM' && g.int8 === 'onnxruntime';
  if (!names && dynamic) {
    // ONNX Runtime's DynamicQuantizeLSTM: W [1, I, 4H], R [1, H, 4H] int8 (Keras's [rows, columns]
    // with the columns in ONNX's gate order), per-column scales [1, 4H] and zero points.
    const cols = (t: { data: Float32Array; shape: number[] }): Float32Array => {
      const rows = t.shape[0],
        out = new Float32Array(t.data.length);
      for (let r = 0; r < rows; r++)
        for (let k = 0; k < G; k++)
          out.set(t.data.subarray(r * G * H + perm[k] * H, r * G * H + (perm[k] + 1) * H), r * G * H + k * H);
      return out;
    };
    const [ks, rs] = all.slice(-2).map((t) => gateScales(t.data));
    const zero = new Float32Array(G * H);
    const where = (n: string) => `${layer.where} ${n}`;
    for (const [n, sc] of [
      ['kernel_scale', ks],
      ['recurrent_scale', rs],
    ] as const)
      for (let i = 0; i < sc.length; i++)
        if (!Number.isFinite(sc[i]) || sc[i] < 0)
          throw new LstmWasmError(
            `toOnnx: ${where(n)} ${i} is ${sc[i]}; a quantized weight's scales ` +
              'must be finite and not negative (quantize() the float model again)',
          );
    names = [
      g.int8s(`${base}/W_quantized`, [1, I, G * H], cols(all[0]), where('kernel')),
      g.int8s(`${base}/R_quantized`, [1, H, G * H], cols(all[1]), where('recurrent_kernel')),
      w[0].B ? g.floats(`${base}/B`, [D, 2 * G * H], w[0].B) : '',
      w[0].P ? g.floats(`${base}/P`, [D, 3 * H], w[0].P) : '',
      g.floats(`${base}/W_scale`, [1, G * H], ks),
      g.int8s(`${base}/W_zero_point`, [1, G * H], zero, where('kernel')),
      g.floats(`${base}/R_scale`, [1, G * H], rs),
      g.int8s(`${base}/R_zero_point`, [1, G * H], zero, where('recurrent_kernel')),
    ];
    cache.set(layer, names);
  }
  if (!names && q) {
    const [ks, rs] = all.slice(-2).map((t) => gateScales(t.data));
    names = [
      dequantized(g, layer, 'W', [D, G * H, I], w[0].W, ks, 1),
      dequantized(g, layer, 'R', [D, G * H, H], w[0].R, rs, 1),
      w[0].B ? g.floats(`${base}/B`, [D, 2 * G * H], w[0].B) : '',
      w[0].P ? g.floats(`${base}/P`, [D, 3 * H], w[0].P) : '',
    ];
    cache.set(layer, names);
  }
  if (!names) {
    names = [
      g.floats(`${base}/W`, [D, G * H, I], concat(w.map((d) => d.W))),
      g.floats(`${base}/R`, [D, G * H, H], concat(w.map((d) => d.R))),
      w[0].B ? g.floats(`${base}/B`, [D, 2 * G * H], concat(w.map((d) => d.B!))) : '',
      w[0].P ? g.floats(`${base}/P`, [D, 3 * H], concat(w.map((d) => d.P!))) : '',
    ];
    cache.set(layer, names);
  }
  const [Wn, Rn, Bn, Pn] = names;
  // X, W, R, B, sequence_lens, initial_h, initial_c (LSTM), P (LSTM); trailing empty ones left out.
  const inputs = [Wn, Rn, Bn, ''];
  const init = initial.map(
    (t, i) => g.node('Unsqueeze', [t.x, g.int64s(`${base}/axes`, [0])], `${base}/initial_${i === 0 ? 'h' : 'c'}`)[0],
  );
  inputs.push(init[0] ?? '');
  if (op === 'LSTM') inputs.push(init[1] ?? '', Pn);
  // DynamicQuantizeLSTM: then W_scale, W_zero_point, R_scale, R_zero_point.
  if (dynamic) inputs.push(...names.slice(4));
  while (inputs.length && inputs[inputs.length - 1] === '') inputs.pop();
  const acts: ActivationName[] =
    first instanceof LSTM
      ? [first.recurrentActivation, first.activation, first.activation]
      : first instanceof GRU
        ? [first.recurrentActivation, first.activation]
        : [first.activation];
  const attrs: Attr[] = [
    attrInt('hidden_size', H),
    attrString('direction', bi ? 'bidirectional' : first.goBackwards ? 'reverse' : 'forward'),
    ...rnnActivations(bi ? [...acts, ...acts] : acts),
  ];
  if (first instanceof GRU) attrs.push(attrInt('linear_before_reset', first.resetAfter ? 1 : 0));
  const [xt] = g.node('Transpose', [s.x], `${base}/time_major`, [attrInts('perm', [1, 0, 2])]);
  const outs = g.node(
    dynamic ? 'DynamicQuantizeLSTM' : op,
    [xt, ...inputs],
    base,
    attrs,
    withStates && op === 'LSTM' ? 3 : 2,
  );
  if (dynamic) {
    g.nodes[g.nodes.length - 1].domain = 'com.microsoft';
    g.usesMicrosoft = true;
  }
  const [Y, Yh] = outs;
  // Returned states: Y_h (and Y_c) [1, B, H] → [B, H].
  const states = withStates
    ? outs.slice(1).map((t, i) => ({
        x: g.node('Squeeze', [t, g.int64s(`${base}/axes`, [0])], `${base}/state_${i === 0 ? 'h' : 'c'}`)[0],
        rank: 2,
      }))
    : [];
  const mode = bi ? (layer as Bidirectional).mergeMode : null;
  if (first.returnSequences) {
    // Y [T, D, B, H] → [B, T, D, H], then the directions go.
    const [yb] = g.node('Transpose', [Y], `${base}/batch_major`, [attrInts('perm', [2, 0, 1, 3])]);
    let out: string;
    if (!bi) {
      [out] = g.node('Squeeze', [yb, g.int64s(`${base}/axes`, [2])], base);
      // Keras returns a backward layer's outputs in the order it read them; ONNX in input order.
      if (first.goBackwards) {
        [out] = g.node(
          'Slice',
          [
            out,
            g.int64s(`${base}/starts`, [-1]),
            g.int64s(`${base}/ends`, [INT64_MIN]),
            g.int64s(`${base}/axes`, [1]),
            g.int64s(`${base}/steps`, [-1]),
          ],
          `${base}/reverse_time`,
        );
      }
    } else out = mergeDirections(g, yb, 2, mode!, base, [0, 0, -1]);
    return { out: { x: out, rank: 3 }, states };
  }
  if (withStates) return { out: states[0], states };
  // Y_h [D, B, H] → [B, D, H], then the directions go.
  const [hb] = g.node('Transpose', [Yh], `${base}/batch_major`, [attrInts('perm', [1, 0, 2])]);
  const out = bi
    ? mergeDirections(g, hb, 1, mode!, base, [0, -1])
    : g.node('Squeeze', [hb, g.int64s(`${base}/axes`, [1])], base)[0];
  return { out: { x: out, rank: 2 }, states };
}

function mergeDirections(
  g: GraphBuilder,
  x: string,
  axis: number,
  mode: MergeMode,
  base: string,
  shape: number[],
): string {
  switch (mode) {
    case 'concat':
      return g.node('Reshape', [x, g.int64s(`${base}/shape`, shape)], `${base}/concat`)[0];
    case 'sum':
      return g.node('ReduceSum', [x, g.int64s(`${base}/axes`, [axis])], `${base}/sum`, [attrInt('keepdims', 0)])[0];
    case 'ave':
      return g.node('ReduceMean', [x], `${base}/ave`, [attrInts('axes', [axis]), attrInt('keepdims', 0)])[0];
    case 'mul':
      return g.node('ReduceProd', [x], `${base}/mul`, [attrInts('axes', [axis]), attrInt('keepdims', 0)])[0];
  }
}

/**
 * Options of toOnnx(): input and output names (`inputNames`/`outputNames`, or
 * `inputName`/`outputName` for one), `int8` (how int8 layers are written).
 */
export interface ToOnnxOptions {
  /**
   * The graph input's name, for a model with one input (default: 'input' for a Sequential model,
   * else the input layer's name).
   */
  inputName?: string;
  /**
   * The graph output's name, for a model with one output (default: 'output' for a Sequential model,
   * else model.outputNames[0]).
   */
  outputName?: string;
  /** The graph inputs' names, one per model input (default: model.inputNames; a Sequential model's: ['input']). */
  inputNames?: string[];
  /** The graph outputs' names, one per model output (default: model.outputNames; a Sequential model's: ['output']). */
  outputNames?: string[];
  /** Written into ModelProto.producer_name (default 'lstm-wasm'). */
  producerName?: string;
  /**
   * How a quantize()d model's int8 layers are written. 'dequantize' (default): INT8 weights and
   * their per-output-channel scales into DequantizeLinear (opset 13, per axis) in front of the float
   * operators (LSTM, GRU, RNN, Gemm/MatMul, Conv, Gather): standard ONNX, any runtime; activations
   * stay f32. 'onnxruntime': int8 LSTM layers become ONNX Runtime's DynamicQuantizeLSTM (domain
   * com.microsoft; it quantizes the activations at run time, as lstm-wasm does; onnxruntime-web's
   * WASM build runs it), the other int8 layers DequantizeLinear as with 'dequantize'. A float
   * model's graph is the same either way.
   */
  int8?: 'dequantize' | 'onnxruntime';
}

type Dim = number | string;
const valueInfo = (name: string, elemType: number, dims: Dim[]): Message => ({
  name,
  type: {
    tensorType: {
      elemType,
      shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
    },
  },
});

const SUPPORTED_LAYERS =
  'LSTM, GRU, SimpleRNN (with initialState and returnState), Bidirectional, Dense, TimeDistributed(Dense), ' +
  'Dropout, Embedding (maskZero only where the mask reaches attention, pooling and pass-through layers), ' +
  'Concatenate, Add, Subtract, Multiply, Average, Maximum, Minimum, RepeatVector, Flatten, Reshape, ' +
  'Permute, Activation, Conv1D, MaxPooling1D, AveragePooling1D, GlobalAveragePooling1D, ' +
  'GlobalMaxPooling1D, LayerNormalization, Attention, AdditiveAttention, MultiHeadAttention';

/** The initializers of a layer's weights, made once per layer (shared layers' nodes read the same ones). */
function layerWeights(
  g: GraphBuilder,
  l: Layer,
  cache: WeightCache,
  make: (ws: { data: Float32Array; shape: number[] }[]) => [string, number[], Float32Array][],
): string[] {
  let names = cache.get(l);
  if (!names) {
    names = make(l.getWeights()).map(([n, dims, data]) => g.floats(`${l.name}/${n}`, dims, data));
    cache.set(l, names);
  }
  return names;
}

const scalarF = (g: GraphBuilder, base: string, v: number): string => g.floats(base, [], new Float32Array([v]));

/** x [B, T, C] → [B, C, T], the op (Conv, MaxPool, AveragePool), → [B, T', C']. */
function channelsFirst(g: GraphBuilder, x: string, base: string, op: string, inputs: string[], attrs: Attr[]): string {
  const [xt] = g.node('Transpose', [x], `${base}/channels_first`, [attrInts('perm', [0, 2, 1])]);
  const [y] = g.node(op, [xt, ...inputs], base, attrs);
  return g.node('Transpose', [y], `${base}/channels_last`, [attrInts('perm', [0, 2, 1])])[0];
}

/**
 * The padding attributes of a 1-D window (span = the window's reach in steps): 'valid' none,
 * 'causal' all before, 'same' as TensorFlow (the odd one after): fixed pads with stride 1, else
 * auto_pad SAME_UPPER (which depends on the length).
 */
function padAttrs(padding: 'valid' | 'same' | 'causal', span: number, stride: number): Attr[] {
  if (padding === 'valid') return [attrInts('pads', [0, 0])];
  if (padding === 'causal') return [attrInts('pads', [span - 1, 0])];
  if (stride === 1) return [attrInts('pads', [Math.floor((span - 1) / 2), span - 1 - Math.floor((span - 1) / 2)])];
  return [attrString('auto_pad', 'SAME_UPPER')];
}

/** A 0/1 float mask from values (non-zero: kept), as the attention layers read explicit masks. */
function maskFromValues(g: GraphBuilder, m: string, base: string): string {
  const [eq] = g.node('Equal', [m, scalarF(g, `${base}/zero`, 0)], `${base}/mask`);
  const [not] = g.node('Not', [eq], `${base}/mask`);
  return g.node('Cast', [not], `${base}/mask`, [attrInt('to', P.TensorDataType.FLOAT)])[0];
}

/** Product of the masks given (undefined when none is). */
function andMasks(g: GraphBuilder, masks: (string | undefined)[], base: string): string | undefined {
  const present = [...new Set(masks.filter((m): m is string => !!m))];
  if (present.length === 0) return undefined;
  let m = present[0];
  for (let i = 1; i < present.length; i++) m = g.node('Mul', [m, present[i]], `${base}/mask`)[0];
  return m;
}

/**
 * Scores [B, (H,) Tq, Tv] → attention weights: where a key may not be seen, -1e9 is added (Keras's
 * additive mask), then Softmax over the keys. Visible: key mask [B, Tv], query mask [B, Tq] (rows),
 * attention mask [B, Tq, Tv], causal (key j ≤ query i). A causal mask alone is a constant additive
 * mask; with other masks it is a constant 0/1 factor of the visibility, so that a row whose visible
 * keys are all masked gets -1e9 everywhere (uniform weights, as the layer gives).
 */
function maskedSoftmax(
  g: GraphBuilder,
  scores: string,
  base: string,
  heads: boolean,
  m: { key?: string; query?: string; attn?: string; causal?: { Tq: number; Tv: number } },
): string {
  const parts: string[] = [];
  if (m.key)
    parts.push(g.node('Unsqueeze', [m.key, g.int64s(`${base}/axes`, heads ? [1, 2] : [1])], `${base}/key_mask`)[0]);
  if (m.query)
    parts.push(g.node('Unsqueeze', [m.query, g.int64s(`${base}/axes`, heads ? [1, 3] : [2])], `${base}/query_mask`)[0]);
  if (m.attn)
    parts.push(
      heads ? g.node('Unsqueeze', [m.attn, g.int64s(`${base}/axes`, [1])], `${base}/attention_mask`)[0] : m.attn,
    );
  const causal = (visible: number, hidden: number): string => {
    const { Tq, Tv } = m.causal!;
    const c = new Float32Array(Tq * Tv);
    for (let i = 0; i < Tq; i++) for (let j = 0; j < Tv; j++) c[i * Tv + j] = j <= i ? visible : hidden;
    return g.floats(`${base}/causal_mask`, [Tq, Tv], c);
  };
  let add: string | undefined;
  if (parts.length) {
    if (m.causal) parts.push(causal(1, 0));
    let v = parts[0];
    for (let i = 1; i < parts.length; i++) v = g.node('Mul', [v, parts[i]], `${base}/visible`)[0];
    const [vm1] = g.node('Sub', [v, scalarF(g, `${base}/one`, 1)], `${base}/visible`);
    [add] = g.node('Mul', [vm1, scalarF(g, `${base}/big`, 1e9)], `${base}/additive_mask`);
  } else if (m.causal) add = causal(0, -1e9);
  const s = add ? g.node('Add', [scores, add], `${base}/masked`)[0] : scores;
  return g.node('Softmax', [s], base, [attrInt('axis', -1)])[0];
}

/** The static steps of a call's query and value, for a causal mask. */
function causalSteps(l: Layer, node: Node | undefined): { Tq: number; Tv: number } | undefined {
  if (!node?.call.useCausalMask) return undefined;
  const Tq = node.inputs[0].sampleShape[0],
    Tv = node.inputs[1].sampleShape[0];
  if (Tq === null || Tv === null)
    throw new LstmWasmError(
      `toOnnx: ${l.where} is called with useCausalMask, and its causal mask is a constant of the ` +
        "graph: the query's and the value's steps must be known (input({ shape: [steps, features] }))",
    );
  return { Tq, Tv };
}

/**
 * Attention and AdditiveAttention: scores (dot or additive), masks, Softmax, the weighted values;
 * the query's mask zeroes masked rows.
 */
function exportDenseAttention(
  g: GraphBuilder,
  l: Attention | AdditiveAttention,
  ins: ExportState[],
  node: Node | undefined,
  cache: WeightCache,
): ExportState[] {
  const base = l.name;
  const call = node?.call ?? {};
  const [q, v, k] = ins;
  let i = 3;
  const qm = call.queryMask ? maskFromValues(g, ins[i++].x, `${base}/query`) : q.mask;
  const vm = call.valueMask ? maskFromValues(g, ins[i++].x, `${base}/value`) : v.mask;
  const additive = l instanceof AdditiveAttention || l.scoreMode === 'concat';
  const names = layerWeights(g, l, cache, (ws) => {
    const specs = l.slots.map((s) => s.spec.name);
    return ws.map((w, j) => [specs[j], w.shape, w.data] as [string, number[], Float32Array]);
  });
  const specNames = l.slots.map((s) => s.spec.name);
  const weight = (n: string): string | undefined => {
    const j = specNames.indexOf(n);
    return j < 0 ? undefined : names[j];
  };
  let scores: string;
  if (!additive) {
    const [kt] = g.node('Transpose', [k.x], `${base}/key_t`, [attrInts('perm', [0, 2, 1])]);
    [scores] = g.node('MatMul', [q.x, kt], `${base}/scores`);
    const sc = weight('scale');
    if (sc) [scores] = g.node('Mul', [scores, sc], `${base}/scale`);
  } else {
    const [qe] = g.node('Unsqueeze', [q.x, g.int64s(`${base}/axes`, [2])], `${base}/query`);
    const [ke] = g.node('Unsqueeze', [k.x, g.int64s(`${base}/axes`, [1])], `${base}/key`);
    let [sum] = g.node('Add', [qe, ke], `${base}/sum`);
    const sc = weight('scale');
    if (l instanceof Attention && sc) [sum] = g.node('Mul', [sum, sc], `${base}/scale`);
    let [t] = g.node('Tanh', [sum], base);
    if (l instanceof AdditiveAttention && sc) [t] = g.node('Mul', [t, sc], `${base}/scale`);
    [scores] = g.node('ReduceSum', [t, g.int64s(`${base}/axes`, [-1])], `${base}/scores`, [attrInt('keepdims', 0)]);
    const cw = weight('concat_score_weight');
    if (cw) [scores] = g.node('Mul', [scores, cw], `${base}/concat_score_weight`);
  }
  const p = maskedSoftmax(g, scores, base, false, { key: vm, causal: causalSteps(l, node) });
  let [o] = g.node('MatMul', [p, v.x], `${base}/output`);
  if (qm) {
    const [qe] = g.node('Unsqueeze', [qm, g.int64s(`${base}/axes`, [2])], `${base}/query_mask`);
    [o] = g.node('Mul', [o, qe], `${base}/query_mask`);
  }
  const out: ExportState[] = [{ x: o, rank: 3, mask: qm }];
  if (call.returnAttentionScores) out.push({ x: p, rank: 3 });
  return out;
}

/**
 * MultiHeadAttention: the projections (MatMul + Add), heads split by Reshape + Transpose, scaled
 * dot scores, masks, Softmax, the output projection.
 */
function exportMultiHeadAttention(
  g: GraphBuilder,
  l: MultiHeadAttention,
  ins: ExportState[],
  node: Node | undefined,
  cache: WeightCache,
): ExportState[] {
  const base = l.name;
  const call = node?.call ?? {};
  const [q, v, k] = ins;
  const H = l.numHeads,
    dk = l.keyDim,
    dv = l.valueDim;
  const names = layerWeights(g, l, cache, (ws) => {
    const specs = l.slots.map((s) => s.spec.name);
    // Kernels [in, H, size] as [in, H·size]; the output kernel [H, dv, out] as [H·dv, out]; biases flat.
    return ws.map((w, j) => {
      const sh = w.shape;
      const dims =
        sh.length === 3
          ? specs[j].startsWith('attention_output')
            ? [sh[0] * sh[1], sh[2]]
            : [sh[0], sh[1] * sh[2]]
          : [sh.reduce((a, b) => a * b, 1)];
      return [specs[j], dims, w.data] as [string, number[], Float32Array];
    });
  });
  const nb = l.useBias ? 2 : 1;
  const proj = (x: string, i: number, what: string, size: number, perm: number[]): string => {
    let [y] = g.node('MatMul', [x, names[i * nb]], `${base}/${what}`);
    if (l.useBias) [y] = g.node('Add', [y, names[i * nb + 1]], `${base}/${what}/bias`);
    const [r] = g.node('Reshape', [y, g.int64s(`${base}/${what}/shape`, [0, 0, H, size])], `${base}/${what}/heads`);
    return g.node('Transpose', [r], `${base}/${what}/heads`, [attrInts('perm', perm)])[0];
  };
  const Q = proj(q.x, 0, 'query', dk, [0, 2, 1, 3]); // [B, H, Tq, dk]
  const K = proj(k.x, 1, 'key', dk, [0, 2, 3, 1]); // [B, H, dk, Tv]
  const V = proj(v.x, 2, 'value', dv, [0, 2, 1, 3]); // [B, H, Tv, dv]
  const [s0] = g.node('MatMul', [Q, K], `${base}/scores`);
  const [s] = g.node('Mul', [s0, scalarF(g, `${base}/scale`, 1 / Math.sqrt(dk))], `${base}/scores`);
  const km = andMasks(g, [v.mask, k.mask], `${base}/key`);
  const am = call.attentionMask ? maskFromValues(g, ins[3].x, `${base}/attention`) : undefined;
  const p = maskedSoftmax(g, s, base, true, { key: km, query: q.mask, attn: am, causal: causalSteps(l, node) });
  const [o] = g.node('MatMul', [p, V], `${base}/attend`); // [B, H, Tq, dv]
  const [ot] = g.node('Transpose', [o], `${base}/merge_heads`, [attrInts('perm', [0, 2, 1, 3])]);
  const [om] = g.node('Reshape', [ot, g.int64s(`${base}/merge_heads/shape`, [0, 0, H * dv])], `${base}/merge_heads`);
  let [y] = g.node('MatMul', [om, names[3 * nb]], `${base}/attention_output`);
  if (l.useBias) [y] = g.node('Add', [y, names[3 * nb + 1]], `${base}/attention_output/bias`);
  const out: ExportState[] = [{ x: y, rank: 3, mask: q.mask }];
  if (call.returnAttentionScores) out.push({ x: p, rank: 4 });
  return out;
}

/** Conv1D, pooling, global pooling and LayerNormalization as ONNX nodes, or null for other layers. */
function exportSequenceLayer(g: GraphBuilder, l: Layer, x: ExportState, cache: WeightCache): ExportState | null {
  const base = l.name;
  if (l instanceof Conv1D) {
    if (x.rank !== 3) throw new LstmWasmError(`toOnnx: ${l.where} needs [batch, steps, channels] input`);
    const convW = (ws: { data: Float32Array; shape: number[] }[]): [number[], Float32Array] => {
      const [K, C, F] = ws[0].shape;
      const W = new Float32Array(F * C * K);
      for (let f = 0; f < F; f++)
        for (let c = 0; c < C; c++)
          for (let k = 0; k < K; k++) W[(f * C + c) * K + k] = ws[0].data[(k * C + c) * F + f];
      return [[F, C, K], W];
    };
    let names = cache.get(l);
    if (!names && isQuantized(l)) {
      // int8: kernel, kernel_scale [F] (one per filter: ONNX's output channels, axis 0 of W), bias.
      const ws = l.getWeights();
      const [dims, W] = convW(ws);
      names = [dequantized(g, l, 'W', dims, W, ws[1].data, 0)];
      if (l.useBias) names.push(g.floats(`${base}/B`, [dims[0]], ws[2].data));
      cache.set(l, names);
    }
    names ??= layerWeights(g, l, cache, (ws) => {
      const [dims, W] = convW(ws);
      const out: [string, number[], Float32Array][] = [['W', dims, W]];
      if (l.useBias) out.push(['B', [dims[0]], ws[1].data]);
      return out;
    });
    const span = (l.kernelSize - 1) * l.dilationRate + 1;
    const y = channelsFirst(g, x.x, base, 'Conv', names, [
      attrInts('kernel_shape', [l.kernelSize]),
      attrInts('strides', [l.strides]),
      attrInts('dilations', [l.dilationRate]),
      ...padAttrs(l.padding, span, l.strides),
    ]);
    return { x: denseActivation(g, y, l.activation, base), rank: 3 };
  }
  if (l instanceof MaxPooling1D || l instanceof AveragePooling1D) {
    if (x.rank !== 3) throw new LstmWasmError(`toOnnx: ${l.where} needs [batch, steps, channels] input`);
    const attrs = [
      attrInts('kernel_shape', [l.poolSize]),
      attrInts('strides', [l.strides]),
      ...padAttrs(l.padding, l.poolSize, l.strides),
    ];
    // Keras's 'same' average counts only the steps inside the sequence: count_include_pad 0.
    if (l instanceof AveragePooling1D) attrs.push(attrInt('count_include_pad', 0));
    return {
      x: channelsFirst(g, x.x, base, l instanceof MaxPooling1D ? 'MaxPool' : 'AveragePool', [], attrs),
      rank: 3,
    };
  }
  if (l instanceof GlobalAveragePooling1D || l instanceof GlobalMaxPooling1D) {
    if (x.rank !== 3) throw new LstmWasmError(`toOnnx: ${l.where} needs [batch, steps, channels] input`);
    const keep = l.keepdims ? 1 : 0;
    if (l instanceof GlobalMaxPooling1D)
      return {
        x: g.node('ReduceMax', [x.x], base, [attrInts('axes', [1]), attrInt('keepdims', keep)])[0],
        rank: 3 - 1 + keep,
      };
    if (!x.mask)
      return {
        x: g.node('ReduceMean', [x.x], base, [attrInts('axes', [1]), attrInt('keepdims', keep)])[0],
        rank: 3 - 1 + keep,
      };
    // The mean over the kept steps; none kept gives 0.
    const [m] = g.node('Unsqueeze', [x.mask, g.int64s(`${base}/axes`, [2])], `${base}/mask`);
    const [xm] = g.node('Mul', [x.x, m], `${base}/masked`);
    const [sum] = g.node('ReduceSum', [xm, g.int64s(`${base}/axes`, [1])], `${base}/sum`, [attrInt('keepdims', keep)]);
    const [cnt] = g.node('ReduceSum', [m, g.int64s(`${base}/axes`, [1])], `${base}/count`, [attrInt('keepdims', keep)]);
    const [cnt1] = g.node('Max', [cnt, scalarF(g, `${base}/one`, 1)], `${base}/count`);
    return { x: g.node('Div', [sum, cnt1], base)[0], rank: 3 - 1 + keep };
  }
  if (l instanceof LayerNormalization) {
    // Opset 14 has no LayerNormalization operator: (x − mean)/√(var + ε)·γ + β over the last axis.
    const names = layerWeights(g, l, cache, (ws) =>
      l.slots.map((s, j) => [s.spec.name, ws[j].shape, ws[j].data] as [string, number[], Float32Array]),
    );
    const [mean] = g.node('ReduceMean', [x.x], `${base}/mean`, [attrInts('axes', [-1]), attrInt('keepdims', 1)]);
    const [d] = g.node('Sub', [x.x, mean], `${base}/centered`);
    const [d2] = g.node('Mul', [d, d], `${base}/squared`);
    const [vr] = g.node('ReduceMean', [d2], `${base}/variance`, [attrInts('axes', [-1]), attrInt('keepdims', 1)]);
    const [ve] = g.node('Add', [vr, scalarF(g, `${base}/epsilon`, l.epsilon)], `${base}/variance`);
    const [sd] = g.node('Sqrt', [ve], `${base}/std`);
    let [y] = g.node('Div', [d, sd], `${base}/normalized`);
    let j = 0;
    if (l.scale) [y] = g.node('Mul', [y, names[j++]], `${base}/gamma`);
    if (l.center) [y] = g.node('Add', [y, names[j++]], `${base}/beta`);
    return { x: y, rank: x.rank, mask: x.mask };
  }
  return null;
}

/** One layer call as ONNX nodes: the exported tensors of its outputs. */
function exportNode(
  g: GraphBuilder,
  l: Layer,
  ins: ExportState[],
  nOut: number,
  cache: WeightCache,
  node?: Node,
): ExportState[] {
  const x = ins[0];
  if (l instanceof Attention || l instanceof AdditiveAttention) return exportDenseAttention(g, l, ins, node, cache);
  if (l instanceof MultiHeadAttention) return exportMultiHeadAttention(g, l, ins, node, cache);
  const seq = exportSequenceLayer(g, l, x, cache);
  if (seq) return [seq];
  if ((l instanceof Recurrent || l instanceof Bidirectional) && x.mask) {
    throw new LstmWasmError(
      `toOnnx: ${l.where} reads the per-step mask of an Embedding with maskZero: ` +
        'true, which the ONNX LSTM, GRU and RNN operators cannot take (they take one ' +
        'length per sequence); export a model without maskZero before recurrent layers',
    );
  }
  const outs = exportPlain(g, l, ins, nOut, cache);
  // Masks carried on as the engine carries them: pass-through layers keep it, merges AND them, the rest drop it.
  const passes =
    l instanceof Dropout ||
    l instanceof TimeDistributed ||
    l instanceof Activation ||
    (l instanceof Dense && x.rank === 3);
  if (passes && x.mask) outs[0] = { ...outs[0], mask: x.mask };
  const merge =
    l instanceof Add ||
    l instanceof Subtract ||
    l instanceof Multiply ||
    l instanceof Average ||
    l instanceof Maximum ||
    l instanceof Minimum ||
    l instanceof Concatenate;
  if (merge && outs[0].rank === 3 && ins.some((t) => t.mask)) {
    if (l instanceof Concatenate && ins.length > 1 && l.axis !== -1 && l.axis !== 2) {
      throw new LstmWasmError(
        `toOnnx: ${l.where} joins masked sequences along the steps; lstm-wasm ` +
          'exports masks through Concatenate on the features axis only',
      );
    }
    outs[0] = {
      ...outs[0],
      mask: andMasks(
        g,
        ins.map((t) => t.mask),
        l.name,
      ),
    };
  }
  return outs;
}

/** The layers without masks or sequence kernels. */
function exportPlain(g: GraphBuilder, l: Layer, ins: ExportState[], nOut: number, cache: WeightCache): ExportState[] {
  const base = l.name;
  const one = (s: ExportState): ExportState[] => [s];
  const x = ins[0];
  if (l instanceof Masking) {
    throw new LstmWasmError(
      `toOnnx: ${l.where} cannot be exported: the ONNX LSTM, GRU and RNN operators take ` +
        `one length per sequence, not a mask per step. Supported layers: ${SUPPORTED_LAYERS}`,
    );
  }
  if (l instanceof Dropout) return one(x); // identity at inference
  if (l instanceof Embedding) {
    let t = cache.get(l)?.[0];
    if (!t) {
      const [table, scale] = l.getWeights();
      // int8: one scale per token (row), axis 0; Gather reads the dequantized table.
      t = isQuantized(l)
        ? dequantized(g, l, 'embeddings', table.shape, table.data, scale.data, 0)
        : g.floats(`${base}/embeddings`, table.shape, table.data);
      cache.set(l, [t]);
    }
    const out: ExportState = { x: g.node('Gather', [t, x.x], base, [attrInt('axis', 0)])[0], rank: x.rank + 1 };
    if (l.maskZero && x.rank === 2) {
      // maskZero: 1 where the id is not 0 (read by attention and pooling; a recurrent layer refuses it).
      const [eq] = g.node('Equal', [x.x, g.int64s(`${base}/zero`, [0], true)], `${base}/mask`);
      const [not] = g.node('Not', [eq], `${base}/mask`);
      out.mask = g.node('Cast', [not], `${base}/mask`, [attrInt('to', P.TensorDataType.FLOAT)])[0];
    } else if (l.maskZero) {
      throw new LstmWasmError(
        `toOnnx: ${l.where} has maskZero: true on input of rank ` +
          `${x.rank}; lstm-wasm exports its mask for [batch, steps] ids only`,
      );
    }
    return one(out);
  }
  const dense = (d: Dense, weightsOf: Layer): ExportState => {
    let names = cache.get(weightsOf);
    if (!names && isQuantized(d)) {
      // int8: kernel [K, N], kernel_scale [N] (one per output column: axis 1), bias.
      const ws = weightsOf.getWeights();
      names = [
        dequantized(g, weightsOf, 'kernel', ws[0].shape, ws[0].data, ws[1].data, 1),
        d.useBias ? g.floats(`${base}/bias`, ws[2].shape, ws[2].data) : '',
      ];
      cache.set(weightsOf, names);
    }
    if (!names) {
      const ws = weightsOf.getWeights();
      names = [
        g.floats(`${base}/kernel`, ws[0].shape, ws[0].data),
        d.useBias ? g.floats(`${base}/bias`, ws[1].shape, ws[1].data) : '',
      ];
      cache.set(weightsOf, names);
    }
    const [W, b] = names;
    let y: string;
    if (x.rank === 2) y = g.node('Gemm', b ? [x.x, W, b] : [x.x, W], base)[0];
    else {
      y = g.node('MatMul', [x.x, W], base)[0];
      if (b) y = g.node('Add', [y, b], `${base}/bias`)[0];
    }
    return { x: denseActivation(g, y, d.activation, base), rank: x.rank };
  };
  if (l instanceof Dense) return one(dense(l, l));
  if (l instanceof TimeDistributed) {
    const inner = l.layer;
    if (inner instanceof Dense) return one(dense(inner, l));
    if (inner instanceof Dropout) return one(x);
    if (inner instanceof Activation) return one({ x: denseActivation(g, x.x, inner.activation, base), rank: x.rank });
    throw new LstmWasmError(
      `toOnnx: ${l.where} wraps ${inner.where}; lstm-wasm exports ` +
        'TimeDistributed around Dense, Dropout and Activation layers',
    );
  }
  if (l instanceof Recurrent || l instanceof Bidirectional) {
    if (x.rank !== 3) throw new LstmWasmError(`toOnnx: ${l.where} needs [batch, steps, features] input`);
    const r = exportRecurrent(g, x, l, cache, ins.slice(1), nOut > 1);
    return [r.out, ...r.states];
  }
  if (l instanceof Concatenate) {
    if (ins.length === 1) return one(x);
    return one({
      x: g.node(
        'Concat',
        ins.map((t) => t.x),
        base,
        [attrInt('axis', l.axis)],
      )[0],
      rank: x.rank,
    });
  }
  const fold = (op: string): ExportState => {
    let y = ins[0].x;
    for (let i = 1; i < ins.length; i++) y = g.node(op, [y, ins[i].x], base)[0];
    return { x: y, rank: x.rank };
  };
  if (l instanceof Add) return one(fold('Add'));
  if (l instanceof Subtract) return one(fold('Sub'));
  if (l instanceof Multiply) return one(fold('Mul'));
  if (l instanceof Average)
    return one({
      x: g.node(
        'Mean',
        ins.map((t) => t.x),
        base,
      )[0],
      rank: x.rank,
    });
  if (l instanceof Maximum)
    return one({
      x: g.node(
        'Max',
        ins.map((t) => t.x),
        base,
      )[0],
      rank: x.rank,
    });
  if (l instanceof Minimum)
    return one({
      x: g.node(
        'Min',
        ins.map((t) => t.x),
        base,
      )[0],
      rank: x.rank,
    });
  if (l instanceof RepeatVector) {
    const [u] = g.node('Unsqueeze', [x.x, g.int64s(`${base}/axes`, [1])], base);
    return one({ x: g.node('Tile', [u, g.int64s(`${base}/repeats`, [1, l.n, 1])], base)[0], rank: 3 });
  }
  if (l instanceof Flatten) {
    if (x.rank === 2) return one(x);
    return one({ x: g.node('Reshape', [x.x, g.int64s(`${base}/shape`, [0, -1])], base)[0], rank: 2 });
  }
  if (l instanceof Reshape) {
    return one({
      x: g.node('Reshape', [x.x, g.int64s(`${base}/shape`, [0, ...l.targetShape])], base)[0],
      rank: l.targetShape.length + 1,
    });
  }
  if (l instanceof Permute) {
    return one({ x: g.node('Transpose', [x.x], base, [attrInts('perm', [0, ...l.dims])])[0], rank: x.rank });
  }
  if (l instanceof Activation) return one({ x: denseActivation(g, x.x, l.activation, base), rank: x.rank });
  throw new LstmWasmError(`toOnnx: ${l.where} has no ONNX form here; supported layers: ${SUPPORTED_LAYERS}`);
}

function namesOption(what: string, v: unknown, n: number): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length !== n || !v.every((s) => typeof s === 'string' && s !== '')) {
    throw new LstmWasmError(
      `toOnnx: option '${what}' must be an array of ${n} non-empty strings (one per model ` +
        (what === 'inputNames' ? 'input' : 'output') +
        `), got ${describe(v)}`,
    );
  }
  return v as string[];
}

/**
 * The model as the bytes of an ONNX model (opset 14) of standard operators: LSTM, GRU, RNN, Gemm,
 * MatMul, Add, Sub, Mul, Mean, Max, Min, Concat, Gather (Embedding), Sigmoid, Tanh, Relu,
 * HardSigmoid, Softmax, Tile (RepeatVector), and Transpose, Squeeze, Unsqueeze, Slice, Reshape,
 * ReduceSum/Mean/Prod for layouts and Bidirectional merges. The graph takes the model's
 * batch-major inputs ([batch, steps, features] as float32, or [batch, steps] token ids as int64
 * where an Embedding reads them) and gives the model's outputs. A Sequential model's graph has one
 * input 'input' and one output 'output'; a functional model's (model({ inputs, outputs })) inputs
 * and outputs are named by model.inputNames and model.outputNames. Recurrent layers' initial
 * states ([batch, units]) become their operator's initial_h / initial_c, and states a layer
 * returns (returnState: true) its Y_h / Y_c, with the size-1 directions axis added or removed. A
 * layer applied several times (shared) is several operators reading the same initializers.
 * Conv1D, pooling, LayerNormalization and the attention layers are written as the standard
 * operators described at the top of this file; an Embedding's maskZero mask is carried to the
 * attention layers and GlobalAveragePooling1D that read it (a recurrent layer that would read it
 * is refused: the ONNX recurrent operators take no per-step mask). A quantize()d model's int8
 * layers are INT8 initializers with one scale per output channel (per token for an Embedding)
 * into DequantizeLinear before the float operator, or, with `int8: 'onnxruntime'`, its LSTM
 * layers ONNX Runtime's DynamicQuantizeLSTM (see ToOnnxOptions.int8).
 */
export function toOnnx(model: Model, options: ToOnnxOptions = {}): Uint8Array {
  if (!(model instanceof Model))
    throw new LstmWasmError(
      `toOnnx: expected a model (Sequential or model({ inputs, outputs })), got ${describe(model)}`,
    );
  if (model.isDisposed) throw new LstmWasmError(`toOnnx: the model was disposed`);
  if (options === null || typeof options !== 'object')
    throw new LstmWasmError(
      `toOnnx: expected an options object such as { inputNames: ['x'] }, got ${describe(options)}`,
    );
  model.build();
  const QUANTIZED = [
    'QuantizedDense',
    'QuantizedLSTM',
    'QuantizedGRU',
    'QuantizedSimpleRNN',
    'QuantizedEmbedding',
    'QuantizedConv1D',
  ];
  const unknown = model.layers.find((l) => isQuantized(l) && !QUANTIZED.includes(l.className));
  if (unknown)
    throw new LstmWasmError(
      `toOnnx: ${unknown.where} is an int8 layer with no ONNX form here; int8 layers exported: ${QUANTIZED.join(', ')}`,
    );
  const seq = model instanceof Sequential;
  const graph = buildGraph('toOnnx', model.inputs, model.outputs);
  const nIn = graph.inputs.length,
    nOut = graph.outputs.length;
  if (options.inputName !== undefined && nIn !== 1)
    throw new LstmWasmError(
      `toOnnx: option 'inputName' is for a model with one input; this one has ${nIn}: use 'inputNames'`,
    );
  if (options.outputName !== undefined && nOut !== 1)
    throw new LstmWasmError(
      `toOnnx: option 'outputName' is for a model with one output; this one has ${nOut}: use 'outputNames'`,
    );
  const inNames =
    namesOption('inputNames', options.inputNames, nIn) ??
    (options.inputName !== undefined ? [options.inputName] : seq ? ['input'] : model.inputNames);
  const outNames =
    namesOption('outputNames', options.outputNames, nOut) ??
    (options.outputName !== undefined ? [options.outputName] : seq ? ['output'] : model.outputNames);
  const allNames = [...inNames, ...outNames];
  if (new Set(allNames).size !== allNames.length)
    throw new LstmWasmError(
      "toOnnx: the graph's input and output names must be distinct, got inputs " +
        `${JSON.stringify(inNames)} and outputs ${JSON.stringify(outNames)}`,
    );
  const g = new GraphBuilder();
  if (options.int8 !== undefined && options.int8 !== 'dequantize' && options.int8 !== 'onnxruntime')
    throw new LstmWasmError(
      "toOnnx: option 'int8' must be 'dequantize' (DequantizeLinear before the float operators) or " +
        `'onnxruntime' (ONNX Runtime's DynamicQuantizeLSTM for int8 LSTM layers), got ${describe(options.int8)}`,
    );
  g.int8 = options.int8 ?? 'dequantize';
  for (const name of allNames) g.unique(name);
  const tensors = new Map<number, ExportState>();
  graph.inputs.forEach((t, i) => tensors.set(t.id, { x: inNames[i], rank: t.rank }));
  const cache: WeightCache = new Map();
  for (const n of graph.nodes) {
    const ins = n.inputs.map((t) => tensors.get(t.id)!);
    const outs = exportNode(g, n.layer, ins, n.outputs.length, cache, n);
    n.outputs.forEach((t, i) => tensors.set(t.id, outs[i]));
  }
  // Each output tensor takes its graph output's name; an input, or a tensor given twice, through an Identity.
  const rename = new Map<string, string>();
  const taken = new Set<string>(inNames);
  const initNames = new Set(g.initializers.map((t) => t.name as string));
  graph.outputs.forEach((t, i) => {
    const x = tensors.get(t.id)!.x;
    if (taken.has(x) || rename.has(x) || initNames.has(x)) {
      g.nodes.push({
        opType: 'Identity',
        input: [x],
        output: [outNames[i]],
        name: g.unique(`${outNames[i]}/Identity`),
        attribute: [],
      });
    } else rename.set(x, outNames[i]);
  });
  for (const n of g.nodes) {
    n.input = (n.input as string[]).map((o) => rename.get(o) ?? o);
    n.output = (n.output as string[]).map((o) => rename.get(o) ?? o);
  }
  const batchDim: Dim = graph.inputs[0].batchSize ?? 'batch';
  const dimsOfTensor = (t: SymbolicTensor, name: string, rest: string): Dim[] => {
    const prefix = seq ? '' : `${name}_`;
    return [
      t.batchSize ?? batchDim,
      ...t.sampleShape.map((d, i) => d ?? (i === 0 ? `${prefix}steps` : `${prefix}${rest}${i + 1}`)),
    ];
  };
  const ids = (t: SymbolicTensor, name: string) => {
    const readers = graph.nodes.filter((n) => n.inputs.includes(t));
    const lookups = readers.filter((n) => n.layer instanceof Embedding && n.inputs[0] === t);
    if (lookups.length && lookups.length !== readers.length) {
      const other = readers.find((n) => !lookups.includes(n))!;
      throw new LstmWasmError(
        `toOnnx: input '${name}' is read as token ids by ${lookups[0].layer.where} and as values by ` +
          `${other.layer.where}; an ONNX graph input has one type (give the values an input of their own)`,
      );
    }
    return lookups.length > 0;
  };
  const onnxGraph: Message = {
    node: g.nodes,
    name: model.name,
    initializer: g.initializers,
    input: graph.inputs.map((t, i) =>
      valueInfo(
        inNames[i],
        ids(t, inNames[i]) ? P.TensorDataType.INT64 : P.TensorDataType.FLOAT,
        dimsOfTensor(t, inNames[i], 'dim'),
      ),
    ),
    output: graph.outputs.map((t, i) =>
      valueInfo(outNames[i], P.TensorDataType.FLOAT, dimsOfTensor(t, outNames[i], 'out')),
    ),
  };
  return encode(
    {
      irVersion: IR_VERSION,
      producerName: options.producerName ?? 'lstm-wasm',
      producerVersion: '0.1.0',
      graph: onnxGraph,
      opsetImport: [
        { domain: '', version: OPSET },
        ...(g.usesMicrosoft ? [{ domain: 'com.microsoft', version: 1 }] : []),
      ],
    },
    P.Model,
  );
}
// ---- importing -----------------------------------------------------------------------------

/**
 * Options of fromOnnx(): `output` (which graph output, for a Sequential), `name`, `functional` (the
 * whole graph as a functional model) with `outputs`.
 */
export interface FromOnnxOptions {
  /**
   * Which graph output the model computes (default: the first). For PyTorch's nn.LSTM that is
   * usually the output sequence; name the final hidden state (such as 'h') to get
   * returnSequences: false instead.
   */
  output?: string;
  /** Name of the model (default: the graph's name). */
  name?: string;
  /**
   * Read the whole graph, with all its inputs and outputs, into a functional model (model({
   * inputs, outputs })) instead of one path of it into a Sequential model.
   */
  functional?: boolean;
  /** With functional: the graph outputs the model gives, in order (default: all of them). */
  outputs?: string[];
}

/** What each axis of a tensor holds, followed along the path from the graph input. */
type Label = 'B' | 'T' | 'F' | 'D' | 'H' | 'M' | 'ONE' | 'IDS';
// B batch, T steps, F features, D directions of a recurrent op, H its hidden units, M directions
// and units merged (concatenated), ONE an axis of size 1 (a kept reduced axis, a last step), IDS an
// integer token id.

interface RecSpec {
  kind: 'rec';
  op: RecOp;
  node: string;
  H: number;
  I: number;
  D: 1 | 2;
  reverse: boolean; // direction 'reverse' (D = 1)
  activation: ActivationName;
  recurrentActivation: ActivationName;
  resetAfter: boolean;
  useBias: boolean;
  peephole: boolean;
  /** Keras-layout weights, per direction. */
  weights: Float32Array[][];
  output: 'Y' | 'Yh';
  /** The tensor's time order is the reverse of what our layer returns (reverse direction, Y). */
  flip: boolean;
  lastStep: boolean;
  merge: MergeMode | null;
  returnSequences?: boolean;
}

interface DenseSpec {
  kind: 'dense';
  node: string;
  K: number;
  N: number;
  kernel: Float32Array; // [K, N]
  bias: Float32Array | null;
  activation: ActivationName;
  closed: boolean;
}

interface EmbeddingSpec {
  kind: 'embedding';
  node: string;
  table: Float32Array;
  V: number;
  Dm: number;
}

type Spec = RecSpec | DenseSpec | EmbeddingSpec;

interface State {
  axes: Label[];
  F: number | null; // size of the F axis
  T: number | null; // size of the T axis, when the graph fixes it
  rec: RecSpec | null; // the recurrent layer whose outputs this tensor still shows
  dense: DenseSpec | null; // the Dense layer that may still take a bias and an activation
}

type ShapeEntry = number | Label;

class OnnxImport {
  readonly graph: Message;
  readonly nodes: Message[];
  readonly producer = new Map<string, Message>();
  readonly consts = new Map<string, OnnxTensor>();
  readonly inits = new Set<string>();

  constructor(readonly model: OnnxModel) {
    this.graph = model.graph!;
    this.nodes = this.graph.node as Message[];
    for (const t of this.graph.initializer as Message[]) {
      this.consts.set(t.name as string, tensorValues(t));
      this.inits.add(t.name as string);
    }
    this.nodes.forEach((n, i) => {
      if (!n.name) n.name = `#${i}`;
      for (const o of n.output as string[]) if (o) this.producer.set(o, n);
    });
  }

  where(n: Message): string {
    return `node '${n.name}' (${n.opType})`;
  }

  fail(n: Message | null, why: string): never {
    throw new LstmWasmError(`fromOnnx: ${n ? `${this.where(n)} ` : ''}${why}`);
  }

  attr(n: Message, name: string): Message | undefined {
    return (n.attribute as Message[]).find((a) => a.name === name);
  }

  attrI(n: Message, name: string, dflt: number): number {
    const a = this.attr(n, name);
    return a?.i !== undefined ? (a.i as number) : dflt;
  }

  attrF(n: Message, name: string, dflt: number): number {
    const a = this.attr(n, name);
    return a?.f !== undefined ? (a.f as number) : dflt;
  }

  attrInts(n: Message, name: string): number[] | undefined {
    const a = this.attr(n, name);
    return a ? (a.ints as number[]) : undefined;
  }

  attrS(n: Message, name: string): string | undefined {
    const a = this.attr(n, name);
    return a?.s ? new TextDecoder().decode(a.s as Uint8Array) : undefined;
  }

  attrStrings(n: Message, name: string): string[] | undefined {
    const a = this.attr(n, name);
    return a ? (a.strings as Uint8Array[]).map((s) => new TextDecoder().decode(s)) : undefined;
  }

  /** The value of a tensor that does not depend on the graph input, or null. */
  constant(name: string): OnnxTensor | null {
    if (!name) return null;
    const known = this.consts.get(name);
    if (known) return known;
    const n = this.producer.get(name);
    if (!n) return null;
    let v: OnnxTensor | null = null;
    if (n.opType === 'Constant') {
      const a = (n.attribute as Message[])[0];
      if (!a) this.fail(n, 'has no value');
      if (a.t) v = tensorValues(a.t as Message);
      else if (a.name === 'value_float') v = { name, dims: [], dataType: 1, floats: Float32Array.of(a.f as number) };
      else if (a.name === 'value_floats')
        v = {
          name,
          dims: [(a.floats as number[]).length],
          dataType: 1,
          floats: Float32Array.from(a.floats as number[]),
        };
      else if (a.name === 'value_int') v = { name, dims: [], dataType: 7, ints: [a.i as number] };
      else if (a.name === 'value_ints')
        v = { name, dims: [(a.ints as number[]).length], dataType: 7, ints: a.ints as number[] };
      else this.fail(n, `has a '${a.name}' value, which lstm-wasm does not read`);
    } else if (n.opType === 'Identity') {
      v = this.constant((n.input as string[])[0]);
    }
    if (v) this.consts.set(name, { ...v, name });
    return v;
  }

  /** A constant float tensor input, or an error naming what it is for. */
  floatInput(n: Message, i: number, what: string): OnnxTensor {
    const name = (n.input as string[])[i];
    const t = name ? this.constant(name) : null;
    if (!t || !t.floats)
      this.fail(
        n,
        `needs its ${what} (input ${i}${name ? ` '${name}'` : ''}) as a constant float tensor (an initializer)`,
      );
    return t;
  }

  intList(n: Message, i: number, what: string, state?: Map<string, State>): ShapeEntry[] | null {
    const name = (n.input as string[])[i];
    if (!name) return null;
    return this.shapeValue(name, n, what, state);
  }

  /**
   * An integer vector that may be computed from shapes (Shape → Gather → Unsqueeze → Concat, as
   * PyTorch writes them): numbers, or the label of the axis whose size it is.
   */
  shapeValue(name: string, user: Message, what: string, states?: Map<string, State>): ShapeEntry[] {
    const c = this.constant(name);
    if (c) {
      if (!c.ints) this.fail(user, `needs ${what} as integers, got a float tensor`);
      return c.ints;
    }
    const n = this.producer.get(name);
    const ins = (n?.input as string[]) ?? [];
    const sub = (i: number) => this.shapeValue(ins[i], user, what, states);
    switch (n?.opType) {
      case 'Shape': {
        const st = states?.get(ins[0]);
        if (!st) break;
        let axes: ShapeEntry[] = st.axes.map((a) => this.sizeOf(st, a) ?? a);
        const start = this.attrI(n, 'start', 0),
          end = this.attr(n, 'end') ? this.attrI(n, 'end', 0) : axes.length;
        axes = axes.slice(start, end);
        return axes;
      }
      case 'Gather': {
        const v = sub(0),
          idx = this.constant(ins[1]);
        if (!idx?.ints) break;
        return idx.ints.map((i) => v[i < 0 ? i + v.length : i]);
      }
      case 'Unsqueeze':
      case 'Squeeze':
      case 'Cast':
      case 'Identity':
        return sub(0);
      case 'Concat':
        return ins.flatMap((_, i) => sub(i));
      case 'Slice': {
        const v = sub(0),
          st = this.constant(ins[1])?.ints,
          en = this.constant(ins[2])?.ints;
        if (!st || !en) break;
        return v.slice(st[0], Math.min(en[0], v.length));
      }
    }
    this.fail(
      user,
      `needs ${what} ('${name}') as a constant, or computed ` +
        'from shapes by Shape, Gather, Unsqueeze, Concat or Slice' +
        (n ? `; it comes from ${this.where(n)}` : ''),
    );
  }

  sizeOf(s: State, a: Label): number | null {
    switch (a) {
      case 'F':
        return s.F;
      case 'T':
        return s.T;
      case 'D':
        return s.rec?.D ?? null;
      case 'H':
        return s.rec?.H ?? null;
      case 'M':
        return s.rec ? s.rec.D * s.rec.H : null;
      case 'ONE':
        return 1;
      default:
        return null;
    }
  }

  /** True when the tensor is all zeros: absent, a zero constant, or Expand/ConstantOfShape of zeros. */
  isZero(name: string | undefined): boolean {
    if (!name) return true;
    const c = this.constant(name);
    if (c) return c.floats ? c.floats.every((v) => v === 0) : !!c.ints?.every((v) => v === 0);
    const n = this.producer.get(name);
    if (!n) return false;
    if (n.opType === 'Expand' || n.opType === 'Tile') return this.isZero((n.input as string[])[0]);
    if (n.opType === 'ConstantOfShape') {
      const a = this.attr(n, 'value');
      if (!a?.t) return true; // the default value is a float 0
      const t = tensorValues(a.t as Message);
      return Array.from(t.floats ?? t.ints ?? []).every((v) => v === 0);
    }
    if (n.opType === 'Identity' || n.opType === 'Cast' || n.opType === 'Unsqueeze' || n.opType === 'Reshape')
      return this.isZero((n.input as string[])[0]);
    return false;
  }
}

const ACT_FROM_ONNX: Record<string, ActivationName> = { sigmoid: 'sigmoid', tanh: 'tanh', relu: 'relu' };
const SUPPORTED_OPS =
  'LSTM, GRU, RNN, Gemm, MatMul, Add, Gather, Sigmoid, Tanh, Relu, HardSigmoid, Softmax, Transpose, ' +
  'Squeeze, Reshape, Flatten, Slice, ReduceSum, ReduceMean, ReduceProd, Identity, Dropout, Cast';

/** The activations of a recurrent node, as ours: [f, g, h] (LSTM), [f, g] (GRU), [f] (RNN), per direction. */
function recActivations(im: OnnxImport, n: Message, op: RecOp, D: number): ActivationName[] {
  const per = op === 'LSTM' ? 3 : op === 'GRU' ? 2 : 1;
  const dflt = op === 'LSTM' ? ['Sigmoid', 'Tanh', 'Tanh'] : op === 'GRU' ? ['Sigmoid', 'Tanh'] : ['Tanh'];
  const names = im.attrStrings(n, 'activations') ?? Array.from({ length: D }, () => dflt).flat();
  if (names.length !== per * D) im.fail(n, `has ${names.length} activations; expected ${per * D}`);
  const alpha = im.attr(n, 'activation_alpha') ? [...(im.attr(n, 'activation_alpha')!.floats as number[])] : [];
  const beta = im.attr(n, 'activation_beta') ? [...(im.attr(n, 'activation_beta')!.floats as number[])] : [];
  const out = names.map((raw) => {
    const a = raw.toLowerCase();
    if (ACT_FROM_ONNX[a]) return ACT_FROM_ONNX[a];
    if (a === 'hardsigmoid') {
      const al = alpha.length ? alpha.shift()! : 0.2,
        be = beta.length ? beta.shift()! : 0.5;
      if (Math.abs(al - 0.2) < 1e-7 && Math.abs(be - 0.5) < 1e-7) return 'hardSigmoid';
      im.fail(
        n,
        `uses HardSigmoid with alpha ${al}, beta ${be}; lstm-wasm's ` +
          'hardSigmoid is alpha 0.2, beta 0.5 (Keras 2, TF.js)',
      );
    }
    if (a === 'affine') {
      const al = alpha.length ? alpha.shift()! : 0,
        be = beta.length ? beta.shift()! : 0;
      if (al === 1 && be === 0) return 'linear';
      im.fail(n, `uses Affine with alpha ${al}, beta ${be}; lstm-wasm has only the identity (alpha 1, beta 0)`);
    }
    im.fail(
      n,
      `uses the activation '${raw}'; supported: Sigmoid, Tanh, Relu, ` +
        'HardSigmoid (alpha 0.2, beta 0.5), Affine (alpha 1, beta 0)',
    );
  });
  for (let d = 1; d < D; d++) {
    for (let i = 0; i < per; i++)
      if (out[d * per + i] !== out[i])
        im.fail(
          n,
          'uses different activations in its two directions ' +
            `(${names.join(', ')}); lstm-wasm's Bidirectional uses one layer's`,
        );
  }
  return out.slice(0, per);
}

function readRecurrent(im: OnnxImport, n: Message, s: State, withStates = false): { spec: RecSpec; layout: number } {
  const op = n.opType as RecOp;
  const ins = n.input as string[];
  const layout = im.attrI(n, 'layout', 0);
  const want: Label[] = layout === 0 ? ['T', 'B', 'F'] : ['B', 'T', 'F'];
  if (s.axes.join() !== want.join()) {
    im.fail(
      n,
      `reads its input with axes [${s.axes.join(', ')}] where it needs [${want.join(', ')}] (layout ${layout})`,
    );
  }
  const dir = im.attrS(n, 'direction') ?? 'forward';
  if (!['forward', 'reverse', 'bidirectional'].includes(dir)) im.fail(n, `has direction '${dir}'`);
  const D = dir === 'bidirectional' ? 2 : 1;
  const W = im.floatInput(n, 1, 'W'),
    R = im.floatInput(n, 2, 'R');
  const G = GATES[op].length;
  if (W.dims.length !== 3 || W.dims[0] !== D || W.dims[1] % G !== 0)
    im.fail(n, `has W of dims ${JSON.stringify(W.dims)}; expected [${D}, ${G}·hidden_size, input_size]`);
  const H = W.dims[1] / G,
    I = W.dims[2];
  const hs = im.attrI(n, 'hidden_size', H);
  if (hs !== H) im.fail(n, `has hidden_size ${hs} but W of dims ${JSON.stringify(W.dims)}`);
  if (R.dims.join() !== [D, G * H, H].join())
    im.fail(n, `has R of dims ${JSON.stringify(R.dims)}; expected [${D}, ${G * H}, ${H}]`);
  if (s.F !== null && s.F !== I) im.fail(n, `has W for ${I} input features, but its input has ${s.F}`);
  const B = ins[3] ? im.floatInput(n, 3, 'B') : null;
  if (B && B.dims.join() !== [D, 2 * G * H].join())
    im.fail(n, `has B of dims ${JSON.stringify(B.dims)}; expected [${D}, ${2 * G * H}]`);
  if (ins[4] && !(im.constant(ins[4])?.ints?.length === 0)) {
    im.fail(
      n,
      `takes sequence_lens ('${ins[4]}'); lstm-wasm runs every ` +
        'sequence for all its steps (pad and use a Masking layer instead)',
    );
  }
  if (!withStates && !im.isZero(ins[5]))
    im.fail(
      n,
      `takes an initial_h ('${ins[5]}') that is not zeros; lstm-wasm layers start every sequence from zero state`,
    );
  if (!withStates && op === 'LSTM' && !im.isZero(ins[6]))
    im.fail(
      n,
      `takes an initial_c ('${ins[6]}') that is not zeros; lstm-wasm layers start every sequence from zero state`,
    );
  const Pp = op === 'LSTM' && ins[7] ? im.floatInput(n, 7, 'P') : null;
  if (Pp && Pp.dims.join() !== [D, 3 * H].join())
    im.fail(n, `has P of dims ${JSON.stringify(Pp.dims)}; expected [${D}, ${3 * H}]`);
  if (im.attr(n, 'clip'))
    im.fail(n, `has a cell clip (clip = ${im.attrF(n, 'clip', 0)}); lstm-wasm layers do not clip`);
  if (op === 'LSTM' && im.attrI(n, 'input_forget', 0) !== 0)
    im.fail(n, `couples its input and forget gates (input_forget = 1); lstm-wasm's LSTM does not`);
  const resetAfter = op === 'GRU' && im.attrI(n, 'linear_before_reset', 0) === 1;
  const acts = recActivations(im, n, op, D);
  const peephole = !!Pp && Pp.floats!.some((v) => v !== 0);
  const perm = GATES[op];
  const weights: Float32Array[][] = [];
  for (let d = 0; d < D; d++) {
    const kernel = new Float32Array(I * G * H),
      rec = new Float32Array(H * G * H);
    const w = W.floats!.subarray(d * G * H * I, (d + 1) * G * H * I),
      r = R.floats!.subarray(d * G * H * H, (d + 1) * G * H * H);
    for (let g = 0; g < G; g++) {
      for (let j = 0; j < H; j++) {
        const ours = perm[g] * H + j,
          theirs = g * H + j;
        for (let k = 0; k < I; k++) kernel[k * G * H + ours] = w[theirs * I + k];
        for (let k = 0; k < H; k++) rec[k * G * H + ours] = r[theirs * H + k];
      }
    }
    const ws = [kernel, rec];
    if (B) {
      const b = B.floats!.subarray(d * 2 * G * H, (d + 1) * 2 * G * H);
      const bias = new Float32Array(resetAfter ? 2 * G * H : G * H);
      for (let g = 0; g < G; g++) {
        for (let j = 0; j < H; j++) {
          const ours = perm[g] * H + j,
            theirs = g * H + j;
          if (resetAfter) {
            bias[ours] = b[theirs];
            bias[G * H + ours] = b[G * H + theirs];
          } else bias[ours] = b[theirs] + b[G * H + theirs];
        }
      }
      ws.push(bias);
    }
    if (peephole) {
      const p = Pp!.floats!.subarray(d * 3 * H, (d + 1) * 3 * H); // i, o, f
      const ours = new Float32Array(3 * H);
      ours.set(p.subarray(0, H), 0);
      ours.set(p.subarray(2 * H, 3 * H), H);
      ours.set(p.subarray(H, 2 * H), 2 * H);
      ws.push(ours);
    }
    weights.push(ws);
  }
  const spec: RecSpec = {
    kind: 'rec',
    op,
    node: n.name as string,
    H,
    I,
    D,
    reverse: dir === 'reverse',
    activation: op === 'RNN' ? acts[0] : acts[1],
    recurrentActivation: acts[0],
    resetAfter,
    useBias: !!B,
    peephole,
    weights,
    output: 'Y',
    flip: dir === 'reverse',
    lastStep: false,
    merge: null,
  };
  if (op === 'LSTM' && acts[1] !== acts[2])
    im.fail(
      n,
      `uses different cell and output activations (${acts[1]}, ` +
        `${acts[2]}); lstm-wasm's LSTM uses one 'activation' for both`,
    );
  return { spec, layout };
}

/** Runs the chain of nodes from the graph input to the output on one guess of the input's axes. */
function interpret(
  im: OnnxImport,
  chain: { node: Message; dataIndex: number; outIndex: number }[],
  input: string,
  axes: Label[],
  dims: (number | null)[],
): { specs: Spec[]; state: State; first: State } {
  const specs: Spec[] = [];
  const fIndex = axes.indexOf('F'),
    tIndex = axes.indexOf('T');
  const first: State = {
    axes,
    F: fIndex >= 0 ? dims[fIndex] : null,
    T: tIndex >= 0 ? dims[tIndex] : null,
    rec: null,
    dense: null,
  };
  let s: State = first;
  const states = new Map<string, State>([[input, s]]);

  /** Ends the open recurrent layer: its outputs must now read as one feature axis. */
  const close = (n: Message | null, final: boolean) => {
    const r = s.rec;
    if (!r) return;
    let axes = s.axes;
    if (final && r.D === 1) axes = axes.filter((a) => a !== 'D');
    if (axes.includes('D')) {
      const what = n ? `${im.where(n)} reads` : `the output is`;
      im.fail(
        null,
        `${what} the output of node '${r.node}' (${r.op}) with its directions ` +
          `axis still there (axes [${s.axes.join(', ')}]); expected a Squeeze` +
          (r.D === 2
            ? ', a Transpose and Reshape that concatenate the ' +
              'directions, or a ReduceSum/ReduceMean/ReduceProd over them'
            : ''),
      );
    }
    if (r.D === 2 && !r.merge) im.fail(null, `the two directions of node '${r.node}' (${r.op}) are not merged`);
    const seq = axes.includes('T');
    if (r.output === 'Y' && !seq && !r.lastStep) im.fail(null, `lost the time axis of node '${r.node}' (${r.op})`);
    if (seq && r.flip) {
      im.fail(
        null,
        `node '${r.node}' (${r.op}, direction reverse) has its output sequence ` +
          "read in input order; lstm-wasm's goBackwards layers return it in the " +
          'order they read it (reverse it with Slice steps -1 to load this graph)',
      );
    }
    r.returnSequences = seq;
    const F = r.merge === 'concat' ? 2 * r.H : r.H;
    s = { ...s, axes: axes.map((a) => (a === 'H' || a === 'M' ? 'F' : a)), F, rec: null };
  };

  const axisOf = (n: Message, a: number, rank: number) => {
    const i = a < 0 ? a + rank : a;
    if (i < 0 || i >= rank) im.fail(n, `names axis ${a} of a tensor of rank ${rank}`);
    return i;
  };

  /** Removes size-1 axes (D of a one-direction op, ONE). */
  const squeeze = (n: Message, which: number[] | null) => {
    const rank = s.axes.length;
    const idx = which
      ? which.map((a) => axisOf(n, a, rank))
      : s.axes.map((a, i) => (a === 'ONE' || (a === 'D' && s.rec?.D === 1) ? i : -1)).filter((i) => i >= 0);
    for (const i of idx) {
      const a = s.axes[i];
      if (!(a === 'ONE' || (a === 'D' && s.rec?.D === 1) || (a === 'T' && s.T === 1)))
        im.fail(n, `squeezes axis ${i} (${a}), which is not of size 1`);
    }
    s = { ...s, axes: s.axes.filter((_, i) => !idx.includes(i)) };
  };

  /** Reading the last step of a recurrent output: the same as returnSequences: false, for one forward direction. */
  const pickStep = (n: Message, index: number) => {
    const r = s.rec;
    if (!r || r.output !== 'Y' || r.D !== 1 || r.lastStep)
      im.fail(
        n,
        'picks one time step; lstm-wasm can only read the last step of a ' +
          'one-direction LSTM, GRU or RNN output (as returnSequences: false)',
      );
    const last = r.flip ? index === 0 : index === -1 || (s.T !== null && index === s.T - 1);
    if (!last)
      im.fail(
        n,
        `picks time step ${index}; lstm-wasm can only read the last step a layer computes (returnSequences: false)`,
      );
    r.lastStep = true;
  };

  for (const { node: n, dataIndex, outIndex } of chain) {
    const op = n.opType as string;
    const ins = n.input as string[];
    const rank = s.axes.length;
    const dom = n.domain as string | undefined;
    if (dom && dom !== 'ai.onnx')
      im.fail(n, `is in domain '${dom}'; lstm-wasm reads the standard ONNX operators: ${SUPPORTED_OPS}`);
    const keepDense =
      op === 'Add' || ['Sigmoid', 'Tanh', 'Relu', 'HardSigmoid', 'Softmax', 'Identity', 'Dropout'].includes(op);
    if (!keepDense && s.dense) {
      s.dense.closed = true;
      s = { ...s, dense: null };
    }
    switch (op) {
      case 'Identity':
      case 'Dropout':
        break;
      case 'Cast': {
        const to = im.attrI(n, 'to', 1);
        if (to !== P.TensorDataType.FLOAT && !(s.axes.includes('IDS') || s.axes.every((a) => a === 'B' || a === 'T')))
          im.fail(n, `casts to type ${TYPE_NAMES[to] ?? to}`);
        break;
      }
      case 'LSTM':
      case 'GRU':
      case 'RNN': {
        close(n, false);
        if (outIndex === 2)
          im.fail(n, `gives its cell state Y_c as the output; lstm-wasm's layers return hidden states only`);
        const { spec, layout } = readRecurrent(im, n, s);
        spec.output = outIndex === 0 ? 'Y' : 'Yh';
        specs.push(spec);
        const axes: Label[] =
          outIndex === 0
            ? layout === 0
              ? ['T', 'D', 'B', 'H']
              : ['B', 'T', 'D', 'H']
            : layout === 0
              ? ['D', 'B', 'H']
              : ['B', 'D', 'H'];
        s = { ...s, axes, rec: spec, F: null };
        break;
      }
      case 'Transpose': {
        const perm = im.attrInts(n, 'perm') ?? s.axes.map((_, i) => rank - 1 - i);
        if (perm.length !== rank) im.fail(n, `has perm ${JSON.stringify(perm)} for a tensor of rank ${rank}`);
        s = { ...s, axes: perm.map((p) => s.axes[p]) };
        break;
      }
      case 'Squeeze': {
        const list = ins[1] ? im.intList(n, 1, 'axes', states) : (im.attrInts(n, 'axes') ?? null);
        if (list && list.some((v) => typeof v !== 'number')) im.fail(n, `has axes that are not constant`);
        squeeze(n, list as number[] | null);
        break;
      }
      case 'Unsqueeze': {
        im.fail(n, `adds an axis; lstm-wasm reads Unsqueeze only in shape computations`);
        break;
      }
      case 'Gather': {
        if (dataIndex === 1) {
          // Embedding lookup: Gather(table, ids).
          const table = im.floatInput(n, 0, 'embedding table');
          if (im.attrI(n, 'axis', 0) !== 0 || table.dims.length !== 2)
            im.fail(n, `is not an embedding lookup (axis 0 of a 2-D table)`);
          if (s.axes.join() !== 'B,T' || specs.length > 0)
            im.fail(
              n,
              `looks up embeddings for ids with axes [${s.axes.join(', ')}]; lstm-wasm's ` +
                "Embedding is a model's first layer, reading [batch, steps] ids",
            );
          const [V, Dm] = table.dims;
          specs.push({ kind: 'embedding', node: n.name as string, table: table.floats!, V, Dm });
          s = { ...s, axes: ['B', 'T', 'F'], F: Dm };
          break;
        }
        const idx = im.constant(ins[1]);
        if (!idx?.ints || idx.ints.length !== 1) im.fail(n, `needs a constant single index`);
        const a = axisOf(n, im.attrI(n, 'axis', 0), rank);
        const label = s.axes[a],
          i = idx.ints[0];
        if (label === 'T') pickStep(n, i);
        else if (!((label === 'D' && s.rec?.D === 1) || label === 'ONE') || (i !== 0 && i !== -1))
          im.fail(
            n,
            `picks index ${i} of axis ${a} (${label}); lstm-wasm reads ` +
              'Gather only as a last time step, or to drop a size-1 axis',
          );
        s = {
          ...s,
          axes: idx.dims.length === 0 ? s.axes.filter((_, j) => j !== a) : s.axes.map((l, j) => (j === a ? 'ONE' : l)),
        };
        break;
      }
      case 'Slice': {
        const list = (i: number, attr: string) =>
          ins.length > 1 ? (ins[i] ? im.intList(n, i, attr, states) : null) : (im.attrInts(n, attr) ?? null);
        const starts = list(1, 'starts'),
          ends = list(2, 'ends');
        if (!starts || !ends || [...starts, ...ends].some((v) => typeof v !== 'number'))
          im.fail(n, `needs constant starts and ends`);
        const axesL = (list(3, 'axes') ?? starts.map((_, i) => i)) as number[];
        const steps = (list(4, 'steps') ?? starts.map(() => 1)) as number[];
        const axes = [...s.axes];
        axesL.forEach((ax, k) => {
          const a = axisOf(n, ax, rank),
            st = starts[k] as number,
            en = ends[k] as number,
            step = steps[k];
          const full = step === 1 && st === 0 && en >= HUGE;
          if (full) return;
          if (axes[a] === 'T' && step === 1 && st === -1 && en >= HUGE) {
            pickStep(n, -1);
            axes[a] = 'ONE';
            return;
          }
          if (axes[a] === 'T' && step === -1 && st === -1 && en <= -HUGE) {
            if (!s.rec || s.rec.output !== 'Y' || s.rec.lastStep)
              im.fail(n, `reverses time outside a recurrent layer's output sequence; lstm-wasm has no layer for that`);
            s.rec.flip = !s.rec.flip;
            return;
          }
          im.fail(
            n,
            `slices axis ${a} (${axes[a]}) from ${st} to ${en} by ${step}; ` +
              'lstm-wasm reads Slice only as the last time step or a time reversal',
          );
        });
        s = { ...s, axes };
        break;
      }
      case 'ReduceSum':
      case 'ReduceMean':
      case 'ReduceProd': {
        const list = ins[1] ? im.intList(n, 1, 'axes', states) : im.attrInts(n, 'axes');
        if (!list || list.length !== 1 || typeof list[0] !== 'number')
          im.fail(n, `must reduce exactly one, constant axis`);
        const a = axisOf(n, list[0] as number, rank);
        if (s.axes[a] !== 'D' || s.rec?.D !== 2)
          im.fail(
            n,
            `reduces axis ${a} (${s.axes[a]}); lstm-wasm reads a reduction ` +
              "only as the merge of a bidirectional op's two directions",
          );
        s.rec.merge = op === 'ReduceSum' ? 'sum' : op === 'ReduceMean' ? 'ave' : 'mul';
        const keep = im.attrI(n, 'keepdims', 1) === 1;
        s = { ...s, axes: keep ? s.axes.map((l, j) => (j === a ? 'ONE' : l)) : s.axes.filter((_, j) => j !== a) };
        break;
      }
      case 'Reshape':
      case 'Flatten': {
        let target: ShapeEntry[];
        if (op === 'Flatten') {
          const a = axisOf(n, im.attrI(n, 'axis', 1), rank + 1);
          target = [a === 0 ? 1 : -1, -1];
          const head = s.axes.slice(0, a).filter((l) => l !== 'ONE'),
            tail = s.axes.slice(a).filter((l) => l !== 'ONE' && !(l === 'D' && s.rec?.D === 1));
          if (head.join() !== 'B' || !(tail.length === 1 || tail.join() === 'D,H'))
            im.fail(
              n,
              `flattens axes [${s.axes.join(', ')}] at ${a}; lstm-wasm reads Flatten only as [batch, features]`,
            );
          target = ['B', -1];
        } else {
          if (im.attrI(n, 'allowzero', 0) === 1) im.fail(n, `has allowzero = 1`);
          target = im.intList(n, 1, 'shape', states)!;
        }
        s = { ...s, axes: reshape(im, n, s, target) };
        break;
      }
      case 'MatMul':
      case 'Gemm': {
        close(n, false);
        if (dataIndex !== 0)
          im.fail(n, `multiplies a constant by the data (data as the second operand); lstm-wasm reads x · W`);
        if (s.axes[s.axes.length - 1] !== 'F')
          im.fail(n, `multiplies a tensor with axes [${s.axes.join(', ')}]; the last axis must be the features`);
        const spec = denseFromOnnx(im, n, op, rank, s.F, ins, null);
        specs.push(spec);
        s = { ...s, F: spec.N, dense: spec };
        break;
      }
      case 'Add': {
        const d = s.dense;
        const C = im.constant(ins[1 - dataIndex]);
        if (!d || d.bias || d.activation !== 'linear' || !C?.floats)
          im.fail(
            n,
            'adds ' +
              (C ? 'a constant' : 'two computed tensors') +
              ' where lstm-wasm expects none (it reads Add only as the bias right after a MatMul)',
          );
        d.bias = broadcastBias(im, n, C, d.N, 1);
        break;
      }
      case 'Sigmoid':
      case 'Tanh':
      case 'Relu':
      case 'HardSigmoid':
      case 'Softmax': {
        close(n, false);
        const d = s.dense;
        if (!d || d.activation !== 'linear')
          im.fail(
            n,
            'comes where lstm-wasm has no layer for it: an activation ' +
              'is read only right after a Dense (Gemm, or MatMul and Add)',
          );
        if (
          op === 'HardSigmoid' &&
          (Math.abs(im.attrF(n, 'alpha', 0.2) - 0.2) > 1e-7 || Math.abs(im.attrF(n, 'beta', 0.5) - 0.5) > 1e-7)
        )
          im.fail(n, `has alpha/beta other than 0.2/0.5`);
        if (op === 'Softmax') {
          const opset =
            (im.model.opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx')?.version as number) ?? OPSET;
          const a = axisOf(n, im.attrI(n, 'axis', opset >= 13 ? -1 : 1), rank);
          if (a !== rank - 1) im.fail(n, `takes the softmax over axis ${a}, not the last one (features)`);
        }
        d.activation = op === 'HardSigmoid' ? 'hardSigmoid' : (op.toLowerCase() as ActivationName);
        break;
      }
      default:
        im.fail(n, `is not an operator lstm-wasm reads; supported: ${SUPPORTED_OPS}`);
    }
    const out = (n.output as string[])[outIndex];
    states.set(out, s);
  }
  close(null, true);
  return { specs, state: s, first };
}

/**
 * The Dense layer of a Gemm (alpha, beta, transB folded in) or a MatMul by a constant 2-D weight,
 * reading `F` features where known. `fromInputs`: whether a tensor name is computed from the
 * graph's inputs (a bias computed so cannot be a layer's weight).
 */
function denseFromOnnx(
  im: OnnxImport,
  n: Message,
  op: string,
  rank: number,
  F: number | null,
  ins: string[],
  fromInputs: ((name: string) => boolean) | null,
): DenseSpec {
  const Wt = im.floatInput(n, 1, 'weight');
  let kernel: Float32Array,
    K: number,
    N: number,
    bias: Float32Array | null = null;
  if (op === 'Gemm') {
    if (rank !== 2) im.fail(n, `reads a tensor of rank ${rank}`);
    if (im.attrI(n, 'transA', 0) !== 0) im.fail(n, `has transA = 1`);
    const transB = im.attrI(n, 'transB', 0) === 1,
      alpha = im.attrF(n, 'alpha', 1),
      beta = im.attrF(n, 'beta', 1);
    if (Wt.dims.length !== 2) im.fail(n, `has a weight of dims ${JSON.stringify(Wt.dims)}`);
    [K, N] = transB ? [Wt.dims[1], Wt.dims[0]] : Wt.dims;
    kernel = new Float32Array(K * N);
    for (let k = 0; k < K; k++)
      for (let j = 0; j < N; j++) kernel[k * N + j] = alpha * Wt.floats![transB ? j * K + k : k * N + j];
    if (ins[2]) {
      if (fromInputs?.(ins[2])) im.fail(n, `adds a bias computed from the inputs`);
      bias = broadcastBias(im, n, im.floatInput(n, 2, 'bias C'), N, beta);
    }
  } else {
    if (Wt.dims.length !== 2)
      im.fail(n, `has a weight of dims ${JSON.stringify(Wt.dims)}; lstm-wasm reads x · W with a 2-D W`);
    [K, N] = Wt.dims;
    kernel = Wt.floats!;
  }
  if (F !== null && F !== K) im.fail(n, `has a weight for ${K} features, but its input has ${F}`);
  return { kind: 'dense', node: n.name as string, K, N, kernel, bias, activation: 'linear', closed: false };
}

function broadcastBias(im: OnnxImport, n: Message, C: OnnxTensor, N: number, scale: number): Float32Array {
  const size = C.dims.reduce((a, b) => a * b, 1);
  if (C.dims.length > 0 && C.dims[C.dims.length - 1] !== N && !(size === 1))
    im.fail(n, `has a bias of dims ${JSON.stringify(C.dims)} for ${N} units`);
  if (size !== N && size !== 1)
    im.fail(n, `has a bias of dims ${JSON.stringify(C.dims)}; lstm-wasm reads a bias of ${N} values`);
  const b = new Float32Array(N);
  for (let j = 0; j < N; j++) b[j] = scale * C.floats![size === 1 ? 0 : j];
  return b;
}

/** The axes after a Reshape: the same axes, a size-1 axis dropped, or the directions and units merged. */
function reshape(im: OnnxImport, n: Message, s: State, target: ShapeEntry[]): Label[] {
  const axes = s.axes;
  const candidates: { out: Label[]; from: number[][] }[] = [];
  // Same axes.
  candidates.push({ out: [...axes], from: axes.map((_, i) => [i]) });
  // One size-1 axis dropped.
  axes.forEach((a, i) => {
    if (a === 'ONE' || (a === 'D' && s.rec?.D === 1))
      candidates.push({ out: axes.filter((_, j) => j !== i), from: axes.map((_, j) => [j]).filter((_, j) => j !== i) });
  });
  // D and H merged.
  const d = axes.indexOf('D');
  if (d >= 0 && axes[d + 1] === 'H') {
    const out = [...axes.slice(0, d), 'M' as Label, ...axes.slice(d + 2)];
    const from = [...axes.slice(0, d).map((_, j) => [j]), [d, d + 1], ...axes.slice(d + 2).map((_, j) => [d + 2 + j])];
    candidates.push({ out, from });
  }
  for (const c of candidates) {
    if (c.out.length !== target.length) continue;
    let ok = true,
      inferred = 0;
    c.out.forEach((label, p) => {
      const e = target[p];
      const size = label === 'M' ? (s.rec ? s.rec.D * s.rec.H : null) : im.sizeOf(s, label);
      if (typeof e === 'string') {
        if (e !== label) ok = false;
        return;
      }
      if (e === -1) {
        inferred++;
        return;
      }
      if (e === 0) {
        if (!(c.from[p].length === 1 && c.from[p][0] === p)) ok = false;
        return;
      }
      if (size !== null ? e !== size : !(label === 'B' || label === 'T')) ok = false;
    });
    if (ok && inferred <= 1) {
      if (c.out.includes('M')) {
        if (!s.rec) ok = false;
        else if (s.rec.D === 2) s.rec.merge = 'concat';
      }
      if (ok) return c.out;
    }
  }
  im.fail(
    n,
    `reshapes a tensor with axes [${axes.join(', ')}] to ${JSON.stringify(target)}; lstm-wasm ` +
      'reads Reshape only to concatenate directions (…, D, H → …, D·H) or to drop a size-1 axis',
  );
}

function dimsOf(v: Message): (number | null)[] | null {
  const shape = ((v.type as Message | undefined)?.tensorType as Message | undefined)?.shape as Message | undefined;
  if (!shape) return null;
  return (shape.dim as Message[]).map((d) => (typeof d.dimValue === 'number' && d.dimValue > 0 ? d.dimValue : null));
}

// ---- importing whole graphs: functional models ---------------------------------------------

/** What an output of a recurrent call is used as: its output sequence, its final h, its final c. */
type Use = 'seq' | 'h' | 'c';

type GSpec =
  | RecSpec
  | DenseSpec
  | EmbeddingSpec
  | {
      kind: 'merge';
      cls: 'Concatenate' | 'Add' | 'Subtract' | 'Multiply' | 'Average' | 'Maximum' | 'Minimum';
      axis?: number;
      node: string;
    }
  | { kind: 'repeat'; n: number; node: string }
  | { kind: 'flatten'; node: string }
  | { kind: 'reshape'; target: number[]; node: string }
  | { kind: 'permute'; dims: number[]; node: string }
  | { kind: 'activation'; activation: ActivationName; node: string }
  | {
      kind: 'conv';
      node: string;
      F: number;
      C: number;
      K: number;
      stride: number;
      dilation: number;
      padding: 'valid' | 'same' | 'causal';
      kernel: Float32Array;
      bias: Float32Array | null;
    }
  | { kind: 'pool'; node: string; max: boolean; P: number; stride: number; padding: 'valid' | 'same' }
  | { kind: 'gpool'; node: string; max: boolean };

/**
 * The padding of a 1-D Conv or pool as Keras's: 'valid' (none), 'causal' (all before; Conv only),
 * 'same' (auto_pad SAME_UPPER, or TensorFlow's fixed pads at stride 1), else null.
 */
function padding1d(
  im: OnnxImport,
  n: Message,
  span: number,
  stride: number,
  conv: boolean,
): 'valid' | 'same' | 'causal' | null {
  const auto = im.attrS(n, 'auto_pad') ?? 'NOTSET';
  if (auto === 'VALID') return 'valid';
  if (auto === 'SAME_UPPER') return 'same';
  if (auto !== 'NOTSET') return null;
  const pads = im.attrInts(n, 'pads') ?? [0, 0];
  if (pads.length !== 2) return null;
  const [a, b] = pads;
  if (a === 0 && b === 0) return 'valid';
  if (conv && a === span - 1 && b === 0) return 'causal';
  if (stride === 1 && a === Math.floor((span - 1) / 2) && b === span - 1 - a) return 'same';
  return null;
}

/** One layer call of the model being made. */
interface Call {
  spec: GSpec;
  inputs: Val[];
  /** Calls of one layer (a shared recurrent or Dense layer) have the same key. */
  key: string | null;
  uses: Set<Use>;
}

/** A tensor of the model being made: a model input, or an output of a call. */
type Val = { kind: 'input'; index: number } | { kind: 'out'; call: Call; use: Use | 0 };

interface View {
  spec: RecSpec;
  call: Call;
  output: 'Y' | 'Yh' | 'Yc';
  flip: boolean;
  lastStep: boolean;
  merge: MergeMode | null;
}

/** A tensor of the graph: its axes, and the model tensor it shows (or the recurrent output it still is). */
interface GState extends State {
  val: Val | null;
  view: View | null;
}

type MergeClass = (GSpec & { kind: 'merge' })['cls'];
const MERGE_OPS: Record<string, MergeClass> = {
  Add: 'Add',
  Sum: 'Add',
  Sub: 'Subtract',
  Mul: 'Multiply',
  Mean: 'Average',
  Max: 'Maximum',
  Min: 'Minimum',
};
const GRAPH_OPS =
  `${SUPPORTED_OPS}, Concat, Sub, Mul, Sum, Mean, Max, Min, Unsqueeze, ` +
  'Tile, Expand, Conv (1-D), MaxPool, AveragePool (1-D), ReduceMax';

interface GraphResult {
  calls: Call[];
  outputs: Val[];
  inputShapes: (number | null)[][];
  inputIds: boolean[];
}

/** Reads the graph on one guess of its inputs' axes. */
function interpretGraph(
  im: OnnxImport,
  inputs: Message[],
  guess: Label[][],
  outputNames: string[],
  progress: { at: number },
): GraphResult {
  const nodes = im.nodes;
  const inputIndex = new Map(inputs.map((v, i) => [v.name as string, i]));
  const inputDims = inputs.map((v) => dimsOf(v));
  const inputF: (number | null)[] = inputs.map((_, i) => {
    const f = guess[i].indexOf('F');
    return f >= 0 ? (inputDims[i]?.[f] ?? null) : null;
  });
  const states = new Map<string, GState>();
  inputs.forEach((v, i) => {
    const axes = guess[i],
      dims = inputDims[i] ?? axes.map(() => null);
    if (dims.length !== axes.length) im.fail(null, `input '${v.name}' has ${dims.length} axes`);
    const t = axes.indexOf('T');
    states.set(v.name as string, {
      axes,
      F: inputF[i],
      T: t >= 0 ? dims[t] : null,
      rec: null,
      dense: null,
      val: { kind: 'input', index: i },
      view: null,
    });
  });
  // Tensors computed from the inputs (shapes of them are not), and the nodes the outputs need.
  const data = new Set(inputIndex.keys());
  for (const n of nodes) {
    if (n.opType === 'Shape' || n.opType === 'Size') continue;
    if ((n.input as string[]).some((i) => data.has(i))) for (const o of n.output as string[]) data.add(o);
  }
  const needed = new Set<Message>();
  const stack = [...outputNames];
  const seen = new Set<string>();
  while (stack.length) {
    const t = stack.pop()!;
    if (seen.has(t) || !data.has(t)) continue;
    seen.add(t);
    const n = im.producer.get(t);
    if (!n) continue;
    needed.add(n);
    for (const x of n.input as string[]) if (x) stack.push(x);
  }
  const readers = new Map<string, number>();
  for (const n of needed) for (const x of n.input as string[]) readers.set(x, (readers.get(x) ?? 0) + 1);
  for (const o of outputNames) readers.set(o, (readers.get(o) ?? 0) + 1);

  const calls: Call[] = [];
  const call = (spec: GSpec, ins: Val[], key: string | null = null): Call => {
    const c: Call = { spec, inputs: ins, key, uses: new Set() };
    calls.push(c);
    return c;
  };
  const out = (c: Call, use: Use | 0 = 0): Val => ({ kind: 'out', call: c, use });
  const learnF = (s: GState, F: number) => {
    if (s.val?.kind === 'input' && inputF[s.val.index] === null) inputF[s.val.index] = F;
  };
  const axisOf = (n: Message, a: number, rank: number) => {
    const i = a < 0 ? a + rank : a;
    if (i < 0 || i >= rank) im.fail(n, `names axis ${a} of a tensor of rank ${rank}`);
    return i;
  };

  /** A recurrent output seen as a model tensor: the layer's output sequence, or its final h or c. */
  const closeView = (n: Message | null, s: GState, final: boolean): GState => {
    const v = s.view;
    if (!v) return s;
    const r = v.spec;
    let axes = s.axes;
    if (final && r.D === 1) axes = axes.filter((a) => a !== 'D');
    const what = n ? `${im.where(n)} reads` : `the output is`;
    if (axes.includes('D')) {
      im.fail(
        null,
        `${what} the output of node '${r.node}' (${r.op}) with its directions ` +
          `axis still there (axes [${s.axes.join(', ')}]); expected a Squeeze` +
          (r.D === 2
            ? ', a Transpose and Reshape that concatenate the ' +
              'directions, or a ReduceSum/ReduceMean/ReduceProd over them'
            : ''),
      );
    }
    if (r.D === 2 && !v.merge) im.fail(null, `the two directions of node '${r.node}' (${r.op}) are not merged`);
    const seq = axes.includes('T');
    if (v.output === 'Y' && !seq && !v.lastStep) im.fail(null, `lost the time axis of node '${r.node}' (${r.op})`);
    if (seq && v.flip) {
      im.fail(
        null,
        `node '${r.node}' (${r.op}, direction reverse) has its output sequence ` +
          "read in input order; lstm-wasm's goBackwards layers return it in the " +
          'order they read it (reverse it with Slice steps -1 to load this graph)',
      );
    }
    const use: Use = v.output === 'Yc' ? 'c' : seq ? 'seq' : 'h';
    if (r.D === 2) {
      if (use === 'c')
        im.fail(
          null,
          `${what} the cell state of the bidirectional node '${r.node}'; ` +
            "lstm-wasm reads a bidirectional op's merged output only",
        );
      if (r.merge && r.merge !== v.merge)
        im.fail(null, `the directions of node '${r.node}' (${r.op}) are merged in two ways (${r.merge}, ${v.merge})`);
      r.merge = v.merge;
    }
    v.call.uses.add(use);
    const F = v.merge === 'concat' ? 2 * r.H : r.H;
    return {
      ...s,
      axes: axes.map((a) => (a === 'H' || a === 'M' ? 'F' : a)),
      F,
      rec: null,
      view: null,
      val: out(v.call, use),
    };
  };

  /** The state of a data input of a node, as a model tensor (a recurrent output closed, a Dense closed). */
  const need = (n: Message, name: string): GState => {
    const s = states.get(name);
    if (!s) im.fail(n, `reads '${name}', which no node before it makes`);
    let c = closeView(n, s, false);
    if (c.dense) c = { ...c, dense: null };
    states.set(name, c);
    return c;
  };

  /** A model tensor in batch-major order [B, (T,) F]: a Permute where its axes are [B, F, T]. */
  const batchMajor = (n: Message, s: GState): GState => {
    const axes = s.axes.join();
    if (axes === 'B,F' || axes === 'B,T,F') return s;
    if (axes === 'B,F,T') {
      const c = call({ kind: 'permute', dims: [2, 1], node: n.name as string }, [s.val!]);
      return { ...s, axes: ['B', 'T', 'F'], T: s.F, F: s.T, val: out(c) };
    }
    im.fail(
      n,
      `reads a tensor with axes [${s.axes.join(', ')}]; lstm-wasm ` +
        'reads it here as [batch, features] or [batch, steps, features]',
    );
  };

  /**
   * An initial state: the [1, B, H] tensor another recurrent op gave (Y_h, Y_c), or a model tensor
   * [B, H] unsqueezed.
   */
  const initialState = (n: Message, name: string, H: number, what: string): Val => {
    const s = states.get(name);
    if (!s)
      im.fail(
        n,
        `takes an initial ${what} ('${name}') that is neither zeros nor computed from the ` +
          "graph's inputs; lstm-wasm reads initial states that are zeros or come from other layers",
      );
    let c: GState;
    if (s.view && s.view.output !== 'Y' && s.axes.join() === 'D,B,H' && s.view.spec.D === 1) c = closeView(n, s, true);
    else {
      c = need(n, name);
      if (c.axes.join() !== 'ONE,B,F')
        im.fail(n, `takes an initial ${what} with axes [${c.axes.join(', ')}]; expected [1, batch, ${H}]`);
    }
    if (c.F !== null && c.F !== H) im.fail(n, `takes an initial ${what} of ${c.F} units where the op has ${H}`);
    return c.val!;
  };

  const merge = (n: Message, cls: MergeClass, names: string[], axis?: number): GState => {
    let ins = names.map((x) => need(n, x));
    if (!ins.every((s) => s.axes.join() === ins[0].axes.join())) ins = ins.map((s) => batchMajor(n, s));
    if (!ins.every((s) => s.axes.join() === ins[0].axes.join()))
      im.fail(n, `combines tensors with axes ${ins.map((s) => `[${s.axes.join(', ')}]`).join(' and ')}`);
    const first = ins[0];
    let spec: GSpec = { kind: 'merge', cls, node: n.name as string };
    let next: GState = { ...first, val: null };
    if (cls === 'Concatenate') {
      const a = axisOf(n, axis ?? 0, first.axes.length);
      const label = first.axes[a];
      if (label !== 'T' && label !== 'F')
        im.fail(n, `concatenates along axis ${a} (${label}); lstm-wasm concatenates along the steps or the features`);
      // The model tensor is [B, T, F] or [B, F] whatever the graph's layout: the label says which of its axes.
      const ourAxis = label === 'F' ? -1 : 1;
      spec = { ...spec, axis: ourAxis };
      const sum = (key: 'F' | 'T') =>
        ins.some((s) => s[key] === null) ? null : ins.reduce((t, s) => t + (s[key] as number), 0);
      next = label === 'F' ? { ...next, F: sum('F') } : { ...next, T: sum('T') };
    } else {
      if (cls === 'Subtract' && ins.length !== 2) im.fail(n, `subtracts ${ins.length} tensors`);
      if (ins.some((s) => s.F !== null && first.F !== null && s.F !== first.F))
        im.fail(n, `combines tensors of ${ins.map((s) => s.F).join(' and ')} features`);
    }
    const c = call(
      spec,
      ins.map((s) => s.val!),
    );
    return { ...next, val: out(c), rec: null, dense: null, view: null };
  };

  nodes.forEach((n, ni) => {
    if (!needed.has(n)) return;
    progress.at = ni;
    const op = n.opType as string;
    const ins = n.input as string[];
    const outs = n.output as string[];
    const dom = n.domain as string | undefined;
    if (dom && dom !== 'ai.onnx')
      im.fail(n, `is in domain '${dom}'; lstm-wasm reads the standard ONNX operators: ${GRAPH_OPS}`);
    const dataIdx = ins.map((x, i) => (x && data.has(x) ? i : -1)).filter((i) => i >= 0);
    const set = (s: GState, k = 0) => {
      if (outs[k]) states.set(outs[k], s);
    };
    /** The one data input, as it is (recurrent outputs still open). */
    const only = (): GState => {
      if (dataIdx.length !== 1)
        im.fail(n, `combines ${dataIdx.length} tensors computed from the inputs; lstm-wasm reads ${op} on one`);
      const s = states.get(ins[dataIdx[0]]);
      if (!s) im.fail(n, `reads '${ins[dataIdx[0]]}', which no node before it makes`);
      return s;
    };
    switch (op) {
      case 'Identity':
      case 'Dropout':
        set(only());
        return;
      case 'Cast': {
        const s = only();
        const to = im.attrI(n, 'to', 1);
        if (to !== P.TensorDataType.FLOAT && !s.axes.every((a) => a === 'B' || a === 'T'))
          im.fail(n, `casts to type ${TYPE_NAMES[to] ?? to}`);
        set(s);
        return;
      }
      case 'LSTM':
      case 'GRU':
      case 'RNN': {
        if (dataIdx[0] !== 0)
          im.fail(n, `takes its weights from the graph's inputs; lstm-wasm reads them as initializers`);
        const x = need(n, ins[0]);
        const { spec, layout } = readRecurrent(im, n, x, true);
        learnF(x, spec.I);
        const stateIns: Val[] = [];
        const hasH = !im.isZero(ins[5]),
          hasC = op === 'LSTM' && !im.isZero(ins[6]);
        if (hasH || hasC) {
          if (spec.D !== 1)
            im.fail(
              n,
              `is bidirectional and takes initial states; lstm-wasm reads initial states for one-direction ops`,
            );
          if (op === 'LSTM' && hasH !== hasC)
            im.fail(
              n,
              'takes an initial ' +
                (hasH ? 'h but zeros for c' : 'c but zeros for h') +
                '; lstm-wasm takes both initial states of an LSTM, or neither',
            );
          stateIns.push(initialState(n, ins[5], spec.H, 'h'));
          if (op === 'LSTM') stateIns.push(initialState(n, ins[6], spec.H, 'c'));
        }
        const key = JSON.stringify([op, ins.slice(1, 4), ins[7] ?? '', n.attribute]);
        const c = call(spec, [x.val!, ...stateIns], key);
        const seqAxes: Label[] = layout === 0 ? ['T', 'D', 'B', 'H'] : ['B', 'T', 'D', 'H'];
        const stAxes: Label[] = layout === 0 ? ['D', 'B', 'H'] : ['B', 'D', 'H'];
        (['Y', 'Yh', 'Yc'] as const).forEach((o, k) => {
          set(
            {
              axes: k === 0 ? seqAxes : stAxes,
              F: null,
              T: x.T,
              rec: spec,
              dense: null,
              val: null,
              view: { spec, call: c, output: o, flip: spec.reverse, lastStep: false, merge: null },
            },
            k,
          );
        });
        return;
      }
      case 'Transpose': {
        const s = only();
        const rank = s.axes.length;
        const perm = im.attrInts(n, 'perm') ?? s.axes.map((_, i) => rank - 1 - i);
        if (perm.length !== rank) im.fail(n, `has perm ${JSON.stringify(perm)} for a tensor of rank ${rank}`);
        set({ ...s, axes: perm.map((p) => s.axes[p]) });
        return;
      }
      case 'Squeeze': {
        const s = only();
        const rank = s.axes.length;
        const list = ins[1] ? im.intList(n, 1, 'axes', states) : (im.attrInts(n, 'axes') ?? null);
        if (list && list.some((v) => typeof v !== 'number')) im.fail(n, `has axes that are not constant`);
        const idx = list
          ? (list as number[]).map((a) => axisOf(n, a, rank))
          : s.axes.map((a, i) => (a === 'ONE' || (a === 'D' && s.view?.spec.D === 1) ? i : -1)).filter((i) => i >= 0);
        for (const i of idx) {
          const a = s.axes[i];
          if (!(a === 'ONE' || (a === 'D' && s.view?.spec.D === 1)))
            im.fail(n, `squeezes axis ${i} (${a}), which is not of size 1`);
        }
        set({ ...s, axes: s.axes.filter((_, i) => !idx.includes(i)) });
        return;
      }
      case 'Unsqueeze': {
        const s = need(n, ins[dataIdx[0]]);
        const list = ins[1] ? im.intList(n, 1, 'axes', states) : (im.attrInts(n, 'axes') ?? null);
        if (!list || list.some((v) => typeof v !== 'number')) im.fail(n, `needs constant axes`);
        const rank = s.axes.length + list.length;
        const at = (list as number[]).map((a) => axisOf(n, a, rank)).sort((a, b) => a - b);
        const axes = [...s.axes];
        for (const a of at) axes.splice(a, 0, 'ONE');
        set({ ...s, axes });
        return;
      }
      case 'Tile':
      case 'Expand': {
        const s = need(n, ins[0]);
        if (dataIdx.length !== 1 || dataIdx[0] !== 0) im.fail(n, `repeats a tensor by computed counts`);
        const reps = im.intList(n, 1, op === 'Tile' ? 'repeats' : 'shape', states);
        if (
          s.axes.join() !== 'B,ONE,F' ||
          !reps ||
          reps.length !== 3 ||
          typeof reps[1] !== 'number' ||
          (reps[1] as number) < 1
        ) {
          im.fail(
            n,
            `repeats a tensor with axes [${s.axes.join(', ')}] by ${JSON.stringify(reps)}; lstm-wasm ` +
              `reads ${op} only as RepeatVector: [batch, 1, features] repeated along the steps`,
          );
        }
        const ok =
          op === 'Tile'
            ? reps[0] === 1 && reps[2] === 1
            : (reps[0] === 1 || reps[0] === 'B') && (reps[2] === 1 || reps[2] === s.F);
        if (!ok) im.fail(n, `repeats by ${JSON.stringify(reps)}; lstm-wasm reads ${op} only along the steps axis`);
        const c = call({ kind: 'repeat', n: reps[1] as number, node: n.name as string }, [s.val!]);
        set({ ...s, axes: ['B', 'T', 'F'], T: reps[1] as number, val: out(c) });
        return;
      }
      case 'Gather': {
        if (dataIdx.length === 1 && dataIdx[0] === 1) {
          const s = need(n, ins[1]);
          const table = im.floatInput(n, 0, 'embedding table');
          if (im.attrI(n, 'axis', 0) !== 0 || table.dims.length !== 2)
            im.fail(n, `is not an embedding lookup (axis 0 of a 2-D table)`);
          if (s.axes.join() !== 'B,T' || s.val?.kind !== 'input')
            im.fail(
              n,
              `looks up embeddings for ids with axes [${s.axes.join(', ')}]; ` +
                "lstm-wasm's Embedding reads [batch, steps] ids from a graph input",
            );
          const [V, Dm] = table.dims;
          const c = call(
            { kind: 'embedding', node: n.name as string, table: table.floats!, V, Dm },
            [s.val],
            JSON.stringify(['Gather', ins[0]]),
          );
          set({ ...s, axes: ['B', 'T', 'F'], F: Dm, val: out(c) });
          return;
        }
        const s = only();
        const idx = im.constant(ins[1]);
        if (!idx?.ints || idx.ints.length !== 1) im.fail(n, `needs a constant single index`);
        const a = axisOf(n, im.attrI(n, 'axis', 0), s.axes.length);
        const label = s.axes[a],
          i = idx.ints[0];
        if (label === 'T') {
          const v = s.view;
          if (!v || v.output !== 'Y' || v.spec.D !== 1 || v.lastStep)
            im.fail(
              n,
              'picks one time step; lstm-wasm can only read the last step of a ' +
                'one-direction LSTM, GRU or RNN output (as returnSequences: false)',
            );
          const last = v.flip ? i === 0 : i === -1 || (s.T !== null && i === s.T - 1);
          if (!last)
            im.fail(
              n,
              `picks time step ${i}; lstm-wasm can only read the last step a layer computes (returnSequences: false)`,
            );
          set({
            ...s,
            view: { ...v, lastStep: true },
            axes:
              idx.dims.length === 0 ? s.axes.filter((_, j) => j !== a) : s.axes.map((l, j) => (j === a ? 'ONE' : l)),
          });
          return;
        }
        if (!((label === 'D' && s.view?.spec.D === 1) || label === 'ONE') || (i !== 0 && i !== -1))
          im.fail(
            n,
            `picks index ${i} of axis ${a} (${label}); lstm-wasm reads ` +
              'Gather only as a last time step, or to drop a size-1 axis',
          );
        set({
          ...s,
          axes: idx.dims.length === 0 ? s.axes.filter((_, j) => j !== a) : s.axes.map((l, j) => (j === a ? 'ONE' : l)),
        });
        return;
      }
      case 'Slice': {
        const s = only();
        const rank = s.axes.length;
        const list = (i: number, attr: string) =>
          ins.length > 1 ? (ins[i] ? im.intList(n, i, attr, states) : null) : (im.attrInts(n, attr) ?? null);
        const starts = list(1, 'starts'),
          ends = list(2, 'ends');
        if (!starts || !ends || [...starts, ...ends].some((v) => typeof v !== 'number'))
          im.fail(n, `needs constant starts and ends`);
        const axesL = (list(3, 'axes') ?? starts.map((_, i) => i)) as number[];
        const steps = (list(4, 'steps') ?? starts.map(() => 1)) as number[];
        const axes = [...s.axes];
        const v = s.view ? { ...s.view } : null;
        axesL.forEach((ax, k) => {
          const a = axisOf(n, ax, rank),
            st = starts[k] as number,
            en = ends[k] as number,
            step = steps[k];
          if (step === 1 && st === 0 && en >= HUGE) return;
          const okView = v && v.output === 'Y' && v.spec.D === 1 && !v.lastStep;
          if (axes[a] === 'T' && step === 1 && st === -1 && en >= HUGE && okView && !v!.flip) {
            v!.lastStep = true;
            axes[a] = 'ONE';
            return;
          }
          if (axes[a] === 'T' && step === -1 && st === -1 && en <= -HUGE && v && v.output === 'Y' && !v.lastStep) {
            v.flip = !v.flip;
            return;
          }
          im.fail(
            n,
            `slices axis ${a} (${axes[a]}) from ${st} to ${en} by ${step}; lstm-wasm reads ` +
              "Slice only as the last time step or a time reversal of a recurrent op's output",
          );
        });
        set({ ...s, axes, view: v });
        return;
      }
      case 'Conv': {
        if (dataIdx.length !== 1 || dataIdx[0] !== 0)
          im.fail(n, `takes its weights from the graph's inputs; lstm-wasm reads them as initializers`);
        const x = need(n, ins[0]);
        if (x.axes.join() !== 'B,F,T')
          im.fail(
            n,
            `convolves a tensor with axes [${x.axes.join(', ')}]; lstm-wasm reads Conv as a 1-D ` +
              'convolution of [batch, channels, steps] (a Transpose of [batch, steps, channels])',
          );
        const W = im.floatInput(n, 1, 'weight');
        if (W.dims.length !== 3)
          im.fail(
            n,
            `has a weight of shape [${W.dims.join(', ')}]; lstm-wasm ` +
              'reads 1-D convolutions, weights [filters, channels, kernel]',
          );
        const [F, C, K] = W.dims;
        if (im.attrI(n, 'group', 1) !== 1)
          im.fail(n, `has group ${im.attrI(n, 'group', 1)}; lstm-wasm has no grouped convolutions`);
        const ks = im.attrInts(n, 'kernel_shape');
        if (ks && (ks.length !== 1 || ks[0] !== K))
          im.fail(n, `has kernel_shape ${JSON.stringify(ks)} for a weight of kernel ${K}`);
        const stride = (im.attrInts(n, 'strides') ?? [1])[0],
          dilation = (im.attrInts(n, 'dilations') ?? [1])[0];
        if (stride > 1 && dilation > 1)
          im.fail(
            n,
            `has strides ${stride} and dilations ${dilation}; lstm-wasm's Conv1D (as Keras) takes one of them above 1`,
          );
        const padding = padding1d(im, n, (K - 1) * dilation + 1, stride, true);
        if (!padding)
          im.fail(
            n,
            `has pads ${JSON.stringify(im.attrInts(n, 'pads'))} (auto_pad ` +
              `${im.attrS(n, 'auto_pad') ?? 'NOTSET'}); lstm-wasm reads no ` +
              "padding, all of it before (causal) and TensorFlow's 'same'",
          );
        if (x.F !== null && x.F !== C) im.fail(n, `has a weight for ${C} channels, but its input has ${x.F}`);
        learnF(x, C);
        const kernel = new Float32Array(K * C * F);
        for (let f = 0; f < F; f++)
          for (let c = 0; c < C; c++)
            for (let k = 0; k < K; k++) kernel[(k * C + c) * F + f] = W.floats![(f * C + c) * K + k];
        const bias = ins[2] ? im.floatInput(n, 2, 'bias').floats! : null;
        const c = call(
          { kind: 'conv', node: n.name as string, F, C, K, stride, dilation, padding, kernel, bias },
          [x.val!],
          JSON.stringify([op, ins.slice(1), n.attribute]),
        );
        set({ ...x, F, T: null, rec: null, dense: null, view: null, val: out(c) });
        return;
      }
      case 'MaxPool':
      case 'AveragePool': {
        const x = need(n, ins[dataIdx[0] ?? 0]);
        if (x.axes.join() !== 'B,F,T')
          im.fail(
            n,
            `pools a tensor with axes [${x.axes.join(', ')}]; lstm-wasm reads ${op} as a ` +
              '1-D pool of [batch, channels, steps] (a Transpose of [batch, steps, channels])',
          );
        const ks = im.attrInts(n, 'kernel_shape');
        if (!ks || ks.length !== 1) im.fail(n, `has kernel_shape ${JSON.stringify(ks)}; lstm-wasm reads 1-D pools`);
        const P = ks[0],
          stride = (im.attrInts(n, 'strides') ?? [1])[0];
        if ((im.attrInts(n, 'dilations') ?? [1]).some((d) => d !== 1))
          im.fail(n, `has dilations; lstm-wasm's pools have none`);
        if (im.attrI(n, 'ceil_mode', 0) !== 0) im.fail(n, `has ceil_mode 1; lstm-wasm's pools (as Keras) round down`);
        if ((outs as string[]).length > 1 && outs[1])
          im.fail(n, `gives its indices; lstm-wasm reads the pooled values only`);
        const padding = padding1d(im, n, P, stride, false);
        if (padding !== 'valid' && padding !== 'same')
          im.fail(
            n,
            `has pads ${JSON.stringify(im.attrInts(n, 'pads'))} (auto_pad ` +
              `${im.attrS(n, 'auto_pad') ?? 'NOTSET'}); lstm-wasm reads no padding and TensorFlow's 'same'`,
          );
        if (op === 'AveragePool' && padding === 'same' && im.attrI(n, 'count_include_pad', 0) !== 0)
          im.fail(
            n,
            "counts the padding in its averages (count_include_pad 1); lstm-wasm's " +
              'AveragePooling1D (as Keras) counts the steps inside the sequence only',
          );
        const c = call({ kind: 'pool', node: n.name as string, max: op === 'MaxPool', P, stride, padding }, [x.val!]);
        set({ ...x, T: null, rec: null, dense: null, view: null, val: out(c) });
        return;
      }
      case 'ReduceSum':
      case 'ReduceMean':
      case 'ReduceProd':
      case 'ReduceMax': {
        const s = only();
        const rank = s.axes.length;
        const list = ins[1] ? im.intList(n, 1, 'axes', states) : im.attrInts(n, 'axes');
        if (!list || list.length !== 1 || typeof list[0] !== 'number')
          im.fail(n, `must reduce exactly one, constant axis`);
        const a = axisOf(n, list[0] as number, rank);
        if (s.axes[a] === 'T' && (op === 'ReduceMean' || op === 'ReduceMax')) {
          // The mean or max over the steps: GlobalAveragePooling1D / GlobalMaxPooling1D.
          const x = need(n, ins[dataIdx[0]]);
          if (im.attrI(n, 'keepdims', 1) !== 0)
            im.fail(n, `keeps the steps axis (keepdims 1); lstm-wasm reads a ${op} over the steps with keepdims 0`);
          if (x.axes.join() !== 'B,T,F' && x.axes.join() !== 'B,F,T')
            im.fail(n, `reduces the steps of a tensor with axes [${x.axes.join(', ')}]`);
          const c = call({ kind: 'gpool', node: n.name as string, max: op === 'ReduceMax' }, [x.val!]);
          set({
            ...x,
            axes: x.axes.filter((l) => l !== 'T'),
            T: null,
            rec: null,
            dense: null,
            view: null,
            val: out(c),
          });
          return;
        }
        if (op === 'ReduceMax')
          im.fail(
            n,
            `reduces axis ${a} (${s.axes[a]}); lstm-wasm reads ReduceMax only over the steps (GlobalMaxPooling1D)`,
          );
        if (s.axes[a] !== 'D' || s.view?.spec.D !== 2)
          im.fail(
            n,
            `reduces axis ${a} (${s.axes[a]}); lstm-wasm reads a reduction ` +
              "only as the merge of a bidirectional op's two directions",
          );
        const keep = im.attrI(n, 'keepdims', 1) === 1;
        set({
          ...s,
          view: { ...s.view, merge: op === 'ReduceSum' ? 'sum' : op === 'ReduceMean' ? 'ave' : 'mul' },
          axes: keep ? s.axes.map((l, j) => (j === a ? 'ONE' : l)) : s.axes.filter((_, j) => j !== a),
        });
        return;
      }
      case 'Reshape':
      case 'Flatten': {
        const s0 = only();
        if (s0.view) {
          // A recurrent op's output: the layout reshapes the chain reader knows (directions merged,
          // a size-1 axis dropped).
          const s = { ...s0 };
          let target: ShapeEntry[];
          if (op === 'Flatten') {
            const a = axisOf(n, im.attrI(n, 'axis', 1), s.axes.length + 1);
            const head = s.axes.slice(0, a).filter((l) => l !== 'ONE'),
              tail = s.axes.slice(a).filter((l) => l !== 'ONE' && !(l === 'D' && s.view!.spec.D === 1));
            if (head.join() !== 'B' || !(tail.length === 1 || tail.join() === 'D,H'))
              im.fail(
                n,
                `flattens axes [${s.axes.join(', ')}] at ${a}; lstm-wasm ` +
                  'reads Flatten of a recurrent output only as [batch, features]',
              );
            target = ['B', -1];
          } else {
            if (im.attrI(n, 'allowzero', 0) === 1) im.fail(n, `has allowzero = 1`);
            target = im.intList(n, 1, 'shape', states)!;
          }
          const probe: RecSpec = { ...s.view!.spec, merge: null };
          let axes: Label[] | null = null;
          try {
            axes = reshape(im, n, { ...s, rec: probe }, target);
          } catch (e) {
            // Not a layout reshape of the op's output: a Reshape or Flatten layer after it, below.
            if (!(e instanceof LstmWasmError) || s.axes.includes('D')) throw e;
          }
          if (axes) {
            set({ ...s, axes, view: probe.merge ? { ...s.view!, merge: probe.merge } : s.view });
            return;
          }
        }
        let s = need(n, ins[0]);
        let target: ShapeEntry[];
        if (op === 'Flatten') {
          if (axisOf(n, im.attrI(n, 'axis', 1), s.axes.length + 1) !== 1)
            im.fail(n, `flattens at an axis other than 1`);
          target = [0, -1];
        } else {
          if (im.attrI(n, 'allowzero', 0) === 1) im.fail(n, `has allowzero = 1`);
          target = im.intList(n, 1, 'shape', states)!;
        }
        // Only dropping or keeping size-1 axes: a layout change, no layer.
        const kept = s.axes.filter((l) => l !== 'ONE');
        const fits = (axes: Label[]) =>
          axes.length === target.length &&
          target.filter((e) => e === -1).length <= 1 &&
          axes.every((l, p) => {
            const e = target[p];
            if (typeof e === 'string') return e === l; // the size of that axis, computed by Shape
            if (e === -1) return true;
            if (e === 0) return s.axes[p] === l; // copies the input's size at p
            return l !== 'B' && im.sizeOf(s, l) === e;
          });
        if (fits(s.axes)) {
          set(s);
          return;
        }
        if (kept.length !== s.axes.length && fits(kept)) {
          set({ ...s, axes: kept });
          return;
        }
        // A Reshape or Flatten layer: [B, ...] → [B, ...target].
        s = batchMajor(n, s);
        if (
          !(target[0] === 0 || target[0] === 'B') ||
          target.slice(1).some((e) => typeof e !== 'number' || e === 0 || e < -1) ||
          target.length < 2 ||
          target.length > 3
        ) {
          im.fail(
            n,
            `reshapes a tensor with axes [${s.axes.join(', ')}] to ${JSON.stringify(target)}; ` +
              'lstm-wasm reads Reshape as [batch, ...] → [batch, features] or [batch, steps, ' +
              'features] (the batch kept as 0), or to drop a size-1 axis',
          );
        }
        const rest = target.slice(1) as number[];
        const total = s.axes.length === 3 ? (s.T ?? NaN) * (s.F ?? NaN) : (s.F ?? NaN);
        if (!Number.isFinite(total)) im.fail(n, `reshapes a tensor whose sizes are not all known`);
        const known = rest.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
        const sizesOut = rest.map((d) => (d === -1 ? total / known : d));
        if (!sizesOut.every((d) => Number.isInteger(d) && d > 0) || sizesOut.reduce((a, b) => a * b, 1) !== total)
          im.fail(n, `cannot reshape ${total} values a sample to ${JSON.stringify(rest)}`);
        if (rest.length === 1 && s.axes.length === 2) {
          set(s);
          return;
        }
        const spec: GSpec =
          rest.length === 1
            ? { kind: 'flatten', node: n.name as string }
            : { kind: 'reshape', target: rest, node: n.name as string };
        const c = call(spec, [s.val!]);
        set(
          rest.length === 1
            ? { ...s, axes: ['B', 'F'], F: sizesOut[0], T: null, val: out(c) }
            : { ...s, axes: ['B', 'T', 'F'], T: sizesOut[0], F: sizesOut[1], val: out(c) },
        );
        return;
      }
      case 'MatMul':
      case 'Gemm': {
        if (dataIdx.length !== 1 || dataIdx[0] !== 0)
          im.fail(
            n,
            dataIdx.length > 1
              ? `multiplies two tensors computed from the inputs; lstm-wasm reads x · W with a constant W`
              : `multiplies a constant by the data (data as the second operand); lstm-wasm reads x · W`,
          );
        let s = need(n, ins[0]);
        if (s.axes[s.axes.length - 1] !== 'F') s = batchMajor(n, s);
        const rank = s.axes.length;
        const spec = denseFromOnnx(im, n, op, rank, s.F, ins, (name) => data.has(name));
        learnF(s, spec.K);
        const c = call(spec, [s.val!], JSON.stringify([op, ins.slice(1), n.attribute]));
        // It may still take a bias (Add) and an activation, when nothing else reads it.
        const open = readers.get(outs[0]) === 1;
        set({ ...s, F: spec.N, val: out(c), dense: open ? spec : null });
        return;
      }
      case 'Add':
      case 'Sub':
      case 'Mul':
      case 'Sum':
      case 'Mean':
      case 'Max':
      case 'Min': {
        if (dataIdx.length === 1) {
          const s = states.get(ins[dataIdx[0]])!;
          const C = im.constant(ins[1 - dataIdx[0]]);
          const d = s.dense;
          if (op !== 'Add' || ins.length !== 2 || !d || d.bias || d.activation !== 'linear' || !C?.floats) {
            im.fail(
              n,
              `${op === 'Add' ? 'adds' : 'combines'} a constant with a computed ` +
                'tensor; lstm-wasm reads that only as the bias right after a MatMul (Add)',
            );
          }
          d.bias = broadcastBias(im, n, C, d.N, 1);
          const open = readers.get(outs[0]) === 1;
          set({ ...s, dense: open ? d : null });
          return;
        }
        if (dataIdx.length !== ins.filter((x) => x).length) im.fail(n, `combines computed tensors with constants`);
        set(
          merge(
            n,
            MERGE_OPS[op],
            ins.filter((x) => x),
          ),
        );
        return;
      }
      case 'Concat': {
        if (dataIdx.length !== ins.filter((x) => x).length) im.fail(n, `concatenates computed tensors with constants`);
        set(
          merge(
            n,
            'Concatenate',
            ins.filter((x) => x),
            im.attrI(n, 'axis', 0),
          ),
        );
        return;
      }
      case 'Sigmoid':
      case 'Tanh':
      case 'Relu':
      case 'HardSigmoid':
      case 'Softmax': {
        const raw = only();
        if (
          op === 'HardSigmoid' &&
          (Math.abs(im.attrF(n, 'alpha', 0.2) - 0.2) > 1e-7 || Math.abs(im.attrF(n, 'beta', 0.5) - 0.5) > 1e-7)
        )
          im.fail(n, `has alpha/beta other than 0.2/0.5`);
        let s = raw.view ? need(n, ins[dataIdx[0]]) : raw;
        if (op === 'Softmax') {
          const opset =
            (im.model.opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx')?.version as number) ?? OPSET;
          const a = axisOf(n, im.attrI(n, 'axis', opset >= 13 ? -1 : 1), s.axes.length);
          if (a !== s.axes.length - 1) im.fail(n, `takes the softmax over axis ${a}, not the last one`);
          if (s.axes[a] !== 'F') s = batchMajor(n, { ...s, dense: null });
        }
        const act: ActivationName = op === 'HardSigmoid' ? 'hardSigmoid' : (op.toLowerCase() as ActivationName);
        const d = s.dense;
        if (d && d.activation === 'linear') {
          d.activation = act;
          set({ ...s, dense: null });
          return;
        }
        const c = call({ kind: 'activation', activation: act, node: n.name as string }, [s.val!]);
        set({ ...s, dense: null, val: out(c) });
        return;
      }
      default:
        im.fail(n, `is not an operator lstm-wasm reads; supported: ${GRAPH_OPS}`);
    }
  });
  progress.at = nodes.length;
  const outVals = outputNames.map((name) => {
    const s0 = states.get(name);
    if (!s0) throw new LstmWasmError(`fromOnnx: output ${JSON.stringify(name)} does not depend on the graph's inputs`);
    let s = closeView(null, s0, true);
    if (s.axes.join() === 'B,F,T') s = batchMajor({ name, opType: 'output' } as Message, s);
    const final = s.axes.filter((a) => a !== 'ONE');
    if (!(final.join() === 'B,F' || final.join() === 'B,T,F' || final.join() === 'T,B,F')) {
      throw new LstmWasmError(
        `fromOnnx: output ${JSON.stringify(name)} has axes [${s.axes.join(', ')}]; ` +
          'lstm-wasm models return [batch, features] or [batch, steps, features]',
      );
    }
    if (!s.val || s.val.kind === 'input')
      throw new LstmWasmError(
        `fromOnnx: output ${JSON.stringify(name)} is a graph input itself; there is no layer to load`,
      );
    return s.val;
  });
  const inputShapes = inputs.map((v, i) => {
    const axes = guess[i],
      dims = inputDims[i] ?? axes.map(() => null);
    const t = axes.indexOf('T');
    const T = t >= 0 ? dims[t] : null;
    if (axes.join() === 'B,T' || axes.join() === 'T,B') return [T];
    if (axes.join() === 'ONE,B,F' && dims[0] !== null && dims[0] !== 1)
      throw new LstmWasmError(
        `fromOnnx: input '${v.name}' is an initial state of ${dims[0]} directions; ` +
          'lstm-wasm reads initial states of one-direction ops, [1, batch, units]',
      );
    if (inputF[i] === null)
      throw new LstmWasmError(
        `fromOnnx: the number of features of input '${v.name}' is ` +
          'neither in the graph nor fixed by a layer that reads it',
      );
    return axes.length === 3 && axes[0] !== 'ONE' ? [T, inputF[i]] : [inputF[i]];
  });
  return { calls, outputs: outVals, inputShapes, inputIds: guess.map((a) => !a.includes('F')) };
}

/** A functional model from the whole graph (fromOnnx with { functional: true }). */
function fromOnnxGraph(im: OnnxImport, options: FromOnnxOptions): Model {
  const g = im.graph;
  const inputs = (g.input as Message[]).filter((v) => !im.inits.has(v.name as string));
  if (inputs.length === 0) throw new LstmWasmError(`fromOnnx: the graph has no inputs but initializers`);
  const all = (g.output as Message[]).map((o) => o.name as string);
  if (
    options.outputs !== undefined &&
    (!Array.isArray(options.outputs) ||
      options.outputs.length === 0 ||
      !options.outputs.every((o) => typeof o === 'string'))
  ) {
    throw new LstmWasmError(
      `fromOnnx: option 'outputs' must be a non-empty array of output names, got ${describe(options.outputs)}`,
    );
  }
  const outputNames = options.outputs ?? (options.output !== undefined ? [options.output] : all);
  for (const o of outputNames)
    if (!all.includes(o))
      throw new LstmWasmError(`fromOnnx: the graph has no output ${JSON.stringify(o)}; its outputs: ${all.join(', ')}`);
  const kinds = inputs.map((v) => {
    const elem = ((v.type as Message | undefined)?.tensorType as Message | undefined)?.elemType as number | undefined;
    const ids =
      elem !== undefined &&
      elem !== P.TensorDataType.FLOAT &&
      elem !== P.TensorDataType.DOUBLE &&
      elem !== P.TensorDataType.FLOAT16;
    return { ids, rank: dimsOf(v)?.length ?? 3 };
  });
  // An input that only recurrent ops read, as initial_h / initial_c, is [1, batch, units] (PyTorch's h0, c0).
  const onlyState = inputs.map((v) => {
    const readers = im.nodes.filter((n) => (n.input as string[]).includes(v.name as string));
    return (
      readers.length > 0 &&
      readers.every(
        (n) =>
          ['LSTM', 'GRU', 'RNN'].includes(n.opType as string) &&
          (n.input as string[]).every((x, i) => x !== v.name || i === 5 || i === 6),
      )
    );
  });
  // Guesses of the inputs' layouts: all batch-major, then all time-major.
  const guesses: Label[][][] = [false, true].map((tm) =>
    kinds.map(({ ids, rank }, i): Label[] =>
      onlyState[i] && rank === 3 && !ids
        ? ['ONE', 'B', 'F']
        : ids
          ? tm
            ? ['T', 'B']
            : ['B', 'T']
          : rank === 2
            ? ['B', 'F']
            : tm
              ? ['T', 'B', 'F']
              : ['B', 'T', 'F'],
    ),
  );
  let result: GraphResult | null = null;
  let best: { at: number; err: unknown } | null = null;
  for (const guess of guesses) {
    const progress = { at: -1 };
    try {
      result = interpretGraph(im, inputs, guess, outputNames, progress);
      break;
    } catch (e) {
      if (!(e instanceof LstmWasmError)) throw e;
      const at = progress.at - (/with axes \[/.test(e.message) ? 0.5 : 0);
      if (!best || at > best.at) best = { at, err: e };
    }
  }
  if (!result) throw best!.err;

  // The model: input() per graph input, then each call's layer applied in graph order.
  const names = new Set<string>(inputs.map((v) => v.name as string));
  const syms = inputs.map((v, i) =>
    symbolicInput({
      shape: result!.inputShapes[i],
      name: v.name as string,
      dtype: result!.inputIds[i] ? 'int32' : 'float32',
    }),
  );
  // A graph output names the layer that gives it (the first output a layer gives), so
  // model.outputNames match the graph's.
  const layerName = new Map<Call, string>();
  // A Dense layer's bias and activation are known only now: calls of one layer agree on them too.
  const sharedOf = (c: Call): unknown => {
    if (!c.key) return c;
    const sp = c.spec;
    return sp.kind === 'dense' ? `${c.key}|${sp.activation}|${sp.bias ? Array.from(sp.bias).join(',') : ''}` : c.key;
  };
  const named = new Map<unknown, string>();
  result.outputs.forEach((v, i) => {
    if (v.kind !== 'out') return;
    const k = sharedOf(v.call);
    if (named.has(k) || names.has(outputNames[i])) return;
    named.set(k, outputNames[i]);
    names.add(outputNames[i]);
  });
  for (const c of result.calls) {
    const nm = named.get(sharedOf(c));
    if (nm) layerName.set(c, nm);
  }
  // Uses of a shared recurrent layer: the union over its calls.
  const uses = new Map<unknown, Set<Use>>();
  for (const c of result.calls) {
    const k = sharedOf(c);
    const u = uses.get(k) ?? new Set<Use>();
    c.uses.forEach((x) => u.add(x));
    uses.set(k, u);
  }
  const layers = new Map<unknown, { layer: Layer; weights: () => void }>();
  const makeLayer = (c: Call): { layer: Layer; weights: () => void } => {
    const k = sharedOf(c);
    const known = layers.get(k);
    if (known) return known;
    const sp = c.spec;
    // Every layer named here: an automatic name could be one a graph output gave another layer.
    const snake =
      sp.kind === 'rec'
        ? sp.D === 2
          ? 'bidirectional'
          : sp.op === 'RNN'
            ? 'simple_rnn'
            : sp.op.toLowerCase()
        : sp.kind === 'merge'
          ? sp.cls.replace(/(?<=.)([A-Z])/g, '_$1').toLowerCase()
          : sp.kind === 'repeat'
            ? 'repeat_vector'
            : sp.kind === 'conv'
              ? 'conv1d'
              : sp.kind === 'pool'
                ? sp.max
                  ? 'max_pooling1d'
                  : 'average_pooling1d'
                : sp.kind === 'gpool'
                  ? sp.max
                    ? 'global_max_pooling1d'
                    : 'global_average_pooling1d'
                  : sp.kind;
    let name = layerName.get(c);
    while (!name || (names.has(name) && !layerName.has(c))) name = uniqueName(snake);
    names.add(name);
    const base = { name };
    let made: { layer: Layer; weights: () => void };
    switch (sp.kind) {
      case 'embedding': {
        const l = new Embedding({ inputDim: sp.V, outputDim: sp.Dm, ...base });
        made = { layer: l, weights: () => l.setWeights([{ data: sp.table, shape: [sp.V, sp.Dm] }]) };
        break;
      }
      case 'dense': {
        const l = new Dense({ units: sp.N, activation: sp.activation, useBias: !!sp.bias, ...base });
        made = {
          layer: l,
          weights: () =>
            l.setWeights(
              sp.bias
                ? [
                    { data: sp.kernel, shape: [sp.K, sp.N] },
                    { data: sp.bias, shape: [sp.N] },
                  ]
                : [{ data: sp.kernel, shape: [sp.K, sp.N] }],
            ),
        };
        break;
      }
      case 'rec': {
        const u = uses.get(k)!;
        const returnSequences = u.has('seq');
        const returnState = u.has('c') || (u.has('h') && returnSequences);
        if (sp.D === 2 && returnState)
          throw new LstmWasmError(
            `fromOnnx: node '${sp.node}' (${sp.op}, bidirectional) gives both its output ` +
              'sequence and its final states; lstm-wasm reads one of them from a bidirectional op',
          );
        const common = { units: sp.H, activation: sp.activation, useBias: sp.useBias, returnSequences, returnState };
        const make = (extra: object) =>
          sp.op === 'LSTM'
            ? new LSTM({
                ...common,
                recurrentActivation: sp.recurrentActivation,
                peephole: sp.peephole,
                unitForgetBias: false,
                ...extra,
              })
            : sp.op === 'GRU'
              ? new GRU({ ...common, recurrentActivation: sp.recurrentActivation, resetAfter: sp.resetAfter, ...extra })
              : new SimpleRNN({ ...common, ...extra });
        const l =
          sp.D === 2
            ? new Bidirectional({ layer: make({ returnState: false }), mergeMode: sp.merge ?? 'concat', ...base })
            : make({ goBackwards: sp.reverse, ...base });
        made = {
          layer: l,
          weights: () => {
            const shapes = l.slots.map((slot) => slot.spec.shape);
            l.setWeights(sp.weights.flat().map((data, j) => ({ data, shape: shapes[j] })));
          },
        };
        break;
      }
      case 'merge': {
        const M = { Concatenate, Add, Subtract, Multiply, Average, Maximum, Minimum }[sp.cls];
        made = {
          layer: sp.cls === 'Concatenate' ? new Concatenate({ axis: sp.axis, ...base }) : new M(base),
          weights: () => {},
        };
        break;
      }
      case 'repeat':
        made = { layer: new RepeatVector({ n: sp.n, ...base }), weights: () => {} };
        break;
      case 'flatten':
        made = { layer: new Flatten(base), weights: () => {} };
        break;
      case 'reshape':
        made = { layer: new Reshape({ targetShape: sp.target, ...base }), weights: () => {} };
        break;
      case 'permute':
        made = { layer: new Permute({ dims: sp.dims, ...base }), weights: () => {} };
        break;
      case 'activation':
        made = { layer: new Activation({ activation: sp.activation, ...base }), weights: () => {} };
        break;
      case 'conv': {
        const l = new Conv1D({
          filters: sp.F,
          kernelSize: sp.K,
          strides: sp.stride,
          dilationRate: sp.dilation,
          padding: sp.padding,
          useBias: !!sp.bias,
          ...base,
        });
        made = {
          layer: l,
          weights: () =>
            l.setWeights(
              sp.bias
                ? [
                    { data: sp.kernel, shape: [sp.K, sp.C, sp.F] },
                    { data: sp.bias, shape: [sp.F] },
                  ]
                : [{ data: sp.kernel, shape: [sp.K, sp.C, sp.F] }],
            ),
        };
        break;
      }
      case 'pool': {
        const a = { poolSize: sp.P, strides: sp.stride, padding: sp.padding, ...base };
        made = { layer: sp.max ? new MaxPooling1D(a) : new AveragePooling1D(a), weights: () => {} };
        break;
      }
      case 'gpool':
        made = { layer: sp.max ? new GlobalMaxPooling1D(base) : new GlobalAveragePooling1D(base), weights: () => {} };
        break;
    }
    layers.set(k, made);
    return made;
  };
  const outsOf = new Map<Call, SymbolicTensor[]>();
  const sym = (v: Val): SymbolicTensor => {
    if (v.kind === 'input') return syms[v.index];
    const list = outsOf.get(v.call)!;
    const sp = v.call.spec;
    if (sp.kind !== 'rec' || v.use === 0) return list[0];
    const l = layers.get(sharedOf(v.call))!.layer as Recurrent | Bidirectional;
    const rs = l instanceof Bidirectional ? l.forwardLayer.returnSequences : l.returnSequences;
    const st = l instanceof Bidirectional ? false : l.returnState;
    const index = v.use === 'seq' ? 0 : v.use === 'h' ? (rs && st ? 1 : 0) : 2;
    return list[index];
  };
  for (const c of result.calls) {
    const { layer } = makeLayer(c);
    const [x, ...states] = c.inputs.map(sym);
    const ins = c.spec.kind === 'merge' ? [x, ...states] : x;
    const o = c.spec.kind !== 'merge' && states.length ? layer.apply(ins, { initialState: states }) : layer.apply(ins);
    outsOf.set(c, Array.isArray(o) ? o : [o]);
  }
  const model = new Model({
    inputs: syms,
    outputs: result.outputs.map(sym),
    name: options.name ?? ((g.name as string) || undefined),
  });
  for (const { weights } of layers.values()) weights();
  return model;
}

/**
 * A Sequential model from the bytes of an ONNX model made of LSTM, GRU and RNN operators, Gemm or
 * MatMul + Add (Dense), an optional Gather (Embedding) first, activations after the Dense layers,
 * and the Transposes, Squeezes, Reshapes, Slices and Reduce* that move between layouts, pick the
 * last step or merge directions. Initial states must be zeros; sequence_lens is not read.
 *
 * The model is batch-major like every model here: it takes [batch, steps, features] (or [batch,
 * steps] ids, as floats, for an Embedding) and returns [batch, steps, units] or [batch, units],
 * even when the graph is time-major: a graph that reads x [T, B, I] and gives y [T, B, H] (such
 * as PyTorch's nn.LSTM without batch_first) becomes a model that reads [B, T, I] and returns
 * [B, T, H]; a graph output [1, B, H] (a final hidden state) becomes [B, H].
 */
export function fromOnnx(
  bytes: Uint8Array | ArrayBuffer,
  options?: FromOnnxOptions & { functional?: false },
): Sequential;
/**
 * A functional model (model({ inputs, outputs })) from the whole graph: an input() per graph
 * input (named as it), the graph outputs (all, or options.outputs) as the model's outputs, each
 * named by the layer that gives it where it can be. Besides what the Sequential reading takes: the
 * merges (Concat, Add, Sub, Mul, Sum, Mean, Max, Min of computed tensors), Unsqueeze + Tile or
 * Expand (RepeatVector), Reshape and Flatten (Reshape, Flatten layers), Transpose to [batch,
 * features, steps] (Permute), activations anywhere (Activation), recurrent ops whose initial_h /
 * initial_c come from other recurrent ops' Y_h / Y_c (directly, as PyTorch writes them, or
 * squeezed and unsqueezed, as toOnnx does) or from other layers, their Y_h / Y_c read as
 * returned states (returnState: true), and ops that read the same initializers (a shared layer).
 * The inputs are all batch-major or all time-major, as the Sequential reading finds out.
 */
export function fromOnnx(bytes: Uint8Array | ArrayBuffer, options: FromOnnxOptions & { functional: true }): Model;
export function fromOnnx(bytes: Uint8Array | ArrayBuffer, options?: FromOnnxOptions): Model;
export function fromOnnx(bytes: Uint8Array | ArrayBuffer, options: FromOnnxOptions = {}): Model {
  if (options === null || typeof options !== 'object')
    throw new LstmWasmError(
      `fromOnnx: expected an options object such as { functional: true }, got ${describe(options)}`,
    );
  const m = readOnnx(bytes, 'fromOnnx');
  const im = new OnnxImport(m);
  if (options.functional) return fromOnnxGraph(im, options);
  if (options.outputs !== undefined)
    throw new LstmWasmError(
      `fromOnnx: option 'outputs' is for { functional: true }; a Sequential model has one output (option 'output')`,
    );
  const g = im.graph;
  const dataInputs = (g.input as Message[]).filter((v) => !im.inits.has(v.name as string));
  if (dataInputs.length !== 1) {
    throw new LstmWasmError(
      `fromOnnx: the graph has ${dataInputs.length} inputs ` +
        `(${dataInputs.map((v) => v.name).join(', ') || 'none'}); a Sequential model has one input: load the ` +
        'graph with fromOnnx(bytes, { functional: true }) for a functional model of all its inputs and outputs',
    );
  }
  const input = dataInputs[0];
  const inputName = input.name as string;
  const outputs = (g.output as Message[]).map((o) => o.name as string);
  const output = options.output ?? outputs[0];
  if (!outputs.includes(output))
    throw new LstmWasmError(
      `fromOnnx: the graph has no output ${JSON.stringify(output)}; its outputs: ${outputs.join(', ')}`,
    );

  // Tensors computed from the input (shapes of it are not: they are known once we know the input's layout).
  const data = new Set([inputName]);
  for (const n of im.nodes) {
    if (n.opType === 'Shape' || n.opType === 'Size') continue;
    if ((n.input as string[]).some((i) => data.has(i))) for (const o of n.output as string[]) data.add(o);
  }
  if (!data.has(output))
    throw new LstmWasmError(
      `fromOnnx: output ${JSON.stringify(output)} does not depend on the input ${JSON.stringify(inputName)}`,
    );
  const chain: { node: Message; dataIndex: number; outIndex: number }[] = [];
  for (let cur = output; cur !== inputName; ) {
    const n = im.producer.get(cur)!;
    const ins = n.input as string[];
    const dataIns = ins.map((x, i) => [x, i] as const).filter(([x]) => x && data.has(x));
    if (dataIns.length !== 1) {
      im.fail(
        n,
        `combines ${dataIns.length} tensors computed from the input ` +
          `(${dataIns.map(([x]) => x).join(', ')}); a Sequential model is a chain of layers, one after ` +
          'the other: load the graph with fromOnnx(bytes, { functional: true }) for a functional model',
      );
    }
    chain.unshift({ node: n, dataIndex: dataIns[0][1], outIndex: (n.output as string[]).indexOf(cur) });
    cur = dataIns[0][0];
  }
  if (chain.length === 0)
    throw new LstmWasmError(`fromOnnx: the output is the input itself; there is no layer to load`);

  const elem = ((input.type as Message | undefined)?.tensorType as Message | undefined)?.elemType as number | undefined;
  const ids =
    elem !== undefined &&
    elem !== P.TensorDataType.FLOAT &&
    elem !== P.TensorDataType.DOUBLE &&
    elem !== P.TensorDataType.FLOAT16;
  const dims = dimsOf(input);
  const rank = dims?.length;
  const guesses: Label[][] = ids
    ? [
        ['B', 'T'],
        ['T', 'B'],
      ]
    : rank === 2
      ? [['B', 'F']]
      : rank === 3
        ? [
            ['B', 'T', 'F'],
            ['T', 'B', 'F'],
          ]
        : [
            ['B', 'T', 'F'],
            ['T', 'B', 'F'],
            ['B', 'F'],
          ];
  let result: ReturnType<typeof interpret> | null = null;
  let firstError: unknown = null,
    bestDepth = -1;
  for (const axes of guesses) {
    try {
      result = interpret(im, chain, inputName, axes, dims ?? axes.map(() => null));
      break;
    } catch (e) {
      if (!(e instanceof LstmWasmError)) throw e;
      // Report the guess that read furthest along the chain.
      const at = chain.findIndex((c) => e.message.includes(`node '${c.node.name}'`));
      // An error about the axes a node reads says less than one about the node itself.
      const depth = (at < 0 ? chain.length : at) - (/with axes \[/.test(e.message) ? 0.5 : 0);
      if (depth > bestDepth) {
        bestDepth = depth;
        firstError = e;
      }
    }
  }
  if (!result) throw firstError;
  const { specs, state, first } = result;
  const final = state.axes.filter((a) => a !== 'ONE');
  if (
    final[final.length - 1] !== 'F' ||
    !(final.join() === 'B,F' || final.join() === 'B,T,F' || final.join() === 'T,B,F')
  ) {
    throw new LstmWasmError(
      `fromOnnx: output ${JSON.stringify(output)} has axes [${state.axes.join(', ')}]; ` +
        'lstm-wasm models return [batch, features] or [batch, steps, features]',
    );
  }
  if (specs.length === 0)
    throw new LstmWasmError(
      `fromOnnx: the path from the input to ${JSON.stringify(output)} has no layer (only layout operators)`,
    );

  // The first layer's input shape (batch free): [T, F], [F] or [T] for ids.
  const T = first.T,
    F = first.F;
  const firstSpec = specs[0];
  const inF = firstSpec.kind === 'rec' ? firstSpec.I : firstSpec.kind === 'dense' ? firstSpec.K : null;
  const batchInputShape: (number | null)[] = ids
    ? [null, T]
    : first.axes.length === 2
      ? [null, F ?? inF]
      : [null, T, F ?? inF];

  const layers: Layer[] = specs.map((sp, i) => {
    const shape = i === 0 ? { batchInputShape } : {};
    if (sp.kind === 'embedding') return new Embedding({ inputDim: sp.V, outputDim: sp.Dm, ...shape });
    if (sp.kind === 'dense') return new Dense({ units: sp.N, activation: sp.activation, useBias: !!sp.bias, ...shape });
    const common = {
      units: sp.H,
      activation: sp.activation,
      useBias: sp.useBias,
      returnSequences: sp.returnSequences ?? false,
    };
    const make = (extra: object) =>
      sp.op === 'LSTM'
        ? new LSTM({
            ...common,
            recurrentActivation: sp.recurrentActivation,
            peephole: sp.peephole,
            unitForgetBias: false,
            ...extra,
          })
        : sp.op === 'GRU'
          ? new GRU({ ...common, recurrentActivation: sp.recurrentActivation, resetAfter: sp.resetAfter, ...extra })
          : new SimpleRNN({ ...common, ...extra });
    if (sp.D === 2) return new Bidirectional({ layer: make({}), mergeMode: sp.merge!, ...shape });
    return make({ goBackwards: sp.reverse, ...shape });
  });
  const model = new Sequential({ layers, name: options.name ?? ((g.name as string) || undefined) });
  model.build();
  specs.forEach((sp, i) => {
    const l = layers[i];
    if (sp.kind === 'embedding') l.setWeights([{ data: sp.table, shape: [sp.V, sp.Dm] }]);
    else if (sp.kind === 'dense')
      l.setWeights(
        sp.bias
          ? [
              { data: sp.kernel, shape: [sp.K, sp.N] },
              { data: sp.bias, shape: [sp.N] },
            ]
          : [{ data: sp.kernel, shape: [sp.K, sp.N] }],
      );
    else {
      const shapes = l.slots.map((slot) => slot.spec.shape);
      l.setWeights(sp.weights.flat().map((data, j) => ({ data, shape: shapes[j] })));
    }
  });
  return model;
}
