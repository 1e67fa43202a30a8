// ModelCheckpoint and BackupAndRestore in a browser (headless Chromium, driven by playwright-core): `filepath:
// 'indexeddb://name'` saves to the page's IndexedDB at each epoch's end (with {epoch} filled in),
// loadModel('indexeddb://name') reads it back and predicts what the trained model predicted, bit
// for bit, also after a reload of the page (the record outlived it); a name nothing was saved
// under is an error naming it; `filepath: (bytes, info) => ...` gets bytes loadModel reads.
// BackupAndRestore to 'indexeddb://name': a tab closed mid-training and opened again resumes and
// ends with the weights of an uninterrupted run, bit for bit. In
// Node: the same function form, and 'indexeddb://' refused before the first batch (no IndexedDB).
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import {
  BackupAndRestore,
  Dense,
  LSTM,
  LstmWasmError,
  ModelCheckpoint,
  Sequential,
  loadModel,
  type CheckpointInfo,
  type Tensor,
} from '../src/index.js';
import { CHROMIUM_ARGS, ROOT, findChromium, requireDist } from './platforms/tools.js';
import { initForTests, randTensor } from './util/tfjs.js';

const chromiumPath = findChromium();
if (!chromiumPath)
  console.warn('browser-checkpoint.test: SKIPPED: no Chromium (/usr/bin/chromium, $CHROMIUM_PATH or chromium on PATH)');

describe('ModelCheckpoint and loadModel in Node: the function form, and indexeddb:// refused early', () => {
  beforeAll(initForTests);
  const x = randTensor([12, 4, 2], 3),
    y = randTensor([12, 1], 4);
  const make = () => {
    const m = new Sequential({ seed: 2, layers: [new LSTM({ units: 3, inputShape: [4, 2] }), new Dense({ units: 1 })] });
    m.compile({ optimizer: 'adam', loss: 'mse' });
    return m;
  };

  it('filepath as a function gets the bytes and { epoch, logs } (and the batch with saveFreq in batches)', async () => {
    const m = make();
    const got: { bytes: Uint8Array; info: CheckpointInfo }[] = [];
    const fn = (bytes: Uint8Array, info: CheckpointInfo) => void got.push({ bytes, info });
    const h = await m.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0, callbacks: [new ModelCheckpoint({ filepath: fn })] });
    expect(got.map((g) => g.info.epoch)).toEqual([1, 2, 3]);
    expect(got.map((g) => g.info.logs.loss)).toEqual(h.history.loss);
    expect(got[0].info.batch).toBeUndefined();
    const back = await loadModel(got[2].bytes);
    expect((back.predict(x) as Tensor).data).toEqual(m.predict(x).data);
    const every2: CheckpointInfo[] = [];
    await make().fit(x, y, {
      epochs: 2,
      batchSize: 4,
      verbose: 0,
      callbacks: [new ModelCheckpoint((_b: Uint8Array, info: CheckpointInfo) => void every2.push(info))],
    });
    expect(every2.map((i) => i.epoch)).toEqual([1, 2]);
    const batches: CheckpointInfo[] = [];
    await make().fit(x, y, {
      epochs: 2,
      batchSize: 4,
      verbose: 0,
      callbacks: [new ModelCheckpoint({ filepath: (_b, info) => void batches.push(info), saveFreq: 2 })],
    });
    expect(batches.map((i) => [i.epoch, i.batch])).toEqual([
      [1, 1],
      [2, 0],
      [2, 2],
    ]);
  });

  it("a full checkpoint holds the optimizer's state (loadModel goes on from it), saveWeightsOnly leaves it out", async () => {
    const m = make();
    let full: Uint8Array = new Uint8Array(0);
    let light: Uint8Array = new Uint8Array(0);
    await m.fit(x, y, {
      epochs: 2,
      batchSize: 4,
      verbose: 0,
      callbacks: [
        new ModelCheckpoint((b: Uint8Array) => void (full = b)),
        new ModelCheckpoint({ filepath: (b) => void (light = b), saveWeightsOnly: true }),
      ],
    });
    const a = await loadModel(full),
      b = await loadModel(light);
    expect(m.optimizer!.iterations).toBe(6);
    expect(a.optimizer!.iterations).toBe(6);
    expect(b.optimizer?.iterations ?? 0).toBe(0);
    // Adam's two moments for each of the 3·12 + 3·12 + 12 + 3 + 1 parameters, and a bit of header.
    expect(full.length - light.length).toBeGreaterThanOrEqual(2 * 4 * (36 + 36 + 12 + 3 + 1));
    expect((a.predict(x) as Tensor).data).toEqual((b.predict(x) as Tensor).data);
    // Trained one more epoch, the full checkpoint goes on as the model itself does; the light one does not.
    await m.fit(x, y, { epochs: 1, batchSize: 4, shuffle: false, verbose: 0 });
    await a.fit(x, y, { epochs: 1, batchSize: 4, shuffle: false, verbose: 0 });
    await b.fit(x, y, { epochs: 1, batchSize: 4, shuffle: false, verbose: 0 });
    expect((a.predict(x) as Tensor).data).toEqual(m.predict(x).data);
    expect((b.predict(x) as Tensor).data).not.toEqual(m.predict(x).data);
  });

  it("'indexeddb://' where there is no IndexedDB: an error when fit starts, before any batch; loadModel too", async () => {
    const m = make();
    const before = m.getWeights().map((t) => [...t.data]);
    await expect(
      m.fit(x, y, { epochs: 1, verbose: 0, callbacks: [new ModelCheckpoint({ filepath: 'indexeddb://m-{epoch}' })] }),
    ).rejects.toThrow(
      "ModelCheckpoint: 'indexeddb://m-{epoch}' needs IndexedDB, which this runtime does not have (it is a browser's); in Node, Deno or Bun give a file path",
    );
    expect(m.getWeights().map((t) => [...t.data])).toEqual(before);
    await expect(loadModel('indexeddb://m')).rejects.toThrow(LstmWasmError);
    await expect(loadModel('indexeddb://m')).rejects.toThrow("loadModel: 'indexeddb://m' needs IndexedDB");
    expect(() => new ModelCheckpoint({ filepath: 'indexeddb://' })).toThrow(
      "ModelCheckpoint: 'indexeddb://' names no model; write 'indexeddb://' and a name, such as 'indexeddb://my-model'",
    );
    expect(() => new ModelCheckpoint({ filepath: () => {}, write: () => {} })).toThrow(
      "ModelCheckpoint: give 'filepath' as a function or 'write', not both",
    );
    expect(() => new ModelCheckpoint({ filepath: 3 as never })).toThrow(/'filepath' must be a non-empty string/);
    await expect(
      m.fit(x, y, { epochs: 1, verbose: 0, callbacks: [new BackupAndRestore({ backupDir: 'indexeddb://run' })] }),
    ).rejects.toThrow(
      "BackupAndRestore: 'indexeddb://run' needs IndexedDB, which this runtime does not have (it is a browser's); in Node, Deno or Bun give a folder",
    );
    expect(m.getWeights().map((t) => [...t.data])).toEqual(before);
  });
});

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.html': 'text/html', '.map': 'application/json' };
const PAGE = '<!doctype html><meta charset="utf-8"><title>checkpoint</title><p>checkpoint test</p>';

describe.skipIf(!chromiumPath)('ModelCheckpoint to IndexedDB in headless Chromium', () => {
  let server: Server;
  let url = '';
  let profile = '';
  let context: BrowserContext | null = null;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    requireDist(['dist/index.js']);
    // The page and the bundle from one origin (IndexedDB belongs to an origin).
    server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path === '/favicon.ico') {
        res.writeHead(204).end();
        return;
      }
      if (path === '/') {
        res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
        return;
      }
      const file = normalize(join(ROOT, path));
      if (!path.startsWith('/dist/') || !file.startsWith(join(ROOT, 'dist'))) {
        res.writeHead(404).end();
        return;
      }
      try {
        const body = readFileSync(file);
        res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const a = server.address();
    url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/`;
    profile = mkdtempSync(join(tmpdir(), 'lstm-wasm-idb-'));
    const { chromium } = await import('playwright-core');
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath!,
      headless: true,
      args: CHROMIUM_ARGS,
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => problems.push(`uncaught in page: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
    });
    await page.goto(url);
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await new Promise((r) => server?.close(r));
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it("saves each epoch under 'indexeddb://name-{epoch}'; loadModel reads it back (after a reload too) and predicts bit for bit", async () => {
    const result = (await page.evaluate(`(async () => {
      const L = await import('/dist/index.js');
      await L.init();
      const x = { data: Float32Array.from({ length: 10 * 4 * 2 }, (_, i) => Math.sin(i * 0.7)), shape: [10, 4, 2] };
      const y = { data: Float32Array.from({ length: 10 }, (_, i) => Math.cos(i)), shape: [10, 1] };
      const m = new L.Sequential({ seed: 4, layers: [new L.LSTM({ units: 3, inputShape: [4, 2] }), new L.Dense({ units: 1 })] });
      m.compile({ optimizer: 'adam', loss: 'mse' });
      const ck = new L.ModelCheckpoint({ filepath: 'indexeddb://co2-{epoch:02d}' });
      const got = [];
      const fn = new L.ModelCheckpoint({ filepath: (bytes, info) => { got.push({ n: bytes.length, epoch: info.epoch }); } });
      await m.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0, callbacks: [ck, fn] });
      const back = await L.loadModel('indexeddb://co2-03');
      const first = await L.loadModel('indexeddb://co2-01');
      let missing = '';
      try { await L.loadModel('indexeddb://never-saved'); } catch (e) { missing = e.name + ': ' + e.message; }
      return {
        saved: ck.saved,
        fn: got,
        trained: Array.from(m.predict(x).data),
        loaded: Array.from(back.predict(x).data),
        firstDiffers: Array.from(first.predict(x).data).some((v, i) => v !== m.predict(x).data[i]),
        missing,
      };
    })()`)) as {
      saved: string[];
      fn: { n: number; epoch: number }[];
      trained: number[];
      loaded: number[];
      firstDiffers: boolean;
      missing: string;
    };
    expect(result.saved).toEqual(['indexeddb://co2-01', 'indexeddb://co2-02', 'indexeddb://co2-03']);
    expect(result.fn.map((f) => f.epoch)).toEqual([1, 2, 3]);
    expect(result.fn[0].n).toBeGreaterThan(100);
    expect(result.loaded).toEqual(result.trained);
    expect(result.firstDiffers).toBe(true);
    expect(result.missing).toBe(
      "LstmWasmError: loadModel: nothing is saved under 'indexeddb://never-saved' in this origin's IndexedDB (database 'lstm-wasm', store 'models')",
    );

    // A new page load: the record is still there.
    await page.reload();
    const again = (await page.evaluate(`(async () => {
      const L = await import('/dist/index.js');
      await L.init();
      const x = { data: Float32Array.from({ length: 10 * 4 * 2 }, (_, i) => Math.sin(i * 0.7)), shape: [10, 4, 2] };
      const m = await L.loadModel('indexeddb://co2-03');
      return Array.from(m.predict(x).data);
    })()`)) as number[];
    expect(again).toEqual(result.trained);
    expect(problems).toEqual([]);
  });

  it("BackupAndRestore({ backupDir: 'indexeddb://name' }): a tab closed mid-training, opened again, resumes and ends bit-identical", async () => {
    // The same training in the page: a seeded LSTM with recurrent dropout, Adam, shuffling.
    const setup = `
      const L = await import('/dist/index.js');
      await L.init();
      let s = 5;
      const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
      const x = { data: Float32Array.from({ length: 40 * 4 * 2 }, rand), shape: [40, 4, 2] };
      const y = { data: Float32Array.from({ length: 40 }, rand), shape: [40, 1] };
      const make = () => {
        const m = new L.Sequential({ seed: 8, layers: [new L.LSTM({ units: 4, inputShape: [4, 2], recurrentDropout: 0.2 }), new L.Dense({ units: 1 })] });
        m.compile({ optimizer: 'adam', loss: 'mse' });
        return m;
      };
      const args = { epochs: 6, batchSize: 4, seed: 3, verbose: 0 };
      const bits = (m) => m.getWeights().flatMap((t) => Array.from(new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length)));
      // Slow batches (each waits 5 ms), so that the tab can be closed partway.
      window.__batches = 0;
      const slow = new L.LambdaCallback({ onBatchEnd: () => new Promise((r) => setTimeout(() => { window.__batches++; r(); }, 5)) });
    `;
    const reference = (await page.evaluate(`(async () => { ${setup}
      const m = make();
      await m.fit(x, y, args);
      return bits(m);
    })()`)) as number[];
    // Start the backed-up training and close the tab after 23 of its 60 batches.
    await page.evaluate(`(async () => { ${setup}
      window.__fit = make().fit(x, y, { ...args, callbacks: [new L.BackupAndRestore({ backupDir: 'indexeddb://run', saveFreq: 3 }), slow] });
    })()`);
    await page.waitForFunction('window.__batches >= 23', null, { timeout: 60_000 });
    await page.close();
    page = await context!.newPage();
    await page.goto(url);
    const resumed = (await page.evaluate(`(async () => { ${setup}
      const m = make();
      const b = new L.BackupAndRestore({ backupDir: 'indexeddb://run', saveFreq: 3 });
      await m.fit(x, y, { ...args, callbacks: [b, slow] });
      const left = await new Promise((resolve) => {
        const r = indexedDB.open('lstm-wasm');
        r.onsuccess = () => { const g = r.result.transaction('models').objectStore('models').get('run'); g.onsuccess = () => resolve(g.result === undefined); };
      });
      return { resumedFrom: b.resumedFrom, bits: bits(m), deleted: left };
    })()`)) as { resumedFrom: { epoch: number; batch: number }; bits: number[]; deleted: boolean };
    // 10 batches an epoch; a backup every 3: at least the one after batch 21 was committed.
    const at = resumed.resumedFrom.epoch * 10 + resumed.resumedFrom.batch;
    console.log(`browser BackupAndRestore: tab closed after 23+ batches; resumed at epoch ${resumed.resumedFrom.epoch + 1}, batch ${resumed.resumedFrom.batch}`);
    expect(at % 3).toBe(0);
    expect(at).toBeGreaterThanOrEqual(21);
    expect(resumed.bits).toEqual(reference);
    expect(resumed.deleted).toBe(true);
    expect(problems).toEqual([]);
  });
});
