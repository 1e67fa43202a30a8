// BackupAndRestore: a child process (test/platforms/backup-child.mjs: a seeded LSTM with
// recurrent dropout and Dropout, Adam, shuffling, validationSplit) is killed with SIGKILL at a
// seeded moment, mid-epoch or halfway through writing a backup, then run again until it
// finishes; its final weights must equal, bit for bit, those of a run never interrupted, and the
// resumed epochs' losses must be the same numbers. In-process: the same with an exception as the
// interruption; a damaged, cut-short or foreign backup is an error naming the file; options.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BackupAndRestore,
  Dense,
  Dropout,
  ExponentialDecay,
  LambdaCallback,
  LearningRateScheduler,
  LSTM,
  LstmWasmError,
  Sequential,
  type Callback,
} from '../src/index.js';
import { BACKUP_FILE, BACKUP_FILE_PREVIOUS, decodeBackup } from '../src/callbacks.js';
import { ROOT, requireDist } from './platforms/tools.js';
import { initForTests, randTensor } from './util/tfjs.js';
import { rng } from './util/kernels.js';

const CHILD = join(ROOT, 'test', 'platforms', 'backup-child.mjs');
let dir = '';
beforeAll(async () => {
  await initForTests();
  dir = mkdtempSync(join(tmpdir(), 'lstm-wasm-backup-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Done {
  resumedFrom: { epoch: number; batch: number } | null;
  epochs: number[];
  loss: number[];
  val_loss: number[];
  backupLeft: boolean;
}

/**
 * Runs the child; with `killAt` it is killed (SIGKILL) as soon as it prints that line. Resolves
 * to how it ended: killed, or done with its summary.
 */
function runChild(
  backupDir: string,
  saveFreq: string,
  out: string,
  opts: { killAt?: string; midsaveAt?: number } = {},
): Promise<{ killed: boolean; done: Done | null; lines: string[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, backupDir, saveFreq, out], {
      env: { ...process.env, MIDSAVE_AT: String(opts.midsaveAt ?? 0) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    let buf = '';
    let stderr = '';
    let killed = false;
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let i = buf.indexOf('\n');
      while (i >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        lines.push(line);
        if (opts.killAt && line === opts.killAt && !killed) {
          killed = true;
          child.kill('SIGKILL');
        }
        i = buf.indexOf('\n');
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const last = lines.find((l) => l.startsWith('DONE '));
      if (signal === 'SIGKILL') resolve({ killed: true, done: null, lines, stderr });
      else if (code === 0 && last) resolve({ killed: false, done: JSON.parse(last.slice(5)) as Done, lines, stderr });
      else resolve({ killed: false, done: null, lines, stderr: stderr || `exit ${code}` });
    });
  });
}

/** The child's batches: 49 training samples in batches of 8 → 7 per epoch, 5 epochs. */
const STEPS = 7,
  EPOCHS = 5;

describe('BackupAndRestore: a fit killed with SIGKILL and run again ends bit-identical to one never interrupted', () => {
  let reference: Buffer;
  let refDone: Done;
  beforeAll(async () => {
    requireDist(['dist/index.js']);
    const r = await runChild(join(dir, 'ref'), 'epoch', join(dir, 'ref.bin'));
    expect(r.stderr).toBe('');
    refDone = r.done!;
    reference = readFileSync(join(dir, 'ref.bin'));
    expect(reference.length).toBe(4 * (3 * 20 + 5 * 20 + 20 + 5 + 1));
  });

  async function killAndResume(name: string, saveFreq: string, kills: { killAt?: string; midsaveAt?: number }[]) {
    const backupDir = join(dir, name);
    const out = join(dir, `${name}.bin`);
    const resumes: ({ epoch: number; batch: number } | null)[] = [];
    for (const k of kills) {
      const r = await runChild(backupDir, saveFreq, out, k);
      expect(r.killed, `${name}: the child was to be killed at ${JSON.stringify(k)}; it printed ${r.lines.slice(-3).join(' | ')} ${r.stderr}`).toBe(true);
      expect(existsSync(out)).toBe(false); // it never got to the end
    }
    const r = await runChild(backupDir, saveFreq, out);
    expect(r.stderr).toBe('');
    expect(r.done).not.toBeNull();
    resumes.push(r.done!.resumedFrom);
    const got = readFileSync(out);
    expect(got.equals(reference)).toBe(true);
    // The epochs it ran give the very losses the uninterrupted run gave for them.
    const first = r.done!.epochs[0];
    expect(r.done!.loss).toEqual(refDone.loss.slice(first));
    expect(r.done!.val_loss).toEqual(refDone.val_loss.slice(first));
    expect(r.done!.backupLeft).toBe(false); // deleteCheckpoint: true
    return { done: r.done!, resumes };
  }

  it('killed mid-epoch (at a seeded batch), backing up at each epoch end: resumes at the next epoch', async () => {
    const rand = rng(2024);
    // A batch in epochs 2 to 4, so that at least one epoch was backed up and some remain.
    const epoch = 1 + Math.floor(rand() * 3),
      batch = Math.floor(rand() * STEPS);
    const { done } = await killAndResume('epochs', 'epoch', [{ killAt: `BATCH ${epoch} ${batch}` }]);
    expect(done.resumedFrom!.batch).toBe(0);
    expect(done.resumedFrom!.epoch).toBeGreaterThanOrEqual(epoch);
    expect(done.resumedFrom!.epoch).toBeLessThanOrEqual(EPOCHS);
    console.log(`backup: killed after batch ${batch} of epoch ${epoch}; resumed at epoch ${done.resumedFrom!.epoch}`);
  });

  it('killed twice, backing up every 3 batches: resumes within an epoch (its shuffled order, RNG and running loss)', async () => {
    const rand = rng(7);
    const a = Math.floor(rand() * 8) + 4; // a global batch index in [4, 12), then a later one
    const b = a + 6 + Math.floor(rand() * 8);
    const at = (g: number) => `BATCH ${Math.floor(g / STEPS)} ${g % STEPS}`;
    const { done } = await killAndResume('batches', '3', [{ killAt: at(a) }, { killAt: at(b) }]);
    const { epoch, batch } = done.resumedFrom!;
    console.log(`backup: killed after global batches ${a} and ${b}; resumed at epoch ${epoch}, batch ${batch}`);
    expect((epoch * STEPS + batch) % 3).toBe(0);
    expect(epoch * STEPS + batch).toBeGreaterThanOrEqual(b - 3);
  });

  it('killed halfway through writing a backup: the previous backup is whole, the half-written temporary is ignored and removed', async () => {
    const backupDir = join(dir, 'midsave');
    const out = join(dir, 'midsave.bin');
    const n = 2 + Math.floor(rng(99)() * 6); // the n-th backup (every 2 batches) is cut
    const r = await runChild(backupDir, '2', out, { midsaveAt: n, killAt: `MIDSAVE ${n}` });
    expect(r.killed).toBe(true);
    const files = readdirSync(backupDir).sort();
    expect(files[0]).toBe(BACKUP_FILE);
    expect(files[1]?.startsWith(`${BACKUP_FILE}.tmp-`)).toBe(true); // the half-written one
    const { at } = decodeBackup(readFileSync(join(backupDir, BACKUP_FILE)), 'test');
    expect(at.epoch * STEPS + at.batch).toBe(2 * (n - 1)); // the backup before the cut one
    const again = await runChild(backupDir, '2', out);
    expect(again.stderr).toBe('');
    expect(readFileSync(out).equals(reference)).toBe(true);
    expect(again.done!.resumedFrom).toEqual({ epoch: at.epoch, batch: at.batch });
    expect(readdirSync(backupDir)).toEqual([]);
  });
});

// ---- in-process --------------------------------------------------------------------------

const x = randTensor([37, 5, 3], 31),
  y = randTensor([37, 2], 32);
function make(batchOnly = false) {
  const m = new Sequential({
    seed: 9,
    layers: [
      new LSTM({ units: 4, inputShape: [5, 3], recurrentDropout: 0.1 }),
      new Dropout({ rate: 0.25 }),
      new Dense({ units: 2 }),
    ],
  });
  m.compile({ optimizer: batchOnly ? 'rmsprop' : { name: 'adam', learningRate: 0.02 }, loss: 'mse' });
  return m;
}
const flat = (m: Sequential) => Float32Array.from(m.getWeights().flatMap((t) => [...t.data]));
const bits = (a: Float32Array) => [...new Uint32Array(a.buffer)];
class Interrupt extends Error {}
const interruptAt = (epoch: number, batch: number) => {
  let e = 0;
  return new LambdaCallback({
    onEpochBegin: (i) => {
      e = i;
    },
    onBatchEnd: (b) => {
      if (e === epoch && b === batch) throw new Interrupt('interrupted');
    },
  });
};

describe('BackupAndRestore in one process', () => {
  const fitArgs = { epochs: 4, batchSize: 6, seed: 5, verbose: 0 as const };

  it('an exception as the interruption: the run again ends with the same weights and the same optimizer counters as one never interrupted; the callback alone changes nothing', async () => {
    const plain = make();
    await plain.fit(x, y, fitArgs);
    const withBackup = make();
    const d0 = join(dir, 'inproc-0');
    await withBackup.fit(x, y, { ...fitArgs, callbacks: [new BackupAndRestore({ backupDir: d0, saveFreq: 4 })] });
    expect(bits(flat(withBackup))).toEqual(bits(flat(plain)));
    expect(existsSync(join(d0, BACKUP_FILE))).toBe(false);

    for (const [freq, epoch, batch] of [
      ['epoch', 2, 3],
      [4, 1, 5],
      [1, 3, 6],
    ] as const) {
      const d = join(dir, `inproc-${freq}-${epoch}`);
      const first = make();
      const cb = new BackupAndRestore({ backupDir: d, saveFreq: freq });
      await expect(first.fit(x, y, { ...fitArgs, callbacks: [cb, interruptAt(epoch, batch)] })).rejects.toThrow(
        Interrupt,
      );
      expect(existsSync(join(d, BACKUP_FILE))).toBe(true); // an error is not the normal end: kept
      const second = make();
      const cb2 = new BackupAndRestore({ backupDir: d, saveFreq: freq });
      const h = await second.fit(x, y, { ...fitArgs, callbacks: [cb2] });
      expect(cb2.resumedFrom).not.toBeNull();
      expect(bits(flat(second))).toEqual(bits(flat(plain)));
      expect(second.optimizer!.iterations).toBe(plain.optimizer!.iterations);
      expect(h.epoch[0]).toBe(cb2.resumedFrom!.epoch);
    }
  });

  it('bit-identical too with a rate schedule, a LearningRateScheduler that reads the rate, and a stateful LSTM', async () => {
    const variants: [string, () => Sequential, Record<string, unknown>, () => Callback[]][] = [
      [
        'ExponentialDecay',
        () => {
          const m = make();
          m.compile({
            optimizer: { name: 'adam', learningRate: new ExponentialDecay({ initialLearningRate: 0.05, decaySteps: 3, decayRate: 0.7 }) },
            loss: 'mse',
          });
          return m;
        },
        {},
        () => [],
      ],
      ['LearningRateScheduler(lr · 0.8)', make, {}, () => [new LearningRateScheduler((e, lr) => (e === 0 ? lr : lr * 0.8))]],
      [
        'stateful LSTM',
        () => {
          const m = new Sequential({
            seed: 4,
            layers: [new LSTM({ units: 3, batchInputShape: [4, 5, 3], stateful: true }), new Dense({ units: 2 })],
          });
          m.compile({ optimizer: 'adam', loss: 'mse' });
          return m;
        },
        { batchSize: 4, shuffle: false },
        () => [],
      ],
    ];
    const x36 = { data: x.data.subarray(0, 36 * 15), shape: [36, 5, 3] },
      y36 = { data: y.data.subarray(0, 72), shape: [36, 2] };
    for (const [name, build, extra, more] of variants) {
      const args = { ...fitArgs, ...extra };
      const plain = build();
      await plain.fit(x36, y36, { ...args, callbacks: more() });
      const d = join(dir, `variant-${name.replace(/\W+/g, '-')}`);
      await expect(
        build().fit(x36, y36, {
          ...args,
          callbacks: [...more(), new BackupAndRestore({ backupDir: d, saveFreq: 2 }), interruptAt(2, 4)],
        }),
      ).rejects.toThrow(Interrupt);
      const second = build();
      const cb = new BackupAndRestore({ backupDir: d, saveFreq: 2 });
      await second.fit(x36, y36, { ...args, callbacks: [...more(), cb] });
      expect(cb.resumedFrom, name).toEqual({ epoch: 2, batch: 5 - (((2 * Math.ceil(36 / args.batchSize) + 5) % 2) as number) });
      expect(bits(flat(second)), name).toEqual(bits(flat(plain)));
      expect(second.optimizer!.learningRate, name).toBe(plain.optimizer!.learningRate);
      if (name === 'stateful LSTM') {
        const states = (m: Sequential) => (m.layers[0] as LSTM).getStates().flatMap((t) => [...t.data]);
        expect(states(second)).toEqual(states(plain));
      }
    }
  });

  it('fitDataset: refused by name when training starts (a stream cannot be rewound to a batch)', async () => {
    const m = make();
    const batches = [{ xs: { data: x.data.subarray(0, 6 * 15), shape: [6, 5, 3] }, ys: { data: y.data.subarray(0, 12), shape: [6, 2] } }];
    await expect(
      m.fitDataset(batches, { epochs: 1, verbose: 0, callbacks: [new BackupAndRestore({ backupDir: join(dir, 'ds') })] }),
    ).rejects.toThrow(/BackupAndRestore: it works in fit\(x, y\).*fitDataset's batches come from a stream/);
  });

  it('a damaged or cut-short backup is an error naming the file when fit starts, and the model is unchanged', async () => {
    const d = join(dir, 'damaged');
    const m = make();
    await expect(
      m.fit(x, y, {
        ...fitArgs,
        callbacks: [new BackupAndRestore({ backupDir: d, deleteCheckpoint: false }), interruptAt(1, 0)],
      }),
    ).rejects.toThrow(Interrupt);
    const file = join(d, BACKUP_FILE);
    const good = readFileSync(file);
    const cases: [string, Uint8Array, RegExp][] = [
      ['one flipped bit', Uint8Array.from(good, (v, i) => (i === good.length >> 1 ? v ^ 4 : v)), /checksum does not match/],
      ['cut short', good.subarray(0, good.length - 100), /checksum does not match|cut short/],
      ['empty', new Uint8Array(0), /0 bytes, too few for a backup/],
      ['another file', new TextEncoder().encode('{"not": "a backup at all, but long enough"}'), /not a BackupAndRestore backup/],
    ];
    for (const [what, bytes, message] of cases) {
      writeFileSync(file, bytes);
      const fresh = make();
      const before = bits(flat(fresh));
      const err = await fresh
        .fit(x, y, { ...fitArgs, callbacks: [new BackupAndRestore({ backupDir: d })] })
        .then(() => null, (e: unknown) => e);
      expect(err, what).toBeInstanceOf(LstmWasmError);
      expect((err as Error).message, what).toMatch(message);
      expect((err as Error).message, what).toContain(file);
      expect(bits(flat(fresh)), what).toEqual(before);
    }
  });

  it('doubleCheckpoint (Keras 3): a damaged last backup gives way to the one before, with a warning, and the run still ends bit-identical', async () => {
    const plain = make();
    await plain.fit(x, y, fitArgs);
    const d = join(dir, 'double');
    const cb = () => new BackupAndRestore({ backupDir: d, saveFreq: 2, double_checkpoint: true } as never);
    await expect(make().fit(x, y, { ...fitArgs, callbacks: [cb(), interruptAt(1, 4)] })).rejects.toThrow(Interrupt);
    expect(readdirSync(d).sort()).toEqual([BACKUP_FILE, BACKUP_FILE_PREVIOUS]);
    const last = decodeBackup(readFileSync(join(d, BACKUP_FILE)), 't').at;
    const previous = decodeBackup(readFileSync(join(d, BACKUP_FILE_PREVIOUS)), 't').at;
    // 7 batches per epoch, a backup every 2: the last after batch 5 of epoch 1 (0-based), the one before after batch 3.
    expect([last.epoch, last.batch, previous.epoch, previous.batch]).toEqual([1, 5, 1, 3]);
    const bytes = readFileSync(join(d, BACKUP_FILE));
    bytes[bytes.length - 9] ^= 0x10;
    writeFileSync(join(d, BACKUP_FILE), bytes);
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (m: string) => void warnings.push(m);
    try {
      const m = make();
      const c = cb();
      await m.fit(x, y, { ...fitArgs, callbacks: [c] });
      expect(c.resumedFrom).toEqual({ epoch: 1, batch: 3 });
      expect(bits(flat(m))).toEqual(bits(flat(plain)));
    } finally {
      console.warn = warn;
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/checksum does not match.*; resuming from the backup before it, '.*backup\.previous\.lstmbak'/);
    expect(readdirSync(d)).toEqual([]);
  });

  it('a backup made by another training run (other layers, batch size or data) is an error saying which; nothing changes', async () => {
    const d = join(dir, 'foreign');
    await expect(
      make().fit(x, y, {
        ...fitArgs,
        callbacks: [new BackupAndRestore({ backupDir: d, saveFreq: 2 }), interruptAt(0, 3)],
      }),
    ).rejects.toThrow(Interrupt);
    const other = new Sequential({ seed: 9, layers: [new LSTM({ units: 3, inputShape: [5, 3] }), new Dense({ units: 2 })] });
    other.compile({ optimizer: 'adam', loss: 'mse' });
    await expect(other.fit(x, y, { ...fitArgs, callbacks: [new BackupAndRestore({ backupDir: d })] })).rejects.toThrow(
      /was made by another training run: its list of weight shapes is \[\[3,16\],\[4,16\],\[16\],\[4,2\],\[2\]\], this fit's is \[\[3,12\]/,
    );
    const m = make();
    const before = bits(flat(m));
    await expect(
      m.fit(x, y, { ...fitArgs, batchSize: 5, callbacks: [new BackupAndRestore({ backupDir: d })] }),
    ).rejects.toThrow(/its batch size is 6, this fit's is 5; delete it to start over/);
    await expect(
      m.fit(x, y, { ...fitArgs, validationSplit: 0.1, callbacks: [new BackupAndRestore({ backupDir: d })] }),
    ).rejects.toThrow(/its number of training samples is 37, this fit's is 34/);
    expect(bits(flat(m))).toEqual(before);
  });

  it('checks its options (Keras names and snake_case), and refuses a backupDir that is a file', async () => {
    expect(() => new BackupAndRestore({} as never)).toThrow(
      "BackupAndRestore: 'backupDir' must be a non-empty string naming a folder such as 'backup', got undefined",
    );
    expect(() => new BackupAndRestore({ backupDir: 'b', saveFreq: 0 })).toThrow(
      "BackupAndRestore: 'saveFreq' must be 'epoch' or a positive integer number of batches, got 0",
    );
    expect(() => new BackupAndRestore({ backupDir: 'b', deleteCheckpoint: 'yes' as never })).toThrow(
      "BackupAndRestore: 'deleteCheckpoint' must be true or false, got a string \"yes\"",
    );
    expect(() => new BackupAndRestore({ backupDir: 'b', saveFreqs: 2 } as never)).toThrow(/did you mean 'saveFreq'/);
    const k = new BackupAndRestore({ backup_dir: 'b', save_freq: 3, delete_checkpoint: false } as never);
    expect([k.backupDir, k.saveFreq, k.deleteCheckpoint]).toEqual(['b', 3, false]);
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    await expect(
      make().fit(x, y, { ...fitArgs, callbacks: [new BackupAndRestore({ backupDir: file })] }),
    ).rejects.toThrow(/BackupAndRestore: cannot make the folder 'backupDir' = '.*a-file'|is a file, not a folder/);
  });
});
