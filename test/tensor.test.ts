// tensor(), toTensor() and the error helpers: what they build, and the message for each bad input.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LstmWasmError, checkOptions, closest, describe as describeValue, editDistance } from '../src/errors.js';
import { firstNonFinite, isTensor, shapeString, sizeOf, tensor, toTensor, unravelIndex, type TensorLike } from '../src/tensor.js';

/** Runs f, expects an LstmWasmError, returns its message. */
function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(LstmWasmError);
    expect((e as Error).name).toBe('LstmWasmError');
    return (e as Error).message;
  }
  throw new Error('expected an error, none was thrown');
}

describe('LstmWasmError', () => {
  it('is an Error with its own name', () => {
    const e = new LstmWasmError('boom');
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('LstmWasmError');
    expect(e.message).toBe('boom');
    expect(String(e)).toBe('LstmWasmError: boom');
  });
});

describe('describe()', () => {
  it('says briefly what came', () => {
    expect(describeValue('abc')).toBe('a string "abc"');
    expect(describeValue(null)).toBe('null');
    expect(describeValue(undefined)).toBe('undefined');
    expect(describeValue(NaN)).toBe('NaN');
    expect(describeValue(-Infinity)).toBe('-Infinity');
    expect(describeValue(0)).toBe('0');
    expect(describeValue(2.5)).toBe('2.5');
    expect(describeValue(true)).toBe('true');
    expect(describeValue(3n)).toBe('a bigint 3n');
    expect(describeValue([1, 2, 3])).toBe('an array of length 3');
    expect(describeValue(new Float32Array(6))).toBe('a Float32Array of length 6');
    expect(describeValue(new Int8Array(2))).toBe('an Int8Array of length 2');
    expect(describeValue(new Uint8Array(2))).toBe('a Uint8Array of length 2');
    expect(describeValue(new ArrayBuffer(16))).toBe('an ArrayBuffer of 16 bytes');
    expect(describeValue({ data: new Float32Array(32 * 50 * 3), shape: [32, 50, 3] })).toBe('a tensor of shape [32, 50, 3]');
    expect(describeValue({ data: [1, 2], shape: [2] })).toBe('an object with shape [2]');
    expect(describeValue({ a: 1, b: 2 })).toBe('an object { a, b }');
    expect(describeValue({ a: 1, b: 2, c: 3, d: 4, e: 5, f: 6 })).toBe('an object { a, b, c, d, e, … }');
    expect(describeValue({})).toBe('an empty object {}');
    expect(describeValue(new Map([[1, 2]]))).toBe('a Map of size 1');
    expect(describeValue(Promise.resolve(1))).toMatch(/^a Promise \(was an await forgotten\?\)$/);
    expect(describeValue(function named() {})).toBe('a function named');
    class Thing {}
    expect(describeValue(new Thing())).toBe('a Thing');
    expect(describeValue(new Error('bad'))).toBe('an Error "bad"');
  });
  it('cuts long strings', () => {
    const s = describeValue('x'.repeat(100));
    expect(s.length).toBeLessThan(60);
    expect(s).toMatch(/^a string "x+"…$/);
  });
});

describe('checkOptions()', () => {
  const allowed = ['units', 'returnSequences', 'returnState', 'activation'];
  it('passes known options and undefined', () => {
    expect(() => checkOptions('LSTM', { units: 3, returnSequences: true }, allowed)).not.toThrow();
    expect(() => checkOptions('LSTM', {}, allowed)).not.toThrow();
    expect(() => checkOptions('LSTM', undefined, allowed)).not.toThrow();
  });
  it('suggests the closest name, and lists what is allowed', () => {
    expect(errorOf(() => checkOptions("LSTM 'lstm_1'", { returnSequence: true }, allowed))).toBe(
      "LSTM 'lstm_1': unknown option 'returnSequence'; did you mean 'returnSequences'? Allowed: 'units', 'returnSequences', 'returnState', 'activation'",
    );
  });
  it('maps Keras snake_case spellings to ours', () => {
    expect(errorOf(() => checkOptions('LSTM', { return_sequences: true }, allowed))).toMatch(/unknown option 'return_sequences'; did you mean 'returnSequences'\?/);
  });
  it('does not suggest a far-off name', () => {
    expect(errorOf(() => checkOptions('LSTM', { colour: 'red' }, allowed))).toBe(
      "LSTM: unknown option 'colour'. Allowed: 'units', 'returnSequences', 'returnState', 'activation'",
    );
  });
  it('names every unknown option', () => {
    expect(errorOf(() => checkOptions('fit', { epoch: 3, colour: 1 }, ['epochs', 'batchSize']))).toBe(
      "fit: unknown options 'epoch' (did you mean 'epochs'?), 'colour'. Allowed: 'epochs', 'batchSize'",
    );
  });
  it('rejects options that are not an object', () => {
    expect(errorOf(() => checkOptions('fit', 5, ['epochs']))).toBe('fit: expected an options object { ... }, got 5');
    expect(errorOf(() => checkOptions('fit', null, ['epochs']))).toBe('fit: expected an options object { ... }, got null');
    expect(errorOf(() => checkOptions('fit', [1], ['epochs']))).toBe('fit: expected an options object { ... }, got an array of length 1');
    expect(errorOf(() => checkOptions('fit', 'fast', ['epochs']))).toBe('fit: expected an options object { ... }, got a string "fast"');
  });
  it('edit distance and closest', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
    expect(closest('learningrate', ['learningRate', 'learning_rate', 'lr'])).toBe('learningRate');
    expect(closest('zzzzzz', ['units'])).toBeUndefined();
    fc.assert(fc.property(fc.string(), fc.string(), (a, b) => editDistance(a, b) === editDistance(b, a) && editDistance(a, b) <= Math.max(a.length, b.length)));
  });
});

describe('shapeString, sizeOf, unravelIndex, firstNonFinite', () => {
  it('formats shapes, with null for unknown sizes', () => {
    expect(shapeString([32, 50, 1])).toBe('[32, 50, 1]');
    expect(shapeString([null, 50, 1])).toBe('[null, 50, 1]');
    expect(shapeString([])).toBe('[]');
  });
  it('counts and unravels', () => {
    expect(sizeOf([2, 3, 4])).toBe(24);
    expect(sizeOf([])).toBe(1);
    expect(unravelIndex(7, [2, 5, 3])).toEqual([0, 2, 1]);
    expect(unravelIndex(29, [2, 5, 3])).toEqual([1, 4, 2]);
  });
  it('finds the first NaN or infinity', () => {
    expect(firstNonFinite(new Float32Array([1, 2, 3]))).toBe(-1);
    expect(firstNonFinite([1, NaN, Infinity])).toBe(1);
    expect(firstNonFinite([1, 2, -Infinity])).toBe(2);
    expect(firstNonFinite([])).toBe(-1);
  });
});

describe('tensor()', () => {
  it('reads nested arrays of any depth, row-major', () => {
    const t = tensor([[[1, 2], [3, 4], [5, 6]], [[7, 8], [9, 10], [11, 12]]]);
    expect(t.shape).toEqual([2, 3, 2]);
    expect(Array.from(t.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(isTensor(t)).toBe(true);
  });
  it('reads a number, flat arrays and typed arrays, and rows that are typed arrays', () => {
    expect(tensor(3)).toEqual({ data: Float32Array.of(3), shape: [] });
    expect(tensor([1, 2, 3]).shape).toEqual([3]);
    expect(tensor(new Float64Array([1, 2])).shape).toEqual([2]);
    expect(Array.from(tensor([new Float32Array([1, 2]), new Int16Array([3, 4])]).data)).toEqual([1, 2, 3, 4]);
    expect(tensor([]).shape).toEqual([0]);
    expect(tensor([[]]).shape).toEqual([1, 0]);
  });
  it('lays values out in a given shape', () => {
    const t = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(t.shape).toEqual([2, 3]);
    expect(tensor([[1, 2], [3, 4]], [4]).shape).toEqual([4]);
    expect(tensor(7, [1, 1]).shape).toEqual([1, 1]);
  });
  it('always copies', () => {
    const src = new Float32Array([1, 2, 3]);
    const a = tensor(src);
    src[0] = 99;
    expect(a.data[0]).toBe(1);
    const t = { data: new Float32Array([1, 2]), shape: [2] };
    const b = tensor(t);
    expect(b.data).not.toBe(t.data);
    expect(b.shape).not.toBe(t.shape);
    expect(tensor(t, [1, 2]).shape).toEqual([1, 2]);
  });
  it('keeps NaN and infinities (the model checks them)', () => {
    const t = tensor([1, NaN, Infinity]);
    expect(Number.isNaN(t.data[1])).toBe(true);
    expect(firstNonFinite(t.data)).toBe(1);
  });
  it('names the ragged index', () => {
    expect(errorOf(() => tensor([[1, 2, 3], [4, 5]]))).toBe('tensor: values[1] has length 2, but values[0] has length 3: nested arrays must be rectangular');
    expect(errorOf(() => tensor([[[1], [2]], [[3], [4, 5]]]))).toBe('tensor: values[1][1] has length 2, but values[0][0] has length 1: nested arrays must be rectangular');
    expect(errorOf(() => tensor([[1, 2], 3]))).toBe('tensor: values[1] is 3, expected an array of length 2 like values[0]: nested arrays must be rectangular');
    expect(errorOf(() => tensor([1, [2, 3]]))).toBe('tensor: values[1] is an array of length 2, but values[0] is a number: nested arrays must be rectangular');
  });
  it('names where a non-number is', () => {
    expect(errorOf(() => tensor([[1, 2], [3, 'x' as never]]))).toBe('tensor: values[1][1] is a string "x", expected a number');
    expect(errorOf(() => tensor([1, null as never]))).toBe('tensor: values[1] is null, expected a number');
    expect(errorOf(() => tensor([1, undefined as never]))).toBe('tensor: values[1] is undefined, expected a number');
    expect(errorOf(() => tensor([{ a: 1 } as never]))).toBe('tensor: values[0] is an object { a }, expected a number');
    expect(errorOf(() => tensor([[1], [{}]] as never))).toBe('tensor: values[1][0] is an empty object {}, expected a number');
    expect(errorOf(() => tensor([true as never]))).toBe('tensor: values[0] is true, expected a number');
    expect(errorOf(() => tensor([[1n]] as never))).toBe('tensor: values[0][0] is a bigint 1n, expected a number');
    expect(errorOf(() => tensor([new BigInt64Array(2)] as never))).toBe('tensor: values[0] is a BigInt64Array of length 2; convert its values to numbers first');
  });
  it('rejects what is not numbers at all', () => {
    expect(errorOf(() => tensor('abc' as never))).toMatch(/^tensor: values must be numbers \(a number, nested arrays of numbers, a typed array or \{ data: Float32Array, shape \}\), got a string "abc"$/);
    expect(errorOf(() => tensor(null as never))).toMatch(/got null$/);
    expect(errorOf(() => tensor(undefined as never))).toMatch(/got undefined$/);
    expect(errorOf(() => tensor({ a: 1 } as never))).toMatch(/got an object \{ a \}$/);
  });
  it('checks a given shape', () => {
    expect(errorOf(() => tensor([1, 2, 3, 4], [2, 3]))).toBe('tensor: shape [2, 3] needs 6 values, got 4 (values has shape [4])');
    expect(errorOf(() => tensor([[1, 2], [3, 4]], [3]))).toBe('tensor: shape [3] needs 3 values, got 4 (values has shape [2, 2])');
    expect(errorOf(() => tensor([1, 2], [-1, 2]))).toBe('tensor: shape[0] is -1 (shape is [-1, 2]); sizes must be non-negative integers');
    expect(errorOf(() => tensor([1, 2], [1.5]))).toMatch(/^tensor: shape\[0\] is 1\.5 \(shape is \[1\.5\]\); sizes must be non-negative integers$/);
    expect(errorOf(() => tensor([1, 2], [Infinity]))).toMatch(/^tensor: shape\[0\] is Infinity /);
    expect(errorOf(() => tensor([1, 2], [NaN]))).toMatch(/^tensor: shape\[0\] is NaN /);
    expect(errorOf(() => tensor([1, 2], '2' as never))).toBe('tensor: shape must be an array of sizes such as [2, 3], got a string "2"');
  });
  it('checks a { data, shape } object', () => {
    expect(errorOf(() => tensor({ data: new Float32Array(5), shape: [2, 3] }))).toBe('tensor: values: shape [2, 3] needs 6 values, but values.data holds 5');
    expect(errorOf(() => tensor({ data: new Float32Array(6), shape: [2, -3] }))).toBe('tensor: values.shape[1] is -3 (values.shape is [2, -3]); sizes must be non-negative integers');
    expect(errorOf(() => tensor({ data: 'abc', shape: [3] } as never))).toBe('tensor: values.data must be a Float32Array (or an array of numbers), got a string "abc"');
    expect(errorOf(() => tensor({ data: [1, 'b', 3], shape: [3] } as never))).toBe('tensor: values.data[1] is a string "b", expected a number');
  });
  it('property: a nested array of any shape reads back its shape and values', () => {
    const shapeArb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 });
    fc.assert(fc.property(shapeArb, fc.integer(), (shape, seed) => {
      let k = seed % 1000;
      const build = (d: number): unknown => (d === shape.length ? k++ : Array.from({ length: shape[d] }, () => build(d + 1)));
      const t = tensor(build(0) as TensorLike);
      expect(t.shape).toEqual(shape);
      const start = seed % 1000;
      for (let i = 0; i < t.data.length; i++) expect(t.data[i]).toBe(start + i);
    }));
  });
});

describe('toTensor()', () => {
  it('passes a Tensor through without copying', () => {
    const t = { data: new Float32Array(6), shape: [2, 3] };
    expect(toTensor(t, 'x')).toBe(t);
  });
  it('converts other data, and nested arrays', () => {
    const t = toTensor({ data: [1, 2, 3, 4] as never, shape: [2, 2] }, 'x');
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(t.shape).toEqual([2, 2]);
    expect(toTensor(new Float64Array([1, 2]) as never, 'x').data).toBeInstanceOf(Float32Array);
    expect(toTensor([[1], [2]], 'y').shape).toEqual([2, 1]);
  });
  it('reads a TF.js tensor through dataSync()', () => {
    const tf = { shape: [2, 2], dtype: 'float32', dataSync: () => new Float32Array([1, 2, 3, 4]) };
    const t = toTensor(tf as never, 'x');
    expect(t.shape).toEqual([2, 2]);
    expect(Array.from(t.data)).toEqual([1, 2, 3, 4]);
  });
  it('names the argument in every message', () => {
    expect(errorOf(() => toTensor([[1, 2], [3]], 'x'))).toBe('x[1] has length 1, but x[0] has length 2: nested arrays must be rectangular');
    expect(errorOf(() => toTensor([[1, 'a' as never]], 'y'))).toBe('y[0][1] is a string "a", expected a number');
    expect(errorOf(() => toTensor('data' as never, 'x'))).toMatch(/^x must be numbers .*, got a string "data"$/);
    expect(errorOf(() => toTensor({ data: new Float32Array(5), shape: [2, 3] }, 'validationData[0]'))).toBe('validationData[0]: shape [2, 3] needs 6 values, but validationData[0].data holds 5');
    expect(errorOf(() => toTensor({ data: new Float32Array(3), shape: [3, null] } as never, 'x'))).toBe('x.shape[1] is null (x.shape is [3, null]); sizes must be non-negative integers');
    expect(errorOf(() => toTensor([null as never], 'labels', 'toCategorical'))).toBe('toCategorical: labels[0] is null, expected a number');
  });
  it('isTensor is strict', () => {
    expect(isTensor({ data: new Float32Array(2), shape: [2] })).toBe(true);
    expect(isTensor({ data: new Float32Array(2), shape: [3] })).toBe(false);
    expect(isTensor({ data: [1, 2], shape: [2] })).toBe(false);
    expect(isTensor({ data: new Float32Array(2), shape: [-2] })).toBe(false);
    expect(isTensor([1, 2])).toBe(false);
    expect(isTensor(null)).toBe(false);
  });
});
