// Training that survives being killed: the main job's model (the CO2 forecaster of
// examples/co2-forecast.js: LSTM(32) → Dense(1) on 24-month windows of the Mauna Loa record)
// trained with BackupAndRestore. This script runs the training in a child process, kills it with
// SIGKILL partway (as a crash, an out-of-memory killer or a pre-empted machine would), runs it
// again, and checks that the resumed run ends with exactly the weights of a run never
// interrupted: the backup holds the weights, Adam's moments and step count, the RNG state and the
// epoch's shuffled order, so the rest of the training repeats bit for bit.
//
//   node examples/resume-after-kill.js           30 epochs, backups every 5 batches
//   node examples/resume-after-kill.js --quick   12 epochs (CI)
//
// It exits 1 if the weights differ.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  init,
  Sequential,
  LSTM,
  Dense,
  BackupAndRestore,
  LambdaCallback,
  resample,
  difference,
  trainTestSplit,
  StandardScaler,
  timeseriesWindows,
} from 'lstm-wasm';
import { loadCo2 } from './lib/data.js';

const WINDOW = 24;
const quick = process.argv.includes('--quick');
const EPOCHS = quick ? 12 : 30;
const SAVE_EVERY = 5; // batches

/** The main job's data: monthly CO2, differenced, standardized, in windows of 24 months. */
function data() {
  const raw = loadCo2();
  const monthly = resample(raw.values, raw.dates.map((d) => new Date(`${d}-01T00:00:00Z`)), { every: '1month', fill: 'linear' });
  const diffs = difference(monthly.values);
  const { train: trainDiffs, test: testDiffs } = trainTestSplit(diffs, { testSize: 0.2 });
  const scaler = new StandardScaler().fit(trainDiffs);
  const windows = timeseriesWindows(scaler.transform(diffs), { window: WINDOW });
  const { xTrain, yTrain } = trainTestSplit(windows, { testSize: testDiffs.length });
  return { xTrain, yTrain };
}

/** Trains the main job's model; with a backup folder, under BackupAndRestore. Returns the weights' bytes and where it resumed. */
async function train(backupDir, onBatch = () => {}) {
  await init();
  const { xTrain, yTrain } = data();
  const model = new Sequential({ seed: 7 });
  model.add(new LSTM({ units: 32, inputShape: [WINDOW, 1] }));
  model.add(new Dense({ units: 1 }));
  model.compile({ optimizer: { name: 'adam', learningRate: 0.005 }, loss: 'meanSquaredError', metrics: ['mae'] });
  const backup = backupDir ? new BackupAndRestore({ backupDir, saveFreq: SAVE_EVERY }) : null;
  let epoch = 0;
  const progress = new LambdaCallback({
    onEpochBegin: (e) => {
      epoch = e;
    },
    onBatchEnd: (b) => onBatch(epoch, b),
  });
  const history = await model.fit(xTrain, yTrain, {
    epochs: EPOCHS,
    batchSize: 32,
    validationSplit: 0.1,
    verbose: 0,
    callbacks: backup ? [backup, progress] : [progress],
  });
  const w = model.getWeights();
  const bytes = Buffer.concat(w.map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)));
  model.dispose();
  return { bytes, resumedFrom: backup?.resumedFrom ?? null, loss: history.history.loss.at(-1), valLoss: history.history.val_loss.at(-1) };
}

/** Runs this script as the child that trains; resolves when it exits or is killed. */
function child(backupDir, out, killAfter) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', backupDir, out, ...(quick ? ['--quick'] : [])], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let buf = '';
    let killed = false;
    let lastBatch = '';
    p.stdout.on('data', (d) => {
      buf += d;
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.startsWith('batch ')) lastBatch = line.slice(6);
        else console.log(`  child: ${line}`);
        if (killAfter && line === `batch ${killAfter}` && !killed) {
          killed = true;
          p.kill('SIGKILL');
        }
      }
    });
    p.on('error', reject);
    p.on('close', (code, signal) => resolve({ code, signal, lastBatch }));
  });
}

if (process.argv[2] === '--child') {
  const [, , , backupDir, out] = process.argv;
  const r = await train(backupDir, (e, b) => process.stdout.write(`batch ${e}:${b}\n`));
  writeFileSync(out, r.bytes);
  const from = r.resumedFrom;
  console.log(
    `${from ? `resumed from its backup in epoch ${from.epoch + 1}, with ${from.batch} of its batches done` : 'started afresh'}; finished ${EPOCHS} epochs: loss ${r.loss.toFixed(4)}, val_loss ${r.valLoss.toFixed(4)}`,
  );
} else {
  const dir = mkdtempSync(join(tmpdir(), 'lstm-wasm-resume-'));
  try {
    const t0 = performance.now();
    console.log(`The CO2 forecaster (LSTM(32) → Dense(1), Adam), ${EPOCHS} epochs, batches of 32, BackupAndRestore every ${SAVE_EVERY} batches`);
    const reference = await train(null);
    console.log(`uninterrupted run: loss ${reference.loss.toFixed(4)}, val_loss ${reference.valLoss.toFixed(4)}`);
    // Killed at a batch picked from the clock: somewhere in the middle third of the training.
    const epoch = Math.floor(EPOCHS / 3) + (Date.now() % Math.max(1, Math.floor(EPOCHS / 3)));
    const batch = Date.now() % 17;
    const out = join(dir, 'weights.bin');
    const first = await child(join(dir, 'backup'), out, `${epoch}:${batch}`);
    const [e, b] = first.lastBatch.split(':').map(Number);
    console.log(`killed with ${first.signal} during epoch ${e + 1} (the last batch it reported done: ${b + 1}; the kill was sent after batch ${batch + 1} of epoch ${epoch + 1})`);
    if (first.signal !== 'SIGKILL') throw new Error(`the child was to be killed; it ended with code ${first.code}`);
    const second = await child(join(dir, 'backup'), out);
    if (second.code !== 0) throw new Error(`the resumed run failed with code ${second.code}`);
    const resumed = readFileSync(out);
    const same = resumed.equals(reference.bytes);
    const n = reference.bytes.length / 4;
    console.log(
      `resumed run's weights equal the uninterrupted run's: ${same ? 'yes' : 'NO'} (${n} weights compared bit for bit) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    if (!same) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
