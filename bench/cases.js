// The benchmark's cases, their FLOP counts, their inputs and the targets.
// Every library gets the same inputs: they are drawn here from a seeded generator, so each
// process (one per library) rebuilds exactly the same numbers.
//
// Letters as in DESIGN.md: B batch, T steps, I input features, H units. The seq2seq cases
// (arch 'seq2seq') have two token sequences instead: TE encoder steps over a vocabulary of VE,
// TD decoder steps over VD, embeddings of E features.

/**
 * `mode`: 'infer' = predict of one batch (recurrent layer + Dense(1) head);
 *         'train' = one trainOnBatch (Dense(1) head, mean squared error, Adam);
 *         'step'  = one step of a stateful model (B sequences advance by one step).
 * `cell`: 'lstm' (4 gate blocks) or 'gru' (3).
 * `arch`: absent for one recurrent layer + Dense(1) (a Sequential model); 'seq2seq' for the
 *         encoder-decoder of a functional model (two inputs):
 *           encoder tokens [B, TE] → Embedding(VE, E) → LSTM(H, returnState) → [h, c]
 *           decoder tokens [B, TD] → Embedding(VD, E) → LSTM(H, returnSequences, initialState [h, c])
 *             → Dense(VD, softmax) → [B, TD, VD]
 *         'train' is sparse categorical cross-entropy with Adam; 'infer' a predict of the batch.
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
  { id: 'seq2seq-infer', size: 'seq2seq', arch: 'seq2seq', cell: 'lstm', mode: 'infer', B: 32, TE: 8, TD: 9, VE: 30, VD: 40, E: 64, H: 64 },
  { id: 'seq2seq-train', size: 'seq2seq', arch: 'seq2seq', cell: 'lstm', mode: 'train', B: 32, TE: 8, TD: 9, VE: 30, VD: 40, E: 64, H: 64 },
  // Conv1D(F, K, relu) → MaxPooling1D(P) → LSTM(H) → Dense(1). 'same' padding, not 'causal': TF.js's conv1d has no 'causal'.
  { id: 'conv-lstm-infer', size: 'conv-lstm', arch: 'conv-lstm', cell: 'lstm', mode: 'infer', B: 32, T: 200, I: 8, F: 32, K: 5, padding: 'same', P: 2, H: 64 },
  { id: 'conv-lstm-train', size: 'conv-lstm', arch: 'conv-lstm', cell: 'lstm', mode: 'train', B: 32, T: 200, I: 8, F: 32, K: 5, padding: 'same', P: 2, H: 64 },
  // MultiHeadAttention(heads, keyDim) self-attention on [B, T, I = dModel] → GlobalAveragePooling1D → Dense(1).
  { id: 'mha-infer', size: 'mha', arch: 'mha', mode: 'infer', B: 32, T: 64, I: 128, heads: 4, keyDim: 32 },
  { id: 'mha-train', size: 'mha', arch: 'mha', mode: 'train', B: 32, T: 64, I: 128, heads: 4, keyDim: 32 },
];

export const isSeq2seq = (c) => c.arch === 'seq2seq';

export const caseById = (id) => CASES.find((c) => c.id === id);

/**
 * Nominal FLOPs of one call, the same for every library, so GFLOP/s compare like seq/s do.
 * Forward of a recurrent layer: 2·B·T·(I+H)·G·H with G = 4 (LSTM) or 3 (GRU): the input and
 * recurrent matrix products. Elementwise gate work and the Dense(1) head are left out (small).
 * Training: forward + backward, the backward counted as 2× the forward.
 * seq2seq: the encoder's and the decoder's recurrent layers (I = E) and the Dense(VD) head on every
 * decoder step, 2·B·TD·H·VD (about 4% of the total here, so not left out); embedding lookups and
 * the softmax are left out.
 * conv-lstm: the Conv1D's 2·B·Tout·K·I·F, the LSTM on the T/P pooled steps (input F), the Dense(1)
 * head; pooling and the relu are left out. mha: the forward products of gemmsOf and the head.
 */
export function flopsOf(c) {
  if (c.arch === 'conv-lstm') {
    // Conv1D: 2·B·Tout·K·I·F ('same': Tout = T); LSTM on the pooled steps (input F); the Dense(1) head.
    const conv = 2 * c.B * c.T * c.K * c.I * c.F;
    const lstm = 2 * c.B * Math.floor(c.T / c.P) * (c.F + c.H) * 4 * c.H;
    const forward = conv + lstm + 2 * c.B * c.H;
    return c.mode === 'train' ? 3 * forward : forward;
  }
  if (c.arch === 'mha') {
    const forward = gemmsOf(c).filter((g) => !g.backward).reduce((s, g) => s + g.count * 2 * g.M * g.N * g.K, 0) + 2 * c.B * c.I;
    return c.mode === 'train' ? 3 * forward : forward;
  }
  if (isSeq2seq(c)) {
    const rec = (T) => 2 * c.B * T * (c.E + c.H) * 4 * c.H;
    const forward = rec(c.TE) + rec(c.TD) + 2 * c.B * c.TD * c.H * c.VD;
    return c.mode === 'train' ? 3 * forward : forward;
  }
  const G = c.cell === 'gru' ? 3 : 4;
  const forward = 2 * c.B * c.T * (c.I + c.H) * G * c.H;
  return c.mode === 'train' ? 3 * forward : forward;
}

/**
 * The matrix products of MultiHeadAttention's forward and backward passes on an mha case, as GEMM
 * shapes (C[M, N] = op(A)[M, K] · B[K, N], op(A) = Aᵀ with transA) and how many of each a call
 * runs, as src/layers/attention.ts and assembly/attention.ts run them: the projections on the B·T
 * rows (query, key, value: X [B·T, D] · W [D, heads·dk]; output: O [B·T, heads·dv] · Wo [heads·dv, D]),
 * then per sequence and head S = Q·Kᵀ [T, T] and O = P·V [T, dv]; the backward has two products for
 * each (dQ = dS·K and dK = dSᵀ·Q; dP = dO·Vᵀ and dV = Pᵀ·dO; dX = dY·Wᵀ and dW = Xᵀ·dY), so 2× the
 * forward's FLOPs. `inputGrad` marks dX of the query, key and value projections: the gradient with
 * respect to the model's input, which no library computes (nothing needs it), so the FLOPs a
 * training call really runs are 3× the forward's less those. flopsOf counts the nominal 3× (as for
 * every case) and the Dense(1) head; softmax, pooling and biases are left out. The attention target
 * (kind 'gemm-share') times gemm_packed on the products a call really runs.
 */
export function gemmsOf(c) {
  const BT = c.B * c.T, D = c.I, HK = c.heads * c.keyDim, HV = HK, BH = c.B * c.heads, T = c.T, dk = c.keyDim, dv = c.keyDim;
  return [
    { what: 'query, key, value projections X·W', M: BT, N: HK, K: D, count: 3 },
    { what: 'output projection O·Wo', M: BT, N: D, K: HV, count: 1 },
    { what: 'scores Q·Kᵀ per head', M: T, N: T, K: dk, count: BH },
    { what: 'weights × values P·V per head', M: T, N: dv, K: T, count: BH },
    { what: 'dO = dY·Woᵀ', M: BT, N: HV, K: D, count: 1, backward: true },
    { what: 'dWo = Oᵀ·dY', M: HV, N: D, K: BT, transA: true, count: 1, backward: true },
    { what: 'dP = dO·Vᵀ per head', M: T, N: T, K: dv, count: BH, backward: true },
    { what: 'dV = Pᵀ·dO per head', M: T, N: dv, K: T, transA: true, count: BH, backward: true },
    { what: 'dQ = dS·K per head', M: T, N: dk, K: T, count: BH, backward: true },
    { what: 'dK = dSᵀ·Q per head', M: T, N: dk, K: T, transA: true, count: BH, backward: true },
    { what: 'dW = Xᵀ·dZ of the query, key, value projections', M: D, N: HK, K: BT, transA: true, count: 3, backward: true },
    { what: 'dX = dZ·Wᵀ of the query, key, value projections (not run: the model\'s input)', M: BT, N: D, K: HK, count: 3, backward: true, inputGrad: true },
  ];
}

/** Sequences a call processes: B (for 'step', B sequences advanced by one step). */
export const sequencesOf = (c) => c.B;

// mulberry32: a small, fast, seeded generator (the same stream in every process; the tests and the
// web demo use this one too).
export function rng(seed) {
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
  if (isSeq2seq(c)) return makeSeq2seqData(c, r);
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

/**
 * The seq2seq inputs, token ids as floats (our library takes them so; the TF.js peer makes int32
 * tensors of them): `enc` [B, TE] in [0, VE), `dec` [B, TD] and `y` [B, TD] in [0, VD). The target
 * is a function of the encoder's tokens (a "translation"), and the decoder's input is the target
 * shifted right by one step after a start token 0 (teacher forcing), as in the Keras tutorial.
 */
function makeSeq2seqData(c, r) {
  const { B, TE, TD, VE, VD } = c;
  const enc = new Float32Array(B * TE);
  const dec = new Float32Array(B * TD);
  const y = new Float32Array(B * TD);
  for (let i = 0; i < enc.length; i++) enc[i] = Math.floor(r() * VE);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < TD; t++) {
      // Tokens 1..VD-1 (0 is the start token): the encoder's token t (cycled), mapped into the decoder vocabulary.
      y[b * TD + t] = 1 + ((enc[b * TE + (t % TE)] * 7 + t) % (VD - 1));
      dec[b * TD + t] = t === 0 ? 0 : y[b * TD + t - 1];
    }
  }
  return { enc, dec, y };
}

/** Learning rate of every library's Adam: small, so thousands of steps on one batch stay finite. */
export const LEARNING_RATE = 1e-3;

/**
 * The targets. `kind`:
 *  - 'ratio': our seq/s ÷ the peer's seq/s on each listed case, at least `min`;
 *  - 'gflops': our GFLOP/s at least `min`;
 *  - 'time': our median time per call at most `maxMs` (or `maxMs[build]`);
 *  - 'gemm': every GEMM shape with M, N, K ≥ 128 at least `minShare` of the f32x4 peak;
 *  - 'gemm-share': our GFLOP/s at least `min` × the packed GEMM's on the matrix products a call of the
 *    case runs (gemmsOf), both timed by the ours peer alternately, in the same process and build, after
 *    the case (result.reference: caseGflops ÷ gflops);
 *  - 'threads': the threads job's speedup of 2 threads over 1 at least `min`;
 *  - 'threads-ratio': `peer`'s median ÷ our 2-thread median (threads job) at least `min`; `fallback`'s
 *    (ORT's 1 thread) where the peer does not really thread in this runtime (report.js ortThreadsFinding);
 *  - 'int8': bench/int8.js's f32 ÷ int8 speedup at least `min[case]`; 'int8-size': int8 ÷ f32 file bytes at most `max`.
 */
export const TARGETS = [
  { id: 'infer-vs-ort', text: 'inference ≥ 1.25× onnxruntime-web on S, M, L', kind: 'ratio', peer: 'ort', min: 1.25, cases: ['S-infer', 'M-infer', 'L-infer'] },
  { id: 'train-vs-tfjs', text: 'training ≥ 15× TF.js wasm on S, M, L', kind: 'ratio', peer: 'tfjs-wasm', min: 15, cases: ['S-train', 'M-train', 'L-train'] },
  { id: 'seq2seq-train-vs-tfjs', text: 'seq2seq training ≥ 15× TF.js wasm', kind: 'ratio', peer: 'tfjs-wasm', min: 15, cases: ['seq2seq-train'] },
  { id: 'train-gflops', text: 'training ≥ 30 GFLOP/s on M and L', kind: 'gflops', min: 30, cases: ['M-train', 'L-train'] },
  { id: 'conv-lstm-train-vs-tfjs', text: 'Conv1D + LSTM training ≥ 10× TF.js wasm', kind: 'ratio', peer: 'tfjs-wasm', min: 10, cases: ['conv-lstm-train'] },
  { id: 'mha-vs-gemm', text: 'attention forward + backward ≥ ½ the packed GEMM\'s GFLOP/s at those shapes', kind: 'gemm-share', min: 0.5, cases: ['mha-train'] },
  // The streaming step: bench/stream.js's figure where it ran (else the main table's); the bound per build (issue 11).
  { id: 'stream', text: 'streaming step ≤ 6 µs (relaxed-SIMD build), ≤ 10 µs (plain SIMD)', kind: 'time', maxMs: { relaxed: 0.006, simd: 0.010 }, cases: ['stream'] },
  { id: 'gemm', text: 'GEMM ≥ 75% of the f32x4 peak for M, N, K ≥ 128', kind: 'gemm', minShare: 0.75, minDim: 128 },
  { id: 'vs-brain', text: '≥ 20× brain.js where it runs', kind: 'ratio', peer: 'brain', min: 20, cases: CASES.map((c) => c.id) },
  // Ours against ours, same build, same run: 'self' compares our seq/s (or `of`'s) with `peer`'s.
  { id: 'no-regression', text: 'Sequential S, M, L within 3% of the code before the graph engine', kind: 'self', peer: 'ours-previous', min: 0.97, cases: ['S-infer', 'S-train', 'M-infer', 'M-train', 'L-infer', 'L-train'] },
  { id: 'functional-overhead', text: 'the same network built functionally costs at most 5% more', kind: 'self', of: 'ours-functional', peer: 'ours', min: 1 / 1.05, cases: ['S-infer', 'S-train'] },
  // Threads (issue 11), from the threads job (bench/threads.js: 1 thread beside 2, alternating in one process).
  { id: 'threads-train', text: 'M and L training on 2 threads ≥ 1.8× one thread', kind: 'threads', min: 1.8, cases: ['M-train', 'L-train'] },
  { id: 'threads-train-S', text: 'S training on 2 threads ≥ 1.5× one thread', kind: 'threads', min: 1.5, cases: ['S-train'] },
  { id: 'threads-infer', text: 'M and L inference on 2 threads ≥ 1.7× one thread', kind: 'threads', min: 1.7, cases: ['M-infer', 'L-infer'] },
  // Our 2-thread time (threads job) against ORT on 2 threads (ort-threads, its own process); ORT's 1 thread where it cannot thread.
  { id: 'infer-vs-ort-threads', text: 'inference on 2 threads each ≥ 1.25× onnxruntime-web on S, M, L', kind: 'threads-ratio', peer: 'ort-threads', fallback: 'ort', min: 1.25, cases: ['S-infer', 'M-infer', 'L-infer'] },
  // int8 (issue 12), from bench/int8.js: quantize() of the f32 model beside it, alternating in one process.
  { id: 'int8-speed', text: 'int8 inference ≥ 1.8× f32 on L, ≥ 1.5× on M and the streaming step', kind: 'int8', min: { 'L-infer': 1.8, 'M-infer': 1.5, stream: 1.5 }, cases: ['L-infer', 'M-infer', 'stream'] },
  { id: 'int8-size', text: 'a saved int8 model ≤ 30% of the f32 file', kind: 'int8-size', max: 0.3, cases: ['S-infer', 'M-infer', 'L-infer', 'stream'] },
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
