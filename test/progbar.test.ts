// ProgbarLogger's numbers as Keras's progress bar prints them (keras/src/utils/progbar.py):
// `f"{avg:.4f}"` when abs(avg) > 1e-3 else `f"{avg:.4e}"`, and _format_time's s/ms/us per step.
// The expected strings were printed by Python 3 from those very expressions, not by this code.
// Then the logger in fit: a line per epoch when stdout is not a terminal, a bar redrawn in place
// (\r … \x1b[K) when it is, µs/step for fast steps.
import { describe, expect, it } from 'vitest';
import { Dense, LSTM, ProgbarLogger, Sequential } from '../src/index.js';
import { formatLogValue, formatStepTime } from '../src/callbacks.js';
import { initForTests, randTensor } from './util/tfjs.js';

describe('Keras number formats', () => {
  it('log values: 4 decimals above 1e-3, else scientific with two exponent digits; ties to even; nan, inf', () => {
    const python: [number, string][] = [
      [0.0123, '0.0123'],
      [0.012345678, '0.0123'],
      [1.0, '1.0000'],
      [0.001, '1.0000e-03'],
      [0.0010001, '0.0010'],
      [0.0009999, '9.9990e-04'],
      [1e-5, '1.0000e-05'],
      [1.234e-7, '1.2340e-07'],
      [0.0, '0.0000e+00'],
      [-0.0, '-0.0000e+00'],
      [-0.5, '-0.5000'],
      [-3e-6, '-3.0000e-06'],
      [12345.678912, '12345.6789'],
      [1e21, '1000000000000000000000.0000'],
      [0.03125, '0.0312'],
      [0.03135, '0.0314'],
      [0.09375, '0.0938'],
      [2.5, '2.5000'],
      [NaN, 'nan'],
      [Infinity, 'inf'],
      [-Infinity, '-inf'],
      [0.00012345, '1.2345e-04'],
    ];
    for (const [v, s] of python) expect(formatLogValue(v), String(v)).toBe(s);
  });

  it('time per step: s from a second (or 0), ms from a millisecond, else us; .0f rounds ties to even', () => {
    const python: [number, string][] = [
      [0, '0s/step'],
      [1, '1s/step'],
      [2.5, '2s/step'],
      [3.5, '4s/step'],
      [0.012, '12ms/step'],
      [0.0125, '12ms/step'],
      [0.0025, '2ms/step'],
      [0.000345, '345us/step'],
      [0.0003455, '346us/step'],
      [1e-6, '1us/step'],
      [0.9999, '1000ms/step'],
      [0.00099, '990us/step'],
      [61.2, '61s/step'],
    ];
    for (const [t, s] of python) expect(formatStepTime(t), String(t)).toBe(s);
  });
});

describe('ProgbarLogger in fit', () => {
  const x = randTensor([40, 3, 2], 1),
    y = randTensor([40, 1], 2);
  const make = () => {
    const m = new Sequential({ seed: 1, layers: [new LSTM({ units: 2, inputShape: [3, 2] }), new Dense({ units: 1 })] });
    m.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mae'] });
    return m;
  };

  it('not a terminal: the epoch header and one line per epoch, with us/step for these fast steps', async () => {
    await initForTests();
    const m = make();
    let text = '';
    const out = { write: (s: string) => void (text += s), isTTY: false };
    const h = await m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0, callbacks: [new ProgbarLogger({ out })] });
    const lines = text.split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe('Epoch 1/2');
    expect(lines[1]).toMatch(/^10\/10 \[={30}\] - \d+s \d+(us|ms)\/step - loss: \d\.\d{4} - mae: \d\.\d{4}$/);
    // The values printed are the epoch's logs in Keras's format.
    expect(lines[3]).toContain(` - loss: ${formatLogValue(h.history.loss[1])} - mae: ${formatLogValue(h.history.mae[1])}`);
    expect(text).not.toContain('\r');
    m.dispose();
  });

  it('verbose 2: one line per epoch, no header', async () => {
    const m = make();
    let text = '';
    const out = { write: (s: string) => void (text += s), isTTY: false };
    await m.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0, callbacks: [new ProgbarLogger({ verbose: 2, out })] });
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(3);
    for (const [i, l] of lines.entries())
      expect(l).toMatch(new RegExp(`^Epoch ${i + 1}/3 - \\d+s - \\d+(us|ms)/step - loss: \\d\\.\\d{4} - mae: \\d\\.\\d{4}$`));
    m.dispose();
  });

  it('a terminal: the bar is redrawn in place (\\r, clear to the end of line), then the epoch line ends it', async () => {
    const m = make();
    const writes: string[] = [];
    const out = { write: (s: string) => void writes.push(s), isTTY: true };
    // Slow steps (15 ms each) so that the bar redraws mid-epoch (it redraws every 100 ms at most).
    const slow = { onBatchEnd: () => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 15) };
    await m.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0, callbacks: [slow, new ProgbarLogger({ out })] });
    expect(writes[0]).toBe('Epoch 1/1\n');
    const draws = writes.slice(1, -1);
    expect(draws.length).toBeGreaterThan(0);
    for (const d of draws) expect(d).toMatch(/^\r\s*\d+\/10 \[[=>.]{30}\] - ETA: \d+s - loss: \d\.\d{4} - mae: \d\.\d{4}\x1b\[K$/);
    expect(writes.at(-1)).toMatch(/^\r10\/10 \[={30}\] - \d+s \d+ms\/step - loss: \d\.\d{4} - mae: \d\.\d{4}\x1b\[K\n$/);
    m.dispose();
  });
});
