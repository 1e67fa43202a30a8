// The public API end to end: shapes, weights in the Keras layout, save/load, stateful streaming,
// determinism, training behaviour (callbacks, clipping, NaN guard) and every bad-input error.
import { describe, expect, it } from 'vitest';
import {
  Bidirectional, Dense, Dropout, EarlyStopping, Embedding, GRU, LSTM, LstmWasmError, Masking, Sequential, SimpleRNN,
  TerminateOnNaN, init, loadModel, runtimeInfo, type TensorData,
} from '../src/index.js';
import { rng } from './util/kernels.js';

function randTensor(shape: number[], seed: number, scale = 1): TensorData {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = (r() * 2 - 1) * scale;
  return { data, shape };
}

function lstmModel(seed = 1, extra: Partial<ConstructorParameters<typeof LSTM>[0]> = {}) {
  return new Sequential({ seed, layers: [new LSTM({ units: 6, inputShape: [5, 3], ...extra }), new Dense({ units: 2 })] });
}

describe('init', () => {
  it('reports the build it chose', async () => {
    const info = await init();
    expect(['simd', 'relaxed-simd']).toContain(info.build);
    // runtimeInfo() adds the pool's live figures (workersStarted, workerCalls) to what init() said.
    expect(runtimeInfo()).toMatchObject(info);
    expect(info.threads).toBeGreaterThanOrEqual(1);
    expect(info.threadsReason).toMatch(new RegExp(`^${info.threads}: `));
  });
});

describe('shapes and weights', () => {
  it('predict gives [n, units] or [n, T, units] with returnSequences, and Dense applies per step', () => {
    const m1 = lstmModel();
    expect((m1.predict(randTensor([4, 5, 3], 2)) as TensorData).shape).toEqual([4, 2]);
    const m2 = new Sequential([new LSTM({ units: 6, inputShape: [5, 3], returnSequences: true }), new Dense({ units: 2 })]);
    const y = m2.predict(randTensor([3, 5, 3], 3));
    expect(y.shape).toEqual([3, 5, 2]);
    expect(y.data.every(Number.isFinite)).toBe(true);
  });

  it('inputShape [null, features] takes sequences of any length', () => {
    const m = new Sequential({ seed: 2, layers: [new LSTM({ units: 4, inputShape: [null, 3] }), new Dense({ units: 1 })] });
    expect((m.predict(randTensor([2, 5, 3], 1)) as TensorData).shape).toEqual([2, 1]);
    expect((m.predict(randTensor([3, 9, 3], 1)) as TensorData).shape).toEqual([3, 1]);
    expect(() => new Sequential([new LSTM({ units: 4, inputShape: [5, null] })]).predict(randTensor([1, 5, 2], 1))).toThrow(/number of features.*must be known/);
  });

  it('getWeights uses the Keras layout, with the forget-gate bias at 1 (unitForgetBias)', () => {
    const m = lstmModel();
    const [W, U, b] = m.layers[0].getWeights();
    expect(W.shape).toEqual([3, 24]);
    expect(U.shape).toEqual([6, 24]);
    expect(b.shape).toEqual([24]);
    expect(Array.from(b.data)).toEqual([...Array(6).fill(0), ...Array(6).fill(1), ...Array(12).fill(0)]);
    // orthogonal recurrent kernel: U Uᵀ = I (rows of a 6×24 matrix are orthonormal)
    for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) {
      let s = 0;
      for (let k = 0; k < 24; k++) s += U.data[i * 24 + k] * U.data[j * 24 + k];
      expect(Math.abs(s - (i === j ? 1 : 0))).toBeLessThan(1e-5);
    }
  });

  it('summary counts parameters as Keras does', () => {
    const m = new Sequential([new LSTM({ units: 32, inputShape: [50, 1] }), new Dense({ units: 1 })]);
    const lines: string[] = [];
    m.summary(65, (l) => lines.push(l));
    const text = lines.join('\n');
    // LSTM: 4·H·(I + H + 1) = 4·32·34; Dense: 32 + 1
    expect(text).toContain(String(4 * 32 * 34));
    expect(text).toMatch(/Total params: 4,385/);
    expect(m.countParams()).toBe(4385);
    const g = new Sequential([new GRU({ units: 8, inputShape: [4, 3] })]);
    expect(g.countParams()).toBe(3 * 8 * (3 + 8) + 2 * 3 * 8); // resetAfter: bias [2, 3H]
    const s = new Sequential([new SimpleRNN({ units: 8, inputShape: [4, 3] })]);
    expect(s.countParams()).toBe(8 * (3 + 8 + 1));
    const p = new Sequential([new LSTM({ units: 8, inputShape: [4, 3], peephole: true })]);
    expect(p.countParams()).toBe(4 * 8 * (3 + 8 + 1) + 3 * 8);
  });

  it('setWeights changes predictions; a wrong shape is an error that changes nothing', () => {
    const m = lstmModel();
    const x = randTensor([2, 5, 3], 4);
    const before = (m.predict(x) as TensorData).data;
    const ws = m.layers[1].getWeights();
    expect(() => m.layers[1].setWeights([ws[0], { data: new Float32Array(3), shape: [3] }])).toThrow(/Dense 'dense(_\d+)?'.*weights\[1\] \(bias\) must have shape \[2\], got \[3\]/);
    expect((m.predict(x) as TensorData).data).toEqual(before);
    m.layers[1].setWeights([ws[0], { data: new Float32Array([5, -5]), shape: [2] }]);
    const after = (m.predict(x) as TensorData).data;
    expect(after[0] - before[0]).toBeCloseTo(5, 4);
    expect(after[1] - before[1]).toBeCloseTo(-5, 4);
  });
});

describe('packed weights are never stale', () => {
  it('predict after trainOnBatch and after setWeights uses the new weights (same plan, same scratch)', () => {
    for (const layer of [() => new LSTM({ units: 6, inputShape: [5, 3] }), () => new GRU({ units: 6, inputShape: [5, 3] }), () => new SimpleRNN({ units: 6, inputShape: [5, 3] })]) {
      const m = new Sequential({ seed: 8, layers: [layer(), new Dense({ units: 2 })] });
      m.compile({ optimizer: { name: 'sgd', learningRate: 0.5 }, loss: 'mse' });
      const x = randTensor([2, 5, 3], 1), y = randTensor([2, 2], 2);
      m.predict(x);
      m.predict(x); // the second call runs with the weights already packed
      m.trainOnBatch(x, y);
      const fresh = new Sequential({ layers: [layer(), new Dense({ units: 2 })] });
      fresh.setWeights(m.getWeights());
      expect((m.predict(x) as TensorData).data).toEqual((fresh.predict(x) as TensorData).data);
      const ws: TensorData[] = m.layers[0].getWeights();
      ws[1] = { data: ws[1].data.map((v) => -v), shape: ws[1].shape };
      m.layers[0].setWeights(ws);
      fresh.layers[0].setWeights(ws);
      expect((m.predict(x) as TensorData).data).toEqual((fresh.predict(x) as TensorData).data);
    }
  });
});

describe('save and load', () => {
  const builders: [string, () => Sequential, number[]][] = [
    ['LSTM', () => lstmModel(3, { peephole: true }), [2, 5, 3]],
    ['GRU', () => new Sequential({ seed: 4, layers: [new GRU({ units: 5, inputShape: [6, 2], returnSequences: true }), new GRU({ units: 3, resetAfter: false }), new Dense({ units: 2, activation: 'softmax' })] }), [3, 6, 2]],
    ['SimpleRNN', () => new Sequential({ seed: 5, layers: [new Masking({ inputShape: [4, 3] }), new SimpleRNN({ units: 7 }), new Dropout({ rate: 0.3 }), new Dense({ units: 1, activation: 'sigmoid' })] }), [2, 4, 3]],
    ['Embedding+Bidirectional', () => new Sequential({ seed: 6, layers: [new Embedding({ inputDim: 10, outputDim: 4, inputShape: [7], maskZero: true }), new Bidirectional({ layer: new LSTM({ units: 3 }), mergeMode: 'ave' }), new Dense({ units: 1 })] }), [2, 7]],
  ];
  for (const [name, build, shape] of builders) {
    it(`round-trips ${name} bit for bit`, async () => {
      const m = build();
      const x = name.startsWith('Embedding') ? { data: Float32Array.from({ length: 14 }, (_, i) => i % 10), shape } : randTensor(shape, 9);
      const y1 = m.predict(x);
      const bytes = m.save();
      const m2 = await loadModel(bytes);
      expect((m2.predict(x) as TensorData).data).toEqual(y1.data);
      expect(m2.layers.map((l) => l.className)).toEqual(m.layers.map((l) => l.className));
    });
  }

  it('refuses damaged bytes with a clear error', async () => {
    const bytes = lstmModel().save();
    await expect(loadModel(bytes.subarray(0, bytes.length - 3))).rejects.toThrow(/cut short/);
    const flipped = bytes.slice();
    flipped[flipped.length - 5] ^= 0x40;
    await expect(loadModel(flipped)).rejects.toThrow(/checksum/);
    const foreign = bytes.slice();
    foreign[0] = 0x58;
    await expect(loadModel(foreign)).rejects.toThrow(/not an lstm-wasm model/);
    const future = bytes.slice();
    new DataView(future.buffer).setUint32(8, 99, true);
    await expect(loadModel(future)).rejects.toThrow(/version 99 is newer/);
  });
});

describe('stateful streaming', () => {
  it('step() through a sequence gives what predict() gives on the whole sequence', () => {
    const mk = () => new Sequential({ seed: 11, layers: [new LSTM({ units: 9, batchInputShape: [1, null, 4], stateful: true }), new Dense({ units: 3 })] });
    const a = mk(), b = mk();
    const x = randTensor([1, 7, 4], 12);
    const whole = a.predict(x);
    let last: TensorData | null = null;
    for (let t = 0; t < 7; t++) last = b.step(x.data.subarray(t * 4, (t + 1) * 4));
    expect(last!.shape).toEqual([1, 3]);
    for (let i = 0; i < 3; i++) expect(last!.data[i]).toBeCloseTo(whole.data[i], 5);
    // state carries: predicting again continues from the state; resetStates starts over
    const again = (a.predict(x) as TensorData).data;
    expect(again).not.toEqual(whole.data);
    a.resetStates();
    expect((a.predict(x) as TensorData).data).toEqual(whole.data);
  });
});

describe('determinism', () => {
  async function run(seed: number) {
    const m = lstmModel(seed, { dropout: 0.2, recurrentDropout: 0.1 });
    m.compile({ optimizer: 'adam', loss: 'mse' });
    const h = await m.fit(randTensor([20, 5, 3], 1), randTensor([20, 2], 2), { epochs: 2, batchSize: 6, verbose: 0, seed });
    return { w: m.getWeights().map((w) => Array.from(w.data)), loss: h.history.loss };
  }
  it('the same seed gives bit-identical weights and losses; another seed does not', async () => {
    const a = await run(42), b = await run(42), c = await run(43);
    expect(a).toEqual(b);
    expect(c.w).not.toEqual(a.w);
  });
});

describe('training', () => {
  it('fit returns a History with loss, metrics and validation; onBatchEnd sees the gradient norm', async () => {
    const m = lstmModel();
    m.compile({ optimizer: { name: 'adam', learningRate: 0.01 }, loss: 'meanSquaredError', metrics: ['mae'] });
    const norms: number[] = [];
    const h = await m.fit(randTensor([40, 5, 3], 5), randTensor([40, 2], 6, 0.5), {
      epochs: 5, batchSize: 8, validationSplit: 0.25, verbose: 0,
      callbacks: { onBatchEnd: (_b, logs) => { norms.push(logs!.gradNorm); } },
    });
    expect(Object.keys(h.history).sort()).toEqual(['loss', 'mae', 'val_loss', 'val_mae']);
    expect(h.history.loss).toHaveLength(5);
    expect(h.history.loss[4]).toBeLessThan(h.history.loss[0]);
    expect(norms).toHaveLength(5 * 4);
    expect(norms.every((g) => g > 0 && Number.isFinite(g))).toBe(true);
  });

  it('trainOnBatch with SGD moves weights by -lr·gradient (checked against finite differences of evaluate)', () => {
    const m = new Sequential({ seed: 3, layers: [new Dense({ units: 1, inputShape: [2] })] });
    m.compile({ optimizer: { name: 'sgd', learningRate: 0.1 }, loss: 'mse' });
    const x = { data: new Float32Array([1, 2, -1, 0.5]), shape: [2, 2] };
    const y = { data: new Float32Array([0.3, -0.2]), shape: [2, 1] };
    const [W, b] = m.layers[0].getWeights();
    const loss = (w: Float32Array, bb: number) => {
      let s = 0;
      for (let i = 0; i < 2; i++) { const p = x.data[2 * i] * w[0] + x.data[2 * i + 1] * w[1] + bb; s += (p - y.data[i]) ** 2; }
      return s / 2;
    };
    const h = 1e-3, g0 = (loss(Float32Array.from([W.data[0] + h, W.data[1]]), b.data[0]) - loss(Float32Array.from([W.data[0] - h, W.data[1]]), b.data[0])) / (2 * h);
    const l = m.trainOnBatch(x, y) as number;
    expect(l).toBeCloseTo(loss(W.data, b.data[0]), 5);
    expect(m.layers[0].getWeights()[0].data[0]).toBeCloseTo(W.data[0] - 0.1 * g0, 4);
  });

  it('EarlyStopping stops and restores the best weights', async () => {
    const m = lstmModel();
    m.compile({ optimizer: { name: 'sgd', learningRate: 5 }, loss: 'mse' }); // far too large: val_loss gets worse
    const es = new EarlyStopping({ monitor: 'val_loss', patience: 1, restoreBestWeights: true });
    let best: number[] = [];
    const h = await m.fit(randTensor([30, 5, 3], 7), randTensor([30, 2], 8), {
      epochs: 30, batchSize: 10, validationSplit: 0.3, verbose: 0, yieldEvery: 'never',
      callbacks: [es, { onEpochEnd: (e) => { if (e === es.bestEpoch) best = m.getWeights().flatMap((w) => Array.from(w.data)); } }],
    });
    expect(h.epoch.length).toBeLessThan(30);
    expect(m.getWeights().flatMap((w) => Array.from(w.data))).toEqual(best);
  });

  it('a non-finite loss stops fit with the epoch and batch named, the weights from before the bad step', async () => {
    const m = new Sequential({ seed: 1, layers: [new Dense({ units: 1, inputShape: [2] })] });
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    m.layers[0].setWeights([{ data: new Float32Array([3e38, 3e38]), shape: [2, 1] }, { data: new Float32Array([0]), shape: [1] }]);
    const before = m.getWeights();
    await expect(m.fit({ data: new Float32Array([1, 1, 1, 1]), shape: [2, 2] }, [[0], [0]], { epochs: 1, verbose: 0 })).rejects.toThrow(/epoch 1, batch 1.*not finite.*before this batch/);
    expect(m.getWeights()).toEqual(before);
    const h = await m.fit({ data: new Float32Array([1, 1, 1, 1]), shape: [2, 2] }, [[0], [0]], { epochs: 3, verbose: 0, callbacks: [new TerminateOnNaN()] });
    expect(h.epoch).toHaveLength(1);
    expect(m.getWeights()).toEqual(before);
  });

  it('clipNorm bounds the step: with a huge gradient, clipped SGD moves weights by at most lr·clipNorm', () => {
    const mk = (clipNorm?: number) => {
      const m = new Sequential({ seed: 2, layers: [new Dense({ units: 1, inputShape: [3] })] });
      m.compile({ optimizer: { name: 'sgd', learningRate: 1 }, loss: 'mse', clipNorm });
      return m;
    };
    const x = { data: new Float32Array([100, 200, 300]), shape: [1, 3] }, y = [[1e4]];
    const step = (m: Sequential) => {
      const w0 = m.getWeights().flatMap((w) => Array.from(w.data));
      m.trainOnBatch(x, y);
      const w1 = m.getWeights().flatMap((w) => Array.from(w.data));
      return Math.sqrt(w0.reduce((s, v, i) => s + (v - w1[i]) ** 2, 0));
    };
    expect(step(mk())).toBeGreaterThan(1e5);
    expect(step(mk(0.5))).toBeCloseTo(0.5, 4);
  });

  it('fit lets the event loop run while it trains', async () => {
    const m = lstmModel();
    m.compile({ optimizer: 'adam', loss: 'mse' });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    await m.fit(randTensor([64, 5, 3], 1), randTensor([64, 2], 2), { epochs: 20, batchSize: 4, verbose: 0, yieldEvery: 0 });
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);
  });

  it('inspect shows the gates (in [0, 1]) and cell states of an LSTM', () => {
    const m = lstmModel();
    const r = m.inspect(randTensor([2, 5, 3], 3));
    expect(r.gates!.shape).toEqual([2, 5, 24]);
    expect(r.cellStates!.shape).toEqual([2, 5, 6]);
    const g = r.gates!.data;
    for (let i = 0; i < g.length; i++) {
      const block = Math.floor((i % 24) / 6); // i, f, g, o
      if (block !== 2) { expect(g[i]).toBeGreaterThanOrEqual(0); expect(g[i]).toBeLessThanOrEqual(1); }
    }
  });
});

describe('bad input gets a clear error', () => {
  const expectError = (f: () => unknown, re: RegExp) => {
    let err: unknown;
    try { f(); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(LstmWasmError);
    expect((err as Error).message).toMatch(re);
  };
  it('wrong rank, wrong size, mismatched lengths, non-finite values', () => {
    const m = lstmModel();
    m.compile({ optimizer: 'adam', loss: 'mse' });
    expectError(() => m.predict(randTensor([4, 5], 1)), /x: expected shape \[null, 5, 3\] \(rank 3\), got \[4, 5\] \(rank 2\)/);
    expectError(() => m.predict(randTensor([4, 5, 2], 1)), /expected shape \[null, 5, 3\], got \[4, 5, 2\]/);
    expectError(() => m.trainOnBatch(randTensor([4, 5, 3], 1), randTensor([3, 2], 1)), /expected 4 samples \(as many as x\), got 3/);
    expectError(() => m.trainOnBatch(randTensor([4, 5, 3], 1), randTensor([4, 3], 1)), /y: expected shape \[null, 2\].*got \[4, 3\]/);
    const bad = randTensor([2, 5, 3], 1);
    bad.data[7] = NaN;
    expectError(() => m.predict(bad), /values must be finite, got NaN at \[0, 2, 1\]/);
  });
  it('unknown options suggest the right name; unknown loss and optimizer list what exists', () => {
    expectError(() => new LSTM({ units: 4, returnSequence: true } as never), /LSTM 'lstm(_\d+)?': unknown option 'returnSequence'; did you mean 'returnSequences'/);
    const m = lstmModel();
    expectError(() => m.compile({ optimizer: 'adam', loss: 'meanSquareError' }), /option 'loss' must be one of .*'meanSquaredError'.*got (?:a string )?"meanSquareError"/);
    expectError(() => m.compile({ optimizer: 'adamz', loss: 'mse' }), /unknown optimizer "adamz"; known: 'adam', 'sgd', 'rmsprop'/);
    expectError(() => new LSTM({ units: 0 }), /option 'units' must be a positive integer, got 0/);
  });
  it('layers in a wrong order name both layers and shapes', () => {
    expectError(() => new Sequential([new Dense({ units: 4, inputShape: [3] }), new LSTM({ units: 2 })]),
      /LSTM 'lstm(_\d+)?': expected input of shape \[batch, steps, features\] \(rank 3\), got \[null, 4\] \(it follows Dense 'dense(_\d+)?', which outputs \[null, 4\]\)/);
    expectError(() => new Sequential([new LSTM({ units: 2 })]).summary(), /the model is not built yet: its first layer .* has no inputShape/);
  });
  it('fit before compile, predict on an empty model, use after dispose', async () => {
    const m = lstmModel();
    await expect(m.fit(randTensor([2, 5, 3], 1), randTensor([2, 2], 1))).rejects.toThrow(/compile the model first/);
    expectError(() => new Sequential().predict(randTensor([1, 1, 1], 1)), /the model has no layers/);
    m.dispose();
    expectError(() => m.predict(randTensor([1, 5, 3], 1)), /was disposed/);
  });
  it('token ids out of range for Embedding', () => {
    const m = new Sequential([new Embedding({ inputDim: 5, outputDim: 2, inputShape: [3] }), new LSTM({ units: 2 })]);
    expectError(() => m.predict([[1, 2, 7]]), /Embedding 'embedding(_\d+)?': token ids must be integers in \[0, 4\] \(inputDim 5\), got 7 at \[0, 2\]/);
  });
});
