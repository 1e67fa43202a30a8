// Learning-rate schedules against Keras 3's formulas (keras/src/optimizers/schedules/
// learning_rate_schedule.py) written out here in float64, at several steps each; CosineDecayRestarts
// also against a reference that walks the periods one by one instead of solving for the restart.
// Then in fit: the rate of every batch is in the logs as `lr`, and a schedule's updates equal those
// of a fixed rate set by hand to the same value before each batch.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CosineDecay, CosineDecayRestarts, Dense, ExponentialDecay, InverseTimeDecay, LambdaCallback, LSTM, LearningRateSchedule,
  LstmWasmError, PiecewiseConstantDecay, PolynomialDecay, Sequential, loadModel, type Logs,
} from '../src/index.js';
import { initForTests, randTensor } from './util/tfjs.js';

beforeAll(async () => { await initForTests(); });

const STEPS = [0, 1, 2, 3, 5, 7, 10, 15, 19, 20, 21, 33, 50, 99, 100, 101, 250, 1000];
let worst = 0;
function agree(s: LearningRateSchedule, ref: (step: number) => number): void {
  for (const step of STEPS) {
    const a = s.call(step), b = ref(step);
    const e = Math.abs(a - b) / Math.max(1e-12, Math.abs(b));
    worst = Math.max(worst, e);
    expect(e, `${s.className} at step ${step}: ${a} vs ${b}`).toBeLessThan(1e-12);
  }
}

describe('schedules: Keras 3 formulas', () => {
  it('ExponentialDecay: initial · rate^(step/steps), floored exponent when staircase', () => {
    agree(new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.96 }), (t) => 0.1 * 0.96 ** (t / 10));
    agree(new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: true }), (t) => 0.1 * 0.5 ** Math.floor(t / 10));
    // Keras's docstring example: 0.1 after 0 steps, 0.1 · 0.96^(10000/10000) after 10000.
    expect(new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 10000, decayRate: 0.96 }).call(10000)).toBeCloseTo(0.096, 15);
  });

  it('PiecewiseConstantDecay: values[i] for boundaries[i-1] < step ≤ boundaries[i]', () => {
    const s = new PiecewiseConstantDecay({ boundaries: [10, 20], values: [1.0, 0.5, 0.1] });
    agree(s, (t) => (t <= 10 ? 1.0 : t <= 20 ? 0.5 : 0.1));
    expect([10, 11, 20, 21].map((t) => s.call(t))).toEqual([1.0, 0.5, 0.5, 0.1]);
  });

  it('PolynomialDecay: (init - end)(1 - step/steps)^power + end; cycle stretches the steps', () => {
    agree(new PolynomialDecay({ initialLearningRate: 0.1, decaySteps: 20, endLearningRate: 0.01, power: 0.5 }), (t) => {
      const s = Math.min(t, 20);
      return (0.1 - 0.01) * (1 - s / 20) ** 0.5 + 0.01;
    });
    agree(new PolynomialDecay({ initialLearningRate: 0.1, decaySteps: 20, power: 2, cycle: true }), (t) => {
      const steps = 20 * (t === 0 ? 1 : Math.ceil(t / 20));
      return (0.1 - 0.0001) * (1 - t / steps) ** 2 + 0.0001;
    });
    // Default end rate 0.0001, reached at decaySteps and held.
    const d = new PolynomialDecay({ initialLearningRate: 0.1, decaySteps: 20 });
    expect(d.call(20)).toBeCloseTo(0.0001, 15);
    expect(d.call(500)).toBeCloseTo(0.0001, 15);
  });

  it('InverseTimeDecay: init / (1 + rate · step/steps)', () => {
    agree(new InverseTimeDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 }), (t) => 0.1 / (1 + 0.5 * (t / 10)));
    agree(new InverseTimeDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: true }), (t) => 0.1 / (1 + 0.5 * Math.floor(t / 10)));
  });

  it('CosineDecay, with and without warm-up', () => {
    const cos = (t: number, steps: number, from: number, alpha: number) => from * ((1 - alpha) * 0.5 * (1 + Math.cos((Math.PI * t) / steps)) + alpha);
    agree(new CosineDecay({ initialLearningRate: 0.1, decaySteps: 100, alpha: 0.1 }), (t) => cos(Math.min(t, 100), 100, 0.1, 0.1));
    // Warm-up from 0 to 1 over 20 steps (linear), then decay from 1 over 100 steps.
    agree(new CosineDecay({ initialLearningRate: 0, decaySteps: 100, warmupTarget: 1, warmupSteps: 20 }), (t) => {
      const s = Math.min(t, 120);
      return s < 20 ? (1 - 0) * (s / 20) + 0 : cos(s - 20, 100, 1, 0);
    });
    const w = new CosineDecay({ initialLearningRate: 0.01, decaySteps: 100, warmupTarget: 0.1, warmupSteps: 10 });
    expect(w.call(0)).toBe(0.01);
    expect(w.call(5)).toBeCloseTo(0.055, 15);
    expect(w.call(10)).toBeCloseTo(0.1, 15); // the peak
    expect(w.call(60)).toBeCloseTo(0.05, 15); // half-way down
    expect(w.call(110)).toBeCloseTo(0, 15);
  });

  it('CosineDecayRestarts: Keras formula, and a walk over the periods', () => {
    const keras = (init: number, first: number, tMul: number, mMul: number, alpha: number) => (t: number) => {
      let f = t / first, i: number;
      if (tMul === 1) { i = Math.floor(f); f -= i; } else {
        i = Math.floor(Math.log(1 - f * (1 - tMul)) / Math.log(tMul));
        const sumR = (1 - tMul ** i) / (1 - tMul);
        f = (f - sumR) / tMul ** i;
      }
      return init * ((1 - alpha) * 0.5 * mMul ** i * (1 + Math.cos(Math.PI * f)) + alpha);
    };
    const walk = (init: number, first: number, tMul: number, mMul: number, alpha: number) => (t: number) => {
      let start = 0, period = first, peak = 1;
      while (t >= start + period) { start += period; period *= tMul; peak *= mMul; }
      return init * ((1 - alpha) * 0.5 * peak * (1 + Math.cos((Math.PI * (t - start)) / period)) + alpha);
    };
    for (const [tMul, mMul, alpha] of [[2, 1, 0], [2, 0.5, 0.1], [1, 0.8, 0], [1.5, 1, 0.05]]) {
      const s = new CosineDecayRestarts({ initialLearningRate: 0.1, firstDecaySteps: 10, tMul, mMul, alpha });
      agree(s, keras(0.1, 10, tMul, mMul, alpha));
      // The walk agrees away from the restarts themselves (where log rounding may pick either side).
      for (const t of [0, 3, 9, 11, 17, 29, 31, 44, 69, 71]) expect(s.call(t)).toBeCloseTo(walk(0.1, 10, tMul, mMul, alpha)(t), 12);
    }
    // A restart: back to the (scaled) peak.
    const r = new CosineDecayRestarts({ initialLearningRate: 1, firstDecaySteps: 10, tMul: 2, mMul: 0.5 });
    expect(r.call(10)).toBeCloseTo(0.5, 12);
    expect(r.call(30)).toBeCloseTo(0.25, 12);
  });

  it('snake_case options as Keras writes them', () => {
    const s = new ExponentialDecay({ initial_learning_rate: 0.1, decay_steps: 10, decay_rate: 0.5 } as never);
    expect(s.call(10)).toBeCloseTo(0.05, 15);
    expect(new CosineDecay({ initial_learning_rate: 0, decay_steps: 10, warmup_target: 1, warmup_steps: 10 } as never).call(5)).toBeCloseTo(0.5, 15);
  });

  it('bad input: negative rates, unknown schedules, unknown options', () => {
    expect(() => new ExponentialDecay({ initialLearningRate: -0.1, decaySteps: 10, decayRate: 0.9 })).toThrow(/initialLearningRate' must be a finite number ≥ 0, got -0.1/);
    expect(() => new PiecewiseConstantDecay({ boundaries: [10], values: [0.1, -1] })).toThrow(/values\[1\]' must be a finite number ≥ 0/);
    expect(() => new PiecewiseConstantDecay({ boundaries: [10, 5], values: [1, 2, 3] })).toThrow(/must increase/);
    expect(() => new PiecewiseConstantDecay({ boundaries: [10], values: [1] })).toThrow(/one more entry/);
    expect(() => new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 0, decayRate: 0.9 })).toThrow(/decaySteps' must be a finite number > 0/);
    expect(() => new CosineDecay({ initialLearningRate: 0.1, decaySteps: 10, warmupTarget: 1 })).toThrow(/warmupSteps/);
    expect(() => new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.9, stairCase: true } as never)).toThrow(/did you mean 'staircase'/);
    const m = new Sequential({ layers: [new Dense({ units: 1, inputShape: [2] })] });
    expect(() => m.compile({ optimizer: { name: 'sgd', learningRate: { className: 'StepDecay', config: {} } as never }, loss: 'mse' })).toThrow(LstmWasmError);
    expect(() => m.compile({ optimizer: { name: 'sgd', learningRate: { className: 'StepDecay', config: {} } as never }, loss: 'mse' })).toThrow(/unknown learning-rate schedule "StepDecay"; known: 'ExponentialDecay'/);
    expect(() => m.compile({ optimizer: { name: 'adam', learningRate: -0.01 }, loss: 'mse' })).toThrow(/'learningRate' must be a number in \(0, Infinity\], got -0.01/);
    m.compile({ optimizer: { name: 'sgd', learningRate: new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 1, decayRate: 0.5 }) }, loss: 'mse' });
    expect(() => { m.optimizer!.learningRate = 0.5; }).toThrow(/follows a ExponentialDecay schedule, so it cannot be set/);
  });

  afterAllLog();
});

function afterAllLog(): void {
  // Printed once the describe block's tests have run (the figure the note quotes).
  it('(largest relative difference from the formulas)', () => {
    console.log(`schedules: largest relative difference from Keras's formulas over ${STEPS.length} steps each: ${worst.toExponential(2)}`);
  });
}

describe('schedules in fit', () => {
  function make(lr: unknown) {
    const m = new Sequential({ seed: 3, layers: [new LSTM({ units: 4, inputShape: [5, 2] }), new Dense({ units: 1 })] });
    m.compile({ optimizer: { name: 'adam', learningRate: lr as number }, loss: 'mse' });
    return m;
  }
  const x = randTensor([24, 5, 2], 1), y = randTensor([24, 1], 2);

  for (const [name, sched] of [
    ['ExponentialDecay', () => new ExponentialDecay({ initialLearningRate: 0.05, decaySteps: 3, decayRate: 0.5 })],
    ['PiecewiseConstantDecay', () => new PiecewiseConstantDecay({ boundaries: [2, 5], values: [0.05, 0.02, 0.005] })],
    ['CosineDecay warm-up', () => new CosineDecay({ initialLearningRate: 0, decaySteps: 6, warmupTarget: 0.05, warmupSteps: 3 })],
    ['CosineDecayRestarts', () => new CosineDecayRestarts({ initialLearningRate: 0.05, firstDecaySteps: 2 })],
  ] as const) {
    it(`${name}: lr in each batch's logs; the same weights as a fixed rate set to it before each batch`, async () => {
      const s = sched();
      const a = make(s);
      const seen: number[] = [];
      await a.fit(x, y, { epochs: 3, batchSize: 8, shuffle: false, verbose: 0, callbacks: [new LambdaCallback({ onBatchEnd: (_b: number, logs?: Logs) => { seen.push(logs!.lr); } })] });
      expect(seen).toEqual(Array.from({ length: 9 }, (_, i) => s.call(i)));
      const b = make(1);
      let step = 0;
      await b.fit(x, y, { epochs: 3, batchSize: 8, shuffle: false, verbose: 0, callbacks: [new LambdaCallback({ onBatchBegin: () => { b.optimizer!.learningRate = s.call(step++); } })] });
      const wa = a.getWeights(), wb = b.getWeights();
      wa.forEach((w, i) => expect(Array.from(w.data)).toEqual(Array.from(wb[i].data)));
      a.dispose(); b.dispose();
    });
  }

  it('a model compiled with a schedule saves it and loads it back', async () => {
    const a = make(new PolynomialDecay({ initialLearningRate: 0.05, decaySteps: 10, power: 2 }));
    await a.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
    const b = await loadModel(a.save());
    expect(b.optimizer!.schedule).toBeInstanceOf(PolynomialDecay);
    expect(b.optimizer!.config.learningRate).toEqual({ className: 'PolynomialDecay', config: { initialLearningRate: 0.05, decaySteps: 10, endLearningRate: 0.0001, power: 2, cycle: false } });
    a.dispose(); b.dispose();
  });
});
