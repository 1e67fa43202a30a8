// Keras's positional first arguments for Dropout(rate), Conv1D(filters, kernel_size, strides,
// padding), Embedding(input_dim, output_dim) and Masking(mask_value): the positional form has the
// config (getConfig()) of the camelCase one and differs from the defaults; a value given by position
// and in the options, and an argument of the wrong kind, are errors that say so (not the "unknown
// option 'units'" these layers gave before); a model written either way predicts the same bits.
import { beforeAll, describe, expect, it } from 'vitest';
import { Conv1D, Dense, Dropout, Embedding, GlobalAveragePooling1D, Layer, LSTM, LstmWasmError, Masking, Sequential } from '../src/index.js';
import { initForTests, randTensor } from './util/tfjs.js';

beforeAll(async () => { await initForTests(); });

const k = (o: Record<string, unknown>) => o as never;
const errorOf = (f: () => unknown): LstmWasmError => {
  try { f(); } catch (e) { if (e instanceof LstmWasmError) return e; throw e; }
  throw new Error('no error was thrown');
};
const same = (a: Layer, b: Layer) => {
  expect(a.className).toBe(b.className);
  expect(a.getConfig()).toEqual(b.getConfig());
};

describe("Keras's positional arguments of Dropout, Conv1D, Embedding, Masking", () => {
  it('Dropout(rate), with options after it', () => {
    same(new Dropout(0.2, { name: 'd' }), new Dropout({ name: 'd', rate: 0.2 }));
    expect(new Dropout(0.35).rate).toBe(0.35);
    same(new Dropout(0.1, k({ name: 'd', input_shape: [3] })), new Dropout({ name: 'd', rate: 0.1, inputShape: [3] }));
    expect(new Dropout(0.1, k({ input_shape: [3] })).inputShape).toEqual([3]);
  });

  it('Conv1D(filters, kernel_size), and on to strides and padding', () => {
    const camel = new Conv1D({ name: 'c', filters: 16, kernelSize: 3 });
    same(new Conv1D(16, 3, { name: 'c' }), camel);
    same(new Conv1D(16, [3], { name: 'c' }), camel);
    expect(camel.getConfig()).not.toEqual(new Conv1D({ name: 'c', filters: 8, kernelSize: 5 }).getConfig());
    same(new Conv1D(16, k({ name: 'c', kernel_size: 3 })), camel);
    same(new Conv1D(5, 3, 2, 'causal', k({ name: 'c', use_bias: false })),
      new Conv1D({ name: 'c', filters: 5, kernelSize: 3, strides: 2, padding: 'causal', useBias: false }));
    same(new Conv1D(5, 3, 1, 'causal', k({ name: 'c', dilation_rate: 2 })), new Conv1D({ name: 'c', filters: 5, kernelSize: 3, padding: 'causal', dilationRate: 2 }));
    same(new Conv1D(7, 2, [1], { name: 'c', padding: 'same' }), new Conv1D({ name: 'c', filters: 7, kernelSize: 2, padding: 'same' }));
    const c = new Conv1D(7, 5, 1, 'same');
    expect([c.filters, c.kernelSize, c.strides, c.padding]).toEqual([7, 5, 1, 'same']);
  });

  it('Embedding(input_dim, output_dim), with mask_zero / input_length after them', () => {
    same(new Embedding(1000, 32, { name: 'e' }), new Embedding({ name: 'e', inputDim: 1000, outputDim: 32 }));
    same(new Embedding(11, 3, k({ name: 'e', mask_zero: true, input_length: 5 })),
      new Embedding({ name: 'e', inputDim: 11, outputDim: 3, maskZero: true, inputLength: 5 }));
    expect(new Embedding(11, 3, k({ input_length: 5 })).inputShape).toEqual([5]);
    same(new Embedding(11, k({ name: 'e', output_dim: 3 })), new Embedding({ name: 'e', inputDim: 11, outputDim: 3 }));
    const e = new Embedding(7, 2);
    expect([e.inputDim, e.outputDim, e.maskZero]).toEqual([7, 2, false]);
  });

  it('Masking(mask_value), and Masking() with every default', () => {
    same(new Masking(-1, { name: 'm' }), new Masking({ name: 'm', maskValue: -1 }));
    expect(new Masking(-1, { name: 'm' }).getConfig()).not.toEqual(new Masking({ name: 'm' }).getConfig());
    same(new Masking(0, k({ name: 'm', input_shape: [4, 2] })), new Masking({ name: 'm', inputShape: [4, 2] }));
    expect(new Masking(2.5).maskValue).toBe(2.5);
    expect(new Masking().maskValue).toBe(0);
  });

  it('a value given by position and again in the options is an error naming both', () => {
    expect(errorOf(() => new Dropout(0.2, k({ rate: 0.3 }))).message).toBe("dropout: 'rate' is given twice: 0.2 first and 0.3 in the options");
    expect(errorOf(() => new Conv1D(16, 3, k({ kernel_size: 5 }))).message).toBe("conv1d: 'kernelSize' is given twice: 3 first and 5 in the options");
    expect(errorOf(() => new Conv1D(16, 3, 1, 'same', { padding: 'valid' } as never)).message).toMatch(/^conv1d: 'padding' is given twice: (a string )?"same" first and (a string )?"valid" in the options$/);
    expect(errorOf(() => new Embedding(10, 4, k({ input_dim: 12 }))).message).toBe("embedding: 'inputDim' is given twice: 10 first and 12 in the options");
    expect(errorOf(() => new Masking(0, k({ mask_value: 1 }))).message).toBe("masking: 'maskValue' is given twice: 0 first and 1 in the options");
  });

  it('arguments of the wrong kind say which form was expected and what came; nothing says "units"', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => new Dropout(0.2, 3 as never), /^dropout: expected new Dropout\(rate, \{ \.\.\.options \}\), got 3 as argument 2$/],
      [() => new Dropout('0.2' as never), /^dropout: expected an options object such as \{ rate: 0\.2 \}, got (a string )?"0\.2"$/],
      [() => new Dropout(1), /^Dropout '.*': option 'rate' must be a number in \[0, 1\), got 1$/],
      [() => new Conv1D(16, 3, 'same' as never), /^conv1d: expected new Conv1D\(filters, kernelSize, strides, padding, \{ \.\.\.options \}\), got (a string )?"same" as argument 3$/],
      [() => new (Conv1D as never as new (...a: unknown[]) => Layer)(16, 3, 1, 'same', {}, {}), /^conv1d: expected new Conv1D\(.*\), got an empty object \{\} as argument 6$/],
      [() => new Conv1D(16, 3, 1, 'sam' as never), /^Conv1D '.*': option 'padding' must be 'valid', 'same' or 'causal', got (a string )?"sam"$/],
      [() => new Conv1D(0, 3), /^Conv1D '.*': option 'filters' must be a positive integer, got 0$/],
      [() => new Conv1D(16 as never), /^Conv1D '.*': option 'kernelSize' is required: a positive integer, got undefined$/],
      [() => new Conv1D(null as never), /^conv1d: expected new Conv1D\(filters, kernelSize, \{ \.\.\.options \}\) or an options object such as \{ filters: 16, kernelSize: 3 \}, got null$/],
      [() => new Conv1D('16' as never), /^conv1d: expected new Conv1D\(.*\) or an options object .*got (a string )?"16"$/],
      [() => new Embedding(10, 4, 2 as never), /^embedding: expected new Embedding\(inputDim, outputDim, \{ \.\.\.options \}\), got 2 as argument 3$/],
      [() => new Embedding(10, 0), /^Embedding '.*': option 'outputDim' must be a positive integer, got 0$/],
      [() => new Embedding(10 as never), /^Embedding '.*': option 'outputDim' must be a positive integer, got undefined$/],
      [() => new Embedding({ inputDim: 3, outputDim: 2 } as never, {} as never), /^embedding: expected new Embedding\(inputDim, outputDim, \{ \.\.\.options \}\) or an options object such as \{ inputDim: 1000, outputDim: 32 \}, got an object .* and then an empty object/],
      [() => new Masking(0, 1 as never), /^masking: expected new Masking\(maskValue, \{ \.\.\.options \}\), got 1 as argument 2$/],
      [() => new Masking('0' as never), /^masking: expected an options object such as \{ maskValue: 0 \}, got (a string )?"0"$/],
      [() => new Masking(null as never), /^masking: expected an options object such as \{ maskValue: 0 \}, got null$/],
      [() => new Masking(Number.NaN), /^Masking '.*': option 'maskValue' must be a number, got NaN$/],
    ];
    for (const [f, says] of cases) {
      const e = errorOf(f);
      expect(e.message).toMatch(says);
      expect(e.message).not.toMatch(/units/);
    }
  });

  it("Dropout's noiseShape, which lstm-wasm does not implement, is refused rather than ignored", () => {
    expect(errorOf(() => new Dropout(0.2, k({ noise_shape: [1, 3] }))).message).toMatch(/^Dropout '.*': option 'noiseShape' must be null \(lstm-wasm drops single values, not slices\), got an array of length 2$/);
    expect(new Dropout(0.2, k({ noise_shape: null })).rate).toBe(0.2);
  });
});

describe('a model written with the positional forms', () => {
  it('predicts as the camelCase one, bit for bit, and moves with its input', () => {
    const x = randTensor([3, 9, 1], 5);
    // Token ids from the random values, on odd sizes (vocabulary 13, 9 steps, 5 filters of width 3).
    const ids = { data: x.data.map((v) => Math.floor(Math.abs(v) * 13) % 13), shape: [3, 9] };
    const net = (keras: boolean) => new Sequential({
      seed: 3,
      layers: keras
        ? [new Embedding(13, 6, k({ input_length: 9, mask_zero: false })), new Dropout(0.25), new Conv1D(5, 3, 1, 'causal', { activation: 'relu' }),
          new Masking(0), new LSTM(3, k({ return_sequences: true })), new GlobalAveragePooling1D(), new Dense(2)]
        : [new Embedding({ inputDim: 13, outputDim: 6, inputLength: 9 }), new Dropout({ rate: 0.25 }), new Conv1D({ filters: 5, kernelSize: 3, padding: 'causal', activation: 'relu' }),
          new Masking({ maskValue: 0 }), new LSTM({ units: 3, returnSequences: true }), new GlobalAveragePooling1D(), new Dense({ units: 2 })],
    });
    const a = net(true), b = net(false);
    const pa = a.predict(ids) as { data: Float32Array; shape: number[] };
    const pb = b.predict(ids) as { data: Float32Array; shape: number[] };
    expect(pa.shape).toEqual([3, 2]);
    expect(Array.from(pa.data)).toEqual(Array.from(pb.data));
    const other = { data: ids.data.map((v) => (v + 5) % 13), shape: ids.shape };
    expect(Array.from((a.predict(other) as { data: Float32Array }).data)).not.toEqual(Array.from(pa.data));
    a.dispose(); b.dispose();
  });

  it("Dropout's seed: null is read (Keras configs carry it), a number is refused rather than ignored", () => {
    expect(new Dropout(0.2, { seed: null, name: 'd' }).getConfig()).toEqual(new Dropout(0.2, { name: 'd' }).getConfig());
    expect(() => new Dropout(0.2, { seed: 3 } as never)).toThrow(
      /Dropout 'dropout_\d+': option 'seed' is not taken per layer: dropout draws come from the model's seed .*got 3/,
    );
  });
});

