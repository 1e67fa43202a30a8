// Helpers for the parity tests against TensorFlow.js and for the learning tests: loading the wasm
// build under test, seeded random data, and moving weights between lstm-wasm and TF.js.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { init, relaxedSimdSupported, type RuntimeInfo, type TensorData } from '../../src/index.js';
import { rng } from './kernels.js';

export { tf };

/**
 * init() for the tests. LSTM_WASM_DIR=/some/dir makes the model run the build found there
 * (lstm-relaxed.wasm where the runtime has relaxed-SIMD, else lstm-simd.wasm; LSTM_WASM_BUILD=simd
 * forces the plain one) instead of the bytes embedded in src/runtime/wasm-bytes.generated.ts.
 */
export async function initForTests(): Promise<RuntimeInfo & { file?: string }> {
  const dir = process.env.LSTM_WASM_DIR;
  if (dir) {
    const build = process.env.LSTM_WASM_BUILD ?? (relaxedSimdSupported() ? 'relaxed' : 'simd');
    const file = join(dir, `lstm-${build}.wasm`);
    const info = await init({ wasm: readFileSync(file) });
    return { ...info, file };
  }
  return init();
}

let tfReady: Promise<void> | null = null;
/** TF.js on its plain JavaScript (float32) CPU backend. */
export function tfCpu(): Promise<void> {
  tfReady ??= (async () => {
    await tf.setBackend('cpu');
    await tf.ready();
  })();
  return tfReady;
}

/** A tensor of uniform numbers in [-scale, scale], reproducible from the seed. */
export function randTensor(shape: number[], seed: number, scale = 1): TensorData {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = (r() * 2 - 1) * scale;
  return { data, shape };
}

/** Random weights shaped as the layer's own, so both libraries start from the same numbers. */
export function randWeightsLike(ws: { shape: number[] }[], seed: number, scale: number): TensorData[] {
  return ws.map((w, i) => randTensor(w.shape, seed * 101 + i, scale));
}

export function toTf(t: TensorData): tf.Tensor {
  return tf.tensor(t.data, t.shape, 'float32');
}

export function fromTf(t: tf.Tensor): TensorData {
  return { data: t.dataSync() as Float32Array, shape: t.shape as number[] };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

/** Normal numbers (Box-Muller) from a uniform source. */
export function gaussian(r: () => number): () => number {
  return () => {
    const u = Math.max(r(), 1e-12), v = r();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

/**
 * The adding problem (Hochreiter & Schmidhuber 1997): n sequences of T steps, 2 features per step:
 * a uniform number in [0, 1] and a marker that is 1 at exactly two steps, one in each half.
 * The target is the sum of the two marked numbers. Predicting 1 always scores MSE 1/6 ≈ 0.167.
 */
export function addingProblem(n: number, T: number, seed: number): { x: TensorData; y: TensorData } {
  const r = rng(seed);
  const x = new Float32Array(n * T * 2);
  const y = new Float32Array(n);
  const half = Math.floor(T / 2);
  for (let s = 0; s < n; s++) {
    for (let t = 0; t < T; t++) x[(s * T + t) * 2] = r();
    const a = Math.floor(r() * half), b = half + Math.floor(r() * (T - half));
    x[(s * T + a) * 2 + 1] = 1;
    x[(s * T + b) * 2 + 1] = 1;
    y[s] = x[(s * T + a) * 2] + x[(s * T + b) * 2];
  }
  return { x: { data: x, shape: [n, T, 2] }, y: { data: y, shape: [n, 1] } };
}

export function mse(pred: ArrayLike<number>, target: ArrayLike<number>): number {
  if (pred.length !== target.length) throw new Error(`length mismatch ${pred.length} vs ${target.length}`);
  let s = 0;
  for (let i = 0; i < pred.length; i++) s += (pred[i] - target[i]) ** 2;
  return s / pred.length;
}
