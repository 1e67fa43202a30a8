// Pruning: the mask kernel against a sort (both builds, odd sizes), TF-MOT's PolynomialDecay against
// hand-computed values, masks that survive later Adam updates (and come back once stripped, so the
// test can fail), the smallest magnitudes pruned, sparse storage read back bit for bit, damaged
// sparse files refused, a pruned model quantized, and the option errors.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Dense, Embedding, LSTM, LstmWasmError, Sequential, loadModelSync, pruneLowMagnitude, quantize, stripPruning, isPruning,
  type Model,
} from '../src/index.js';
import { crc32 } from '../src/io/crc32.js';
import { initForTests, randTensor } from './util/tfjs.js';
import { BUILDS, loadKernels, rng } from './util/kernels.js';

beforeAll(async () => { await initForTests(); });

function headerOf(bytes: Uint8Array): Record<string, unknown> & { weightSpecs: Record<string, unknown>[] } {
  const n = new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true);
  return JSON.parse(new TextDecoder().decode(bytes.subarray(20, 20 + n)));
}

/** The file with its header and/or weight bytes changed, checksums fixed up (as a foreign writer would). */
function rewrite(bytes: Uint8Array, edit: (h: ReturnType<typeof headerOf>) => void, editData?: (d: Uint8Array) => Uint8Array): Uint8Array {
  const n = new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true);
  const header = headerOf(bytes);
  edit(header);
  let data: Uint8Array = bytes.slice(20 + n);
  if (editData) data = editData(data);
  header.weightBytes = data.length;
  header.crc32 = crc32(data);
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(20 + json.length + data.length);
  out.set(bytes.subarray(0, 20));
  out.set(json, 20);
  out.set(data, 20 + json.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(12, json.length, true);
  dv.setUint32(16, crc32(json), true);
  return out;
}

const zeros = (a: Float32Array) => a.reduce((s, v) => s + (v === 0 ? 1 : 0), 0);

function smallModel(seed = 3): Sequential {
  return new Sequential({ seed, layers: [new LSTM({ units: 13, inputShape: [7, 3] }), new Dense({ units: 5, activation: 'relu' }), new Dense({ units: 1 })] });
}

function data(n: number, seed: number) {
  const x = randTensor([n, 7, 3], seed);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) y[i] = x.data[i * 21] * 0.5 - x.data[i * 21 + 5] * 0.3;
  return { x, y: { data: y, shape: [n, 1] } };
}

describe('prune_mask and prune_apply kernels', () => {
  for (const build of BUILDS)
    it(`keeps the largest magnitudes, ties kept, odd sizes (${build})`, () => {
      const { k, arena } = loadKernels(build);
      const r = rng(11);
      for (const n of [1, 2, 3, 5, 17, 64, 101, 1000]) {
        for (const keep of [0, 1, Math.floor(n / 3), n - 1, n, n + 4]) {
          const w = Float32Array.from({ length: n }, () => Math.fround((r() * 2 - 1) * 3));
          if (n > 10) for (let i = 0; i < n; i += 7) w[i] = w[3]; // ties
          if (n > 10) for (let i = 1; i < n; i += 9) w[i] = 0; // many zeros
          const pw = arena.put(w), pm = arena.alloc(n), ps = arena.alloc(k.prune_mask_scratch_size(n));
          const kept = k.prune_mask(n, pw, keep, pm, ps);
          // reference: threshold = the keep-th largest |w| by a sort
          const mags = Array.from(w, Math.abs).sort((a, b) => b - a);
          const kk = Math.min(n, Math.max(1, keep));
          const thr = mags[kk - 1];
          const want: number[] = Array.from(w, (v) => (kk >= n || Math.abs(v) >= thr ? 1 : 0));
          expect(Array.from(arena.read(pm, n)), `n ${n} keep ${keep}`).toEqual(want);
          expect(kept).toBe(want.reduce((a, b) => a + b, 0));
          expect(kept).toBeGreaterThanOrEqual(kk);
          // apply: masked values become +0 (not -0), kept ones are unchanged
          k.prune_apply(n, pw, pm);
          const after = arena.read(pw, n);
          for (let i = 0; i < n; i++) {
            if (want[i]) expect(after[i]).toBe(w[i]);
            else expect(Object.is(after[i], 0)).toBe(true);
          }
          arena.release(pw);
        }
      }
    });
});

describe('pruneLowMagnitude: schedule', () => {
  it("TF-MOT's PolynomialDecay: sparsity and steps", () => {
    const cb = pruneLowMagnitude({ targetSparsity: 0.8, initialSparsity: 0.2, beginStep: 10, endStep: 50, frequency: 10, power: 3 });
    // p = (step - 10)/40; s = 0.8 + (0.2 - 0.8)(1 - p)^3
    expect(cb.schedule(10).prune).toBe(true);
    expect(cb.schedule(10).sparsity).toBeCloseTo(0.2, 12);
    expect(cb.schedule(30).sparsity).toBeCloseTo(0.8 - 0.6 * 0.125, 12);
    expect(cb.schedule(30).prune).toBe(true);
    expect(cb.schedule(35).prune).toBe(false);
    expect(cb.schedule(50)).toEqual({ prune: true, sparsity: 0.8 });
    expect(cb.schedule(60).prune).toBe(false);
    expect(cb.schedule(5).prune).toBe(false);
    expect(cb.schedule(5).sparsity).toBeCloseTo(0.2, 12);
    // Keras spellings and defaults
    const k = pruneLowMagnitude({ target_sparsity: 0.5, end_step: 200 } as never);
    expect([k.initialSparsity, k.beginStep, k.frequency, k.power, k.targetSparsity, k.endStep]).toEqual([0, 0, 100, 3, 0.5, 200]);
  });

  it('errors name the option, what was expected and what came', () => {
    const e = (a: unknown) => () => pruneLowMagnitude(a as never);
    expect(e({ targetSparsity: 1, endStep: 10 })).toThrow(/'targetSparsity' must be a number in \[0, 1\), got 1/);
    expect(e({ targetSparsity: -0.1, endStep: 10 })).toThrow(/'targetSparsity' must be a number in \[0, 1\)/);
    expect(e({ targetSparsity: NaN, endStep: 10 })).toThrow(/'targetSparsity'/);
    expect(e({ targetSparsity: 0.5, initialSparsity: 1.5, endStep: 10 })).toThrow(/'initialSparsity' must be a number in \[0, 1\)/);
    expect(e({ targetSparsity: 0.5, beginStep: 20, endStep: 10 })).toThrow(/endStep \(10\) must come after beginStep \(20\)/);
    expect(e({ targetSparsity: 0.5, beginStep: 10, endStep: 10 })).toThrow(/endStep \(10\) must come after beginStep \(10\)/);
    expect(e({ targetSparsity: 0.5, endStep: 10, frequency: 0 })).toThrow(/'frequency' must be an integer ≥ 1, got 0/);
    expect(e({ targetSparsity: 0.5, endStep: 10, power: 0 })).toThrow(/'power' must be a finite number > 0/);
    expect(e({ targetSparsity: 0.5 })).toThrow(/'endStep' is required/);
    expect(e({ endStep: 5 })).toThrow(/'targetSparsity' is required/);
    expect(e({ targetSparsity: 0.5, endStep: 10, sparsity: 3 })).toThrow(LstmWasmError);
    expect(e(null)).toThrow(/expected options/);
    expect(() => stripPruning({} as never)).toThrow(/stripPruning: expected a Model/);
  });
});

describe('pruneLowMagnitude in fit', () => {
  it('reaches the target on every kernel, not on biases; masks hold through later Adam updates until stripPruning', async () => {
    const m = smallModel();
    m.compile({ optimizer: { name: 'adam', learningRate: 0.01 }, loss: 'mse' });
    const { x, y } = data(64, 5);
    const cb = pruneLowMagnitude({ targetSparsity: 0.8, beginStep: 0, endStep: 20, frequency: 5 });
    await m.fit(x, y, { epochs: 4, batchSize: 8, callbacks: [cb], shuffle: false }); // 32 steps
    expect(cb.step).toBe(32);
    expect(cb.sparsity).toBe(0.8);
    expect(isPruning(m)).toBe(true);
    const named = () => m.layers.flatMap((l) => l.getWeights().map((w, i) => ({ name: l.slots[i].spec.name, w: w.data })));
    const maskOf = new Map<string, boolean[]>();
    named().forEach(({ name, w }, i) => {
      if (name.endsWith('kernel')) {
        expect(zeros(w), name).toBe(w.length - Math.max(1, Math.round(w.length * (1 - 0.8))));
        maskOf.set(String(i), Array.from(w, (v) => v === 0));
      } else expect(zeros(w), name).toBeLessThan(w.length * 0.2);
    });
    // Adam's moments at pruned places are zero too
    for (const l of m.layers)
      for (const s of l.slots) {
        if (!s.spec.name.endsWith('kernel')) continue;
        const slots = m.optimizerSlots(s)!;
        const w = (l.store as unknown as { arena: { read(p: number, n: number): Float32Array } }).arena;
        const wv = w.read(s.ptr, s.size);
        for (const p of slots) {
          const mv = w.read(p, s.size);
          for (let i = 0; i < s.size; i++) if (wv[i] === 0) expect(mv[i]).toBe(0);
        }
      }
    // later training without the callback, and trainOnBatch: the pruned weights stay zero
    await m.fit(x, y, { epochs: 2, batchSize: 8 });
    m.trainOnBatch(x, y);
    named().forEach(({ w }, i) => {
      const mask = maskOf.get(String(i));
      if (mask) mask.forEach((z, j) => { if (z) expect(w[j]).toBe(0); });
    });
    // stripped: the weights stay as they are, and the next updates move them (Adam), so the check above could fail
    const before = named();
    stripPruning(m);
    expect(isPruning(m)).toBe(false);
    named().forEach(({ w }, i) => expect(Array.from(w)).toEqual(Array.from(before[i].w)));
    m.trainOnBatch(x, y);
    let revived = 0;
    named().forEach(({ w }, i) => {
      const mask = maskOf.get(String(i));
      if (mask) mask.forEach((z, j) => { if (z && w[j] !== 0) revived++; });
    });
    expect(revived).toBeGreaterThan(0);
  });

  it('prunes the smallest magnitudes of the weights at the pruning step', async () => {
    const m = smallModel(9);
    m.compile({ optimizer: { name: 'sgd', learningRate: 1e-30 }, loss: 'mse' }); // the weights do not move (w + 1e-30·g rounds to w)
    const { x, y } = data(8, 2);
    const w0 = m.layers.flatMap((l) => l.getWeights().map((w) => Float32Array.from(w.data)));
    await m.fit(x, y, { epochs: 1, batchSize: 8, callbacks: [pruneLowMagnitude({ targetSparsity: 0.6, initialSparsity: 0.6, endStep: 1 })] });
    const w1 = m.layers.flatMap((l) => l.getWeights().map((w) => w.data));
    const names = m.layers.flatMap((l) => l.slots.map((s) => s.spec.name));
    names.forEach((name, i) => {
      if (!name.endsWith('kernel')) return w1[i].forEach((v, j) => expect(Math.abs(v - w0[i][j])).toBeLessThan(1e-20));
      const n = w0[i].length, keep = Math.round(n * 0.4);
      const thr = Array.from(w0[i], Math.abs).sort((a, b) => b - a)[keep - 1];
      for (let j = 0; j < n; j++) expect(w1[i][j]).toBe(Math.abs(w0[i][j]) >= thr ? w0[i][j] : 0);
    });
  });

  it('minSize leaves smaller kernels dense', async () => {
    const m = smallModel(6);
    m.compile({ optimizer: 'adam', loss: 'mse' });
    const { x, y } = data(16, 2);
    await m.fit(x, y, { epochs: 1, batchSize: 8, callbacks: [pruneLowMagnitude({ targetSparsity: 0.5, initialSparsity: 0.5, endStep: 2, min_size: 100 } as never)] });
    // LSTM kernel 156 and recurrent kernel 676 values: pruned; the Dense kernels (65, 5): not
    const z = m.layers.flatMap((l) => l.getWeights().map((w, i) => [l.slots[i].spec.name, zeros(w.data) / w.data.length] as const));
    expect(z.filter(([n]) => n.endsWith('kernel')).map(([, f]) => f >= 0.49)).toEqual([true, true, false, false]);
    expect(() => pruneLowMagnitude({ targetSparsity: 0.5, endStep: 2, minSize: -1 })).toThrow(/'minSize' must be an integer ≥ 0, got -1/);
    const big = smallModel(6);
    big.compile({ optimizer: 'adam', loss: 'mse' });
    await expect(big.fit(x, y, { epochs: 1, batchSize: 8, callbacks: [pruneLowMagnitude({ targetSparsity: 0.5, endStep: 2, minSize: 10000 })] })).rejects.toThrow(/no trainable kernels to prune of at least minSize \(10000\) values/);
  });

  it('a model with nothing to prune, and a callback reused on another model, are errors', async () => {
    const { x, y } = data(8, 2);
    const cb = pruneLowMagnitude({ targetSparsity: 0.5, endStep: 4 });
    const a = smallModel(1), b = smallModel(2);
    for (const m of [a, b]) m.compile({ optimizer: 'adam', loss: 'mse' });
    await a.fit(x, y, { epochs: 1, batchSize: 8, callbacks: [cb] });
    await expect(b.fit(x, y, { epochs: 1, batchSize: 8, callbacks: [cb] })).rejects.toThrow(/this callback prunes Sequential '.*'; make another one/);
    const frozen = smallModel(4);
    frozen.layers.forEach((l) => (l.trainable = false));
    frozen.compile({ optimizer: 'adam', loss: 'mse' });
    await expect(frozen.fit(x, y, { epochs: 1, batchSize: 8, callbacks: [pruneLowMagnitude({ targetSparsity: 0.5, endStep: 4 })] })).rejects.toThrow(/no trainable kernels to prune/);
  });
});

async function pruned(target = 0.8, seed = 3): Promise<Model> {
  const m = smallModel(seed);
  m.compile({ optimizer: 'adam', loss: 'mse' });
  const { x, y } = data(32, 5);
  await m.fit(x, y, { epochs: 3, batchSize: 8, callbacks: [pruneLowMagnitude({ targetSparsity: target, endStep: 8, frequency: 4 })] });
  return stripPruning(m);
}

describe('sparse storage', () => {
  it('a pruned model saves its kernels as mask + values and loads back bit for bit (float32, float16, int8)', async () => {
    const m = await pruned();
    const dense = headerOf(smallModel().save());
    const bytes = m.save();
    const h = headerOf(bytes);
    // kernels 80% zeros: 1/8 byte of mask + 20% of 4 bytes ≈ 0.23 of their dense bytes; biases stay dense
    expect(h.weightBytes as number).toBeLessThan((dense.weightBytes as number) * 0.35);
    const sparse = h.weightSpecs.filter((s) => s.encoding === 'sparse').map((s) => s.name);
    expect(sparse).toEqual(['kernel', 'recurrent_kernel', 'kernel', 'kernel']);
    const back = loadModelSync(bytes);
    const a = m.getWeights(), b = back.getWeights();
    a.forEach((w, i) => {
      expect(b[i].shape).toEqual(w.shape);
      expect(new Uint32Array(b[i].data.slice().buffer)).toEqual(new Uint32Array(w.data.slice().buffer));
    });
    const x = randTensor([4, 7, 3], 1);
    expect(Array.from((back.predict(x) as { data: Float32Array }).data)).toEqual(Array.from((m.predict(x) as { data: Float32Array }).data));
    // float16: the sparse values in half floats
    const half = loadModelSync(m.save({ weights: 'float16' }));
    half.getWeights().forEach((w, i) => expect(zeros(w.data)).toBe(zeros(a[i].data)));
    // pruned, then quantized: the int8 kernels keep the zeros, are stored sparse, and load back exactly
    const q = quantize(m);
    const qk = q.layers.find((l) => l.className === 'QuantizedLSTM')!.getWeights()[0].data;
    expect(zeros(qk)).toBeGreaterThanOrEqual(zeros(a[0].data));
    const qb = q.save();
    expect(headerOf(qb).weightBytes as number).toBeLessThan((headerOf(quantize(smallModel()).save()).weightBytes as number) * 0.7); // the f32 scales and biases stay
    expect(headerOf(qb).weightSpecs.filter((s) => s.encoding === 'sparse' && s.dtype === 'int8').length).toBe(4);
    const qback = loadModelSync(qb);
    expect(Array.from((qback.predict(x) as { data: Float32Array }).data)).toEqual(Array.from((q.predict(x) as { data: Float32Array }).data));
  });

  it('dense tensors stay dense (a trained kernel, biases, an Embedding without zeros)', () => {
    const m = new Sequential({ seed: 1, layers: [new Embedding({ inputDim: 9, outputDim: 4, inputShape: [3] }), new Dense({ units: 2 })] });
    const h = headerOf(m.save());
    expect(h.weightSpecs.every((s) => s.encoding === undefined)).toBe(true);
  });

  it('damaged sparse files are refused with a clear error, before allocating', async () => {
    const bytes = (await pruned()).save();
    const first = (h: ReturnType<typeof headerOf>) => h.weightSpecs.find((s) => s.encoding === 'sparse')!;
    const load = (b: Uint8Array) => () => loadModelSync(b);
    expect(load(rewrite(bytes, (h) => { first(h).nonzero = (first(h).nonzero as number) - 1; })))
      .toThrow(/needs \d+ bytes, the file has \d+: the data is damaged/);
    expect(load(rewrite(bytes, (h) => { first(h).nonzero = 1e9; }))).toThrow(/'nonzero' must be an integer in \[0, 156\], got 1000000000/);
    expect(load(rewrite(bytes, (h) => { first(h).nonzero = 2.5; }))).toThrow(/'nonzero' must be an integer/);
    expect(load(rewrite(bytes, (h) => { first(h).encoding = 'rle'; }))).toThrow(/'encoding' must be 'sparse'/);
    expect(load(rewrite(bytes, (h) => { h.weightSpecs.find((s) => s.name === 'bias')!.nonzero = 3; }))).toThrow(/has 'nonzero' but is not stored sparse/);
    // a mask whose bits do not match the count (one stored value moved into a padding bit…)
    expect(load(rewrite(bytes, () => {}, (d) => { const c = d.slice(); c[0] ^= 1; c[1] ^= 0; return c; }))).toThrow(/mask marks \d+: the data is damaged/);
    // kernel [3, 52] = 156 values: 19.5 mask bytes, so the last byte has 4 padding bits
    expect(load(rewrite(bytes, () => {}, (d) => {
      const c = d.slice();
      let unset = -1;
      for (let i = 0; i < 156; i++) if (!(c[i >> 3] & (1 << (i & 7)))) { unset = i; break; }
      c[unset >> 3] |= 1 << (unset & 7); // one more bit…
      c[19] &= 0x0f; // (padding stays clear)
      return c;
    }))).toThrow(/mask marks \d+/);
    expect(load(rewrite(bytes, () => {}, (d) => { const c = d.slice(); c[19] |= 0x80; let i = 0; while (!(c[i >> 3] & (1 << (i & 7)))) i++; c[i >> 3] &= ~(1 << (i & 7)); return c; })))
      .toThrow(/bits set past its 156 values/);
    // a huge shape: refused by its size, never allocated
    expect(load(rewrite(bytes, (h) => { first(h).shape = [100000, 100000, 52]; first(h).nonzero = 0; }))).toThrow(/needs \d+ bytes|must have shape/);
    expect(load(bytes.subarray(0, bytes.length - 3))).toThrow(/cut short/);
  });
});

describe('the bench models (bench/cases.js): int8 and pruned + int8 within 1e-2', () => {
  // S-infer, M-infer, L-infer and the streaming step's shapes, seeded weights as the bench builds them
  const shapes = [
    { id: 'S', B: 32, T: 50, I: 1, H: 32 },
    { id: 'M', B: 32, T: 100, I: 64, H: 128 },
    { id: 'L', B: 16, T: 25, I: 256, H: 512 },
  ];
  for (const c of shapes)
    it(`${c.id} (B ${c.B}, T ${c.T}, I ${c.I}, H ${c.H})`, async () => {
      const m = new Sequential({ seed: 1, layers: [new LSTM({ units: c.H, inputShape: [c.T, c.I] }), new Dense({ units: 1 })] });
      const x = randTensor([c.B, c.T, c.I], 3);
      const yf = (m.predict(x) as { data: Float32Array }).data;
      const q = quantize(m);
      expect(maxAbs(yf, (q.predict(x) as { data: Float32Array }).data)).toBeLessThan(1e-2);
      // pruned (80%, one mask computation, weights otherwise unchanged) then int8, against the pruned f32 model
      m.compile({ optimizer: { name: 'sgd', learningRate: 1e-30 }, loss: 'mse' });
      await m.fit(randTensor([1, c.T, c.I], 4), { data: new Float32Array(1), shape: [1, 1] }, { epochs: 1, batchSize: 1, callbacks: [pruneLowMagnitude({ targetSparsity: 0.8, initialSparsity: 0.8, endStep: 1 })] });
      stripPruning(m);
      const yp = (m.predict(x) as { data: Float32Array }).data;
      expect(maxAbs(yp, (quantize(m).predict(x) as { data: Float32Array }).data)).toBeLessThan(1e-2);
    });

  it('the streaming step (B 1, I 64, H 128, stateful): 16 steps, int8 within 1e-2', () => {
    const m = new Sequential({ seed: 1, layers: [new LSTM({ units: 128, stateful: true, batchInputShape: [1, null, 64] }), new Dense({ units: 1 })] });
    const q = quantize(m);
    for (let s = 0; s < 16; s++) {
      const x = randTensor([1, 64], 10 + s);
      const a = (m.step(x) as { data: Float32Array }).data, b = (q.step(x) as { data: Float32Array }).data;
      expect(maxAbs(a, b)).toBeLessThan(1e-2);
    }
  });
});

function maxAbs(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
