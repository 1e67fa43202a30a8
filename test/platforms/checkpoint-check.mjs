// Run by test/callbacks-runtimes.test.ts under Node, Deno and Bun: ModelCheckpoint and CSVLogger
// write their files through node:fs (checkpoints atomically), and the checkpoint loads back.
// argv: the folder to write in. Prints one JSON line.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { init, Sequential, LSTM, Dense, ModelCheckpoint, CSVLogger, loadModel } from '../../dist/index.js';

const dir = (globalThis.Deno ? globalThis.Deno.args : process.argv.slice(2))[0];
await init();
const m = new Sequential({ seed: 1, layers: [new LSTM(3, { input_shape: [4, 2] }), new Dense(1)] });
m.compile({ optimizer: 'adam', loss: 'MeanSquaredError' });
const x = { data: new Float32Array(40).map((_, i) => Math.sin(i)), shape: [5, 4, 2] };
const y = { data: new Float32Array(5).fill(0.5), shape: [5, 1] };
await m.fit(x, y, { epochs: 2, verbose: 0, batch_size: 2, callbacks: [new ModelCheckpoint({ filepath: join(dir, 'm-{epoch:02d}.lstm') }), new CSVLogger(join(dir, 'log.csv'))] });
let missingDir = '';
try {
  await m.fit(x, y, { epochs: 1, verbose: 0, callbacks: [new ModelCheckpoint({ filepath: join(dir, 'nope', 'm.lstm') })] });
} catch (e) {
  missingDir = e.message;
}
const back = await loadModel(readFileSync(join(dir, 'm-02.lstm')));
console.log(JSON.stringify({
  files: readdirSync(dir).sort(),
  csvLines: readFileSync(join(dir, 'log.csv'), 'utf8').trim().split('\n').length,
  sameWeights: back.getWeights().every((w, i) => w.data.every((v, j) => v === m.getWeights()[i].data[j])),
  missingDir,
}));
