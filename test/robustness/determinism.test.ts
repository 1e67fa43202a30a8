// Determinism: with a seed (new Sequential({ seed }) and fit's seed) every random draw is reproduced
// bit for bit: initial weights, shuffling, dropout masks, validation splits; two runs give identical
// weights, losses and predictions, for every layer kind, whatever else ran in between (each model has
// its own RNG: no global state). Without a seed, runs differ. test/model.test.ts checks one LSTM with
// dropout; this covers the rest. (Deno is tested elsewhere.)
import { describe, expect, it } from 'vitest';
import {
  Bidirectional, Dense, Dropout, Embedding, GRU, LSTM, Masking, Sequential, SimpleRNN, type TensorData,
} from '../../src/index.js';

function wave(shape: number[], k: number): TensorData {
  const n = shape.reduce((a, b) => a * b, 1);
  return { data: Float32Array.from({ length: n }, (_, i) => Math.sin(k + i * 0.91) * 0.8), shape };
}

const bits = (ws: { data: Float32Array }[]) => ws.map((w) => Array.from(new Uint32Array(w.data.buffer, w.data.byteOffset, w.data.length)));

interface Builder {
  name: string;
  make: (seed?: number) => Sequential;
  x: TensorData;
  y: TensorData;
}

const ids: TensorData = { data: Float32Array.from({ length: 24 * 5 }, (_, i) => (i * 7 + (i >> 3)) % 9), shape: [24, 5] };

const builders: Builder[] = [
  {
    name: 'GRU with dropout and recurrentDropout',
    make: (seed) => new Sequential({ seed, layers: [new GRU({ units: 6, inputShape: [5, 3], dropout: 0.3, recurrentDropout: 0.2 }), new Dense({ units: 2 })] }),
    x: wave([24, 5, 3], 1), y: wave([24, 2], 2),
  },
  {
    name: 'SimpleRNN stacked, Dropout layer, goBackwards',
    make: (seed) => new Sequential({ seed, layers: [new SimpleRNN({ units: 5, inputShape: [5, 3], returnSequences: true, goBackwards: true }), new Dropout({ rate: 0.4 }), new SimpleRNN({ units: 4 }), new Dense({ units: 2 })] }),
    x: wave([24, 5, 3], 3), y: wave([24, 2], 4),
  },
  {
    name: 'Masking + Bidirectional LSTM (peephole), sequence output',
    make: (seed) => new Sequential({ seed, layers: [new Masking({ inputShape: [5, 3] }), new Bidirectional({ layer: new LSTM({ units: 3, returnSequences: true, peephole: true, dropout: 0.2 }), mergeMode: 'sum' }), new Dense({ units: 2 })] }),
    x: wave([24, 5, 3], 5), y: wave([24, 5, 2], 6),
  },
  {
    name: 'Embedding (maskZero) + LSTM, softmax head',
    make: (seed) => new Sequential({ seed, layers: [new Embedding({ inputDim: 9, outputDim: 4, inputShape: [5], maskZero: true }), new LSTM({ units: 5, recurrentDropout: 0.25 }), new Dense({ units: 3, activation: 'softmax' })] }),
    x: ids, y: { data: Float32Array.from({ length: 72 }, (_, i) => (i % 3 === (i / 3 | 0) % 3 ? 1 : 0)), shape: [24, 3] },
  },
];

async function run(b: Builder, modelSeed: number | undefined, fitSeed: number | undefined, initial?: { data: Float32Array; shape: number[] }[]) {
  const m = b.make(modelSeed);
  if (initial) m.setWeights(initial);
  const softmax = b.name.includes('softmax');
  m.compile({ optimizer: { name: 'adam', learningRate: 0.01 }, loss: softmax ? 'categoricalCrossentropy' : 'mse', metrics: [softmax ? 'accuracy' : 'mae'] });
  const init = bits(m.getWeights());
  const h = await m.fit(b.x, b.y, { epochs: 3, batchSize: 5, shuffle: true, validationSplit: 0.25, verbose: 0, seed: fitSeed, yieldEvery: 'never' });
  const out = { init, weights: bits(m.getWeights()), history: h.history, prediction: Array.from(m.predict(b.x).data) };
  m.dispose();
  return out;
}

describe('with seeds, two runs are bit-identical', () => {
  for (const b of builders) {
    it(b.name, async () => {
      const a = await run(b, 11, 22);
      // another model trained in between, with other seeds, must not disturb anything
      await run(b, 99, 98);
      const c = await run(b, 11, 22);
      expect(c.init).toEqual(a.init);
      expect(c.history).toEqual(a.history);
      expect(c.weights).toEqual(a.weights);
      expect(c.prediction).toEqual(a.prediction);
      expect(a.history.loss.every(Number.isFinite)).toBe(true);
    });
  }
});

describe('what each seed decides', () => {
  const b = builders[0];

  it('the model seed decides the initial weights; fit continues its stream when fit has no seed', async () => {
    const a = await run(b, 5, undefined), c = await run(b, 5, undefined);
    expect(c.init).toEqual(a.init);
    expect(c.weights).toEqual(a.weights);
    const d = await run(b, 6, undefined);
    expect(d.init).not.toEqual(a.init);
  });

  it("fit's seed alone decides shuffling and dropout: the same initial weights and fit seed give the same run, whatever the model seed", async () => {
    const start = b.make(1).getWeights();
    const a = await run(b, 1, 33, start), c = await run(b, 2, 33, start);
    expect(c.history).toEqual(a.history);
    expect(c.weights).toEqual(a.weights);
    const d = await run(b, 1, 34, start);
    expect(d.init).toEqual(a.init);
    expect(d.weights).not.toEqual(a.weights);
  });

  it('without any seed, two runs differ (initial weights, losses, final weights)', async () => {
    for (const bb of builders) {
      const a = await run(bb, undefined, undefined), c = await run(bb, undefined, undefined);
      expect(c.init).not.toEqual(a.init);
      expect(c.history.loss).not.toEqual(a.history.loss);
      expect(c.weights).not.toEqual(a.weights);
    }
  });

  it('with the same start but no fit seed, shuffling and dropout differ from run to run', async () => {
    // two models with unknown seeds, set to the same weights: only the RNG stream differs
    const start = b.make(3).getWeights();
    const a = await run(b, undefined, undefined, start), c = await run(b, undefined, undefined, start);
    expect(c.init).toEqual(a.init);
    expect(c.weights).not.toEqual(a.weights);
  });

  it('predict is deterministic: the same input twice, the same bits, with and without training in between on another model', () => {
    const m = builders[2].make(4);
    const other = builders[2].make(5);
    other.compile({ optimizer: 'sgd', loss: 'mse' });
    const p1 = Array.from(m.predict(builders[2].x).data);
    other.trainOnBatch(builders[2].x, builders[2].y);
    const p2 = Array.from(m.predict(builders[2].x).data);
    expect(p2).toEqual(p1);
  });
});
