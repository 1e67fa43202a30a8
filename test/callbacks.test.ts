// Keras's callbacks: ReduceLROnPlateau (against Keras's algorithm written out here), LearningRateScheduler,
// CSVLogger (file and function), LambdaCallback, ModelCheckpoint (atomic write, filepath formatting,
// saveBestOnly, a missing folder named before training), ProgbarLogger as a class.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CSVLogger, Dense, LambdaCallback, LearningRateScheduler, LSTM, LstmWasmError, ModelCheckpoint, ProgbarLogger,
  ReduceLROnPlateau, Sequential, loadModel, type Logs,
} from '../src/index.js';
import { formatFilepath, writeFileAtomic, type SyncFs } from '../src/callbacks.js';
import { initForTests, randTensor } from './util/tfjs.js';

let dir = '';
beforeAll(async () => { await initForTests(); dir = mkdtempSync(join(tmpdir(), 'lstm-wasm-cb-')); });
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

const x = randTensor([20, 4, 2], 11), y = randTensor([20, 1], 12);
function make(lr = 0.01) {
  const m = new Sequential({ seed: 5, layers: [new LSTM({ units: 3, inputShape: [4, 2] }), new Dense({ units: 1 })] });
  m.compile({ optimizer: { name: 'sgd', learningRate: lr }, loss: 'mse' });
  return m;
}

describe('ReduceLROnPlateau', () => {
  /** Keras 3's on_epoch_end, transcribed: the rates it sets for a sequence of monitored values. */
  function kerasRates(values: number[], o: { factor: number; patience: number; minDelta: number; cooldown: number; minLr: number }, lr0: number): number[] {
    let lr = lr0, best = Infinity, wait = 0, cooldownCounter = 0;
    const out: number[] = [];
    for (const current of values) {
      if (cooldownCounter > 0) { cooldownCounter -= 1; wait = 0; }
      if (current < best - o.minDelta) { best = current; wait = 0; } else if (!(cooldownCounter > 0)) {
        wait += 1;
        if (wait >= o.patience) {
          if (Math.fround(lr) > Math.fround(o.minLr)) {
            lr = Math.max(lr * o.factor, o.minLr);
            cooldownCounter = o.cooldown;
            wait = 0;
          }
        }
      }
      out.push(lr);
    }
    return out;
  }

  it('sets the rates Keras sets, over plateaus, cooldowns and the floor', () => {
    const values = [1, 0.9, 0.9, 0.95, 0.9, 0.89995, 0.8, 0.8, 0.8, 0.8, 0.8, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7];
    for (const o of [
      { factor: 0.5, patience: 2, minDelta: 1e-4, cooldown: 0, minLr: 0 },
      { factor: 0.1, patience: 1, minDelta: 0, cooldown: 2, minLr: 1e-4 },
      { factor: 0.5, patience: 0, minDelta: 0.01, cooldown: 1, minLr: 0.002 },
    ]) {
      const opt = { learningRate: 0.01, schedule: null };
      const cb = new ReduceLROnPlateau({ monitor: 'val_loss', ...o });
      cb.setModel({ stopTraining: false, getWeights: () => [], setWeights: () => {}, optimizer: opt });
      cb.onTrainBegin();
      const got = values.map((v, e) => { const logs: Logs = { val_loss: v }; cb.onEpochEnd(e, logs); expect(logs.learning_rate).toBeDefined(); return opt.learningRate; });
      expect(got).toEqual(kerasRates(values, o, 0.01));
    }
  });

  it('in fit: lowers the optimizer rate; learning_rate in History; options and errors', async () => {
    const m = make(0.01);
    // A minDelta too large to ever meet: every epoch after the first is a plateau. As Keras, the
    // logs hold the rate the epoch trained with (the reduction comes after).
    const h = await m.fit(x, y, { epochs: 4, verbose: 0, callbacks: [new ReduceLROnPlateau({ monitor: 'loss', factor: 0.5, patience: 1, min_delta: 10 } as never)] });
    expect(h.history.learning_rate).toEqual([0.01, 0.01, 0.005, 0.0025]);
    expect(m.optimizer!.learningRate).toBe(0.00125);
    expect(() => new ReduceLROnPlateau({ factor: 1 })).toThrow(/'factor' must be a number in \[0, 1\)/);
    expect(() => new ReduceLROnPlateau({ minLr: -1 })).toThrow(/'minLr' must be a finite rate ≥ 0/);
    expect(() => new ReduceLROnPlateau({ patiense: 2 } as never)).toThrow(/did you mean 'patience'/);
    await expect(m.fit(x, y, { epochs: 1, verbose: 0, callbacks: [new ReduceLROnPlateau()] })).rejects.toThrow(/monitor 'val_loss' is not in the logs/);
    m.dispose();
  });
});

describe('LearningRateScheduler', () => {
  it('sets schedule(epoch, lr) at each epoch start; every batch logs it', async () => {
    const m = make(0.04);
    const lrs: number[] = [];
    const h = await m.fit(x, y, {
      epochs: 3, batchSize: 10, verbose: 0,
      callbacks: [new LearningRateScheduler((epoch, lr) => (epoch < 1 ? lr : lr * 0.5)), new LambdaCallback({ onBatchEnd: (_b: number, l?: Logs) => { lrs.push(l!.lr); } })],
    });
    expect(lrs).toEqual([0.04, 0.04, 0.02, 0.02, 0.01, 0.01]);
    expect(h.history.learning_rate).toEqual([0.04, 0.02, 0.01]);
    await expect(m.fit(x, y, { epochs: 1, verbose: 0, callbacks: [new LearningRateScheduler(() => -0.1)] })).rejects.toThrow(/must return a finite rate ≥ 0, got -0.1 at epoch 0 \(a negative rate/);
    expect(() => new LearningRateScheduler(0.1 as never)).toThrow(/expected a function \(epoch, lr\) => lr/);
    expect(() => { m.optimizer!.learningRate = -0.5; }).toThrow(/the learning rate must be a finite number ≥ 0, got -0.5/);
    m.dispose();
  });
});

describe('CSVLogger', () => {
  it('a file: header of epoch and sorted keys, a row per epoch; append adds rows only', async () => {
    const m = make();
    const file = join(dir, 'log.csv');
    await m.fit(x, y, { epochs: 2, verbose: 0, validationSplit: 0.25, callbacks: [new CSVLogger(file)] });
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('epoch,loss,val_loss');
    expect(lines.length).toBe(3);
    expect(lines[1].split(',')[0]).toBe('0');
    const h = await m.fit(x, y, { epochs: 1, verbose: 0, validationSplit: 0.25, callbacks: [new CSVLogger(file, { append: true })] });
    const again = readFileSync(file, 'utf8').trim().split('\n');
    expect(again.length).toBe(4);
    expect(again[3]).toBe(`0,${h.history.loss[0]},${h.history.val_loss[0]}`);
    m.dispose();
  });

  it('a function gets the lines (the browser form); separator', async () => {
    const m = make();
    const got: string[] = [];
    const h = await m.fit(x, y, { epochs: 2, verbose: 0, callbacks: [new CSVLogger((l) => got.push(l), { separator: ';' })] });
    expect(got).toEqual(['epoch;loss', `0;${h.history.loss[0]}`, `1;${h.history.loss[1]}`]);
    await expect(m.fit(x, y, { epochs: 1, verbose: 0, callbacks: [new CSVLogger(join(dir, 'nope', 'log.csv'))] })).rejects.toThrow(/folder '.*nope' of filepath .* does not exist/);
    m.dispose();
  });
});

describe('LambdaCallback', () => {
  it('calls the functions it was given (Keras snake_case too)', async () => {
    const m = make();
    const calls: string[] = [];
    await m.fit(x, y, {
      epochs: 2, batchSize: 10, verbose: 0,
      callbacks: [new LambdaCallback({ onTrainBegin: () => { calls.push('begin'); }, on_epoch_end: (e: number) => { calls.push(`e${e}`); }, onBatchEnd: (b: number) => { calls.push(`b${b}`); }, onTrainEnd: () => { calls.push('end'); } } as never)],
    });
    expect(calls).toEqual(['begin', 'b0', 'b1', 'e0', 'b0', 'b1', 'e1', 'end']);
    expect(() => new LambdaCallback({ onEpochEnd: 3 } as never)).toThrow(/'onEpochEnd' must be a function/);
    m.dispose();
  });
});

describe('ModelCheckpoint', () => {
  it('writes atomically: a temp file in the same folder, fsync, then rename', () => {
    const ops: string[] = [];
    const fake: SyncFs = {
      openSync: (p) => { ops.push(`open ${p}`); return 7; },
      writeSync: (_fd, d) => { ops.push(`write ${(d as Uint8Array).length}`); return (d as Uint8Array).length; },
      fsyncSync: () => { ops.push('fsync'); },
      closeSync: () => { ops.push('close'); },
      renameSync: (a, b) => { ops.push(`rename ${a} -> ${b}`); },
      unlinkSync: () => { ops.push('unlink'); },
      existsSync: () => true,
      statSync: () => ({ isDirectory: () => true }),
    };
    writeFileAtomic(fake, '/ck/m.lstm', new Uint8Array(10));
    expect(ops.length).toBe(8);
    const tmp = ops[0].slice(5);
    expect(tmp.startsWith('/ck/m.lstm.tmp-')).toBe(true);
    // The data reaches the disk before the rename makes it the file; then the folder's entry.
    expect(ops.slice(1)).toEqual(['write 10', 'fsync', 'close', `rename ${tmp} -> /ck/m.lstm`, 'open /ck', 'fsync', 'close']);
    // A failed write leaves the old file: the temp file is removed, nothing is renamed.
    ops.length = 0;
    const failing = { ...fake, writeSync: () => { throw new Error('disk full'); } };
    expect(() => writeFileAtomic(failing, '/ck/m.lstm', new Uint8Array(10))).toThrow('disk full');
    expect(ops.map((o) => o.split(' ')[0])).toEqual(['open', 'close', 'unlink']);
    // Real files: the target has the bytes, no temp file is left.
    const f = join(dir, 'atomic.bin');
    writeFileSync(f, 'old');
    writeFileAtomic(nodeFs as unknown as SyncFs, f, new Uint8Array([1, 2, 3]));
    expect(Array.from(readFileSync(f))).toEqual([1, 2, 3]);
    expect(readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('formats filepaths as Keras: {epoch:02d}, {val_loss:.4f}, {loss:.2e}', () => {
    expect(formatFilepath('t', 'm-{epoch:02d}-{val_loss:.4f}.lstm', { epoch: 3, val_loss: 0.123456 })).toBe('m-03-0.1235.lstm');
    expect(formatFilepath('t', '{epoch}_{loss:.2e}', { epoch: 12, loss: 0.00012345 })).toBe('12_1.23e-04');
    expect(() => formatFilepath('t', '{acc}', { epoch: 1 })).toThrow(/names \{acc\}, which is not in the logs/);
  });

  it('saves every epoch, {epoch} in the name; the files load with loadModel and predict as the model did', async () => {
    const m = make(0.05);
    const sub = mkdtempSync(join(dir, 'every-'));
    const preds: Float32Array[] = [];
    const cp = new ModelCheckpoint({ filepath: join(sub, 'model-{epoch:02d}-{val_loss:.4f}.lstm'), monitor: 'val_loss' });
    await m.fit(x, y, { epochs: 3, verbose: 0, validationSplit: 0.25, callbacks: [cp, new LambdaCallback({ onEpochEnd: () => { preds.push((m.predict(x) as { data: Float32Array }).data.slice()); } })] });
    expect(cp.saved.length).toBe(3);
    const names = readdirSync(sub).sort();
    expect(names.length).toBe(3);
    expect(names.every((n) => /^model-0[123]-\d+\.\d{4}\.lstm$/.test(n))).toBe(true);
    for (let e = 0; e < 3; e++) {
      const loaded = await loadModel(readFileSync(cp.saved[e]));
      expect(Array.from((loaded.predict(x) as { data: Float32Array }).data)).toEqual(Array.from(preds[e]));
      loaded.dispose();
    }
    m.dispose();
  });

  it('saveBestOnly keeps the best epoch by the monitor (mode max for accuracy-like names); saveFreq in batches', async () => {
    const m = make(0.05);
    const file = join(dir, 'best.lstm');
    const losses: number[] = [];
    const weights: Float32Array[][] = [];
    const cp = new ModelCheckpoint({ filepath: file, monitor: 'loss', saveBestOnly: true });
    await m.fit(x, y, { epochs: 4, verbose: 0, callbacks: [cp, new LambdaCallback({ onEpochEnd: (_e: number, l?: Logs) => { losses.push(l!.loss); weights.push(m.getWeights().map((w) => w.data.slice())); } })] });
    const best = losses.indexOf(Math.min(...losses));
    const improved = losses.filter((v, i) => losses.slice(0, i).every((u) => v < u)).length;
    expect(cp.saved.length).toBe(improved);
    const loaded = await loadModel(readFileSync(file));
    loaded.getWeights().forEach((w, i) => expect(Array.from(w.data)).toEqual(Array.from(weights[best][i])));
    loaded.dispose();
    const byBatch = new ModelCheckpoint({ filepath: join(dir, 'b{epoch}.lstm'), saveFreq: 2, saveWeightsOnly: true });
    await m.fit(x, y, { epochs: 2, batchSize: 5, verbose: 0, callbacks: [byBatch] });
    expect(byBatch.saved).toEqual([1, 1, 2, 2].map((e) => join(dir, `b${e}.lstm`)));
    m.dispose();
  });

  it('a filepath in a missing folder is an error before the first batch; bad options', async () => {
    const m = make();
    const before = m.getWeights().map((w) => Array.from(w.data));
    let batches = 0;
    await expect(m.fit(x, y, { epochs: 5, verbose: 0, callbacks: [new ModelCheckpoint({ filepath: join(dir, 'missing', 'm.lstm') }), new LambdaCallback({ onBatchEnd: () => { batches++; } })] }))
      .rejects.toThrow(/ModelCheckpoint: the folder '.*missing' of filepath .* does not exist; create it before fit/);
    expect(batches).toBe(0);
    expect(m.getWeights().map((w) => Array.from(w.data))).toEqual(before);
    expect(() => new ModelCheckpoint({ filepath: '' })).toThrow(/'filepath' must be a non-empty string/);
    expect(() => new ModelCheckpoint({ filepath: 'a.lstm', saveFreq: 0 })).toThrow(/'saveFreq' must be 'epoch' or a positive integer/);
    expect(() => new ModelCheckpoint({ filepath: 'm-{epoch:xyz}.lstm' })).toThrow(/is not one of d, .Nf/);
    expect(() => new ModelCheckpoint({ filepath: 'a.lstm', save_best_only: 'yes' } as never)).toThrow(/'saveBestOnly' must be true or false/);
    // The browser form: a function gets the path and the bytes.
    const got: [string, number][] = [];
    await m.fit(x, y, { epochs: 2, verbose: 0, callbacks: [new ModelCheckpoint({ filepath: 'idb://m-{epoch}', write: (p, b) => { got.push([p, b.length]); } })] });
    expect(got.map((g) => g[0])).toEqual(['idb://m-1', 'idb://m-2']);
    expect(got[0][1]).toBeGreaterThan(100);
    expect(new LstmWasmError('x')).toBeInstanceOf(Error);
    m.dispose();
  });
});

describe('ProgbarLogger', () => {
  it('is the class verbose uses; given as a callback, it replaces the default one', async () => {
    const m = make();
    let text = '';
    const out = { write: (s: string) => { text += s; }, isTTY: false };
    await m.fit(x, y, { epochs: 2, batchSize: 10, verbose: 1, callbacks: [new ProgbarLogger({ verbose: 2, out })] });
    const lines = text.trim().split('\n');
    expect(lines.length).toBe(2);
    expect(lines[0]).toMatch(/^Epoch 1\/2 - \d+s - \d+(us|ms)\/step - loss: \d\.\d{4}$/);
    text = '';
    await m.fit(x, y, { epochs: 1, batchSize: 10, verbose: 0, callbacks: [new ProgbarLogger({ out })] });
    expect(text).toMatch(/^Epoch 1\/1\n2\/2 \[=+\] - \d+s \d+(us|ms)\/step - loss: \d\.\d{4}\n$/);
    m.dispose();
  });
});
