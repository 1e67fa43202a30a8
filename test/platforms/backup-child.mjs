// Run by test/backup-restore.test.ts as a child process that the test kills (SIGKILL) and runs
// again: a seeded LSTM with dropout, trained with Adam under BackupAndRestore.
// argv: backupDir, saveFreq ('epoch' or a batch count), the file to write the final weights to.
// stdout: "BATCH <epoch> <batch>" after each batch (once the backup of that batch, if any, is
// written), "MIDSAVE <n>" when, with MIDSAVE_AT=n, the n-th backup is half written (it
// then stops there for a minute, to be killed), and "DONE <json>" at the end.
import fs, { writeFileSync } from 'node:fs';
import { init, Sequential, LSTM, Dropout, Dense, BackupAndRestore, LambdaCallback } from '../../dist/index.js';

const [backupDir, freqArg, out] = process.argv.slice(2);
const saveFreq = freqArg === 'epoch' ? 'epoch' : Number(freqArg);
const midsaveAt = Number(process.env.MIDSAVE_AT ?? 0);

// Makes the chosen backup write stop halfway, so the test can kill the process inside it.
let saves = 0;
let halfway = -1;
const openSync = fs.openSync;
fs.openSync = (path, ...rest) => {
  const fd = openSync(path, ...rest);
  if (String(path).includes('.tmp-') && ++saves === midsaveAt) halfway = fd;
  return fd;
};
const writeSync = fs.writeSync;
fs.writeSync = (fd, data, ...rest) => {
  if (fd !== halfway) return writeSync(fd, data, ...rest);
  halfway = -1;
  const written = writeSync(fd, data.subarray(0, data.length >> 1));
  process.stdout.write(`MIDSAVE ${saves}\n`);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
  return written;
};

await init();
let s = 7;
const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
const n = 61, T = 6, I = 3;
const x = { data: Float32Array.from({ length: n * T * I }, rand), shape: [n, T, I] };
const y = { data: Float32Array.from({ length: n }, rand), shape: [n, 1] };
const model = new Sequential({
  seed: 3,
  layers: [new LSTM({ units: 5, inputShape: [T, I], recurrentDropout: 0.2 }), new Dropout({ rate: 0.3 }), new Dense({ units: 1 })],
});
model.compile({ optimizer: { name: 'adam', learningRate: 0.01 }, loss: 'mse', metrics: ['mae'] });
const backup = new BackupAndRestore({ backupDir, saveFreq });
const pause = new Int32Array(new SharedArrayBuffer(4));
let epoch = 0;
const history = await model.fit(x, y, {
  epochs: 5,
  batchSize: 8,
  validationSplit: 0.2,
  seed: 11,
  verbose: 0,
  callbacks: [
    backup,
    new LambdaCallback({
      onBatchEnd: (b) => {
        process.stdout.write(`BATCH ${epoch} ${b}\n`);
        Atomics.wait(pause, 0, 0, 3); // slow enough that a kill lands near its marker
      },
      onEpochBegin: (e) => {
        epoch = e;
      },
    }),
  ],
});
const w = model.getWeights();
writeFileSync(out, Buffer.concat(w.map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength))));
console.log(`DONE ${JSON.stringify({ resumedFrom: backup.resumedFrom, epochs: history.epoch, loss: history.history.loss, val_loss: history.history.val_loss, backupLeft: fs.existsSync(backup.path) })}`);
