// The functional API as a Keras/TF.js user writes it: input/apply/model, several inputs and
// outputs, returnState and initialState, shared layers (within a model and across models, the
// Keras seq2seq inference pattern), deferred builds, saving graphs, and the errors for misuse.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Concatenate, Dense, Dropout, Embedding, GRU, LSTM, LstmWasmError, Sequential, input, loadModel, loadModelSync, model,
  type SymbolicTensor, type TensorData,
} from '../src/index.js';
import { initForTests, maxAbsDiff, randTensor } from './util/tfjs.js';

beforeAll(async () => { await initForTests(); });

const errorOf = (f: () => unknown): LstmWasmError => {
  try { f(); } catch (e) { if (e instanceof LstmWasmError) return e; throw e; }
  throw new Error('no error');
};
const ids = (shape: number[], vocab: number, seed: number): TensorData => {
  const t = randTensor(shape, seed);
  return { data: t.data.map((v) => Math.floor(((v + 1) / 2) * (vocab - 1)) + 1), shape };
};

function twoInputs(seed = 1) {
  const a = input({ shape: [6, 3], name: 'series' }), b = input({ shape: [4], name: 'static' });
  const h = new LSTM({ units: 5, name: 'enc' }).apply(a) as SymbolicTensor;
  const y = new Dense({ units: 2, name: 'out' }).apply(new Concatenate().apply([h, b]) as SymbolicTensor) as SymbolicTensor;
  return model({ inputs: [a, b], outputs: y, seed, name: 'two' });
}

describe('building and running graphs', () => {
  it('members as TF.js has them, and a summary with a "connected to" column', () => {
    const m = twoInputs();
    expect(m.inputNames).toEqual(['series', 'static']);
    expect(m.outputNames).toEqual(['out']);
    expect(m.inputs.map((t) => t.shape)).toEqual([[null, 6, 3], [null, 4]]);
    expect(m.layers.map((l) => l.className)).toEqual(['InputLayer', 'LSTM', 'InputLayer', 'Concatenate', 'Dense']); // Keras's order: by depth, then as met from the outputs
    expect(m.getLayer('enc').getWeights().map((w) => w.shape)).toEqual([[3, 20], [5, 20], [20]]);
    const lines: string[] = [];
    m.summary(undefined, (l) => lines.push(l));
    expect(lines.join('\n')).toMatch(/Connected to/);
    expect(lines.find((l) => l.startsWith('concatenate'))).toMatch(/\[null, 9\]\s+0\s+enc\[0\]\[0\], static\[0\]\[0\]/);
  });

  it('x as an array in input order or an object by name gives the same predictions', () => {
    const m = twoInputs();
    const xa = randTensor([7, 6, 3], 2), xb = randTensor([7, 4], 3);
    const p1 = m.predict([xa, xb]) as TensorData;
    const p2 = m.predict({ static: xb, series: xa }) as TensorData;
    expect(p1.shape).toEqual([7, 2]);
    expect(maxAbsDiff(p1.data, p2.data)).toBe(0);
  });

  it('a shared layer gives equal outputs for equal inputs, and its weights once', () => {
    const a = input({ shape: [5, 2] }), b = input({ shape: [5, 2] });
    const shared = new LSTM({ units: 3, name: 'shared' });
    const m = model({ inputs: [a, b], outputs: [shared.apply(a) as SymbolicTensor, shared.apply(b) as SymbolicTensor], seed: 2 });
    const x = randTensor([4, 5, 2], 5);
    const [p, q] = m.predict([x, x]) as TensorData[];
    expect(maxAbsDiff(p.data, q.data)).toBe(0);
    expect(m.getWeights()).toHaveLength(3);
    expect(m.outputNames).toEqual(['shared', 'shared_1']);
  });

  it('two outputs train with lossWeights and History uses Keras keys', async () => {
    const a = input({ shape: [5, 2] });
    const h = new LSTM({ units: 4 }).apply(a) as SymbolicTensor;
    const y1 = new Dense({ units: 1, name: 'level' }).apply(h) as SymbolicTensor;
    const y2 = new Dense({ units: 1, activation: 'sigmoid', name: 'up' }).apply(h) as SymbolicTensor;
    const m = model({ inputs: a, outputs: [y1, y2], seed: 3 });
    m.compile({ optimizer: 'adam', loss: { level: 'mse', up: 'binaryCrossentropy' }, lossWeights: [1, 0.5], metrics: { up: ['accuracy'] } });
    const x = randTensor([16, 5, 2], 1);
    const yl = randTensor([16, 1], 2), yu = { data: randTensor([16, 1], 3).data.map((v) => (v > 0 ? 1 : 0)), shape: [16, 1] };
    const h1 = await m.fit(x, [yl, yu], { epochs: 2, batchSize: 8, verbose: 0, validationSplit: 0.25 });
    expect(Object.keys(h1.history).sort()).toEqual(['level_loss', 'loss', 'up_accuracy', 'up_loss', 'val_level_loss', 'val_loss', 'val_up_accuracy', 'val_up_loss']);
    const e = m.evaluate(x, { level: yl, up: yu }) as number[];
    expect(e).toHaveLength(4);
    expect(e[0]).toBeCloseTo(e[1] + 0.5 * e[2], 5);
  });

  it("a call's training option is honoured: Dropout forced on in predict", () => {
    const a = input({ shape: [200] });
    const m = model({ inputs: a, outputs: new Dropout({ rate: 0.5 }).apply(a, { training: true }) as SymbolicTensor, seed: 4 });
    const x = { data: new Float32Array(200).fill(1), shape: [1, 200] };
    const p = (m.predict(x) as TensorData).data;
    const zeros = p.filter((v) => v === 0).length;
    expect(zeros).toBeGreaterThan(50);
    expect(zeros).toBeLessThan(150);
    const off = model({ inputs: a, outputs: new Dropout({ rate: 0.5 }).apply(a) as SymbolicTensor });
    expect(Array.from((off.predict(x) as TensorData).data).every((v) => v === 1)).toBe(true);
  });

  it('Sequential builds from the data when its first layer has no inputShape, or from build(shape)', async () => {
    const m = new Sequential({ seed: 5, layers: [new LSTM({ units: 3 }), new Dense({ units: 1 })] });
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    await m.fit(randTensor([4, 6, 2], 1), randTensor([4, 1], 2), { epochs: 1, verbose: 0 });
    expect(m.inputShape).toEqual([6, 2]);
    const n = new Sequential([new GRU({ units: 2 }), new Dense({ units: 1 })]);
    n.build([null, null, 3]);
    expect(n.predict(randTensor([2, 9, 3], 1)).shape).toEqual([2, 1]);
  });
});

describe('encoder-decoder (the Keras seq2seq pattern)', () => {
  it('the encoder and decoder-step models made from the trained layers agree with the training model', async () => {
    const V = 9, H = 6;
    const encIn = input({ shape: [null], name: 'enc_in' }), decIn = input({ shape: [null], name: 'dec_in' });
    const encEmb = new Embedding({ inputDim: V, outputDim: 4, maskZero: true });
    const [, h, c] = new LSTM({ units: H, returnState: true }).apply(encEmb.apply(encIn) as SymbolicTensor) as SymbolicTensor[];
    const decEmb = new Embedding({ inputDim: V, outputDim: 4 });
    const decLstm = new LSTM({ units: H, returnSequences: true, returnState: true });
    const [seq] = decLstm.apply(decEmb.apply(decIn) as SymbolicTensor, { initialState: [h, c] }) as SymbolicTensor[];
    const head = new Dense({ units: V, activation: 'softmax' });
    const train = model({ inputs: [encIn, decIn], outputs: head.apply(seq) as SymbolicTensor, seed: 6 });
    train.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const xe = ids([12, 5], V, 1), xd = ids([12, 4], V, 2), yd = ids([12, 4], V, 3);
    await train.fit([xe, xd], yd, { epochs: 2, batchSize: 4, verbose: 0 });

    const encoder = model({ inputs: encIn, outputs: [h, c] });
    const hIn = input({ shape: [H] }), cIn = input({ shape: [H] });
    const [s2, h2, c2] = decLstm.apply(decEmb.apply(decIn) as SymbolicTensor, { initialState: [hIn, cIn] }) as SymbolicTensor[];
    const step = model({ inputs: [decIn, hIn, cIn], outputs: [head.apply(s2) as SymbolicTensor, h2, c2] });
    // Decode the teacher-forced sequence one step at a time: the same probabilities as the training model.
    const full = train.predict([xe, xd]) as TensorData;
    let [hs, cs] = encoder.predict(xe) as TensorData[];
    let worst = 0;
    for (let t = 0; t < 4; t++) {
      const col = { data: Float32Array.from({ length: 12 }, (_, i) => xd.data[i * 4 + t]), shape: [12, 1] };
      const [p, hn, cn] = step.predict([col, hs, cs]) as TensorData[];
      for (let i = 0; i < 12; i++) for (let v = 0; v < V; v++) worst = Math.max(worst, Math.abs(p.data[i * V + v] - full.data[(i * 4 + t) * V + v]));
      hs = hn; cs = cn;
    }
    expect(worst).toBeLessThan(1e-5);
    // The models share one memory: disposing two of them leaves the third working.
    encoder.dispose();
    step.dispose();
    expect((train.predict([xe, xd]) as TensorData).data).toEqual(full.data);
  });
});

describe('saving graphs', () => {
  it('a graph round-trips bit for bit, compile config included', async () => {
    const m = twoInputs(7);
    m.compile({ optimizer: 'adam', loss: 'mse', metrics: ['mae'] });
    const xa = randTensor([5, 6, 3], 2), xb = randTensor([5, 4], 3);
    await m.fit([xa, xb], randTensor([5, 2], 4), { epochs: 1, verbose: 0 });
    const again = await loadModel(m.save());
    expect(again.inputNames).toEqual(['series', 'static']);
    expect(Array.from((again.predict([xa, xb]) as TensorData).data)).toEqual(Array.from((m.predict([xa, xb]) as TensorData).data));
    expect(again.evaluate([xa, xb], randTensor([5, 2], 4))).toEqual(m.evaluate([xa, xb], randTensor([5, 2], 4)));
  });

  it('a file saved by the previous version (format 1) still loads and predicts the same', () => {
    const dir = join(__dirname, 'fixtures');
    const fx = JSON.parse(readFileSync(join(dir, 'v1-sequential.json'), 'utf8')) as { x: number[][]; predict: number[]; shape: number[] };
    const m = loadModelSync(readFileSync(join(dir, 'v1-sequential.lstmwasm')));
    expect(m).toBeInstanceOf(Sequential);
    const p = m.predict(fx.x) as TensorData;
    expect(p.shape).toEqual(fx.shape);
    expect(maxAbsDiff(p.data, fx.predict)).toBeLessThan(1e-6);
  });
});

describe('misuse gets a clear error naming the layer or argument', () => {
  it('returnState in a Sequential model points to the functional API', () => {
    expect(errorOf(() => new Sequential([new LSTM({ name: 'rs', units: 2, returnState: true, inputShape: [3, 2] })])).message)
      .toMatch(/LSTM 'rs' gives 3 outputs \(returnState: true\), but every layer of a Sequential model must give one; use the functional API/);
  });

  it('initialState of the wrong count or shape', () => {
    const x = input({ shape: [4, 2] }), h = input({ shape: [3] }), wrong = input({ shape: [5] });
    expect(errorOf(() => new LSTM({ name: 'dec', units: 3 }).apply(x, { initialState: [h] })).message).toMatch(/LSTM 'dec': initialState must hold 2 tensors \(h, c\), got 1/);
    expect(errorOf(() => new GRU({ name: 'g', units: 3 }).apply(x, { initialState: [wrong] })).message).toMatch(/GRU 'g': initialState\[0\] \(h\) must have shape \[null, 3\], got \[null, 5\]/);
  });

  it('an output not reachable from the inputs', () => {
    const a = input({ shape: [3], name: 'a' }), b = input({ shape: [3], name: 'b' });
    const y = new Dense({ units: 1 }).apply(new Concatenate().apply([a, b]) as SymbolicTensor) as SymbolicTensor;
    expect(errorOf(() => model({ inputs: a, outputs: y })).message).toMatch(/outputs\[0\] .* is not reachable from the inputs: it needs InputLayer 'b'/);
  });

  it('a wrong number of inputs, and a name no input has', () => {
    const m = twoInputs();
    expect(errorOf(() => m.predict(randTensor([2, 6, 3], 1))).message).toMatch(/the model has 2 inputs \('series', 'static'\); give an array of 2 tensors/);
    expect(errorOf(() => m.predict([randTensor([2, 6, 3], 1)] as never)).message).toMatch(/expected 2 inputs \('series', 'static'\), got 1/);
    expect(errorOf(() => m.predict({ series: randTensor([2, 6, 3], 1), statik: randTensor([2, 4], 1) } as never)).message).toMatch(/'statik' is not the name of an input of the model; its inputs are 'series', 'static'/);
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    expect(errorOf(() => m.trainOnBatch([randTensor([2, 6, 3], 1), randTensor([2, 4], 1)], { outt: randTensor([2, 2], 1) } as never)).message).toMatch(/'outt' is not the name of an output/);
    expect(errorOf(() => m.compile({ optimizer: 'sgd', loss: { nope: 'mse' } })).message).toMatch(/option 'loss' names 'nope', which is not an output of the model/);
  });

  it('apply on a shape the layer cannot take, and on another shape than it was built for', () => {
    expect(errorOf(() => new LSTM({ name: 'l', units: 2 }).apply(input({ shape: [3] }))).message).toMatch(/LSTM 'l': expected input of shape \[batch, steps, features\] \(rank 3\), got \[null, 3\]/);
    const d = new Dense({ name: 'dd', units: 2 });
    d.apply(input({ shape: [3] }));
    expect(errorOf(() => d.apply(input({ shape: [4] }))).message).toMatch(/Dense 'dd'\.apply: the layer was built for input \[null, 3\], but is now applied to \[null, 4\]/);
    expect(errorOf(() => new Concatenate({ name: 'cc' }).apply([input({ shape: [2, 3] }), input({ shape: [4, 3] })])).message).toMatch(/Concatenate 'cc': inputs must match except along axis -1/);
    expect(errorOf(() => new Dense({ units: 1 }).apply([1, 2] as never)).message).toMatch(/must be a symbolic tensor from input/);
  });
});
