// ONNX in and out: models exported by toOnnx() run in ONNX Runtime (onnxruntime-web, its WASM
// backend, one thread) and give our outputs; the bench models (PyTorch nn.LSTM exports) load with
// fromOnnx() and give ONNX Runtime's outputs; graphs written the way torch.onnx.export writes them
// (batch_first Transposes, a last-step Gather, zero initial states from Expand) load too; a damaged
// protobuf or an unsupported graph is a clear error.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web';
import {
  Bidirectional, Dense, Dropout, Embedding, GRU, LSTM, LstmWasmError, Masking, Sequential, SimpleRNN, type TensorData,
} from '../src/index.js';
import { fromOnnx, readOnnx, toOnnx } from '../src/io/onnx.js';
import { decode, encode, type Schema } from '../src/io/protobuf.js';
import * as P from '../src/io/onnx-schema.js';
import { initForTests, maxAbsDiff, randTensor, randWeightsLike } from './util/tfjs.js';

const B = 3, T = 7, I = 5, H = 6;
const TOL = 1e-5;
const BENCH_TOL = 1e-4;
const BENCH = '/work/shared/bench-models';

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

const worst = { export: 0, roundTrip: 0, bench: 0, torch: 0 };

beforeAll(async () => {
  const info = await initForTests();
  console.log(`io-onnx: lstm-wasm build ${info.build}, onnxruntime-web ${ort.env.versions?.web ?? ''}`);
  return () => console.log(`io-onnx: largest differences: exported models vs ORT ${worst.export.toExponential(2)}, fromOnnx(toOnnx(m)) vs m ${worst.roundTrip.toExponential(2)}, bench models vs ORT ${worst.bench.toExponential(2)}, torch-style graphs vs ORT ${worst.torch.toExponential(2)}`);
});

async function runOrt(bytes: Uint8Array, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

/** [T, B, ...] ↔ [B, T, ...] */
function swap01(data: Float32Array, d0: number, d1: number, rest: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let a = 0; a < d0; a++) for (let b = 0; b < d1; b++) out.set(data.subarray((a * d1 + b) * rest, (a * d1 + b + 1) * rest), (b * d0 + a) * rest);
  return out;
}

function randomize(model: Sequential, seed: number, scale = 0.6): void {
  model.layers.forEach((l, i) => {
    const ws = l.getWeights();
    if (ws.length) l.setWeights(randWeightsLike(ws, seed + i, scale));
  });
}

function ids(shape: number[], V: number, seed: number): TensorData {
  const r = randTensor(shape, seed);
  return { data: r.data.map((v) => Math.floor((v + 1) / 2 * V) % V), shape };
}

interface Case {
  name: string;
  make: () => Sequential;
  ids?: number;
}

const inShape = { inputShape: [T, I] };
const CASES: Case[] = [
  { name: 'LSTM → Dense softmax', make: () => new Sequential([new LSTM({ units: H, ...inShape }), new Dense({ units: 4, activation: 'softmax' })]) },
  { name: 'LSTM returnSequences, peepholes, hardSigmoid → Dense relu (per step)', make: () => new Sequential([new LSTM({ units: H, returnSequences: true, peephole: true, recurrentActivation: 'hardSigmoid', ...inShape }), new Dense({ units: 3, activation: 'relu' })]) },
  { name: 'LSTM without bias, relu activation, goBackwards', make: () => new Sequential([new LSTM({ units: H, useBias: false, activation: 'relu', goBackwards: true, ...inShape })]) },
  { name: 'LSTM goBackwards, returnSequences', make: () => new Sequential([new LSTM({ units: H, goBackwards: true, returnSequences: true, ...inShape })]) },
  { name: 'GRU resetAfter → Dense tanh', make: () => new Sequential([new GRU({ units: H, ...inShape }), new Dense({ units: 2, activation: 'tanh' })]) },
  { name: 'GRU resetAfter: false, returnSequences, hardSigmoid', make: () => new Sequential([new GRU({ units: H, resetAfter: false, returnSequences: true, recurrentActivation: 'hardSigmoid', ...inShape })]) },
  { name: 'SimpleRNN relu → Dense sigmoid', make: () => new Sequential([new SimpleRNN({ units: H, activation: 'relu', ...inShape }), new Dense({ units: 2, activation: 'sigmoid' })]) },
  { name: 'SimpleRNN linear, goBackwards, returnSequences', make: () => new Sequential([new SimpleRNN({ units: H, activation: 'linear', goBackwards: true, returnSequences: true, ...inShape })]) },
  { name: 'Bidirectional LSTM concat, returnSequences → Dense', make: () => new Sequential([new Bidirectional({ layer: new LSTM({ units: H, returnSequences: true }), ...inShape }), new Dense({ units: 2 })]) },
  { name: 'Bidirectional GRU sum', make: () => new Sequential([new Bidirectional({ layer: new GRU({ units: H }), mergeMode: 'sum', ...inShape })]) },
  { name: 'Bidirectional SimpleRNN ave, returnSequences', make: () => new Sequential([new Bidirectional({ layer: new SimpleRNN({ units: H, returnSequences: true }), mergeMode: 'ave', ...inShape })]) },
  { name: 'Bidirectional LSTM mul, peepholes', make: () => new Sequential([new Bidirectional({ layer: new LSTM({ units: H, peephole: true }), mergeMode: 'mul', ...inShape })]) },
  { name: 'Embedding → LSTM → Dropout → Dense', ids: 11, make: () => new Sequential([new Embedding({ inputDim: 11, outputDim: I, inputShape: [T] }), new LSTM({ units: H }), new Dropout({ rate: 0.3 }), new Dense({ units: 3 })]) },
  { name: 'stacked LSTM → GRU → SimpleRNN → Dense', make: () => new Sequential([new LSTM({ units: H, returnSequences: true, ...inShape }), new GRU({ units: 4, returnSequences: true }), new SimpleRNN({ units: 5 }), new Dense({ units: 1 })]) },
  { name: 'Dense → Dense on [batch, features]', make: () => new Sequential([new Dense({ units: 4, activation: 'relu', inputShape: [I] }), new Dense({ units: 2, useBias: false, activation: 'softmax' })]) },
];

describe('toOnnx: exported models run in ONNX Runtime', () => {
  CASES.forEach((c, ci) => {
    it(c.name, async () => {
      const model = c.make();
      randomize(model, 100 + ci * 7);
      const dense2d = model.inputShape.length === 1 && !c.ids;
      const x = c.ids ? ids([B, T], c.ids, ci) : randTensor(dense2d ? [B, I] : [B, T, I], 50 + ci);
      const ours = model.predict(x);
      const bytes = toOnnx(model);
      const feed = c.ids
        ? new ort.Tensor('int64', BigInt64Array.from(x.data, (v) => BigInt(v)), x.shape)
        : new ort.Tensor('float32', x.data, x.shape);
      const out = await runOrt(bytes, { input: feed });
      const y = out.output;
      expect(y.dims).toEqual(ours.shape);
      const d = maxAbsDiff(ours.data, y.data as Float32Array);
      worst.export = Math.max(worst.export, d);
      expect(d, `${c.name}: max |ours - ORT|`).toBeLessThan(TOL);

      // And back: the graph loads here as the same model.
      const again = fromOnnx(bytes);
      expect(again.layers.map((l) => l.className)).toEqual(model.layers.filter((l) => !(l instanceof Dropout)).map((l) => l.className));
      const d2 = maxAbsDiff(again.predict(x).data, ours.data);
      worst.roundTrip = Math.max(worst.roundTrip, d2);
      expect(d2, `${c.name}: fromOnnx(toOnnx(model)) vs model`).toBeLessThan(TOL);
      console.log(`io-onnx: ${c.name}: max |ours - ORT| ${d.toExponential(2)}, round trip ${d2.toExponential(2)} (${bytes.length} bytes)`);
      model.dispose(); again.dispose();
    });
  });

  it('refuses what ONNX cannot express, naming the layer', () => {
    const masked = new Sequential([new Masking({ inputShape: [T, I] }), new LSTM({ units: 2 })]);
    expect(() => toOnnx(masked)).toThrow(/Masking '.*' cannot be exported.*Supported layers/);
    const stateful = new Sequential([new LSTM({ units: 2, stateful: true, batchInputShape: [2, T, I] })]);
    expect(() => toOnnx(stateful)).toThrow(/stateful/);
    const maskZero = new Sequential([new Embedding({ inputDim: 5, outputDim: 2, maskZero: true, inputShape: [T] }), new LSTM({ units: 2 })]);
    expect(() => toOnnx(maskZero)).toThrow(/maskZero/);
  });
});

describe('fromOnnx: the bench models (PyTorch nn.LSTM)', () => {
  const sizes: Record<string, [number, number, number, number]> = { S: [32, 50, 1, 32], M: [32, 100, 64, 128], L: [16, 25, 256, 512] };
  for (const [size, [b, t, i, h]] of Object.entries(sizes)) {
    it(`lstm-${size}.onnx: y and h as ORT gives them`, async () => {
      const bytes = new Uint8Array(readFileSync(`${BENCH}/lstm-${size}.onnx`));
      const xb = randTensor([b, t, i], 7 + i); // ours: batch-major
      const xt = swap01(xb.data, b, t, i); // ORT: time-major [T, B, I]
      const out = await runOrt(bytes, { x: new ort.Tensor('float32', xt, [t, b, i]) });

      const seqModel = fromOnnx(bytes); // output 'y': the whole sequence
      expect(seqModel.layers.map((l) => l.className)).toEqual(['LSTM']);
      expect((seqModel.layers[0] as LSTM).returnSequences).toBe(true);
      const y = seqModel.predict(xb, { batchSize: b });
      expect(y.shape).toEqual([b, t, h]);
      const yOrt = swap01(out.y.data as Float32Array, t, b, h);
      const dy = maxAbsDiff(y.data, yOrt);

      const lastModel = fromOnnx(bytes, { output: 'h' }); // [1, B, H] → [B, H]
      expect((lastModel.layers[0] as LSTM).returnSequences).toBe(false);
      const hOurs = lastModel.predict(xb, { batchSize: b });
      expect(hOurs.shape).toEqual([b, h]);
      const dh = maxAbsDiff(hOurs.data, out.h.data as Float32Array);
      worst.bench = Math.max(worst.bench, dy, dh);
      console.log(`io-onnx: lstm-${size}.onnx (B ${b}, T ${t}, I ${i}, H ${h}): max |ours - ORT| y ${dy.toExponential(2)}, h ${dh.toExponential(2)}`);
      expect(dy).toBeLessThan(BENCH_TOL);
      expect(dh).toBeLessThan(BENCH_TOL);
      expect(() => fromOnnx(bytes, { output: 'c' })).toThrow(/cell state/);
      seqModel.dispose(); lastModel.dispose();
    });
  }
});

// ---- graphs written by hand, the way torch.onnx.export writes them ---------------------------

type Msg = Record<string, unknown>;
const enc = new TextEncoder();
const f32 = (name: string, dims: number[], data: Float32Array): Msg => ({ name, dims, dataType: 1, rawData: new Uint8Array(data.buffer.slice(0)) });
const i64 = (name: string, values: number[], scalar = false): Msg => ({ name, dims: scalar ? [] : [values.length], dataType: 7, int64Data: values });
const node = (opType: string, input: string[], output: string[], attribute: Msg[] = []): Msg => ({ opType, input, output, attribute, name: output[0] });
const aInt = (name: string, i: number): Msg => ({ name, type: 2, i });
const aInts = (name: string, ints: number[]): Msg => ({ name, type: 7, ints });
const aStr = (name: string, s: string): Msg => ({ name, type: 3, s: enc.encode(s) });
const aTensor = (name: string, t: Msg): Msg => ({ name, type: 4, t });
const vi = (name: string, dims: (number | string)[], elemType = 1): Msg => ({ name, type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } } });
function model(nodes: Msg[], inits: Msg[], input: Msg, output: Msg, opset = 14): Uint8Array {
  return encode({ irVersion: 7, producerName: 'pytorch', producerVersion: '1.13.0', graph: { node: nodes, name: 'torch_jit', initializer: inits, input: [input], output: [output] }, opsetImport: [{ domain: '', version: opset }] }, P.Model);
}
const rand = (n: number, seed: number, scale = 0.5) => randTensor([n], seed, scale).data;

describe('fromOnnx: torch.onnx.export-style graphs', () => {
  it('batch_first LSTM → out[:, -1, :] → Linear (Gemm, transB)', async () => {
    const N = 3, G = 4;
    const nodes = [
      node('Transpose', ['x'], ['xt'], [aInts('perm', [1, 0, 2])]),
      // initial states as PyTorch writes them: zeros expanded to [1, B, H] from the input's shape
      node('Constant', [], ['zeros'], [aTensor('value', f32('', [1, 1, H], new Float32Array(H)))]),
      node('Shape', ['x'], ['shape']),
      node('Constant', [], ['zero_idx'], [aTensor('value', i64('', [0], true))]),
      node('Gather', ['shape', 'zero_idx'], ['batch']),
      node('Unsqueeze', ['batch', 'ax0'], ['batch1']),
      node('Concat', ['one', 'batch1', 'hsize'], ['hshape'], [aInt('axis', 0)]),
      node('Expand', ['zeros', 'hshape'], ['h0']),
      node('LSTM', ['xt', 'W', 'R', 'B', '', 'h0', 'h0'], ['Y', 'Yh', 'Yc'], [aInt('hidden_size', H)]),
      node('Squeeze', ['Y', 'ax1'], ['y3']), // [T, B, H]
      node('Transpose', ['y3'], ['yb'], [aInts('perm', [1, 0, 2])]), // [B, T, H]
      node('Gather', ['yb', 'last'], ['ylast'], [aInt('axis', 1)]), // out[:, -1, :]
      node('Gemm', ['ylast', 'fcW', 'fcB'], ['out'], [aInt('transB', 1)]),
    ];
    const inits = [
      f32('W', [1, G * H, I], rand(G * H * I, 1)), f32('R', [1, G * H, H], rand(G * H * H, 2)), f32('B', [1, 2 * G * H], rand(2 * G * H, 3)),
      f32('fcW', [N, H], rand(N * H, 4)), f32('fcB', [N], rand(N, 5)),
      i64('ax0', [0]), i64('ax1', [1]), i64('one', [1]), i64('hsize', [H]), i64('last', [-1], true),
    ];
    const bytes = model(nodes, inits, vi('x', ['batch', T, I]), vi('out', ['batch', N]));
    const x = randTensor([B, T, I], 9);
    const ortOut = (await runOrt(bytes, { x: new ort.Tensor('float32', x.data, x.shape) })).out;
    const m = fromOnnx(bytes);
    expect(m.layers.map((l) => l.className)).toEqual(['LSTM', 'Dense']);
    expect((m.layers[0] as LSTM).returnSequences).toBe(false);
    const d = maxAbsDiff(m.predict(x).data, ortOut.data as Float32Array);
    worst.torch = Math.max(worst.torch, d);
    expect(d).toBeLessThan(TOL);
  });

  it('bidirectional GRU (linear_before_reset) → Transpose + Reshape → MatMul + Add → Sigmoid, time-major', async () => {
    const N = 2, G = 3;
    const nodes = [
      node('GRU', ['x', 'W', 'R', 'B'], ['Y'], [aInt('hidden_size', H), aStr('direction', 'bidirectional'), aInt('linear_before_reset', 1)]),
      node('Transpose', ['Y'], ['Yt'], [aInts('perm', [0, 2, 1, 3])]), // [T, B, 2, H]
      node('Reshape', ['Yt', 'shape'], ['Ycat']), // [T, B, 2H]
      node('MatMul', ['Ycat', 'fcW'], ['mm']),
      node('Add', ['mm', 'fcB'], ['lin']),
      node('Sigmoid', ['lin'], ['out']),
    ];
    const inits = [
      f32('W', [2, G * H, I], rand(2 * G * H * I, 11)), f32('R', [2, G * H, H], rand(2 * G * H * H, 12)), f32('B', [2, 2 * G * H], rand(4 * G * H, 13)),
      f32('fcW', [2 * H, N], rand(2 * H * N, 14)), f32('fcB', [N], rand(N, 15)), i64('shape', [0, 0, -1]),
    ];
    const bytes = model(nodes, inits, vi('x', [T, 'batch', I]), vi('out', [T, 'batch', N]));
    const xb = randTensor([B, T, I], 19);
    const xt = swap01(xb.data, B, T, I);
    const ortOut = (await runOrt(bytes, { x: new ort.Tensor('float32', xt, [T, B, I]) })).out;
    const m = fromOnnx(bytes);
    expect(m.layers.map((l) => l.className)).toEqual(['Bidirectional', 'Dense']);
    const y = m.predict(xb);
    expect(y.shape).toEqual([B, T, N]);
    const d = maxAbsDiff(y.data, swap01(ortOut.data as Float32Array, T, B, N));
    worst.torch = Math.max(worst.torch, d);
    expect(d).toBeLessThan(TOL);
  });

  it('names the operator it cannot read, and what it reads', () => {
    const nodes = [
      node('LSTM', ['x', 'W', 'R'], ['Y', 'Yh'], [aInt('hidden_size', 2)]),
      node('Squeeze', ['Yh', 'ax0'], ['h']),
      node('LeakyRelu', ['h'], ['out']),
    ];
    const bytes = model(nodes, [f32('W', [1, 8, I], rand(8 * I, 1)), f32('R', [1, 8, 2], rand(16, 2)), i64('ax0', [0])], vi('x', [T, 'b', I]), vi('out', ['b', 2]));
    expect(() => fromOnnx(bytes)).toThrow(/node 'out' \(LeakyRelu\) is not an operator lstm-wasm reads; supported: LSTM, GRU/);
    const clipped = model([node('LSTM', ['x', 'W', 'R'], ['Y', 'out'], [aInt('hidden_size', 2), { name: 'clip', type: 1, f: 3 }])],
      [f32('W', [1, 8, I], rand(8 * I, 1)), f32('R', [1, 8, 2], rand(16, 2))], vi('x', [T, 'b', I]), vi('out', [1, 'b', 2]));
    expect(() => fromOnnx(clipped)).toThrow(/clip/);
    const withH0 = encode({ irVersion: 7, graph: { node: [node('RNN', ['x', 'W', 'R', '', '', 'h0'], ['Y', 'out'], [aInt('hidden_size', 2)])], initializer: [f32('W', [1, 2, I], rand(2 * I, 1)), f32('R', [1, 2, 2], rand(4, 2))], input: [vi('x', [T, 'b', I]), vi('h0', [1, 'b', 2])], output: [vi('out', [1, 'b', 2])] }, opsetImport: [{ domain: '', version: 14 }] }, P.Model);
    expect(() => fromOnnx(withH0)).toThrow(/2 inputs \(x, h0\)/);
  });
});

describe('protobuf', () => {
  const S: Schema = {
    name: 'Test',
    fields: {
      1: { name: 'a', type: 'int64' }, 2: { name: 'b', type: 'string' }, 3: { name: 'c', type: 'float', repeated: true, packed: true },
      4: { name: 'd', type: 'int64', repeated: true }, 5: { name: 'e', type: 'message', schema: () => S }, 6: { name: 'f', type: 'double' },
    },
  };
  it('round-trips varints (negative int64 too), strings, packed floats, nested messages', () => {
    const msg = { a: -9223372036854775808, b: 'héllo', c: [1.5, -2.25, 3], d: [0, 1, 127, 128, 300, -1, 2 ** 40, -(2 ** 40)], e: { a: 5, b: '', c: [], d: [] }, f: Math.PI };
    const bytes = encode(msg, S);
    const back = decode(bytes, S, 'test');
    expect(back.a).toBe(-9223372036854775808);
    expect(back.b).toBe('héllo');
    expect(back.c).toEqual([1.5, -2.25, 3]);
    expect(back.d).toEqual(msg.d);
    expect((back.e as Msg).a).toBe(5);
    expect(back.f).toBe(Math.PI);
    // -1 as int64 is ten bytes: ff ff ff ff ff ff ff ff ff 01
    expect(Array.from(encode({ a: -1 }, S))).toEqual([8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    // unpacked repeated numbers read the same as packed ones
    const unpacked = encode({ d: [3, 4] }, { name: 'U', fields: { 4: { name: 'd', type: 'int64', repeated: true } } });
    expect(decode(unpacked, { name: 'P', fields: { 4: { name: 'd', type: 'int64', repeated: true, packed: true } } }, 't').d).toEqual([3, 4]);
  });

  it('a model cut short is a clear error, wherever it is cut', () => {
    const bytes = new Uint8Array(readFileSync(`${BENCH}/lstm-S.onnx`));
    for (const cut of [1, 2, 10, 100, 1000, Math.floor(bytes.length / 2), bytes.length - 1]) {
      let err: unknown = null;
      try {
        fromOnnx(bytes.subarray(0, cut));
      } catch (e) {
        err = e;
      }
      expect(err, `cut at ${cut}`).toBeInstanceOf(LstmWasmError);
      expect((err as Error).message, `cut at ${cut}`).toMatch(/^fromOnnx: .*(cut short|no graph|damaged)/);
    }
    expect(() => fromOnnx(new Uint8Array(0))).toThrow(/empty/);
    expect(() => fromOnnx(new TextEncoder().encode('{"modelTopology": {}}'))).toThrow(LstmWasmError);
    expect(() => fromOnnx('model.onnx' as never)).toThrow(/expected the bytes of an \.onnx file/);
  });

  it('readOnnx gives the decoded ModelProto', () => {
    const m = readOnnx(readFileSync(`${BENCH}/lstm-S.onnx`));
    expect(m.producerName).toBe('pytorch');
    expect(m.opsetImport[0].version).toBe(14);
    const ops = ((m.graph as Msg).node as Msg[]).map((n) => n.opType);
    expect(ops).toContain('LSTM');
  });
});
