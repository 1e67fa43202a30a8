// Spelling to sound (grapheme to phoneme) with an encoder-decoder LSTM, built with the functional API.
//
// The encoder reads a word letter by letter, last letter first (Embedding with maskZero, so the
// padding is skipped), and hands its final state, h and c, to the decoder as its initial state. The
// decoder is trained with teacher forcing: at each step it is given the previous phoneme of the
// dictionary's pronunciation (a start token first) and learns to give the next one (an end token
// last). To pronounce a word it has never seen, an encoder model and a one-step decoder model are
// built from the trained layers, as in the Keras sequence-to-sequence tutorial, and the decoder is
// fed its own best guess step by step (greedy decoding). Data: common English words from the CMU
// Pronouncing Dictionary, stress marks removed (BSD-2-Clause; see examples/data/README.md).
//
//   node examples/spell-to-sound.js            the full run (128 units, 25 epochs: under a minute on 2 cores)
//   node examples/spell-to-sound.js --quick    64 units, 20 epochs, the same words (CI); also QUICK=1
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { init, runtimeInfo, input, model, Embedding, LSTM, Dense } from 'lstm-wasm';
import { loadCmudict } from './lib/data.js';
import { lineChart } from './lib/svg.js';

const QUICK = process.argv.includes('--quick') || process.env.QUICK === '1';
const UNITS = Number(process.env.UNITS ?? (QUICK ? 64 : 128));
const EPOCHS = Number(process.env.EPOCHS ?? (QUICK ? 20 : 25));
const EMBED = 32;

await init();
const { words, phonemes, letters, symbols } = loadCmudict();
const MAX_LETTERS = Math.max(...words.map((w) => w.length));
const MAX_PHONEMES = Math.max(...phonemes.map((p) => p.length));
// Decoder tokens: 0 padding, 1 start, 2 end, then the phonemes.
const PAD = 0, START = 1, END = 2;
const tokens = ['<pad>', '<s>', '</s>', ...symbols];
const tokenId = new Map(tokens.map((t, i) => [t, i]));
const letterId = new Map(letters.map((l, i) => [l, i + 1])); // 0 is padding

// The file is sorted by word: shuffle (seeded) before setting 10% of the words aside.
let s = 20240607;
const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
const order = words.map((_, i) => i);
for (let i = order.length - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); [order[i], order[j]] = [order[j], order[i]]; }
const nTest = Math.round(order.length * 0.1);
const testIdx = order.slice(0, nTest);
const trainIdx = order.slice(nTest);
console.log(`CMU Pronouncing Dictionary subset: ${words.length} words of ${Math.min(...words.map((w) => w.length))}-${MAX_LETTERS} letters, ${letters.length} letters, ${symbols.length} phonemes (stress removed); ${trainIdx.length} words to train, ${testIdx.length} held out`);
console.log(`lstm-wasm build: ${runtimeInfo().build}${QUICK ? '; quick run' : ''}`);

/**
 * Letters as ids, last letter first, padded with 0 at the end: [n, MAX_LETTERS]. Read backwards, the
 * start of the word, which decides the first phonemes, is what the encoder saw last when the decoder
 * begins (the trick of Sutskever et al., 2014; here it is worth about 6 points of exact match).
 */
function encodeWords(list) {
  const data = new Float32Array(list.length * MAX_LETTERS);
  list.forEach((w, i) => {
    if (w.length > MAX_LETTERS) throw new Error(`'${w}' is longer than ${MAX_LETTERS} letters`);
    [...w].reverse().forEach((ch, t) => {
      const id = letterId.get(ch);
      if (id === undefined) throw new Error(`'${w}': the letter '${ch}' is not in the training alphabet`);
      data[i * MAX_LETTERS + t] = id;
    });
  });
  return { data, shape: [list.length, MAX_LETTERS] };
}

/** Teacher forcing: decoder input <s> p1 … pn, target p1 … pn </s>, both padded to MAX_PHONEMES + 1. */
function encodePronunciations(list) {
  const T = MAX_PHONEMES + 1;
  const xIn = new Float32Array(list.length * T), yOut = new Float32Array(list.length * T);
  list.forEach((ph, i) => {
    const ids = ph.map((p) => tokenId.get(p));
    [START, ...ids].forEach((v, t) => { xIn[i * T + t] = v; });
    [...ids, END].forEach((v, t) => { yOut[i * T + t] = v; });
  });
  return { decoderIn: { data: xIn, shape: [list.length, T] }, target: { data: yOut, shape: [list.length, T] } };
}

const trainWords = trainIdx.map((i) => words[i]), trainPh = trainIdx.map((i) => phonemes[i]);
const testWords = testIdx.map((i) => words[i]), testPh = testIdx.map((i) => phonemes[i]);
const xEnc = encodeWords(trainWords);
const { decoderIn, target } = encodePronunciations(trainPh);

// The training model: two inputs (the letters, and the pronunciation so far), one output.
const letterIn = input({ shape: [MAX_LETTERS], name: 'letters' });
const letterEmb = new Embedding({ inputDim: letters.length + 1, outputDim: EMBED, maskZero: true, name: 'letter_embedding' }).apply(letterIn);
const [, encH, encC] = new LSTM({ units: UNITS, returnState: true, name: 'encoder' }).apply(letterEmb);

const phonemeIn = input({ shape: [null], name: 'phonemes_so_far' });
const phonemeEmbedding = new Embedding({ inputDim: tokens.length, outputDim: EMBED, name: 'phoneme_embedding' });
const decoderLstm = new LSTM({ units: UNITS, returnSequences: true, returnState: true, name: 'decoder' });
const nextPhoneme = new Dense({ units: tokens.length, activation: 'softmax', name: 'next_phoneme' });
const [decSeq] = decoderLstm.apply(phonemeEmbedding.apply(phonemeIn), { initialState: [encH, encC] });
const trainer = model({ inputs: [letterIn, phonemeIn], outputs: nextPhoneme.apply(decSeq), name: 'spell_to_sound', seed: 11 });
trainer.compile({ optimizer: { name: 'adam', learningRate: 0.005 }, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
trainer.summary();

const t0 = performance.now();
const history = await trainer.fit([xEnc, decoderIn], target, { epochs: EPOCHS, batchSize: 64, validationSplit: 0.1, verbose: 2 });
const trainSeconds = (performance.now() - t0) / 1000;

// Inference: the same layers, rewired. The encoder model gives the state for a word; the step model
// takes one token and a state and gives the next token's probabilities and the new state.
const encoder = model({ inputs: letterIn, outputs: [encH, encC], name: 'encoder_model' });
const tokIn = input({ shape: [1], name: 'token' });
const hIn = input({ shape: [UNITS], name: 'h' }), cIn = input({ shape: [UNITS], name: 'c' });
const [stepOut, stepH, stepC] = decoderLstm.apply(phonemeEmbedding.apply(tokIn), { initialState: [hIn, cIn] });
const step = model({ inputs: [tokIn, hIn, cIn], outputs: [nextPhoneme.apply(stepOut), stepH, stepC], name: 'decoder_step' });

/** Greedy decoding of many words at once: each step feeds back every word's most likely token. */
function pronounce(list) {
  const n = list.length, V = tokens.length;
  let [h, c] = encoder.predict(encodeWords(list));
  const tok = new Float32Array(n).fill(START);
  const out = list.map(() => []);
  const done = new Uint8Array(n);
  for (let t = 0; t <= MAX_PHONEMES; t++) {
    const [p, h2, c2] = step.predict([{ data: tok, shape: [n, 1] }, h, c]);
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let k = 1; k < V; k++) if (p.data[i * V + k] > p.data[i * V + best]) best = k;
      if (!done[i]) {
        if (best === END || best === PAD || best === START) done[i] = 1;
        else out[i].push(tokens[best]);
      }
      tok[i] = best;
    }
    h = h2; c = c2;
  }
  return out;
}

const t1 = performance.now();
const predicted = pronounce(testWords);
const decodeSeconds = (performance.now() - t1) / 1000;

/** Levenshtein distance between two arrays (or strings). */
function editDistance(a, b) {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur.push(Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = cur;
  }
  return prev[b.length];
}

// The baseline: the pronunciation of the training word spelled most like it (fewest letter edits;
// among equals, the one sharing the longest ending, then the first in alphabetical order).
function nearestSpelling(w) {
  let best = -1, bestD = Infinity, bestEnd = -1;
  for (let j = 0; j < trainWords.length; j++) {
    const v = trainWords[j];
    if (Math.abs(v.length - w.length) > bestD) continue;
    const d = editDistance(w, v);
    if (d > bestD) continue;
    let e = 0;
    while (e < w.length && e < v.length && w[w.length - 1 - e] === v[v.length - 1 - e]) e++;
    if (d < bestD || e > bestEnd || (e === bestEnd && v < trainWords[best])) { best = j; bestD = d; bestEnd = e; }
  }
  return trainPh[best];
}
const baseline = testWords.map(nearestSpelling);

/** Exact match (the whole pronunciation), phoneme accuracy (position by position, over the longer of the two), phoneme error rate (edits / dictionary phonemes). */
function score(pred) {
  let exact = 0, same = 0, slots = 0, edits = 0, total = 0;
  pred.forEach((p, i) => {
    const truth = testPh[i];
    if (p.join(' ') === truth.join(' ')) exact++;
    for (let t = 0; t < Math.min(p.length, truth.length); t++) if (p[t] === truth[t]) same++;
    slots += Math.max(p.length, truth.length);
    edits += editDistance(p, truth);
    total += truth.length;
  });
  return { exact: exact / pred.length, accuracy: same / slots, per: edits / total };
}
const ours = score(predicted), base = score(baseline);
const pct = (v) => `${(v * 100).toFixed(1)}%`.padStart(6);

console.log('');
console.log(`Held-out words: ${testWords.length} (never seen in training)`);
console.log(`  encoder-decoder LSTM          exact match ${pct(ours.exact)}   phoneme accuracy ${pct(ours.accuracy)}   phoneme error rate ${pct(ours.per)}`);
console.log(`  nearest spelling (baseline)   exact match ${pct(base.exact)}   phoneme accuracy ${pct(base.accuracy)}   phoneme error rate ${pct(base.per)}`);
console.log(`  (baseline: the pronunciation of the training word with the fewest letter edits from it)`);
console.log(`Training: ${EPOCHS} epochs of ${trainWords.length} words, a tenth of them for validation (${UNITS} units), in ${trainSeconds.toFixed(1)} s (final loss ${history.history.loss.at(-1).toFixed(4)}, val_loss ${history.history.val_loss.at(-1).toFixed(4)}); greedy decoding of ${testWords.length} words in ${decodeSeconds.toFixed(2)} s`);

console.log('\nSome held-out words (dictionary / model):');
const w0 = Math.max(...testWords.slice(0, 12).map((w) => w.length));
for (let i = 0; i < 12; i++) {
  const ok = predicted[i].join(' ') === testPh[i].join(' ');
  console.log(`  ${testWords[i].padEnd(w0)}  ${testPh[i].join(' ').padEnd(26)} ${predicted[i].join(' ').padEnd(26)} ${ok ? 'right' : 'wrong'}`);
}
const nonsense = ['brillig', 'slithy', 'toves', 'mimsy', 'borogove', 'vorpal', 'frabjous'];
const made = pronounce(nonsense);
console.log(`Words of Jabberwocky (in no dictionary): ${nonsense.map((w, i) => `${w} ${made[i].join(' ')}`).join(', ')}`);

mkdirSync(join(process.cwd(), 'out'), { recursive: true });
const epochs = history.epoch.map((e) => e + 1);
const file = join(process.cwd(), 'out', 'spell-to-sound.svg');
writeFileSync(file, lineChart({
  title: `Spelling to sound: loss per epoch (held-out words: ${pct(ours.exact).trim()} exact, nearest spelling ${pct(base.exact).trim()})`,
  series: [
    { name: 'training loss', x: epochs, y: history.history.loss, color: '#1f77b4' },
    { name: 'validation loss', x: epochs, y: history.history.val_loss, color: '#d62728' },
  ],
  xLabel: 'epoch', yLabel: 'cross-entropy per decoder step',
}));
console.log(`Plot: ${file}`);
step.dispose();
encoder.dispose();
trainer.dispose();
