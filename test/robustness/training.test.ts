// Training that goes wrong. A NaN or infinite loss or gradient stops fit at that batch with an error
// naming the epoch and the batch, and leaves the weights (and the optimizer's state) exactly as they
// were before the bad step; TerminateOnNaN stops quietly and the program goes on. Gradient clipping
// (clipNorm, clipValue) is tried on models built to explode: large recurrent weights set with
// setWeights, long sequences, an unbounded activation.
import { describe, expect, it } from 'vitest';
import {
  Bidirectional, Dense, Embedding, GRU, LSTM, LstmWasmError, Sequential, SimpleRNN, TerminateOnNaN,
  type Logs, type TensorData,
} from '../../src/index.js';


type Weights = { data: Float32Array; shape: number[] }[];

const same = (a: Weights, b: Weights) => a.length === b.length && a.every((w, i) => w.data.length === b[i].data.length && w.data.every((v, j) => Object.is(v, b[i].data[j])));
const finite = (ws: Weights) => ws.every((w) => w.data.every(Number.isFinite));

function wave(shape: number[], k: number, scale = 1): TensorData {
  const n = shape.reduce((a, b) => a * b, 1);
  return { data: Float32Array.from({ length: n }, (_, i) => Math.sin(k + i * 0.7) * scale), shape };
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('fit resolved; it should have stopped with an error');
}

/** Records a copy of the weights after every batch, and each batch's logs. */
function recorder(m: Sequential) {
  const snaps: Weights[] = [];
  const logs: Logs[] = [];
  return { snaps, logs, callback: { onBatchEnd: (_b: number, l?: Logs) => { snaps.push(m.getWeights()); logs.push({ ...l }); } } };
}

describe('a non-finite loss or gradient stops fit at that batch', () => {
  // One sample's target is so large that the loss stays finite (it is summed in float64) but the
  // float32 gradient overflows: the gradient-only path of the guard.
  const X = wave([6, 3, 2], 1);
  const Y: TensorData = { data: new Float32Array([0.1, 0.2, 0.3, 3.4e38, 0.5, 0.6]), shape: [6, 1] };
  const mk = () => {
    const m = new Sequential({ seed: 9, layers: [new LSTM({ units: 3, inputShape: [3, 2] }), new Dense({ units: 1 })] });
    m.compile({ optimizer: 'adam', loss: 'mse' });
    return m;
  };

  it('names the epoch and batch; the weights are those after the last good batch', async () => {
    const m = mk();
    const rec = recorder(m);
    const err = await rejection(m.fit(X, Y, { epochs: 2, batchSize: 1, shuffle: false, verbose: 0, callbacks: [rec.callback] }));
    expect(err).toBeInstanceOf(LstmWasmError);
    expect(err.message).toMatch(/^fit: at epoch 1, batch 4 the loss \(.+\) or the gradient norm \(NaN\) is not finite; training stopped and the weights are those from before this batch/);
    expect(err.message).toMatch(/clipNorm.*TerminateOnNaN/);
    expect(rec.snaps).toHaveLength(3);
    expect(same(m.getWeights(), rec.snaps[2])).toBe(true);
    expect(finite(m.getWeights())).toBe(true);
    expect(Number.isNaN(m.gradientNorm)).toBe(true);
  });

  it('a diverging run (learning rate far too large) stops at a later epoch, weights from the batch before', async () => {
    const m = new Sequential({ seed: 2, layers: [new SimpleRNN({ units: 3, inputShape: [4, 2], activation: 'linear' }), new Dense({ units: 1 })] });
    m.compile({ optimizer: { name: 'sgd', learningRate: 0.185 }, loss: 'mse' });
    const rec = recorder(m);
    const err = await rejection(m.fit(wave([8, 4, 2], 3), wave([8, 1], 4), { epochs: 500, batchSize: 2, shuffle: false, verbose: 0, callbacks: [rec.callback] }));
    const at = /^fit: at epoch (\d+), batch (\d+) the loss .* is not finite/.exec(err.message);
    expect(at, err.message).not.toBeNull();
    const [epoch, batch] = [Number(at![1]), Number(at![2])];
    expect(epoch).toBeGreaterThan(1);
    // the failing batch is the one right after the last recorded good one (4 batches per epoch)
    expect((epoch - 1) * 4 + batch).toBe(rec.snaps.length + 1);
    expect(same(m.getWeights(), rec.snaps[rec.snaps.length - 1])).toBe(true);
    expect(rec.logs.every((l) => Number.isFinite(l.loss) && Number.isFinite(l.gradNorm))).toBe(true);
  });

  it('the bad step changes nothing: not the weights, not Adam’s moments, not its step count', () => {
    // A and B see the same good batches; A also sees a bad one in between. Afterwards they must agree
    // bit for bit, which they cannot if the failed step touched the optimizer slots or its iteration.
    const mk2 = () => {
      const m = new Sequential({ seed: 9, layers: [new Embedding({ inputDim: 6, outputDim: 3, inputShape: [4] }), new Bidirectional({ layer: new GRU({ units: 3, returnSequences: true }) }), new LSTM({ units: 3 }), new Dense({ units: 1 })] });
      m.compile({ optimizer: 'adam', loss: 'mse', clipValue: 5 });
      return m;
    };
    const x = [[1, 2, 3, 4]];
    const A = mk2(), B = mk2();
    A.trainOnBatch(x, [[0.5]]);
    B.trainOnBatch(x, [[0.5]]);
    const before = A.getWeights();
    let err: unknown;
    try { A.trainOnBatch(x, [[3.4e38]]); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(LstmWasmError);
    expect((err as Error).message).toMatch(/trainOnBatch: the loss \(.*\) or the gradient norm \(NaN\) is not finite; the weights were not changed/);
    expect(same(A.getWeights(), before)).toBe(true);
    A.trainOnBatch(x, [[-0.4]]);
    B.trainOnBatch(x, [[-0.4]]);
    expect(same(A.getWeights(), B.getWeights())).toBe(true);
  });

  it('infinite weights (set with setWeights) are refused before any step', () => {
    const m = new Sequential({ seed: 1, layers: [new Dense({ units: 1, inputShape: [2] })] });
    expect(() => m.layers[0].setWeights([{ data: new Float32Array([Infinity, 0]), shape: [2, 1] }, { data: new Float32Array([0]), shape: [1] }])).toThrow(LstmWasmError);
  });
});

describe('TerminateOnNaN', () => {
  const X = wave([6, 3, 2], 1);
  const Y: TensorData = { data: new Float32Array([0.1, 0.2, 0.3, 3.4e38, 0.5, 0.6]), shape: [6, 1] };
  const mk = () => {
    const m = new Sequential({ seed: 9, layers: [new LSTM({ units: 3, inputShape: [3, 2] }), new Dense({ units: 1 })] });
    m.compile({ optimizer: 'adam', loss: 'mse' });
    return m;
  };

  it('fit resolves, training stops at the bad batch, the weights are the last good ones, and the model goes on working', async () => {
    const m = mk();
    const rec = recorder(m);
    const h = await m.fit(X, Y, { epochs: 5, batchSize: 1, shuffle: false, verbose: 0, callbacks: [rec.callback, new TerminateOnNaN()] });
    expect(h.epoch).toEqual([0]);
    expect(rec.snaps).toHaveLength(3);
    expect(same(m.getWeights(), rec.snaps[2])).toBe(true);
    expect(m.predict(X).data.every(Number.isFinite)).toBe(true);
    // and with sane targets it trains again
    const h2 = await m.fit(X, wave([6, 1], 2, 0.5), { epochs: 3, batchSize: 2, verbose: 0 });
    expect(h2.history.loss.every(Number.isFinite)).toBe(true);
    expect(finite(m.getWeights())).toBe(true);
  });

  it('[fixed D21] the epoch loss in History is over the batches that ran (or NaN), not their sum divided by every sample', async () => {
    const m = mk();
    const rec = recorder(m);
    const h = await m.fit(X, Y, { epochs: 1, batchSize: 1, shuffle: false, verbose: 0, callbacks: [rec.callback, new TerminateOnNaN()] });
    const ran = rec.logs.map((l) => l.loss);
    const mean = ran.reduce((a, b) => a + b, 0) / ran.length;
    const loss = h.history.loss[0];
    // today: sum of 3 batch losses / 6 samples, half the true mean: a loss that no batch had
    expect(Number.isNaN(loss) || Math.abs(loss - mean) <= 1e-9 * Math.abs(mean), `epoch loss ${loss}, mean of the ${ran.length} batches that ran ${mean}`).toBe(true);
  });
});

describe('gradient clipping on models built to explode', () => {
  // h_t = U h_{t-1} + W x_t with U = 1.6·I over 40 steps: the gradient norm is ~1e17 on the first
  // batch, and one unclipped SGD step makes the next one overflow.
  const T = 40;
  const X = wave([8, T, 2], 0.3);
  const Y = wave([8, 1], 5);

  function exploding(kind: 'SimpleRNN' | 'LSTM', compileExtra: { clipNorm?: number; clipValue?: number } = {}): Sequential {
    const H = 4;
    const layer = kind === 'SimpleRNN' ? new SimpleRNN({ units: H, inputShape: [T, 2], activation: 'linear' }) : new LSTM({ units: H, inputShape: [T, 2], activation: 'relu' });
    const m = new Sequential({ seed: 5, layers: [layer, new Dense({ units: 1 })] });
    m.compile({ optimizer: { name: 'sgd', learningRate: 0.01 }, loss: 'mse', ...compileExtra });
    const [W, U, b] = m.layers[0].getWeights();
    const G = U.shape[1] / H;
    const u = new Float32Array(U.data.length);
    for (let g = 0; g < G; g++) for (let i = 0; i < H; i++) u[i * G * H + g * H + i] = kind === 'SimpleRNN' ? 1.6 : 1.2;
    m.layers[0].setWeights([W, { data: u, shape: U.shape }, b]);
    return m;
  }

  async function train(m: Sequential, epochs = 15) {
    const norms: number[] = [];
    let error: unknown = null;
    let history: number[] = [];
    try {
      const h = await m.fit(X, Y, { epochs, batchSize: 4, shuffle: false, verbose: 0, yieldEvery: 'never', callbacks: { onBatchEnd: (_b, l) => { norms.push(l!.gradNorm); } } });
      history = h.history.loss;
    } catch (e) {
      error = e;
    }
    return { norms, error, history };
  }

  for (const kind of ['SimpleRNN', 'LSTM'] as const) {
    describe(`${kind} (${kind === 'SimpleRNN' ? 'linear' : 'relu'}, large recurrent weights, ${T} steps)`, () => {
      it('without clipping the gradient norm blows up and fit stops with an error', async () => {
        const r = await train(exploding(kind));
        expect(r.norms[0]).toBeGreaterThan(1e12);
        expect(r.error).toBeInstanceOf(LstmWasmError);
        expect((r.error as Error).message).toMatch(/at epoch 1, batch 2 .* is not finite/);
      });

      for (const clip of [{ clipNorm: 1 }, { clipValue: 0.01 }]) {
        it(`with ${JSON.stringify(clip)} training stays finite for 15 epochs, and the loss falls`, async () => {
          const m = exploding(kind, clip);
          const r = await train(m);
          expect(r.error).toBeNull();
          expect(r.norms[0]).toBeGreaterThan(1e12); // reported before clipping
          expect(r.norms.every(Number.isFinite)).toBe(true);
          expect(finite(m.getWeights())).toBe(true);
          expect(r.history.every(Number.isFinite)).toBe(true);
          expect(r.history[r.history.length - 1]).toBeLessThan(r.history[0]);
        });
      }

      it('one clipped SGD step moves the weights by at most lr·clipNorm, or lr·clipValue per weight', () => {
        const flat = (m: Sequential) => m.getWeights().flatMap((w) => Array.from(w.data));
        const a = exploding(kind, { clipNorm: 1 });
        const a0 = flat(a);
        a.trainOnBatch(X, Y);
        const da = flat(a).map((v, i) => v - a0[i]);
        const norm = Math.sqrt(da.reduce((s, d) => s + d * d, 0));
        // float32 weights near 1 round each difference by ~6e-8: a tolerance of 1e-6
        expect(norm).toBeLessThanOrEqual(0.01 * 1 + 1e-6);
        expect(norm).toBeGreaterThan(0.01 * 0.5);
        const b = exploding(kind, { clipValue: 0.01 });
        const b0 = flat(b);
        b.trainOnBatch(X, Y);
        const db = flat(b).map((v, i) => Math.abs(v - b0[i]));
        expect(Math.max(...db)).toBeLessThanOrEqual(0.01 * 0.01 + 1e-6);
        expect(Math.max(...db)).toBeGreaterThan(0.01 * 0.01 * 0.5);
      });
    });
  }
});
