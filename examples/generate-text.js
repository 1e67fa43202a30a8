// Text generation, character by character: an LSTM learns Shakespeare's sonnets (public domain,
// shipped in examples/data) by predicting each next character from the 40 before it, then writes
// new text one character at a time, sampling from its softmax.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { init, Sequential, Embedding, LSTM, Dense, Tokenizer } from 'lstm-wasm';
import { loadSonnets } from './lib/data.js';
import { lineChart } from './lib/svg.js';

await init();
const { text } = loadSonnets();
const tok = new Tokenizer({ level: 'char', lower: true, filters: '' }).fitOnTexts([text]);
const ids = tok.textsToSequences([text])[0];
const V = tok.vocabSize, WINDOW = 40, STRIDE = 5;
const n = Math.floor((ids.length - WINDOW - 1) / STRIDE);
const x = new Float32Array(n * WINDOW), y = new Float32Array(n);
for (let w = 0; w < n; w++) {
  for (let t = 0; t < WINDOW; t++) x[w * WINDOW + t] = ids[w * STRIDE + t];
  y[w] = ids[w * STRIDE + WINDOW];
}
console.log(`${text.length} characters of sonnets, ${V - 1} distinct; ${n} windows of ${WINDOW}`);

const model = new Sequential({ seed: 5 });
model.add(new Embedding({ inputDim: V, outputDim: 24, inputShape: [WINDOW] }));
model.add(new LSTM({ units: 64 }));
model.add(new Dense({ units: V, activation: 'softmax' }));
model.compile({ optimizer: { name: 'adam', learningRate: 0.005 }, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'], clipNorm: 5 });
const t0 = performance.now();
const history = await model.fit({ data: x, shape: [n, WINDOW] }, { data: y, shape: [n] }, { epochs: Number(process.env.EPOCHS ?? 5), batchSize: 128, verbose: 1 });
console.log(`trained in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

// Sampling: temperature below 1 sharpens the distribution the model predicts.
let state = 99;
const rand = () => ((state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32);
function sample(p, temperature) {
  const w = Array.from(p, (v) => Math.pow(Math.max(v, 1e-12), 1 / temperature));
  const total = w.reduce((a, b) => a + b, 0);
  let r = rand() * total;
  for (let i = 0; i < w.length; i++) if ((r -= w[i]) <= 0) return i;
  return w.length - 1;
}
const seed = 'shall i compare thee to a summer\'s day?\n';
for (const temperature of [0.5, 0.8]) {
  const window = tok.textsToSequences([seed])[0].slice(-WINDOW);
  let out = '';
  for (let i = 0; i < 240; i++) {
    const p = model.predict({ data: Float32Array.from(window), shape: [1, WINDOW] }).data;
    const next = sample(p, temperature);
    out += tok.sequencesToTexts([[next]])[0];
    window.shift(); window.push(next);
  }
  console.log(`\n--- temperature ${temperature} ---\n${seed}${out}`);
}

mkdirSync(join(process.cwd(), 'out'), { recursive: true });
const file = join(process.cwd(), 'out', 'generate-text.svg');
const epochs = history.epoch.map((e) => e + 1);
writeFileSync(file, lineChart({
  title: 'Sonnets, next character: loss (nats per character) per epoch',
  series: [{ name: 'training loss', x: epochs, y: history.history.loss, color: '#1f77b4' }],
  xLabel: 'epoch', yLabel: 'loss',
}));
console.log(`\nPlot: ${file}`);
model.dispose();
