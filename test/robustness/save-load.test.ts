// Saving and loading under damage. A round trip save → load → predict is bit-identical for every
// layer kind and option, and for stateful models with and without their state. A damaged file (cut
// short, a byte changed anywhere, a future version, a header re-encoded with a wrong shape behind a
// correct checksum) is an LstmWasmError, never a model with garbage weights. Fuzzing mutates saved
// models at random, thousands of cases within a few seconds: each load either throws an
// LstmWasmError or gives back the same model.
import { describe, expect, it } from 'vitest';
import {
  Bidirectional, Dense, Dropout, Embedding, GRU, LSTM, LstmWasmError, Masking, Sequential, SimpleRNN,
  loadModel, loadModelSync, type TensorData,
} from '../../src/index.js';
import { crc32 } from '../../src/io/crc32.js';


// ---- helpers -------------------------------------------------------------------------------------

function mulberry(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function wave(shape: number[], k: number): TensorData {
  const n = shape.reduce((a, b) => a * b, 1);
  return { data: Float32Array.from({ length: n }, (_, i) => Math.sin(k + i * 0.77)), shape };
}

/** x with some steps all equal to `v` (what Masking skips). */
function withMaskedSteps(shape: [number, number, number], k: number, v = 0): TensorData {
  const t = wave(shape, k);
  const [B, T, F] = shape;
  for (let b = 0; b < B; b++) for (let s = 0; s < T; s++) if ((b + s) % 3 === 1) t.data.fill(v, (b * T + s) * F, (b * T + s + 1) * F);
  return t;
}

const bitsOf = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

/** Everything a loaded model must give back: its output bits, weights, layer configs, training config. */
function fingerprint(m: Sequential, x: TensorData): string {
  return JSON.stringify({
    name: m.name,
    out: bitsOf((m.predict(x) as TensorData).data),
    weights: m.getWeights().map((w) => [w.shape, bitsOf(w.data)]),
    layers: m.layers.map((l) => [l.className, l.getConfig()]),
    training: m.compileConfig,
  });
}

// The saved format (src/io/save.ts): magic, version, header length, header CRC-32, then the header.
const PREFIX = 20;

interface Parts { magic: Uint8Array; version: number; header: Record<string, unknown>; weights: Uint8Array }

function split(bytes: Uint8Array): Parts {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = dv.getUint32(12, true);
  return {
    magic: bytes.slice(0, 8),
    version: dv.getUint32(8, true),
    header: JSON.parse(new TextDecoder().decode(bytes.subarray(PREFIX, PREFIX + hlen))),
    weights: bytes.slice(PREFIX + hlen),
  };
}

/** Re-encodes a (changed) header in front of the same weights: lengths and checksums stay right. */
function join(p: Parts): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(p.header));
  const out = new Uint8Array(PREFIX + json.length + p.weights.length);
  out.set(p.magic, 0);
  const dv = new DataView(out.buffer);
  dv.setUint32(8, p.version, true);
  dv.setUint32(12, json.length, true);
  dv.setUint32(16, crc32(json), true);
  out.set(json, PREFIX);
  out.set(p.weights, PREFIX + json.length);
  return out;
}

function edit(bytes: Uint8Array, change: (h: any) => void): Uint8Array { // eslint-disable-line @typescript-eslint/no-explicit-any
  const p = split(bytes);
  change(p.header);
  return join(p);
}

type Outcome = { kind: 'lwe'; message: string } | { kind: 'other'; message: string } | { kind: 'same' } | { kind: 'different'; how: string };

/** Loads damaged bytes and says what came of it, compared with the original model's fingerprint. */
function outcome(bytes: Uint8Array, x: TensorData, want: string): Outcome {
  let m: Sequential;
  try {
    m = loadModelSync(bytes) as Sequential;
  } catch (e) {
    return e instanceof LstmWasmError ? { kind: 'lwe', message: e.message } : { kind: 'other', message: `${(e as Error)?.constructor?.name}: ${(e as Error)?.message}` };
  }
  try {
    const got = fingerprint(m, x);
    if (got === want) return { kind: 'same' };
    const a = JSON.parse(got), b = JSON.parse(want);
    const how = Object.keys(b).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])).join(', ');
    return { kind: 'different', how: `loaded a different model (${how} differ)` };
  } catch (e) {
    return { kind: 'different', how: `loaded, then predict threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message?.slice(0, 120)}` };
  } finally {
    m.dispose();
  }
}

/** Worst first: another error, then a model that predicts differently, then other differences. */
function bySeverity(list: string[]): string[] {
  const rank = (s: string) => (/Error:/.test(s) ? 0 : /out|weights|predict threw/.test(s) ? 1 : /layers|training/.test(s) ? 2 : 3);
  return [...list].sort((a, b) => rank(a) - rank(b));
}

function context(bytes: Uint8Array, at: number): string {
  return JSON.stringify(new TextDecoder().decode(bytes.subarray(Math.max(0, at - 24), at + 12)));
}

// ---- round trips ------------------------------------------------------------------------------------

interface Case { name: string; make: () => Sequential; x: TensorData; compile?: boolean }

const ids = (B: number, T: number, V: number): TensorData => ({ data: Float32Array.from({ length: B * T }, (_, i) => (i * 5 + 3) % V), shape: [B, T] });

const cases: Case[] = [
  { name: 'LSTM, all defaults', make: () => new Sequential({ seed: 1, layers: [new LSTM({ units: 5, inputShape: [6, 3] })] }), x: wave([3, 6, 3], 1) },
  { name: 'LSTM peephole, no bias, goBackwards, unitForgetBias false, relu/hardSigmoid, sequences, l2, frozen', make: () => new Sequential({ seed: 2, layers: [new LSTM({ units: 4, inputShape: [6, 3], peephole: true, useBias: false, goBackwards: true, unitForgetBias: false, activation: 'relu', recurrentActivation: 'hardSigmoid', returnSequences: true, kernelRegularizer: { l2: 0.01 }, trainable: false, biasInitializer: 'ones' }), new Dense({ units: 2, activation: 'tanh' })] }), x: wave([3, 6, 3], 2) },
  { name: 'GRU resetAfter (default), goBackwards, sequences', make: () => new Sequential({ seed: 3, layers: [new GRU({ units: 5, inputShape: [6, 3], goBackwards: true, returnSequences: true }), new GRU({ units: 3 })] }), x: wave([3, 6, 3], 3) },
  { name: 'GRU resetAfter false, sigmoid, recurrentRegularizer', make: () => new Sequential({ seed: 4, layers: [new GRU({ units: 4, inputShape: [6, 3], resetAfter: false, activation: 'sigmoid', recurrentRegularizer: { l2: 0.001 } }), new Dense({ units: 1, activation: 'sigmoid' })] }), x: wave([3, 6, 3], 4) },
  { name: 'SimpleRNN stacked, relu, Dense heads on 3-D and 2-D', make: () => new Sequential({ seed: 5, layers: [new SimpleRNN({ units: 6, inputShape: [6, 3], activation: 'relu', returnSequences: true }), new Dense({ units: 4, activation: 'relu' }), new SimpleRNN({ units: 3 }), new Dense({ units: 3, activation: 'softmax', useBias: false })] }), x: wave([3, 6, 3], 5) },
  { name: 'Dropout layers', make: () => new Sequential({ seed: 6, layers: [new Dropout({ rate: 0.3, inputShape: [6, 3] }), new LSTM({ units: 3, dropout: 0.2, recurrentDropout: 0.1 }), new Dropout({ rate: 0.5 }), new Dense({ units: 2 })] }), x: wave([3, 6, 3], 6) },
  { name: 'Embedding (maskZero, inputLength) + GRU', make: () => new Sequential({ seed: 7, layers: [new Embedding({ inputDim: 11, outputDim: 4, inputLength: 6, maskZero: true, embeddingsInitializer: 'glorotUniform' }), new GRU({ units: 4 })] }), x: { ...ids(3, 6, 11), data: ids(3, 6, 11).data.map((v, i) => (i % 4 === 0 ? 0 : v)) } },
  { name: 'Masking (maskValue -1) + LSTM', make: () => new Sequential({ seed: 8, layers: [new Masking({ maskValue: -1, inputShape: [6, 3] }), new LSTM({ units: 4, returnSequences: true }), new Dense({ units: 1 })] }), x: withMaskedSteps([3, 6, 3], 8, -1) },
  ...(['concat', 'sum', 'mul', 'ave'] as const).map((mergeMode, i): Case => ({
    name: `Bidirectional ${['LSTM', 'GRU', 'SimpleRNN', 'LSTM'][i]} mergeMode ${mergeMode}`,
    make: () => new Sequential({ seed: 9 + i, layers: [new Bidirectional({ layer: [new LSTM({ units: 3, returnSequences: i % 2 === 0 }), new GRU({ units: 3, returnSequences: i % 2 === 0 }), new SimpleRNN({ units: 3, returnSequences: i % 2 === 0 }), new LSTM({ units: 3, returnSequences: i % 2 === 0, goBackwards: true })][i], mergeMode, inputShape: [6, 3] }), new Dense({ units: 2 })] }),
    x: wave([3, 6, 3], 9 + i),
  })),
  { name: 'variable steps (inputShape [null, 3])', make: () => new Sequential({ seed: 13, layers: [new LSTM({ units: 4, inputShape: [null, 3] }), new Dense({ units: 1 })] }), x: wave([2, 9, 3], 13) },
  { name: 'compiled (sgd with momentum, metrics, clipNorm) and trained', make: () => new Sequential({ seed: 14, layers: [new GRU({ units: 4, inputShape: [6, 3] }), new Dense({ units: 2 })] }), x: wave([8, 6, 3], 14), compile: true },
];

describe('round trip save → load → predict is bit-identical', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const m = c.make();
      if (c.compile) {
        m.compile({ optimizer: { name: 'sgd', learningRate: 0.05, momentum: 0.9 }, loss: 'mse', metrics: ['mae'], clipNorm: 2 });
        await m.fit(c.x, wave([8, 2], 15), { epochs: 2, batchSize: 3, verbose: 0 });
      }
      const want = fingerprint(m, c.x);
      const bytes = m.save();
      const again = await loadModel(bytes);
      expect(fingerprint(again as Sequential, c.x)).toBe(want);
      // from an ArrayBuffer, and from a view that does not start at offset 0
      expect(fingerprint(loadModelSync(bytes.slice().buffer) as Sequential, c.x)).toBe(want);
      const shifted = new Uint8Array(bytes.length + 3);
      shifted.set(bytes, 3);
      expect(fingerprint(loadModelSync(shifted.subarray(3)) as Sequential, c.x)).toBe(want);
      // saving the loaded model gives the same bytes
      expect(Array.from(again.save())).toEqual(Array.from(bytes));
      if (c.compile) expect(again.evaluate(c.x, wave([8, 2], 15))).toEqual(m.evaluate(c.x, wave([8, 2], 15)));
    });
  }
});

describe('stateful models', () => {
  const kinds = {
    LSTM: () => new Sequential({ seed: 21, layers: [new LSTM({ units: 4, batchInputShape: [2, null, 3], stateful: true, returnSequences: true }), new LSTM({ units: 3, batchInputShape: [2, null, 4], stateful: true }), new Dense({ units: 1 })] }),
    GRU: () => new Sequential({ seed: 22, layers: [new GRU({ units: 4, batchInputShape: [2, null, 3], stateful: true, resetAfter: false }), new Dense({ units: 2 })] }),
    SimpleRNN: () => new Sequential({ seed: 23, layers: [new SimpleRNN({ units: 5, batchInputShape: [2, 4, 3], stateful: true, returnSequences: true }), new GRU({ units: 2, batchInputShape: [2, 4, 5], stateful: true })] }),
  };
  for (const [kind, make] of Object.entries(kinds)) {
    it(`${kind}: with includeState the loaded model continues exactly where the saved one was`, async () => {
      const m = make();
      const x = wave([2, 4, 3], 30);
      m.predict(x);
      m.predict(wave([2, 4, 3], 31)); // the state now holds two chunks of history
      const bytes = m.save({ includeState: true });
      const loaded = await loadModel(bytes);
      expect(bitsOf((loaded.predict(x) as TensorData).data)).toEqual(bitsOf((m.predict(x) as TensorData).data));
      const xt = [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]];
      expect(bitsOf(loaded.step(xt).data)).toEqual(bitsOf(m.step(xt).data));
      for (const [i, l] of m.layers.entries()) {
        if (l instanceof LSTM || l instanceof GRU || l instanceof SimpleRNN) {
          expect((loaded.layers[i] as LSTM).getStates().map((s) => bitsOf(s.data))).toEqual(l.getStates().map((s) => bitsOf(s.data)));
        }
      }
    });

    it(`${kind}: without includeState the loaded model starts from zero state, as the saved one after resetStates`, async () => {
      const m = make();
      const x = wave([2, 4, 3], 32);
      m.predict(x);
      const loaded = await loadModel(m.save());
      m.resetStates();
      expect(bitsOf((loaded.predict(x) as TensorData).data)).toEqual(bitsOf((m.predict(x) as TensorData).data));
    });
  }
});

// ---- damaged files ---------------------------------------------------------------------------------

describe('damaged files are refused with a clear error', () => {
  const original = new Sequential({ seed: 40, name: 'orig', layers: [new Masking({ inputShape: [5, 3] }), new Bidirectional({ layer: new GRU({ units: 3, returnSequences: true }), mergeMode: 'sum' }), new LSTM({ units: 3, peephole: true }), new Dense({ units: 2, activation: 'tanh' })] });
  original.compile({ optimizer: { name: 'adam', learningRate: 0.001 }, loss: 'mse', metrics: ['mae'] });
  const x = withMaskedSteps([3, 5, 3], 41);
  const bytes = original.save();
  const want = fingerprint(original, x);
  const { weights } = split(bytes);
  const weightsAt = bytes.length - weights.length;

  const lwe = (b: Uint8Array | ArrayBuffer, re: RegExp) => {
    let err: unknown;
    try { loadModelSync(b); } catch (e) { err = e; }
    expect(err, 'it loaded').toBeDefined();
    if (!(err instanceof LstmWasmError)) throw new Error(`not an LstmWasmError: ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`);
    expect(err.message).toMatch(re);
  };

  it('cut short at every length', () => {
    for (let n = 0; n < bytes.length; n++) lwe(bytes.subarray(0, n), /^loadModel: /);
    lwe(bytes.subarray(0, 10), /too short to be a saved model/);
    lwe(bytes.subarray(0, 200), /the header says \d+ bytes but only 180 follow: the data is cut short/);
    lwe(bytes.subarray(0, bytes.length - 1), /expected \d+ bytes of weights, found \d+: the data is cut short/);
  });

  it('longer than it should be', () => {
    const longer = new Uint8Array(bytes.length + 4);
    longer.set(bytes);
    lwe(longer, /the data is longer than it should be/);
  });

  it('any byte of the weights changed: the checksum says so', () => {
    for (let i = weightsAt; i < bytes.length; i++) {
      const b = bytes.slice();
      b[i] ^= 1 << (i % 8);
      lwe(b, /the weights' checksum does not match .*: the data is damaged/);
    }
  });

  it('the magic, the version and the header length', () => {
    const b = bytes.slice();
    b[3] ^= 0x20;
    lwe(b, /this is not an lstm-wasm model: it starts with "LSTmWASM" instead of "LSTMWASM"/);
    for (const [v, re] of [[3, /format version 3 is newer than the one this lstm-wasm reads \(2\); upgrade lstm-wasm/], [0xffffffff, /format version 4294967295 is newer/], [0, /format version 0 is not the one this lstm-wasm reads \(2\); the file is damaged/]] as const) {
      const f = bytes.slice();
      new DataView(f.buffer).setUint32(8, v, true);
      lwe(f, re);
    }
    for (const delta of [-1, 1, -100, 7]) {
      const h = bytes.slice();
      const dv = new DataView(h.buffer);
      dv.setUint32(12, dv.getUint32(12, true) + delta, true);
      lwe(h, /^loadModel: /);
    }
  });

  it('a header that is not an object, or lacks its parts', () => {
    const p = split(bytes);
    const raw = (json: string) => {
      const j = new TextEncoder().encode(json);
      const out = new Uint8Array(PREFIX + j.length + p.weights.length);
      out.set(bytes.subarray(0, 12));
      new DataView(out.buffer).setUint32(12, j.length, true);
      new DataView(out.buffer).setUint32(16, crc32(j), true);
      out.set(j, PREFIX);
      out.set(p.weights, PREFIX + j.length);
      return out;
    };
    lwe(raw('null'), /the header does not describe an lstm-wasm model/);
    lwe(raw('[]'), /the header does not describe an lstm-wasm model/);
    lwe(raw('"lstm-wasm"'), /the header does not describe an lstm-wasm model/);
    lwe(raw('{"format":"lstm-wasm"'), /the header is not valid JSON .*: the data is damaged/);
    lwe(raw('{"format":"lstm-wasm"}'), /the header lacks its topology or weight list/);
    lwe(edit(bytes, (h) => { h.modelTopology.config.layers = {}; }), /the header lacks its topology or weight list/);
    lwe(edit(bytes, (h) => { h.modelTopology.config.layers = []; }), /has no layers/);
    lwe(edit(bytes, (h) => { h.modelTopology.config.layers[1].className = 'Conv2D'; }), /loadModel: unknown layer class a string "Conv2D"; supported: LSTM, GRU/);
    lwe(edit(bytes, (h) => { h.modelTopology.config.layers[2].config = null; }), /loadModel: LSTM config must be an object, got null/);
    lwe(edit(bytes, (h) => { h.modelTopology.config.layers[2].config.units = -5; }), /LSTM 'lstm.*': option 'units' must be a positive integer, got -5/);
    lwe(edit(bytes, (h) => { h.modelTopology.config.layers[2].config.bogus = 1; }), /LSTM 'lstm.*': unknown option 'bogus'/);
    lwe(edit(bytes, (h) => { h.training.optimizer = { name: 'adam', learningRate: -1 }; }), /'learningRate' must be a number in \(0, Infinity\], got -1/);
  });

  it('a weightSpecs shape changed, re-encoded with a correct checksum', () => {
    const shapes: [unknown, RegExp][] = [
      [[6, 3], /must have shape \[3, 9\], the file has \[6, 3\]/], // the wrong way round (18 values either way)
      [[3, 9, 1], /must have shape \[3, 9\], the file has \[3, 9, 1\]/],
      [[3, 8], /must have shape \[3, 9\], the file has \[3, 8\]/],
      [[0, 9], /must have shape \[3, 9\], the file has \[0, 9\]/],
      [[-3, 9], /must have shape \[3, 9\], the file has \[-3, 9\]/],
      [[3.5, 9], /must have shape \[3, 9\], the file has \[3\.5, 9\]/],
      [[], /must have shape \[3, 9\], the file has \[\]/],
    ];
    for (const [shape, re] of shapes) lwe(edit(bytes, (h) => { h.weightSpecs[0].shape = shape; }), re);
    lwe(edit(bytes, (h) => { h.weightSpecs.pop(); }), /the file has fewer weights than the topology needs \(Dense 'dense.*' bias is missing\)/);
    lwe(edit(bytes, (h) => { h.weightSpecs.push({ layer: 'x', name: 'y', shape: [1] }); }), /the file has \d+ weights but the topology uses \d+/);
    // the weights themselves two floats shorter, with weightBytes and crc32 made to agree
    const p = split(bytes);
    const cut = p.weights.slice(0, p.weights.length - 8);
    p.header.weightBytes = cut.length;
    p.header.crc32 = crc32(cut);
    lwe(join({ ...p, weights: cut }), /Dense 'dense.*' bias runs past the end of the weights/);
    // and two floats longer
    const more = new Uint8Array(p.weights.length + 8);
    more.set(p.weights);
    p.header.weightBytes = more.length;
    p.header.crc32 = crc32(more);
    lwe(join({ ...p, weights: more }), /2 weight values are left over: the file does not match its topology/);
  });

  it('[fixed D22] a weightSpecs entry whose shape is missing or not an array is an LstmWasmError', () => {
    lwe(edit(bytes, (h) => { h.weightSpecs[0].shape = null; }), /kernel/);
    lwe(edit(bytes, (h) => { delete h.weightSpecs[0].shape; }), /kernel/);
    lwe(edit(bytes, (h) => { h.weightSpecs[0].shape = '3,9'; }), /kernel/);
  });

  it("[fixed D23] a layer className that is an Object.prototype name ('toString', '__proto__') is 'unknown layer class' error)", () => {
    lwe(edit(bytes, (h) => { h.modelTopology.config.layers[0].className = '__proto__'; }), /unknown layer class a string "__proto__"/);
    lwe(edit(bytes, (h) => { h.modelTopology.config.layers[0].className = 'toString'; }), /unknown layer class a string "toString"/);
  });

  it("[fixed D25] a 'states' list that is not a list of { layer, name: 'h'|'c', shape } is refused", async () => {
    const s = new Sequential({ seed: 3, layers: [new LSTM({ units: 3, batchInputShape: [2, null, 2], stateful: true }), new Dense({ units: 1 })] });
    const xs = wave([2, 4, 2], 50);
    s.predict(xs);
    const sb = s.save({ includeState: true });
    lwe(edit(sb, (h) => { h.states = 5; }), /states/);
    lwe(edit(sb, (h) => { h.states = [null, null]; }), /states/);
    // h and c exchanged: same sizes, so today it loads, with the cell state in h and h in c
    lwe(edit(sb, (h) => { h.states[0].name = 'c'; h.states[1].name = 'h'; }), /state/);
    lwe(edit(sb, (h) => { h.states[1].name = 'h'; }), /state/);
  });

  it('[fixed D24] a changed byte in the header is refused', () => {
    const at = new TextDecoder().decode(bytes).indexOf('"maskValue":0') + '"maskValue":'.length;
    const b = bytes.slice();
    expect(String.fromCharCode(b[at])).toBe('0');
    b[at] = '8'.charCodeAt(0);
    const r = outcome(b, x, want);
    expect(r.kind, JSON.stringify(r)).toBe('lwe');
  });

  it('[fixed D22, D24] every header byte changed in turn (XOR 0x01): an LstmWasmError, or the very same model', () => {
    const bad: string[] = [];
    for (let i = 0; i < weightsAt; i++) {
      const b = bytes.slice();
      b[i] ^= 0x01;
      const r = outcome(b, x, want);
      if (r.kind === 'other' || r.kind === 'different') bad.push(`byte ${i} ${context(bytes, i)}: ${r.kind === 'other' ? r.message : r.how}`);
    }
    expect(bad.length, `${bad.length} changed headers were not refused, worst first:\n${bySeverity(bad).slice(0, 12).join('\n')}`).toBe(0);
  });
});

// ---- fuzz -------------------------------------------------------------------------------------------

describe('fuzz: random damage, each load an LstmWasmError or the same model', () => {
  const m = new Sequential({ seed: 60, name: 'fz', layers: [new Masking({ inputShape: [4, 2] }), new GRU({ units: 3, returnSequences: true }), new Bidirectional({ layer: new LSTM({ units: 2 }), mergeMode: 'concat' }), new Dense({ units: 2 })] });
  m.compile({ optimizer: 'rmsprop', loss: 'mse' });
  const stateful = new Sequential({ seed: 61, name: 'fs', layers: [new SimpleRNN({ units: 3, batchInputShape: [2, null, 2], stateful: true, returnSequences: true }), new LSTM({ units: 2, batchInputShape: [2, null, 3], stateful: true })] });
  const x = withMaskedSteps([2, 4, 2], 62);
  stateful.predict(x);
  const files = [
    { bytes: m.save(), want: fingerprint(m, x) },
    { bytes: stateful.save({ includeState: true }), want: '' },
  ];
  // the stateful model's fingerprint after a load must equal the original's state as saved
  files[1].want = fingerprint(loadModelSync(files[1].bytes) as Sequential, x);

  type Mutation = (b: Uint8Array, r: () => number) => { bytes: Uint8Array; what: string };
  const pick = (r: () => number, n: number) => Math.floor(r() * n);

  /** Byte-level damage inside the weights, or to the file's length: the checksum and the lengths must catch all of it. */
  const weightsFrom = (b: Uint8Array) => PREFIX + new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(12, true);
  const inWeights = (b: Uint8Array, r: () => number) => weightsFrom(b) + pick(r, b.length - weightsFrom(b));
  const structural: Mutation[] = [
    (b, r) => { const at = inWeights(b, r); const c = b.slice(); c[at] ^= 1 + pick(r, 255); return { bytes: c, what: `xor byte ${at} (weights)` }; },
    (b, r) => { const n = pick(r, b.length); return { bytes: b.slice(0, n), what: `cut to ${n}` }; },
    (b, r) => { const at = pick(r, b.length); const c = new Uint8Array(b.length + 1); c.set(b.subarray(0, at)); c[at] = pick(r, 256); c.set(b.subarray(at), at + 1); return { bytes: c, what: `insert at ${at}` }; },
    (b, r) => { const at = pick(r, b.length); const c = new Uint8Array(b.length - 1); c.set(b.subarray(0, at)); c.set(b.subarray(at + 1), at); return { bytes: c, what: `delete at ${at}` }; },
    (b, r) => { const from = inWeights(b, r); const c = b.slice(); const len = 1 + pick(r, 16); c.fill(pick(r, 2) ? 0 : 0xff, from, from + len); return { bytes: c, what: `fill ${len} at ${from} (weights)` }; },
    (b, r) => { const i = inWeights(b, r), j = inWeights(b, r); const c = b.slice(); [c[i], c[j]] = [c[j], c[i]]; return { bytes: c, what: `swap ${i} and ${j} (weights)` }; },
    (b, r) => { const c = new Uint8Array(b.length + 4 + pick(r, 8)); c.set(b); return { bytes: c, what: 'trailing bytes' }; },
  ];

  /** Damage anywhere, header included. */
  const anywhere: Mutation[] = [
    ...structural,
    (b, r) => { const at = pick(r, b.length); const c = b.slice(); c[at] ^= 1 << pick(r, 8); return { bytes: c, what: `flip a bit of byte ${at} ${context(b, at)}` }; },
    (b, r) => { const at = pick(r, b.length); const c = b.slice(); c[at] = pick(r, 256); return { bytes: c, what: `set byte ${at} ${context(b, at)}` }; },
    (b, r) => { const at = PREFIX + pick(r, b.length - PREFIX); const c = b.slice(); c[at] = '0123456789'.charCodeAt(pick(r, 10)); return { bytes: c, what: `a digit at ${at} ${context(b, at)}` }; },
  ];

  function fuzz(mutations: Mutation[], seed: number, budgetMs: number, maxCases: number) {
    const r = mulberry(seed);
    const t0 = Date.now();
    const counts = { lwe: 0, same: 0 };
    const bad: string[] = [];
    let n = 0;
    while (n < maxCases && Date.now() - t0 < budgetMs) {
      const f = files[n % files.length];
      const mut = mutations[pick(r, mutations.length)](f.bytes, r);
      const o = outcome(mut.bytes, x, f.want);
      if (o.kind === 'lwe') counts.lwe++;
      else if (o.kind === 'same') counts.same++;
      else bad.push(`${mut.what}: ${o.kind === 'other' ? o.message : o.how}`);
      n++;
    }
    return { n, counts, bad };
  }

  it('damage to the weights or to the length: always an LstmWasmError (thousands of cases)', () => {
    const { n, counts, bad } = fuzz(structural, 1234, 2500, 6000);
    expect(n).toBeGreaterThan(300); // about 6,000 on an idle machine; fewer under load, within the time budget
    expect(bad, bad.slice(0, 10).join('\n')).toEqual([]);
    // a mutation may leave the file as it was (a byte swapped with an equal one): then the same model
    expect(counts.lwe + counts.same).toBe(n);
  });

  it('[fixed D22, D24] damage anywhere, header included: an LstmWasmError or the same model (thousands of cases)', () => {
    const { n, bad } = fuzz(anywhere, 4321, 3000, 6000);
    expect(n).toBeGreaterThan(300);
    expect(bad.length, `${bad.length} of ${n} damaged files were not refused, worst first:\n${bySeverity(bad).slice(0, 12).join('\n')}`).toBe(0);
  });

  it('a header re-encoded with random values in random places: an LstmWasmError or a model, never another error', () => {
    const r = mulberry(99);
    // no 'toString' (defects D4, D5, D23) and no sizes past WASM memory (D6): their own tests
    const values: unknown[] = [0, -1, 1.5, 7, '', 'x', 'lstm', 'sum', true, false, null, [], {}, [3], [2, 2], { l2: 1 }];
    const leaves = (o: unknown, path: (string | number)[] = []): (string | number)[][] => {
      if (o === null || typeof o !== 'object') return [path];
      const keys = Array.isArray(o) ? o.map((_, i) => i) : Object.keys(o as object);
      return [path, ...keys.flatMap((k) => leaves((o as Record<string | number, unknown>)[k], [...path, k]))];
    };
    const base = split(files[0].bytes);
    const paths = leaves(base.header).filter((p) => p.length > 0);
    const t0 = Date.now();
    const bad: string[] = [];
    let n = 0;
    while (n < 3000 && Date.now() - t0 < 2000) {
      const p = split(files[0].bytes);
      const path = paths[pick(r, paths.length)];
      let o = p.header as Record<string | number, unknown>;
      for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
      const last = path[path.length - 1];
      const v = values[pick(r, values.length)];
      // known defects D22 (a weightSpecs entry or shape that is not what it should be) and D25 (states)
      // are their own tests; here they are skipped so this one can watch for others
      const del = pick(r, 5) === 0 && !Array.isArray(o);
      const known = path[0] === 'states' || (path[0] === 'weightSpecs' && (path.length === 2 || (last === 'shape' && (del || !Array.isArray(v)))));
      if (known) continue;
      if (del) delete o[last];
      else o[last] = structuredClone(v);
      const out = outcome(join(p), x, files[0].want);
      if (out.kind === 'other') bad.push(`${path.join('.')} ${del ? 'deleted' : `= ${JSON.stringify(v)}`}: ${out.message}`);
      n++;
    }
    expect(n).toBeGreaterThan(100);
    expect(bad, bad.slice(0, 10).join('\n')).toEqual([]);
  });
});
