// int8 inference beside our f32 build, in one process, in alternating rounds (as bench/ab.js): the
// S, M and L inference cases and the streaming step of bench/cases.js, each as its f32 model and as
// quantize() of it. Per case: the median ms per call of each, the median of the per-round ratios
// (speedup > 1: int8 is faster), the largest output difference, and the saved file sizes of the f32,
// float16, int8 and pruned (80% of each kernel by magnitude, no fine-tuning: sizes only) + int8 model.
//
//   node bench/int8.js [--quick] [--build=simd|relaxed] [--lib=dist/index.js]
// (Node 20 runs the relaxed build with --experimental-wasm-relaxed-simd.)
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CASES, makeData } from './cases.js';

const now = () => performance.now();
const median = (a) => { const s = [...a].sort((p, q) => p - q); return s[Math.floor(s.length / 2)]; };
export const INT8_CASES = ['S-infer', 'M-infer', 'L-infer', 'stream'];
const SPARSITY = 0.8;

function floatModel(lib, c) {
  const Cell = c.cell === 'gru' ? lib.GRU : lib.LSTM;
  const first = c.mode === 'step'
    ? new Cell({ units: c.H, stateful: true, batchInputShape: [c.B, null, c.I] })
    : new Cell({ units: c.H, inputShape: [c.T, c.I] });
  return new lib.Sequential({ layers: [first, new lib.Dense({ units: 1 })], seed: 1 });
}

/** A call of the case on a model: predict of the batch, or one step of the stateful model. */
function caller(model, c, data) {
  if (c.mode === 'step') {
    let i = 0;
    return () => model.step(data.steps[i++ & (data.steps.length - 1)]);
  }
  const x = { data: data.x, shape: [c.B, c.T, c.I] };
  return () => model.predict(x, { batchSize: c.B });
}

/** The f32 model with 80% of each kernel pruned by magnitude (one mask computation, weights otherwise unchanged). */
async function prunedCopy(lib, model, c) {
  const copy = await lib.loadModel(model.save());
  copy.compile({ optimizer: { name: 'sgd', learningRate: 1e-30 }, loss: 'meanSquaredError' });
  const B = c.mode === 'step' ? c.B : 1, T = c.mode === 'step' ? 1 : c.T;
  const x = { data: new Float32Array(B * T * c.I), shape: [B, T, c.I] };
  const y = { data: new Float32Array(B), shape: [B, 1] };
  const prune = lib.pruneLowMagnitude({ targetSparsity: SPARSITY, initialSparsity: SPARSITY, endStep: 1 });
  await copy.fit(x, y, { epochs: 1, batchSize: B, callbacks: [prune], verbose: 0, shuffle: false });
  return lib.stripPruning(copy);
}

/** Rows per case: f32 and int8 ms per call, the speedup (median of per-round ratios), the largest output difference, file bytes. */
export async function runInt8Bench({ libPath, build = 'simd', quick = false }) {
  const lib = await import(pathToFileURL(libPath).href);
  const info = await lib.init({ relaxedSimd: build === 'relaxed' });
  if (info.build.startsWith('relaxed') !== (build === 'relaxed')) throw new Error(`int8: asked for the ${build} build, got ${info.build}`);
  const rows = [];
  for (const id of INT8_CASES) {
    const c = CASES.find((k) => k.id === id);
    const data = makeData(c);
    const f32 = floatModel(lib, c);
    const q = lib.quantize(f32, { weights: 'int8', activations: 'dynamic' });
    // outputs: the same calls on both (a stateful pair advances alike)
    const a = caller(f32, c, data), b = caller(q, c, data);
    let maxDiff = 0;
    for (let r = 0; r < (c.mode === 'step' ? 16 : 1); r++) {
      const ya = a().data, yb = b().data;
      for (let i = 0; i < ya.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ya[i] - yb[i]));
    }
    const pruned = await prunedCopy(lib, f32, c);
    const pq = lib.quantize(pruned);
    const bytes = {
      float32: f32.save().length,
      float16: f32.save({ weights: 'float16' }).length,
      int8: q.save().length,
      prunedInt8: pq.save().length,
    };
    pruned.dispose();
    pq.dispose();
    const runs = { f32: a, int8: b };
    const names = Object.keys(runs);
    for (const n of names) { const t0 = now(); while (now() - t0 < (quick ? 30 : 400)) runs[n](); }
    const t0 = now(); a(); const per = Math.max(now() - t0, 1e-3);
    const k = Math.max(1, Math.round(40 / per));
    const rounds = quick ? 3 : Math.max(9, Math.min(41, Math.round(6000 / (2 * k * per))));
    const times = { f32: [], int8: [] };
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 ? [...names].reverse() : names; // alternate, so drift falls on both alike
      for (const n of order) {
        const s = now();
        for (let i = 0; i < k; i++) runs[n]();
        times[n].push((now() - s) / k);
      }
    }
    f32.dispose();
    q.dispose();
    rows.push({
      case: id, build: info.build, rounds, callsPerRound: k,
      f32Ms: median(times.f32), int8Ms: median(times.int8),
      speedup: median(times.f32.map((t, i) => t / times.int8[i])),
      maxDiff, bytes,
    });
  }
  return rows;
}

const fmt = (v, d = 3) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(d));
const kb = (b) => `${(b / 1024).toFixed(b < 10240 ? 1 : 0)} kB`;
const pct = (b, of) => `${((100 * b) / of).toFixed(0)}%`;

/** The rows as two markdown tables: speed (f32 ms, int8 ms, speedup, largest output difference) and sizes. */
export function markdown(rows) {
  const out = [];
  out.push('| case | build | f32 ms | int8 ms | int8 speedup | max abs output diff |');
  out.push('| --- | --- | ---: | ---: | ---: | ---: |');
  for (const r of rows) out.push(`| ${r.case} | ${r.build} | ${fmt(r.f32Ms)} | ${fmt(r.int8Ms)} | ${r.speedup.toFixed(2)}× | ${r.maxDiff.toExponential(1)} |`);
  out.push('');
  out.push('| case | float32 file | float16 | int8 | pruned 80% + int8 |');
  out.push('| --- | ---: | ---: | ---: | ---: |');
  const seen = new Set();
  for (const r of rows) {
    if (seen.has(r.case)) continue;
    seen.add(r.case);
    const b = r.bytes;
    out.push(`| ${r.case} | ${kb(b.float32)} | ${kb(b.float16)} (${pct(b.float16, b.float32)}) | ${kb(b.int8)} (${pct(b.int8, b.float32)}) | ${kb(b.prunedInt8)} (${pct(b.prunedInt8, b.float32)}) |`);
  }
  return out.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const rows = await runInt8Bench({
    libPath: resolve(arg('lib') ?? new URL('../dist/index.js', import.meta.url).pathname),
    build: arg('build') ?? 'simd',
    quick: process.argv.includes('--quick'),
  });
  console.log(markdown(rows));
}
