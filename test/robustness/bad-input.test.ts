// Every public function fed wrong things, one row of a table per input: each must throw an
// LstmWasmError whose message names the layer or argument, what was expected and what came; never a
// WebAssembly trap, a TypeError from deep inside, or a result. Rows marked `defect` caught a bug in
// src/ when they were written (the note says which); they stay as ordinary rows so it cannot come
// back. test/model.test.ts already covers a few of these; they are not repeated.
import { describe, expect, it } from 'vitest';
import {
  Bidirectional, Dense, Dropout, EarlyStopping, Embedding, GRU, LSTM, LstmWasmError, Masking, Sequential, SimpleRNN,
  Tokenizer, init, initSync, loadModel, loadModelSync, padSequences, tensor, timeseriesWindows, toCategorical, toTensor,
  type TensorData,
} from '../../src/index.js';

// ---- helpers ---------------------------------------------------------------------------------

function rand(shape: number[], seed = 1, scale = 1): TensorData {
  let a = seed >>> 0;
  const n = shape.reduce((x, y) => x * y, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    data[i] = ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * scale;
  }
  return { data, shape };
}

/** The LSTM → Dense model most rows use: input [null, 5, 3], output [null, 2], layers named. */
function model(compiled = true): Sequential {
  const m = new Sequential({ name: 'm', seed: 1, layers: [new LSTM({ name: 'enc', units: 4, inputShape: [5, 3] }), new Dense({ name: 'head', units: 2 })] });
  if (compiled) m.compile({ optimizer: 'adam', loss: 'mse' });
  return m;
}

/** A stateful model for step(), setState() and fixed-batch rows: batch 2, 3 features. */
function statefulModel(): Sequential {
  const m = new Sequential({ name: 's', seed: 2, layers: [new LSTM({ name: 'st', units: 3, batchInputShape: [2, null, 3], stateful: true }), new Dense({ name: 'out', units: 1 })] });
  m.compile({ optimizer: 'sgd', loss: 'mse' });
  return m;
}

function embModel(): Sequential {
  const m = new Sequential({ name: 'e', seed: 3, layers: [new Embedding({ name: 'emb', inputDim: 5, outputDim: 2, inputShape: [3] }), new GRU({ name: 'g', units: 2 }), new Dense({ name: 'd', units: 1 })] });
  m.compile({ optimizer: 'adam', loss: 'mse' });
  return m;
}

const X = rand([2, 5, 3], 7);
const Y = rand([2, 2], 8);

async function errorOf(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (e) {
    return e;
  }
  return undefined;
}

/** The error must be ours (not a trap, not a TypeError) and its message must match every pattern. */
function checkError(err: unknown, patterns: RegExp[]): void {
  if (err === undefined) throw new Error('no error: the bad input was accepted and gave a result');
  expect(err, 'a WebAssembly trap escaped').not.toBeInstanceOf(WebAssembly.RuntimeError);
  if (!(err instanceof LstmWasmError)) {
    throw new Error(`expected an LstmWasmError, got ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`);
  }
  for (const p of patterns) expect(err.message).toMatch(p);
}

interface Row {
  /** What is fed, as the test's name. */
  what: string;
  run: () => unknown;
  /** Each must match the message: typically the place (layer or argument), the expectation, what came. */
  says: RegExp[];
  /** The bug this row caught when it was written (fixed since). */
  defect?: string;
}



function table(rows: Row[]): void {
  for (const r of rows) {
    const name = r.defect ? `${r.what}  [DEFECT ${r.defect}]` : r.what;
    it(name, async () => checkError(await errorOf(r.run), r.says));
  }
}

const any = (v: unknown) => v as never;

// ---- layer constructors ----------------------------------------------------------------------

describe('recurrent layer options (LSTM, GRU, SimpleRNN alike)', () => {
  const kinds = [
    ['LSTM', (a: unknown) => new LSTM(any(a))],
    ['GRU', (a: unknown) => new GRU(any(a))],
    ['SimpleRNN', (a: unknown) => new SimpleRNN(any(a))],
  ] as const;
  for (const [kind, make] of kinds) {
    describe(kind, () => {
      const at = new RegExp(`${kind} 'r'`);
      table([
        { what: 'units 0', run: () => make({ name: 'r', units: 0 }), says: [at, /option 'units' must be a positive integer, got 0$/] },
        { what: 'units -1', run: () => make({ name: 'r', units: -1 }), says: [at, /'units' must be a positive integer, got -1$/] },
        { what: 'units 1.5', run: () => make({ name: 'r', units: 1.5 }), says: [at, /'units' must be a positive integer, got 1\.5$/] },
        { what: "units '3' (a string)", run: () => make({ name: 'r', units: '3' }), says: [at, /'units' must be a positive integer, got (?:a string )?"3"$/] },
        { what: 'units missing', run: () => make({ name: 'r' }), says: [at, /'units' must be a positive integer, got undefined$/] },
        { what: 'units NaN', run: () => make({ name: 'r', units: NaN }), says: [at, /'units'.*got NaN$/], defect: 'D2: NaN is printed as "null" (JSON.stringify)' },
        { what: 'units Infinity', run: () => make({ name: 'r', units: Infinity }), says: [at, /'units'.*got Infinity$/], defect: 'D2: Infinity is printed as "null"' },
        { what: "activation 'selu'", run: () => make({ name: 'r', units: 2, activation: 'selu' }), says: [at, /option 'activation' must be one of 'tanh', 'relu', 'sigmoid', 'hardSigmoid', 'linear', got (?:a string )?"selu"/] },
        { what: "activation 'softmax' (not elementwise)", run: () => make({ name: 'r', units: 2, activation: 'softmax' }), says: [at, /'activation' must be one of .*got (?:a string )?"softmax"/] },
        { what: "kernelInitializer 'glorotUnifrom' (typo)", run: () => make({ name: 'r', units: 2, kernelInitializer: 'glorotUnifrom' }), says: [at, /option 'kernelInitializer' must be one of .*'glorotUniform'.*got (?:a string )?"glorotUnifrom"/] },
        { what: "recurrentInitializer 'orthogonl' (typo)", run: () => make({ name: 'r', units: 2, recurrentInitializer: 'orthogonl' }), says: [at, /'recurrentInitializer' must be one of .*'orthogonal'.*got (?:a string )?"orthogonl"/] },
        { what: "biasInitializer 'zero' (typo)", run: () => make({ name: 'r', units: 2, biasInitializer: 'zero' }), says: [at, /'biasInitializer' must be one of .*'zeros'.*got (?:a string )?"zero"/] },
        { what: "kernelInitializer 'toString' (an Object.prototype name)", run: () => new Sequential([make({ name: 'r', units: 2, inputShape: [3, 2], kernelInitializer: 'toString' }) as never]).predict(rand([1, 3, 2])), says: [at, /'kernelInitializer' must be one of .*got (?:a string )?"toString"/], defect: "D4: ALIASES['toString'] is found on Object.prototype, the layer is built with no initializer and build() throws a TypeError" },
        { what: 'dropout 1', run: () => make({ name: 'r', units: 2, dropout: 1 }), says: [at, /option 'dropout' must be a number in \[0, 1\), got 1$/] },
        { what: 'dropout -0.1', run: () => make({ name: 'r', units: 2, dropout: -0.1 }), says: [at, /'dropout' must be a number in \[0, 1\), got -0\.1$/] },
        { what: "recurrentDropout '0.2' (a string)", run: () => make({ name: 'r', units: 2, recurrentDropout: '0.2' }), says: [at, /'recurrentDropout' must be a number in \[0, 1\), got (?:a string )?"0\.2"$/] },
        { what: 'dropout NaN', run: () => make({ name: 'r', units: 2, dropout: NaN }), says: [at, /'dropout'.*got NaN$/], defect: 'D2: NaN is printed as "null"' },
        { what: "returnSequence (typo) suggests 'returnSequences'", run: () => make({ name: 'r', units: 2, returnSequence: true }), says: [at, /unknown option 'returnSequence'; did you mean 'returnSequences'\?/] },
        // Keras's go_backwards is accepted; a typo of it is named as written, with a suggestion.
        { what: "go_backward (typo of Keras's go_backwards) suggests 'goBackwards'", run: () => make({ name: 'r', units: 2, go_backward: true }), says: [at, /unknown option 'go_backward'; did you mean 'goBackwards'\?/] },
        { what: "kernelInitialiser (British) suggests 'kernelInitializer'", run: () => make({ name: 'r', units: 2, kernelInitialiser: 'zeros' }), says: [at, /unknown option 'kernelInitialiser'; did you mean 'kernelInitializer'\?/] },
        { what: "useBias 'yes'", run: () => make({ name: 'r', units: 2, useBias: 'yes' }), says: [at, /option 'useBias' must be true or false, got (?:a string )?"yes"/] },
        { what: 'goBackwards 1', run: () => make({ name: 'r', units: 2, goBackwards: 1 }), says: [at, /'goBackwards' must be true or false, got 1/] },
        { what: 'inputShape [0, 3]', run: () => make({ name: 'r', units: 2, inputShape: [0, 3] }), says: [/inputShape/, /size 0 must be a positive integer/, /got 0/] },
        { what: 'inputShape [5, -3]', run: () => make({ name: 'r', units: 2, inputShape: [5, -3] }), says: [/inputShape/, /size 1 must be a positive integer or null, got -3/] },
        { what: 'inputShape [5, 1.5]', run: () => make({ name: 'r', units: 2, inputShape: [5, 1.5] }), says: [/inputShape/, /size 1 .*got 1\.5/] },
        { what: "inputShape '5,3' (a string)", run: () => make({ name: 'r', units: 2, inputShape: '5,3' }), says: [/inputShape/, /must be a non-empty array of sizes, got (?:a string )?"5,3"/] },
        { what: 'inputShape []', run: () => make({ name: 'r', units: 2, inputShape: [] }), says: [/inputShape/, /non-empty array/, /got \[\]/] },
        { what: 'inputShape [5] (rank 2 input) in a model', run: () => new Sequential([make({ name: 'r', units: 2, inputShape: [5] }) as never]), says: [at, /expected input of shape \[batch, steps, features\] \(rank 3\), got \[null, 5\]/] },
        { what: 'name 3', run: () => make({ name: 3, units: 2 }), says: [/option 'name' must be a non-empty string, got 3/] },
        { what: "name ''", run: () => make({ name: '', units: 2 }), says: [/option 'name' must be a non-empty string, got (?:a string )?""/] },
        { what: "kernelRegularizer { l3 } suggests 'l2'", run: () => make({ name: 'r', units: 2, kernelRegularizer: { l3: 0.1 } }), says: [at, /kernelRegularizer/, /unknown option 'l3'; did you mean 'l2'\?/] },
        { what: 'kernelRegularizer { l2: -1 }', run: () => make({ name: 'r', units: 2, kernelRegularizer: { l2: -1 } }), says: [at, /'kernelRegularizer' must be \{ l2: number ≥ 0 \}, got \{"l2":-1\}/] },
        { what: 'stateful with inputShape (no fixed batch)', run: () => make({ name: 'r', units: 2, stateful: true, inputShape: [5, 3] }), says: [at, /stateful layer needs a fixed batch size/, /batchInputShape/] },
        { what: "options 'abc' (a string)", run: () => make('abc'), says: [/expected an options object such as \{ units: 32 \}, got (?:a string )?"abc"/] },
        { what: 'options null', run: () => make(null), says: [/expected an options object/, /got null/], defect: 'D1: Layer constructor reads args.name before the check: TypeError' },
        { what: 'options undefined', run: () => make(undefined), says: [/expected an options object/, /got undefined/], defect: 'D1: TypeError (reading "name" of undefined)' },
        { what: 'units 1e9 (far beyond WASM memory) in a model', run: () => new Sequential([make({ name: 'r', units: 1e9, inputShape: [2, 2] }) as never]).predict(rand([1, 2, 2])), says: [/'r'|units/, /memory/i], defect: 'D6: WebAssembly.Memory.grow throws a raw TypeError/RangeError, no LstmWasmError naming the layer and the size' },
      ]);
    });
  }
  it('inputShape [null, 3] (variable steps, as Keras) is not a bad input: it builds and predicts any length', () => {
    const m = new Sequential([new LSTM({ units: 2, inputShape: [null, 3] })]);
    expect(m.predict(rand([1, 4, 3])).shape).toEqual([1, 2]);
    expect(m.predict(rand([1, 6, 3])).shape).toEqual([1, 2]);
  });
  table([
    { what: "LSTM recurrentActivation 'selu'", run: () => new LSTM({ name: 'r', units: 2, recurrentActivation: 'selu' }), says: [/LSTM 'r': option 'recurrentActivation' must be one of .*got (?:a string )?"selu"/] },
    { what: "LSTM peephole 'x'", run: () => new LSTM(any({ name: 'r', units: 2, peephole: 'x' })), says: [/LSTM 'r': option 'peephole' must be true or false, got (?:a string )?"x"/] },
    { what: 'LSTM unitForgetBias 1', run: () => new LSTM(any({ name: 'r', units: 2, unitForgetBias: 1 })), says: [/LSTM 'r': option 'unitForgetBias' must be true or false, got 1/] },
    { what: 'GRU resetAfter 1', run: () => new GRU(any({ name: 'r', units: 2, resetAfter: 1 })), says: [/GRU 'r': option 'resetAfter' must be true or false, got 1/] },
    { what: "GRU recurrentActivation 'gelu'", run: () => new GRU({ name: 'r', units: 2, recurrentActivation: 'gelu' }), says: [/GRU 'r': option 'recurrentActivation' must be one of .*got (?:a string )?"gelu"/] },
    { what: 'SimpleRNN recurrentActivation (an LSTM option)', run: () => new SimpleRNN(any({ name: 'r', units: 2, recurrentActivation: 'sigmoid' })), says: [/SimpleRNN 'r': unknown option 'recurrentActivation'/, /Allowed: /] },
  ]);
});

describe('Dense, Dropout, Embedding, Masking, Bidirectional options', () => {
  table([
    { what: 'Dense units 0', run: () => new Dense({ name: 'd', units: 0 }), says: [/Dense 'd': option 'units' must be a positive integer, got 0$/] },
    { what: "Dense activation 'selu'", run: () => new Dense({ name: 'd', units: 1, activation: 'selu' }), says: [/Dense 'd': option 'activation' must be one of 'linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'hardSigmoid', got (?:a string )?"selu"/] },
    { what: "Dense unit (typo) suggests 'units'", run: () => new Dense(any({ name: 'd', unit: 3 })), says: [/Dense 'd': unknown option 'unit'; did you mean 'units'\?/] },
    { what: "Dense kernelInitializer 'zero'", run: () => new Dense({ name: 'd', units: 1, kernelInitializer: 'zero' }), says: [/Dense 'd': option 'kernelInitializer' must be one of .*got (?:a string )?"zero"/] },
    { what: 'Dense units 3n (a BigInt)', run: () => new Dense(any({ name: 'd', units: 3n })), says: [/Dense 'd': option 'units' must be a positive integer, got a bigint 3n/], defect: 'D2: the message is built with JSON.stringify, which throws a TypeError on a BigInt' },
    { what: 'Dense units a circular object', run: () => { const o: Record<string, unknown> = {}; o.self = o; return new Dense(any({ name: 'd', units: o })); }, says: [/Dense 'd': option 'units' must be a positive integer, got an object/], defect: "D2: JSON.stringify throws 'Converting circular structure to JSON'" },
    { what: 'Dense null', run: () => new Dense(any(null)), says: [/dense: expected an options object such as \{ units: 1 \}, got null/] },
    { what: 'Dense inputShape [3, null] (last size unknown)', run: () => new Sequential([new Dense({ name: 'd', units: 2, inputShape: [3, null] })]), says: [/Dense 'd': the last size of the input must be known, got \[null, 3, null\]/] },
    { what: 'Dropout rate 1', run: () => new Dropout({ name: 'p', rate: 1 }), says: [/Dropout 'p': option 'rate' must be a number in \[0, 1\), got 1$/] },
    { what: 'Dropout rate -0.5', run: () => new Dropout({ name: 'p', rate: -0.5 }), says: [/Dropout 'p': option 'rate' must be a number in \[0, 1\), got -0\.5$/] },
    { what: "Dropout rate '0.5'", run: () => new Dropout(any({ name: 'p', rate: '0.5' })), says: [/Dropout 'p': option 'rate' .*got (?:a string )?"0\.5"$/] },
    { what: 'Dropout rate missing', run: () => new Dropout(any({ name: 'p' })), says: [/Dropout 'p': option 'rate' .*got undefined$/] },
    { what: "Dropout rat (typo) suggests 'rate'", run: () => new Dropout(any({ name: 'p', rat: 0.5 })), says: [/Dropout 'p': unknown option 'rat'; did you mean 'rate'\?/] },
    { what: 'Dropout rate NaN', run: () => new Dropout({ name: 'p', rate: NaN }), says: [/Dropout 'p': option 'rate' .*got NaN$/], defect: 'D2: NaN printed as "null"' },
    { what: 'Embedding inputDim 0', run: () => new Embedding({ name: 'e', inputDim: 0, outputDim: 2 }), says: [/Embedding 'e': option 'inputDim' must be a positive integer, got 0$/] },
    { what: 'Embedding outputDim 1.5', run: () => new Embedding({ name: 'e', inputDim: 3, outputDim: 1.5 }), says: [/Embedding 'e': option 'outputDim' must be a positive integer, got 1\.5$/] },
    { what: "Embedding outputDims (typo) suggests 'outputDim'", run: () => new Embedding(any({ name: 'e', inputDim: 3, outputDims: 2 })), says: [/Embedding 'e': unknown option 'outputDims'; did you mean 'outputDim'\?/] },
    { what: 'Embedding maskZero 1', run: () => new Embedding(any({ name: 'e', inputDim: 3, outputDim: 2, maskZero: 1 })), says: [/Embedding 'e': option 'maskZero' must be true or false, got 1/] },
    { what: 'Embedding inputLength 0', run: () => new Embedding({ name: 'e', inputDim: 3, outputDim: 2, inputLength: 0 }), says: [/embedding: option 'inputShape': size 0 must be a positive integer( or null)?, got 0/] },
    { what: 'Embedding null', run: () => new Embedding(any(null)), says: [/embedding: expected an options object .*got null/] },
    { what: "Masking maskValue '0'", run: () => new Masking(any({ name: 'k', maskValue: '0' })), says: [/Masking 'k': option 'maskValue' must be a number, got (?:a string )?"0"/] },
    { what: "Masking maskvalue (typo) suggests 'maskValue'", run: () => new Masking(any({ name: 'k', maskvalue: 0 })), says: [/Masking 'k': unknown option 'maskvalue'; did you mean 'maskValue'\?/] },
    { what: 'Masking maskValue NaN', run: () => new Masking({ name: 'k', maskValue: NaN }), says: [/Masking 'k': option 'maskValue' must be a number, got NaN/], defect: 'D2: NaN printed as "null"' },
    { what: 'Masking on a rank-2 input', run: () => new Sequential([new Masking({ name: 'k', inputShape: [3] })]), says: [/Masking 'k': expected input of shape \[batch, steps, features\], got \[null, 3\]/] },
    { what: 'Bidirectional around a Dense', run: () => new Bidirectional(any({ name: 'b', layer: new Dense({ name: 'dd', units: 2 }) })), says: [/Bidirectional 'b': option 'layer' must be an LSTM, GRU or SimpleRNN layer, got Dense 'dd'/] },
    { what: 'Bidirectional layer null', run: () => new Bidirectional(any({ name: 'b', layer: null })), says: [/Bidirectional 'b': option 'layer' must be .*got null/] },
    { what: "Bidirectional mergeMode 'x'", run: () => new Bidirectional(any({ name: 'b', layer: new LSTM({ units: 2 }), mergeMode: 'x' })), says: [/Bidirectional 'b': option 'mergeMode' must be one of 'concat', 'sum', 'mul', 'ave', got (?:a string )?"x"/] },
    { what: "Bidirectional mergeMode 'toString'", run: () => new Bidirectional(any({ name: 'b', layer: new LSTM({ units: 2 }), mergeMode: 'toString' })), says: [/Bidirectional 'b': option 'mergeMode' must be one of .*got (?:a string )?"toString"/], defect: "D3: `mode in MODES` finds Object.prototype.toString: accepted, and the kernel gets a function as merge mode (silently 'concat'-sized garbage)" },
    { what: "Bidirectional mergemode (typo) suggests 'mergeMode'", run: () => new Bidirectional(any({ name: 'b', layer: new LSTM({ units: 2 }), mergemode: 'sum' })), says: [/Bidirectional 'b': unknown option 'mergemode'; did you mean 'mergeMode'\?/] },
    { what: 'Bidirectional around a stateful layer', run: () => new Bidirectional({ name: 'b', layer: new LSTM({ units: 2, stateful: true, batchInputShape: [1, 3, 2] }) }), says: [/Bidirectional 'b': a stateful layer cannot be wrapped/] },
    { what: 'Bidirectional null', run: () => new Bidirectional(any(null)), says: [/bidirectional: expected \{ layer: new LSTM\(\{\.\.\.\}\) \}, got null/] },
  ]);
});

// ---- Sequential, add, compile ----------------------------------------------------------------

describe('Sequential and add', () => {
  table([
    { what: "new Sequential('abc')", run: () => new Sequential(any('abc')), says: [/Sequential: expected an array of layers or \{ layers, name, seed \}, got a string "abc"/] },
    { what: "new Sequential({ sed }) suggests 'seed'", run: () => new Sequential(any({ sed: 1 })), says: [/Sequential: unknown option 'sed'; did you mean 'seed'\?/] },
    { what: 'seed -1', run: () => new Sequential({ seed: -1 }), says: [/Sequential: option 'seed' must be an integer in \[0, 2\^32\), got -1/] },
    { what: 'seed 1.5', run: () => new Sequential({ seed: 1.5 }), says: [/option 'seed' must be an integer in \[0, 2\^32\), got 1\.5/] },
    { what: "seed '1'", run: () => new Sequential(any({ seed: '1' })), says: [/option 'seed' .*got a string "1"/] },
    { what: 'layers [null]', run: () => new Sequential(any([null])), says: [/\.add: expected a layer such as new LSTM\(\{ units: 32 \}\), got null/] },
    { what: 'layers [{}]', run: () => new Sequential(any([{}])), says: [/\.add: expected a layer .*got an empty object \{\}/] },
    { what: 'layers { a: 1 } (not an array)', run: () => new Sequential(any({ layers: { a: 1 } })), says: [/layers/, /array/, /got an object/], defect: 'D8: `for (const l of a.layers)` on a non-iterable: TypeError' },
    { what: 'name 3', run: () => new Sequential(any({ name: 3 })), says: [/Sequential: option 'name' must be a (non-empty )?string, got 3/], defect: "D8: 'name' is not checked: a model named 3" },
    { what: 'weights of a model whose first layer has no inputShape, before any data', run: () => new Sequential({ name: 'q', layers: [new LSTM({ name: 'x', units: 2 })] }).getWeights(), says: [/Sequential 'q': the model is not built yet: its first layer \(LSTM 'x'\) has no inputShape/, /model\.build\(\[batch, \.\.\.inputShape\]\)/] },
    { what: 'add(3)', run: () => model().add(any(3)), says: [/Sequential 'm'\.add: expected a layer .*got 3/] },
    { what: 'trainOnBatch after an add that follows compile (as Keras, compile again)', run: () => { const m = model(); m.compile({ optimizer: 'sgd', loss: 'mse' }); m.predict(X); m.add(new Dense({ units: 1 })); m.trainOnBatch(X, rand([X.shape[0], 1])); }, says: [/Sequential 'm'\.trainOnBatch: compile the model first/] },
    { what: 'add a layer of another model', run: () => { const m = model(); new Sequential([new Dense({ name: 'q', units: 1, inputShape: [2] })]).add(m.layers[1]); }, says: [/Dense 'head'\.apply: the layer was built for input \[null, 4\], but is now applied to \[null, 1\]; a layer's weights have one shape/] },
    { what: 'add a later layer whose inputShape disagrees', run: () => new Sequential({ name: 'q', layers: [new LSTM({ name: 'a', units: 4, inputShape: [5, 3] }), new Dense({ name: 'b', units: 1, inputShape: [7] })] }), says: [/Sequential 'q'\.add: Dense 'b' has inputShape \[null, 7\], but LSTM 'a' outputs \[null, 4\]/] },
    {
      what: 'add a stateful layer whose batchInputShape batch differs from the model\'s',
      run: () => new Sequential({ name: 'q', layers: [new LSTM({ name: 'a', units: 3, batchInputShape: [2, 4, 2], stateful: true, returnSequences: true }), new GRU({ name: 'b', units: 8, batchInputShape: [5, 4, 3], stateful: true })] }),
      says: [/GRU 'b'/, /batch/, /5/, /2/],
      defect: "D10: accepted; its state is sized for the model's batch (2) but resetStates/setState/getStates use the layer's (5): setState writes past its region into the next layer's state",
    },
  ]);
});

describe('compile', () => {
  const fresh = () => new Sequential({ name: 'c', layers: [new LSTM({ units: 4, inputShape: [5, 3] }), new Dense({ name: 'o', units: 1 })] });
  table([
    { what: 'compile(null)', run: () => fresh().compile(any(null)), says: [/compile: expected \{ optimizer, loss, metrics\? \}, got null/] },
    { what: "compile('adam')", run: () => fresh().compile(any('adam')), says: [/compile: expected \{ optimizer, loss, metrics\? \}, got a string "adam"/] },
    { what: 'loss missing', run: () => fresh().compile(any({ optimizer: 'adam' })), says: [/compile: option 'loss' is required/] },
    { what: 'optimizer missing', run: () => fresh().compile(any({ loss: 'mse' })), says: [/compile: option 'optimizer' is required/] },
    { what: 'loss 3', run: () => fresh().compile(any({ optimizer: 'adam', loss: 3 })), says: [/compile: option 'loss' must be one of .*'meanSquaredError'.*got 3/] },
    { what: 'loss 0n (a BigInt)', run: () => fresh().compile(any({ optimizer: 'adam', loss: 0n })), says: [/compile: option 'loss' must be one of .*got a bigint 0n/], defect: 'D2: JSON.stringify throws a TypeError on a BigInt' },
    { what: "loss 'toString'", run: () => fresh().compile({ optimizer: 'adam', loss: 'toString' }), says: [/compile: option 'loss' must be one of .*got (?:a string )?"toString"/], defect: "D5: LOSS_ALIASES['toString'] is Object.prototype.toString: TypeError 'undefined is not iterable'" },
    { what: "optimizer { learningRat } suggests 'learningRate'", run: () => fresh().compile(any({ optimizer: { name: 'adam', learningRat: 0.1 }, loss: 'mse' })), says: [/compile: optimizer: unknown option 'learningRat'; did you mean 'learningRate'\?/] },
    { what: 'optimizer {} (no name)', run: () => fresh().compile(any({ optimizer: {}, loss: 'mse' })), says: [/compile: optimizer: unknown optimizer undefined; known: 'adam', 'sgd', 'rmsprop'/] },
    { what: 'learningRate -1', run: () => fresh().compile({ optimizer: { name: 'adam', learningRate: -1 }, loss: 'mse' }), says: [/compile: optimizer: 'learningRate' must be a number in \(0, Infinity\], got -1/] },
    { what: 'learningRate NaN', run: () => fresh().compile({ optimizer: { name: 'adam', learningRate: NaN }, loss: 'mse' }), says: [/'learningRate' .*got NaN/], defect: 'D2: NaN printed as "null"' },
    { what: 'sgd momentum 2', run: () => fresh().compile({ optimizer: { name: 'sgd', momentum: 2 }, loss: 'mse' }), says: [/compile: optimizer: 'momentum' must be a number in \[0, 1\], got 2/] },
    { what: 'sgd nesterov 1', run: () => fresh().compile(any({ optimizer: { name: 'sgd', nesterov: 1 }, loss: 'mse' })), says: [/'nesterov' must be true or false, got 1/] },
    { what: 'adam beta1 1.5', run: () => fresh().compile({ optimizer: { name: 'adam', beta1: 1.5 }, loss: 'mse' }), says: [/'beta1' must be a number in \[0, 1\], got 1\.5/] },
    { what: 'metrics 5 (not a name or an array)', run: () => fresh().compile(any({ optimizer: 'adam', loss: 'mse', metrics: 5 })), says: [/compile: option 'metrics' must be an array such as \['mae'\], got 5/] },
    { what: "metrics ['accuracyy']", run: () => fresh().compile({ optimizer: 'adam', loss: 'mse', metrics: ['accuracyy'] }), says: [/compile: unknown metric "accuracyy"; known: 'accuracy'/] },
    { what: 'metrics [3]', run: () => fresh().compile(any({ optimizer: 'adam', loss: 'mse', metrics: [3] })), says: [/compile: unknown metric 3/] },
    { what: 'clipNorm 0', run: () => fresh().compile({ optimizer: 'adam', loss: 'mse', clipNorm: 0 }), says: [/compile: option 'clipNorm' must be a positive number, got 0/] },
    { what: 'clipNorm -1', run: () => fresh().compile({ optimizer: 'adam', loss: 'mse', clipNorm: -1 }), says: [/'clipNorm' must be a positive number, got -1/] },
    { what: 'clipNorm NaN', run: () => fresh().compile({ optimizer: 'adam', loss: 'mse', clipNorm: NaN }), says: [/'clipNorm' must be a positive number, got NaN/] },
    { what: 'clipNorm Infinity', run: () => fresh().compile({ optimizer: 'adam', loss: 'mse', clipNorm: Infinity }), says: [/'clipNorm' must be a positive number, got Infinity/] },
    { what: "clipNorm '1'", run: () => fresh().compile(any({ optimizer: 'adam', loss: 'mse', clipNorm: '1' })), says: [/'clipNorm' must be a positive number, got a string "1"/] },
    { what: 'clipValue 0', run: () => fresh().compile({ optimizer: 'adam', loss: 'mse', clipValue: 0 }), says: [/compile: option 'clipValue' must be a positive number, got 0/] },
    { what: "clipnorm (typo) suggests 'clipNorm'", run: () => fresh().compile(any({ optimizer: 'adam', loss: 'mse', clipnorm: 1 })), says: [/compile: unknown option 'clipnorm'; did you mean 'clipNorm'\?/] },
    { what: 'categoricalCrossentropy on a 1-unit output', run: () => fresh().compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' }), says: [/loss 'categoricalCrossentropy' needs an output of at least 2 classes, but Dense 'o' outputs \[null, 1\]/] },
  ]);
});

// ---- data in: predict, fit, evaluate, trainOnBatch, step, inspect ----------------------------

describe('predict: x of every wrong kind', () => {
  const p = (x: unknown, opts?: unknown) => () => model(false).predict(any(x), any(opts));
  const row5 = [1, 2, 3];
  const sample = [row5, row5, row5, row5, row5];
  table([
    { what: 'x null', run: p(null), says: [/^x must be numbers .*got null$/] },
    { what: 'x undefined', run: p(undefined), says: [/^x must be numbers .*got undefined$/] },
    { what: "x 'abc'", run: p('abc'), says: [/^x must be numbers .*got a string "abc"$/] },
    { what: 'x 3 (a scalar)', run: p(3), says: [/Sequential 'm': predict x: expected shape \[null, 5, 3\] \(rank 3\), got \[\] \(rank 0\)/] },
    { what: 'x [] (empty)', run: p([]), says: [/predict x: expected shape \[null, 5, 3\] \(rank 3\), got \[0\] \(rank 1\)/] },
    { what: 'x [[]]', run: p([[]]), says: [/predict x: expected shape \[null, 5, 3\] \(rank 3\), got \[1, 0\] \(rank 2\)/] },
    { what: 'x rank 4', run: p([[sample]]), says: [/predict x: expected shape \[null, 5, 3\] \(rank 3\), got \[1, 1, 5, 3\] \(rank 4\)/] },
    { what: 'x with 4 steps instead of 5', run: p([sample.slice(1)]), says: [/predict x: expected shape \[null, 5, 3\], got \[1, 4, 3\] \(size 1 differs\)/] },
    { what: 'x with 0 samples', run: p({ data: new Float32Array(0), shape: [0, 5, 3] }), says: [/predict x: it holds no samples \(shape \[0, 5, 3\]\)/] },
    { what: 'x ragged in its last axis', run: p([[row5, [1, 2], row5, row5, row5]]), says: [/^x\[0\]\[1\] has length 2, but x\[0\]\[0\] has length 3: nested arrays must be rectangular$/] },
    { what: 'x ragged in its steps', run: p([sample, sample.slice(0, 4)]), says: [/^x\[1\] has length 4, but x\[0\] has length 5/] },
    { what: 'x ragged: a number where a row was', run: p([[row5, 7, row5, row5, row5]]), says: [/^x\[0\]\[1\] is 7, expected an array of length 3 like x\[0\]\[0\]/] },
    { what: "x with a string element '3'", run: p([[[1, 2, '3'], row5, row5, row5, row5]]), says: [/^x\[0\]\[0\]\[2\] is a string "3", expected a number$/] },
    { what: 'x with a null element', run: p([[[1, 2, null], row5, row5, row5, row5]]), says: [/^x\[0\]\[0\]\[2\] is null, expected a number$/] },
    { what: 'x with Infinity', run: p([[row5, [1, Infinity, 3], row5, row5, row5]]), says: [/predict x: values must be finite, got Infinity at \[0, 1, 1\]/] },
    { what: 'x with -Infinity', run: p([[row5, row5, row5, row5, [-Infinity, 1, 3]]]), says: [/predict x: values must be finite, got -Infinity at \[0, 4, 0\]/] },
    { what: 'x { data } shorter than its shape', run: p({ data: new Float32Array(5), shape: [1, 5, 3] }), says: [/^x: shape \[1, 5, 3\] needs 15 values, but x\.data holds 5$/] },
    { what: 'x.shape with a negative size', run: p({ data: new Float32Array(15), shape: [-1, 5, 3] }), says: [/^x\.shape\[0\] is -1 \(x\.shape is \[-1, 5, 3\]\); sizes must be non-negative integers$/] },
    { what: 'x.shape with a fractional size', run: p({ data: new Float32Array(15), shape: [1.5, 5, 3] }), says: [/^x\.shape\[0\] is 1\.5/] },
    { what: "x.shape '1,5,3'", run: p({ data: new Float32Array(15), shape: '1,5,3' }), says: [/^x\.shape must be an array of sizes such as \[2, 3\], got a string "1,5,3"$/] },
    { what: 'x with a BigInt64Array row', run: p([[new BigInt64Array(3), row5, row5, row5, row5]]), says: [/^x\[0\]\[0\] is a BigInt64Array of length 3; convert its values to numbers first$/] },
    { what: 'x a Promise (forgotten await)', run: p(Promise.resolve(X)), says: [/^x must be numbers .*got a Promise \(was an await forgotten\?\)$/] },
    { what: 'x a Map', run: p(new Map()), says: [/^x must be numbers .*got a Map of size 0$/] },
    { what: 'batchSize 0', run: p(X, { batchSize: 0 }), says: [/^predict: option 'batchSize' must be a positive integer, got 0$/] },
    { what: 'batchSize -1', run: p(X, { batchSize: -1 }), says: [/^predict: option 'batchSize' must be a positive integer, got -1$/] },
    { what: 'batchSize 1.5', run: p(X, { batchSize: 1.5 }), says: [/'batchSize' must be a positive integer, got 1\.5$/] },
    { what: "batchSize '2'", run: p(X, { batchSize: '2' }), says: [/'batchSize' must be a positive integer, got a string "2"$/] },
    { what: 'batchSize NaN', run: p(X, { batchSize: NaN }), says: [/'batchSize' must be a positive integer, got NaN$/] },
    { what: 'batchSize Infinity', run: p(X, { batchSize: Infinity }), says: [/'batchSize' must be a positive integer, got Infinity$/] },
    { what: "batchsize (typo) suggests 'batchSize'", run: p(X, { batchsize: 2 }), says: [/^predict: unknown option 'batchsize'; did you mean 'batchSize'\?/] },
    { what: "options 'x'", run: p(X, 'x'), says: [/^predict: expected an options object \{ \.\.\. \}, got a string "x"$/] },
    { what: 'options [1]', run: p(X, [1]), says: [/^predict: expected an options object .*got an array of length 1$/] },
    { what: "verbose 'loud'", run: p(X, { verbose: 'loud' }), says: [/predict: option 'verbose' .*got a string "loud"/], defect: "D11: predict/evaluate accept any 'verbose' (and 'steps') without a check" },
  ]);
});

describe('fit, evaluate, trainOnBatch: x, y and options', () => {
  const fit = (x: unknown, y: unknown, opts: unknown = { verbose: 0 }) => () => model().fit(any(x), any(y), any(opts));
  const o = (extra: object) => ({ verbose: 0, ...extra });
  table([
    { what: 'fit x/y sample counts differ', run: fit(X, rand([3, 2])), says: [/^fit: x and y must hold as many samples: x has 2 \(shape \[2, 5, 3\]\), y has 3 \(shape \[3, 2\]\)$/] },
    { what: 'fit y of the wrong width', run: fit(X, rand([2, 3])), says: [/Sequential 'm': fit y: expected shape \[null, 2\] \(the model's output\), got \[2, 3\]/] },
    { what: 'fit y of rank 1', run: fit(X, rand([2])), says: [/fit y: expected shape \[null, 2\] .*got \[2\]/] },
    { what: 'fit y with NaN', run: fit(X, { data: new Float32Array([0, NaN, 0, 0]), shape: [2, 2] }), says: [/fit y: values must be finite, got NaN at \[0, 1\]/] },
    { what: 'fit y null', run: fit(X, null), says: [/^y must be numbers .*got null$/] },
    { what: 'fit y []', run: fit(X, []), says: [/^fit: x and y must hold as many samples: x has 2 .*y has 0/] },
    { what: 'fit x []', run: fit([], Y), says: [/fit x: expected shape \[null, 5, 3\] \(rank 3\), got \[0\] \(rank 1\)/] },
    { what: 'fit options null', run: fit(X, Y, null), says: [/^fit: expected options such as \{ epochs: 10, batchSize: 32 \}, got null$/] },
    { what: "fit options 'x'", run: fit(X, Y, 'x'), says: [/^fit: expected options .*got a string "x"$/] },
    { what: 'epochs -1', run: fit(X, Y, o({ epochs: -1 })), says: [/^fit: option 'epochs' must be a non-negative integer, got -1$/] },
    { what: 'epochs 1.5', run: fit(X, Y, o({ epochs: 1.5 })), says: [/'epochs' must be a non-negative integer, got 1\.5$/] },
    { what: "epochs '2'", run: fit(X, Y, o({ epochs: '2' })), says: [/'epochs' .*got a string "2"$/] },
    { what: 'epochs NaN', run: fit(X, Y, o({ epochs: NaN })), says: [/'epochs' .*got NaN$/] },
    { what: 'epochs Infinity', run: fit(X, Y, o({ epochs: Infinity })), says: [/'epochs' .*got Infinity$/] },
    { what: 'batchSize 0', run: fit(X, Y, o({ batchSize: 0 })), says: [/^fit: option 'batchSize' must be a positive integer, got 0$/] },
    { what: 'batchSize 2.5', run: fit(X, Y, o({ batchSize: 2.5 })), says: [/'batchSize' must be a positive integer, got 2\.5$/] },
    { what: 'validationSplit 1', run: fit(X, Y, o({ validationSplit: 1 })), says: [/^fit: option 'validationSplit' must be a number in \(0, 1\), got 1$/] },
    { what: 'validationSplit 0', run: fit(X, Y, o({ validationSplit: 0 })), says: [/'validationSplit' must be a number in \(0, 1\), got 0$/] },
    { what: 'validationSplit NaN', run: fit(X, Y, o({ validationSplit: NaN })), says: [/'validationSplit' .*got NaN$/] },
    { what: 'validationSplit leaving no validation sample', run: fit(X, Y, o({ validationSplit: 0.1 })), says: [/^fit: validationSplit 0\.1 of 2 samples leaves 2 for training and 0 for validation; both must be at least 1$/] },
    { what: 'validationData [x] only', run: fit(X, Y, o({ validationData: [X] })), says: [/^fit: option 'validationData' must be \[xVal, yVal\], got an array of length 1$/] },
    { what: 'validationData x of wrong steps', run: fit(X, Y, o({ validationData: [rand([2, 4, 3]), Y] })), says: [/fit validationData\[0\]: expected shape \[null, 5, 3\], got \[2, 4, 3\] \(size 1 differs\)/] },
    { what: 'validationData y of fewer samples', run: fit(X, Y, o({ validationData: [X, rand([1, 2])] })), says: [/fit validationData\[1\]: expected 2 samples \(as many as x\), got 1 \(shape \[1, 2\]\)/] },
    { what: 'verbose 3', run: fit(X, Y, o({ verbose: 3 })), says: [/^fit: option 'verbose' must be 0, 1 or 2, got 3$/] },
    { what: "shuffle 'yes'", run: fit(X, Y, o({ shuffle: 'yes' })), says: [/^fit: option 'shuffle' must be true or false, got a string "yes"$/] },
    { what: 'callbacks 3', run: fit(X, Y, o({ callbacks: 3 })), says: [/^fit: every callback must be an object with onEpochEnd\/onBatchEnd\/… methods, got 3$/] },
    { what: 'callbacks [null]', run: fit(X, Y, o({ callbacks: [null] })), says: [/every callback must be an object .*got null$/] },
    { what: 'initialEpoch -1', run: fit(X, Y, o({ initialEpoch: -1 })), says: [/^fit: option 'initialEpoch' must be a non-negative integer, got -1$/] },
    { what: 'seed 2^32', run: fit(X, Y, o({ seed: 2 ** 32 })), says: [/^fit: option 'seed' must be an integer in \[0, 2\^32\), got 4294967296$/] },
    { what: 'yieldEvery -1', run: fit(X, Y, o({ yieldEvery: -1 })), says: [/^fit: option 'yieldEvery' must be a number of milliseconds or 'never', got -1$/] },
    { what: "epoch (typo) suggests 'epochs'", run: fit(X, Y, o({ epoch: 3 })), says: [/^fit: unknown option 'epoch'; did you mean 'epochs'\?/] },
    // Keras's spellings (batch_size, validation_split) are accepted; their typos still get a suggestion.
    { what: "batch_sise (typo of Keras's batch_size) suggests 'batchSize'", run: fit(X, Y, o({ batch_sise: 3 })), says: [/^fit: unknown option 'batch_sise'; did you mean 'batchSize'\?/] },
    { what: "validation_splt suggests 'validationSplit'", run: fit(X, Y, o({ validation_splt: 0.5 })), says: [/unknown option 'validation_splt'; did you mean 'validationSplit'\?/] },
    { what: 'fit before compile', run: () => model(false).fit(X, Y, { verbose: 0 }), says: [/Sequential 'm'\.fit: compile the model first/] },
    { what: 'evaluate y of more samples', run: () => model().evaluate(X, rand([3, 2])), says: [/Sequential 'm': evaluate y: expected 2 samples \(as many as x\), got 3 \(shape \[3, 2\]\)/] },
    { what: 'evaluate y of the wrong width', run: () => model().evaluate(X, rand([2, 3])), says: [/evaluate y: expected shape \[null, 2\] .*got \[2, 3\]/] },
    { what: 'evaluate y with NaN', run: () => model().evaluate(X, { data: new Float32Array([NaN, 0, 0, 0]), shape: [2, 2] }), says: [/evaluate y: values must be finite, got NaN at \[0, 0\]/] },
    { what: "evaluate batchsize (typo) suggests 'batchSize'", run: () => model().evaluate(X, Y, any({ batchsize: 2 })), says: [/^evaluate: unknown option 'batchsize'; did you mean 'batchSize'\?/] },
    { what: 'evaluate batchSize 0', run: () => model().evaluate(X, Y, { batchSize: 0 }), says: [/^evaluate: option 'batchSize' must be a positive integer, got 0$/] },
    { what: 'evaluate before compile', run: () => model(false).evaluate(X, Y), says: [/Sequential 'm'\.evaluate: compile the model first/] },
    { what: "evaluate verbose 'x'", run: () => model().evaluate(X, Y, any({ verbose: 'x' })), says: [/evaluate: option 'verbose' .*got a string "x"/], defect: "D11: evaluate accepts any 'verbose'" },
    { what: 'trainOnBatch y null', run: () => model().trainOnBatch(X, any(null)), says: [/^y must be numbers .*got null$/] },
    { what: 'trainOnBatch x of rank 2', run: () => model().trainOnBatch([[1, 2, 3]], Y), says: [/trainOnBatch x: expected shape \[null, 5, 3\] \(rank 3\), got \[1, 3\] \(rank 2\); a series of one feature needs a last size of 1/] },
    { what: 'trainOnBatch y with NaN', run: () => model().trainOnBatch(X, { data: new Float32Array([0, 0, 0, NaN]), shape: [2, 2] }), says: [/trainOnBatch y: values must be finite, got NaN at \[1, 1\]/] },
    { what: 'trainOnBatch before compile', run: () => model(false).trainOnBatch(X, Y), says: [/Sequential 'm'\.trainOnBatch: compile the model first/] },
    { what: 'trainOnBatch on a fixed batch of 2 with 3 samples', run: () => statefulModel().trainOnBatch(rand([3, 4, 3]), rand([3, 1])), says: [/Sequential 's'\.trainOnBatch: this model was built for batches of 2 \(batchInputShape\), got 3 samples/] },
    { what: 'predict on a fixed batch of 2 with 3 samples', run: () => statefulModel().predict(rand([3, 4, 3])), says: [/^predict: this model was built for batches of 2 \(batchInputShape\), so the number of samples must be a multiple of 2, got 3$/] },
    { what: 'predict on a fixed batch of 2 with batchSize 1', run: () => statefulModel().predict(rand([4, 4, 3]), { batchSize: 1 }), says: [/^predict: this model was built for batches of 2 \(batchInputShape\), got batchSize 1$/] },
    { what: 'sparseCategoricalCrossentropy with a class id 3 of 3 classes', run: () => { const m = new Sequential({ name: 'sc', layers: [new LSTM({ units: 3, inputShape: [5, 3] }), new Dense({ units: 3, activation: 'softmax' })] }); m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' }); return m.evaluate(X, [0, 3]); }, says: [/Sequential 'sc': evaluate y: class ids must be integers in \[0, 2\], got 3 at row 1/] },
    { what: 'sparseCategoricalCrossentropy given one-hot rows', run: () => { const m = new Sequential({ name: 'sc', layers: [new LSTM({ units: 3, inputShape: [5, 3] }), new Dense({ units: 3, activation: 'softmax' })] }); m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' }); return m.evaluate(X, [[1, 0, 0], [0, 0, 1]]); }, says: [/evaluate y: expected shape \[null\] \(class ids, for sparseCategoricalCrossentropy, of the model's output \[null, 3\]\), got \[2, 3\]/] },
  ]);
});

describe('Embedding token ids', () => {
  table([
    { what: 'id -1', run: () => embModel().predict([[1, 2, -1]]), says: [/Embedding 'emb': token ids must be integers in \[0, 4\] \(inputDim 5\), got -1 at \[0, 2\]/] },
    { what: 'id 1.5', run: () => embModel().predict([[1, 1.5, 2]]), says: [/Embedding 'emb': token ids must be integers in \[0, 4\] \(inputDim 5\), got 1\.5 at \[0, 1\]/] },
    { what: 'id 5 (= inputDim)', run: () => embModel().predict([[5, 1, 2]]), says: [/token ids must be integers in \[0, 4\] \(inputDim 5\), got 5 at \[0, 0\]/] },
    { what: 'id 1e10', run: () => embModel().predict([[0, 0, 0], [1, 1e10, 0]]), says: [/got 10000000000 at \[1, 1\]/] },
    { what: 'id NaN', run: () => embModel().predict([[0, NaN, 0]]), says: [/predict x: values must be finite, got NaN at \[0, 1\]/] },
    { what: 'ids of rank 3', run: () => embModel().predict([[[1], [2], [3]]]), says: [/predict x: expected shape \[null, 3\] \(rank 2\), got \[1, 3, 1\] \(rank 3\)/] },
    { what: 'bad id in trainOnBatch', run: () => embModel().trainOnBatch([[1, 2, 9]], [[0]]), says: [/Embedding 'emb': token ids .*got 9 at \[0, 2\]/] },
    { what: 'bad id in evaluate', run: () => embModel().evaluate([[1, 2, 3], [1, 2, 9]], [[0], [0]]), says: [/Embedding 'emb': token ids .*got 9 at \[1, 2\]/] },
    { what: 'bad id in fit', run: () => embModel().fit([[1, 2, 9]], [[0]], { verbose: 0 }), says: [/Embedding 'emb': token ids .*got 9/] },
  ]);

  it('[fixed D12] fit with a bad id in its last batch throws before any weight changes', async () => {
    const m = embModel();
    const before = m.getWeights().map((w) => Array.from(w.data));
    const x = [[1, 2, 3], [0, 1, 2], [4, 4, 4], [1, 2, 7]];
    checkError(await errorOf(() => m.fit(x, [[0], [1], [0], [1]], { epochs: 1, batchSize: 1, shuffle: false, verbose: 0 })), [/Embedding 'emb'/, /got 7/]);
    expect(m.getWeights().map((w) => Array.from(w.data))).toEqual(before);
  });
});

describe('step, stateful state, inspect, resetStates', () => {
  table([
    { what: 'step on a model that is not stateful', run: () => model().step([[1, 2, 3]]), says: [/Sequential 'm'\.step: step\(\) is for stateful models/] },
    { what: 'step with 2 values for [2, 3]', run: () => statefulModel().step([[1, 2]]), says: [/Sequential 's'\.step: xt must hold 2 × 3 values \(\[batch, features\] = \[2, 3\]\), got 2$/] },
    { what: 'step with NaN', run: () => statefulModel().step([[1, 2, NaN], [4, 5, 6]]), says: [/Sequential 's'\.step: xt values must be finite, got NaN at 2$/] },
    { what: 'step null', run: () => statefulModel().step(any(null)), says: [/^step xt must be numbers .*got null$/] },
    { what: "step 'ab'", run: () => statefulModel().step(any('ab')), says: [/^step xt must be numbers .*got a string "ab"$/] },
    { what: 'step ragged', run: () => statefulModel().step([[1, 2, 3], [4, 5]]), says: [/^step xt\[1\] has length 2, but step xt\[0\] has length 3/] },
    { what: 'step a Float32Array of 5', run: () => statefulModel().step(new Float32Array(5)), says: [/xt must hold 2 × 3 values .*got 5$/] },
    { what: 'step shaped [3, 2] where [2, 3] is expected', run: () => statefulModel().step([[1, 2], [3, 4], [5, 6]]), says: [/step/, /\[2, 3\]/, /\[3, 2\]/], defect: 'D13: only the element count is checked: 3 rows of 2 features are taken as 2 rows of 3' },
    { what: 'setState(5, …) (no state 5)', run: () => (statefulModel().layers[0] as LSTM).setState(5, new Float32Array(6)), says: [/LSTM 'st'/, /state (index )?5/, /0 \(h\)|0 or 1|\[0, 1\]/], defect: "D14: says 'state 5 must hold 6 values ([2, 3]), got 6': the index, not the size, is wrong" },
    { what: 'setState(1.5, …)', run: () => (statefulModel().layers[0] as LSTM).setState(1.5, new Float32Array(6)), says: [/LSTM 'st'/, /1\.5/], defect: 'D14: accepted: writes 6 values at offset 9 floats, across h and c' },
    { what: 'setState(0, NaN values)', run: () => (statefulModel().layers[0] as LSTM).setState(0, new Float32Array(6).fill(NaN)), says: [/LSTM 'st'/, /finite/, /NaN/], defect: 'D14: accepted: every later prediction is NaN' },
    { what: 'setState(0, null)', run: () => (statefulModel().layers[0] as LSTM).setState(0, any(null)), says: [/LSTM 'st'/, /got null/], defect: "D14: TypeError reading 'length' of null" },
    { what: 'setState(0, 5 values) for [2, 3]', run: () => (statefulModel().layers[0] as LSTM).setState(0, new Float32Array(5)), says: [/LSTM 'st': state 0 must hold 6 values \(\[2, 3\]\), got 5$/] },
    { what: 'resetStates() on a layer that is not stateful', run: () => (model().layers[0] as LSTM).resetStates(), says: [/LSTM 'enc': resetStates\(\) is for stateful layers; this one was made with stateful: false/] },
    { what: 'getStates() on a layer that is not stateful', run: () => (model().layers[0] as LSTM).getStates(), says: [/LSTM 'enc': getStates\(\) is for stateful layers/] },
    { what: 'inspect a Dense layer', run: () => model().inspect(X, { layer: 1 }), says: [/Sequential 'm'\.inspect: option 'layer' must name or index an LSTM, GRU, SimpleRNN or attention layer of this model, got 1$/] },
    { what: 'inspect layer 99', run: () => model().inspect(X, { layer: 99 }), says: [/option 'layer' .*got 99$/] },
    { what: "inspect layer 'nope'", run: () => model().inspect(X, { layer: 'nope' }), says: [/option 'layer' .*got a string "nope"$/] },
    { what: "inspect layr (typo) suggests 'layer'", run: () => model().inspect(X, any({ layr: 0 })), says: [/^inspect: unknown option 'layr'; did you mean 'layer'\?/] },
  ]);
});

// ---- weights ---------------------------------------------------------------------------------

describe('setWeights', () => {
  const lw = () => model().layers[0];
  const ws = () => model().layers[0].getWeights();
  table([
    { what: 'layer.setWeights(null)', run: () => lw().setWeights(any(null)), says: [/^LSTM 'enc'\.setWeights: expected 3 arrays \(kernel \[3, 16\], recurrent_kernel \[4, 16\], bias \[16\]\), got null$/] },
    { what: 'layer.setWeights([])', run: () => lw().setWeights([]), says: [/LSTM 'enc'\.setWeights: expected 3 arrays .*got 0$/] },
    { what: "layer.setWeights('abc')", run: () => lw().setWeights(any('abc')), says: [/LSTM 'enc'\.setWeights: expected 3 arrays .*got a string "abc"$/] },
    { what: 'layer.setWeights([null, null, null])', run: () => lw().setWeights([null, null, null]), says: [/^weights\[0\] must be numbers .*got null$/] },
    { what: 'kernel of 5 values', run: () => { const w = ws(); lw().setWeights([new Float32Array(5), w[1], w[2]]); }, says: [/LSTM 'enc'\.setWeights: weights\[0\] \(kernel\) must have shape \[3, 16\], got \[5\]/] },
    { what: 'kernel transposed [16, 3]', run: () => { const w = ws(); lw().setWeights([{ data: w[0].data, shape: [16, 3] }, w[1], w[2]]); }, says: [/weights\[0\] \(kernel\) must have shape \[3, 16\], got \[16, 3\]/] },
    { what: 'kernel as nested arrays [16][3]', run: () => { const w = ws(); lw().setWeights([Array.from({ length: 16 }, () => [0, 0, 0]), w[1], w[2]]); }, says: [/weights\[0\] \(kernel\) must have shape \[3, 16\], got \[16, 3\]/] },
    { what: 'kernel with NaN', run: () => { const w = ws(); const k = w[0].data.slice(); k[3] = NaN; lw().setWeights([{ data: k, shape: w[0].shape }, w[1], w[2]]); }, says: [/LSTM 'enc'\.setWeights: weights\[0\] \(kernel\): values must be finite, got NaN at \[0, 3\]/] },
    { what: 'bias with Infinity', run: () => { const w = ws(); const b = w[2].data.slice(); b[5] = Infinity; lw().setWeights([w[0], w[1], { data: b, shape: w[2].shape }]); }, says: [/weights\[2\] \(bias\): values must be finite, got Infinity at \[5\]/] },
    { what: 'model.setWeights with one array too few', run: () => { const m = model(); m.setWeights(m.getWeights().slice(1)); }, says: [/^Sequential 'm'\.setWeights: expected 5 arrays, got 4$/] },
    { what: 'model.setWeights(null)', run: () => model().setWeights(any(null)), says: [/^Sequential 'm'\.setWeights: expected 5 arrays, got null$/] },
    { what: 'getWeights of a layer in no model', run: () => new Dense({ name: 'lone', units: 2 }).getWeights(), says: [/^Dense 'lone'\.getWeights: it has no weights yet: they are made when a model that holds it is built/] },
  ]);

  it('a failing model.setWeights leaves every layer as it was (no half-updated model)', () => {
    const m = model();
    const before = m.getWeights();
    const bad = before.map((w) => ({ data: w.data.map((v) => v + 1), shape: w.shape }));
    bad[4] = { data: new Float32Array([0, NaN]), shape: [2] };
    checkError((() => { try { m.setWeights(bad); } catch (e) { return e; } return undefined; })(), [/Dense 'head'\.setWeights: weights\[1\] \(bias\): values must be finite, got NaN at \[1\]/]);
    expect(m.getWeights()).toEqual(before);
  });
});

// ---- half-updated state after a failure ------------------------------------------------------

describe('a failure leaves nothing half-done', () => {
  it('a failed compile keeps the previous one', async () => {
    const m = model();
    checkError(await errorOf(() => m.compile({ optimizer: 'adam', loss: 'mse', metrics: ['bogus'] })), [/unknown metric "bogus"/]);
    const h = await m.fit(X, Y, { verbose: 0 });
    expect(Number.isFinite(h.history.loss[0])).toBe(true);
  });

  it('a failed add leaves the model usable and the layer free', () => {
    const m = new Sequential({ name: 'h', layers: [new LSTM({ units: 3, inputShape: [4, 2] })] });
    const wrong = new LSTM({ name: 'w', units: 2 });
    checkError((() => { try { m.add(wrong); } catch (e) { return e; } return undefined; })(), [/LSTM 'w': expected input of shape \[batch, steps, features\] \(rank 3\), got \[null, 3\]/]);
    m.add(new Dense({ units: 1 }));
    expect(m.predict(rand([1, 4, 2])).shape).toEqual([1, 1]);
    expect(wrong.nodes).toHaveLength(0); // no call was recorded: it can still go anywhere
  });

  it('[fixed D7] a failed new Sequential([...]) leaves its good layers free to use in another model', () => {
    const first = new LSTM({ name: 'f', units: 3, inputShape: [4, 2] });
    checkError((() => { try { new Sequential([first, new LSTM({ units: 2 })]); } catch (e) { return e; } return undefined; })(), [/expected input of shape/]);
    // today: "Sequential 'sequential_N'.add: LSTM 'f' already belongs to a model" (an unreachable one)
    expect(() => new Sequential([first, new Dense({ units: 1 })])).not.toThrow();
  });
});

// ---- save, load, init, summary -----------------------------------------------------------------

describe('save, loadModel, init, summary: arguments', () => {
  table([
    { what: 'loadModel(null)', run: () => loadModel(any(null)), says: [/^loadModel: expected the bytes that model\.save\(\) returned \(a Uint8Array or ArrayBuffer\), got null$/] },
    { what: "loadModel('abc')", run: () => loadModel(any('abc')), says: [/^loadModel: expected the bytes .*got a string "abc"$/] },
    { what: 'loadModel([1, 2, 3])', run: () => loadModel(any([1, 2, 3])), says: [/^loadModel: expected the bytes .*got an array of length 3$/] },
    { what: 'loadModelSync(a DataView)', run: () => loadModelSync(any(new DataView(new ArrayBuffer(20)))), says: [/^loadModel: expected the bytes .*got a DataView$/] },
    { what: 'loadModel(empty bytes)', run: () => loadModel(new Uint8Array(0)), says: [/^loadModel: the data is 0 bytes long, too short to be a saved model/] },
    { what: 'loadModel(16 zero bytes)', run: () => loadModel(new Uint8Array(16)), says: [/^loadModel: this is not an lstm-wasm model: it starts with /] },
    { what: "save({ includeStates }) (typo) suggests 'includeState'", run: () => statefulModel().save(any({ includeStates: true })), says: [/save: unknown option 'includeStates'; did you mean 'includeState'\?/], defect: 'D15: save() does not check its options: the typo is ignored and the state silently not saved' },
    { what: 'save(null)', run: () => statefulModel().save(any(null)), says: [/save: expected an options object/, /got null/], defect: "D15: TypeError reading 'includeState' of null" },
    { what: "save({ includeState: 'yes' })", run: () => statefulModel().save(any({ includeState: 'yes' })), says: [/save: option 'includeState' must be true or false, got a string "yes"/], defect: 'D15: any truthy value is taken' },
    { what: "init({ relaxedSimdd }) (typo) suggests 'relaxedSimd'", run: () => init(any({ relaxedSimdd: true })), says: [/init: unknown option 'relaxedSimdd'; did you mean 'relaxedSimd'\?/], defect: 'D16: init() does not check option names: the typo is ignored' },
    { what: "initSync({ relaxedSimd: 'x' })", run: () => initSync(any({ relaxedSimd: 'x' })), says: [/init: option 'relaxedSimd' must be 'auto', true or false, got (?:a string )?"x"/], defect: 'D16: the message is right but it is a TypeError, not an LstmWasmError' },
    { what: "init({ wasm: 'x' })", run: () => init(any({ wasm: 'x' })), says: [/init: option 'wasm' must be an ArrayBuffer, a typed array or a WebAssembly\.Module/], defect: 'D16: a TypeError, not an LstmWasmError' },
    { what: 'init(null)', run: () => init(any(null)), says: [/init: expected an options object/, /got null/], defect: "D16: TypeError reading 'wasm' of null" },
    { what: "summary(65, 'x') (printFn not a function)", run: () => model().summary(65, any('x')), says: [/summary/, /printFn/, /got a string "x"/], defect: 'D17: TypeError "printFn is not a function"' },
  ]);
});

// ---- data helpers and callbacks (a few rows; test/data.test.ts has the rest) -------------------

describe('data helpers, tensor, toTensor, EarlyStopping', () => {
  table([
    { what: 'tensor values not matching the shape', run: () => tensor([1, 2, 3], [2, 2]), says: [/^tensor: shape \[2, 2\] needs 4 values, got 3 \(values has shape \[3\]\)$/] },
    { what: 'tensor ragged', run: () => tensor([[1], [1, 2]]), says: [/^tensor: values\[1\] has length 2, but values\[0\] has length 1: nested arrays must be rectangular$/] },
    { what: "toTensor(null, 'inputs', 'myFn')", run: () => toTensor(any(null), 'inputs', 'myFn'), says: [/^myFn: inputs must be numbers .*got null$/] },
    { what: 'toCategorical([3], 2)', run: () => toCategorical([3], 2), says: [/^toCategorical: labels must be integers in \[0, 1\] \(numClasses 2\), got 3 at labels\[0\]$/] },
    { what: "toCategorical numClasses '3'", run: () => toCategorical([0], any('3')), says: [/^toCategorical: numClasses must be a positive integer, got a string "3"$/] },
    { what: 'padSequences maxlen 0', run: () => padSequences([[1]], { maxlen: 0 }), says: [/^padSequences: option 'maxlen' must be a positive integer, got 0$/] },
    { what: "padSequences maxLen (typo) suggests 'maxlen'", run: () => padSequences([[1]], any({ maxLen: 3 })), says: [/^padSequences: unknown option 'maxLen'; did you mean 'maxlen'\?/] },
    { what: 'timeseriesWindows window 0', run: () => timeseriesWindows([1, 2, 3], { window: 0 }), says: [/^timeseriesWindows: option 'window' must be a positive integer, got 0$/] },
    { what: 'timeseriesWindows series too short', run: () => timeseriesWindows([1, 2, 3], { window: 3 }), says: [/series has 3 steps, too few for window 3 \+ horizon 1/] },
    { what: "Tokenizer numword (typo) suggests 'numWords'", run: () => new Tokenizer(any({ numword: 3 })), says: [/^Tokenizer: unknown option 'numword'; did you mean 'numWords'\?/] },
    { what: 'Tokenizer.textsToSequences before fitOnTexts', run: () => new Tokenizer().textsToSequences(['a']), says: [/Tokenizer\.textsToSequences: the tokenizer has no vocabulary yet; call fitOnTexts\(texts\) first/] },
    { what: "EarlyStopping patiance (typo) suggests 'patience'", run: () => new EarlyStopping(any({ patiance: 3 })), says: [/^EarlyStopping: unknown option 'patiance'; did you mean 'patience'\?/] },
    { what: 'EarlyStopping patience -1', run: () => new EarlyStopping({ patience: -1 }), says: [/^EarlyStopping: 'patience' must be a non-negative integer, got -1$/] },
    { what: "EarlyStopping mode 'x'", run: () => new EarlyStopping(any({ mode: 'x' })), says: [/^EarlyStopping: 'mode' must be 'auto', 'min' or 'max', got (?:a string )?"x"$/] },
    { what: 'EarlyStopping patience NaN', run: () => new EarlyStopping({ patience: NaN }), says: [/'patience' .*got NaN$/], defect: 'D2: NaN printed as "null"' },
    { what: "EarlyStopping minDelta 'a'", run: () => new EarlyStopping(any({ minDelta: 'a' })), says: [/EarlyStopping: 'minDelta' must be a .*number.*got a string "a"/], defect: "D18: minDelta is not checked: Math.abs('a') is NaN, nothing ever counts as an improvement" },
    { what: "EarlyStopping baseline 'a'", run: () => new EarlyStopping(any({ baseline: 'a' })), says: [/EarlyStopping: 'baseline' must be a .*number.*got a string "a"/], defect: 'D18: baseline is not checked' },
    { what: 'EarlyStopping monitor 3', run: () => new EarlyStopping(any({ monitor: 3 })), says: [/EarlyStopping: 'monitor' must be a .*string.*got 3/], defect: 'D18: monitor is not checked' },
    { what: "EarlyStopping monitor 'val_los' at fit", run: () => model().fit(X, Y, { verbose: 0, validationSplit: 0.5, callbacks: [new EarlyStopping({ monitor: 'val_los' })] }), says: [/^EarlyStopping: monitor 'val_los' is not in the epoch logs \(loss, val_loss\)/] },
  ]);
});
