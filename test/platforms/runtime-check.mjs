// Run by test/runtimes.test.ts under Bun, Node 22 and Node 24: imports the built package both ways
// (the ESM bundle with import, the CommonJS one with require), trains the seeded tiny LSTM with the
// plain SIMD build (and the relaxed-SIMD one where the runtime validates it) from each, checks the
// loss falls, and prints one JSON line for the test to compare with the same job run in Node 20.
import { createRequire } from 'node:module';
import { trainTinyLstm } from './tiny-lstm.js';

const require = createRequire(import.meta.url);
const esm = await import('../../dist/index.js');
const cjs = require('../../dist/index.cjs');
const out = { runtime: typeof Bun !== 'undefined' ? `bun ${Bun.version}` : `node ${process.version}`, relaxedSimdSupported: esm.relaxedSimdSupported(), esm: {}, cjs: {} };
for (const [name, lib] of [['esm', esm], ['cjs', cjs]]) {
  out[name].simd = await trainTinyLstm(lib, { relaxedSimd: false });
  if (lib.relaxedSimdSupported()) out[name].relaxed = await trainTinyLstm(lib, { relaxedSimd: true });
  for (const [build, r] of Object.entries(out[name])) {
    if (!(r.losses.at(-1) < r.losses[0] * 0.7)) throw new Error(`runtime-check (${name}, ${build}): the loss did not fall: ${r.losses.join(', ')}`);
  }
}
console.log(JSON.stringify(out));
