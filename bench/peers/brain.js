// brain.js 1.6 (plain JavaScript): its LSTMTimeStep, one sequence at a time, on the S case only.
// A call is one batch of B sequences: B calls of net.run, or one net.train pass over them
// (iterations: 1; brain.js updates the weights after every sequence, with its own optimizer,
// and learns to predict each next step of a sequence rather than a Dense(1) head on the last one).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let brain = null;

export default {
  id: 'brain',
  label: 'brain.js',

  async load() {
    const mod = await import('brain.js');
    brain = mod.default ?? mod;
    const { version } = require('brain.js/package.json');
    return { version, build: 'js' };
  },

  supports(c) {
    if (c.arch === 'seq2seq') return 'brain.js has no encoder-decoder: its recurrent nets take one sequence and no initial state';
    if (c.arch === 'conv-lstm') return 'brain.js has no convolution layer for sequences (its recurrent nets take the raw steps)';
    if (c.arch === 'mha') return 'brain.js has no attention layer';
    if (c.mode === 'step') return 'brain.js has no stateful one-step API (run() takes a whole sequence)';
    if (c.cell !== 'lstm') return 'brain.js has GRUTimeStep, but the issue asks for brain.js on the S (LSTM) case only';
    if (c.size !== 'S') return 'plain-JavaScript LSTMTimeStep: the issue runs it on S-like sizes only (M and L would take seconds per batch)';
    return true;
  },

  prepare(c, data) {
    const { B, T, I, H } = c;
    const net = new brain.recurrent.LSTMTimeStep({ inputSize: I, hiddenLayers: [H], outputSize: I });
    // I = 1: a sequence is an array of T numbers.
    const seqs = [];
    for (let b = 0; b < B; b++) seqs.push(Array.from(data.x.subarray(b * T * I, (b + 1) * T * I)));
    const opts = { iterations: 1, errorThresh: 0, log: false };
    // brain.js builds its network on the first train(); run() needs it built.
    const first = net.train(seqs, opts);
    if (!Number.isFinite(first.error)) throw new Error(`train: error is ${first.error}`);
    if (c.mode === 'infer') {
      const call = () => {
        let last = 0;
        for (let b = 0; b < B; b++) last = net.run(seqs[b]);
        return last;
      };
      const out = call();
      if (!Number.isFinite(out)) throw new Error(`run: output is ${out}`);
      return { call };
    }
    return { call: () => net.train(seqs, opts) };
  },
};
