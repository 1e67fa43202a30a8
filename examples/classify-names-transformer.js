// A small Transformer encoder beside the LSTM on the names classifier of classify-names.js: the same
// names, split, tokenizer and training budget. The Transformer: character embeddings plus learned
// position embeddings (Add), one MultiHeadAttention block (self-attention, 4 heads) with a residual
// Add and LayerNormalization, a position-wise Dense with another residual and LayerNormalization,
// then the masked average over the characters and a sigmoid. The LSTM: the Bidirectional LSTM of
// classify-names.js. Prints both test accuracies and training times.
//
//   node examples/classify-names-transformer.js           the full run
//   node examples/classify-names-transformer.js --quick   fewer epochs (CI); also QUICK=1
import { init, runtimeInfo, input, model, Embedding, Bidirectional, LSTM, Dense, MultiHeadAttention, LayerNormalization, Add, GlobalAveragePooling1D, Tokenizer, padSequences } from 'lstm-wasm';
import { loadFirstNames } from './lib/data.js';

const QUICK = process.argv.includes('--quick') || process.env.QUICK === '1';
const EPOCHS = Number(process.env.EPOCHS ?? (QUICK ? 6 : 12));
const MAXLEN = 12, D = 32;

await init();
const { names, labels, classes } = loadFirstNames();
let s = 12345;
const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
const order = names.map((_, i) => i);
for (let i = order.length - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); [order[i], order[j]] = [order[j], order[i]]; }
const nTest = Math.round(order.length * 0.2);
const pick = (idx) => ({ names: idx.map((i) => names[i]), labels: idx.map((i) => labels[i]) });
const train = pick(order.slice(nTest)), test = pick(order.slice(0, nTest));
const tok = new Tokenizer({ level: 'char', lower: true }).fitOnTexts(train.names);
const encode = (list) => padSequences(tok.textsToSequences(list), { maxlen: MAXLEN, padding: 'pre', truncating: 'pre' });
const xTrain = encode(train.names), xTest = encode(test.names);
const yTrain = { data: Float32Array.from(train.labels), shape: [train.labels.length, 1] };
const yTest = { data: Float32Array.from(test.labels), shape: [test.labels.length, 1] };
// Position ids 0..MAXLEN-1 for every name: the second input of the Transformer.
const positions = (n) => ({ data: Float32Array.from({ length: n * MAXLEN }, (_, i) => i % MAXLEN), shape: [n, MAXLEN] });
console.log(`${names.length} names (${classes.join(' / ')} = 0 / 1), ${tok.vocabSize - 1} characters; ${train.names.length} to train, ${test.names.length} to test; ${runtimeInfo().build}${QUICK ? '; quick run' : ''}`);

function transformer() {
  const chars = input({ shape: [MAXLEN], name: 'chars' }), pos = input({ shape: [MAXLEN], name: 'positions' });
  const e = new Add().apply([
    new Embedding({ inputDim: tok.vocabSize, outputDim: D, maskZero: true }).apply(chars),
    new Embedding({ inputDim: MAXLEN, outputDim: D }).apply(pos),
  ]);
  const att = new MultiHeadAttention({ numHeads: 4, keyDim: D / 4 }).apply([e, e]);
  const h1 = new LayerNormalization().apply(new Add().apply([e, att]));
  const ff = new Dense({ units: D }).apply(new Dense({ units: 2 * D, activation: 'relu' }).apply(h1));
  const h2 = new LayerNormalization().apply(new Add().apply([h1, ff]));
  const out = new Dense({ units: 1, activation: 'sigmoid' }).apply(new GlobalAveragePooling1D().apply(h2));
  return { m: model({ inputs: [chars, pos], outputs: out, name: 'transformer', seed: 3 }), x: (x) => [x, positions(x.shape[0])] };
}

function lstm() {
  const chars = input({ shape: [MAXLEN], name: 'chars' });
  const h = new Bidirectional({ layer: new LSTM({ units: 32 }) }).apply(new Embedding({ inputDim: tok.vocabSize, outputDim: 16, maskZero: true }).apply(chars));
  return { m: model({ inputs: chars, outputs: new Dense({ units: 1, activation: 'sigmoid' }).apply(h), name: 'bilstm', seed: 3 }), x: (x) => x };
}

const rows = [];
for (const [name, make] of [['Transformer encoder', transformer], ['Bidirectional LSTM', lstm]]) {
  const { m, x } = make();
  m.compile({ optimizer: { name: 'adam', learningRate: 0.005 }, loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  const t0 = performance.now();
  await m.fit(x(xTrain), yTrain, { epochs: EPOCHS, batchSize: 64, validationSplit: 0.1, verbose: 0 });
  const seconds = (performance.now() - t0) / 1000;
  const [, acc] = m.evaluate(x(xTest), yTest);
  rows.push({ name, acc, seconds, params: m.countParams() });
  m.dispose();
}
const ones = test.labels.filter((v) => v === 1).length;
const majority = Math.max(ones, test.labels.length - ones) / test.labels.length;
console.log(`\nTest names: ${test.names.length} (never seen in training), ${EPOCHS} epochs each`);
for (const r of rows) console.log(`  ${r.name.padEnd(20)} test accuracy ${(r.acc * 100).toFixed(1)}%   training ${r.seconds.toFixed(1)} s   ${r.params.toLocaleString('en-US')} parameters`);
console.log(`  ${'larger class'.padEnd(20)} test accuracy ${(majority * 100).toFixed(1)}%`);
