// The Web Worker: every number the demo computes is computed here, in lstm-wasm's WebAssembly,
// so the page's thread only draws and never freezes. Messages in (from main.js) and out:
//
//   init                         -> ready { runtime, relaxedSimdSupported, userAgent }
//   bench                        -> bench { runs: [{ build, predictMs, trainMs, … }] }   (the S case)
//   co2:train { epochs, units, window, learningRate }
//                                -> co2:data, then batch / epoch (+ co2:forecast, inspect) per epoch, then co2:done
//   inspect { index }            -> inspect { index, date, input, T, H, gates, cells }
//   text:train { epochs, samples, units, window }
//                                -> text:data, batch / epoch (+ text:sample) per epoch, then text:done
//   text:generate { prompt, length, temperature } -> text:sample
//   spell:train { epochs, units, words }
//                                -> spell:data, batch / epoch per epoch, then spell:done { exact, … }
//   spell:decode { word }        -> spell:step { word, t, phoneme, weights } per decoded phoneme (weights:
//                                   the attention over the word's letters, first to last), then spell:decoded
//   stop                         -> training stops after the current batch
//   ping { t }                   -> pong { t }   (answered between batches, also while training)
// Errors go back as { type: 'error', message }.
import { init, runtimeInfo, relaxedSimdSupported, Sequential, LSTM, Dense, Embedding } from 'lstm-wasm';
import { fetchCo2, co2Windows, fetchSonnets, fetchCmudict } from './data.js';
import { spellingTask } from '../lib/spelling.js';
import { rng as mulberry32 } from '../../bench/cases.js';
import { buildSpeller } from '../lib/speller.js';

const post = (msg, transfer) => self.postMessage(msg, transfer ?? []);

let training = null; // the model fit() is running on, if any
let co2 = null; // { model, w (the windows), window, dates, selected (the window the heat map shows) }
let text = null; // { model, vocab, index, window }
let spell = null; // { task, m (buildSpeller's models) }

// ---- timing the S case (bench/cases.js: B=32, T=50, I=1, H=32, LSTM + Dense(1), Adam 1e-3, MSE) ----


/**
 * Median milliseconds per call: a warm-up long enough for the engine to swap its baseline
 * WebAssembly code for the optimized one (V8 tiers up hot functions while they run), then groups of
 * calls long enough for a coarse clock.
 */
function timeCall(fn, budgetMs = 600, warmMs = 400) {
  const warmEnd = performance.now() + warmMs;
  for (let i = 0; i < 3 || performance.now() < warmEnd; i++) fn();
  let k = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < k; i++) fn();
    if (performance.now() - t0 >= 5 || k >= 1024) break;
    k *= 2;
  }
  const samples = [];
  const end = performance.now() + budgetMs;
  while (samples.length < 5 || (performance.now() < end && samples.length < 200)) {
    const t0 = performance.now();
    for (let i = 0; i < k; i++) fn();
    samples.push((performance.now() - t0) / k);
  }
  samples.sort((a, b) => a - b);
  return { ms: samples[Math.floor(samples.length / 2)], calls: samples.length * k };
}

/** The S case's model and inputs in one build; compile() builds it, so it keeps that build's instance. */
async function makeS(relaxedSimd) {
  const info = await init({ relaxedSimd });
  const B = 32, T = 50, I = 1, H = 32;
  const r = mulberry32(1234);
  const x = { data: Float32Array.from({ length: B * T * I }, () => r() * 2 - 1), shape: [B, T, I] };
  const y = { data: Float32Array.from({ length: B }, () => r() * 2 - 1), shape: [B, 1] };
  const model = new Sequential({ seed: 1 });
  model.add(new LSTM({ units: H, inputShape: [T, I] }));
  model.add(new Dense({ units: 1 }));
  model.compile({ optimizer: { name: 'adam', learningRate: 1e-3 }, loss: 'meanSquaredError' });
  return { build: info.build, model, x, y, B, flops: 2 * B * T * (I + H) * 4 * H /* a forward, as bench/cases.js counts it */ };
}

/**
 * Times predict and trainOnBatch of the S case (B=32, T=50, I=1, H=32) in the build init() picks
 * and, when that is relaxed-SIMD, in the plain SIMD build too. Two rounds, the builds alternating,
 * the faster median of the two kept: other work on the machine then weighs on both builds alike.
 */
async function bench() {
  const auto = await init({ relaxedSimd: 'auto' });
  const cases = [await makeS(auto.build === 'relaxed-simd')];
  if (auto.build === 'relaxed-simd') cases.push(await makeS(false));
  await init({ relaxedSimd: 'auto' }); // models made from now on use the build auto picks
  const best = cases.map(() => ({ predict: Infinity, train: Infinity, calls: 0 }));
  for (let round = 0; round < 2; round++) {
    cases.forEach((c, k) => {
      const p = timeCall(() => c.model.predict(c.x), 300, round ? 100 : 300);
      const t = timeCall(() => c.model.trainOnBatch(c.x, c.y), 300, round ? 100 : 300);
      best[k] = { predict: Math.min(best[k].predict, p.ms), train: Math.min(best[k].train, t.ms), calls: best[k].calls + p.calls + t.calls };
    });
  }
  return cases.map((c, k) => {
    c.model.dispose();
    const { predict, train, calls } = best[k];
    return {
      build: c.build, case: 'S (B=32, T=50, I=1, H=32)', predictMs: predict, trainMs: train,
      predictSeqPerSec: c.B / (predict / 1000), trainSeqPerSec: c.B / (train / 1000),
      predictGflops: c.flops / (predict * 1e6), trainGflops: (3 * c.flops) / (train * 1e6), calls,
    };
  });
}

// ---- CO2 -------------------------------------------------------------------------------------

function forecastOf(model, w) {
  const pred = model.predict(w.test.x).data;
  const dates = [], truth = [], forecast = [], naive = [];
  for (let i = 0; i < pred.length; i++) {
    const t = w.target(w.firstTest + i);
    dates.push(t.date); truth.push(t.truth); naive.push(t.now);
    forecast.push(t.now + pred[i] * w.std + w.mean);
  }
  const mae = (a) => a.reduce((s, v, i) => s + Math.abs(v - truth[i]), 0) / truth.length;
  return { dates, truth, forecast, naive, mae: mae(forecast), naiveMae: mae(naive) };
}

function inspectOf(index) {
  const { model, w, window } = co2;
  const i = Math.max(0, Math.min(w.n - 1, index | 0));
  const x = { data: w.all.data.slice(i * window, (i + 1) * window), shape: [1, window, 1] };
  const r = model.inspect(x, { layer: 0 });
  const T = r.gates.shape[1], H = r.cellStates.shape[2];
  const t = w.target(i);
  return {
    // The window reads the changes into months dates[i + 1] .. dates[i + window] and forecasts t.date.
    type: 'inspect', index: i, date: t.date, firstDate: co2.dates[i + 1], lastDate: co2.dates[i + window],
    input: Array.from(x.data), T, H,
    gates: r.gates.data, // [T, 4H]: blocks i, f, g (candidate), o of H each, per step
    cells: r.cellStates.data, // [T, H]
  };
}

async function trainCo2({ epochs = 60, units = 32, window = 24, learningRate = 0.005, seed = 7 } = {}) {
  const series = await fetchCo2();
  const w = co2Windows(series, window);
  post({ type: 'co2:data', dates: series.dates, values: series.values, firstTestDate: w.target(w.firstTest).date, train: w.train.x.shape[0], test: w.test.x.shape[0], window });
  co2?.model.dispose();
  const model = new Sequential({ seed });
  model.add(new LSTM({ units, inputShape: [window, 1] }));
  model.add(new Dense({ units: 1 }));
  model.compile({ optimizer: { name: 'adam', learningRate }, loss: 'meanSquaredError', metrics: ['mae'] });
  co2 = { model, w, window, dates: series.dates, selected: co2?.selected ?? w.firstTest };
  const t0 = performance.now();
  training = model;
  try {
    await model.fit(w.train.x, w.train.y, {
      epochs, batchSize: 32, validationSplit: 0.1, verbose: 0,
      callbacks: {
        onBatchEnd: (batch, logs) => post({ type: 'batch', mode: 'co2', batch, loss: logs.loss }),
        onEpochEnd: (epoch, logs) => {
          post({ type: 'epoch', mode: 'co2', epoch, epochs, loss: logs.loss, val_loss: logs.val_loss, seconds: (performance.now() - t0) / 1000 });
          post({ type: 'co2:forecast', epoch, ...forecastOf(model, w) });
          post(inspectOf(co2.selected));
        },
      },
    });
  } finally {
    training = null;
  }
  post({ type: 'co2:done', seconds: (performance.now() - t0) / 1000, ...forecastOf(model, w) });
}

// ---- text: characters of the sonnets ------------------------------------------------------------

function sample(probs, temperature, r) {
  // p_i^(1/T), renormalised: T < 1 sharpens, T > 1 flattens.
  let sum = 0;
  const p = Array.from(probs, (v) => { const q = Math.pow(Math.max(v, 1e-12), 1 / temperature); sum += q; return q; });
  let u = r() * sum;
  for (let i = 0; i < p.length; i++) { u -= p[i]; if (u <= 0) return i; }
  return p.length - 1;
}

function generate({ prompt = 'Shall I compare thee', length = 240, temperature = 0.6, seed = 1 } = {}) {
  const { model, vocab, index, window } = text;
  const r = mulberry32(seed);
  const ids = Array.from(prompt, (c) => index.get(c) ?? index.get(' '));
  let out = '';
  const x = new Float32Array(window);
  for (let k = 0; k < length; k++) {
    // The last `window` characters, padded on the left with spaces.
    for (let t = 0; t < window; t++) { const j = ids.length - window + t; x[t] = j >= 0 ? ids[j] : index.get(' '); }
    const probs = model.predict({ data: x, shape: [1, window] }).data;
    const id = sample(probs, temperature, r);
    ids.push(id);
    out += vocab[id];
  }
  return { type: 'text:sample', prompt, text: out, temperature };
}

async function trainText({ epochs = 8, samples = 12000, units = 64, window = 32, learningRate = 0.01, seed = 3 } = {}) {
  const corpus = await fetchSonnets();
  const vocab = [...new Set(corpus)].sort();
  const index = new Map(vocab.map((c, i) => [c, i]));
  const stride = Math.max(1, Math.floor((corpus.length - window - 1) / samples));
  const n = Math.min(samples, Math.floor((corpus.length - window - 1) / stride));
  const x = new Float32Array(n * window), y = new Float32Array(n);
  for (let s = 0; s < n; s++) {
    for (let t = 0; t < window; t++) x[s * window + t] = index.get(corpus[s * stride + t]);
    y[s] = index.get(corpus[s * stride + window]);
  }
  post({ type: 'text:data', chars: corpus.length, vocab: vocab.length, samples: n, window });
  text?.model.dispose();
  const model = new Sequential({ seed });
  model.add(new Embedding({ inputDim: vocab.length, outputDim: 16, inputLength: window }));
  model.add(new LSTM({ units }));
  model.add(new Dense({ units: vocab.length, activation: 'softmax' }));
  model.compile({ optimizer: { name: 'adam', learningRate }, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'], clipNorm: 5 });
  text = { model, vocab, index, window };
  const t0 = performance.now();
  training = model;
  try {
    await model.fit({ data: x, shape: [n, window] }, { data: y, shape: [n, 1] }, {
      epochs, batchSize: 64, validationSplit: 0.05, verbose: 0,
      callbacks: {
        onBatchEnd: (batch, logs) => post({ type: 'batch', mode: 'text', batch, loss: logs.loss }),
        onEpochEnd: (epoch, logs) => {
          post({ type: 'epoch', mode: 'text', epoch, epochs, loss: logs.loss, val_loss: logs.val_loss, accuracy: logs.accuracy, val_accuracy: logs.val_accuracy, seconds: (performance.now() - t0) / 1000 });
          post(generate({ length: 160, seed: epoch + 1 }));
        },
      },
    });
  } finally {
    training = null;
  }
  post({ type: 'text:done', seconds: (performance.now() - t0) / 1000 });
}

// ---- spelling to sound, with attention ----------------------------------------------------------

async function trainSpell({ epochs = 12, units = 64, words = 6417 } = {}) {
  const task = spellingTask(await fetchCmudict());
  const n = Math.min(words, task.trainWords.length);
  const xEnc = task.encodeWords(task.trainWords.slice(0, n));
  const { decoderIn, target } = task.encodePronunciations(task.trainPh.slice(0, n));
  post({ type: 'spell:data', words: n, heldOut: task.testWords.length, letters: task.letters.length, phonemes: task.symbols.length });
  spell?.m.dispose();
  const m = buildSpeller(task, { withAttention: true, units, seed: 11 });
  spell = { task, m };
  const t0 = performance.now();
  training = m.trainer;
  try {
    await m.trainer.fit([xEnc, decoderIn], target, {
      epochs, batchSize: 64, validationSplit: 0.1, verbose: 0,
      callbacks: {
        onBatchEnd: (batch, logs) => post({ type: 'batch', mode: 'spell', batch, loss: logs.loss }),
        onEpochEnd: (epoch, logs) => post({ type: 'epoch', mode: 'spell', epoch, epochs, loss: logs.loss, val_loss: logs.val_loss, accuracy: logs.accuracy, seconds: (performance.now() - t0) / 1000 }),
      },
    });
  } finally {
    training = null;
  }
  // Score: greedy decoding of the held-out words, all at once.
  const pred = decodeAll(task.testWords);
  const exact = pred.filter((p, i) => p.join(' ') === task.testPh[i].join(' ')).length / pred.length;
  post({ type: 'spell:done', seconds: (performance.now() - t0) / 1000, exact, heldOut: pred.length });
}

/** One decoder step for all words: the next tokens, the new states and the attention weights. */
function stepAll(tok, values, mask, h, c) {
  const xs = [{ data: tok, shape: [tok.length, 1] }, values, mask, h, c];
  const [p, h2, c2] = spell.m.step.predict(xs);
  const weights = spell.m.step.inspect(xs, { layer: 'attention' }).attentionScores.data;
  return { p: p.data, h: h2, c: c2, weights };
}

function decodeAll(list, onStep) {
  const { task } = spell;
  const { tokens, MAX_LETTERS, MAX_PHONEMES, START, END, PAD } = task;
  const V = tokens.length, n = list.length;
  const x = task.encodeWords(list);
  let [values, h, c] = spell.m.encoder.predict(x);
  const mask = { data: x.data.map((v) => (v !== 0 ? 1 : 0)), shape: x.shape };
  const tok = new Float32Array(n).fill(START);
  const out = list.map(() => []);
  const done = new Uint8Array(n);
  for (let t = 0; t <= MAX_PHONEMES && !done.every(Boolean); t++) {
    const r = stepAll(tok, values, mask, h, c);
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let k = 1; k < V; k++) if (r.p[i * V + k] > r.p[i * V + best]) best = k;
      if (!done[i]) {
        if (best === END || best === PAD || best === START) done[i] = 1;
        else {
          out[i].push(tokens[best]);
          // The encoder reads the word backwards: weight t of the row is letter (length - 1 - t).
          const w = list[i].length, row = r.weights.subarray(i * MAX_LETTERS, i * MAX_LETTERS + w);
          onStep?.(i, out[i].length - 1, tokens[best], Array.from({ length: w }, (_, j) => row[w - 1 - j]));
        }
      }
      tok[i] = best;
    }
    h = r.h; c = r.c;
  }
  return out;
}

async function decodeSpell({ word, delayMs = 120 }) {
  if (!spell) throw new Error('spell:decode: train the spelling model first');
  const w = String(word ?? '').toLowerCase();
  const bad = [...w].find((ch) => !spell.task.letters.includes(ch));
  if (!w || w.length > spell.task.MAX_LETTERS || bad) throw new Error(`spell:decode: give a word of 1 to ${spell.task.MAX_LETTERS} letters a-z${bad ? `; '${bad}' is not one` : ''}`);
  const steps = [];
  const [phonemes] = decodeAll([w], (_, t, phoneme, weights) => steps.push({ type: 'spell:step', word: w, t, phoneme, weights }));
  // One step at a time, so the page fills the map in as the decoder goes.
  for (const s of steps) { post(s); await new Promise((r) => setTimeout(r, delayMs)); }
  return { type: 'spell:decoded', word: w, phonemes };
}

// ---- messages ----------------------------------------------------------------------------------

const handlers = {
  async init() {
    const runtime = await init();
    return { type: 'ready', runtime: runtimeInfo() ?? runtime, relaxedSimdSupported: relaxedSimdSupported(), userAgent: self.navigator.userAgent };
  },
  async bench() {
    if (training) throw new Error('bench: wait until training ends (timings would be shared with it)');
    return { type: 'bench', runs: await bench() };
  },
  'co2:train': (m) => trainCo2(m),
  inspect(m) {
    if (!co2) throw new Error('inspect: train the CO2 model first');
    co2.selected = m.index;
    return inspectOf(m.index);
  },
  'text:train': (m) => trainText(m),
  'text:generate'(m) {
    if (!text) throw new Error('text:generate: train the text model first');
    return generate(m);
  },
  'spell:train': (m) => trainSpell(m),
  'spell:decode': (m) => decodeSpell(m),
  stop() {
    if (training) training.stopTraining = true;
  },
  ping: (m) => ({ type: 'pong', t: m.t }),
};

self.onmessage = async (e) => {
  const m = e.data;
  try {
    const h = handlers[m.type];
    if (!h) throw new Error(`worker: unknown message type '${m.type}'`);
    const reply = await h(m);
    if (reply) post(reply);
  } catch (err) {
    post({ type: 'error', request: m.type, message: err && err.message ? err.message : String(err), stack: err && err.stack });
  }
};
