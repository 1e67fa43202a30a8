// Threads in headless Chromium: a page served with COOP/COEP headers (crossOriginIsolated) trains on
// two threads (the worker runs calls; the page's main thread, which may not Atomics.wait, spins for
// its share), and a page served without them runs on one thread and says why. Both train the
// seeded model of test/platforms/threads-check.mjs and must give, bit for bit, what Node 20 gives
// with the same thread count (plain SIMD build).
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { CHROMIUM_ARGS, ROOT, findChromium, requireDist } from './platforms/tools.js';

const chromiumPath = findChromium();
if (!chromiumPath) console.warn('browser-threads.test: SKIPPED: no Chromium (apt-get install chromium)');

const B = 16,
  T = 20,
  I = 8,
  H = 64;

// The same job in the page and here: 6 steps of a seeded LSTM, weights and losses out.
const JOB = `
async function job(lib, threads) {
  const info = await lib.init({ threads, relaxedSimd: false });
  const x = { data: new Float32Array(${B * T * I}).map((_, i) => Math.sin(i * 0.37)), shape: [${B}, ${T}, ${I}] };
  const y = { data: new Float32Array(${B}).map((_, i) => Math.cos(i)), shape: [${B}, 1] };
  const warm = new lib.Sequential({ layers: [new lib.LSTM({ units: ${H}, inputShape: [${T}, ${I}] })] });
  for (let i = 0; i < 100 && info.threads > 1 && (lib.runtimeInfo().workersStarted ?? 0) < 1; i++) {
    warm.predict(x);
    await new Promise((r) => setTimeout(r, 20));
  }
  const m = new lib.Sequential({ seed: 7, layers: [new lib.LSTM({ units: ${H}, inputShape: [${T}, ${I}] }), new lib.Dense({ units: 1 })] });
  m.compile({ optimizer: 'adam', loss: 'mse' });
  const losses = [];
  for (let s = 0; s < 6; s++) losses.push(m.trainOnBatch(x, y));
  await m.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0, shuffle: false });
  const weights = m.getWeights().flatMap((t) => Array.from(t.data));
  const after = lib.runtimeInfo();
  return { threads: info.threads, reason: info.threadsReason, workerCalls: after.workerCalls, isolated: globalThis.crossOriginIsolated, losses, weights };
}`;

interface Result {
  threads: number;
  reason: string;
  workerCalls: number;
  isolated: boolean;
  losses: number[];
  weights: number[];
}

let server: Server | null = null;
let base = '';
let browser: Browser | null = null;

describe.skipIf(!chromiumPath)('threads in headless Chromium', () => {
  beforeAll(async () => {
    requireDist(['dist/index.js']);
    const bundle = readFileSync(join(ROOT, 'dist', 'index.js'));
    server = createServer((req, res) => {
      const isolated = req.url!.startsWith('/isolated/');
      const headers: Record<string, string> = isolated
        ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' }
        : {};
      if (req.url!.endsWith('/index.js')) {
        res.writeHead(200, { 'Content-Type': 'text/javascript', ...headers });
        res.end(bundle);
      } else if (req.url!.endsWith('/')) {
        res.writeHead(200, { 'Content-Type': 'text/html', ...headers });
        res.end(
          `<!doctype html><script type="module">import * as lib from './index.js';${JOB}\nwindow.result = job(lib, 'auto').catch((e) => ({ error: String(e) }));</script>`,
        );
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const addr = server.address() as { port: number };
    base = `http://127.0.0.1:${addr.port}`;
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: chromiumPath!, headless: true, args: CHROMIUM_ARGS });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => server?.close(r));
  });

  async function inPage(path: string): Promise<Result> {
    const page = await browser!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}${path}`);
    const r = (await page.evaluate('window.result')) as Result & { error?: string };
    await page.close();
    expect(errors).toEqual([]);
    if (r.error) throw new Error(r.error);
    return r;
  }

  async function inNode(threads: number): Promise<Result> {
    const lib = await import(pathToFileURL(join(ROOT, 'dist', 'index.js')).href);
    const job = new Function(`${JOB}; return job;`)() as (l: unknown, t: number) => Promise<Result>;
    return job(lib, threads);
  }

  it('with COOP/COEP headers: two threads, the worker runs calls, the same bits as Node on two threads', async () => {
    const r = await inPage('/isolated/');
    console.log(`isolated page: ${r.reason}; worker calls ${r.workerCalls}`);
    expect(r.isolated).toBe(true);
    expect(r.threads).toBe(2);
    expect(r.workerCalls).toBeGreaterThan(0);
    const node = await inNode(2);
    expect(r.losses).toEqual(node.losses);
    expect(r.weights).toEqual(node.weights);
  });

  it('without them: one thread, a reason that names the headers, the same bits as Node on one thread', async () => {
    const r = await inPage('/plain/');
    console.log(`plain page: ${r.reason}`);
    expect(r.isolated).toBe(false);
    expect(r.threads).toBe(1);
    expect(r.reason).toMatch(/^1: .*Cross-Origin-Opener-Policy: same-origin.*Cross-Origin-Embedder-Policy: require-corp/);
    const node = await inNode(1);
    expect(r.losses).toEqual(node.losses);
    expect(r.weights).toEqual(node.weights);
  });
});
