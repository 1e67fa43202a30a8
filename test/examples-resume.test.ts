// examples/resume-after-kill.js as a user runs it (quick mode, a child process): it trains the
// CO2 forecaster uninterrupted, then again in a child it kills with SIGKILL partway and runs once
// more; the resumed run must report weights equal, bit for bit, to the uninterrupted run's (the
// example compares the bytes itself and exits 1 otherwise), and must have resumed from a backup,
// not started afresh.
import { describe, expect, it } from 'vitest';
import { metrics, runExample } from './util/examples.js';

describe('examples/resume-after-kill.js', () => {
  it('killed with SIGKILL and run again, the CO2 forecaster ends with the uninterrupted run’s weights', () => {
    const { out, seconds } = runExample('resume-after-kill.js');
    expect(out).toMatch(/killed with SIGKILL during epoch \d+/);
    const [epoch] = metrics(out, /child: resumed from its backup in epoch (\d+), with (\d+) of its batches done; finished 12 epochs/);
    expect(epoch).toBeGreaterThanOrEqual(1);
    expect(epoch).toBeLessThanOrEqual(12);
    const [n] = metrics(out, /resumed run's weights equal the uninterrupted run's: yes \((\d+) weights compared bit for bit\)/);
    // Every weight: the LSTM's kernel [1, 128], recurrent kernel [32, 128] and bias [128], the Dense's [32, 1] and [1].
    expect(n).toBe(1 * 128 + 32 * 128 + 128 + 32 + 1);
    console.log(`examples/resume-after-kill.js --quick: ${seconds.toFixed(1)} s; ${out.trim().split('\n').slice(-3).join(' | ')}`);
  });
});
