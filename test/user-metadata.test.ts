// TF.js's model.getUserDefinedMetadata() / setUserDefinedMetadata() on our Model: a model saved
// with save({ metadata }) and loaded gives the metadata back; metadata set on a model is what a
// later save() stores (readMetadata(bytes) reads it) and what the loaded copy gives back; save's own
// `metadata` wins for that save. Undefined until set, as TF.js's (checked on a TF.js model here);
// bad values are refused by path, and a refused set leaves the metadata as it was.
import { beforeAll, describe, expect, it } from 'vitest';
import { Dense, GRU, input, LSTM, LstmWasmError, loadModel, model, readMetadata, Sequential, type SymbolicTensor } from '../src/index.js';
import { initForTests, tf } from './util/tfjs.js';

beforeAll(async () => { await initForTests(); });

const errorOf = (f: () => unknown): string => {
  try { f(); } catch (e) { expect(e).toBeInstanceOf(LstmWasmError); return (e as Error).message; }
  throw new Error('no error was thrown');
};
const net = () => new Sequential({ seed: 2, layers: [new LSTM({ units: 3, inputShape: [4, 2] }), new Dense({ units: 1 })] });
const META = { scaler: { mean: [1.5, -2], std: [0.25, 3] }, window: 4, columns: ['a', 'b'], note: null, ok: true };

describe('getUserDefinedMetadata / setUserDefinedMetadata', () => {
  it('undefined until set, as on a TF.js model; set gives back an equal copy', () => {
    const t = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] });
    const m = net();
    expect(t.getUserDefinedMetadata()).toBeUndefined();
    expect(m.getUserDefinedMetadata()).toBeUndefined();
    t.setUserDefinedMetadata(META);
    m.setUserDefinedMetadata(META);
    expect(m.getUserDefinedMetadata()).toEqual(t.getUserDefinedMetadata());
    // A copy both ways: changing what was given, or what came back, changes nothing.
    const given = { w: [1, 2] };
    m.setUserDefinedMetadata(given);
    given.w.push(3);
    (m.getUserDefinedMetadata()!.w as number[]).push(4);
    expect(m.getUserDefinedMetadata()).toEqual({ w: [1, 2] });
    t.dispose();
    m.dispose();
  });

  it('save({ metadata }) and loadModel: the loaded model gives it back', async () => {
    const m = net();
    const bytes = m.save({ metadata: META });
    expect(m.getUserDefinedMetadata()).toBeUndefined(); // save's option is for that save only
    const loaded = await loadModel(bytes);
    expect(loaded.getUserDefinedMetadata()).toEqual(META);
    expect(readMetadata(bytes)).toEqual(META);
    // Saved again without options, the loaded model keeps it.
    const again = await loadModel(loaded.save());
    expect(again.getUserDefinedMetadata()).toEqual(META);
    // A model saved without metadata loads without it.
    const none = await loadModel(m.save());
    expect(none.getUserDefinedMetadata()).toBeUndefined();
    for (const x of [m, loaded, again, none]) x.dispose();
  });

  it('setUserDefinedMetadata makes a later save() store it; save({ metadata }) wins for that save', async () => {
    const m = net();
    m.setUserDefinedMetadata({ window: 8, classes: ['up', 'down'] });
    const bytes = m.save();
    expect(readMetadata(bytes)).toEqual({ window: 8, classes: ['up', 'down'] });
    const loaded = await loadModel(bytes);
    expect(loaded.getUserDefinedMetadata()).toEqual({ window: 8, classes: ['up', 'down'] });
    expect(readMetadata(m.save({ metadata: { window: 2 } }))).toEqual({ window: 2 });
    expect(m.getUserDefinedMetadata()).toEqual({ window: 8, classes: ['up', 'down'] });
    // Set on the loaded model, saved with the optimizer and state options too.
    loaded.setUserDefinedMetadata({ version: 2 });
    loaded.compile({ optimizer: 'adam', loss: 'mse' });
    const b2 = loaded.save({ includeOptimizer: true, weights: 'float16' });
    expect((await loadModel(b2)).getUserDefinedMetadata()).toEqual({ version: 2 });
    // Set to {}: saved as {} and loaded as {}.
    m.setUserDefinedMetadata({});
    expect((await loadModel(m.save())).getUserDefinedMetadata()).toEqual({});
    m.dispose();
    loaded.dispose();
  });

  it('a functional model too', async () => {
    const x = input([5, 2]);
    const y = new Dense({ units: 2 }).apply(new GRU({ units: 3 }).apply(x) as SymbolicTensor) as SymbolicTensor;
    const m = model({ inputs: x, outputs: y, seed: 3 });
    m.setUserDefinedMetadata({ vocabulary: ['<pad>', 'a', 'b'] });
    const loaded = await loadModel(m.save());
    expect(loaded.getUserDefinedMetadata()).toEqual({ vocabulary: ['<pad>', 'a', 'b'] });
    m.dispose();
    loaded.dispose();
  });

  it('what JSON cannot hold is refused by path, and the metadata stays as it was', () => {
    const m = net();
    m.setUserDefinedMetadata({ window: 4 });
    const cases: [unknown, string][] = [
      [null, 'setUserDefinedMetadata: expected a plain JSON object such as { scaler: scaler.toJSON() }, got null'],
      [undefined, 'setUserDefinedMetadata: expected a plain JSON object such as { scaler: scaler.toJSON() }, got undefined'],
      [[1], 'setUserDefinedMetadata: expected a plain JSON object such as { scaler: scaler.toJSON() }, got an array of length 1'],
      ['{}', 'setUserDefinedMetadata: expected a plain JSON object such as { scaler: scaler.toJSON() }, got a string "{}"'],
      [new Float32Array(2), 'setUserDefinedMetadata: expected a plain JSON object such as { scaler: scaler.toJSON() }, got a Float32Array of length 2'],
      [{ mean: Number.NaN }, 'setUserDefinedMetadata: metadata.mean is NaN, which JSON cannot hold (it would load as null)'],
      [{ a: { b: [1, Infinity] } }, 'setUserDefinedMetadata: metadata.a.b[1] is Infinity, which JSON cannot hold (it would load as null)'],
      [{ w: new Float32Array(2) }, 'setUserDefinedMetadata: metadata.w is a Float32Array of length 2; metadata holds plain JSON (objects, arrays, strings, finite numbers, booleans, null): use Array.from() for a typed array'],
    ];
    for (const [v, says] of cases) {
      expect(errorOf(() => m.setUserDefinedMetadata(v as never))).toBe(says);
    }
    expect(m.getUserDefinedMetadata()).toEqual({ window: 4 });
    expect(readMetadata(m.save())).toEqual({ window: 4 });
    m.dispose();
  });
});
