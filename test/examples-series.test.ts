// examples/messy-series.js runs as a user runs it (`node examples/messy-series.js --quick`, a child
// process in a scratch directory) and must print what each preparation step did, with numbers
// checked here against the data file read independently (the absent months, a yearly mean), beat
// the naive forecast by a wide margin, and leave a saved model whose metadata holds its scaler.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMetadata, scalerFromJSON } from '../src/index.js';
import { ROOT } from './platforms/tools.js';
import { metrics, runExample, scratch } from './util/examples.js';

describe('examples/messy-series.js, quick run', () => {
  it('prepares the raw CO2 record step by step and forecasts 1 to 6 months ahead', () => {
    const { out, seconds } = runExample('messy-series.js');
    console.log(`messy-series.js --quick: ${seconds.toFixed(1)} s\n${out}`);

    // The data file, read here on its own: which months between the first and last are absent.
    const rows = readFileSync(join(ROOT, 'examples', 'data', 'co2-mauna-loa-monthly.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    const key = (d: string) => Number(d.slice(0, 4)) * 12 + Number(d.slice(5, 7)) - 1;
    const have = new Set(rows.map((r) => key(r[0])));
    const k0 = key(rows[0][0]),
      k1 = key(rows[rows.length - 1][0]);
    const absent: string[] = [];
    for (let k = k0; k <= k1; k++)
      if (!have.has(k)) absent.push(`${Math.floor(k / 12)}-${String((k % 12) + 1).padStart(2, '0')}`);
    expect(absent.length).toBe(5);
    expect(out).toContain(`1. Loaded ${rows.length} monthly readings`);
    expect(out).toContain(`resampled onto ${k1 - k0 + 1} calendar months: 5 empty (${absent.join(', ')})`);

    const [nOut] = metrics(out, /2\. Hampel filter on the year-over-year growth: (\d+) outlying month/);
    expect(nOut).toBeGreaterThanOrEqual(0);
    expect(nOut).toBeLessThan(10); // a few months in 62 years, not the seasonal swing
    const [filled] = metrics(out, /3\. Filled (\d+) missing months by spline/);
    expect(filled).toBe(5 + nOut);

    // 1959 is a whole year in the record: its mean, computed here.
    const y1959 = rows.filter((r) => r[0].startsWith('1959-')).map((r) => Number(r[1]));
    expect(y1959.length).toBe(12);
    const [printed1959] = metrics(out, /4\. Yearly means \(resample every '12month'\): 1959 ([\d.]+) ppm/);
    expect(printed1959).toBeCloseTo(y1959.reduce((a, b) => a + b, 0) / 12, 2);

    const [nTrain, gap, nTest] = metrics(out, /the next 6 changes: (\d+) to train, a gap of (\d+), (\d+) to test/);
    expect(gap).toBe(5);
    expect(nTrain + gap + nTest).toBe(k1 - k0 + 1 - 1 - 24 - 6 + 1); // changes → windows of 24 + 6
    expect(nTest).toBe(Math.round((nTrain + gap + nTest) * 0.2));

    // Forecast errors: finite, and 6 months ahead well under the naive one (seasons move ±3 ppm).
    const [lstm1, naive1] = metrics(out, / {3}1: ([\d.]+) vs ([\d.]+)/);
    const [lstm6, naive6] = metrics(out, / {3}6: ([\d.]+) vs ([\d.]+)/);
    console.log(`messy-series quick: MAE 1 month ${lstm1} (naive ${naive1}), 6 months ${lstm6} (naive ${naive6})`);
    for (const v of [lstm1, naive1, lstm6, naive6]) expect(Number.isFinite(v) && v > 0).toBe(true);
    expect(lstm1).toBeLessThan(naive1);
    expect(lstm6).toBeLessThan(naive6 / 2);

    // The saved model carries its scaler, fitted on the training rows (3 features, range [-1, 1]).
    expect(out).toMatch(/7\. Saved .* loaded back, with its scaler it forecasts the first test window the same/);
    const meta = readMetadata(new Uint8Array(readFileSync(join(scratch, 'out', 'messy-series.lstmwasm'))));
    expect(meta.window).toBe(24);
    expect(meta.horizon).toBe(6);
    const scaler = scalerFromJSON(meta.scaler);
    expect(scaler.nFeaturesIn).toBe(3);
    const [lo, hi] = metrics(out, /change (-?[\d.]+) to (-?[\d.]+) ppm → -1 to 1/);
    const json = scaler.toJSON() as unknown as { dataMin: number[]; dataMax: number[] };
    expect(json.dataMin[0]).toBeCloseTo(lo, 2);
    expect(json.dataMax[0]).toBeCloseTo(hi, 2);
  });
});
