// lstm-wasm again, with the same networks as ours.js built with the functional API
// (input → layer.apply → model) instead of Sequential: the issue's "a graph costs at most 5% more
// than the chain" is this peer's seq/s beside ours.js's, in the same run, in the same build.
import ours, { recurrentCase } from './ours.js';

let lib = null;

export default {
  id: 'ours-functional',
  label: 'lstm-wasm functional',

  async load(args) {
    const info = await ours.load(args);
    lib = await import(new URL(`file://${args.libPath}`).href);
    return info;
  },

  supports(c) {
    if (c.arch === 'conv-lstm' || c.arch === 'mha') return 'the functional twin is of the one-recurrent-layer cases (ours builds the mha model functionally already)';
    return (c.mode === 'infer' || c.mode === 'train') && c.arch !== 'seq2seq';
  },

  prepare(c, data) {
    const { T, I, H } = c;
    const Cell = c.cell === 'gru' ? lib.GRU : lib.LSTM;
    const x0 = lib.input({ shape: [T, I] });
    const h = new Cell({ units: H }).apply(x0);
    const model = lib.model({ inputs: x0, outputs: new lib.Dense({ units: 1 }).apply(h), seed: 1 });
    return recurrentCase(model, c, data);
  },
};
