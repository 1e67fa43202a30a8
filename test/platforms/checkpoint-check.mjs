// Run by test/callbacks-runtimes.test.ts under Node, Deno and Bun: ModelCheckpoint and CSVLogger
// write their files through node:fs (checkpoints atomically), and the checkpoint loads back;
// BackupAndRestore backs up, and a fit interrupted (an exception) and run again ends with the
// weights of an uninterrupted one, bit for bit.
// argv: the folder to write in. Prints one JSON line.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { init, Sequential, LSTM, Dense, ModelCheckpoint, CSVLogger, loadModel, BackupAndRestore, LambdaCallback } from '../../dist/index.js';

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
const files = readdirSync(dir).sort();

const make = () => {
  const b = new Sequential({ seed: 3, layers: [new LSTM(3, { input_shape: [4, 2], recurrent_dropout: 0.2 }), new Dense(1)] });
  b.compile({ optimizer: 'adam', loss: 'mse' });
  return b;
};
const fitArgs = { epochs: 3, batch_size: 2, seed: 1, verbose: 0 };
const plain = make();
await plain.fit(x, y, fitArgs);
const backupDir = join(dir, 'backup');
let batches = 0;
const stop = new LambdaCallback({ onBatchEnd: () => { if (++batches === 5) throw new Error('interrupted'); } });
let interrupted = '';
try {
  await make().fit(x, y, { ...fitArgs, callbacks: [new BackupAndRestore({ backup_dir: backupDir, save_freq: 1 }), stop] });
} catch (e) {
  interrupted = e.message;
}
const backupFiles = readdirSync(backupDir);
const resumed = make();
const again = new BackupAndRestore({ backupDir, saveFreq: 1 });
await resumed.fit(x, y, { ...fitArgs, callbacks: [again] });
const bits = (m) => m.getWeights().flatMap((t) => [...new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length)]);
console.log(JSON.stringify({
  backup: { interrupted, backupFiles, resumedFrom: again.resumedFrom, same: JSON.stringify(bits(resumed)) === JSON.stringify(bits(plain)), left: readdirSync(backupDir) },
  files,
  csvLines: readFileSync(join(dir, 'log.csv'), 'utf8').trim().split('\n').length,
  sameWeights: back.getWeights().every((w, i) => w.data.every((v, j) => v === m.getWeights()[i].data[j])),
  missingDir,
}));
