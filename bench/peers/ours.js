// lstm-wasm itself, in the build the job asks for: init({ relaxedSimd: false }) is the plain
// SIMD build, init({ relaxedSimd: true }) the relaxed-SIMD one (fused multiply-add). init is
// process-wide; models made after it use that build.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LEARNING_RATE, isSeq2seq } from '../cases.js';

let lib = null;

/** Our output is a Tensor { data, shape }: every value must be finite. */
function checkFinite(t, what) {
  const d = t && t.data;
  if (!d || d.length === 0) throw new Error(`${what}: expected a tensor with data, got ${typeof t}`);
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) throw new Error(`${what}: output value ${i} is ${d[i]}`);
}

export default {
  id: 'ours',
  label: 'lstm-wasm',

  async load({ build, libPath, root }) {
    lib = await import(pathToFileURL(libPath).href);
    const info = await lib.init({ relaxedSimd: build === 'relaxed' });
    let version = '?';
    try { version = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')).version; } catch { /* not needed */ }
    return { version, build: info.build, module: libPath };
  },

  supports() {
    return true;
  },

  prepare(c, data) {
    if (isSeq2seq(c)) return prepareSeq2seq(c, data);
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
