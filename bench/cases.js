// The benchmark's cases, their FLOP counts, their inputs and the targets.
// Every library gets the same inputs: they are drawn here from a seeded generator, so each
// process (one per library) rebuilds exactly the same numbers.
//
// Letters as in DESIGN.md: B batch, T steps, I input features, H units.

/**
 * `mode`: 'infer' = predict of one batch (recurrent layer + Dense(1) head);
 *         'train' = one trainOnBatch (Dense(1) head, mean squared error, Adam);
 *         'step'  = one step of a stateful model (B sequences advance by one step).
 * `cell`: 'lstm' (4 gate blocks) or 'gru' (3).
 */
export const CASES = [
  { id: 'S-infer', size: 'S', cell: 'lstm', mode: 'infer', B: 32, T: 50, I: 1, H: 32 },
  { id: 'S-train', size: 'S', cell: 'lstm', mode: 'train', B: 32, T: 50, I: 1, H: 32 },
  { id: 'M-infer', size: 'M', cell: 'lstm', mode: 'infer', B: 32, T: 100, I: 64, H: 128 },
  { id: 'M-train', size: 'M', cell: 'lstm', mode: 'train', B: 32, T: 100, I: 64, H: 128 },
  { id: 'M-gru-infer', size: 'M', cell: 'gru', mode: 'infer', B: 32, T: 100, I: 64, H: 128 },
  { id: 'M-gru-train', size: 'M', cell: 'gru', mode: 'train', B: 32, T: 100, I: 64, H: 128 },
  { id: 'L-infer', size: 'L', cell: 'lstm', mode: 'infer', B: 16, T: 25, I: 256, H: 512 },
  { id: 'L-train', size: 'L', cell: 'lstm', mode: 'train', B: 16, T: 25, I: 256, H: 512 },
  { id: 'stream', size: 'stream', cell: 'lstm', mode: 'step', B: 1, T: 1, I: 64, H: 128 },
];

export const caseById = (id) => CASES.find((c) => c.id === id);

/**
 * Nominal FLOPs of one call, the same for every library, so GFLOP/s compare like seq/s do.
 * Forward of a recurrent layer: 2·B·T·(I+H)·G·H with G = 4 (LSTM) or 3 (GRU): the input and
 * recurrent matrix products. Elementwise gate work and the Dense(1) head are left out (small).
 * Training: forward + backward, the backward counted as 2× the forward.
 */
export function flopsOf(c) {
  const G = c.cell === 'gru' ? 3 : 4;
  const forward = 2 * c.B * c.T * (c.I + c.H) * G * c.H;
  return c.mode === 'train' ? 3 * forward : forward;
}

/** Sequences a call processes: B (for 'step', B sequences advanced by one step). */
export const sequencesOf = (c) => c.B;

// mulberry32: a small, fast, seeded generator (the same stream in every process).
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seedOf(id) {
  let h = 2166136261;
  for (const ch of id) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return h >>> 0;
}

/** How many different step inputs the stream case cycles through. */
export const STREAM_INPUTS = 16;

/**
 * The inputs of a case. `x` is batch-major [B, T, I] (as our library and TF.js take it; ORT's
 * peer transposes it to time-major itself), values in [-1, 1); `y` is [B, 1]. For 'step', `steps`
 * holds STREAM_INPUTS different [B, I] inputs, used in turn.
 */
export function makeData(c) {
  const r = rng(seedOf(c.id));
  const u = () => 2 * r() - 1;
  if (c.mode === 'step') {
    const steps = [];
    for (let s = 0; s < STREAM_INPUTS; s++) steps.push(Float32Array.from({ length: c.B * c.I }, u));
    return { steps };
  }
  const x = Float32Array.from({ length: c.B * c.T * c.I }, u);
  // A target that depends on the inputs, so training has something to fit.
  const y = new Float32Array(c.B);
  for (let b = 0; b < c.B; b++) {
    let s = 0;
    for (let k = 0; k < c.T * c.I; k++) s += x[b * c.T * c.I + k];
    y[b] = Math.tanh(s / Math.sqrt(c.T * c.I));
  }
  return { x, y };
}

/** Learning rate of every library's Adam: small, so thousands of steps on one batch stay finite. */
export const LEARNING_RATE = 1e-3;

/**
 * The targets. `kind`:
 *  - 'ratio': our seq/s ÷ the peer's seq/s on each listed case, at least `min`;
 *  - 'gflops': our GFLOP/s at least `min`;
 *  - 'time': our median time per call at most `maxMs`;
 *  - 'gemm': every GEMM shape with M, N, K ≥ 128 at least `minShare` of the f32x4 peak.
 */
export const TARGETS = [
  { id: 'infer-vs-ort', text: 'inference ≥ 1.25× onnxruntime-web on S, M, L', kind: 'ratio', peer: 'ort', min: 1.25, cases: ['S-infer', 'M-infer', 'L-infer'] },
  { id: 'train-vs-tfjs', text: 'training ≥ 15× TF.js wasm on S, M, L', kind: 'ratio', peer: 'tfjs-wasm', min: 15, cases: ['S-train', 'M-train', 'L-train'] },
  { id: 'train-gflops', text: 'training ≥ 30 GFLOP/s on M and L', kind: 'gflops', min: 30, cases: ['M-train', 'L-train'] },
  { id: 'stream', text: 'streaming step ≤ 10 µs', kind: 'time', maxMs: 0.010, cases: ['stream'] },
  { id: 'gemm', text: 'GEMM ≥ 75% of the f32x4 peak for M, N, K ≥ 128', kind: 'gemm', minShare: 0.75, minDim: 128 },
  { id: 'vs-brain', text: '≥ 20× brain.js where it runs', kind: 'ratio', peer: 'brain', min: 20, cases: CASES.map((c) => c.id) },
];

/**
 * Peer figures reported on the lead's (quiet) machine, in seq/s (stream: µs per step), for a
 * sanity check of our measurements of the peers; they are not targets.
 */
export const REPORTED = {
  ort: { 'S-infer': 30800, 'M-infer': 1380, 'L-infer': 395 },
  'tfjs-wasm': { 'S-infer': 4150, 'M-infer': 554, 'L-infer': 290, 'S-train': 469, 'M-train': 36, 'L-train': 12, stream: { us: 118 } },
  brain: { 'S-infer': 1400, 'S-train': 641 },
};
