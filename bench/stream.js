// The streaming step (bench/cases.js 'stream': a stateful LSTM(H) + Dense(1), B rows, I features,
// one model.step per call) in both builds, timed as bench/ab.js times: in one process, after a
// warm-up long enough for V8 to tier the WebAssembly up, in alternating rounds of many calls, and
// the median over the rounds of each round's µs per call (wall time; its CPU time too, which on a
// shared machine leaves out the time the process waited for a core). With --previous=<dist/index.js of other
// code> the same model of that code runs in the same rounds (and the ratio per round is reported).
//
//   node bench/stream.js [--quick] [--json] [--previous=path] [--lib=path]
//
// Node 20 validates the relaxed-SIMD build only behind --experimental-wasm-relaxed-simd: without
// it this script runs itself again with the flag.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { caseById, makeData } from './cases.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const FLAG = '--experimental-wasm-relaxed-simd';
const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k, v ?? true];
  }),
);

const now = () => performance.now();
const median = (a) => {
  const s = [...a].sort((p, q) => p - q);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** A stateful LSTM + Dense(1) of the case, built by `lib` in the build init() chose last. */
function streamModel(lib, c) {
  const model = new lib.Sequential({
    layers: [new lib.LSTM({ units: c.H, stateful: true, batchInputShape: [c.B, null, c.I] }), new lib.Dense({ units: 1 })],
    seed: 1,
  });
  return model;
}

/** µs per step of each library and build, in alternating rounds. */
export async function runStreamBench({ libPath, previousPath = null, quick = false, caseId = 'stream' }) {
  const c = caseById(caseId);
  const { steps } = makeData(c);
  const libs = [['ours', await import(pathToFileURL(libPath).href)]];
  if (previousPath) libs.push(['previous', await import(pathToFileURL(previousPath).href)]);
  const runs = [];
  for (const relaxedSimd of [false, true]) {
    for (const [who, lib] of libs) {
      const info = await lib.init({ relaxedSimd });
      const model = streamModel(lib, c); // its instance is made now, with this build
      const out = new Float32Array(c.B);
      let i = 0;
      // Ours writes into `out`; code without the argument ignores it and allocates.
      const call = () => model.step(steps[i++ & (steps.length - 1)], out);
      const y = model.step(steps[0]);
      if (!y.data.every(Number.isFinite)) throw new Error(`${who} ${info.build}: step gave ${y.data}`);
      runs.push({ who, build: info.build, call, model, times: [], cpu: [] });
    }
  }
  for (const r of runs) {
    const t0 = now();
    while (now() - t0 < (quick ? 50 : 1000)) r.call();
  }
  const t0 = now();
  for (let j = 0; j < 1000; j++) runs[0].call();
  const per = Math.max((now() - t0) / 1000, 1e-4);
  const k = Math.max(100, Math.round(20 / per)); // about 20 ms of calls per sample
  const rounds = quick ? 3 : 31;
  for (let r = 0; r < rounds; r++) {
    const order = [...runs.slice(r % runs.length), ...runs.slice(0, r % runs.length)];
    for (const run of order) {
      const s = now(),
        c0 = process.cpuUsage();
      for (let j = 0; j < k; j++) run.call();
      run.times.push(((now() - s) / k) * 1000);
      const c = process.cpuUsage(c0);
      run.cpu.push((c.user + c.system) / k);
    }
  }
  for (const r of runs) r.model.dispose();
  return runs.map((r) => {
    const row = { library: r.who, build: r.build, case: c.id, B: c.B, I: c.I, H: c.H, rounds, callsPerRound: k };
    row.medianUs = median(r.times);
    row.minUs = Math.min(...r.times);
    // CPU time of this process per call: on a shared machine, wall time includes the time it waited for a core
    row.cpuMedianUs = median(r.cpu);
    const prev = runs.find((q) => q.who === 'previous' && q.build === r.build);
    if (prev && r.who === 'ours') row.speedupVsPrevious = median(r.times.map((t, i) => prev.times[i] / t));
    return row;
  });
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const probe = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 61, 1, 59, 0]);
  const z = new Array(16).fill(0);
  const relaxedOk = WebAssembly.validate(
    new Uint8Array([...probe, 253, 12, ...z, 253, 12, ...z, 253, 12, ...z, 253, 133, 2, 11]),
  );
  if (!relaxedOk && !process.execArgv.includes(FLAG)) {
    const r = spawnSync(process.execPath, [FLAG, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
      stdio: 'inherit',
    });
    process.exit(r.status ?? 1);
  }
  const libPath = resolve(args.lib ?? resolve(here, '..', 'dist', 'index.js'));
  const previousPath = typeof args.previous === 'string' ? resolve(args.previous) : null;
  const rows = await runStreamBench({ libPath, previousPath, quick: !!args.quick });
  if (args.json) console.log(JSON.stringify(rows, null, 2));
  else {
    console.log(`streaming step, case 'stream' (B ${rows[0].B}, I ${rows[0].I}, H ${rows[0].H}), ${rows[0].rounds} rounds of ${rows[0].callsPerRound} calls`);
    for (const r of rows) {
      const vs = r.speedupVsPrevious ? `  ${r.speedupVsPrevious.toFixed(2)}× the previous code` : '';
      console.log(
        `  ${r.library.padEnd(8)} ${r.build.padEnd(12)} median ${r.medianUs.toFixed(2)} µs  min ${r.minUs.toFixed(2)} µs  cpu ${r.cpuMedianUs.toFixed(2)} µs${vs}`,
      );
    }
  }
}
