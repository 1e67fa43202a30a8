// tune(): the grid enumerates exactly the space; random search is reproducible with a seed;
// Hyperband's brackets are the paper's (Li et al. 2018, Table 1 for R = 81, η = 3) and a run
// follows them; the Gaussian process with expected improvement finds the minimum of a known 1-D
// function faster than random search over seeds, and its acquisition matches the closed form;
// the best model comes back trained (its evaluate equals its score); bad spaces and options fail.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { Dense, LstmWasmError, Sequential, tune, hyperbandBrackets, type HyperParameters } from '../src/index.js';
import {
  Space,
  bayesianOracle,
  expectedImprovement,
  fitGaussianProcess,
  normCdf,
  randomOracle,
  seededRandom,
  HyperParameters as HP,
} from '../src/tune.js';
import { initForTests, randTensor } from './util/tfjs.js';

beforeAll(async () => {
  await initForTests();
});

// A small regression problem: y = a linear map of x plus a bend.
const x = randTensor([60, 3], 41);
const y = {
  data: Float32Array.from({ length: 60 }, (_, i) => x.data[i * 3] - 0.5 * x.data[i * 3 + 1] + Math.tanh(x.data[i * 3 + 2])),
  shape: [60, 1],
};
const xv = randTensor([20, 3], 42);
const yv = {
  data: Float32Array.from({ length: 20 }, (_, i) => xv.data[i * 3] - 0.5 * xv.data[i * 3 + 1] + Math.tanh(xv.data[i * 3 + 2])),
  shape: [20, 1],
};

function build(hp: HyperParameters) {
  const m = new Sequential({
    seed: hp.seed,
    layers: [
      new Dense({ units: hp.int('units', 2, 6, 2), inputShape: [3], activation: hp.choice('activation', ['tanh', 'relu']) }),
      new Dense({ units: 1 }),
    ],
  });
  m.compile({ optimizer: { name: 'adam', learningRate: hp.float('lr', 1e-3, 1e-1, { sampling: 'log' }) }, loss: 'mse' });
  return m;
}
const quiet = { x, y, validationData: [xv, yv] as [typeof xv, typeof yv], epochs: 2, batchSize: 16, verbose: 0 as const };

describe('tune: strategies', () => {
  it('grid enumerates exactly the space, each combination once, the last name fastest', async () => {
    const r = await tune({
      ...quiet,
      build: (hp) => {
        const m = new Sequential({
          seed: hp.seed,
          layers: [new Dense({ units: hp.int('units', 2, 6, 2), inputShape: [3] }), new Dense({ units: 1, useBias: hp.boolean('bias') })],
        });
        m.compile({ optimizer: { name: 'sgd', learningRate: hp.choice('lr', [0.01, 0.03]) }, loss: 'mse' });
        return m;
      },
      strategy: 'grid',
      seed: 1,
    });
    const got = r.trials.map((t) => [t.hyperparameters.units, t.hyperparameters.bias, t.hyperparameters.lr]);
    const want: unknown[] = [];
    for (const u of [2, 4, 6]) for (const b of [false, true]) for (const lr of [0.01, 0.03]) want.push([u, b, lr]);
    expect(got).toEqual(want);
    expect(r.trials.every((t) => t.status === 'completed' && Number.isFinite(t.score))).toBe(true);
    // maxTrials caps the grid.
    const few = await tune({ ...quiet, build, strategy: 'grid', maxTrials: 3, seed: 1, epochs: 1, objective: 'val_loss' }).catch((e) => e);
    expect(String(few)).toMatch(/strategy 'grid' needs a finite list for hp.float\('lr'\): give it a step/);
    r.bestModel.dispose();
  });

  it('random search is reproducible with a seed (values and scores), and another seed draws other values', async () => {
    const run = (seed: number) => tune({ ...quiet, build, strategy: 'random', maxTrials: 4, seed });
    const [a, b, c] = [await run(7), await run(7), await run(8)];
    expect(a.trials.map((t) => t.hyperparameters)).toEqual(b.trials.map((t) => t.hyperparameters));
    expect(a.trials.map((t) => t.score)).toEqual(b.trials.map((t) => t.score));
    expect(a.trials.map((t) => t.hyperparameters)).not.toEqual(c.trials.map((t) => t.hyperparameters));
    // Values stay in their ranges, on their steps.
    for (const t of [...a.trials, ...c.trials]) {
      expect([2, 4, 6]).toContain(t.hyperparameters.units);
      expect(['tanh', 'relu']).toContain(t.hyperparameters.activation);
      expect(t.hyperparameters.lr as number).toBeGreaterThanOrEqual(1e-3);
      expect(t.hyperparameters.lr as number).toBeLessThanOrEqual(1e-1);
    }
    for (const r of [a, b, c]) r.bestModel.dispose();
  });

  it('the best model comes back trained: its evaluate on the validation data is its score (epochs 1); the others are disposed', async () => {
    const made: Sequential[] = [];
    const r = await tune({
      ...quiet,
      epochs: 1,
      build: (hp) => {
        const m = build(hp);
        made.push(m);
        return m;
      },
      strategy: 'random',
      maxTrials: 3,
      seed: 3,
    });
    expect(r.bestModel.isDisposed).toBe(false);
    expect(r.bestModel.evaluate(xv, yv) as number).toBeCloseTo(r.bestScore, 6);
    expect(r.bestScore).toBe(Math.min(...r.trials.map((t) => t.score)));
    expect(made.filter((m) => !m.isDisposed)).toEqual([r.bestModel]);
    r.bestModel.dispose();
  });

  it('a progress line per trial (verbose 1), and summary() prints the trials table, best first', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const r = await tune({ ...quiet, verbose: 1, build, strategy: 'bayesian', maxTrials: 5, numInitialPoints: 2, seed: 2 });
    const lines = log.mock.calls.map((c) => String(c[0]));
    log.mockRestore();
    expect(lines.filter((l) => /^Trial \d+\/5: units=\d, activation=\w+, lr=[\d.e-]+ → val_loss [\d.]+/.test(l)).length).toBe(5);
    const table: string[] = [];
    r.summary((l) => table.push(l));
    expect(table[0]).toBe('Trials (5), best val_loss first (min):');
    expect(table[1].split(/\s+/)).toEqual(['trial', 'units', 'activation', 'lr', 'val_loss', 'epochs', 'seconds']);
    const scores = table.slice(3).map((l) => Number(l.trim().split(/\s+/)[4]));
    expect(scores).toEqual([...scores].sort((p, q) => p - q));
    expect(table.length).toBe(3 + 5);
    r.bestModel.dispose();
  });

  it('executionsPerTrial: the score is the mean of the executions', async () => {
    const r = await tune({ ...quiet, build, strategy: 'random', maxTrials: 2, executionsPerTrial: 2, seed: 4 });
    for (const t of r.trials) {
      expect(t.scores.length).toBe(2);
      expect(t.scores[0]).not.toBe(t.scores[1]); // hp.seed differs per execution
      expect(t.score).toBeCloseTo((t.scores[0] + t.scores[1]) / 2, 12);
    }
    r.bestModel.dispose();
  });
});

describe('tune: Hyperband (Li et al. 2018)', () => {
  it("the brackets for R = 81, η = 3 are the paper's Table 1", () => {
    const b = hyperbandBrackets(81, 3);
    expect(b.map((q) => q.s)).toEqual([4, 3, 2, 1, 0]);
    expect(b.map((q) => q.rungs.map((r) => r.configs))).toEqual([[81, 27, 9, 3, 1], [34, 11, 3, 1], [15, 5, 1], [8, 2], [5]]);
    expect(b.map((q) => q.rungs.map((r) => r.epochs))).toEqual([[1, 3, 9, 27, 81], [3, 9, 27, 81], [9, 27, 81], [27, 81], [81]]);
  });

  it('other R and η: s_max = ⌊log_η R⌋, and every bracket ends at R epochs', () => {
    const b = hyperbandBrackets(10, 3); // s_max 2, B = 30
    expect(b.map((q) => q.rungs.map((r) => [r.configs, r.epochs]))).toEqual([
      [[9, 1], [3, 3], [1, 10]],
      [[5, 3], [1, 10]],
      [[3, 10]],
    ]);
    expect(hyperbandBrackets(16, 2).map((q) => q.rungs[0].configs)).toEqual([16, 10, 7, 5, 5]);
    expect(() => hyperbandBrackets(0, 3)).toThrow(/maxEpochs' must be a positive integer/);
    expect(() => hyperbandBrackets(9, 1)).toThrow(/factor' must be a number ≥ 2/);
  });

  it('a run follows the brackets: R = 3, η = 3 trains 3 configs 1 epoch, the best 1 on to 3, then 2 configs for 3', async () => {
    const r = await tune({ ...quiet, build, strategy: 'hyperband', maxEpochs: 3, factor: 3, seed: 5 });
    expect(r.trials.length).toBe(5);
    const s1 = r.trials.filter((t) => t.bracket === 1),
      s0 = r.trials.filter((t) => t.bracket === 0);
    expect(s1.map((t) => t.epochs).sort()).toEqual([1, 1, 3]);
    expect(s0.map((t) => t.epochs)).toEqual([3, 3]);
    const survivor = s1.find((t) => t.epochs === 3)!;
    expect(survivor.rung).toBe(1);
    expect(r.bestModel.isDisposed).toBe(false);
    r.bestModel.dispose();
  });
});

describe('tune: Bayesian optimization (Gaussian process, expected improvement)', () => {
  it('expected improvement is the closed form; Φ is accurate', () => {
    expect(expectedImprovement(0, 1, 0, 0)).toBeCloseTo(1 / Math.sqrt(2 * Math.PI), 6);
    // d = 1: 1·Φ(1) + φ(1), with Φ(1) = 0.8413447460685429 and φ(1) = 0.24197072451914337.
    expect(expectedImprovement(-1, 1, 0, 0)).toBeCloseTo(0.8413447460685429 + 0.24197072451914337, 6);
    expect(expectedImprovement(1, 0, 0)).toBe(0);
    expect(normCdf(1.959963984540054)).toBeCloseTo(0.975, 6);
    expect(normCdf(-3)).toBeCloseTo(0.0013498980316301, 7);
  });

  it('the Gaussian process passes through its points, and is unsure far from them', () => {
    const X = [[0.1], [0.4], [0.9]],
      Y = [1, -2, 0.5];
    const gp = fitGaussianProcess(X, Y, 1e-8);
    X.forEach((p, i) => {
      const { mean, std } = gp.predict(p);
      expect(mean).toBeCloseTo(Y[i], 3);
      expect(std).toBeLessThan(1e-2);
    });
    expect(gp.predict([0.65]).std).toBeGreaterThan(0.05);
  });

  it('finds the minimum of a known 1-D function faster than random search, on average over 10 seeds', () => {
    const f = (v: number) => (v - 0.731) ** 2 + 0.1 * Math.sin(13 * v);
    const bestAfter = (kind: 'random' | 'bayesian', seed: number, trials: number) => {
      const space = new Space();
      new HP(space, {}, 0).float('v', 0, 1);
      const rand = seededRandom(seed);
      const o = kind === 'random' ? randomOracle(space, rand) : bayesianOracle(space, rand, 3);
      let best = Infinity;
      for (let i = 0; i < trials; i++) {
        const v = o.next()!;
        const s = f(v.v as number);
        o.report(v, s);
        best = Math.min(best, s);
      }
      return best;
    };
    // The global minimum on [0, 1], by a fine scan.
    let fmin = Infinity;
    for (let i = 0; i <= 100000; i++) fmin = Math.min(fmin, f(i / 100000));
    const gap = (kind: 'random' | 'bayesian') => {
      let sum = 0;
      for (let seed = 1; seed <= 10; seed++) sum += bestAfter(kind, seed, 10) - fmin;
      return sum / 10;
    };
    const [g, r] = [gap('bayesian'), gap('random')];
    console.log(`tune: after 10 trials, mean gap to the minimum over 10 seeds: GP-EI ${g.toExponential(2)}, random ${r.toExponential(2)}`);
    expect(g).toBeLessThan(r / 3);
  });
});

describe('tune: errors', () => {
  const base = { ...quiet, strategy: 'random' as const, maxTrials: 1, seed: 1 };
  const one = (decl: (hp: HyperParameters) => unknown) => (hp: HyperParameters) => {
    decl(hp);
    return build(hp);
  };
  it('a search space with no values', async () => {
    await expect(tune({ ...base, build: one((hp) => hp.int('n', 5, 2)) })).rejects.toThrow(/hp.int\('n'\): the range holds no values: min 5 > max 2/);
    await expect(tune({ ...base, build: one((hp) => hp.float('f', 1, 0.5)) })).rejects.toThrow(/hp.float\('f'\): the range holds no values/);
    await expect(tune({ ...base, build: one((hp) => hp.choice('c', [])) })).rejects.toThrow(/hp.choice\('c'\): expected a non-empty array/);
    await expect(tune({ ...base, build: one((hp) => hp.float('f', 0, 1, { sampling: 'log' })) })).rejects.toThrow(/sampling 'log' needs min > 0/);
    await expect(tune({ ...base, build: one((hp) => hp.int('n', 1, 4, 0)) })).rejects.toThrow(/step must be a positive integer/);
    await expect(tune({ ...base, build: one((hp) => hp.choice('c', [1, 1])) })).rejects.toThrow(/values must differ/);
  });

  it('an unknown strategy, an objective not in the logs, options for another strategy', async () => {
    await expect(tune({ ...base, build, strategy: 'annealing' as never })).rejects.toThrow(
      /option 'strategy' must be 'random', 'grid', 'hyperband' or 'bayesian', got a string "annealing"/,
    );
    await expect(tune({ ...base, build, objective: 'val_accuracy' })).rejects.toThrow(
      /objective 'val_accuracy' is not in fit's logs \(loss, val_loss\)/,
    );
    const { validationData: _v, ...noVal } = base;
    await expect(tune({ ...noVal, build })).rejects.toThrow(/objective 'val_loss' is a validation value, but neither validationSplit nor validationData/);
    await expect(tune({ ...base, build, strategy: 'hyperband' })).rejects.toThrow(/'hyperband' takes its budget from maxEpochs and factor/);
    await expect(tune({ ...base, build, factor: 3 })).rejects.toThrow(/option 'factor' is for strategy 'hyperband'/);
    const { maxTrials: _m, ...rest } = base;
    const snake = await tune({ ...rest, build, max_trials: 2, executions_per_trial: 1 } as never);
    expect(snake.trials.length).toBe(2); // Keras Tuner's spelling reads as ours
    snake.bestModel.dispose();
    await expect(tune({ ...base, build, maxTrial: 2 } as never)).rejects.toThrow(/unknown option.*maxTrial/);
  });

  it('build must return a compiled model', async () => {
    await expect(tune({ ...base, build: () => 3 as never })).rejects.toThrow(/build\(hp\) with the default values must return a model/);
    await expect(
      tune({ ...base, build: (hp) => new Sequential({ layers: [new Dense({ units: hp.int('u', 1, 2), inputShape: [3] })] }) }),
    ).rejects.toThrow(/returned a model that is not compiled/);
    await expect(tune({ ...base, build: () => build(new HP(new Space(), {}, 0)) })).rejects.toThrow(LstmWasmError);
  });
});
