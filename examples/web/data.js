// The demo's data, fetched from the page's server (scripts/serve-web.mjs serves examples/data/ at
// data/). The same preparation as the main job (examples/co2-forecast.js), so the page and
// `npm start` train on the same windows: monthly changes of the Mauna Loa CO2 record, scaled by
// the spread of the training part, 24 of them in, the next one out, the last 20% held out.

import { parseCmudict } from '../lib/spelling.js';

async function fetchText(name) {
  const res = await fetch(new URL(`data/${name}`, self.location.href));
  if (!res.ok) throw new Error(`fetching data/${name}: HTTP ${res.status} ${res.statusText}`);
  return res.text();
}

/** Mauna Loa monthly CO2 (Scripps CO2 Program, CC BY 4.0): `{ dates: 'YYYY-MM'[], values: ppm[] }`. */
export async function fetchCo2() {
  const text = await fetchText('co2-mauna-loa-monthly.csv');
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const dates = [], values = [];
  lines.slice(1).forEach((line, i) => {
    const [date, co2] = line.split(',');
    const v = Number(co2);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !Number.isFinite(v)) throw new Error(`co2-mauna-loa-monthly.csv: bad row ${i + 2}: ${line}`);
    dates.push(date.slice(0, 7));
    values.push(v);
  });
  return { dates, values };
}

/**
 * Windows of scaled monthly changes, split as the main job splits them.
 * Returns the tensors and what it takes to turn a predicted change back into ppm.
 */
export function co2Windows({ dates, values }, window) {
  const diffs = values.slice(1).map((v, i) => v - values[i]);
  const nTest = Math.round(diffs.length * 0.2);
  const train = diffs.slice(0, diffs.length - nTest);
  const mean = train.reduce((a, b) => a + b, 0) / train.length;
  const std = Math.sqrt(train.reduce((a, b) => a + (b - mean) ** 2, 0) / train.length);
  const scaled = Float32Array.from(diffs, (d) => (d - mean) / std);
  const n = diffs.length - window; // window i reads scaled[i .. i+window) and predicts scaled[i+window]
  const x = new Float32Array(n * window), y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x.set(scaled.subarray(i, i + window), i * window);
    y[i] = scaled[i + window];
  }
  const firstTest = diffs.length - nTest - window;
  const part = (a, b) => ({
    x: { data: x.slice(a * window, b * window), shape: [b - a, window, 1] },
    y: { data: y.slice(a, b), shape: [b - a, 1] },
  });
  // For window i the forecast month is dates[i + window + 1]; "now" is values[i + window].
  const target = (i) => ({ date: dates[i + window + 1], now: values[i + window], truth: values[i + window + 1] });
  return { n, firstTest, mean, std, train: part(0, firstTest), test: part(firstTest, n), all: { data: x, shape: [n, window, 1] }, target };
}

/** Shakespeare's sonnets (public domain), as one string. */
export function fetchSonnets() {
  return fetchText('shakespeare-sonnets.txt');
}

/** The CMUdict subset (spelling to sound; BSD-2-Clause, see examples/data/README.md), parsed. */
export async function fetchCmudict() {
  return parseCmudict(await fetchText('cmudict-subset.tsv'));
}
