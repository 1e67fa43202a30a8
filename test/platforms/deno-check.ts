// Run by test/deno.test.ts: `deno run test/platforms/deno-check.ts`. Imports the built ESM bundle
// (dist/index.js) as a Deno user would, trains the seeded tiny LSTM with the plain SIMD build (and
// with the relaxed-SIMD build where Deno validates it), checks that the loss falls, and prints the
// results as one JSON line for the test to compare with the same job run in Node.
// @ts-ignore: the bundle's types are in dist/types (as the package's "exports" say); see Lib below
import * as dist from '../../dist/index.js';
import type * as Lib from '../../src/index.js';
import { trainTinyLstm, type TinyRun } from './tiny-lstm.js';

const lib = dist as typeof Lib;
const runs: Record<string, TinyRun> = {};
runs.simd = await trainTinyLstm(lib, { relaxedSimd: false });
if (lib.relaxedSimdSupported()) runs.relaxed = await trainTinyLstm(lib, { relaxedSimd: true });
for (const [name, r] of Object.entries(runs)) {
  const first = r.losses[0], last = r.losses[r.losses.length - 1];
  if (!(last < first * 0.7)) throw new Error(`deno-check (${name}): the loss did not fall: ${r.losses.join(', ')}`);
}
const deno = (globalThis as unknown as { Deno: { version: { deno: string; v8: string } } }).Deno;
console.log(JSON.stringify({ runtime: `deno ${deno.version.deno} (V8 ${deno.version.v8})`, relaxedSimdSupported: lib.relaxedSimdSupported(), runs }));
