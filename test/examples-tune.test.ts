// examples/tune-forecast.js runs as a user runs it (`node examples/tune-forecast.js --quick`: 4
// trials of 8 epochs) and must print its trials table (one row per trial, best first) and the
// tuned and hand-picked models' test errors, both well under the naive forecast's.
import { describe, expect, it } from 'vitest';
import { metric, runExample } from './util/examples.js';

describe('examples/tune-forecast.js, quick run', () => {
  it('tunes the CO2 forecaster: the trials table, then the tuned and the hand-picked model beside the naive forecast', () => {
    const { out, seconds } = runExample('tune-forecast.js');
    const rows = out.split('\n').filter((l) => /^\d+\s+(lstm|gru)\s+\d+\s+[\d.e-]+\s+[\d.]+\s+8\s+[\d.]+$/.test(l.trim()));
    expect(rows.length, out).toBe(4);
    const scores = rows.map((l) => Number(l.trim().split(/\s+/)[4]));
    expect(scores).toEqual([...scores].sort((p, q) => p - q));
    expect(out.match(/^Trial \d\/4: cell=(lstm|gru), units=\d+, learningRate=[\d.e-]+ → val_loss [\d.]+/gm)?.length).toBe(4);
    const tuned = metric(out, /tuned \(.*\)\s+val_loss [\d.]+\s+test MAE ([\d.]+) ppm/);
    const hand = metric(out, /hand-picked \(.*\)\s+val_loss [\d.]+\s+test MAE ([\d.]+) ppm/);
    const naive = metric(out, /naive \(last value\)\s+test MAE ([\d.]+) ppm/);
    const best = metric(out, /tuned \(.*\)\s+val_loss ([\d.]+)/);
    expect(best).toBe(scores[0]);
    console.log(`tune-forecast --quick: test MAE tuned ${tuned}, hand-picked ${hand}, naive ${naive} ppm; ${seconds.toFixed(1)} s`);
    // Measured (quick run, seed 7, 1.1 s): tuned 0.405 ppm, hand-picked 0.440, naive 1.223.
    expect(tuned).toBeLessThan(naive * 0.6);
    expect(hand).toBeLessThan(naive * 0.6);
  }, 60_000);
});
