// The optimizers of issue 13: adamw, nadam, adagrad, adamax (Keras 3's update rules and defaults)
// and every optimizer's clipnorm / clipvalue / globalClipnorm / weightDecay. The kernels against
// the float64 references of test/reference/optimizers-extra.ts over several steps on odd sizes in
// both builds; whole models against the same references (the gradient of a linear layer written
// out in float64 here), with schedules and clipping that compose with compile's; adagrad and adamax
// against TF.js (same weights and data, several steps); saving; bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dense, LSTM, LstmWasmError, Sequential, loadModel, type Layer } from '../src/index.js';
import { BUILDS, loadKernels, maxAbsDiff, randArray, rng } from './util/kernels.js';
import {
  NadamRef,
  adagradStep,
  adamaxStep,
  kerasAdamStep,
  kerasClip,
  weightDecayStep,
} from './reference/optimizers-extra.js';
import { fromTf, initForTests, randTensor, tf, tfCpu, toTf } from './util/tfjs.js';

const fr = Math.fround;
const f32 = (a: ArrayLike<number>) => Float64Array.from(Float32Array.from(a));
const SIZES = [1, 3, 4, 7, 33, 1001];
const STEPS = 6;
const worst = { kernel: 0, model: 0, tf: 0 };
afterAll(() =>
  console.log(
    `optimizers-extra: largest difference from the f64 reference: kernels after ${STEPS} steps ${worst.kernel.toExponential(2)}, models after 4 steps ${worst.model.toExponential(2)}; TF.js weights after 5 steps ${worst.tf.toExponential(2)}`,
  ),
);

type K = ReturnType<typeof loadKernels>['k'];
interface KernelCase {
  name: string;
  /** Slot 1's starting value as the optimizer defines it (adagrad: its initial accumulator). */
  init1?: number;
  kernel(k: K, n: number, w: number, g: number, s1: number, s2: number, step: number): void;
  ref(): (w: Float64Array, g: Float64Array, s1: Float64Array, s2: Float64Array, step: number) => void;
}
const CASES: KernelCase[] = [
  {
    name: 'adamw defaults (weight decay 0.004 at lr 0.001, then the Keras 3 Adam step)',
    kernel: (k, n, w, g, m, v, t) => {
      k.weight_decay_f32(n, w, fr(0.001) * fr(0.004));
      k.adamw_update(n, w, g, m, v, 0.001, 0.9, 0.999, 1e-7, t);
    },
    ref: () => (w, g, m, v, t) => {
      weightDecayStep(w, fr(0.001), fr(0.004));
      kerasAdamStep(w, g, m, v, fr(0.001), fr(0.9), fr(0.999), fr(1e-7), t);
    },
  },
  {
    name: 'adamw lr 0.05, decay 0.1, beta 0.8/0.99, eps 1e-3',
    kernel: (k, n, w, g, m, v, t) => {
      k.weight_decay_f32(n, w, fr(0.05) * fr(0.1));
      k.adamw_update(n, w, g, m, v, 0.05, 0.8, 0.99, 1e-3, t);
    },
    ref: () => (w, g, m, v, t) => {
      weightDecayStep(w, fr(0.05), fr(0.1));
      kerasAdamStep(w, g, m, v, fr(0.05), fr(0.8), fr(0.99), fr(1e-3), t);
    },
  },
  {
    name: 'nadam defaults',
    kernel: (k, n, w, g, m, v, t) => k.nadam_update(n, w, g, m, v, 0.001, 0.9, 0.999, 1e-7, t),
    ref: () => {
      const r = new NadamRef(fr(0.9), fr(0.999), fr(1e-7));
      return (w, g, m, v, t) => r.step(w, g, m, v, fr(0.001), t);
    },
  },
  {
    name: 'nadam lr 0.02, beta 0.7/0.95',
    kernel: (k, n, w, g, m, v, t) => k.nadam_update(n, w, g, m, v, 0.02, 0.7, 0.95, 1e-7, t),
    ref: () => {
      const r = new NadamRef(fr(0.7), fr(0.95), fr(1e-7));
      return (w, g, m, v, t) => r.step(w, g, m, v, fr(0.02), t);
    },
  },
  {
    name: 'adagrad lr 0.1, initial accumulator 0.1',
    init1: 0.1,
    kernel: (k, n, w, g, acc, _s2) => k.adagrad_update(n, w, g, acc, 0.1, 0.1, 1e-7),
    ref: () => (w, g, acc) => adagradStep(w, g, acc, fr(0.1), fr(1e-7)),
  },
  {
    name: 'adagrad lr 0.01, initial accumulator 0 (eps alone under the root at first)',
    init1: 0,
    kernel: (k, n, w, g, acc, _s2) => k.adagrad_update(n, w, g, acc, 0.01, 0, 1e-7),
    ref: () => (w, g, acc) => adagradStep(w, g, acc, fr(0.01), fr(1e-7)),
  },
  {
    name: 'adamax defaults',
    kernel: (k, n, w, g, m, u, t) => k.adamax_update(n, w, g, m, u, 0.001, 0.9, 0.999, 1e-7, t),
    ref: () => (w, g, m, u, t) => adamaxStep(w, g, m, u, fr(0.001), fr(0.9), fr(0.999), fr(1e-7), t),
  },
  {
    name: 'adamax lr 0.03, beta 0.6/0.9',
    kernel: (k, n, w, g, m, u, t) => k.adamax_update(n, w, g, m, u, 0.03, 0.6, 0.9, 1e-7, t),
    ref: () => (w, g, m, u, t) => adamaxStep(w, g, m, u, fr(0.03), fr(0.6), fr(0.9), fr(1e-7), t),
  },
];

describe.each(BUILDS)('optimizer kernels against the float64 reference (%s build)', (build) => {
  for (const c of CASES)
    it(`${c.name}: sizes ${SIZES.join(', ')}, ${STEPS} steps`, () => {
      const { k, arena } = loadKernels(build);
      for (const n of SIZES) {
        const r = rng(n * 13 + c.name.length);
        const w = f32(randArray(n, r));
        // adagrad's slot holds acc - init (zero-initialized memory needs no fill): the reference holds acc.
        const s1 = new Float64Array(n).fill(c.init1 ?? 0),
          s2 = new Float64Array(n);
        const pw = arena.put(w),
          pg = arena.alloc(n),
          p1 = arena.put(new Float64Array(n)),
          p2 = arena.put(s2);
        const step = c.ref();
        for (let t = 1; t <= STEPS; t++) {
          const g = f32(randArray(n, r));
          if (n > 2) g[2] = 0; // a zero gradient must not divide 0 by 0
          arena.write(pg, g);
          c.kernel(k, n, pw, pg, p1, p2, t);
          step(w, g, s1, s2, t);
        }
        const slot1 = Float64Array.from(arena.read(p1, n), (x) => x + fr(c.init1 ?? 0));
        const e = Math.max(maxAbsDiff(arena.read(pw, n), w), maxAbsDiff(slot1, s1) / 4, maxAbsDiff(arena.read(p2, n), s2));
        worst.kernel = Math.max(worst.kernel, e);
        expect(e, `n=${n}`).toBeLessThan(3e-6);
      }
    });

  it('nadam far into training (step 1500: the product of u_t past the 1000 factors computed one by one)', () => {
    const { k, arena } = loadKernels(build);
    const n = 7;
    const r = rng(5);
    const w = f32(randArray(n, r)),
      m = f32(randArray(n, r, 0.1)),
      v = f32(randArray(n, r, 0.01)).map(Math.abs);
    const g = f32(randArray(n, r));
    const ref = new NadamRef(fr(0.9), fr(0.999), fr(1e-7));
    for (let s = 1; s < 1500; s++) ref.uProduct *= ref.b1 * (1 - 0.5 * 0.96 ** s);
    const pw = arena.put(w),
      pg = arena.put(g),
      pm = arena.put(m),
      pv = arena.put(v);
    k.nadam_update(n, pw, pg, pm, pv, 0.01, 0.9, 0.999, 1e-7, 1500);
    ref.step(w, g, m, v, fr(0.01), 1500);
    expect(maxAbsDiff(arena.read(pw, n), w)).toBeLessThan(1e-6);
  });

  it('weight decay by hand: w -= w·d, a small d is not rounded away', () => {
    const { k, arena } = loadKernels(build);
    const pw = arena.put([1, -2, 4, 0.5, 3]);
    k.weight_decay_f32(5, pw, 1e-6);
    // 1 - 1e-6 in f32 would round the decay to 1 - 0.99999898e-6 (relative error 1e-2 of the decay).
    const got = arena.read(pw, 5);
    [1, -2, 4, 0.5, 3].forEach((x, i) => expect(Math.abs(got[i] - fr(x - x * fr(1e-6)))).toBeLessThan(1e-12 + Math.abs(x) * 6e-8));
    expect(got[0]).not.toBe(1);
  });
});

// ---- whole models against the float64 reference -----------------------------------------------

const I = 5,
  U = 3,
  N = 9;
const x = randTensor([N, I], 1);
const y = randTensor([N, U], 2, 0.7);
const W0 = randTensor([I, U], 3, 0.8),
  B0 = randTensor([U], 4, 0.3);

/** Gradients of the mean squared error of y = xW + b: dY = 2(Y - T)/(N·U), dW = xᵀdY, db = ΣdY. */
function linearGrads(W: Float64Array, b: Float64Array): [Float64Array, Float64Array] {
  const dW = new Float64Array(I * U),
    db = new Float64Array(U);
  for (let r = 0; r < N; r++)
    for (let j = 0; j < U; j++) {
      let s = b[j];
      for (let i = 0; i < I; i++) s += x.data[r * I + i] * W[i * U + j];
      const d = (2 * (s - y.data[r * U + j])) / (N * U);
      db[j] += d;
      for (let i = 0; i < I; i++) dW[i * U + j] += x.data[r * I + i] * d;
    }
  return [dW, db];
}

interface ModelCase {
  name: string;
  optimizer: Record<string, unknown> | string;
  compile?: { clipNorm?: number; clipValue?: number };
  clip?: { clipnorm?: number; globalClipnorm?: number; clipvalue?: number };
  lr: (it: number) => number;
  decay?: number;
  /** One step of the rule on one weight tensor, its two slots, at step t (1-based). */
  rule: () => (w: Float64Array, g: Float64Array, s1: Float64Array, s2: Float64Array, lr: number, t: number) => void;
  init1?: number;
}
const MODEL_CASES: ModelCase[] = [
  {
    name: "'adamw' by name (Keras defaults: lr 0.001, weight decay 0.004)",
    optimizer: 'adamw',
    lr: () => 0.001,
    decay: 0.004,
    rule: () => (w, g, m, v, lr, t) => kerasAdamStep(w, g, m, v, lr, 0.9, 0.999, 1e-7, t),
  },
  {
    name: 'adamw, snake_case options',
    optimizer: { name: 'adamw', learning_rate: 0.05, weight_decay: 0.2, beta_1: 0.8, beta_2: 0.95 },
    lr: () => 0.05,
    decay: 0.2,
    rule: () => (w, g, m, v, lr, t) => kerasAdamStep(w, g, m, v, lr, 0.8, 0.95, 1e-7, t),
  },
  {
    name: 'nadam lr 0.02',
    optimizer: { name: 'nadam', learningRate: 0.02 },
    lr: () => 0.02,
    rule: () => {
      const perTensor = new Map<Float64Array, NadamRef>();
      return (w, g, m, v, lr, t) => {
        if (!perTensor.has(w)) perTensor.set(w, new NadamRef(0.9, 0.999, 1e-7));
        perTensor.get(w)!.step(w, g, m, v, lr, t);
      };
    },
  },
  {
    name: 'adagrad lr 0.1, initialAccumulatorValue 0.2',
    optimizer: { name: 'adagrad', learningRate: 0.1, initialAccumulatorValue: 0.2 },
    lr: () => 0.1,
    init1: 0.2,
    rule: () => (w, g, acc, _s2, lr) => adagradStep(w, g, acc, lr, 1e-7),
  },
  {
    name: 'adamax with an ExponentialDecay schedule (0.05·0.5^(t/2))',
    optimizer: {
      name: 'adamax',
      learningRate: { className: 'ExponentialDecay', config: { initialLearningRate: 0.05, decaySteps: 2, decayRate: 0.5 } },
    },
    lr: (it) => 0.05 * 0.5 ** (it / 2),
    rule: () => (w, g, m, u, lr, t) => adamaxStep(w, g, m, u, lr, 0.9, 0.999, 1e-7, t),
  },
  {
    name: 'adam with clipnorm 0.05 (each weight clipped alone) and weightDecay 0.01',
    optimizer: { name: 'adam', learningRate: 0.01, clipnorm: 0.05, weightDecay: 0.01 },
    clip: { clipnorm: 0.05 },
    lr: () => 0.01,
    decay: 0.01,
    // Our 'adam' is TF.js's Adam: eps scaled by the bias correction.
    rule: () => (w, g, m, v, lr, t) => kerasAdamStep(w, g, m, v, lr, 0.9, 0.999, 1e-7 * Math.sqrt(1 - 0.999 ** t), t),
  },
  {
    name: 'sgd with global_clipnorm 0.1',
    optimizer: { name: 'sgd', learningRate: 0.5, global_clipnorm: 0.1 },
    clip: { globalClipnorm: 0.1 },
    lr: () => 0.5,
    rule: () => (w, g, _s1, _s2, lr) => {
      for (let i = 0; i < w.length; i++) w[i] -= lr * g[i];
    },
  },
  {
    name: 'rmsprop with clipValue 0.01 (camelCase)',
    optimizer: { name: 'rmsprop', learningRate: 0.01, clipValue: 0.01 },
    clip: { clipvalue: 0.01 },
    lr: () => 0.01,
    rule: () => (w, g, ms, _s2, lr) => {
      for (let i = 0; i < w.length; i++) {
        ms[i] = 0.9 * ms[i] + 0.1 * g[i] * g[i];
        w[i] -= (lr * g[i]) / (Math.sqrt(ms[i]) + 1e-7);
      }
    },
  },
  {
    name: "compile's clipValue 0.02, then the optimizer's clipnorm 0.03",
    optimizer: { name: 'sgd', learningRate: 0.3, clipnorm: 0.03 },
    compile: { clipValue: 0.02 },
    clip: { clipnorm: 0.03 },
    lr: () => 0.3,
    rule: () => (w, g, _s1, _s2, lr) => {
      for (let i = 0; i < w.length; i++) w[i] -= lr * g[i];
    },
  },
];

describe('models trained with the new optimizers against the float64 reference', () => {
  beforeAll(() => initForTests());
  for (const c of MODEL_CASES)
    it(c.name, () => {
      const m = new Sequential({ layers: [new Dense({ units: U, inputShape: [I] })] });
      m.layers[0].setWeights([W0, B0]);
      m.compile({ optimizer: c.optimizer as never, loss: 'mse', ...c.compile });
      const W = Float64Array.from(W0.data),
        b = Float64Array.from(B0.data);
      const slots = [W, b].map((t) => [new Float64Array(t.length).fill(c.init1 ?? 0), new Float64Array(t.length)]);
      const rule = c.rule();
      for (let it = 0; it < 4; it++) {
        m.trainOnBatch(x, y);
        const grads = linearGrads(W, b);
        if (c.compile?.clipValue) for (const g of grads) g.forEach((v, i) => (g[i] = Math.min(c.compile!.clipValue!, Math.max(-c.compile!.clipValue!, v))));
        kerasClip(grads, c.clip ?? {});
        const lr = c.lr(it);
        [W, b].forEach((w, j) => {
          if (c.decay) weightDecayStep(w, lr, c.decay);
          rule(w, grads[j], slots[j][0], slots[j][1], lr, it + 1);
        });
      }
      const [gw, gb] = m.getWeights();
      const e = Math.max(maxAbsDiff(gw.data, W), maxAbsDiff(gb.data, b));
      worst.model = Math.max(worst.model, e);
      expect(e).toBeLessThan(5e-6);
      // The rule moved the weights more than the tolerance.
      expect(maxAbsDiff(gw.data, W0.data)).toBeGreaterThan(1e-4);
      expect(m.optimizer!.iterations).toBe(4);
      m.dispose();
    });

  it('the clip options change the result (without them the weights differ)', () => {
    const train = (opt: Record<string, unknown>) => {
      const m = new Sequential({ layers: [new Dense({ units: U, inputShape: [I] })] });
      m.layers[0].setWeights([W0, B0]);
      m.compile({ optimizer: opt as never, loss: 'mse' });
      for (let i = 0; i < 3; i++) m.trainOnBatch(x, y);
      const w = m.getWeights()[0].data;
      m.dispose();
      return w;
    };
    const plain = train({ name: 'sgd', learningRate: 0.5 });
    for (const extra of [{ clipnorm: 0.01 }, { globalClipnorm: 0.01 }, { clipvalue: 0.001 }, { weightDecay: 0.5 }])
      expect(maxAbsDiff(train({ name: 'sgd', learningRate: 0.5, ...extra }), plain), JSON.stringify(extra)).toBeGreaterThan(1e-3);
  });
});

describe('adagrad and adamax against TF.js (same weights and data, five steps)', () => {
  beforeAll(async () => {
    await initForTests();
    await tfCpu();
  });
  const cases = [
    { name: 'adagrad lr 0.1', ours: { name: 'adagrad', learningRate: 0.1 }, theirs: () => tf.train.adagrad(0.1, 0.1) },
    { name: 'adagrad lr 0.05, initial accumulator 0.5', ours: { name: 'adagrad', learningRate: 0.05, initialAccumulatorValue: 0.5 }, theirs: () => tf.train.adagrad(0.05, 0.5) },
    { name: 'adamax lr 0.02', ours: { name: 'adamax', learningRate: 0.02 }, theirs: () => tf.train.adamax(0.02, 0.9, 0.999, 1e-7, 0) },
    { name: 'adamax lr 0.01, beta 0.8/0.95', ours: { name: 'adamax', learningRate: 0.01, beta1: 0.8, beta2: 0.95 }, theirs: () => tf.train.adamax(0.01, 0.8, 0.95, 1e-7, 0) },
  ];
  for (const c of cases)
    for (const net of ['dense', 'lstm'] as const)
      it(`${c.name}, ${net === 'dense' ? 'Dense(tanh) → Dense' : 'LSTM(4) → Dense'}`, async () => {
        const T = 4,
          F = 3,
          n = 10;
        const xs = net === 'dense' ? randTensor([n, I], 7) : randTensor([n, T, F], 7);
        const ys = randTensor([n, 2], 8);
        const ours =
          net === 'dense'
            ? new Sequential({ layers: [new Dense({ units: 4, activation: 'tanh', inputShape: [I] }), new Dense({ units: 2 })] })
            : new Sequential({ layers: [new LSTM({ units: 4, inputShape: [T, F] }), new Dense({ units: 2 })] });
        const theirs =
          net === 'dense'
            ? tf.sequential({ layers: [tf.layers.dense({ units: 4, activation: 'tanh', inputShape: [I] }), tf.layers.dense({ units: 2 })] })
            : tf.sequential({ layers: [tf.layers.lstm({ units: 4, inputShape: [T, F], recurrentActivation: 'sigmoid' }), tf.layers.dense({ units: 2 })] });
        ours.layers.forEach((l: Layer, i) => {
          const ws = l.getWeights().map((w, j) => randTensor(w.shape, 20 + i * 10 + j, 0.5));
          l.setWeights(ws);
          theirs.layers[i].setWeights(ws.map(toTf));
        });
        ours.compile({ optimizer: c.ours as never, loss: 'mse' });
        theirs.compile({ optimizer: c.theirs(), loss: 'meanSquaredError' });
        const xt = toTf(xs),
          yt = toTf(ys);
        for (let s = 0; s < 5; s++) {
          ours.trainOnBatch(xs, ys);
          await theirs.trainOnBatch(xt, yt);
        }
        let dW = 0;
        ours.layers.forEach((l: Layer, i) =>
          l.getWeights().forEach((w, j) => {
            dW = Math.max(dW, maxAbsDiff(w.data, fromTf(theirs.layers[i].getWeights()[j]).data));
          }),
        );
        worst.tf = Math.max(worst.tf, dW);
        expect(dW).toBeLessThan(1e-5);
        xt.dispose();
        yt.dispose();
        ours.dispose();
        theirs.dispose();
      });
});

describe('saving', () => {
  beforeAll(() => initForTests());
  it("the optimizer's config (with clipping and weight decay) comes back with loadModel", async () => {
    for (const opt of [
      'adamw',
      { name: 'nadam', learningRate: 0.003, beta_1: 0.85 },
      { name: 'adagrad', initial_accumulator_value: 0.3, clipnorm: 1.5 },
      { name: 'adamax', globalClipnorm: 2, weightDecay: 0.01 },
      { name: 'adamw', clipvalue: 0.5, learningRate: { className: 'CosineDecay', config: { initialLearningRate: 0.01, decaySteps: 100 } } },
    ]) {
      const m = new Sequential({ layers: [new Dense({ units: 2, inputShape: [3] })] });
      m.compile({ optimizer: opt as never, loss: 'huber' });
      const again = await loadModel(m.save());
      expect(again.optimizer!.config, JSON.stringify(opt)).toEqual(m.optimizer!.config);
      expect(again.optimizer!.name).toBe(m.optimizer!.name);
      m.dispose();
      again.dispose();
    }
  });
});

describe('optimizer state through save({ includeOptimizer: true }) and a new compile', () => {
  beforeAll(() => initForTests());
  const xs = randTensor([12, 4, 3], 31),
    ys = randTensor([12, 2], 32);
  const make = () => {
    const m = new Sequential({ seed: 3, layers: [new LSTM({ units: 5, inputShape: [4, 3] }), new Dense({ units: 2 })] });
    return m;
  };
  for (const opt of ['adamw', 'nadam', { name: 'adagrad', learningRate: 0.05 }, 'adamax', { name: 'rmsprop', momentum: 0.5 }])
    it(`${JSON.stringify(opt)}: a model saved mid-training and loaded goes on bit for bit as the uninterrupted one`, async () => {
      const a = make();
      a.compile({ optimizer: opt as never, loss: 'mse' });
      for (let i = 0; i < 3; i++) a.trainOnBatch(xs, ys);
      const saved = a.save({ includeOptimizer: true });
      const plain = a.save();
      for (let i = 0; i < 3; i++) a.trainOnBatch(xs, ys);
      const b = await loadModel(saved);
      expect(b.optimizer!.iterations).toBe(3);
      for (let i = 0; i < 3; i++) b.trainOnBatch(xs, ys);
      a.getWeights().forEach((w, j) => expect(Array.from(b.getWeights()[j].data)).toEqual(Array.from(w.data)));
      // Without the optimizer's state the continuation differs (fresh moments, step count 0).
      const c = await loadModel(plain);
      expect(c.optimizer!.iterations).toBe(0);
      for (let i = 0; i < 3; i++) c.trainOnBatch(xs, ys);
      expect(maxAbsDiff(c.getWeights()[0].data, a.getWeights()[0].data)).toBeGreaterThan(1e-7);
      [a, b, c].forEach((m) => m.dispose());
    });

  it('compile again starts the new optimizer from empty slots, as a fresh model', () => {
    const a = make(),
      b = make();
    a.compile({ optimizer: 'adam', loss: 'mse' });
    for (let i = 0; i < 3; i++) a.trainOnBatch(xs, ys);
    b.setWeights(a.getWeights());
    a.compile({ optimizer: { name: 'adagrad', learningRate: 0.1 }, loss: 'mse' });
    b.compile({ optimizer: { name: 'adagrad', learningRate: 0.1 }, loss: 'mse' });
    for (let i = 0; i < 2; i++) {
      a.trainOnBatch(xs, ys);
      b.trainOnBatch(xs, ys);
    }
    a.getWeights().forEach((w, j) => expect(Array.from(b.getWeights()[j].data)).toEqual(Array.from(w.data)));
    a.dispose();
    b.dispose();
  });

  it('bad state and options are refused, naming what was expected', () => {
    const a = make();
    expect(() => a.save({ includeOptimizer: true })).toThrow(/includeOptimizer needs a compiled model/);
    expect(() => a.save({ includeOptimizer: 'yes' as never })).toThrow(/'includeOptimizer' must be true or false/);
    a.compile({ optimizer: 'nadam', loss: 'mse' });
    const st = a.getOptimizerState()!;
    expect(() => a.setOptimizerState({ iterations: 1, slots: st.slots.subarray(1) })).toThrow(
      /'slots' must be a Float32Array of \d+ values \(two per parameter\), got \d+ values/,
    );
    expect(() => a.setOptimizerState({ iterations: -1, slots: st.slots })).toThrow(/'iterations' must be an integer ≥ 0, got -1/);
    a.dispose();
  });
});

describe('bad input', () => {
  beforeAll(() => initForTests());
  const m = () => new Sequential({ layers: [new Dense({ units: 2, inputShape: [3] })] });
  const bad = (opt: unknown, re: RegExp) => {
    let err: unknown;
    try {
      m().compile({ optimizer: opt as never, loss: 'mse' });
    } catch (e) {
      err = e;
    }
    expect(err, JSON.stringify(opt)).toBeInstanceOf(LstmWasmError);
    expect((err as Error).message).toMatch(re);
  };
  it('names what is wrong and what was expected', () => {
    bad('adamz', /unknown optimizer "adamz"; known: .*'adamw', 'nadam', 'adamax', 'adagrad'/);
    bad({ name: 'adamw', weightDecay: -0.1 }, /'weightDecay' must be a finite number ≥ 0, got -0.1/);
    bad({ name: 'adam', weight_decay: Number.NaN }, /'weight_decay' must be a finite number ≥ 0/);
    bad({ name: 'sgd', clipnorm: 1, clipvalue: 1 }, /only one of clipnorm, clipvalue and globalClipnorm can be set .*'clipnorm' and 'clipvalue'/);
    bad({ name: 'sgd', clipnorm: 1, global_clipnorm: 1 }, /only one of clipnorm, clipvalue and globalClipnorm/);
    bad({ name: 'sgd', clipnorm: 1, clipNorm: 2 }, /give 'clipnorm' or 'clipNorm', not both/);
    bad({ name: 'nadam', clipnorm: 0 }, /'clipnorm' must be a positive number, got 0/);
    bad({ name: 'adamax', globalClipnorm: -1 }, /'globalClipnorm' must be a positive number, got -1/);
    bad({ name: 'adagrad', initialAccumulatorValue: -1 }, /'initialAccumulatorValue' must be a number in \[0, Infinity\], got -1/);
    bad({ name: 'adagrad', beta1: 0.9 }, /unknown option 'beta1'/);
    bad({ name: 'nadam', beta_1: 1.5 }, /'beta1' must be a number in \[0, 1\], got 1.5/);
    bad({ name: 'adamw', learningRate: -1 }, /'learningRate' must be a number in \(0, Infinity\], got -1/);
    bad({ name: 'adamw', amsgrad: true }, /unknown option 'amsgrad'/);
  });
  it('nothing changes when compile is refused', () => {
    const model = m();
    model.compile({ optimizer: 'adamw', loss: 'mse' });
    expect(() => model.compile({ optimizer: { name: 'adamw', weightDecay: -1 } as never, loss: 'mse' })).toThrow(LstmWasmError);
    expect(model.optimizer!.name).toBe('adamw');
    expect(model.optimizer!.config.weightDecay).toBe(0.004);
  });
});


