// fitDataset beside fit, in one process, alternating: does data streamed batch by batch (made on
// the fly by a generator, as a file read in chunks would be) train as fast per sequence as the
// same number of sequences held in memory? Each round times one epoch of fit (in-memory x, y;
// shuffle off, batchSize 32) and one epoch of fitDataset (an async generator that makes each
// batch when asked); the ratio reported is the median over the rounds of fitDataset's speed over
// fit's (1 = the same speed; < 1 = streaming is slower). Timed as bench/ab.js times: warm-up
// first, the order of the two swapped each round, medians.
import { pathToFileURL } from 'node:url';
import { rng } from './cases.js';

const now = () => performance.now();
const median = (a) => {
  const s = [...a].sort((p, q) => p - q);
  return s[Math.floor(s.length / 2)];
};

/** The sizes timed: the bench's S and M LSTM training cases (batch 32), with enough batches per epoch to time. */
const FIT_DATASET_CASES = [
  { id: 'S-train', B: 32, T: 50, I: 1, H: 32, batches: 40 },
  { id: 'M-train', B: 32, T: 100, I: 64, H: 128, batches: 8 },
];

/** One batch of sequences and targets, drawn from a seeded generator (so every batch is new data, made when asked). */
function makeBatch(c, r) {
  const xs = new Float32Array(c.B * c.T * c.I);
  for (let i = 0; i < xs.length; i++) xs[i] = r() * 2 - 1;
  const ys = new Float32Array(c.B);
  for (let i = 0; i < ys.length; i++) ys[i] = r() * 2 - 1;
  return { xs: { data: xs, shape: [c.B, c.T, c.I] }, ys: { data: ys, shape: [c.B, 1] } };
}

/** Rows per case: sequences per second of fit and of fitDataset (medians), and the median of the per-round ratios. */
export async function runFitDatasetBench({ libPath, quick = false }) {
  const lib = await import(pathToFileURL(libPath).href);
  await lib.init();
  const rows = [];
  for (const c of FIT_DATASET_CASES) {
    const batches = quick ? Math.max(2, Math.round(c.batches / 4)) : c.batches;
    const n = batches * c.B;
    // In memory: the same amount of data, made once.
    const r0 = rng(11);
    const x = { data: new Float32Array(n * c.T * c.I), shape: [n, c.T, c.I] };
    const y = { data: new Float32Array(n), shape: [n, 1] };
    for (let b = 0; b < batches; b++) {
      const { xs, ys } = makeBatch(c, r0);
      x.data.set(xs.data, b * xs.data.length);
      y.data.set(ys.data, b * c.B);
    }
    const model = () => {
      const m = new lib.Sequential({ seed: 1, layers: [new lib.LSTM({ units: c.H, inputShape: [c.T, c.I] }), new lib.Dense({ units: 1 })] });
      m.compile({ optimizer: { name: 'adam', learningRate: 1e-3 }, loss: 'meanSquaredError' });
      return m;
    };
    const a = model(), s = model();
    let seed = 100;
    const runs = {
      fit: () => a.fit(x, y, { epochs: 1, batchSize: c.B, shuffle: false, verbose: 0, yieldEvery: 'never' }),
      fitDataset: () => {
        const r = rng(seed++);
        return s.fitDataset(
          async function* () {
            for (let b = 0; b < batches; b++) yield makeBatch(c, r);
          },
          { epochs: 1, verbose: 0, yieldEvery: 'never' },
        );
      },
    };
    const names = Object.keys(runs);
    for (const k of names) {
      const t0 = now();
      while (now() - t0 < (quick ? 100 : 1500)) await runs[k]();
    }
    const rounds = quick ? 3 : 15;
    const times = { fit: [], fitDataset: [] };
    for (let i = 0; i < rounds; i++) {
      const order = i % 2 ? [...names].reverse() : names;
      for (const k of order) {
        const t0 = now();
        await runs[k]();
        times[k].push((now() - t0) / 1000);
      }
    }
    a.dispose();
    s.dispose();
    rows.push({
      case: c.id,
      sequencesPerEpoch: n,
      rounds,
      fitSeqPerS: n / median(times.fit),
      fitDatasetSeqPerS: n / median(times.fitDataset),
      ratio: median(times.fit.map((t, i) => t / times.fitDataset[i])),
    });
  }
  return rows;
}

/** The rows as a Markdown table. */
export function markdown(rows) {
  const lines = [
    '| case | sequences per epoch | fit (seq/s) | fitDataset from a generator (seq/s) | fitDataset ÷ fit |',
    '| --- | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows)
    lines.push(
      `| ${r.case} | ${r.sequencesPerEpoch} | ${r.fitSeqPerS.toFixed(0)} | ${r.fitDatasetSeqPerS.toFixed(0)} | ${r.ratio.toFixed(3)} |`,
    );
  return lines.join('\n');
}

// `node bench/fit-dataset.js [--quick]` runs it alone on dist/index.js.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { fileURLToPath } = await import('node:url');
  const libPath = fileURLToPath(new URL('../dist/index.js', import.meta.url));
  const rows = await runFitDatasetBench({ libPath, quick: process.argv.includes('--quick') });
  console.log(markdown(rows));
}
