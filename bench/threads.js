// Thread scaling: each case as a model with `threads: 1` beside the same model with `threads: 2`
// (same seed, same inputs, same build), in one process, in alternating rounds, as bench/ab.js
// times: after a warm-up long enough for V8 to tier the WebAssembly up, each round times k calls
// of one and k calls of the other (the order swapped every round), and the speedup reported is the
// median over the rounds of that round's 1-thread time ÷ its 2-thread time. On a shared machine a
// busy spell then slows both sides of a round alike.
//
// Beside the times: CPU time ÷ wall time of each side (process.cpuUsage counts every thread of the
// process, so a side that really runs on two cores shows about 2), and the kernel calls the pool's
// workers ran per call (runtimeInfo().workerCalls: 0 means the call stayed on one thread, as work
// under MIN_PARALLEL_MACS in src/layers/shards.ts does).
//
// An empty parallel region (the pool's own overhead) is not timed: the pool is not public API, and
// every public call that reaches it carries kernel work of its own.
//
//   node bench/threads.js [--quick] [--build=simd|relaxed] [--lib=dist/index.js] [--cases=S-infer,…]
// (Node 20 runs the relaxed build only with --experimental-wasm-relaxed-simd.)
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CASES, makeData } from './cases.js';
import { recurrentCase } from './peers/ours.js';

/** The cases timed: the S, M, L LSTM cases and the M GRU cases, inference and training. */
export const THREAD_CASES = ['S-infer', 'S-train', 'M-infer', 'M-train', 'L-infer', 'L-train', 'M-gru-infer', 'M-gru-train'];
/** The thread counts set side by side. */
export const THREAD_COUNTS = [1, 2];

const now = () => performance.now();
const median = (a) => {
  const s = [...a].sort((p, q) => p - q);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

function sequential(lib, c, threads) {
  const Cell = c.cell === 'gru' ? lib.GRU : lib.LSTM;
  return new lib.Sequential({ layers: [new Cell({ units: c.H, inputShape: [c.T, c.I] }), new lib.Dense({ units: 1 })], seed: 1, threads });
}

/** The largest |a − b| ÷ max(|b|, 1e-3) over two outputs (predict) or losses (train). */
function relDiff(a, b) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), 1e-3));
  return m;
}

/**
 * Rows per case: median ms per call with 1 and with 2 threads, the speedup (median of the
 * per-round ratios), CPU ÷ wall of each, worker calls per call, and how far the two models'
 * first outputs (infer) or losses (train) are apart. Throws when init() does not give 2 threads.
 */
export async function runThreadsBench({ libPath, build = 'simd', quick = false, cases = null }) {
  const lib = await import(pathToFileURL(libPath).href);
  const info = await lib.init({ relaxedSimd: build === 'relaxed', threads: 2 });
  if (info.build !== (build === 'relaxed' ? 'relaxed-simd' : 'simd')) throw new Error(`threads: asked for the ${build} build, init() gave '${info.build}'`);
  if (info.threads !== 2) throw new Error(`threads: init({ threads: 2 }) gave ${info.threads} thread(s): ${info.threadsReason}`);
  const workerCalls = () => lib.runtimeInfo().workerCalls ?? 0;
  const rows = [];
  for (const id of THREAD_CASES) {
    if (cases && !cases.includes(id)) continue;
    const c = CASES.find((k) => k.id === id);
    const data = makeData(c);
    const one = recurrentCase(sequential(lib, c, 1), c, data);
    const two = recurrentCase(sequential(lib, c, 2), c, data);
    // The same network on one and on two threads computes the same function (up to the order of sums).
    const outs = [one, two].map((h) => {
      const r = h.call();
      return typeof r === 'number' ? [r] : Array.from(r.data);
    });
    const diff = relDiff(outs[1], outs[0]);
    const runs = { 1: one, 2: two };
    for (const n of THREAD_COUNTS) {
      const t0 = now();
      while (now() - t0 < (quick ? 30 : 400)) runs[n].call();
    }
    const t0 = now();
    one.call();
    const per = Math.max(now() - t0, 1e-3);
    const k = Math.max(1, Math.round(40 / per)); // about 40 ms of one-thread calls per round
    const rounds = quick ? 3 : Math.max(7, Math.min(31, Math.round(3000 / (2 * k * per))));
    const times = { 1: [], 2: [] }, cpu = { 1: [], 2: [] }, calls = { 1: 0, 2: 0 };
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 ? [...THREAD_COUNTS].reverse() : THREAD_COUNTS;
      for (const n of order) {
        const w0 = workerCalls(), c0 = cpuMs(), s = now();
        for (let i = 0; i < k; i++) runs[n].call();
        const wall = now() - s;
        times[n].push(wall / k);
        cpu[n].push((cpuMs() - c0) / wall);
        calls[n] += workerCalls() - w0;
      }
    }
    one.dispose();
    two.dispose();
    rows.push({
      case: id,
      build: info.build,
      rounds,
      callsPerRound: k,
      oneMs: median(times[1]),
      twoMs: median(times[2]),
      speedup: median(times[1].map((t, i) => t / times[2][i])),
      oneCpuPerWall: median(cpu[1]),
      twoCpuPerWall: median(cpu[2]),
      oneWorkerCallsPerCall: calls[1] / (rounds * k),
      twoWorkerCallsPerCall: calls[2] / (rounds * k),
      maxRelDiff: diff,
    });
  }
  const end = lib.runtimeInfo();
  return { rows, runtime: { build: end.build, threads: end.threads, threadsReason: end.threadsReason, workersStarted: end.workersStarted, workerCalls: end.workerCalls } };
}

/** The rows as a markdown table. */
export function markdown(rows) {
  const f = (v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
  const lines = [
    '| case | build | 1 thread ms | 2 threads ms | speedup | CPU ÷ wall (1 / 2) | worker calls per call (1 / 2) | rounds × calls |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.case} | ${r.build} | ${f(r.oneMs)} | ${f(r.twoMs)} | ${r.speedup.toFixed(2)}× | ${r.oneCpuPerWall.toFixed(2)} / ${r.twoCpuPerWall.toFixed(2)} | ${f(r.oneWorkerCallsPerCall)} / ${f(r.twoWorkerCallsPerCall)} | ${r.rounds} × ${r.callsPerRound} |`,
    );
  }
  return lines.join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const { rows, runtime } = await runThreadsBench({
    libPath: resolve(arg('lib') ?? fileURLToPath(new URL('../dist/index.js', import.meta.url))),
    build: arg('build') ?? 'simd',
    quick: process.argv.includes('--quick'),
    cases: arg('cases')?.split(',') ?? null,
  });
  console.log(markdown(rows));
  console.log(`\n${JSON.stringify(runtime)}`);
}
