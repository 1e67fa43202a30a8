// quantize(): int8 Dense and LSTM against the float model they came from (within 1e-2 on small
// models and on the bench's S and M shapes) and against a float64 reference of the quantized
// computation (test/reference/int8.ts); the copy's topology, masks, stateful step, evaluate,
// save/load; what it refuses.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Dense, Dropout, GRU, LSTM, SimpleRNN, LstmWasmError, Masking, QuantizedModel, Sequential, input, loadModelSync, model, quantize, toLayersModel, toOnnx,
  type Tensor,
} from '../src/index.js';
import { initForTests, maxAbsDiff, randTensor } from './util/tfjs.js';
import { crc32 } from '../src/io/crc32.js';
import { denseQ8, dequant, intGemm, lstmQ8, quantizeCols, quantizeRows } from './reference/int8.js';

beforeAll(async () => { await initForTests(); });

const data = (t: Tensor | Tensor[]) => (t as Tensor).data;

function sModel(I: number, H: number, T: number, seed: number): Sequential {
  return new Sequential({ seed, layers: [new LSTM({ units: H, inputShape: [T, I] }), new Dense({ units: 1 })] });
}

describe('quantize: LSTM + Dense', () => {
  it('S model (B 32, T 50, I 1, H 32): within 1e-2 of f32, and equal to the float64 reference of the int8 computation', () => {
    const [B, T, I, H] = [32, 50, 1, 32];
    const m = sModel(I, H, T, 7);
    const x = randTensor([B, T, I], 1);
    const q = quantize(m, { weights: 'int8', activations: 'dynamic' });
    expect(q).toBeInstanceOf(QuantizedModel);
    const yf = data(m.predict(x)), yq = data(q.predict(x));
    expect(maxAbsDiff(yq, yf)).toBeLessThan(1e-2);
    // reference: the LSTM's last h, then the quantized Dense
    const [W, U, b] = m.layers[0].getWeights().map((w) => w.data);
    const [Wd, bd] = m.layers[1].getWeights().map((w) => w.data);
    const { hseq } = lstmQ8(B, T, I, H, x.data, W, U, b);
    const hT = new Float64Array(B * H);
    for (let s = 0; s < B; s++) for (let j = 0; j < H; j++) hT[s * H + j] = hseq[(s * T + T - 1) * H + j];
    const ref = denseQ8(B, 1, H, hT, Wd, bd);
    expect(maxAbsDiff(yq, ref)).toBeLessThan(2e-3);
    // weights are int8 values with one scale per output column
    const qw = q.layers.find((l) => l.className === 'QuantizedLSTM')!.getWeights();
    const [kq, ks] = [qw[0], qw[3]];
    expect(kq.data.every((v) => Number.isInteger(v) && Math.abs(v) <= 127)).toBe(true);
    expect(ks.shape).toEqual([4 * H]);
    expect(q.layers.filter((l) => l.className !== 'InputLayer').map((l) => l.className)).toEqual(['QuantizedLSTM', 'QuantizedDense']);
    // the float model is untouched
    expect(Array.from(data(m.predict(x)))).toEqual(Array.from(yf));
  });

  it('M model (B 32, T 50, I 64, H 128): within 1e-2 of f32', () => {
    const m = sModel(64, 128, 50, 3);
    const x = randTensor([32, 50, 64], 2);
    const q = quantize(m);
    const d = maxAbsDiff(data(q.predict(x)), data(m.predict(x)));
    expect(d).toBeLessThan(1e-2);
    m.dispose(); q.dispose();
  });

  it('a functional model with masking, dropout, returnSequences and a softmax Dense over steps; evaluate works, training is refused', () => {
    const inp = input({ shape: [6, 3] });
    let h = new Masking({ maskValue: 0 }).apply(inp) as never;
    h = new LSTM({ units: 9, returnSequences: true, goBackwards: true }).apply(h) as never;
    h = new Dropout({ rate: 0.3 }).apply(h) as never;
    const out = new Dense({ units: 4, activation: 'softmax' }).apply(h);
    const m = model({ inputs: inp, outputs: out as never, seed: 5 });
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const x = randTensor([5, 6, 3], 4);
    for (let t = 4; t < 6; t++) for (let f = 0; f < 3; f++) x.data[(1 * 6 + t) * 3 + f] = 0; // sample 1 ends early
    const y = randTensor([5, 6, 4], 9);
    const q = quantize(m);
    const yq = q.predict(x) as Tensor;
    expect(yq.shape).toEqual([5, 6, 4]);
    expect(maxAbsDiff(yq.data, data(m.predict(x)))).toBeLessThan(1e-2);
    const ef = m.evaluate(x, y) as number[], eq = q.evaluate(x, y) as number[];
    expect(Math.abs(eq[0] - ef[0])).toBeLessThan(2e-2);
    expect(() => q.compile({ optimizer: 'sgd', loss: 'meanSquaredError' })).toThrow(/quantize\(\).*compile the float model/);
    expect(() => q.trainOnBatch(x, y)).toThrow(/train the float model/);
    return expect(q.fit(x, y)).rejects.toThrow(/train the float model/);
  });

  it('GRU (resetAfter): int8, within 1e-2 of f32; a GRU with resetAfter: false stays f32', () => {
    for (const [make, cls] of [
      [() => new GRU({ units: 20, inputShape: [12, 5], returnSequences: true }), 'QuantizedGRU'],
      [() => new GRU({ units: 7, inputShape: [12, 5], goBackwards: true }), 'QuantizedGRU'],
      [() => new GRU({ units: 6, inputShape: [12, 5], resetAfter: false }), 'GRU'],
    ] as const) {
      const m = new Sequential({ seed: 3, layers: [make(), new Dense({ units: 3 })] });
      const q = quantize(m);
      expect(q.layers.map((l) => l.className)).toContain(cls);
      const x = randTensor([6, 12, 5], 12);
      expect(maxAbsDiff(data(q.predict(x)), data(m.predict(x)))).toBeLessThan(1e-2);
    }
    // bench-sized GRU
    const g = new Sequential({ seed: 8, layers: [new GRU({ units: 128, inputShape: [50, 64] }), new Dense({ units: 1 })] });
    const x = randTensor([32, 50, 64], 13);
    expect(maxAbsDiff(data(quantize(g).predict(x)), data(g.predict(x)))).toBeLessThan(1e-2);
  });

  it('SimpleRNN: equal to the float64 reference of the int8 computation; near f32 (no gates damp its error)', () => {
    const [B, T, I, H] = [6, 12, 5, 19];
    const m = new Sequential({ seed: 3, layers: [new SimpleRNN({ units: H, inputShape: [T, I] })] });
    const q = quantize(m);
    expect(q.layers.map((l) => l.className)).toContain('QuantizedSimpleRNN');
    const x = randTensor([B, T, I], 12);
    const yq = data(q.predict(x));
    const [W, U, bias] = m.layers[0].getWeights().map((w) => w.data);
    const wq = quantizeCols(I, H, W), uq = quantizeCols(H, H, U), xq = quantizeRows(B * T, I, x.data);
    const XW = dequant(B * T, H, intGemm(B * T, H, I, xq.q, wq.q), xq.scale, wq.scale, null, null);
    let h = new Float64Array(B * H);
    for (let t = 0; t < T; t++) {
      const rows = new Float64Array(B * H);
      for (let s = 0; s < B; s++) for (let j = 0; j < H; j++) rows[s * H + j] = XW[(s * T + t) * H + j];
      const hq = quantizeRows(B, H, h);
      h = dequant(B, H, intGemm(B, H, H, hq.q, uq.q), hq.scale, uq.scale, null, rows).map((z, i) => Math.tanh(z + bias[i % H]));
    }
    expect(maxAbsDiff(yq, h)).toBeLessThan(1e-4);
    // a plain tanh recurrence with an orthogonal U carries each step's rounding on: about 0.016 here
    expect(maxAbsDiff(yq, data(m.predict(x)))).toBeLessThan(3e-2);
  });

  it('peepholes, initialState and returnState (an encoder-decoder graph) follow the float model', () => {
    const enc = input({ shape: [7, 3] }), dec = input({ shape: [4, 2] });
    const [, h, c] = new LSTM({ units: 10, returnState: true, peephole: true }).apply(enc) as never[];
    const seq = new LSTM({ units: 10, returnSequences: true }).apply(dec, { initialState: [h, c] });
    const out = new Dense({ units: 2, activation: 'tanh' }).apply(seq as never);
    const m = model({ inputs: [enc, dec], outputs: out as never, seed: 21 });
    // peepholes start at zero: give them values so they matter
    const pl = m.layers.find((l) => l.className === 'LSTM' && l.getWeights().length === 4)!;
    const w = pl.getWeights();
    w[3] = { data: randTensor([30], 5, 0.5).data, shape: [30] } as never;
    pl.setWeights(w);
    const q = quantize(m);
    const xs = [randTensor([3, 7, 3], 31), randTensor([3, 4, 2], 32)];
    expect(maxAbsDiff(data(q.predict(xs)), data(m.predict(xs)))).toBeLessThan(1e-2);
  });

  it('stateful step() on the quantized model follows the float one', () => {
    const m = new Sequential({ seed: 2, layers: [new LSTM({ units: 16, stateful: true, batchInputShape: [2, null, 3] }), new Dense({ units: 2 })] });
    const q = quantize(m);
    let worst = 0;
    for (let s = 0; s < 20; s++) {
      const xt = randTensor([2, 3], 100 + s);
      worst = Math.max(worst, maxAbsDiff(q.step(xt).data, m.step(xt).data));
    }
    expect(worst).toBeLessThan(1e-2);
  });

  it('save stores the int8 kernels as bytes (at most 30% of the f32 file); loadModel gives the same int8 model back', () => {
    const m = sModel(2, 8, 5, 11);
    const q = quantize(m);
    const x = randTensor([3, 5, 2], 6);
    const back = loadModelSync(q.save());
    expect(Array.from(data(back.predict(x)))).toEqual(Array.from(data(q.predict(x))));
    const big = sModel(64, 128, 50, 2);
    const f32 = big.save().length, i8 = quantize(big).save().length;
    expect(i8).toBeLessThan(0.3 * f32);
    // float16 for what is not int8: smaller still, and it loads back to the same int8 kernels
    const i8f16 = quantize(big).save({ weights: 'float16' });
    expect(i8f16.length).toBeLessThan(i8);
    const q16 = loadModelSync(q.save({ weights: 'float16' }));
    expect(Array.from(q16.layers[1].getWeights()[0].data)).toEqual(Array.from(q.layers[1].getWeights()[0].data));
    expect(maxAbsDiff(data(q16.predict(x)), data(q.predict(x)))).toBeLessThan(1e-2);
    // a damaged int8 file: its weight list no longer matches its bytes
    const bytes = q.save();
    const n = new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true);
    expect(() => loadModelSync(bytes.subarray(0, bytes.length - 1))).toThrow(/loadModel: .*cut short|loadModel: .*damaged/);
    // a header whose int8 mark was dropped from a kernel (checksums fixed, as a foreign writer would)
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(20, 20 + n)));
    const k = header.weightSpecs.findIndex((sp: { dtype?: string }) => sp.dtype === 'int8');
    expect(k).toBeGreaterThanOrEqual(0);
    delete header.weightSpecs[k].dtype;
    header.weightSpecs[k + 1 < header.weightSpecs.length ? k + 1 : 0].dtype = 'int8';
    const json = new TextEncoder().encode(JSON.stringify(header));
    const out = new Uint8Array(20 + json.length + bytes.length - 20 - n);
    out.set(bytes.subarray(0, 20));
    out.set(json, 20);
    out.set(bytes.subarray(20 + n), 20 + json.length);
    const dv = new DataView(out.buffer);
    dv.setUint32(12, json.length, true);
    dv.setUint32(16, crc32(json), true);
    expect(() => loadModelSync(out)).toThrow(/loadModel: the weight list needs \d+ bytes, the file has \d+: the data is damaged/);
  });

  it('clear errors: no weights yet, non-finite weights, bad options, already quantized', () => {
    const unbuilt = new Sequential({ layers: [new LSTM({ units: 4 }), new Dense({ units: 1 })] });
    expect(() => quantize(unbuilt)).toThrow(LstmWasmError);
    expect(() => quantize(unbuilt)).toThrow(/LSTM '.*' has no weights yet/);
    const m = sModel(1, 4, 3, 1);
    expect(() => quantize(m, { weights: 'int4' as never })).toThrow(/'weights' must be 'int8'/);
    expect(() => quantize(m, { activations: 'static' as never })).toThrow(/'activations' must be 'dynamic'/);
    expect(() => quantize(m, { bits: 8 } as never)).toThrow(LstmWasmError);
    expect(() => quantize(quantize(m))).toThrow(/already quantized/);
    const ws = m.layers[1].getWeights();
    const bad = Float32Array.from(ws[0].data);
    bad[2] = NaN;
    // setWeights refuses NaN, so write it the way a damaged computation would: through memory.
    const slot = m.layers[1].slots[0];
    m.layers[1].store!.arena.write(slot.ptr, bad);
    expect(() => quantize(m)).toThrow(/quantize: Dense '.*' kernel: values must be finite/);
  });

  it('the TF.js writer refuses a quantized model (its format has no int8 kernels), naming the layer; toOnnx writes one (test/io-onnx-int8.test.ts)', () => {
    const q = quantize(sModel(1, 4, 3, 1));
    expect(() => toLayersModel(q)).toThrow(/toLayersModel: Quantized\w+ '.*' holds int8 weights, which this format cannot carry/);
    expect(toOnnx(q)).toBeInstanceOf(Uint8Array);
  });
});
