// The thread pool (src/runtime/pool.ts) and the layers' row shards (src/layers/shards.ts): results
// that depend on the thread count only, agreement with one thread, faults, concurrency, exit.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Bidirectional, Dense, GRU, LSTM, type Model, Sequential, SimpleRNN, init, runtimeInfo } from '../src/index.js';
import { Store } from '../src/engine/store.js';
import { currentPool } from '../src/runtime/pool.js';
import { rng } from './util/kernels.js';

const B = 13,
  T = 9,
  I = 5;

function data(seed: number, n = B) {
  const r = rng(seed);
  const x = Array.from({ length: n }, () => Array.from({ length: T }, () => Array.from({ length: I }, () => r() * 2 - 1)));
  const y = Array.from({ length: n }, () => [r() * 2 - 1, r() * 2 - 1]);
  return { x, y };
}

// Every recurrent cell, dropout on both paths (masks drawn for the whole batch), an odd batch.
function net(threads?: number): Model {
  const m = new Sequential({
    seed: 11,
    threads,
    layers: [
      new LSTM({ units: 40, inputShape: [T, I], returnSequences: true, dropout: 0.2, recurrentDropout: 0.1 }),
      new GRU({ units: 33, returnSequences: true }),
      new Bidirectional(new SimpleRNN({ units: 47, returnSequences: true })),
      new LSTM({ units: 31, peephole: true }),
      new Dense({ units: 2 }),
    ],
  });
  m.compile({ optimizer: 'adam', loss: 'mse' });
  return m;
}

const flat = (m: Model) => m.getWeights().flatMap((w) => Array.from(w.data));

function train(m: Model, steps: number, seed = 3): number[] {
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const { x, y } = data(seed + s);
    losses.push(m.trainOnBatch(x, y) as number);
  }
  return losses;
}

/** Until the pool's worker has started and attached every store (workers start asynchronously). */
async function poolStarted(): Promise<void> {
  for (let i = 0; i < 500 && !currentPool()?.started(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(currentPool()?.started()).toBe(true);
}

/**
 * The largest difference between two models' weights relative to each weight tensor's largest
 * entry. Relative to the entry itself would say little near 0: Adam turns a last-bit difference
 * of a gradient near zero into a step of about the learning rate.
 */
function relativeGap(a: Model, b: Model): number {
  let worst = 0;
  a.getWeights().forEach((w, t) => {
    const v = b.getWeights()[t].data;
    let scale = 0;
    for (const e of w.data) scale = Math.max(scale, Math.abs(e));
    for (let i = 0; i < w.data.length; i++) worst = Math.max(worst, Math.abs(w.data[i] - v[i]) / scale);
  });
  return worst;
}

const workerCalls = () => (currentPool()?.callsRun() ?? []).reduce((a, b) => a + b, 0);

beforeAll(async () => {
  await init({ threads: 2 });
});

describe('threads', () => {
  it('runtimeInfo says how many threads run and why', () => {
    const info = runtimeInfo()!;
    expect(info.threads).toBe(2);
    expect(info.threadsReason).toMatch(/^2: asked for/);
  });

  it('the same seed and thread count give bit-identical losses and weights, and the worker did part of the work', async () => {
    const a = net(),
      b = net();
    await poolStarted();
    const before = workerCalls();
    const la = train(a, 10),
      lb = train(b, 10);
    expect(la).toEqual(lb);
    expect(flat(a)).toEqual(flat(b));
    // Five recurrent runners, forward and backward, each with a shard for the worker (which the
    // calling thread takes back when the worker is slow to claim it: the results are the same).
    expect(workerCalls() - before).toBeGreaterThan(0);
    a.dispose();
    b.dispose();
  });

  it('one thread and two agree within 1e-5 relative after 10 training steps, and predict alike', () => {
    const one = net(1),
      two = net();
    const l1 = train(one, 10),
      l2 = train(two, 10);
    for (let i = 0; i < l1.length; i++) expect(Math.abs(l1[i] - l2[i])).toBeLessThanOrEqual(1e-5 * Math.abs(l1[i]));
    expect(relativeGap(one, two)).toBeLessThan(1e-5);
    const { x } = data(99, 21);
    const p1 = (one.predict(x) as { data: Float32Array }).data,
      p2 = (two.predict(x) as { data: Float32Array }).data;
    for (let i = 0; i < p1.length; i++) expect(Math.abs(p1[i] - p2[i])).toBeLessThan(1e-6);
    one.dispose();
    two.dispose();
  });

  it('Dense layers split their rows too (a loss fused with softmax, a sequence input), with one thread and two alike', async () => {
    const make = (threads?: number) => {
      const m = new Sequential({
        seed: 5,
        threads,
        layers: [
          new Dense({ units: 301, activation: 'relu', inputShape: [T, 67] }),
          new LSTM({ units: 29 }),
          new Dense({ units: 257, activation: 'tanh' }),
          new Dense({ units: 7, activation: 'softmax' }),
        ],
      });
      m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
      return m;
    };
    const r = rng(8);
    const x = Array.from({ length: 23 }, () => Array.from({ length: T }, () => Array.from({ length: 67 }, () => r() - 0.5)));
    const y = x.map((_, i) => Array.from({ length: 7 }, (_, j) => (j === i % 7 ? 1 : 0)));
    const [one, two, again] = [make(1), make(), make()];
    await poolStarted();
    const before = workerCalls();
    for (let s = 0; s < 10; s++) for (const m of [one, two, again]) m.trainOnBatch(x, y);
    expect(workerCalls() - before).toBeGreaterThan(0);
    expect(flat(two)).toEqual(flat(again));
    expect(relativeGap(one, two)).toBeLessThan(1e-5);
    for (const m of [one, two, again]) m.dispose();
  });

  it('a worker that dies mid-step makes that call throw, leaves the weights as they were, and the next call works on a fresh pool', async () => {
    const a = net(),
      b = net();
    train(a, 2);
    train(b, 2);
    await poolStarted();
    const weights = flat(a);
    // The worker must claim its call (on a loaded machine the caller would otherwise take it back).
    currentPool()!.claimGraceMs = 10_000;
    currentPool()!.exitWorkerInNextCall(0);
    const { x, y } = data(50);
    expect(() => a.trainOnBatch(x, y)).toThrow(/worker 1 of 1 stopped during \w+ .*terminated or ran out of memory.*fresh thread pool/);
    expect(flat(a)).toEqual(weights);
    expect(currentPool()).toBeNull();
    // The next call starts a fresh pool, and the step is the one an uninterrupted model takes.
    a.trainOnBatch(x, y);
    b.trainOnBatch(x, y);
    expect(flat(a)).toEqual(flat(b));
    expect(currentPool()).not.toBeNull();
    a.dispose();
    b.dispose();
  });

  it('a fit whose worker dies rejects with an error that says so, and the model trains afterwards', async () => {
    const m = net();
    const { x, y } = data(60, 40);
    await m.fit(x, y, { epochs: 1, batchSize: 20, verbose: 0 });
    await poolStarted();
    const weights = flat(m);
    currentPool()!.claimGraceMs = 10_000;
    currentPool()!.exitWorkerInNextCall(0);
    await expect(m.fit(x, y, { epochs: 1, batchSize: 40, verbose: 0, shuffle: false })).rejects.toThrow(/worker 1 of 1 stopped/);
    expect(flat(m)).toEqual(weights);
    const h = await m.fit(x, y, { epochs: 2, batchSize: 20, verbose: 0 });
    await poolStarted();
    await m.fit(x, y, { epochs: 1, batchSize: 20, verbose: 0 });
    expect(currentPool()!.callsRun()[0]).toBeGreaterThan(0);
    expect(h.history.loss.every(Number.isFinite)).toBe(true);
    m.dispose();
  });

  it('a kernel that traps on a worker fails the region with its message', async () => {
    const s = new Store(1);
    s.retain();
    // The calling thread's own call is long (64 MB to fill), so the worker claims its call first.
    const n = 1 << 24;
    const p = s.arena.alloc(n);
    s.parallel([{ fn: 'fill_f32', args: [16, p, 0] }, { fn: 'fill_f32', args: [16, p + 64, 0] }], 'warm-up');
    await poolStarted();
    currentPool()!.claimGraceMs = 10_000;
    expect(() =>
      s.parallel([{ fn: 'fill_f32', args: [n, p, 0] }, { fn: 'fill_f32', args: [1 << 20, 0xfffff000, 1] }], 'test region'),
    ).toThrow(/test region: worker 1 of 1 failed in fill_f32: RuntimeError/);
    s.release('test');
  });

  it('two models training at once share the cores without deadlock, each as if alone', async () => {
    const alone = [net(), net()];
    const d1 = data(70, 60),
      d2 = data(80, 60);
    await alone[0].fit(d1.x, d1.y, { epochs: 2, batchSize: 16, verbose: 0, seed: 1 });
    await alone[1].fit(d2.x, d2.y, { epochs: 2, batchSize: 16, verbose: 0, seed: 2 });
    const both = [net(), net()];
    await Promise.all([
      both[0].fit(d1.x, d1.y, { epochs: 2, batchSize: 16, verbose: 0, seed: 1, yieldEvery: 0 }),
      both[1].fit(d2.x, d2.y, { epochs: 2, batchSize: 16, verbose: 0, seed: 2, yieldEvery: 0 }),
    ]);
    expect(flat(both[0])).toEqual(flat(alone[0]));
    expect(flat(both[1])).toEqual(flat(alone[1]));
    for (const m of [...alone, ...both]) m.dispose();
  });

  it('a model may say threads: 1 for itself, and bad thread counts are refused', async () => {
    const before = workerCalls();
    const m = net(1);
    train(m, 2);
    expect(workerCalls()).toBe(before);
    m.dispose();
    expect(() => new Sequential({ threads: 0 })).toThrow(/Sequential: option 'threads' must be an integer from 1 to 256, got 0/);
    await expect(init({ threads: -2 })).rejects.toThrow(/init: option 'threads' must be 'auto' or an integer from 1 to 256, got -2/);
  });

  it('a script that trains on threads and ends, exits (the pool keeps no process alive)', () => {
    const lib = join(__dirname, '..', 'dist', 'index.js');
    const script = `
      const L = await import(${JSON.stringify(lib)});
      const info = await L.init({ threads: 2 });
      const m = new L.Sequential({ layers: [new L.LSTM({ units: 64, inputShape: [20, 8] }), new L.Dense({ units: 1 })] });
      m.compile({ optimizer: 'adam', loss: 'mse' });
      const x = Array.from({ length: 32 }, (_, i) => Array.from({ length: 20 }, (_, t) => Array.from({ length: 8 }, (_, f) => Math.sin(i + t + f))));
      await m.fit(x, x.map((r) => [r[0][0]]), { epochs: 2, verbose: 0 });
      console.log('threads', info.threads);`;
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('threads 2');
    expect(r.status).toBe(0);
    expect(Date.now() - t0).toBeLessThan(30_000);
  });

  it('models made and disposed one after another reuse one shared memory (no memory per model left behind)', () => {
    const seen = new Set<unknown>();
    for (let i = 0; i < 6; i++) {
      const m = net();
      train(m, 1);
      seen.add((m as unknown as { store: { k: { memory: unknown } } }).store.k.memory);
      m.dispose();
    }
    expect(seen.size).toBe(1);
    // A reused memory starts zeroed, so a model on it trains as on a fresh one.
    const a = net();
    const la = train(a, 3);
    a.dispose();
    const b = net();
    expect(train(b, 3)).toEqual(la);
    b.dispose();
  });

  // Last: it changes the process-wide init.
  it("init({ threads: 1 }) compiles the unshared form of the module: no workers, and the same bits as a threads: 1 model on shared memory", async () => {
    const shared = net(1);
    const l1 = train(shared, 4);
    const w1 = flat(shared);
    shared.dispose();
    const info = await init({ threads: 1 });
    expect(info.threads).toBe(1);
    expect(info.threadsReason).toBe('1: asked for (threads: 1)');
    const s = new Store(3);
    expect(s.memory).toBeNull();
    expect(s.k.memory.buffer instanceof SharedArrayBuffer).toBe(false);
    const plain = net();
    expect(train(plain, 4)).toEqual(l1);
    expect(flat(plain)).toEqual(w1);
    plain.dispose();
  });
});
