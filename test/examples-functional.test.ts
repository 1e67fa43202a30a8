// The functional-API examples run as a user runs them (`node examples/<name>.js --quick`, a child
// process, from a scratch directory so their plots land there) and must exit 0, print their metrics,
// beat their baselines by a margin and write their SVG. Both are learning runs, seeded: the margins
// below leave room under what the quick runs measured on this machine (2 cores, Node 20; the
// measured values are beside each check).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './platforms/tools.js';
import { expectSvg, metric, metrics, runExample, scratch } from './util/examples.js';

describe('examples/lib/data.js: the CMU Pronouncing Dictionary subset', () => {
  it('loadCmudict gives 6,417 words of 3-8 letters, 26 letters, 39 phonemes, each word once', async () => {
    const lib = join(ROOT, 'examples', 'lib', 'data.js');
    /* eslint-disable-next-line @typescript-eslint/no-explicit-any */
    const data: any = await import(/* @vite-ignore */ lib);
    const { words, phonemes, letters, symbols } = data.loadCmudict();
    expect(words.length).toBe(6417);
    expect(phonemes.length).toBe(6417);
    expect(new Set(words).size).toBe(6417);
    expect(letters.join('')).toBe('abcdefghijklmnopqrstuvwxyz');
    expect(symbols.length).toBe(39);
    expect(symbols).toContain('NG');
    expect(symbols.some((p: string) => /\d/.test(p))).toBe(false);
    expect(words.every((w: string) => w.length >= 3 && w.length <= 8)).toBe(true);
    expect(phonemes.every((p: string[]) => p.length >= 1 && p.length <= 8)).toBe(true);
    expect(phonemes[words.indexOf('ability')]).toEqual(['AH', 'B', 'IH', 'L', 'AH', 'T', 'IY']);
    expect([...words].sort()).toEqual(words);
    // The file carries CMUdict's licence, as its BSD licence asks.
    const text = readFileSync(join(ROOT, 'examples', 'data', 'cmudict-subset.tsv'), 'utf8');
    expect(text).toMatch(/^# .*\n(#.*\n)*# Copyright \(C\) 1993-2015 Carnegie Mellon University\. All rights reserved\./);
  });
});

describe('the functional-API examples, quick runs', () => {
  it('spell-to-sound.js: the encoder-decoder beats the nearest-spelling baseline on held-out words', () => {
    const { out, seconds } = runExample('spell-to-sound.js');
    const lstm = /encoder-decoder LSTM\s+exact match\s+([\d.]+)%\s+phoneme accuracy\s+([\d.]+)%/;
    const base = /nearest spelling \(baseline\)\s+exact match\s+([\d.]+)%\s+phoneme accuracy\s+([\d.]+)%/;
    const [exact, acc] = metrics(out, lstm);
    const [baseExact, baseAcc] = metrics(out, base);
    console.log(`spell-to-sound --quick: exact ${exact}% (baseline ${baseExact}%), phoneme accuracy ${acc}% (baseline ${baseAcc}%), ${seconds.toFixed(1)} s`);
    expect(out).toMatch(/Training: \d+ epochs/);
    expect(out).toMatch(/Some held-out words/);
    // Measured (quick run, 64 units, 20 epochs; the same with the simd and relaxed-simd builds): exact
    // match 62.5% against 0.6% for the baseline, phoneme accuracy 81.8% against 48.7%. The full run
    // (128 units, 25 epochs) measured 74-75% exact.
    expect(exact).toBeGreaterThan(baseExact + 40);
    expect(acc).toBeGreaterThan(baseAcc + 20);
    expectSvg(join(scratch, 'out', 'spell-to-sound.svg'));
  }, 180_000);

  it('forecast-two-inputs.js: the LSTMs beat the naive forecasts; with a short window the month input helps', () => {
    const { out, seconds } = runExample('forecast-two-inputs.js');
    const mae = (label: string): number => metric(out, new RegExp(`${label.replace(/[()+]/g, '\\$&')}\\s+MAE ([\\d.]+) ppm`));
    const two6 = mae('window 6: LSTM + month of year (two inputs)'), one6 = mae('window 6: LSTM, series only');
    const two24 = mae('window 24: LSTM + month of year (two inputs)'), one24 = mae('window 24: LSTM, series only');
    const seasonal = mae('seasonal naive (same change as a year ago)'), naive = mae('naive (last value)');
    console.log(`forecast-two-inputs --quick: MAE window 6: ${two6} with the month, ${one6} without; window 24: ${two24}, ${one24}; seasonal naive ${seasonal}, naive ${naive} ppm; ${seconds.toFixed(1)} s`);
    // Measured (quick run: 3 seeds, 60 epochs; the same with both builds): window 6: 0.329 with the
    // month input, 0.390 without (0.84x; lower with each seed); window 24: 0.358 and 0.352 (the
    // window shows the season, the month adds nothing); seasonal naive 0.431, naive 1.223 ppm.
    expect(naive).toBeCloseTo(1.223, 3); // the data, not the models
    expect(seasonal).toBeCloseTo(0.431, 3);
    expect(two6).toBeLessThan(one6 * 0.93);
    expect(two6).toBeLessThan(seasonal * 0.9);
    expect(one24).toBeLessThan(seasonal * 0.92);
    expect(two24).toBeLessThan(seasonal * 0.95);
    expect(Math.max(two6, one6, two24, one24)).toBeLessThan(naive * 0.4);
    expectSvg(join(scratch, 'out', 'forecast-two-inputs.svg'));
  }, 180_000);
});
