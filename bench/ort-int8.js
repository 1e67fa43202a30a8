// onnxruntime-web's int8 path on the S, M and L LSTM inference cases of bench/cases.js: our bench
// model (LSTM(H) → Dense(1), seed 1, as bench/int8.js builds it) is quantize()d and written with
// toOnnx in two int8 forms, each timed against ORT running toOnnx of the f32 model (same graph
// otherwise, same inputs from makeData):
//   'DynamicQuantizeLSTM'       toOnnx(q, { int8: 'onnxruntime' }): ORT's quantized LSTM
//                               (com.microsoft; it quantizes the activations at run time, int8
//                               products), the Dense head through DequantizeLinear;
//   'DequantizeLinear + LSTM'   toOnnx(q): int8 weights dequantized in the graph, then the float
//                               LSTM: the LSTM's products are f32 either way (only the file is smaller).
// One thread, graphOptimizationLevel 'all', each session warmed up, then rounds alternating the f32
// and the int8 session (k calls each); per row the median ms per call of each and the median of the
// per-round ratios (ratio = f32 ms / int8 ms: above 1, int8 is faster). If a form fails to load or
// run, its row says so (`how` names the error) and carries no times.
//
//   node bench/ort-int8.js [--quick] [--lib=dist/index.js]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CASES, makeData } from './cases.js';

const now = () => performance.now();
const median = (a) => {
  const s = [...a].sort((p, q) => p - q);
  return s[Math.floor(s.length / 2)];
};
export const ORT_INT8_CASES = ['S-infer', 'M-infer', 'L-infer'];
const FORMS = [
  { how: 'DynamicQuantizeLSTM', options: { int8: 'onnxruntime' } },
  { how: 'DequantizeLinear + LSTM', options: { int8: 'dequantize' } },
];

async function session(ort, bytes) {
  return ort.InferenceSession.create(bytes, {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
  });
}

/** One call: the session on the case's batch; returns the output data. */
const caller = (s, feeds) => async () => (await s.run({ [s.inputNames[0]]: feeds }))[s.outputNames[0]].data;

/**
 * Rows {case, ortF32Ms, ortInt8Ms, ratio, how, maxDiffInt8, rounds, callsPerRound, version}: per
 * case and int8 form, ORT's f32 and int8 ms per call, the median of the per-round ratios (f32/int8),
 * and the largest difference of ORT's int8 output from our own int8 predict.
 */
export async function runOrtInt8Bench({ quick = false, libPath } = {}) {
  const lib = await import(pathToFileURL(libPath ?? new URL('../dist/index.js', import.meta.url).pathname).href);
  await lib.init();
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  ort.env.logLevel = 'error';
  const version = ort.env.versions?.web ?? '?';
  const rows = [];
  for (const id of ORT_INT8_CASES) {
    const c = CASES.find((k) => k.id === id);
    const data = makeData(c);
    const f32 = new lib.Sequential({
      layers: [new lib.LSTM({ units: c.H, inputShape: [c.T, c.I] }), new lib.Dense({ units: 1 })],
      seed: 1,
    });
    const q = lib.quantize(f32, { weights: 'int8', activations: 'dynamic' });
    const ours = q.predict({ data: data.x, shape: [c.B, c.T, c.I] }, { batchSize: c.B }).data;
    const feeds = new ort.Tensor('float32', Float32Array.from(data.x), [c.B, c.T, c.I]);
    const fs = await session(ort, lib.toOnnx(f32));
    const a = caller(fs, feeds);
    for (const form of FORMS) {
      const row = { case: id, how: form.how, version };
      let is;
      try {
        is = await session(ort, lib.toOnnx(q, form.options));
        const y = await caller(is, feeds)();
        let d = 0;
        for (let i = 0; i < y.length; i++) d = Math.max(d, Math.abs(y[i] - ours[i]));
        row.maxDiffInt8 = d;
      } catch (e) {
        rows.push({ ...row, how: `${form.how}: not run (${String(e?.message ?? e).split('\n')[0]})` });
        continue;
      }
      const b = caller(is, feeds);
      const runs = { f32: a, int8: b };
      for (const n of ['f32', 'int8']) {
        const t0 = now();
        while (now() - t0 < (quick ? 30 : 400)) await runs[n]();
      }
      const t0 = now();
      await a();
      const per = Math.max(now() - t0, 1e-3);
      const k = Math.max(1, Math.round(40 / per));
      const rounds = quick ? 3 : Math.max(9, Math.min(41, Math.round(6000 / (2 * k * per))));
      const times = { f32: [], int8: [] };
      for (let r = 0; r < rounds; r++) {
        const order = r % 2 ? ['int8', 'f32'] : ['f32', 'int8']; // alternate, so drift falls on both alike
        for (const n of order) {
          const s = now();
          for (let i = 0; i < k; i++) await runs[n]();
          times[n].push((now() - s) / k);
        }
      }
      await is.release();
      rows.push({
        ...row,
        ortF32Ms: median(times.f32),
        ortInt8Ms: median(times.int8),
        ratio: median(times.f32.map((t, i) => t / times.int8[i])),
        rounds,
        callsPerRound: k,
      });
    }
    await fs.release();
    f32.dispose();
    q.dispose();
  }
  return rows;
}

const fmt = (v, d = 3) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(d));

/** The rows as a markdown table: case, int8 form, ORT f32 ms, ORT int8 ms, ratio, difference from our int8 output. */
export function markdown(rows) {
  const out = [];
  out.push(`onnxruntime-web ${rows[0]?.version ?? ''} (WASM, one thread): f32 graph vs int8 graph of the same quantized model`);
  out.push('');
  out.push('| case | ORT int8 form | ORT f32 ms | ORT int8 ms | f32/int8 | max abs diff from our int8 |');
  out.push('| --- | --- | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    if (r.ortF32Ms === undefined) out.push(`| ${r.case} | ${r.how} | – | – | – | – |`);
    else
      out.push(
        `| ${r.case} | ${r.how} | ${fmt(r.ortF32Ms)} | ${fmt(r.ortInt8Ms)} | ${r.ratio.toFixed(2)}× | ${r.maxDiffInt8.toExponential(1)} |`,
      );
  }
  return out.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const rows = await runOrtInt8Bench({
    quick: process.argv.includes('--quick'),
    libPath: arg('lib') ? resolve(arg('lib')) : undefined,
  });
  console.log(markdown(rows));
}
