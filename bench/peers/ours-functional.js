// lstm-wasm again, with the same networks as ours.js built with the functional API
// (input → layer.apply → model) instead of Sequential: the issue's "a graph costs at most 5% more
// than the chain" is this peer's seq/s beside ours.js's, in the same run, in the same build.
import ours from './ours.js';
import { LEARNING_RATE } from '../cases.js';

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
    return (c.mode === 'infer' || c.mode === 'train') && c.arch !== 'seq2seq';
  },

  prepare(c, data) {
    const { B, T, I, H } = c;
    const Cell = c.cell === 'gru' ? lib.GRU : lib.LSTM;
    const x0 = lib.input({ shape: [T, I] });
    const h = new Cell({ units: H }).apply(x0);
    const model = lib.model({ inputs: x0, outputs: new lib.Dense({ units: 1 }).apply(h), seed: 1 });
    const x = { data: data.x, shape: [B, T, I] };
    if (c.mode === 'infer') {
      model.predict(x, { batchSize: B });
      return { call: () => model.predict(x, { batchSize: B }), dispose: () => model.dispose() };
    }
    const y = { data: data.y, shape: [B, 1] };
    model.compile({ optimizer: { name: 'adam', learningRate: LEARNING_RATE }, loss: 'meanSquaredError' });
    const loss = model.trainOnBatch(x, y);
    if (!Number.isFinite(loss)) throw new Error(`trainOnBatch: loss is ${loss}`);
    return { call: () => model.trainOnBatch(x, y), dispose: () => model.dispose() };
  },
};
