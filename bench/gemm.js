#!/usr/bin/env node
// GEMM GFLOP/s beside the machine's f32x4 multiply-add peak.
//
//   node bench/gemm.js [WASM_DIR]                             plain SIMD build only on Node 20
//   node --experimental-wasm-relaxed-simd bench/gemm.js        both builds
//   LSTM_WASM_DIR=/tmp/mine node bench/gemm.js                 a build of one's own (assembly/README.md)
//   --quick                                                    a smoke run: few calls, not a measurement
//
// The peak comes from a microkernel of our own (bench/kernels/peak.ts: independent multiply-add
// chains and nothing else), compiled here with the project's asc for each build, so "share of peak"
// compares like with like on whatever machine this runs on. GEMM is `gemm_packed` from the
// library's wasm: B packed once (as a layer packs its weights once per update), A streamed.
//
// bench/run.js imports runGemmBench(); run directly, this prints a table.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..');
/**
 * The AssemblyScript compiler: the repository's (a devDependency), or, where lstm-wasm is an
 * installed package, the one the project beside it installed (npm i -D assemblyscript). Null if none.
 */
export function findAsc() {
  for (let dir = ROOT; ; dir = dirname(dir)) {
    const asc = join(dir, 'node_modules', 'assemblyscript', 'bin', 'asc.js');
    if (existsSync(asc)) return asc;
    if (dirname(dir) === dir) return null;
  }
}
const ASC = findAsc() ?? join(ROOT, 'node_modules', 'assemblyscript', 'bin', 'asc.js');

/** The shapes timed: what the recurrent layers actually run, and square ones for the peak claim. */
export const SHAPES = [
  { M: 128, N: 128, K: 128, note: 'square' },
  { M: 256, N: 256, K: 256, note: 'square' },
  { M: 512, N: 512, K: 512, note: 'square' },
  { M: 32, N: 512, K: 128, note: 'LSTM step h·U, B=32 H=128' },
  { M: 16, N: 512, K: 128, note: 'LSTM step h·U, B=16 H=128' },
  { M: 1, N: 512, K: 128, note: 'streaming step h·U, H=128' },
  { M: 32, N: 2048, K: 512, note: 'LSTM step h·U, B=32 H=512' },
  { M: 3200, N: 512, K: 64, note: 'X·W, B·T=3200 I=64 H=128' },
  { M: 64, N: 512, K: 3200, transA: true, note: 'dW = Xᵀ·dZ' },
];

// The smallest module using one relaxed-SIMD instruction (f32x4.relaxed_madd): does this runtime take it?
const Z16 = new Array(16).fill(0);
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00,
  0x0a, 0x3d, 0x01, 0x3b, 0x00, 0xfd, 0x0c, ...Z16, 0xfd, 0x0c, ...Z16, 0xfd, 0x0c, ...Z16, 0xfd, 0x85, 0x02, 0x0b,
]);
export const relaxedSupported = () => WebAssembly.validate(RELAXED_PROBE);

// Warm-up and measurement, in milliseconds. V8 runs new WebAssembly in its baseline tier first and
// swaps in optimised code once a function is hot (compiled in the background), so every shape is
// warmed before it is timed. A sample is enough calls to last `sampleMs`; the figure is the median.
const BUDGET = {
  full: { firstWarmMs: 600, warmMs: 100, sampleMs: 2, minSamples: 25, measureMs: 500, peakIters: 150_000, peakSamples: 25 },
  quick: { firstWarmMs: 30, warmMs: 5, sampleMs: 1, minSamples: 3, measureMs: 10, peakIters: 50_000, peakSamples: 3 },
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// ---- the peak ----------------------------------------------------------------------------------

const peakModules = new Map();
function compilePeak(relaxed) {
  let module = peakModules.get(relaxed);
  if (!module) {
    const dir = mkdtempSync(join(tmpdir(), 'lstm-wasm-peak-'));
    try {
      const out = join(dir, 'peak.wasm');
      const args = [ASC, join(HERE, 'kernels', 'peak.ts'), '-O3', '--noAssert', '--runtime', 'stub', '--enable', 'simd'];
      if (relaxed) args.push('--enable', 'relaxed-simd');
      // cwd: the temp folder, not the project: asc would read the project's asconfig.json (shared, imported memory).
      execFileSync(process.execPath, [...args, '-o', out], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
      module = new WebAssembly.Module(readFileSync(out));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    peakModules.set(relaxed, module);
  }
  return module;
}

/** GFLOP/s of the peak microkernel (8 flops per f32x4 multiply-add): the median and the best sample. */
export function measurePeak(relaxed, budget = BUDGET.full) {
  const p = new WebAssembly.Instance(compilePeak(relaxed), {}).exports;
  const flops = budget.peakIters * p.peak_madds_per_iter() * 8;
  // m < 1 and a small c keep every lane finite however long it runs.
  const run = () => p.peak(budget.peakIters, 0.999, 0.001);
  const t0 = performance.now();
  while (performance.now() - t0 < budget.firstWarmMs / 2) run();
  const times = [];
  for (let s = 0; s < budget.peakSamples; s++) {
    const t = performance.now();
    run();
    times.push(performance.now() - t);
  }
  return { median: flops / median(times) / 1e6, best: flops / Math.min(...times) / 1e6 };
}

// ---- GEMM --------------------------------------------------------------------------------------

function loadKernels(wasmDir, relaxed) {
  const file = join(wasmDir, `lstm-${relaxed ? 'relaxed' : 'simd'}.wasm`);
  if (!existsSync(file)) throw new Error(`bench/gemm.js: ${file} is missing (npm run build:wasm, or pass a wasm dir)`);
  const module = new WebAssembly.Module(readFileSync(file));
  // Builds since threads import their (shared) memory; older ones (--previous) make their own.
  const importsMemory = WebAssembly.Module.imports(module).some((d) => d.kind === 'memory');
  const env = importsMemory ? { memory: new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true }) } : undefined;
  return new WebAssembly.Instance(module, env ? { env } : {}).exports;
}

// A bump allocator over the kernels' memory, as the library's arena does: 64-byte aligned, never 0.
function allocator(k) {
  let top = Math.ceil(Math.max(k.heap_base(), 64) / 64) * 64;
  return (floats) => {
    const p = top;
    top = Math.ceil((p + floats * 4) / 64) * 64;
    const have = k.memory.buffer.byteLength;
    if (top > have) k.memory.grow(Math.ceil((top - have) / 65536));
    return p;
  };
}

function fill(k, ptr, n, seed) {
  const v = new Float32Array(k.memory.buffer, ptr, n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    v[i] = s / 2 ** 31 - 1;
  }
}

/** Times one shape: median and best milliseconds per gemm_packed call. */
function timeShape(k, alloc, { M, N, K, transA = false }, budget, warmMs) {
  const a = alloc(M * K), b = alloc(K * N), bp = alloc(k.gemm_packed_size(K, N)), c = alloc(M * N);
  fill(k, a, M * K, 1);
  fill(k, b, K * N, 2);
  k.gemm_pack_b(b, N, K, N, 0, bp);
  const lda = transA ? M : K;
  const call = () => k.gemm_packed(M, N, K, a, lda, transA ? 1 : 0, bp, c, N, 0);
  let t0 = performance.now();
  let calls = 0;
  while (performance.now() - t0 < warmMs || calls < 3) { call(); calls++; }
  const perCall = (performance.now() - t0) / calls;
  const reps = Math.max(1, Math.ceil(budget.sampleMs / perCall));
  const samples = [];
  t0 = performance.now();
  while (samples.length < budget.minSamples || performance.now() - t0 < budget.measureMs) {
    const t = performance.now();
    for (let r = 0; r < reps; r++) call();
    samples.push((performance.now() - t) / reps);
  }
  return { ms: median(samples), bestMs: Math.min(...samples) };
}

/**
 * Peak and GEMM figures for one build.
 * @param {{ wasmDir?: string, relaxed?: boolean, quick?: boolean, shapes?: typeof SHAPES }} opts
 * The peak is measured before and after the shapes and the higher figure kept, so that a busy
 * spell during one of the two cannot flatter the shares.
 * @returns {{ build: string, peakGflops: number, peakBestGflops: number, rows: { kernel: string, M: number, N: number, K: number, transA: boolean, note: string, medianMs: number, gflops: number, share: number, bestMs: number, bestGflops: number, bestShare: number }[] }}
 */
export async function runGemmBench({ wasmDir = process.env.LSTM_WASM_DIR ?? join(ROOT, 'build'), relaxed = false, quick = false, shapes = SHAPES } = {}) {
  if (relaxed && !relaxedSupported()) throw new Error('this runtime does not validate relaxed-SIMD (Node 20 needs --experimental-wasm-relaxed-simd)');
  const budget = quick ? BUDGET.quick : BUDGET.full;
  const before = measurePeak(relaxed, budget);
  const k = loadKernels(resolve(wasmDir), relaxed);
  const alloc = allocator(k);
  const timed = shapes.map((shape, i) => ({ shape, ...timeShape(k, alloc, shape, budget, i === 0 ? budget.firstWarmMs : budget.warmMs) }));
  const after = measurePeak(relaxed, budget);
  const peak = { median: Math.max(before.median, after.median), best: Math.max(before.best, after.best) };
  const rows = timed.map(({ shape, ms, bestMs }) => {
    const flops = 2 * shape.M * shape.N * shape.K;
    const gflops = flops / ms / 1e6, bestGflops = flops / bestMs / 1e6;
    return {
      kernel: shape.transA ? 'gemm_packed transA' : 'gemm_packed',
      M: shape.M, N: shape.N, K: shape.K, transA: !!shape.transA, note: shape.note ?? '',
      medianMs: ms, gflops, share: gflops / peak.median,
      bestMs, bestGflops, bestShare: bestGflops / peak.best,
    };
  });
  return { build: relaxed ? 'relaxed' : 'simd', peakGflops: peak.median, peakBestGflops: peak.best, rows };
}

/**
 * gemm_packed alone on a list of products, for a case's reference figure (the ours peer sets the
 * matrix products of its mha case beside the case's own calls, bench/cases.js gemmsOf): each
 * shape's operands allocated and its B packed once (as in runGemmBench, outside the timing); run()
 * calls gemm_packed `count` times per shape and returns the milliseconds each shape's calls took.
 * @param {{ wasmDir?: string, relaxed?: boolean, shapes: { M: number, N: number, K: number, transA?: boolean, count?: number }[] }} opts
 * @returns {{ run: () => number[] }}
 */
export function gemmProducts({ wasmDir = process.env.LSTM_WASM_DIR ?? join(ROOT, 'build'), relaxed = false, shapes }) {
  const k = loadKernels(resolve(wasmDir), relaxed);
  const alloc = allocator(k);
  const calls = shapes.map(({ M, N, K, transA = false }, i) => {
    const a = alloc(M * K), b = alloc(K * N), bp = alloc(k.gemm_packed_size(K, N)), c = alloc(M * N);
    fill(k, a, M * K, 2 * i + 1);
    fill(k, b, K * N, 2 * i + 2);
    k.gemm_pack_b(b, N, K, N, 0, bp);
    const lda = transA ? M : K;
    return () => k.gemm_packed(M, N, K, a, lda, transA ? 1 : 0, bp, c, N, 0);
  });
  return {
    run() {
      return shapes.map((shape, i) => {
        const call = calls[i], n = shape.count ?? 1;
        const t = performance.now();
        for (let r = 0; r < n; r++) call();
        return performance.now() - t;
      });
    },
  };
}

// Medians are the figures; the best samples say what the kernel does when nothing else runs (on a
// busy machine the two part, and the medians of the peak and of GEMM are taken at different times).
function printTable(result) {
  console.log(`\n${result.build} build: f32x4 multiply-add peak ${result.peakGflops.toFixed(1)} GFLOP/s (best sample ${result.peakBestGflops.toFixed(1)})`);
  console.log('| shape M×N×K | op | µs per call | GFLOP/s | of peak | best GFLOP/s | of best peak | what |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const r of result.rows) {
    const pct = (x) => `${(x * 100).toFixed(0)}%`;
    console.log(`| ${r.M}×${r.N}×${r.K} | ${r.transA ? 'Aᵀ·B' : 'A·B'} | ${(r.medianMs * 1000).toFixed(1)} | ${r.gflops.toFixed(1)} | ${pct(r.share)} | ${r.bestGflops.toFixed(1)} | ${pct(r.bestShare)} | ${r.note} |`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const wasmDir = args.find((a) => !a.startsWith('--')) ?? process.env.LSTM_WASM_DIR ?? join(ROOT, 'build');
  const builds = relaxedSupported() ? [false, true] : [false];
  if (!relaxedSupported()) console.log('(relaxed-SIMD not available here: run with --experimental-wasm-relaxed-simd to time that build too)');
  for (const relaxed of builds) printTable(await runGemmBench({ wasmDir, relaxed, quick }));
}
