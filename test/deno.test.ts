// Deno: the built ESM bundle (dist/index.js) runs under `deno run` with no flags and no permissions,
// trains the seeded tiny LSTM (test/platforms/tiny-lstm.js) so its loss falls, and gets the same
// losses and predictions, to 1e-5, as the same job trained here in Node with the same seed and the
// same build. The relaxed-SIMD build is compared as well where both runtimes validate it.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type * as Lib from '../src/index.js';
import { trainTinyLstm, type TinyRun as Run } from './platforms/tiny-lstm.js';
import { ROOT, findDeno, requireDist } from './platforms/tools.js';

const deno = findDeno();
if (!deno) console.warn('deno.test: SKIPPED: no deno binary (node_modules/.bin/deno or on PATH); `npm ci` installs it as a devDependency');

describe.skipIf(!deno)('Deno', () => {
  it('trains the tiny LSTM like Node does, to 1e-5', async () => {
    requireDist(['dist/index.js']);
    const out = execFileSync(deno!, ['run', '--no-prompt', '--no-lock', '--quiet', 'test/platforms/deno-check.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' },
    });
    const line = out.trim().split('\n').pop()!;
    const fromDeno = JSON.parse(line) as { runtime: string; relaxedSimdSupported: boolean; runs: Record<string, Run> };

    // The same job, in this Node process, from the same bundle.
    const lib = (await import(pathToFileURL(join(ROOT, 'dist', 'index.js')).href)) as typeof Lib;
    const fromNode: Record<string, Run> = { simd: await trainTinyLstm(lib, { relaxedSimd: false }) };
    if (lib.relaxedSimdSupported()) fromNode.relaxed = await trainTinyLstm(lib, { relaxedSimd: true });
    await lib.init({ relaxedSimd: 'auto' });

    console.log(`deno: ${fromDeno.runtime}; builds compared: ${Object.keys(fromDeno.runs).filter((b) => fromNode[b]).join(', ')}`);
    for (const [build, d] of Object.entries(fromDeno.runs)) {
      console.log(`deno ${build}: losses ${d.losses.map((v) => v.toFixed(5)).join(' ')}; predictions ${d.predictions.map((v) => v.toFixed(5)).join(' ')} (targets ${d.targets.map((v) => v.toFixed(5)).join(' ')})`);
      expect(d.losses.at(-1)!).toBeLessThan(d.losses[0] * 0.7);
      const n = fromNode[build];
      if (!n) continue; // relaxed-SIMD in Deno but not in this Node
      expect(d.build).toBe(n.build);
      let worst = 0;
      d.predictions.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - n.predictions[i]))));
      d.losses.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - n.losses[i]))));
      console.log(`deno ${build} vs node: largest difference ${worst.toExponential(2)}`);
      expect(worst).toBeLessThanOrEqual(1e-5);
    }
    expect(fromDeno.runs.simd).toBeDefined();
  });
});
