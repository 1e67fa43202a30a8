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
import { spellingTask } from './lib/spelling.js';
import { loadCmudict } from './lib/data.js';
import { lineChart } from './lib/svg.js';

const QUICK = process.argv.includes('--quick') || process.env.QUICK === '1';
const UNITS = Number(process.env.UNITS ?? (QUICK ? 64 : 128));
const EPOCHS = Number(process.env.EPOCHS ?? (QUICK ? 20 : 25));
const EMBED = 32;

await init();
const {
  about, letters, symbols, tokens, MAX_LETTERS, MAX_PHONEMES, PAD, START, END,
  trainWords, trainPh, testWords, testPh, encodeWords, encodePronunciations, nearestSpelling, score,
} = spellingTask(loadCmudict());
console.log(about);
console.log(`lstm-wasm build: ${runtimeInfo().build}${QUICK ? '; quick run' : ''}`);
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

const baseline = testWords.map(nearestSpelling);

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
