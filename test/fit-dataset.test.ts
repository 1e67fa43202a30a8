// fitDataset: batches from a stream train through fit's own loop. The same batches in the same
// order give the same weights as fit with shuffle off, bit for bit (sync, async, function and
// TF.js-style sources alike); batchesPerEpoch reads one iterator across epochs as TF.js does;
// validationData as arrays or as a source; callbacks and History as fit; bad sources and bad
// batches are errors that name them, and a bad batch leaves the weights of the batches before it.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  Dense,
  EarlyStopping,
  LSTM,
  LstmWasmError,
  Sequential,
  input,
  model as functional,
  type Logs,
  type TensorData,
} from '../src/index.js';
import { initForTests, randTensor } from './util/tfjs.js';

beforeAll(async () => {
  await initForTests();
});

const N = 43, // not a multiple of the batch size: the last batch has 3
  T = 5,
  F = 3,
  B = 8;
const x = randTensor([N, T, F], 21);
const y = randTensor([N, 2], 22);

const rows = (t: TensorData, a: number, b: number): TensorData => {
  const per = t.data.length / t.shape[0];
  return { data: t.data.slice(a * per, b * per), shape: [b - a, ...t.shape.slice(1)] };
};
const batchesOf = (xt: TensorData, yt: TensorData, size = B) => {
  const out: { xs: TensorData; ys: TensorData }[] = [];
  for (let s = 0; s < xt.shape[0]; s += size) {
    const e = Math.min(s + size, xt.shape[0]);
    out.push({ xs: rows(xt, s, e), ys: rows(yt, s, e) });
  }
  return out;
};

function net(seed = 3) {
  const m = new Sequential({ seed, layers: [new LSTM({ units: 6, inputShape: [T, F] }), new Dense({ units: 2 })] });
  m.compile({ optimizer: { name: 'adam', learningRate: 0.01 }, loss: 'mse', metrics: ['mae'] });
  return m;
}

const weightsOf = (m: Sequential) => m.getWeights().map((w) => Array.from(w.data));

async function viaFit(epochs = 3) {
  const m = net();
  const losses: number[] = [];
  const h = await m.fit(x, y, {
    epochs,
    batchSize: B,
    shuffle: false,
    verbose: 0,
    callbacks: [{ onBatchEnd: (_b: number, l?: Logs) => void losses.push(l!.loss) }],
  });
  const w = weightsOf(m);
  m.dispose();
  return { w, h: h.history, losses };
}

describe('fitDataset trains as fit on the same batches', () => {
  const sources: [string, () => unknown][] = [
    ['an array of batches', () => batchesOf(x, y)],
    [
      'a function returning a generator per epoch',
      () =>
        function* () {
          yield* batchesOf(x, y);
        },
    ],
    [
      'an async iterable',
      () => ({
        async *[Symbol.asyncIterator]() {
          for (const b of batchesOf(x, y)) {
            await new Promise((r) => setTimeout(r, 0));
            yield b;
          }
        },
      }),
    ],
    [
      "a TF.js-style dataset (iterator() resolving to an iterator whose next() is async)",
      () => ({
        size: Math.ceil(N / B),
        iterator: async () => {
          const list = batchesOf(x, y);
          let i = 0;
          return { next: async () => (i < list.length ? { value: list[i++], done: false } : { value: undefined, done: true }) };
        },
      }),
    ],
  ];
  for (const [name, make] of sources) {
    it(`${name}: bit-identical weights, History and batch losses`, async () => {
      const ref = await viaFit();
      const m = net();
      const losses: number[] = [];
      const h = await m.fitDataset(make() as never, {
        epochs: 3,
        verbose: 0,
        callbacks: [{ onBatchEnd: (_b: number, l?: Logs) => void losses.push(l!.loss) }],
      });
      expect(weightsOf(m)).toEqual(ref.w);
      expect(h.history).toEqual(ref.h);
      expect(losses).toEqual(ref.losses);
      expect(losses.length).toBe(3 * Math.ceil(N / B));
      expect(h.params.steps).toBe(Math.ceil(N / B));
      m.dispose();
    });
  }

  it('batchesPerEpoch reads one iterator across epochs (as TF.js): 2 epochs of 3 batches = the first 6 batches', async () => {
    const list = batchesOf(x, y);
    const m = net();
    let reads = 0;
    function* gen() {
      for (const b of list) {
        reads++;
        yield b;
      }
    }
    const h = await m.fitDataset(gen(), { epochs: 2, batchesPerEpoch: 3, verbose: 0 });
    expect(reads).toBe(6);
    expect(h.epoch).toEqual([0, 1]);
    // The same six batches through trainOnBatch, in order, from the same start.
    const r = net();
    for (const b of list.slice(0, 6)) r.trainOnBatch(b.xs, b.ys);
    expect(weightsOf(m)).toEqual(weightsOf(r));
    m.dispose();
    r.dispose();
  });

  it('a source that runs out before epochs × batchesPerEpoch stops training with a warning', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const m = net();
    const h = await m.fitDataset(batchesOf(x, y).slice(0, 5)[Symbol.iterator](), {
      epochs: 4,
      batchesPerEpoch: 2,
      verbose: 0,
    });
    // Epochs 1 and 2 read 4 batches; epoch 3 gets 1, then the source is empty: it ends there.
    expect(h.epoch).toEqual([0, 1, 2]);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/ran out of data after 1 of 2 batches in epoch 3/);
    warn.mockRestore();
    m.dispose();
  });

  it('validationData as [xVal, yVal] and as a source give val_loss equal to evaluate', async () => {
    const xv = randTensor([11, T, F], 31),
      yv = randTensor([11, 2], 32);
    const a = net(),
      b = net();
    const ha = await a.fitDataset(batchesOf(x, y), { epochs: 2, verbose: 0, validationData: [xv, yv] });
    const hb = await b.fitDataset(batchesOf(x, y), { epochs: 2, verbose: 0, validationData: batchesOf(xv, yv, 4) });
    const [loss, mae] = a.evaluate(xv, yv) as number[];
    expect(ha.history.val_loss[1]).toBeCloseTo(loss, 6);
    expect(ha.history.val_mae[1]).toBeCloseTo(mae, 6);
    expect(hb.history.val_loss[1]).toBeCloseTo(loss, 6);
    expect(hb.history.val_mae[1]).toBeCloseTo(mae, 6);
    // validationBatches: only the first two batches of 4 (8 samples).
    const c = net();
    const hc = await c.fitDataset(batchesOf(x, y), {
      epochs: 1,
      verbose: 0,
      validationData: batchesOf(xv, yv, 4),
      validationBatches: 2,
    });
    expect(hc.history.val_loss[0]).toBeCloseTo((c.evaluate(rows(xv, 0, 8), rows(yv, 0, 8)) as number[])[0], 6);
    for (const m of [a, b, c]) m.dispose();
  });

  it('callbacks as fit: EarlyStopping stops it, Keras spellings (batches_per_epoch) read as ours', async () => {
    const m = net();
    const stop = new EarlyStopping({ monitor: 'loss', patience: 0, minDelta: 1e9 });
    const h = await m.fitDataset(() => batchesOf(x, y)[Symbol.iterator](), { epochs: 10, verbose: 0, callbacks: stop });
    expect(h.epoch).toEqual([0, 1]);
    const h2 = await m.fitDataset(batchesOf(x, y), { epochs: 1, batches_per_epoch: 2, verbose: 0 } as never);
    expect(h2.params.steps).toBe(2);
    m.dispose();
  });

  it('a Sequential without inputShape builds from the first batch; a two-input functional model takes xs by name', async () => {
    const s = new Sequential({ seed: 1, layers: [new LSTM({ units: 4 }), new Dense({ units: 2 })] });
    s.compile({ optimizer: 'sgd', loss: 'mse' });
    await s.fitDataset(batchesOf(x, y), { verbose: 0 });
    expect(s.inputShape).toEqual([T, F]);
    s.dispose();
    const a = input({ shape: [T, F], name: 'a' }),
      b = input({ shape: [T, F], name: 'b' });
    const m = functional({
      inputs: [a, b],
      outputs: new Dense({ units: 2 }).apply(new LSTM({ units: 4 }).apply(a)) as never,
      seed: 2,
    });
    // b is an input no output reads: fine for the data; what matters is that xs is read by name.
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const list = batchesOf(x, y).map((q) => ({ xs: { a: q.xs, b: q.xs }, ys: q.ys }));
    const h = await m.fitDataset(list, { verbose: 0, epochs: 2 });
    expect(h.history.loss.length).toBe(2);
    m.dispose();
  });
});

describe('fitDataset: bad sources and bad batches', () => {
  const run = (source: unknown, args: object = {}) => net().fitDataset(source as never, { verbose: 0, ...args });

  it('a source that is not iterable', async () => {
    for (const bad of [42, 'abc', null, { a: 1 }])
      await expect(run(bad)).rejects.toThrow(/fitDataset: the source must be an iterable or async iterable of \{ xs, ys \}/);
    await expect(run(x)).rejects.toThrow(/got a tensor; for tensors x and y use fit\(x, y, options\)/);
    await expect(net().fitDataset(batchesOf(x, y) as never, y as never)).rejects.toThrow(/expected options/);
  });

  it('a batch without xs or ys, or not an object', async () => {
    await expect(run([{ xs: x }])).rejects.toThrow(/batch 1 of epoch 1: expected an object \{ xs, ys \}.*it has no ys/);
    await expect(run([[x, y]])).rejects.toThrow(/batch 1 of epoch 1: expected an object \{ xs, ys \}/);
  });

  it('batches of changing feature width are refused by name, and the model keeps the weights of the batches before', async () => {
    const m = new Sequential({ seed: 4, layers: [new LSTM({ units: 4 }), new Dense({ units: 2 })] });
    m.compile({ optimizer: 'adam', loss: 'mse' });
    const good = batchesOf(x, y).slice(0, 2);
    const wide = { xs: randTensor([8, T, F + 2], 5), ys: randTensor([8, 2], 6) };
    await expect(m.fitDataset([...good, wide], { verbose: 0 })).rejects.toThrow(
      /batch 3 of epoch 1 xs: expected shape \[null, 5, 3\], got \[8, 5, 5\].*training stopped before this batch: the model keeps the weights of the 2 batches before it/,
    );
    const r = new Sequential({ seed: 4, layers: [new LSTM({ units: 4 }), new Dense({ units: 2 })] });
    r.compile({ optimizer: 'adam', loss: 'mse' });
    for (const b of good) r.trainOnBatch(b.xs, b.ys);
    expect(weightsOf(m)).toEqual(weightsOf(r));
    // The model is usable again: the fit let go of it.
    await m.fitDataset(good, { verbose: 0 });
    // A model whose steps are free (inputShape [null, F]): batches of other lengths train, other widths do not.
    const free = new Sequential({ seed: 4, layers: [new LSTM({ units: 4, inputShape: [null, F] }), new Dense({ units: 2 })] });
    free.compile({ optimizer: 'adam', loss: 'mse' });
    const longer = { xs: randTensor([8, T + 3, F], 7), ys: randTensor([8, 2], 8) };
    const h = await free.fitDataset([...good, longer], { verbose: 0, epochs: 2 });
    expect(h.history.loss.length).toBe(2);
    await expect(free.fitDataset([...good, wide], { verbose: 0 })).rejects.toThrow(
      /batch 3 of epoch 1 xs: expected shape \[null, null, 3\], got \[8, 5, 5\]/,
    );
    for (const q of [m, r, free]) q.dispose();
  });

  it('xs and ys of different lengths, y of the wrong width, a non-finite value', async () => {
    await expect(run([{ xs: x, ys: rows(y, 0, 40) }])).rejects.toThrow(/batch 1 of epoch 1: xs and ys must hold as many samples: xs has 43, ys has 40/);
    await expect(run([{ xs: x, ys: randTensor([N, 3], 1) }])).rejects.toThrow(/batch 1 of epoch 1 ys: expected shape \[null, 2\]/);
    const nan = rows(x, 0, 8);
    nan.data[5] = NaN;
    await expect(run([{ xs: nan, ys: rows(y, 0, 8) }])).rejects.toThrow(/batch 1 of epoch 1 xs.*finite/);
  });

  it('an empty source, a generator object read for a second epoch, bad options', async () => {
    await expect(run([])).rejects.toThrow(/the source gave no batches/);
    function* once() {
      yield* batchesOf(x, y);
    }
    await expect(run(once(), { epochs: 2 })).rejects.toThrow(
      /the source gave no batches in epoch 2: a generator object can be read once; give a function returning a fresh iterator/,
    );
    await expect(run(batchesOf(x, y), { batchesPerEpoch: 0 })).rejects.toThrow(/option 'batchesPerEpoch' must be a positive integer, got 0/);
    await expect(run(batchesOf(x, y), { epochs: -1 })).rejects.toThrow(/option 'epochs' must be a non-negative integer/);
    await expect(run(batchesOf(x, y), { batchSize: 8 })).rejects.toThrow(/fitDataset.*batchSize/);
    await expect(run(batchesOf(x, y), { validationBatches: 2, validationData: [x, y] })).rejects.toThrow(
      /'validationBatches' needs validationData to be a source of batches/,
    );
    await expect(run(batchesOf(x, y), { epochs: 2, validationData: once() })).rejects.toThrow(/validationData is an iterator that can be read once/);
    await expect(run(batchesOf(x, y), { callbacks: [3] })).rejects.toThrow(LstmWasmError);
  });
});
