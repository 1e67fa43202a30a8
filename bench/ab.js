// Today's lstm-wasm against itself, in one process, in alternating rounds: the Sequential S, M, L
// networks beside the same networks in the code before the graph engine (--previous), and beside
// the same networks built functionally. Separate processes run minutes apart on a shared 2-core
// machine differ by ±25% from one to the next, which drowns a 3% or 5% question; alternating the
// three in one process, round after round, exposes them to the same machine, and the ratio of
// each round's times is what is reported (its median over the rounds).
import { pathToFileURL } from 'node:url';
import { CASES, makeData } from './cases.js';
import { initOneThread, recurrentCase } from './peers/ours.js';

const now = () => performance.now();

function sequential(lib, c) {
  const Cell = c.cell === 'gru' ? lib.GRU : lib.LSTM;
  return new lib.Sequential({ layers: [new Cell({ units: c.H, inputShape: [c.T, c.I] }), new lib.Dense({ units: 1 })], seed: 1 });
}

function functional(lib, c) {
  const Cell = c.cell === 'gru' ? lib.GRU : lib.LSTM;
  const x = lib.input({ shape: [c.T, c.I] });
  return lib.model({ inputs: x, outputs: new lib.Dense({ units: 1 }).apply(new Cell({ units: c.H }).apply(x)), seed: 1 });
}

const median = (a) => { const s = [...a].sort((p, q) => p - q); return s[Math.floor(s.length / 2)]; };

/** Rows per case: median ms per call of each, and the medians of the per-round ratios. */
export async function runAbBench({ libPath, previousPath, build, quick = false }) {
  const cur = await import(pathToFileURL(libPath).href);
  const prev = await import(pathToFileURL(previousPath).href);
  const relaxedSimd = build === 'relaxed';
  // One thread, as the code before the graph engine (which has no threads, and refuses the option).
  const a = await initOneThread(cur, relaxedSimd), b = await initOneThread(prev, relaxedSimd);
  if (a.build !== b.build) throw new Error(`ab: asked for the ${build} build, got ${a.build} and ${b.build}`);
  const cases = CASES.filter((c) => ['S', 'M', 'L'].includes(c.size) && c.cell === 'lstm' && (c.mode === 'infer' || c.mode === 'train'));
  const rows = [];
  for (const c of cases) {
    const data = makeData(c);
    const runs = { ours: recurrentCase(sequential(cur, c), c, data), previous: recurrentCase(sequential(prev, c), c, data), functional: recurrentCase(functional(cur, c), c, data) };
    const names = Object.keys(runs);
    // Warm-up: every one long enough for V8 to tier its WebAssembly up.
    for (const n of names) { const t0 = now(); while (now() - t0 < (quick ? 30 : 400)) runs[n].call(); }
    // Calls per sample: about 40 ms of the slowest.
    const t0 = now(); runs.ours.call(); const per = Math.max(now() - t0, 1e-3);
    const k = Math.max(1, Math.round(40 / per));
    const rounds = quick ? 3 : Math.max(9, Math.min(41, Math.round(6000 / (3 * k * per))));
    const times = Object.fromEntries(names.map((n) => [n, []]));
    for (let r = 0; r < rounds; r++) {
      const order = [...names.slice(r % 3), ...names.slice(0, r % 3)]; // rotate, so drift falls on each alike
      for (const n of order) {
        const s = now();
        for (let i = 0; i < k; i++) runs[n].call();
        times[n].push((now() - s) / k);
      }
    }
    for (const n of names) runs[n].dispose();
    rows.push({
      case: c.id, rounds, callsPerRound: k,
      oursMs: median(times.ours), previousMs: median(times.previous), functionalMs: median(times.functional),
      // Speed ratios: > 1 means today's Sequential is faster than the previous code; the functional one than the Sequential.
      vsPrevious: median(times.ours.map((t, i) => times.previous[i] / t)),
      functionalVsSequential: median(times.ours.map((t, i) => t / times.functional[i])),
    });
  }
  return rows;
}
