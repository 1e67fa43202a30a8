// ProgbarLogger over fitDataset sources: when the source does not say how many batches it gives
// (a generator function, an iterator factory), Keras's bar counts `"%7d/Unknown" % current` during
// the first epoch, with the time so far and per step instead of an ETA, and finalizes it with the
// steps it ran (`10/10 [===…]`); later epochs know the count and draw the usual bar with an ETA. A
// source that says its size (an array of batches) never shows Unknown.
import { describe, expect, it } from 'vitest';
import { Dense, LSTM, ProgbarLogger, Sequential } from '../src/index.js';
import { initForTests, randTensor } from './util/tfjs.js';

const N = 40, B = 4, STEPS = N / B;
const x = randTensor([N, 3, 2], 1), y = randTensor([N, 1], 2);
const rows = (t: { data: Float32Array; shape: number[] }, i: number, n: number) => {
  const w = t.shape.slice(1).reduce((a, b) => a * b, 1);
  return { data: t.data.slice(i * w, (i + n) * w), shape: [n, ...t.shape.slice(1)] };
};
const batches = () => Array.from({ length: STEPS }, (_, i) => ({ xs: rows(x, i * B, B), ys: rows(y, i * B, B) }));
function* gen() { yield* batches(); }
const make = () => {
  const m = new Sequential({ seed: 1, layers: [new LSTM({ units: 2, inputShape: [3, 2] }), new Dense({ units: 1 })] });
  m.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mae'] });
  return m;
};
// Slow steps (15 ms each) so that the bar redraws mid-epoch (it redraws every 100 ms at most).
const slow = { onBatchEnd: () => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 15) };

/** The writes of one fit, cut into epochs at their 'Epoch i/n' headers. */
function epochsOf(writes: string[]): string[][] {
  const out: string[][] = [];
  for (const w of writes) if (/^Epoch \d+\/\d+\n$/.test(w)) out.push([]); else out.at(-1)!.push(w);
  return out;
}

describe('ProgbarLogger for fitDataset sources of unknown length', () => {
  it('a terminal: the first epoch counts n/Unknown, ends n/n; the second draws n/10 with an ETA', async () => {
    await initForTests();
    const m = make();
    const writes: string[] = [];
    const out = { write: (s: string) => void writes.push(s), isTTY: true };
    const h = await m.fitDataset(() => gen(), { epochs: 2, verbose: 0, callbacks: [slow, new ProgbarLogger({ out })] });
    expect(h.params.steps).toBe(STEPS);
    const [first, second] = epochsOf(writes);
    expect(epochsOf(writes)).toHaveLength(2);
    const d1 = first.slice(0, -1), d2 = second.slice(0, -1);
    expect(d1.length).toBeGreaterThan(0);
    expect(d2.length).toBeGreaterThan(0);
    // Keras's "%7d/Unknown": the count right-aligned in 7, no bar, the time so far and per step.
    for (const d of d1) expect(d).toMatch(/^\r {6}\d\/Unknown - \d+s \d+ms\/step - loss: \d\.\d{4} - mae: \d\.\d{4}\x1b\[K$/);
    // The first draw is after the first batch; the counts only go up, and stay below the end.
    const counts = d1.map((d) => Number(/(\d+)\/Unknown/.exec(d)![1]));
    expect(counts[0]).toBe(1);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(Math.max(...counts)).toBeLessThanOrEqual(STEPS);
    expect(first.at(-1)).toMatch(/^\r10\/10 \[={30}\] - \d+s \d+ms\/step - loss: \d\.\d{4} - mae: \d\.\d{4}\x1b\[K\n$/);
    for (const d of d2) expect(d).toMatch(/^\r\s*\d+\/10 \[[=>.]{30}\] - ETA: \d+s - loss: \d\.\d{4} - mae: \d\.\d{4}\x1b\[K$/);
    expect(second.join('')).not.toContain('Unknown');
    expect(second.at(-1)).toMatch(/^\r10\/10 \[={30}\]/);
    m.dispose();
  });

  it('a source that says its size (an array of batches) is never Unknown', async () => {
    const m = make();
    const writes: string[] = [];
    const out = { write: (s: string) => void writes.push(s), isTTY: true };
    await m.fitDataset(batches(), { epochs: 1, verbose: 0, callbacks: [slow, new ProgbarLogger({ out })] });
    const [first] = epochsOf(writes);
    expect(first.length).toBeGreaterThan(1);
    for (const d of first.slice(0, -1)) expect(d).toMatch(/^\r\s*\d+\/10 \[[=>.]{30}\] - ETA: /);
    expect(writes.join('')).not.toContain('Unknown');
    m.dispose();
  });

  it('not a terminal: one line per epoch, the first finalized with the steps it ran, as Keras', async () => {
    const m = make();
    let text = '';
    const out = { write: (s: string) => void (text += s), isTTY: false };
    await m.fitDataset(() => gen(), { epochs: 2, verbose: 0, callbacks: [new ProgbarLogger({ out })] });
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(/^10\/10 \[={30}\] - \d+s \d+(us|ms)\/step - loss: /);
    expect(lines[3]).toMatch(/^10\/10 \[={30}\] /);
    m.dispose();
  });

  it('setParams: a steps key that is not a number makes the count unknown; a later number makes it known', () => {
    const writes: string[] = [];
    const p = new ProgbarLogger({ out: { write: (s) => void writes.push(s), isTTY: true } });
    p.setParams({ epochs: 1, steps: undefined });
    p.onEpochBegin(0);
    p.onBatchEnd(0, { loss: 0.5 });
    expect(writes[1]).toMatch(/^\r {6}1\/Unknown - \d+s \S+\/step - loss: 0\.5000\x1b\[K$/);
    p.onBatchEnd(1, { loss: 0.25 });
    p.onBatchEnd(2, { loss: 0.25 });
    p.onEpochEnd(0, { loss: 1 / 3 });
    // Never told the count: finalized with the batches it saw.
    expect(writes.at(-1)).toMatch(/^\r3\/3 \[={30}\] - \d+s \S+\/step - loss: 0\.3333\x1b\[K\n$/);
    p.setParams({ epochs: 1, steps: 7 });
    writes.length = 0;
    p.onEpochBegin(0);
    p.onBatchEnd(0, { loss: 0.5 });
    expect(writes[1]).toMatch(/^\r1\/7 \[={3}>\.{26}\] - ETA: /);
    // A setParams without steps keeps the count.
    p.setParams({ epochs: 3 });
    p.onEpochEnd(0, { loss: 0.5 });
    expect(writes.at(-1)).toMatch(/^\r7\/7 /);
  });
});
