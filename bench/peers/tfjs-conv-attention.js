// The conv-lstm and mha cases (bench/cases.js) on TensorFlow.js, for tfjs-wasm.js and tfjs-cpu.js.
//
// conv-lstm: tf.sequential of conv1d → maxPooling1d → lstm → dense(1), as our peer's Sequential.
// TF.js's conv1d has no 'causal' padding, so both libraries run padding 'same' here. TF.js's wasm
// backend has no Conv2DBackpropFilter kernel (the gradient of conv1d's filter: "Kernel
// 'Conv2DBackpropFilter' not registered for backend 'wasm'"), so for conv-lstm-train on wasm the
// Conv1D is its im2col form: the input's 'same'-padded windows [B, T, K·I], unfolded once before
// timing (the input is the same on every call), into dense(F, relu) on every step: the same
// function, the same parameters (the kernel [K, I, F] as [K·I, F]) and the same 2·B·T·K·I·F FLOPs.
// Our Conv1D does this unfolding on every call (im2col, then the packed GEMM); TF.js's is free here.
//
// mha: TF.js has no attention layer. The peer is the same function as Keras's (and our)
// MultiHeadAttention from TF.js ops, on tf.variables: query, key and value projections [D, heads·dk]
// with biases, scores Q·Kᵀ / √dk per head (tf.matMul on [B, heads, T, dk]), tf.softmax over the keys,
// weights × values, the output projection [heads·dv, D] with its bias; then the mean over the steps
// (GlobalAveragePooling1D) and a Dense(1). Training: mean squared error, tf.train.adam through
// optimizer.minimize (its cost read back, as trainOnBatch reads its loss).
import { LEARNING_RATE } from '../cases.js';

export const IM2COL_NOTE = "TF.js wasm has no Conv2DBackpropFilter kernel (conv1d's filter gradient): its Conv1D is the im2col form, the input's 'same'-padded windows (unfolded once, before timing) × dense(32, relu) on every step, the same function and parameters";
const OPS_NOTE = 'TF.js has no attention layer: MultiHeadAttention built from tf.matMul, tf.softmax, reshape and transpose on tf.variables (the same function as Keras\'s)';
export const opsNote = (mode) => (mode === 'train' ? `${OPS_NOTE}, minimized with tf.train.adam (optimizer.minimize)` : OPS_NOTE);

/** The input's 'same' windows: [B, T, K·I], zeros outside the sequence (⌊(K−1)/2⌋ before, as TensorFlow). */
function unfoldSame(x, B, T, I, K) {
  const padL = Math.floor((K - 1) / 2);
  const out = new Float32Array(B * T * K * I);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const o = (b * T + t) * K * I;
      for (let k = 0; k < K; k++) {
        const s = t - padL + k;
        if (s < 0 || s >= T) continue;
        out.set(x.subarray((b * T + s) * I, (b * T + s + 1) * I), o + k * I);
      }
    }
  }
  return out;
}

export async function prepareConvLstm(tf, backend, c, data, { checkOutput, leakCheck }) {
  const { B, T, I, F, K, P, H } = c;
  const im2col = backend === 'wasm' && c.mode === 'train';
  const before = tf.memory().numTensors;
  const model = tf.sequential();
  let x;
  if (im2col) {
    model.add(tf.layers.dense({ units: F, activation: 'relu', inputShape: [T, K * I] }));
    x = tf.tensor3d(unfoldSame(data.x, B, T, I, K), [B, T, K * I]);
  } else {
    model.add(tf.layers.conv1d({ filters: F, kernelSize: K, padding: c.padding, activation: 'relu', inputShape: [T, I] }));
    x = tf.tensor3d(data.x, [B, T, I]);
  }
  model.add(tf.layers.maxPooling1d({ poolSize: P }));
  model.add(tf.layers.lstm({ units: H, recurrentInitializer: 'glorotUniform' }));
  model.add(tf.layers.dense({ units: 1 }));
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
    note: im2col ? IM2COL_NOTE : undefined,
    dispose: () => { x.dispose(); y.dispose(); model.optimizer.dispose(); model.dispose(); },
  };
}

export function prepareMha(tf, backend, c, data, { checkOutput, leakCheck }) {
  const { B, T, I: D, heads: NH, keyDim: dk } = c;
  const dv = dk;
  const before = tf.memory().numTensors;
  let seed = 7;
  // glorotUniform for the kernels (fans as Keras's einsum kernels: [D, NH·dk] / [NH·dv, D]), zero biases.
  const glorot = (fanIn, fanOut, shape) => {
    const lim = Math.sqrt(6 / (fanIn + fanOut));
    return tf.variable(tf.randomUniform(shape, -lim, lim, 'float32', seed++));
  };
  const zeros = (shape) => tf.variable(tf.zeros(shape));
  const v = {
    wq: glorot(D, NH * dk, [D, NH * dk]), bq: zeros([NH * dk]),
    wk: glorot(D, NH * dk, [D, NH * dk]), bk: zeros([NH * dk]),
    wv: glorot(D, NH * dv, [D, NH * dv]), bv: zeros([NH * dv]),
    wo: glorot(NH * dv, D, [NH * dv, D]), bo: zeros([D]),
    wd: glorot(D, 1, [D, 1]), bd: zeros([1]),
  };
  const vars = Object.values(v);
  const x = tf.tensor3d(data.x, [B, T, D]);
  const x2 = x.reshape([B * T, D]);
  const scale = 1 / Math.sqrt(dk);
  // [B·T, NH·d] → [B, NH, T, d]
  const heads = (m, d) => m.reshape([B, T, NH, d]).transpose([0, 2, 1, 3]);
  const forward = () => {
    const q = heads(tf.add(tf.matMul(x2, v.wq), v.bq), dk).mul(scale); // Keras scales the query
    const k = heads(tf.add(tf.matMul(x2, v.wk), v.bk), dk);
    const val = heads(tf.add(tf.matMul(x2, v.wv), v.bv), dv);
    const w = tf.softmax(tf.matMul(q, k, false, true)); // [B, NH, T, T], over the keys
    const o = tf.matMul(w, val).transpose([0, 2, 1, 3]).reshape([B * T, NH * dv]);
    const att = tf.add(tf.matMul(o, v.wo), v.bo).reshape([B, T, D]);
    const pooled = att.mean(1); // GlobalAveragePooling1D
    return tf.add(tf.matMul(pooled, v.wd), v.bd); // [B, 1]
  };
  const dispose = () => { x2.dispose(); x.dispose(); vars.forEach((t) => t.dispose()); };
  if (c.mode === 'infer') {
    const call = () => {
      const p = tf.tidy(forward);
      const out = p.dataSync();
      p.dispose();
      return out;
    };
    checkOutput(call(), B);
    return { call, note: opsNote(c.mode), dispose: () => { dispose(); leakCheck(tf, before); } };
  }
  const y = tf.tensor2d(data.y, [B, 1]);
  const optimizer = tf.train.adam(LEARNING_RATE);
  const lossFn = () => tf.losses.meanSquaredError(y, forward());
  const call = () => {
    const cost = optimizer.minimize(lossFn, true, vars);
    const out = cost.dataSync()[0];
    cost.dispose();
    return out;
  };
  const loss = call();
  if (!Number.isFinite(loss)) throw new Error(`minimize: loss is ${loss}`);
  return { call, note: opsNote(c.mode), dispose: () => { y.dispose(); optimizer.dispose(); dispose(); } };
}
