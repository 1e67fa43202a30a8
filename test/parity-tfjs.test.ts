// Parity with TensorFlow.js (CPU backend, float32): the same weights give the same predictions,
// and one step (then a second) of plain SGD on a mean-squared-error loss leaves the same weights.
// Shapes are odd on purpose (batch 3, 7 steps, 5 features, 9 units) so no SIMD tile fits exactly.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Bidirectional, Dense, Embedding, GRU, LSTM, Masking, Sequential, SimpleRNN, type Layer, type TensorData,
} from '../src/index.js';
import { fromTf, initForTests, maxAbsDiff, randTensor, randWeightsLike, tf, tfCpu, toTf } from './util/tfjs.js';

const B = 3, T = 7, I = 5, H = 9, OUT = 3;
const TOL = 1e-4;
const LR = 0.1;

type Kind = 'lstm' | 'gru' | 'rnn';
interface RecSpec {
  kind: Kind;
  units?: number;
  returnSequences?: boolean;
  goBackwards?: boolean;
  recurrentActivation?: 'sigmoid' | 'hardSigmoid';
  bidirectional?: 'concat' | 'sum' | 'mul' | 'ave';
}
interface Case {
  name: string;
  rec: RecSpec[];
  /** Embedding(inputDim 11, outputDim I) in front: x holds token ids. */
  embedding?: boolean;
  /** Masking(0) in front, and some sequences end in all-zero steps. */
  masking?: boolean;
  /** Weight scale; larger drives the gates into (hard) saturation. */
  scale?: number;
}

function ourRecurrent(s: RecSpec, first: boolean): Layer {
  const base = {
    units: s.units ?? H,
    returnSequences: s.returnSequences ?? false,
    goBackwards: s.goBackwards ?? false,
    ...(first && !s.bidirectional ? { inputShape: [T, I] } : {}),
  };
  const rec = s.kind === 'lstm' ? new LSTM({ ...base, recurrentActivation: s.recurrentActivation ?? 'sigmoid' })
    : s.kind === 'gru' ? new GRU({ ...base, recurrentActivation: s.recurrentActivation ?? 'sigmoid', resetAfter: false })
    : new SimpleRNN(base);
  if (!s.bidirectional) return rec;
  return new Bidirectional({ layer: rec as LSTM, mergeMode: s.bidirectional, ...(first ? { inputShape: [T, I] } : {}) });
}

function tfRecurrent(s: RecSpec, first: boolean): tf.layers.Layer {
  const base = {
    units: s.units ?? H,
    returnSequences: s.returnSequences ?? false,
    goBackwards: s.goBackwards ?? false,
    ...(first && !s.bidirectional ? { inputShape: [T, I] } : {}),
  };
  const rec = s.kind === 'lstm' ? tf.layers.lstm({ ...base, recurrentActivation: s.recurrentActivation ?? 'sigmoid' })
    : s.kind === 'gru' ? tf.layers.gru({ ...base, recurrentActivation: s.recurrentActivation ?? 'sigmoid' }) // TF.js: resetAfter false only
    : tf.layers.simpleRNN(base);
  if (!s.bidirectional) return rec;
  return tf.layers.bidirectional({ layer: rec as tf.RNN, mergeMode: s.bidirectional, ...(first ? { inputShape: [T, I] } : {}) });
}

function build(c: Case): { ours: Sequential; theirs: tf.Sequential } {
  const ours = new Sequential({ seed: 7 });
  const theirs = tf.sequential();
  let first = true;
  if (c.embedding) {
    ours.add(new Embedding({ inputDim: 11, outputDim: I, inputShape: [T] }));
    theirs.add(tf.layers.embedding({ inputDim: 11, outputDim: I, inputShape: [T] }));
    first = false;
  }
  if (c.masking) {
    ours.add(new Masking({ maskValue: 0, inputShape: [T, I] }));
    theirs.add(tf.layers.masking({ maskValue: 0, inputShape: [T, I] }));
    first = false;
  }
  for (const s of c.rec) {
    ours.add(ourRecurrent(s, first));
    theirs.add(tfRecurrent(s, first));
    first = false;
  }
  ours.add(new Dense({ units: OUT }));
  theirs.add(tf.layers.dense({ units: OUT }));
  return { ours, theirs };
}

/** The same random weights in both models, layer by layer; returns them. */
function sameWeights(ours: Sequential, theirs: tf.Sequential, seed: number, scale: number): void {
  expect(theirs.layers.length).toBe(ours.layers.length);
  ours.layers.forEach((l, i) => {
    const shapes = l.getWeights();
    const tfShapes = theirs.layers[i].getWeights().map((w) => w.shape);
    expect(shapes.map((w) => w.shape), `${l.name}: weight shapes`).toEqual(tfShapes);
    const ws = randWeightsLike(shapes, seed + i, scale);
    l.setWeights(ws);
    theirs.layers[i].setWeights(ws.map(toTf));
  });
}

function input(c: Case, seed: number): TensorData {
  if (c.embedding) {
    const r = randTensor([B, T], seed);
    return { data: r.data.map((v) => Math.floor((v + 1) * 5.5) % 11), shape: [B, T] };
  }
  const x = randTensor([B, T, I], seed);
  if (c.masking) {
    // Sequence 0: the last two steps masked; sequence 2: step 3 masked; sequence 1: none.
    for (const [b, t] of [[0, T - 1], [0, T - 2], [2, 3]]) x.data.fill(0, (b * T + t) * I, (b * T + t + 1) * I);
  }
  return x;
}

function outputShape(c: Case): number[] {
  const last = c.rec[c.rec.length - 1];
  return last.returnSequences ? [B, T, OUT] : [B, OUT];
}

const CASES: Case[] = [
  { name: 'LSTM sigmoid, last output', rec: [{ kind: 'lstm' }] },
  { name: 'LSTM sigmoid, returnSequences', rec: [{ kind: 'lstm', returnSequences: true }] },
  { name: 'LSTM hardSigmoid, last output', rec: [{ kind: 'lstm', recurrentActivation: 'hardSigmoid' }], scale: 0.8 },
  { name: 'LSTM hardSigmoid, returnSequences, goBackwards', rec: [{ kind: 'lstm', recurrentActivation: 'hardSigmoid', returnSequences: true, goBackwards: true }], scale: 0.8 },
  { name: 'LSTM sigmoid, goBackwards, last output', rec: [{ kind: 'lstm', goBackwards: true }] },
  { name: 'GRU sigmoid, last output', rec: [{ kind: 'gru' }] },
  { name: 'GRU sigmoid, returnSequences', rec: [{ kind: 'gru', returnSequences: true }] },
  { name: 'GRU hardSigmoid, last output', rec: [{ kind: 'gru', recurrentActivation: 'hardSigmoid' }], scale: 0.8 },
  { name: 'GRU hardSigmoid, returnSequences, goBackwards', rec: [{ kind: 'gru', recurrentActivation: 'hardSigmoid', returnSequences: true, goBackwards: true }], scale: 0.8 },
  { name: 'GRU sigmoid, goBackwards, last output', rec: [{ kind: 'gru', goBackwards: true }] },
  { name: 'SimpleRNN, last output', rec: [{ kind: 'rnn' }] },
  { name: 'SimpleRNN, returnSequences', rec: [{ kind: 'rnn', returnSequences: true }] },
  { name: 'SimpleRNN, goBackwards, last output', rec: [{ kind: 'rnn', goBackwards: true }] },
  { name: 'SimpleRNN, goBackwards, returnSequences', rec: [{ kind: 'rnn', goBackwards: true, returnSequences: true }] },
  { name: 'stacked LSTM → LSTM, last output', rec: [{ kind: 'lstm', returnSequences: true }, { kind: 'lstm', units: 7 }] },
  { name: 'stacked LSTM hardSigmoid → LSTM, returnSequences', rec: [{ kind: 'lstm', returnSequences: true, recurrentActivation: 'hardSigmoid' }, { kind: 'lstm', units: 7, returnSequences: true }] },
  { name: 'Bidirectional LSTM concat, last output', rec: [{ kind: 'lstm', bidirectional: 'concat' }] },
  { name: 'Bidirectional GRU sum, returnSequences', rec: [{ kind: 'gru', bidirectional: 'sum', returnSequences: true }] },
  { name: 'Embedding → LSTM, last output', rec: [{ kind: 'lstm' }], embedding: true },
  { name: 'Masking → LSTM, last output', rec: [{ kind: 'lstm' }], masking: true },
];

const worst = { predict: 0, loss: 0, weights: 0, weights2: 0 };

beforeAll(async () => {
  const info = await initForTests();
  await tfCpu();
  console.log(`parity-tfjs: lstm-wasm build ${info.build}${info.file ? ` (${info.file})` : ''}, TF.js ${tf.version.tfjs} backend ${tf.getBackend()}`);
  return () => console.log(`parity-tfjs: largest differences over all cases: predict ${worst.predict.toExponential(2)}, loss ${worst.loss.toExponential(2)}, weights after one SGD step ${worst.weights.toExponential(2)}, after two ${worst.weights2.toExponential(2)}`);
});

describe('parity with TensorFlow.js', () => {
  CASES.forEach((c, ci) => {
    it(`${c.name}: predict, then one SGD step`, async () => {
      const seed = 1000 + ci * 17;
      const { ours, theirs } = build(c);
      sameWeights(ours, theirs, seed, c.scale ?? 0.5);
      const x = input(c, seed + 1);

      // predict
      const yOurs = ours.predict(x);
      const xt0 = toTf(x), yt0 = theirs.predict(xt0) as tf.Tensor;
      const yTheirs = fromTf(yt0);
      xt0.dispose(); yt0.dispose();
      expect(yOurs.shape).toEqual(outputShape(c));
      expect(yOurs.shape).toEqual(yTheirs.shape);
      const dPredict = maxAbsDiff(yOurs.data, yTheirs.data);
      worst.predict = Math.max(worst.predict, dPredict);
      expect(dPredict, `${c.name}: predict max |ours - tfjs|`).toBeLessThan(TOL);

      // SGD(0.1) on MSE: one step, then a second on another batch (gradients must be overwritten,
      // not accumulated, between steps).
      ours.compile({ optimizer: { name: 'sgd', learningRate: LR }, loss: 'meanSquaredError' });
      theirs.compile({ optimizer: tf.train.sgd(LR), loss: 'meanSquaredError' });
      let dLoss = 0, dWeights = 0, dWeights1 = 0;
      for (let step = 1; step <= 2; step++) {
        const xs = step === 1 ? x : input(c, seed + 3);
        const target = randTensor(outputShape(c), seed + 2 * step);
        const lossOurs = ours.trainOnBatch(xs, target) as number;
        const xt = toTf(xs), yt = toTf(target);
        const lossTheirs = (await theirs.trainOnBatch(xt, yt)) as number;
        xt.dispose(); yt.dispose();
        const d = Math.abs(lossOurs - lossTheirs);
        dLoss = Math.max(dLoss, d);
        expect(d, `${c.name}: step ${step} loss ours ${lossOurs} vs tfjs ${lossTheirs}`).toBeLessThan(TOL);
        ours.layers.forEach((l, i) => {
          const a = l.getWeights();
          const b = theirs.layers[i].getWeights();
          const names = theirs.layers[i].weights.map((v) => v.name);
          a.forEach((w, j) => {
            const dw = maxAbsDiff(w.data, b[j].dataSync());
            dWeights = Math.max(dWeights, dw);
            if (step === 1) dWeights1 = Math.max(dWeights1, dw);
            expect(dw, `${c.name}: ${l.name} weight ${j} (${names[j]}) after SGD step ${step}`).toBeLessThan(TOL);
          });
        });
      }
      worst.loss = Math.max(worst.loss, dLoss);
      worst.weights = Math.max(worst.weights, dWeights1);
      worst.weights2 = Math.max(worst.weights2, dWeights);
      console.log(`parity-tfjs: ${c.name}: max |Δ| predict ${dPredict.toExponential(2)}, loss ${dLoss.toExponential(2)}, weights after 1 SGD step ${dWeights1.toExponential(2)}, after 2 ${dWeights.toExponential(2)}`);

      // The steps really moved the weights (so the comparison above says something about gradients).
      const moved = maxAbsDiff(ours.layers[ours.layers.length - 2].getWeights()[0].data, randWeightsLike(ours.layers[ours.layers.length - 2].getWeights(), seed + ours.layers.length - 2, c.scale ?? 0.5)[0].data);
      expect(moved).toBeGreaterThan(1e-3);
      ours.dispose();
      theirs.dispose();
    });
  });
});
