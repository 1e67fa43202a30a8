// The streaming step's fast path (src/engine/stream.ts, assembly/step.ts) in both builds: step()
// against the float64 references of test/reference/ and against predict() of the same sequence,
// on odd sizes (I 5, H 7, B 3); peepholes, GRU and SimpleRNN, stacked layers, masking, state
// resets, weights changed between steps (setWeights, fit, another plan running: all must re-pack),
// the `out` argument, bad input, and the models the fast path leaves to the generic one.
import { describe, expect, it } from 'vitest';
import {
  Dense,
  Dropout,
  GRU,
  LSTM,
  LstmWasmError,
  Masking,
  Sequential,
  SimpleRNN,
  initSync,
  relaxedSimdSupported,
  type Layer,
} from '../src/index.js';
import { STREAM_MAX_ROWS, Stream } from '../src/engine/stream.js';
import type { Store } from '../src/engine/store.js';
import { denseForward } from './reference/dense.js';
import { gruForward, lstmForward, rnnForward } from './reference/recurrent-forward.js';
import { maxAbsDiff, rng } from './util/kernels.js';

const LINEAR = 0,
  RELU = 1,
  SIGMOID = 2,
  TANH = 3,
  SOFTMAX = 5;
const TOL = 2e-5;

const builds = [false, ...(relaxedSimdSupported() ? [true] : [])];

/** A model built now, in the build asked for (a model's instance is made when it is built). */
function built<M extends Sequential>(relaxedSimd: boolean, make: () => M): M {
  const info = initSync({ relaxedSimd });
  expect(info.build).toBe(relaxedSimd ? 'relaxed-simd' : 'simd');
  const m = make();
  m.build();
  return m;
}

const f64 = (a: ArrayLike<number>) => Float64Array.from(a);
const weightsOf = (l: Layer) => l.getWeights().map((t) => f64(t.data));
const storeOf = (m: Sequential) => (m as unknown as { store: Store }).store;
const ranFast = (m: Sequential) => storeOf(m).lastPlan instanceof Stream;

/** Random weights of a wider range than the initializers', so every gate works. */
function randomize(m: Sequential, seed: number, scale = 0.6): void {
  const r = rng(seed);
  for (const l of m.layers)
    if (l.getWeights().length)
      l.setWeights(l.getWeights().map((t) => Float32Array.from(t.data, () => (r() * 2 - 1) * scale)));
}

function steps(B: number, T: number, F: number, seed: number): Float32Array[] {
  const r = rng(seed);
  return Array.from({ length: T }, () => Float32Array.from({ length: B * F }, () => r() * 2 - 1));
}

/** Time-major steps [B, F] each → one batch-major sequence [B, T, F]. */
function sequence(xs: Float32Array[], B: number, F: number): Float64Array {
  const T = xs.length;
  const x = new Float64Array(B * T * F);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) for (let f = 0; f < F; f++) x[(b * T + t) * F + f] = xs[t][b * F + f];
  return x;
}

/** Row t of a batch-major [B, T, D] array, as [B, D]. */
function atStep(seq: ArrayLike<number>, B: number, T: number, D: number, t: number): Float64Array {
  const out = new Float64Array(B * D);
  for (let b = 0; b < B; b++) for (let d = 0; d < D; d++) out[b * D + d] = seq[(b * T + t) * D + d];
  return out;
}

const B = 3,
  I = 5,
  H = 7,
  D = 5,
  T = 6;

describe.each(builds)('streaming step, relaxedSimd %s', (relaxed) => {
  it('LSTM + Dense: every step matches the float64 reference (I 5, H 7, B 3), and the states too', () => {
    const m = built(relaxed, () => new Sequential({ seed: 1, layers: [new LSTM({ units: H, stateful: true, batchInputShape: [B, null, I] }), new Dense({ units: D })] }));
    randomize(m, 2);
    const [W, U, bias] = weightsOf(m.layers[0]);
    const [Wd, bd] = weightsOf(m.layers[1]);
    const xs = steps(B, T, I, 3);
    const ref = lstmForward({ B, T, I, H, x: sequence(xs, B, I), W, U, bias, act: TANH, recAct: SIGMOID });
    for (let t = 0; t < T; t++) {
      const y = m.step(xs[t]);
      expect(ranFast(m)).toBe(true);
      expect(y.shape).toEqual([B, D]);
      const want = denseForward(B, D, H, LINEAR, atStep(ref.hseq, B, T, H, t), Wd, bd).y;
      expect(maxAbsDiff(y.data, want)).toBeLessThan(TOL);
    }
    const [h, c] = (m.layers[0] as LSTM).getStates();
    expect(maxAbsDiff(h.data, atStep(ref.hseq, B, T, H, T - 1))).toBeLessThan(TOL);
    expect(maxAbsDiff(c.data, atStep(ref.cseq, B, T, H, T - 1))).toBeLessThan(TOL);
    m.dispose();
  });

  it('peephole LSTM, GRU (resetAfter), SimpleRNN (relu), hard-sigmoid LSTM without bias, each with another Dense, match their references', () => {
    const cases = [
      { make: () => new LSTM({ units: H, stateful: true, peephole: true, batchInputShape: [B, null, I] }), kind: 'lstm', dense: 'tanh', code: TANH, units: D },
      { make: () => new GRU({ units: H, stateful: true, batchInputShape: [B, null, I] }), kind: 'gru', dense: 'sigmoid', code: SIGMOID, units: D },
      { make: () => new SimpleRNN({ units: 17, activation: 'relu', stateful: true, batchInputShape: [B, null, I] }), kind: 'rnn', dense: 'relu', code: RELU, units: 3 },
      { make: () => new LSTM({ units: 9, stateful: true, useBias: false, recurrentActivation: 'hardSigmoid', batchInputShape: [B, null, I] }), kind: 'lstm-hard', dense: 'hardSigmoid', code: 4, units: 1 },
    ];
    for (const c of cases) {
      const m = built(relaxed, () => new Sequential({ seed: 4, layers: [c.make(), new Dense({ units: c.units, activation: c.dense, useBias: c.units !== 1 })] }));
      randomize(m, 5);
      const rl = m.layers[0] as LSTM;
      const Hc = rl.units;
      const w = weightsOf(rl);
      const [Wd, bd = null] = weightsOf(m.layers[1]);
      const xs = steps(B, T, I, 6);
      const x = sequence(xs, B, I);
      const hseq =
        c.kind === 'lstm'
          ? lstmForward({ B, T, I, H: Hc, x, W: w[0], U: w[1], bias: w[2], peep: w[3] }).hseq
          : c.kind === 'lstm-hard'
            ? lstmForward({ B, T, I, H: Hc, x, W: w[0], U: w[1], bias: null, recAct: 4 }).hseq
            : c.kind === 'gru'
              ? gruForward({ B, T, I, H: Hc, x, W: w[0], U: w[1], bias: w[2], resetAfter: true }).hseq
              : rnnForward({ B, T, I, H: Hc, x, W: w[0], U: w[1], bias: w[2], act: RELU }).hseq;
      for (let t = 0; t < T; t++) {
        const y = m.step(xs[t]);
        expect(ranFast(m)).toBe(true);
        expect(y.shape).toEqual([B, c.units]);
        const want = denseForward(B, c.units, Hc, c.code, atStep(hseq, B, T, Hc, t), Wd, bd).y;
        expect(maxAbsDiff(y.data, want), `${c.kind} step ${t}`).toBeLessThan(TOL);
      }
      m.dispose();
    }
  });

  it('stacked LSTM → Dropout → GRU → Dense(softmax) gives what predict() gives on the whole sequence', () => {
    const layers = (stateful: boolean) => [
      new LSTM({ units: H, returnSequences: true, stateful, ...(stateful ? { batchInputShape: [B, null, I] } : { inputShape: [T, I] }) }),
      new Dropout({ rate: 0.5 }),
      new GRU({ units: 6, returnSequences: !stateful, stateful }),
      new Dense({ units: D, activation: 'softmax' }),
    ];
    const s = built(relaxed, () => new Sequential({ seed: 7, layers: layers(true) }));
    randomize(s, 8);
    const p = built(relaxed, () => new Sequential({ seed: 7, layers: layers(false) }));
    p.setWeights(s.getWeights());
    const xs = steps(B, T, I, 9);
    const whole = p.predict({ data: Float32Array.from(sequence(xs, B, I)), shape: [B, T, I] });
    for (let t = 0; t < T; t++) {
      const y = s.step(xs[t]);
      expect(ranFast(s)).toBe(true);
      expect(maxAbsDiff(y.data, atStep(whole.data, B, T, D, t))).toBeLessThan(TOL);
      // softmax rows sum to 1
      for (let b = 0; b < B; b++) expect(y.data.subarray(b * D, (b + 1) * D).reduce((a, v) => a + v, 0)).toBeCloseTo(1, 5);
    }
    s.dispose();
    p.dispose();
  });

  it('Masking: a masked row keeps its state and repeats its output, as the reference and predict() do', () => {
    const layers = (stateful: boolean) => [
      new Masking({ maskValue: 0, ...(stateful ? { batchInputShape: [B, null, I] } : { inputShape: [T, I] }) }),
      new LSTM({ units: H, stateful, returnSequences: !stateful }),
      new Dense({ units: D }),
    ];
    const m = built(relaxed, () => new Sequential({ seed: 10, layers: layers(true) }));
    randomize(m, 11);
    const xs = steps(B, T, I, 12);
    // row 1 masked at steps 2 and 3, row 0 at step 5
    const maskArr = new Float64Array(B * T).fill(1);
    for (const [b, t] of [[1, 2], [1, 3], [0, 5]]) {
      xs[t].fill(0, b * I, (b + 1) * I);
      maskArr[b * T + t] = 0;
    }
    const [W, U, bias] = weightsOf(m.layers[1]);
    const [Wd, bd] = weightsOf(m.layers[2]);
    const ref = lstmForward({ B, T, I, H, x: sequence(xs, B, I), W, U, bias, mask: maskArr });
    const p = built(relaxed, () => new Sequential({ seed: 10, layers: layers(false) }));
    p.setWeights(m.getWeights());
    const whole = p.predict({ data: Float32Array.from(sequence(xs, B, I)), shape: [B, T, I] });
    let prev: Float32Array | null = null;
    for (let t = 0; t < T; t++) {
      const y = m.step(xs[t]);
      expect(ranFast(m)).toBe(true);
      expect(maxAbsDiff(y.data, denseForward(B, D, H, LINEAR, atStep(ref.hseq, B, T, H, t), Wd, bd).y)).toBeLessThan(TOL);
      expect(maxAbsDiff(y.data, atStep(whole.data, B, T, D, t))).toBeLessThan(TOL);
      if (t === 2 || t === 3) expect(Array.from(y.data.subarray(D, 2 * D))).toEqual(Array.from(prev!.subarray(D, 2 * D)));
      prev = y.data.slice();
    }
    m.dispose();
    p.dispose();
  });

  it('resetStates() and setState() start the stream where they say', () => {
    const m = built(relaxed, () => new Sequential({ seed: 13, layers: [new LSTM({ units: H, stateful: true, batchInputShape: [B, null, I] }), new Dense({ units: D })] }));
    randomize(m, 14);
    const xs = steps(B, 3, I, 15);
    const first = m.step(xs[0]).data.slice();
    const second = m.step(xs[1]).data.slice();
    expect(maxAbsDiff(first, second)).toBeGreaterThan(1e-3);
    m.resetStates();
    expect(Array.from(m.step(xs[0]).data)).toEqual(Array.from(first));
    // the state after step 0, set by hand, gives step 1 again
    const [h, c] = (m.layers[0] as LSTM).getStates();
    m.step(xs[2]);
    (m.layers[0] as LSTM).setState(0, h);
    (m.layers[0] as LSTM).setState(1, c);
    expect(Array.from(m.step(xs[1]).data)).toEqual(Array.from(second));
    m.dispose();
  });

  it('weights changed between steps are used at the next step: setWeights, a layer setWeights, fit, another plan', async () => {
    const m = built(relaxed, () => new Sequential({ seed: 16, layers: [new LSTM({ units: H, stateful: true, batchInputShape: [B, null, I] }), new Dense({ units: D })] }));
    randomize(m, 17);
    m.compile({ optimizer: { name: 'sgd', learningRate: 0.5 }, loss: 'mse' });
    const xs = steps(B, 12, I, 18);
    let t = 0;
    /** One step from the model's current state and weights, checked against the reference. */
    const checkedStep = () => {
      const lstm = m.layers[0] as LSTM;
      const [h0, c0] = lstm.getStates().map((s) => f64(s.data));
      const [W, U, bias] = weightsOf(lstm);
      const [Wd, bd] = weightsOf(m.layers[1]);
      const ref = lstmForward({ B, T: 1, I, H, x: f64(xs[t]), W, U, bias, h0, c0 });
      const y = m.step(xs[t++]);
      expect(ranFast(m)).toBe(true);
      expect(maxAbsDiff(y.data, denseForward(B, D, H, LINEAR, ref.hseq, Wd, bd).y)).toBeLessThan(TOL);
      return y;
    };
    checkedStep();
    checkedStep();
    randomize(m, 19);
    checkedStep();
    const lstm = m.layers[0];
    lstm.setWeights(lstm.getWeights().map((w) => Float32Array.from(w.data, (v) => -v)));
    checkedStep();
    const before = weightsOf(lstm)[0];
    await m.fit({ data: Float32Array.from({ length: B * 4 * I }, (_, i) => Math.sin(i)), shape: [B, 4, I] }, { data: new Float32Array(B * D).fill(0.7), shape: [B, D] }, { epochs: 2, batchSize: B, shuffle: false, verbose: 0 });
    expect(maxAbsDiff(weightsOf(lstm)[0], before)).toBeGreaterThan(1e-4);
    checkedStep();
    // another plan of the same store runs (predict on a sequence): its buffers overlap the stream's
    m.predict({ data: Float32Array.from({ length: B * 5 * I }, (_, i) => Math.cos(i)), shape: [B, 5, I] });
    checkedStep();
    checkedStep();
    m.dispose();
  });

  it('out: the output is written into the caller’s Float32Array; a wrong one is refused before anything changes', () => {
    const m = built(relaxed, () => new Sequential({ name: 's', seed: 20, layers: [new LSTM({ units: H, stateful: true, batchInputShape: [B, null, I] }), new Dense({ units: D })] }));
    const twin = built(relaxed, () => new Sequential({ seed: 20, layers: [new LSTM({ units: H, stateful: true, batchInputShape: [B, null, I] }), new Dense({ units: D })] }));
    randomize(m, 21);
    twin.setWeights(m.getWeights());
    const xs = steps(B, 4, I, 22);
    const out = new Float32Array(B * D);
    for (let t = 0; t < 4; t++) {
      const y = m.step(xs[t], out);
      expect(y.data).toBe(out);
      expect(y.shape).toEqual([B, D]);
      expect(Array.from(out)).toEqual(Array.from(twin.step(xs[t]).data));
    }
    const states = () => (m.layers[0] as LSTM).getStates().map((s) => Array.from(s.data));
    const s0 = states();
    const bad: [unknown, RegExp][] = [
      [new Float32Array(B * D - 1), /Sequential 's'\.step: out must be a Float32Array of 3 × 5 values \(\[batch, output features\] = \[3, 5\]\), got one of 14$/],
      [new Float32Array(B * D + 1), /got one of 16$/],
      [new Array(B * D).fill(0), /out must be a Float32Array of 3 × 5 values .*got an array/],
      [new Float64Array(B * D), /out must be a Float32Array of 3 × 5 values/],
    ];
    for (const [o, msg] of bad) {
      let err: unknown;
      try {
        m.step(xs[0], o as Float32Array);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(LstmWasmError);
      expect((err as Error).message).toMatch(msg);
    }
    expect(states()).toEqual(s0);
    m.dispose();
    twin.dispose();
  });

  it('bad xt: the generic path’s errors, and the state stays as it was', () => {
    const m = built(relaxed, () => new Sequential({ name: 's', seed: 23, layers: [new LSTM({ units: H, stateful: true, batchInputShape: [B, null, I] }), new Dense({ units: D })] }));
    m.step(new Float32Array(B * I).fill(0.5));
    expect(ranFast(m)).toBe(true);
    const states = () => (m.layers[0] as LSTM).getStates().map((s) => Array.from(s.data));
    const s0 = states();
    const nan = new Float32Array(B * I);
    nan[7] = Number.NaN;
    const bad: [unknown, RegExp][] = [
      [new Float32Array(B * I - 1), /Sequential 's'\.step: xt must hold 3 × 5 values \(\[batch, features\] = \[3, 5\]\), got 14$/],
      [nan, /Sequential 's'\.step: xt values must be finite, got NaN at 7$/],
      [Array.from({ length: 5 }, () => [1, 2, 3]), /xt must have shape \[3, 5\] \(\[batch, features\]\), got \[5, 3\]/],
      ['ab', /^step xt must be numbers/],
    ];
    for (const [x, msg] of bad) {
      let err: unknown;
      try {
        m.step(x as Float32Array);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(LstmWasmError);
      expect((err as Error).message).toMatch(msg);
    }
    expect(states()).toEqual(s0);
    m.dispose();
    expect(() => m.step(new Float32Array(B * I))).toThrow(/the model was disposed/);
  });

  it('models the fast path does not run take the generic path, with the same results', () => {
    const Bb = STREAM_MAX_ROWS + 1;
    const cases = [
      // more rows than the fast path takes
      { Bx: Bb, make: () => [new LSTM({ units: H, stateful: true, batchInputShape: [Bb, null, I] }), new Dense({ units: D })] },
      // GRU without resetAfter
      { Bx: B, make: () => [new GRU({ units: H, resetAfter: false, stateful: true, batchInputShape: [B, null, I] }), new Dense({ units: D })] },
    ];
    for (const c of cases) {
      const s = built(relaxed, () => new Sequential({ seed: 24, layers: c.make() }));
      randomize(s, 25);
      const xs = steps(c.Bx, T, I, 26);
      const rl = s.layers[0] as GRU;
      const w = weightsOf(rl);
      const [Wd, bd] = weightsOf(s.layers[1]);
      const x = sequence(xs, c.Bx, I);
      const hseq =
        rl.className === 'GRU'
          ? gruForward({ B: c.Bx, T, I, H, x, W: w[0], U: w[1], bias: w[2], resetAfter: false }).hseq
          : lstmForward({ B: c.Bx, T, I, H, x, W: w[0], U: w[1], bias: w[2] }).hseq;
      const out = new Float32Array(c.Bx * D);
      for (let t = 0; t < T; t++) {
        const y = s.step(xs[t], out);
        expect(ranFast(s)).toBe(false);
        expect(y.data).toBe(out);
        expect(maxAbsDiff(y.data, denseForward(c.Bx, D, H, LINEAR, atStep(hseq, c.Bx, T, H, t), Wd, bd).y)).toBeLessThan(TOL);
      }
      expect(() => s.step(xs[0], new Float32Array(3))).toThrow(/out must be a Float32Array of \d+ × 5 values/);
      s.dispose();
    }
  });
});
