// TensorFlow.js layers on its WebAssembly backend (@tensorflow/tfjs-backend-wasm, one thread).
// tfjsPeer(backend) is shared with tfjs-cpu.js: only the backend differs.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { LEARNING_RATE, isSeq2seq } from '../cases.js';
import { prepareConvLstm, prepareMha } from './tfjs-conv-attention.js';

const require = createRequire(import.meta.url);

export function tfjsPeer(backend) {
  let tf = null;
  return {
    id: `tfjs-${backend}`,
    label: `TF.js ${backend}`,

    async load() {
      tf = await import('@tensorflow/tfjs');
      const info = { version: tf.version.tfjs, backend };
      if (backend === 'wasm') {
        const wasm = await import('@tensorflow/tfjs-backend-wasm');
        // In Node the backend reads its .wasm files from disk: a directory path with a trailing
        // slash works as the prefix it appends the file names to.
        const dir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/';
        wasm.setWasmPaths(dir);
        wasm.setThreadsCount(1);
        info.wasmVersion = wasm.version_wasm;
      }
      if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
      await tf.ready();
      if (tf.getBackend() !== backend) throw new Error(`TF.js runs on '${tf.getBackend()}', not '${backend}'`);
      // Production mode: no debug assertions, as a deployed app would run.
      tf.enableProdMode();
      if (backend === 'wasm') {
        info.simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
        info.multithread = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
        const wasm = await import('@tensorflow/tfjs-backend-wasm');
        info.threads = wasm.getThreadsCount ? wasm.getThreadsCount() : 1;
        if (info.threads !== 1) throw new Error(`the wasm backend uses ${info.threads} threads, not 1`);
      }
      info.build = backend === 'wasm' ? (info.simd ? 'wasm-simd' : 'wasm') : 'js';
      return info;
    },

    supports() {
      return true;
    },

    async prepare(c, data) {
      if (isSeq2seq(c)) return prepareSeq2seq(tf, backend, c, data);
      if (c.arch === 'conv-lstm') return prepareConvLstm(tf, backend, c, data, { checkOutput, leakCheck });
      if (c.arch === 'mha') return prepareMha(tf, backend, c, data, { checkOutput, leakCheck });
      const { B, T, I, H } = c;
      const Cell = c.cell === 'gru' ? tf.layers.gru : tf.layers.lstm;
      // glorotUniform instead of the default orthogonal recurrent initializer: TF.js's orthogonal
      // init of a 512×2048 matrix takes seconds and does not change the speed of anything measured.
      const common = { units: H, recurrentInitializer: 'glorotUniform' };
      const model = tf.sequential();
      const before = tf.memory().numTensors;
      if (c.mode === 'step') {
        model.add(Cell({ ...common, stateful: true, batchInputShape: [B, 1, I] }));
        model.add(tf.layers.dense({ units: 1 }));
        const xs = data.steps.map((s) => tf.tensor3d(s, [B, 1, I]));
        let i = 0;
        const call = () => {
          const p = model.predict(xs[i++ & (xs.length - 1)]);
          const out = p.dataSync();
          p.dispose();
          return out;
        };
        checkOutput(call(), B);
        return { call, dispose: () => { xs.forEach((t) => t.dispose()); model.dispose(); leakCheck(tf, before); } };
      }
      model.add(Cell({ ...common, inputShape: [T, I] }));
      model.add(tf.layers.dense({ units: 1 }));
      const x = tf.tensor3d(data.x, [B, T, I]);
      if (c.mode === 'infer') {
        const call = () => {
          const p = model.predict(x, { batchSize: B });
          const out = p.dataSync();
          p.dispose();
          return out;
        };
        checkOutput(call(), B);
        return { call, dispose: () => { x.dispose(); model.dispose(); leakCheck(tf, before); } };
      }
      const y = tf.tensor2d(data.y, [B, 1]);
      model.compile({ optimizer: tf.train.adam(LEARNING_RATE), loss: 'meanSquaredError' });
      const loss = await model.trainOnBatch(x, y);
      if (!Number.isFinite(loss)) throw new Error(`trainOnBatch: loss is ${loss}`);
      return {
        call: () => model.trainOnBatch(x, y),
        async: true,
        dispose: () => { x.dispose(); y.dispose(); model.optimizer.dispose(); model.dispose(); },
      };
    },
  };
}

/**
 * The encoder-decoder of bench/cases.js as a TF.js functional model (tf.model), the same layers as
 * our peer's: Embedding → LSTM(returnState) → [h, c] → initialState of the decoder LSTM → Dense(softmax).
 * Token inputs are int32 tensors (TF.js's Embedding would cast floats to int32 on every call).
 *
 * Training on the wasm backend: TF.js's wasm backend has no UnsortedSegmentSum kernel, which the
 * gradient of Embedding's gather needs ("Kernel 'UnsortedSegmentSum' not registered for backend
 * 'wasm'"), so there each Embedding is its equivalent: one-hot tokens (made once, before timing)
 * × Dense(E, no bias), the same function and parameters. The one-hot products are work TF.js does
 * and we do not: 2·B·T·V·E FLOPs per embedding forward, 2.5 MFLOP in all (7% of the case's forward
 * count), and their kernel gradients about as much again; the lookup they replace is not counted.
 */
const ONE_HOT_NOTE = "TF.js wasm has no UnsortedSegmentSum kernel (the gradient of Embedding): its Embeddings are one-hot inputs × Dense(E, no bias), the same function";

async function prepareSeq2seq(tf, backend, c, data) {
  const { B, TE, TD, VE, VD, E, H } = c;
  const oneHot = backend === 'wasm' && c.mode === 'train';
  const before = tf.memory().numTensors;
  const common = { units: H, recurrentInitializer: 'glorotUniform' };
  const tokens = (values, T, V, name) => {
    const ids = tf.tensor2d(Int32Array.from(values), [B, T], 'int32');
    if (!oneHot) return { input: tf.input({ shape: [T], name }), value: ids, embed: (n) => tf.layers.embedding({ inputDim: V, outputDim: E, name: n }) };
    const value = tf.tidy(() => tf.oneHot(ids, V).toFloat());
    ids.dispose();
    return { input: tf.input({ shape: [T, V], name }), value, embed: (n) => tf.layers.dense({ units: E, useBias: false, name: n }) };
  };
  const enc = tokens(data.enc, TE, VE, 'enc_tokens');
  const dec = tokens(data.dec, TD, VD, 'dec_tokens');
  const encEmb = enc.embed('enc_emb').apply(enc.input);
  const [, h, cState] = tf.layers.lstm({ ...common, returnState: true, name: 'encoder' }).apply(encEmb);
  const decEmb = dec.embed('dec_emb').apply(dec.input);
  const seq = tf.layers.lstm({ ...common, returnSequences: true, name: 'decoder' }).apply(decEmb, { initialState: [h, cState] });
  const probs = tf.layers.dense({ units: VD, activation: 'softmax', name: 'probs' }).apply(seq);
  const model = tf.model({ inputs: [enc.input, dec.input], outputs: probs, name: 'seq2seq' });
  const x = [enc.value, dec.value];
  if (c.mode === 'infer') {
    const call = () => {
      const p = model.predict(x, { batchSize: B });
      const out = p.dataSync();
      p.dispose();
      return out;
    };
    checkOutput(call(), B * TD * VD);
    return { call, dispose: () => { x.forEach((t) => t.dispose()); model.dispose(); leakCheck(tf, before); } };
  }
  // Sparse targets: TF.js wants [B, TD, 1] for a [B, TD, VD] output.
  const y = tf.tensor3d(data.y, [B, TD, 1]);
  model.compile({ optimizer: tf.train.adam(LEARNING_RATE), loss: 'sparseCategoricalCrossentropy' });
  const loss = await model.trainOnBatch(x, y);
  if (!Number.isFinite(loss)) throw new Error(`trainOnBatch: loss is ${loss}`);
  return {
    call: () => model.trainOnBatch(x, y),
    async: true,
    note: oneHot ? ONE_HOT_NOTE : undefined,
    dispose: () => { x.forEach((t) => t.dispose()); y.dispose(); model.optimizer.dispose(); model.dispose(); },
  };
}

function checkOutput(out, n) {
  if (out.length !== n) throw new Error(`expected ${n} outputs, got ${out.length}`);
  for (const v of out) if (!Number.isFinite(v)) throw new Error(`output is ${v}`);
}

// A call that leaked tensors would make the peer look slower as memory grows: say so.
function leakCheck(tf, before) {
  const now = tf.memory().numTensors;
  if (now > before + 2) process.emitWarning(`TF.js: ${now - before} tensors left after the case`);
}

export default tfjsPeer('wasm');
