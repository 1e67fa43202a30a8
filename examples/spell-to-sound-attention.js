// Attention on top of the encoder-decoder of spell-to-sound.js: the same words, the same units,
// epochs and optimizer, with and without a Luong attention layer between the decoder and the
// encoder's outputs (Attention([decoder steps, encoder steps]), its context joined to the decoder's
// output before the softmax). Prints both models' accuracy on held-out words, the gain on the longest
// words, and writes the attention map of a few words as SVG: which letters each phoneme looked at.
//
//   node examples/spell-to-sound-attention.js          the full run (two models, about two minutes on 2 cores)
//   node examples/spell-to-sound-attention.js --quick  smaller models (CI); also QUICK=1
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { init, runtimeInfo } from 'lstm-wasm';
import { buildSpeller, pronounce } from './lib/speller.js';
import { spellingTask } from './lib/spelling.js';
import { loadCmudict } from './lib/data.js';
import { heatmap } from './lib/svg.js';

const QUICK = process.argv.includes('--quick') || process.env.QUICK === '1';
const UNITS = Number(process.env.UNITS ?? (QUICK ? 64 : 128));
const EPOCHS = Number(process.env.EPOCHS ?? (QUICK ? 16 : 25));
const EMBED = 32;

await init();
const task = spellingTask(loadCmudict());
const { letters, MAX_LETTERS, trainWords, trainPh, testWords, testPh, encodeWords, encodePronunciations, score } = task;
console.log(task.about);
console.log(`lstm-wasm build: ${runtimeInfo().build}${QUICK ? '; quick run' : ''}; ${UNITS} units, ${EPOCHS} epochs for each model`);

const xEnc = encodeWords(trainWords);
const { decoderIn, target } = encodePronunciations(trainPh);

const results = {};
for (const withAttention of [false, true]) {
  const name = withAttention ? 'with attention' : 'without';
  const m = buildSpeller(task, { withAttention, units: UNITS, embed: EMBED, seed: 11 });
  const t0 = performance.now();
  const hist = await m.trainer.fit([xEnc, decoderIn], target, { epochs: EPOCHS, batchSize: 64, validationSplit: 0.1, verbose: 0 });
  const seconds = (performance.now() - t0) / 1000;
  const pred = pronounce(task, m, testWords);
  const long = testWords.map((w, i) => i).filter((i) => testWords[i].length >= 7);
  const exactLong = long.filter((i) => pred[i].join(' ') === testPh[i].join(' ')).length / long.length;
  results[name] = { ...score(pred), exactLong, nLong: long.length, seconds, valLoss: hist.history.val_loss.at(-1) };
  console.log(`${name.padEnd(15)} trained in ${seconds.toFixed(1)} s (val_loss ${results[name].valLoss.toFixed(4)})`);
  if (withAttention) {
    const show = ['phone', 'thought', 'knight', 'listen'].filter((w) => [...w].every((ch) => letters.includes(ch)));
    const { out, weights } = pronounce(task, m, show, true);
    mkdirSync(join(process.cwd(), 'out'), { recursive: true });
    const rows = [], matrix = [];
    show.forEach((w, i) => {
      const order = [...w].reverse(); // the encoder reads the word backwards: column t is letter order[t]
      out[i].forEach((ph, t) => {
        rows.push(`${w}: ${ph}`);
        matrix.push([...w].map((_, j) => weights[i][t][order.length - 1 - j]));
      });
    });
    const cols = Math.max(...show.map((w) => w.length));
    const file = join(process.cwd(), 'out', 'spell-to-sound-attention.svg');
    writeFileSync(file, heatmap({
      title: 'Which letter each phoneme looked at (attention weights, greedy decoding)',
      rows, matrix: matrix.map((r) => [...r, ...Array(cols - r.length).fill(0)]), colLabels: Array.from({ length: cols }, (_, j) => `letter ${j + 1}`),
      xLabel: 'letters of the word, first to last', colorLabel: 'attention weight', min: 0, max: 1,
    }));
    console.log(`Attention map: ${file}`);
    show.forEach((w, i) => console.log(`  ${w}: ${out[i].join(' ')}`));
  }
  m.dispose();
}

const a = results['with attention'], b = results.without;
const pct = (v) => `${(v * 100).toFixed(1)}%`.padStart(6);
console.log(`\nHeld-out words: ${testWords.length} (never seen in training); longest (7-8 letters): ${a.nLong}`);
console.log(`  with attention   exact match ${pct(a.exact)}   phoneme accuracy ${pct(a.accuracy)}   phoneme error rate ${pct(a.per)}   exact on the longest ${pct(a.exactLong)}   training ${a.seconds.toFixed(1)} s`);
console.log(`  without          exact match ${pct(b.exact)}   phoneme accuracy ${pct(b.accuracy)}   phoneme error rate ${pct(b.per)}   exact on the longest ${pct(b.exactLong)}   training ${b.seconds.toFixed(1)} s`);
console.log(`attention gains ${((a.exact - b.exact) * 100).toFixed(1)} points of exact match overall and ${((a.exactLong - b.exactLong) * 100).toFixed(1)} on the longest words`);
