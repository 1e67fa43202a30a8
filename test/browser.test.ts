// The browser demo (examples/web/) in Debian's headless Chromium, driven by playwright-core: the page
// loads, says which build ran (runtimeInfo() after init(), in the worker) and times the S case;
// CO2 training runs in the Web Worker while the page stays responsive and the worker answers; the
// loss falls; the loss curve, the forecast and the gate heat map are drawn; the text mode trains and
// writes; nothing fails to load and nothing is logged as an error. Screenshots go to test/artifacts/.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { ARTIFACTS, CHROMIUM_ARGS, ROOT, findChromium, requireDist } from './platforms/tools.js';

const chromiumPath = findChromium();
if (!chromiumPath) console.warn('browser.test: SKIPPED: no Chromium (/usr/bin/chromium, $CHROMIUM_PATH or chromium on PATH); install it with `apt-get install chromium` (.ci/run does)');

// Small budgets: the machine is shared. The defaults of the page are larger (60 and 8 epochs).
const CO2_EPOCHS = 30;
const TEXT = { epochs: 2, samples: 3000 };
const SPELL = { epochs: 6, words: 3000 };

interface BenchRun { build: string; predictMs: number; trainMs: number; predictSeqPerSec: number; trainSeqPerSec: number; predictGflops: number; trainGflops: number; calls: number }
interface Epoch { epoch: number; loss: number; val_loss: number; accuracy?: number; seconds: number }

let dir = '';
let server: { url: string; close(): Promise<void> } | null = null;
let context: BrowserContext | null = null;
let page: Page;
const problems: string[] = [];
const log: string[] = [];

// The page's own record of what happened (examples/web/main.js), read with page.evaluate.
const demo = <T,>(fn: string): Promise<T> => page.evaluate(`(() => { const d = window.__demo; return ${fn}; })()`) as Promise<T>;

describe.skipIf(!chromiumPath)('the browser demo (examples/web) in headless Chromium', () => {
  beforeAll(async () => {
    requireDist(['dist/index.js']);
    dir = mkdtempSync(join(tmpdir(), 'lstm-wasm-web-'));
    // @ts-ignore: plain JS module without types
    const { serveWeb } = (await import('../scripts/serve-web.mjs')) as { serveWeb: (o: object) => Promise<{ url: string; close(): Promise<void> }> };
    server = await serveWeb({ port: 0, outdir: join(dir, 'site'), quiet: true });
    const { chromium } = await import('playwright-core');
    context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: chromiumPath!,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1200, height: 1100 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => {
      const where = m.worker() ? 'worker' : 'page';
      if (m.type() === 'error') problems.push(`console error (${where}): ${m.text()}`);
      else log.push(`${where} ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`uncaught in page: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
    page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.url()}`); });
    page.on('worker', (w) => log.push(`worker started: ${w.url()}`));
    await page.goto(`${server.url}?epochs=${CO2_EPOCHS}&textEpochs=${TEXT.epochs}&textSamples=${TEXT.samples}`);
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (problems.length) console.log(`browser problems:\n  ${problems.join('\n  ')}`);
  });

  it('loads, reports the build that runs and times the S case (B=32, T=50, I=1, H=32)', async () => {
    await page.waitForFunction('window.__demo && (window.__demo.bench || window.__demo.errors.length)', null, { timeout: 90_000 });
    expect(await demo<string[]>('d.errors')).toEqual([]);
    const runtime = await demo<{ build: string; relaxedSimd: boolean }>('d.runtime');
    const supported = await demo<boolean>('d.relaxedSimdSupported');
    const ua = await page.evaluate('navigator.userAgent');
    expect(['relaxed-simd', 'simd']).toContain(runtime.build);
    expect(runtime.build === 'relaxed-simd').toBe(supported);
    expect(await page.textContent('#build')).toContain(runtime.build);
    const runs = await demo<BenchRun[]>('d.bench');
    expect(runs[0].build).toBe(runtime.build);
    console.log(`browser: ${ua}; crossOriginIsolated ${await page.evaluate('crossOriginIsolated')}; lstm-wasm build in the worker: ${runtime.build}`);
    for (const r of runs) {
      expect(r.predictMs).toBeGreaterThan(0);
      expect(r.trainMs).toBeGreaterThan(0);
      console.log(`browser S case (B=32, T=50, I=1, H=32), ${r.build}: predict ${r.predictMs.toFixed(3)} ms (${Math.round(r.predictSeqPerSec)} seq/s, ${r.predictGflops.toFixed(2)} GFLOP/s), trainOnBatch ${r.trainMs.toFixed(3)} ms (${Math.round(r.trainSeqPerSec)} seq/s, ${r.trainGflops.toFixed(2)} GFLOP/s); ${r.calls} calls`);
    }
    expect(await page.textContent('#timing')).toMatch(/predict [\d.]+ ms, trainOnBatch [\d.]+ ms/);
  });

  it('trains on the CO2 record in the worker: the loss falls, the plots draw, the page and the worker stay responsive', async () => {
    await page.waitForFunction("['done', 'failed'].includes(window.__demo.co2.state) || window.__demo.errors.length", null, { timeout: 120_000 });
    expect(await demo<string[]>('d.errors')).toEqual([]);
    const epochs = await demo<Epoch[]>('d.co2.epochs');
    expect(epochs.length).toBe(CO2_EPOCHS);
    const first = epochs[0].loss, last = epochs.at(-1)!.loss;
    const done = await demo<{ mae: number; naiveMae: number; seconds: number }>('d.co2.done');
    console.log(`browser CO2: ${epochs.length} epochs in ${done.seconds.toFixed(1)} s, loss ${first.toFixed(4)} -> ${last.toFixed(4)} (val ${epochs[0].val_loss.toFixed(4)} -> ${epochs.at(-1)!.val_loss.toFixed(4)}); held-out MAE ${done.mae.toFixed(3)} ppm vs naive ${done.naiveMae.toFixed(3)} ppm`);
    expect(last).toBeLessThan(first * 0.5);
    expect(epochs.at(-1)!.val_loss).toBeLessThan(epochs[0].val_loss);
    expect(done.mae).toBeLessThan(done.naiveMae);

    // Drawn: every chart was redrawn as training went, and has ink on it.
    const drawn = await demo<Record<string, number>>('d.drawn');
    expect(drawn['co2-loss']).toBeGreaterThanOrEqual(CO2_EPOCHS);
    expect(drawn['co2-forecast']).toBeGreaterThanOrEqual(CO2_EPOCHS);
    expect(drawn['co2-gates']).toBeGreaterThanOrEqual(CO2_EPOCHS);
    const ink = await demo<Record<string, number>>('d.ink()');
    console.log(`browser CO2 charts, fraction of pixels drawn: ${Object.entries(ink).map(([k, v]) => `${k} ${(v * 100).toFixed(1)}%`).join(', ')}`);
    expect(ink['co2-loss']).toBeGreaterThan(0.02);
    expect(ink['co2-forecast']).toBeGreaterThan(0.02);
    expect(ink['co2-gates']).toBeGreaterThan(0.3);

    // The worker answered pings while it trained; the page's thread never stalled for long.
    const pings = await demo<number[]>('d.pings');
    const gap = await demo<number>('d.maxFrameGapWhileTrainingMs');
    console.log(`browser responsiveness while training: ${pings.length} pings answered by the worker (slowest ${Math.max(...pings).toFixed(0)} ms); longest pause of the page's thread ${gap.toFixed(0)} ms`);
    expect(pings.length).toBeGreaterThan(0);
    expect(gap).toBeLessThan(1000);
    // The page's thread does not even load the library: only the worker's bundle has it.
    const site = join(dir, 'site');
    expect(readFileSync(join(site, 'main.js'), 'utf8')).not.toMatch(/WebAssembly|SIMD_WASM_BASE64/);
    expect(readFileSync(join(site, 'worker.js'), 'utf8')).toMatch(/SIMD_WASM_BASE64/);

    // Choose another sequence: the worker answers with its gates and the heat map is redrawn.
    const before = drawn['co2-gates'];
    await page.$eval('#co2-seq', (el) => { const input = el as HTMLInputElement; input.value = '100'; input.dispatchEvent(new Event('input')); });
    await page.waitForFunction(`window.__demo.drawn['co2-gates'] > ${before}`, null, { timeout: 20_000 });
    expect(await page.textContent('#co2-seq-label')).toMatch(/^\d{4}-\d{2} … \d{4}-\d{2} → \d{4}-\d{2}$/);

    mkdirSync(ARTIFACTS, { recursive: true });
    const shot = join(ARTIFACTS, 'browser-co2.png');
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`screenshot: ${relative(ROOT, shot)}`);
  });

  it('text mode: learns the sonnets\' characters and writes', async () => {
    await page.click('#tab-text');
    await page.click('#text-train');
    await page.waitForFunction("['done', 'failed'].includes(window.__demo.text.state) || window.__demo.errors.length", null, { timeout: 120_000 });
    expect(await demo<string[]>('d.errors')).toEqual([]);
    const epochs = await demo<Epoch[]>('d.text.epochs');
    const batches = await demo<number[]>('d.text.batchLoss');
    expect(epochs.length).toBe(TEXT.epochs);
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    const head = mean(batches.slice(0, 5)), tail = mean(batches.slice(-5));
    console.log(`browser text: ${TEXT.samples} windows × ${TEXT.epochs} epochs in ${epochs.at(-1)!.seconds.toFixed(1)} s; batch loss ${head.toFixed(3)} -> ${tail.toFixed(3)} nats/char, accuracy ${((epochs.at(-1)!.accuracy ?? NaN) * 100).toFixed(1)}%`);
    expect(tail).toBeLessThan(head - 0.3);
    expect(epochs.at(-1)!.loss).toBeLessThan(epochs[0].loss);

    // Write with a prompt: a fresh sample of the requested length, from the corpus' characters.
    const count = await demo<number>('d.text.samples.length');
    await page.fill('#text-prompt', 'When I do count the clock');
    await page.click('#text-generate');
    await page.waitForFunction(`window.__demo.text.samples.length > ${count}`, null, { timeout: 30_000 });
    const sample = await demo<{ prompt: string; text: string }>('d.text.samples.at(-1)');
    console.log(`browser text sample: ${JSON.stringify(sample.prompt + sample.text.slice(0, 120))}…`);
    expect(sample.prompt).toBe('When I do count the clock');
    expect(sample.text).toHaveLength(300);
    expect(sample.text).toMatch(/^[A-Za-z\s!'(),\-.:;?]+$/);
    expect(await page.textContent('#text-sample')).toContain(sample.text.slice(0, 40));
    const ink = await demo<Record<string, number>>('d.ink()');
    expect(ink['text-loss']).toBeGreaterThan(0.02);

    const shot = join(ARTIFACTS, 'browser-text.png');
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`screenshot: ${relative(ROOT, shot)}`);
  });

  it('spelling to sound: the attention model trains, pronounces a word and fills in its attention map step by step', async () => {
    await page.click('#tab-spell');
    await page.fill('#spell-epochs', String(SPELL.epochs));
    await page.fill('#spell-words', String(SPELL.words));
    await page.click('#spell-train');
    await page.waitForFunction("['done', 'failed'].includes(window.__demo.spell.state) || window.__demo.errors.length", null, { timeout: 170_000 });
    expect(await demo<string[]>('d.errors')).toEqual([]);
    const epochs = await demo<Epoch[]>('d.spell.epochs');
    const done = await demo<{ exact: number; heldOut: number; seconds: number }>('d.spell.done');
    console.log(`browser spelling: ${SPELL.words} words × ${epochs.length} epochs in ${done.seconds.toFixed(1)} s; loss ${epochs[0].loss.toFixed(3)} -> ${epochs.at(-1)!.loss.toFixed(3)}; ${(done.exact * 100).toFixed(1)}% of ${done.heldOut} held-out words exactly right`);
    expect(epochs.length).toBe(SPELL.epochs);
    expect(epochs.at(-1)!.loss).toBeLessThan(epochs[0].loss * 0.7);
    expect(done.exact).toBeGreaterThan(0.1);
    // Pronounce a word: one step message per phoneme, each with attention weights over its letters that sum to 1.
    await page.fill('#spell-word', 'knight');
    await page.click('#spell-decode');
    await page.waitForFunction('window.__demo.spell.decoded.length > 0 || window.__demo.errors.length', null, { timeout: 30_000 });
    expect(await demo<string[]>('d.errors')).toEqual([]);
    const decoded = await demo<{ word: string; phonemes: string[] }>('d.spell.decoded.at(-1)');
    const steps = await demo<{ t: number; phoneme: string; weights: number[] }[]>("d.spell.steps.filter((s) => s.word === 'knight')");
    console.log(`browser spelling: knight -> ${decoded.phonemes.join(' ')}; attention rows ${steps.map((st) => `${st.phoneme}:[${st.weights.map((w) => w.toFixed(2)).join(' ')}]`).join(' ')}`);
    expect(decoded.phonemes.length).toBeGreaterThan(0);
    expect(steps.map((st) => st.phoneme)).toEqual(decoded.phonemes);
    for (const st of steps) {
      expect(st.weights).toHaveLength(6);
      expect(st.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    }
    const drawn = await demo<Record<string, number>>('d.drawn');
    expect(drawn['spell-map']).toBeGreaterThanOrEqual(steps.length);
    const ink = await demo<Record<string, number>>('d.ink()');
    expect(ink['spell-map']).toBeGreaterThan(0.05);
    expect(ink['spell-loss']).toBeGreaterThan(0.02);
    const shot = join(ARTIFACTS, 'browser-spell.png');
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`screenshot: ${relative(ROOT, shot)}`);
  });

  it('logged no errors and loaded everything it asked for', () => {
    expect(problems).toEqual([]);
  });
});
