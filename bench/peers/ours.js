// lstm-wasm itself, in the build the job asks for: init({ relaxedSimd: false }) is the plain
// SIMD build, init({ relaxedSimd: true }) the relaxed-SIMD one (fused multiply-add). init is
// process-wide; models made after it use that build. Always on one thread (init({ threads: 1 })):
// this is what the single-threaded peers are set beside; bench/threads.js sets 1 beside 2 threads.
// (The code before the graph engine, which peers/ours-previous.js loads through this, has no
// threads and refuses the option: initOneThread asks for it only where init() reports threads.)
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LEARNING_RATE, flopsOf, gemmsOf, isSeq2seq } from '../cases.js';

let lib = null;
let loaded = null; // { build, root, quick }

/** Our output is a Tensor { data, shape }: every value must be finite. */
function checkFinite(t, what) {
  const d = t && t.data;
  if (!d || d.length === 0) throw new Error(`${what}: expected a tensor with data, got ${typeof t}`);
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) throw new Error(`${what}: output value ${i} is ${d[i]}`);
}

export default {
  id: 'ours',
  label: 'lstm-wasm',

  async load({ build, libPath, root, quick }) {
    lib = await import(pathToFileURL(libPath).href);
    const info = await initOneThread(lib, build === 'relaxed');
    if (info.threads !== undefined && info.threads !== 1) throw new Error(`init({ threads: 1 }) gave ${info.threads} threads: ${info.threadsReason}`);
    loaded = { build, root, quick: !!quick };
    let version = '?';
    try { version = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')).version; } catch { /* not needed */ }
    return { version, build: info.build, threads: info.threads ?? 1, ...(info.threadsReason ? { threadsReason: info.threadsReason } : {}), module: libPath };
  },

  supports() {
    return true;
  },

  prepare(c, data) {
    if (isSeq2seq(c)) return prepareSeq2seq(c, data);
    if (c.arch === 'conv-lstm') return prepareConvLstm(c, data);
    if (c.arch === 'mha') return prepareMha(c, data);
    const { B, T, I, H } = c;
    const Cell = c.cell === 'gru' ? lib.GRU : lib.LSTM;
    if (c.mode === 'step') {
      const model = new lib.Sequential({
        layers: [new Cell({ units: H, stateful: true, batchInputShape: [B, null, I] }), new lib.Dense({ units: 1 })],
        seed: 1,
      });
      const steps = data.steps;
      checkFinite(model.step(steps[0]), 'step');
      let i = 0;
      return {
        call: () => model.step(steps[i++ & (steps.length - 1)]),
        dispose: () => model.dispose(),
      };
    }
    const model = new lib.Sequential({
      layers: [new Cell({ units: H, inputShape: [T, I] }), new lib.Dense({ units: 1 })],
      seed: 1,
    });
    return recurrentCase(model, c, data);
  },
};

/**
 * init() of the build on one thread: `threads: 1` where the library has threads (its init() reports
 * `threads`), plain init() where it has none (the code before the graph engine refuses the option).
 */
export async function initOneThread(lib, relaxedSimd) {
  const info = await lib.init({ relaxedSimd });
  return 'threads' in info ? lib.init({ relaxedSimd, threads: 1 }) : info;
}

/** The call an 'infer' or 'train' case times on a model of recurrent layer + Dense(1) (any way built). */
export function recurrentCase(model, c, data) {
  const { B, T, I } = c;
  const x = { data: data.x, shape: [B, T, I] };
  if (c.mode === 'infer') {
    checkFinite(model.predict(x, { batchSize: B }), 'predict');
    return { call: () => model.predict(x, { batchSize: B }), dispose: () => model.dispose() };
  }
  const y = { data: data.y, shape: [B, 1] };
  model.compile({ optimizer: { name: 'adam', learningRate: LEARNING_RATE }, loss: 'meanSquaredError' });
  const loss = model.trainOnBatch(x, y);
  if (!Number.isFinite(loss)) throw new Error(`trainOnBatch: loss is ${loss}`);
  return { call: () => model.trainOnBatch(x, y), dispose: () => model.dispose() };
}

/**
 * The encoder-decoder of bench/cases.js as a functional model: two token inputs, the encoder's
 * final [h, c] as the decoder's initial state, Dense(VD, softmax) on every decoder step.
 */
function prepareSeq2seq(c, data) {
  const { B, TE, TD, VE, VD, E, H } = c;
  if (typeof lib.model !== 'function' || typeof lib.input !== 'function') {
    throw new Error('this build of lstm-wasm has no functional API (input(), model())');
  }
  const encIn = lib.input({ shape: [TE], name: 'enc_tokens' });
  const decIn = lib.input({ shape: [TD], name: 'dec_tokens' });
  const encEmb = new lib.Embedding({ inputDim: VE, outputDim: E, name: 'enc_emb' }).apply(encIn);
  const [, h, cState] = new lib.LSTM({ units: H, returnState: true, name: 'encoder' }).apply(encEmb);
  const decEmb = new lib.Embedding({ inputDim: VD, outputDim: E, name: 'dec_emb' }).apply(decIn);
  const seq = new lib.LSTM({ units: H, returnSequences: true, name: 'decoder' }).apply(decEmb, { initialState: [h, cState] });
  const probs = new lib.Dense({ units: VD, activation: 'softmax', name: 'probs' }).apply(seq);
  const model = lib.model({ inputs: [encIn, decIn], outputs: probs, name: 'seq2seq', seed: 1 });
  const x = [{ data: data.enc, shape: [B, TE] }, { data: data.dec, shape: [B, TD] }];
  if (c.mode === 'infer') {
    const p = model.predict(x, { batchSize: B });
    if (p.shape.join() !== [B, TD, VD].join()) throw new Error(`predict: shape [${p.shape}], expected [${B}, ${TD}, ${VD}]`);
    checkFinite(p, 'predict');
    return { call: () => model.predict(x, { batchSize: B }), dispose: () => model.dispose() };
  }
  const y = { data: data.y, shape: [B, TD, 1] };
  model.compile({ optimizer: { name: 'adam', learningRate: LEARNING_RATE }, loss: 'sparseCategoricalCrossentropy' });
  const loss = model.trainOnBatch(x, y);
  if (!Number.isFinite(loss)) throw new Error(`trainOnBatch: loss is ${loss}`);
  return { call: () => model.trainOnBatch(x, y), dispose: () => model.dispose() };
}

/** Conv1D → MaxPooling1D → LSTM → Dense(1), a Sequential model ('same' padding, as TF.js can run it too). */
function prepareConvLstm(c, data) {
  const { T, I, F, K, P, H } = c;
  const model = new lib.Sequential({
    layers: [
      new lib.Conv1D({ filters: F, kernelSize: K, padding: c.padding, activation: 'relu', inputShape: [T, I] }),
      new lib.MaxPooling1D({ poolSize: P }),
      new lib.LSTM({ units: H }),
      new lib.Dense({ units: 1 }),
    ],
    seed: 1,
  });
  return recurrentCase(model, c, data);
}

/**
 * MultiHeadAttention self-attention (query = value = key = the input) → GlobalAveragePooling1D →
 * Dense(1), a functional model. The training case also has a reference figure (handle.reference,
 * run after the measurement): gemm_packed of the same build on the attention's own matrix products
 * (cases.js gemmsOf), for the target "attention forward + backward ≥ ½ the packed GEMM's GFLOP/s".
 */
function prepareMha(c, data) {
  const { T, I, heads, keyDim } = c;
  const x0 = lib.input({ shape: [T, I] });
  const att = new lib.MultiHeadAttention({ numHeads: heads, keyDim }).apply([x0, x0]);
  const pooled = new lib.GlobalAveragePooling1D().apply(att);
  const model = lib.model({ inputs: x0, outputs: new lib.Dense({ units: 1 }).apply(pooled), seed: 1 });
  const handle = recurrentCase(model, c, data);
  if (c.mode === 'train') handle.reference = () => gemmReference(c, handle.call);
  return handle;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * The packed GEMM on the matrix products a training call of the case runs (gemmsOf, less the
 * input's gradient, which no library computes), set beside the call itself on the same clock:
 * rounds alternate one call of the case (trainOnBatch) and one pass of gemm_packed over all those
 * products (each distinct shape `count` times; bench/gemm.js gemmProducts, build/lstm-<build>.wasm,
 * the wasm the build embeds in dist/; B packed once, outside the timing). Alternating, a busy spell
 * on a shared machine slows both sides alike. Both figures are `runFlops` ÷ their median.
 */
async function gemmReference(c, call) {
  const wasmDir = resolve(loaded.root, 'build');
  const relaxed = loaded.build === 'relaxed';
  if (!existsSync(resolve(wasmDir, `lstm-${relaxed ? 'relaxed' : 'simd'}.wasm`))) {
    return { error: 'no build/*.wasm here (a clone of the repository has it; the package embeds its wasm in dist/)' };
  }
  const { gemmProducts } = await import(new URL('../gemm.js', import.meta.url).href);
  const key = (g) => `${g.M}x${g.N}x${g.K}${g.transA ? 't' : ''}`;
  const shapes = [];
  let runFlops = 0;
  for (const g of gemmsOf(c).filter((p) => !p.inputGrad)) {
    let s = shapes.find((r) => key(r) === key(g));
    if (!s) shapes.push(s = { M: g.M, N: g.N, K: g.K, transA: !!g.transA, count: 0, what: [] });
    s.count += g.count;
    s.what.push(g.what);
    runFlops += g.count * 2 * g.M * g.N * g.K;
  }
  const gemm = gemmProducts({ wasmDir, relaxed, shapes });
  const [minRounds, minMs, warmMs] = loaded.quick ? [3, 0, 20] : [15, 2000, 500];
  const t0 = performance.now();
  while (performance.now() - t0 < warmMs) { gemm.run(); call(); }
  const callMs = [], passMs = [], shapeMs = shapes.map(() => []);
  const m0 = performance.now();
  while (callMs.length < minRounds || performance.now() - m0 < minMs) {
    const t = performance.now();
    call();
    callMs.push(performance.now() - t);
    const per = gemm.run();
    passMs.push(per.reduce((a, b) => a + b, 0));
    per.forEach((ms, i) => shapeMs[i].push(ms));
  }
  const gemmMs = median(passMs), caseMs = median(callMs);
  return {
    what: 'gemm_packed on the products a call runs, one pass per call of the case, alternating (bench/gemm.js gemmProducts, same build and process)',
    runFlops,
    nominalFlops: flopsOf(c),
    rounds: callMs.length,
    caseMs,
    gemmMs,
    gflops: runFlops / gemmMs / 1e6,
    caseGflops: runFlops / caseMs / 1e6,
    shapes: shapes.map((s, i) => {
      const ms = median(shapeMs[i]) / s.count;
      return { M: s.M, N: s.N, K: s.K, transA: s.transA, count: s.count, medianMs: ms, gflops: 2 * s.M * s.N * s.K / ms / 1e6, what: s.what.join('; ') };
    }),
  };
}
