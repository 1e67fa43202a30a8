// The data helpers: toCategorical, padSequences, timeseriesWindows and Tokenizer, against hand-worked
// cases, Keras's documented behaviour, properties, and the message for each bad argument.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LstmWasmError } from '../src/errors.js';
import { KERAS_FILTERS, Tokenizer, padSequences, timeseriesWindows, toCategorical } from '../src/data/index.js';
import type { Tensor } from '../src/tensor.js';

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(LstmWasmError);
    return (e as Error).message;
  }
  throw new Error('expected an error, none was thrown');
}

/** A tensor as nested arrays, to compare with toEqual. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function nested(t: Tensor): any {
  const go = (d: number, off: number): unknown => {
    if (d === t.shape.length) return t.data[off];
    const stride = t.shape.slice(d + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: t.shape[d] }, (_, i) => go(d + 1, off + i * stride));
  };
  return go(0, 0);
}

describe('toCategorical', () => {
  it('one-hot encodes class ids', () => {
    const t = toCategorical([0, 2, 1, 2]);
    expect(t.shape).toEqual([4, 3]);
    expect(nested(t)).toEqual([[1, 0, 0], [0, 0, 1], [0, 1, 0], [0, 0, 1]]);
  });
  it('takes numClasses, a column of labels, typed arrays and tensors', () => {
    expect(toCategorical([1], 4).shape).toEqual([1, 4]);
    expect(toCategorical([[1], [0]]).shape).toEqual([2, 2]);
    expect(toCategorical(new Int32Array([3, 0]) as never, 5).shape).toEqual([2, 5]);
    expect(nested(toCategorical({ data: new Float32Array([1, 0]), shape: [2] }))).toEqual([[0, 1], [1, 0]]);
    expect(toCategorical([], 3).shape).toEqual([0, 3]);
  });
  it('keeps the steps of sequence labels: [n, steps] → [n, steps, C]', () => {
    const t = toCategorical([[0, 1], [1, 1]], 2);
    expect(t.shape).toEqual([2, 2, 2]);
    expect(nested(t)).toEqual([[[1, 0], [0, 1]], [[0, 1], [0, 1]]]);
  });
  it('property: each row has one 1, at the label', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 50 }), (labels) => {
      const t = toCategorical(labels, 10);
      labels.forEach((l, i) => {
        const row = Array.from(t.data.subarray(i * 10, i * 10 + 10));
        expect(row.reduce((a, b) => a + b, 0)).toBe(1);
        expect(row[l]).toBe(1);
      });
    }));
  });
  it('errors name the bad label and where it is', () => {
    expect(errorOf(() => toCategorical([0, 1.5]))).toBe('toCategorical: labels must be integers ≥ 0 (class ids), got 1.5 at labels[1]');
    expect(errorOf(() => toCategorical([0, -1]))).toBe('toCategorical: labels must be integers ≥ 0 (class ids), got -1 at labels[1]');
    expect(errorOf(() => toCategorical([0, 7, 1], 5))).toBe('toCategorical: labels must be integers in [0, 4] (numClasses 5), got 7 at labels[1]');
    expect(errorOf(() => toCategorical([[0, 1], [2, NaN]], 3))).toBe('toCategorical: labels must be integers in [0, 2] (numClasses 3), got NaN at labels[1][1]');
    expect(errorOf(() => toCategorical([0, 'a' as never]))).toBe('toCategorical: labels[1] is a string "a", expected a number');
    expect(errorOf(() => toCategorical('cat' as never))).toMatch(/^toCategorical: labels must be numbers .*got a string "cat"$/);
    expect(errorOf(() => toCategorical([1], 0))).toBe('toCategorical: numClasses must be a positive integer, got 0');
    expect(errorOf(() => toCategorical([1], 2.5))).toBe('toCategorical: numClasses must be a positive integer, got 2.5');
    expect(errorOf(() => toCategorical([1], '3' as never))).toBe('toCategorical: numClasses must be a positive integer, got a string "3"');
    expect(errorOf(() => toCategorical([]))).toBe('toCategorical: labels is empty (shape [0]), so the number of classes is unknown; pass numClasses');
    expect(errorOf(() => toCategorical([1, 2, 1e9]))).toMatch(/^toCategorical: 3 labels × 1000000001 classes would make 3000000003 values \(the largest label is 1000000000\); pass numClasses or check the labels$/);
  });
});

describe('padSequences', () => {
  const seqs = [[1], [2, 3], [4, 5, 6]];
  it('pads at the front by default, as Keras', () => {
    const t = padSequences(seqs);
    expect(t.shape).toEqual([3, 3]);
    expect(nested(t)).toEqual([[0, 0, 1], [0, 2, 3], [4, 5, 6]]);
  });
  it('pads after with padding: post, and with another value', () => {
    expect(nested(padSequences(seqs, { padding: 'post', value: -1 }))).toEqual([[1, -1, -1], [2, 3, -1], [4, 5, 6]]);
  });
  it('truncates at the front by default, or at the end', () => {
    expect(nested(padSequences(seqs, { maxlen: 2 }))).toEqual([[0, 1], [2, 3], [5, 6]]);
    expect(nested(padSequences(seqs, { maxlen: 2, truncating: 'post' }))).toEqual([[0, 1], [2, 3], [4, 5]]);
    expect(nested(padSequences(seqs, { maxlen: 2, truncating: 'post', padding: 'post' }))).toEqual([[1, 0], [2, 3], [4, 5]]);
  });
  it('pads sequences of feature vectors to [n, maxlen, F]', () => {
    const t = padSequences([[[1, 1]], [[2, 2], [3, 3]]], { maxlen: 3 });
    expect(t.shape).toEqual([2, 3, 2]);
    expect(nested(t)).toEqual([[[0, 0], [0, 0], [1, 1]], [[0, 0], [2, 2], [3, 3]]]);
  });
  it('takes typed arrays and empty sequences', () => {
    expect(nested(padSequences([new Int32Array([7, 8]) as never, []]))).toEqual([[7, 8], [0, 0]]);
    expect(padSequences([]).shape).toEqual([0, 0]);
    expect(padSequences([], { maxlen: 4 }).shape).toEqual([0, 4]);
    expect(padSequences([[], []]).shape).toEqual([2, 0]);
  });
  it('property: shape [n, maxlen], each row the kept end of its sequence', () => {
    const arb = fc.array(fc.array(fc.integer({ min: 1, max: 99 }), { maxLength: 12 }), { minLength: 1, maxLength: 10 });
    fc.assert(fc.property(arb, fc.integer({ min: 1, max: 15 }), fc.constantFrom('pre', 'post'), fc.constantFrom('pre', 'post'),
      (ss, maxlen, padding, truncating) => {
        const t = padSequences(ss, { maxlen, padding: padding as 'pre', truncating: truncating as 'pre' });
        expect(t.shape).toEqual([ss.length, maxlen]);
        ss.forEach((s, i) => {
          const row = Array.from(t.data.subarray(i * maxlen, (i + 1) * maxlen));
          const kept = s.length <= maxlen ? s : truncating === 'pre' ? s.slice(s.length - maxlen) : s.slice(0, maxlen);
          // Values are ≥ 1, so the zeros are exactly the padding.
          expect(row.filter((v) => v !== 0)).toEqual(kept);
          const pad = maxlen - kept.length;
          expect(padding === 'pre' ? row.slice(0, pad) : row.slice(kept.length)).toEqual(new Array(pad).fill(0));
        });
      }));
  });
  it('errors name the argument and what came', () => {
    expect(errorOf(() => padSequences('abc' as never))).toBe('padSequences: sequences must be an array of sequences (arrays of numbers or of feature vectors), got a string "abc"');
    expect(errorOf(() => padSequences(new Float32Array(3) as never))).toBe('padSequences: sequences must be an array of sequences (arrays of numbers or of feature vectors), got a Float32Array of length 3; for a single sequence pass [sequence]');
    expect(errorOf(() => padSequences([[1], 'hello' as never]))).toBe('padSequences: sequences[1] is a string "hello", expected a sequence (an array of numbers or of feature vectors); turn texts into token ids first, e.g. with a Tokenizer');
    expect(errorOf(() => padSequences([[1], null as never]))).toBe('padSequences: sequences[1] is null, expected a sequence (an array of numbers or of feature vectors)');
    expect(errorOf(() => padSequences([[1, 2], [3, 'x' as never]]))).toBe('padSequences: sequences[1][1] is a string "x", expected a number like sequences[0][0]');
    expect(errorOf(() => padSequences([[1], [[2, 3]] as never]))).toBe('padSequences: sequences[1][0] is an array of length 2, expected a number like sequences[0][0]');
    expect(errorOf(() => padSequences([[[1, 2]], [[3, 4], [5]]]))).toBe('padSequences: sequences[1][1] has 1 features, but sequences[0][0] has 2');
    expect(errorOf(() => padSequences([[[1, 2]], [3] as never]))).toBe('padSequences: sequences[1][0] is 3, expected a feature vector of length 2 like sequences[0][0]');
    expect(errorOf(() => padSequences([[[1, null]]] as never))).toBe('padSequences: sequences[0][0][1] is null, expected a number');
    expect(errorOf(() => padSequences([[[]]]))).toBe('padSequences: sequences[0][0] is an empty feature vector; steps need at least one feature');
    expect(errorOf(() => padSequences(seqs, { maxlen: 0 }))).toBe("padSequences: option 'maxlen' must be a positive integer, got 0");
    expect(errorOf(() => padSequences(seqs, { maxlen: 2.5 }))).toBe("padSequences: option 'maxlen' must be a positive integer, got 2.5");
    expect(errorOf(() => padSequences(seqs, { padding: 'end' as never }))).toBe("padSequences: option 'padding' must be 'pre' or 'post', got a string \"end\"");
    expect(errorOf(() => padSequences(seqs, { truncating: 1 as never }))).toBe("padSequences: option 'truncating' must be 'pre' or 'post', got 1");
    expect(errorOf(() => padSequences(seqs, { value: NaN }))).toBe("padSequences: option 'value' must be a finite number, got NaN");
    expect(errorOf(() => padSequences(seqs, { maxLen: 3 } as never))).toMatch(/^padSequences: unknown option 'maxLen'; did you mean 'maxlen'\?/);
    expect(errorOf(() => padSequences(seqs, null as never))).toBe('padSequences: expected an options object { ... }, got null');
  });
});

describe('timeseriesWindows', () => {
  const series = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  it('cuts windows and the next value', () => {
    const { x, y } = timeseriesWindows(series, { window: 3 });
    expect(x.shape).toEqual([7, 3, 1]);
    expect(y.shape).toEqual([7, 1]);
    expect(nested(x)).toEqual(Array.from({ length: 7 }, (_, i) => [[i], [i + 1], [i + 2]]));
    expect(Array.from(y.data)).toEqual([3, 4, 5, 6, 7, 8, 9]);
  });
  it('with horizon and stride', () => {
    const { x, y } = timeseriesWindows(new Float32Array(series), { window: 4, horizon: 2, stride: 3 });
    // starts 0 and 3: need start + 4 + 2 ≤ 10.
    expect(x.shape).toEqual([2, 4, 1]);
    expect(nested(y)).toEqual([[4, 5], [7, 8]]);
    expect(Array.from(x.data.subarray(4, 8))).toEqual([3, 4, 5, 6]);
  });
  it('multivariate, all columns or chosen ones', () => {
    const m = Array.from({ length: 6 }, (_, t) => [t, 10 * t, 100 * t]);
    const all = timeseriesWindows(m, { window: 2, horizon: 2 });
    expect(all.x.shape).toEqual([3, 2, 3]);
    expect(all.y.shape).toEqual([3, 6]);
    expect(nested(all.x)[0]).toEqual([[0, 0, 0], [1, 10, 100]]);
    expect(nested(all.y)[0]).toEqual([2, 20, 200, 3, 30, 300]);
    const some = timeseriesWindows(m, { window: 2, horizon: 2, targetColumns: [2, 0] });
    expect(nested(some.y)[1]).toEqual([300, 3, 400, 4]);
    expect(nested(timeseriesWindows(m, { window: 3, targetColumns: 1 }).y)).toEqual([[30], [40], [50]]);
    expect(timeseriesWindows({ data: new Float32Array(12), shape: [6, 2] }, { window: 5 }).x.shape).toEqual([1, 5, 2]);
  });
  it('property: n windows, each the series slice before its target', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 60 }), fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 5 }),
      (T, window, horizon, stride) => {
        fc.pre(T >= window + horizon);
        const s = Array.from({ length: T }, (_, i) => i);
        const { x, y } = timeseriesWindows(s, { window, horizon, stride });
        const n = Math.floor((T - window - horizon) / stride) + 1;
        expect(x.shape).toEqual([n, window, 1]);
        expect(y.shape).toEqual([n, horizon]);
        for (let i = 0; i < n; i++) {
          expect(x.data[i * window]).toBe(i * stride);
          expect(y.data[i * horizon]).toBe(i * stride + window);
          expect(y.data[i * horizon + horizon - 1]).toBe(i * stride + window + horizon - 1);
        }
        // The last window leaves fewer than `stride` unused steps at the end.
        expect(T - ((n - 1) * stride + window + horizon)).toBeLessThan(stride);
      }));
  });
  it('errors name the argument and what came', () => {
    expect(errorOf(() => timeseriesWindows(series, undefined as never))).toBe('timeseriesWindows: expected options with at least a window length, such as { window: 24 }, got undefined');
    expect(errorOf(() => timeseriesWindows(series, {} as never))).toBe("timeseriesWindows: option 'window' must be a positive integer, got undefined");
    expect(errorOf(() => timeseriesWindows(series, { window: 0 }))).toBe("timeseriesWindows: option 'window' must be a positive integer, got 0");
    expect(errorOf(() => timeseriesWindows(series, { window: 3, horizon: 1.5 }))).toBe("timeseriesWindows: option 'horizon' must be a positive integer, got 1.5");
    expect(errorOf(() => timeseriesWindows(series, { window: 3, stride: -1 }))).toBe("timeseriesWindows: option 'stride' must be a positive integer, got -1");
    expect(errorOf(() => timeseriesWindows(series, { window: 3, windw: 2 } as never))).toMatch(/^timeseriesWindows: unknown option 'windw'; did you mean 'window'\?/);
    expect(errorOf(() => timeseriesWindows(series, { window: 10 }))).toBe('timeseriesWindows: series has 10 steps, too few for window 10 + horizon 1 (at least 11 needed)');
    expect(errorOf(() => timeseriesWindows([1, 2, NaN, 4], { window: 1 }))).toBe('timeseriesWindows: series[2] is NaN; fill or drop missing values before windowing');
    expect(errorOf(() => timeseriesWindows([[1, 2], [3, Infinity]], { window: 1 }))).toBe('timeseriesWindows: series[1][1] is Infinity; fill or drop missing values before windowing');
    expect(errorOf(() => timeseriesWindows([1, '2' as never, 3], { window: 1 }))).toBe('timeseriesWindows: series[1] is a string "2", expected a number');
    expect(errorOf(() => timeseriesWindows([[1, 2], [3]], { window: 1 }))).toBe('timeseriesWindows: series[1] has length 1, but series[0] has length 2: nested arrays must be rectangular');
    expect(errorOf(() => timeseriesWindows(5, { window: 1 }))).toBe('timeseriesWindows: series must have shape [time] or [time, features], got shape []');
    expect(errorOf(() => timeseriesWindows([[[1]]], { window: 1 }))).toBe('timeseriesWindows: series must have shape [time] or [time, features], got shape [1, 1, 1]; window each series on its own and concatenate the results');
    expect(errorOf(() => timeseriesWindows([[1, 2], [3, 4], [5, 6]], { window: 1, targetColumns: [0, 2] }))).toBe("timeseriesWindows: option 'targetColumns' must hold column indices in [0, 1] (the series has 2 features), got 2 at targetColumns[1]");
    expect(errorOf(() => timeseriesWindows(series, { window: 1, targetColumns: 1 }))).toBe("timeseriesWindows: option 'targetColumns' must hold column indices in [0, 0] (the series has 1 feature), got 1");
    expect(errorOf(() => timeseriesWindows(series, { window: 1, targetColumns: [] }))).toBe("timeseriesWindows: option 'targetColumns' must be a column index or a non-empty array of them, got an array of length 0");
    expect(errorOf(() => timeseriesWindows([[1, 2], [3, 4]], { window: 1, targetColumns: [1, 1] }))).toBe("timeseriesWindows: option 'targetColumns' names column 1 twice");
  });
});

describe('Tokenizer', () => {
  it('words: Keras numbering by count, ties by first appearance, 0 kept for padding', () => {
    const tok = new Tokenizer().fitOnTexts(['The cat sat on the mat.', 'The dog sat!']);
    expect([...tok.wordIndex]).toEqual([['the', 1], ['sat', 2], ['cat', 3], ['on', 4], ['mat', 5], ['dog', 6]]);
    expect(tok.indexWord.get(1)).toBe('the');
    expect(tok.wordCounts.get('the')).toBe(3);
    expect(tok.wordDocs.get('the')).toBe(2);
    expect(tok.documentCount).toBe(2);
    expect(tok.vocabSize).toBe(7);
    expect(tok.textsToSequences(['the dog on the mat', 'a cat'])).toEqual([[1, 6, 4, 1, 5], [3]]);
    expect(tok.sequencesToTexts([[1, 6, 4], [0, 0, 3]])).toEqual(['the dog on', 'cat']);
  });
  it('keeps apostrophes inside words and drops punctuation, as Keras', () => {
    const tok = new Tokenizer();
    expect(tok.tokenize("Don't stop—believing! (1986)\r\nNow")).toEqual(["don't", 'stop—believing', '1986', 'now']);
    expect(new Tokenizer({ lower: false, filters: '' }).tokenize('A,b  c')).toEqual(['A,b', 'c']);
    expect(new Tokenizer({ split: '|' }).tokenize('a b|c')).toEqual(['a b', 'c']);
  });
  it('characters: every code point, nothing filtered by default', () => {
    const tok = new Tokenizer({ level: 'char' }).fitOnTexts(['Hello, 🙂!']);
    expect(tok.tokenize('Hi 🙂')).toEqual(['h', 'i', ' ', '🙂']);
    expect(tok.wordIndex.get('l')).toBe(1);
    const ids = tok.textsToSequences(['hello 🙂'])[0];
    expect(ids.length).toBe(7);
    expect(tok.sequencesToTexts([ids])).toEqual(['hello 🙂']);
    expect(new Tokenizer({ level: 'char', filters: ',!' }).tokenize('a,b!')).toEqual(['a', 'b']);
  });
  it('numWords keeps the most frequent; oovToken takes id 1 and stands for the rest', () => {
    const texts = ['a a a b b c', 'a b d'];
    const plain = new Tokenizer({ numWords: 3 }).fitOnTexts(texts);
    expect(plain.textsToSequences(['a b c d e'])).toEqual([[1, 2]]);
    expect(plain.vocabSize).toBe(3);
    expect(plain.wordIndex.size).toBe(4); // as Keras, the index keeps every word
    const oov = new Tokenizer({ numWords: 4, oovToken: '<unk>' }).fitOnTexts(texts);
    expect(oov.wordIndex.get('<unk>')).toBe(1);
    expect(oov.wordIndex.get('a')).toBe(2);
    expect(oov.textsToSequences(['a b c d e'])).toEqual([[2, 3, 1, 1, 1]]);
    expect(oov.sequencesToTexts([[2, 3, 4, 9, 0]])).toEqual(['a b <unk> <unk>']);
    expect(oov.vocabSize).toBe(4);
  });
  it('fitOnTexts can be called again and renumbers', () => {
    const tok = new Tokenizer().fitOnTexts(['x y']).fitOnTexts(['y z', 'z z']);
    expect([...tok.wordIndex.keys()]).toEqual(['z', 'y', 'x']);
    expect(tok.documentCount).toBe(3);
  });
  it('sequencesToTexts takes a padded tensor', () => {
    const tok = new Tokenizer().fitOnTexts(['one two three']);
    const padded = padSequences(tok.textsToSequences(['two three', 'one']), { maxlen: 3 });
    expect(tok.sequencesToTexts(padded)).toEqual(['two three', 'one']);
  });
  it('toJSON writes Keras tokenizer JSON; fromJSON reads it back, object or string', () => {
    const tok = new Tokenizer({ numWords: 10, oovToken: '<oov>' }).fitOnTexts(['b a a', '2024 a']);
    const j = tok.toJSON();
    expect(j.class_name).toBe('Tokenizer');
    expect(j.config.char_level).toBe(false);
    expect(j.config.num_words).toBe(10);
    expect(j.config.filters).toBe(KERAS_FILTERS);
    expect(j.config.split).toBe(' ');
    expect(j.config.word_counts).toBe('{"b": 1, "a": 3, "2024": 1}');
    expect(JSON.parse(j.config.word_index)).toEqual({ '<oov>': 1, a: 2, b: 3, 2024: 4 });
    expect(JSON.parse(j.config.index_word)).toEqual({ 1: '<oov>', 2: 'a', 3: 'b', 4: '2024' });
    expect(JSON.parse(j.config.index_docs)).toEqual({ 3: 1, 2: 2, 4: 1 });
    for (const back of [Tokenizer.fromJSON(j), Tokenizer.fromJSON(JSON.stringify(j))]) {
      expect([...back.wordIndex]).toEqual([...tok.wordIndex]);
      expect([...back.wordCounts]).toEqual([['a', 3], ['b', 1], ['2024', 1]]);
      expect(back.numWords).toBe(10);
      expect(back.oovToken).toBe('<oov>');
      expect(back.split).toBeUndefined();
      expect(back.textsToSequences(['a b zzz 2024'])).toEqual(tok.textsToSequences(['a b zzz 2024']));
    }
  });
  it('reads what Keras writes (char level: its stored filters are not applied, as in Keras)', () => {
    const keras = {
      class_name: 'Tokenizer',
      config: {
        num_words: null, filters: KERAS_FILTERS, lower: true, split: ' ', char_level: true, oov_token: null, document_count: 1,
        word_counts: '{"h": 1, "i": 1, "!": 1}', word_docs: '{"h": 1, "i": 1, "!": 1}', index_docs: '{"1": 1, "2": 1, "3": 1}',
        index_word: '{"1": "h", "2": "i", "3": "!"}', word_index: '{"h": 1, "i": 2, "!": 3}',
      },
    };
    const tok = Tokenizer.fromJSON(keras as never);
    expect(tok.level).toBe('char');
    expect(tok.filters).toBe('');
    expect(tok.textsToSequences(['Hi!'])).toEqual([[1, 2, 3]]);
    expect(tok.sequencesToTexts([[1, 2, 3]])).toEqual(['hi!']);
  });
  it('property: words made of kept characters survive a round trip', () => {
    const word = fc.stringMatching(/^[a-z']{1,8}$/);
    const text = fc.array(word, { minLength: 1, maxLength: 12 }).map((ws) => ws.join(' '));
    fc.assert(fc.property(fc.array(text, { minLength: 1, maxLength: 6 }), (texts) => {
      const tok = new Tokenizer().fitOnTexts(texts);
      expect(tok.sequencesToTexts(tok.textsToSequences(texts))).toEqual(texts);
      const again = Tokenizer.fromJSON(JSON.stringify(tok.toJSON()));
      expect(again.textsToSequences(texts)).toEqual(tok.textsToSequences(texts));
    }));
  });
  it('property: characters round trip, any text', () => {
    fc.assert(fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 30 }), { minLength: 1, maxLength: 5 }), (texts) => {
      const tok = new Tokenizer({ level: 'char', lower: false }).fitOnTexts(texts);
      expect(tok.sequencesToTexts(tok.textsToSequences(texts))).toEqual(texts);
      const ids = tok.textsToSequences(texts).flat();
      expect(ids.every((i) => i >= 1 && i < tok.vocabSize)).toBe(true);
    }));
  });
  it('errors name the argument and what came', () => {
    expect(errorOf(() => new Tokenizer({ level: 'character' } as never))).toBe("Tokenizer: option 'level' must be 'char' or 'word', got a string \"character\"");
    expect(errorOf(() => new Tokenizer({ charLevel: true } as never))).toMatch(/^Tokenizer: unknown option 'charLevel'\. Allowed: 'level', 'lower'/);
    expect(errorOf(() => new Tokenizer({ num_words: 3 } as never))).toMatch(/^Tokenizer: unknown option 'num_words'; did you mean 'numWords'\?/);
    expect(errorOf(() => new Tokenizer({ numWords: 0 }))).toBe("Tokenizer: option 'numWords' must be a positive integer, got 0");
    expect(errorOf(() => new Tokenizer({ oovToken: '' }))).toBe("Tokenizer: option 'oovToken' must be a non-empty string, got a string \"\"");
    expect(errorOf(() => new Tokenizer({ lower: 'yes' as never }))).toBe("Tokenizer: option 'lower' must be true or false, got a string \"yes\"");
    expect(errorOf(() => new Tokenizer({ filters: 5 as never }))).toBe("Tokenizer: option 'filters' must be a string of characters to remove, got 5");
    expect(errorOf(() => new Tokenizer({ split: '' }))).toBe("Tokenizer: option 'split' must be a non-empty string, got a string \"\"");
    const tok = new Tokenizer();
    expect(errorOf(() => tok.textsToSequences(['a']))).toBe('Tokenizer.textsToSequences: the tokenizer has no vocabulary yet; call fitOnTexts(texts) first');
    expect(errorOf(() => tok.fitOnTexts('one text' as never))).toBe('Tokenizer.fitOnTexts: expected an array of texts, got a string "one text"; wrap a single text as [text]');
    expect(errorOf(() => tok.fitOnTexts(['a', 3 as never]))).toBe('Tokenizer.fitOnTexts: texts[1] is 3, expected a string');
    tok.fitOnTexts(['a b']);
    expect(errorOf(() => tok.textsToSequences([null as never]))).toBe('Tokenizer.textsToSequences: texts[0] is null, expected a string');
    expect(errorOf(() => tok.sequencesToTexts([[1, 2.5]]))).toBe('Tokenizer.sequencesToTexts: sequences[0][1] is 2.5, expected a token id (an integer ≥ 0)');
    expect(errorOf(() => tok.sequencesToTexts([[-1]]))).toBe('Tokenizer.sequencesToTexts: sequences[0][0] is -1, expected a token id (an integer ≥ 0)');
    expect(errorOf(() => tok.sequencesToTexts([1, 2] as never))).toBe('Tokenizer.sequencesToTexts: sequences[0] is 1, expected an array of token ids; for a single sequence pass [sequence]');
    expect(errorOf(() => tok.sequencesToTexts({ data: new Float32Array(2), shape: [2] }))).toBe('Tokenizer.sequencesToTexts: a tensor of sequences must have shape [n, steps], got a tensor of shape [2]');
    expect(errorOf(() => tok.sequencesToTexts('1 2' as never))).toBe('Tokenizer.sequencesToTexts: expected an array of sequences of token ids, got a string "1 2"');
    expect(errorOf(() => tok.tokenize(3 as never))).toBe('Tokenizer.tokenize: expected a string, got 3');
    expect(errorOf(() => Tokenizer.fromJSON('{nope'))).toMatch(/^Tokenizer\.fromJSON: not valid JSON/);
    expect(errorOf(() => Tokenizer.fromJSON({ class_name: 'Other' } as never))).toBe("Tokenizer.fromJSON: expected { class_name: 'Tokenizer', config: {...} } as toJSON() writes, got an object { class_name }");
    const j = new Tokenizer().fitOnTexts(['a b']).toJSON();
    expect(errorOf(() => Tokenizer.fromJSON({ ...j, config: { ...j.config, word_index: '{"a": 1, "b": 1}' } }))).toBe('Tokenizer.fromJSON: config.word_index gives id 1 to both "a" and "b"');
    expect(errorOf(() => Tokenizer.fromJSON({ ...j, config: { ...j.config, word_index: '{"a": 0}' } }))).toBe('Tokenizer.fromJSON: config.word_index gives "a" id 0, which is kept for padding');
    expect(errorOf(() => Tokenizer.fromJSON({ ...j, config: { ...j.config, word_counts: '{"a": "x"}' } }))).toBe('Tokenizer.fromJSON: config.word_counts["a"] is a string "x", expected an integer ≥ 0');
    expect(errorOf(() => Tokenizer.fromJSON({ ...j, config: { ...j.config, num_words: -2 } }))).toBe('Tokenizer.fromJSON: config.num_words is -2');
  });
});
