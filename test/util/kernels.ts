// Test harness for the raw kernels: loads a build straight from build/, gives an arena over it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Arena } from '../../src/runtime/arena.js';
import type { Kernels } from '../../src/runtime/kernels.js';

export type Build = 'simd' | 'relaxed';
export const BUILDS: Build[] = ['simd', 'relaxed'];

const modules = new Map<Build, WebAssembly.Module>();

export function loadKernels(build: Build = 'simd'): { k: Kernels; arena: Arena } {
  let m = modules.get(build);
  if (!m) {
    // LSTM_WASM_DIR lets a kernel be tested from a build of its own entry (see assembly/README.md).
    const dir = process.env.LSTM_WASM_DIR ?? join(__dirname, '..', '..', 'build');
    m = new WebAssembly.Module(readFileSync(join(dir, `lstm-${build}.wasm`)));
    modules.set(build, m);
  }
  // The module imports its memory (shared, so the same bytes also run on the thread pool's workers).
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
  const k = new WebAssembly.Instance(m, { env: { memory } }).exports as unknown as Kernels;
  return { k, arena: new Arena(k) };
}

/** Deterministic pseudo-random numbers for tests (mulberry32), independent of the library's RNG: bench/cases.js's. */
// @ts-ignore: plain JS module without types
export { rng } from '../../bench/cases.js';

export function randArray(n: number, r: () => number, scale = 1): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = (r() * 2 - 1) * scale;
  return a;
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
