// Keras's spellings, consistently: snake_case option names in layers (LSTM, GRU, SimpleRNN, Dense),
// fit, predict, evaluate and compile; units first (new LSTM(50, { ... })); loss and metric class
// names; metrics as a plain string. Real typos keep their "did you mean".
import { beforeAll, describe, expect, it } from 'vitest';
import { Dense, EarlyStopping, GRU, LSTM, ModelCheckpoint, ReduceLROnPlateau, Sequential, SimpleRNN } from '../src/index.js';
import { initForTests, randTensor } from './util/tfjs.js';

beforeAll(async () => { await initForTests(); });

const x = randTensor([12, 5, 3], 1);
const y = { data: Float32Array.from({ length: 12 }, (_, i) => i % 2), shape: [12, 1] };

describe('layers: units first, snake_case options', () => {
  it('new LSTM(50, { return_sequences, input_shape }) is new LSTM({ units: 50, returnSequences, inputShape })', () => {
    const a = new LSTM(50, { return_sequences: true, input_shape: [5, 3], recurrent_activation: 'hardSigmoid', unit_forget_bias: false } as never);
    const b = new LSTM({ units: 50, returnSequences: true, inputShape: [5, 3], recurrentActivation: 'hardSigmoid', unitForgetBias: false });
    const { name: _a, ...ca } = a.getConfig();
    const { name: _b, ...cb } = b.getConfig();
    expect(ca).toEqual(cb);
    expect(a.units).toBe(50);
    expect(a.returnSequences).toBe(true);
    expect(a.inputShape).toEqual([5, 3]);
    const g = new GRU(7, { reset_after: false, go_backwards: true } as never);
    expect([g.units, g.resetAfter, g.goBackwards]).toEqual([7, false, true]);
    const r = new SimpleRNN(3);
    expect(r.units).toBe(3);
    const d = new Dense(1, { activation: 'sigmoid', use_bias: false, kernel_initializer: 'zeros' } as never);
    expect([d.units, d.activation, d.useBias, d.kernelInitializer]).toEqual([1, 'sigmoid', false, 'zeros']);
  });

  it('a model written the Keras way trains as the camelCase one, bit for bit', async () => {
    const k = new Sequential({ seed: 4, layers: [new LSTM(6, { input_shape: [5, 3] } as never), new Dense(1, { activation: 'sigmoid' })] });
    const c = new Sequential({ seed: 4, layers: [new LSTM({ units: 6, inputShape: [5, 3] }), new Dense({ units: 1, activation: 'sigmoid' })] });
    k.compile({ optimizer: { name: 'adam', learning_rate: 0.01 } as never, loss: 'BinaryCrossentropy', metrics: 'accuracy' });
    c.compile({ optimizer: { name: 'adam', learningRate: 0.01 }, loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const hk = await k.fit(x, y, { epochs: 2, batch_size: 4, validation_split: 0.25, verbose: 0, seed: 1 } as never);
    const hc = await c.fit(x, y, { epochs: 2, batchSize: 4, validationSplit: 0.25, verbose: 0, seed: 1 });
    expect(hk.history).toEqual(hc.history);
    expect(Object.keys(hk.history)).toEqual(['loss', 'accuracy', 'val_loss', 'val_accuracy']);
    expect(hk.params.batchSize).toBe(4);
    expect(Array.from((k.predict(x, { batch_size: 5 } as never) as { data: Float32Array }).data)).toEqual(Array.from((c.predict(x, { batchSize: 5 }) as { data: Float32Array }).data));
    expect(k.evaluate(x, y, { batch_size: 5 } as never)).toEqual(c.evaluate(x, y, { batchSize: 5 }));
    k.dispose(); c.dispose();
  });

  it('typos keep their "did you mean", named as written; a name given twice is an error', () => {
    expect(() => new LSTM(4, { return_sequence: true } as never)).toThrow(/LSTM 'lstm.*': unknown option 'return_sequence'; did you mean 'returnSequences'\?/);
    expect(() => new Dense(4, { activaton: 'relu' } as never)).toThrow(/unknown option 'activaton'; did you mean 'activation'\?/);
    expect(() => new Dense({ units: 4, use_bias: true, useBias: false } as never)).toThrow(/option 'useBias' is given twice \(as 'use_bias' and 'useBias'\)/);
    expect(() => new LSTM(4, { units: 5 } as never)).toThrow(/'units' is given twice: 4 first and 5 in the options/);
    expect(() => new LSTM({ units: 4 } as never, { returnSequences: true } as never)).toThrow(/the first argument must be the number of units or an options object/);
    expect(() => new LSTM(0)).toThrow(/'units' must be a positive integer/);
    expect(() => new Dense(null as never)).toThrow(/dense: expected an options object such as \{ units: 1 \}/);
  });
});

describe('compile and fit: Keras names', () => {
  it('loss and metric class names; metric keys as Keras logs them', async () => {
    const m = new Sequential({ seed: 2, layers: [new LSTM(4, { input_shape: [5, 3] } as never), new Dense(2)] });
    m.compile({ optimizer: 'sgd', loss: 'MeanSquaredError', metrics: ['MeanAbsoluteError', 'mse'] });
    const h = await m.fit(x, randTensor([12, 2], 3), { epochs: 1, verbose: 0 });
    expect(Object.keys(h.history)).toEqual(['loss', 'mean_absolute_error', 'mse']);
    expect(h.history.loss[0]).toBeCloseTo(h.history.mse[0], 6);
    m.compile({ optimizer: 'sgd', loss: 'MeanAbsoluteError', metrics: 'MeanSquaredError' });
    const h2 = await m.fit(x, randTensor([12, 2], 3), { epochs: 1, verbose: 0 });
    expect(Object.keys(h2.history)).toEqual(['loss', 'mean_squared_error']);
    const c = new Sequential({ seed: 2, layers: [new Dense(3, { input_shape: [4], activation: 'softmax' } as never)] });
    c.compile({ optimizer: 'adam', loss: 'SparseCategoricalCrossentropy', metrics: 'SparseCategoricalAccuracy' });
    const h3 = await c.fit(randTensor([6, 4], 5), { data: Float32Array.from([0, 1, 2, 0, 1, 2]), shape: [6, 1] }, { epochs: 1, verbose: 0 });
    expect(Object.keys(h3.history)).toEqual(['loss', 'sparse_categorical_accuracy']);
    m.compile({ optimizer: 'adam', loss: 'CategoricalCrossentropy', loss_weights: [1], clip_norm: 1 } as never);
    expect(() => m.compile({ optimizer: 'adam', loss: 'MeanSquaredErrors' as never })).toThrow(/option 'loss' must be one of .*'MeanSquaredError'/);
    expect(() => m.compile({ optimizer: 'adam', loss: 'mse', metrics: 'Accuracyy' })).toThrow(/unknown metric "Accuracyy"/);
    expect(() => m.compile({ optimizer: 'adam', loss: 'mse', loss_weight: [1] } as never)).toThrow(/unknown option 'loss_weight'; did you mean 'lossWeights'\?/);
    m.dispose(); c.dispose();
  });

  it('callbacks take Keras names too', () => {
    const e = new EarlyStopping({ min_delta: 0.5, restore_best_weights: true, patience: 2 } as never);
    expect([e.minDelta, e.restoreBestWeights, e.patience]).toEqual([0.5, true, 2]);
    const r = new ReduceLROnPlateau({ min_lr: 0.001, min_delta: 0 } as never);
    expect([r.minLr, r.minDelta]).toEqual([0.001, 0]);
    const c = new ModelCheckpoint({ filepath: 'm.lstm', save_best_only: true, save_freq: 3 } as never);
    expect([c.saveBestOnly, c.saveFreq]).toEqual([true, 3]);
    expect(() => new EarlyStopping({ restore_best_weight: true } as never)).toThrow(/unknown option 'restore_best_weight'; did you mean 'restoreBestWeights'\?/);
  });
});
