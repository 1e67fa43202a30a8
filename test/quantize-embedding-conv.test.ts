// quantize() on Embedding (int8 table, one scale per token) and Conv1D (int8 kernel, one scale per
// filter): against a float64 reference of the quantized arithmetic (test/reference/int8.ts, an
// im2col written here) on odd shapes and every padding, against the float model (within 1e-2),
// masks from maskZero, save/load, and the layers' refusal to train.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Conv1D, Dense, Embedding, GlobalAveragePooling1D, LSTM, QuantizedConv1D, QuantizedEmbedding, Sequential, loadModelSync, quantize,
  type Tensor,
} from '../src/index.js';
import { initForTests, maxAbsDiff, randTensor } from './util/tfjs.js';
import { denseQ8, quantizeRows } from './reference/int8.js';

beforeAll(async () => { await initForTests(); });

const data = (t: Tensor | Tensor[]) => (t as Tensor).data;

function ids(B: number, T: number, V: number, seed: number): Tensor {
  let s = seed;
  const d = Float32Array.from({ length: B * T }, () => ((s = (s * 1103515245 + 12345) >>> 0) % V));
  return { data: d, shape: [B, T] } as Tensor;
}

describe('quantize: Embedding', () => {
  it('the int8 table with one scale per token equals the float64 reference, and stays near the float table', () => {
    const [V, D, B, T] = [13, 7, 3, 5];
    const m = new Sequential({ seed: 2, layers: [new Embedding({ inputDim: V, outputDim: D, inputShape: [T] })] });
    const q = quantize(m);
    const qe = q.layers.find((l) => l.className === 'QuantizedEmbedding')!;
    expect(qe).toBeInstanceOf(QuantizedEmbedding);
    const table = m.layers[0].getWeights()[0].data;
    const ref = quantizeRows(V, D, table, 127);
    const [qt, qs] = qe.getWeights();
    expect(Array.from(qt.data)).toEqual(Array.from(ref.q));
    qs.data.forEach((v, i) => expect(v).toBeCloseTo(ref.scale[i], 7));
    const x = ids(B, T, V, 4);
    const y = data(q.predict(x));
    for (let r = 0; r < B * T; r++) {
      const id = x.data[r];
      for (let d = 0; d < D; d++) {
        expect(Math.abs(y[r * D + d] - ref.q[id * D + d] * ref.scale[id])).toBeLessThan(1e-6);
        expect(Math.abs(y[r * D + d] - table[id * D + d])).toBeLessThanOrEqual(ref.scale[id] / 2 + 1e-7);
      }
    }
    // bad ids are still refused, naming the layer
    expect(() => q.predict({ data: Float32Array.from([0, 1, 2, 3, V]), shape: [1, 5] })).toThrow(/token ids must be integers in \[0, 12\]/);
  });

  it('Embedding(maskZero) → LSTM → Dense: int8 within 1e-2 of f32, the mask still skips padding; saves and loads', () => {
    const [V, T] = [20, 9];
    const m = new Sequential({ seed: 5, layers: [new Embedding({ inputDim: V, outputDim: 6, inputShape: [T], maskZero: true }), new LSTM({ units: 11 }), new Dense({ units: 3 })] });
    const q = quantize(m);
    expect(q.layers.map((l) => l.className).filter((n) => n !== 'InputLayer')).toEqual(['QuantizedEmbedding', 'QuantizedLSTM', 'QuantizedDense']);
    const x = ids(8, T, V, 9);
    for (let b = 0; b < 8; b++) for (let t = 0; t < b % 4; t++) x.data[b * T + t] = 0; // left padding
    expect(maxAbsDiff(data(q.predict(x)), data(m.predict(x)))).toBeLessThan(1e-2);
    // masked steps carry the state: the same tokens with the zeros in front or in between give the same output
    const t = [3, 7, 1, 19, 4, 4, 12];
    const front = { data: Float32Array.from([0, 0, ...t]), shape: [1, T] } as Tensor;
    const between = { data: Float32Array.from([t[0], 0, 0, ...t.slice(1)]), shape: [1, T] } as Tensor;
    expect(maxAbsDiff(data(q.predict(front)), data(q.predict(between)))).toBeLessThan(1e-6);
    const bytes = q.save();
    const back = loadModelSync(bytes);
    expect(Array.from(data(back.predict(x)))).toEqual(Array.from(data(q.predict(x))));
    const weightBytes = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b.subarray(20, 20 + new DataView(b.buffer, b.byteOffset).getUint32(12, true)))).weightBytes as number;
    // int8 table and kernels; the f32 scales and biases remain
    expect(weightBytes(bytes)).toBeLessThan(weightBytes(m.save()) * 0.45);
    expect(JSON.parse(new TextDecoder().decode(bytes.subarray(20, 20 + new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true)))).weightSpecs[0]).toMatchObject({ name: 'embeddings', dtype: 'int8' });
  });
});

/** im2col in float64, independent of the kernels: rows (b, t) of K·C taps, zero outside the sequence. */
function im2col(x: Float32Array, B: number, T: number, C: number, K: number, s: number, d: number, padL: number, To: number): Float64Array {
  const cols = new Float64Array(B * To * K * C);
  for (let b = 0; b < B; b++)
    for (let t = 0; t < To; t++)
      for (let k = 0; k < K; k++) {
        const src = t * s + k * d - padL;
        for (let c = 0; c < C; c++) cols[((b * To + t) * K + k) * C + c] = src >= 0 && src < T ? x[(b * T + src) * C + c] : 0;
      }
  return cols;
}

describe('quantize: Conv1D', () => {
  const cases = [
    { padding: 'valid', K: 3, s: 1, d: 1 },
    { padding: 'same', K: 4, s: 2, d: 1 },
    { padding: 'causal', K: 3, s: 1, d: 2 },
    { padding: 'same', K: 1, s: 1, d: 1 },
  ] as const;
  for (const c of cases)
    it(`padding ${c.padding}, kernel ${c.K}, stride ${c.s}, dilation ${c.d} (B 3, T 11, C 5, F 7): the float64 reference of the int8 arithmetic, and f32 within 2e-2`, () => {
      const [B, T, C, F] = [3, 11, 5, 7];
      const m = new Sequential({ seed: 3, layers: [new Conv1D({ filters: F, kernelSize: c.K, strides: c.s, dilationRate: c.d, padding: c.padding, activation: 'relu', inputShape: [T, C] })] });
      const w = m.layers[0].getWeights();
      const bias = Float32Array.from({ length: F }, (_, i) => 0.05 * (i - 3));
      m.layers[0].setWeights([w[0], { data: bias, shape: [F] }]);
      const q = quantize(m);
      expect(q.layers[q.layers.length - 1]).toBeInstanceOf(QuantizedConv1D);
      const x = randTensor([B, T, C], 7);
      const yq = data(q.predict(x)), yf = data(m.predict(x));
      // 7-bit activations: each of the K·C = up to 20 inputs is off by at most max|x|/126
      expect(maxAbsDiff(yq, yf)).toBeLessThan(2e-2);
      const span = (c.K - 1) * c.d + 1;
      const To = c.padding === 'valid' ? Math.floor((T - span) / c.s) + 1 : c.padding === 'causal' ? Math.floor((T - 1) / c.s) + 1 : Math.ceil(T / c.s);
      const padL = c.padding === 'valid' ? 0 : c.padding === 'causal' ? span - 1 : Math.floor(Math.max((To - 1) * c.s + span - T, 0) / 2);
      expect(yq.length).toBe(B * To * F);
      const cols = im2col(x.data, B, T, C, c.K, c.s, c.d, padL, To);
      const ref = denseQ8(B * To, F, c.K * C, cols, w[0].data, bias).map((v) => Math.max(0, v));
      expect(maxAbsDiff(yq, ref)).toBeLessThan(1e-5);
    });

  it('Conv1D → LSTM → Dense (softmax): int8 within 1e-2, evaluate and save/load; training is refused', () => {
    const m = new Sequential({ seed: 8, layers: [new Conv1D({ filters: 6, kernelSize: 3, padding: 'same', inputShape: [13, 3] }), new LSTM({ units: 5 }), new Dense({ units: 4, activation: 'softmax' })] });
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    const q = quantize(m);
    const x = randTensor([6, 13, 3], 1);
    expect(maxAbsDiff(data(q.predict(x)), data(m.predict(x)))).toBeLessThan(1e-2);
    const y = { data: new Float32Array(24).map((_, i) => (i % 4 === 1 ? 1 : 0)), shape: [6, 4] };
    expect(Math.abs((q.evaluate(x, y) as number) - (m.evaluate(x, y) as number))).toBeLessThan(1e-2);
    const back = loadModelSync(q.save());
    expect(Array.from(data(back.predict(x)))).toEqual(Array.from(data(q.predict(x))));
    expect(() => q.trainOnBatch(x, y)).toThrow(/runs inference only/);
    // a GlobalAveragePooling head over a quantized Conv1D works too
    const g = new Sequential({ seed: 1, layers: [new Conv1D({ filters: 9, kernelSize: 2, inputShape: [8, 2] }), new GlobalAveragePooling1D(), new Dense({ units: 1 })] });
    const gx = randTensor([2, 8, 2], 3);
    expect(maxAbsDiff(data(quantize(g).predict(gx)), data(g.predict(gx)))).toBeLessThan(1e-2);
  });
});
