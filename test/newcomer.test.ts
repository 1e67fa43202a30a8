// What a TF.js or Keras user tripped on in their first hour (issue 14), one describe per stumble,
// each written so that the stumble coming back fails it: file:// paths, overlapping fits, a
// stateful model fed the wrong batch, dtypes that are not honoured, the Embedding hint, and
// results as a Tensor class with TF.js's methods. (The packaged CLI and the tarball: pack.test.ts.)
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  Bidirectional, Dense, Dropout, Embedding, GRU, LSTM, LstmWasmError, Model, Sequential, SimpleRNN, Tensor,
  TimeDistributed, init, input, isTensor, loadLayersModel, model, saveLayersModel, tensor, toLayersModel, toTensor,
  type TensorData,
} from '../src/index.js';
import type { Logs } from '../src/index.js';

function rand(shape: number[], seed = 1, scale = 1): TensorData {
  let a = seed >>> 0;
  const n = shape.reduce((x, y) => x * y, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    data[i] = ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * scale;
  }
  return { data, shape };
}

function errorOf(f: () => unknown): LstmWasmError {
  try {
    f();
  } catch (e) {
    if (e instanceof LstmWasmError) return e;
    throw new Error(`expected an LstmWasmError, got ${(e as Error)?.stack ?? e}`);
  }
  throw new Error('expected an error, got none');
}

async function rejectionOf(p: Promise<unknown>): Promise<LstmWasmError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof LstmWasmError) return e;
    throw new Error(`expected an LstmWasmError, got ${(e as Error)?.stack ?? e}`);
  }
  throw new Error('expected a rejection, got none');
}

const small = (name: string, seed = 1) => new Sequential({
  name, seed, layers: [new LSTM({ units: 5, inputShape: [4, 3], dropout: 0.1 }), new Dense({ units: 2 })],
});

beforeAll(async () => {
  await init();
});

// ---- 1. file:// paths ------------------------------------------------------------------------

describe('file:// paths in saveLayersModel and loadLayersModel, as tfjs-node reads them', () => {
  let dir = '';
  let cwd = '';
  const tag = `lstm-wasm-newcomer-${process.pid}-${Date.now()}`;
  beforeAll(() => {
    cwd = process.cwd();
    dir = mkdtempSync(join(tmpdir(), 'lstm-wasm-file-url-'));
    process.chdir(dir);
  });
  afterAll(() => {
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  });

  const x = rand([3, 4, 3], 5);
  const forms: [string, (name: string) => string, (name: string) => string][] = [
    // [what, the URL written, where it must land (relative to the temp working directory)]
    ['file://./relative', (n) => `file://./${n}`, (n) => n],
    ['file://relative', (n) => `file://${n}`, (n) => n],
    ['file://./nested/relative/', (n) => `file://./deep/${n}/`, (n) => join('deep', n)],
    ['file:///absolute', (n) => `file://${join(dir, 'abs', n)}`, (n) => join('abs', n)],
    ['pathToFileURL (percent escapes)', (n) => pathToFileURL(join(dir, 'with space', n)).href, (n) => join('with space', n)],
  ];

  for (const [what, url, where] of forms) {
    it(`${what}: writes where it says, and loads back from the same URL`, async () => {
      const name = `${tag}-${what.replace(/\W+/g, '-')}`;
      const m = small(`file_${what.replace(/\W+/g, '_')}`, 3);
      const want = m.predict(x) as Tensor;
      await saveLayersModel(m, url(name));
      const folder = join(dir, where(name));
      expect(existsSync(join(folder, 'model.json')), `model.json in ${folder}`).toBe(true);
      // The defect: new URL('file://./x').pathname is '/x', a folder at the filesystem root.
      expect(existsSync(join('/', name)), `nothing at /${name}`).toBe(false);
      expect(existsSync(join('/', 'deep'))).toBe(false);
      const folderUrl = url(name);
      for (const source of [folderUrl, `${folderUrl.replace(/\/$/, '')}/model.json`]) {
        const back = await loadLayersModel(source);
        expect((back.predict(x) as Tensor).data).toEqual(want.data);
        back.dispose();
      }
      m.dispose();
    });
  }

  it('a .json destination as a file:// URL writes that file and its shards beside it', async () => {
    const m = small('file_json', 4);
    await saveLayersModel(m, `file://./${tag}-json/my-model.json`);
    const json = JSON.parse(readFileSync(join(dir, `${tag}-json`, 'my-model.json'), 'utf8'));
    expect(json.weightsManifest[0].paths.every((p: string) => existsSync(join(dir, `${tag}-json`, p)))).toBe(true);
    const back = await loadLayersModel(`file://${tag}-json/my-model.json`);
    expect((back.predict(x) as Tensor).data).toEqual((m.predict(x) as Tensor).data);
    back.dispose();
    m.dispose();
  });

  it("TF.js's browser and http schemes are refused, not made into folders named 'localstorage:' here", async () => {
    const m = small('file_schemes', 6);
    for (const url of ['localstorage://my-model', 'indexeddb://my-model', 'downloads://my-model', 'https://example.com/upload', 'http://localhost:1/m']) {
      const e = await rejectionOf(saveLayersModel(m, url));
      expect(e.message).toMatch(/^saveLayersModel: ".*": [a-z]+:\/\/ URLs are not handled here; give a path or a file:\/\/ URL, and toLayersModel\(model\) gives/);
    }
    expect(readdirSync(dir).filter((n) => n.includes(':'))).toEqual([]);
    expect((await rejectionOf(loadLayersModel('indexeddb://my-model'))).message).toBe('loadLayersModel: "indexeddb://my-model": indexeddb:// URLs are not handled here; give a path or a file:// URL');
    m.dispose();
  });

  it('file: without a path, or with a bad escape, is an error that says how to write one', async () => {
    const m = small('file_bad', 5);
    for (const bad of ['file://', 'file:', 'file:relative', 'file://./a%ZZb']) {
      const e = await rejectionOf(saveLayersModel(m, bad));
      expect(e.message).toMatch(/^saveLayersModel: /);
      expect(e.message).toMatch(/file:\/\/\/absolute\/path, file:\/\/\.\/relative\/path/);
      const l = await rejectionOf(loadLayersModel(bad));
      expect(l.message).toMatch(/^loadLayersModel: /);
    }
    m.dispose();
  });
});

// ---- 2. overlapping fits ---------------------------------------------------------------------

describe('a fit that is running: what would change the model under it is refused; predict and evaluate are not', () => {
  const xs = rand([24, 4, 3], 11), ys = rand([24, 2], 12);

  it('a second fit, compile, setWeights, trainOnBatch and dispose name the running fit and its epoch', async () => {
    const m = small('busy', 1);
    m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    const w = m.getWeights();
    const seen: Record<string, string> = {};
    const first = m.fit(xs, ys, {
      epochs: 3, batchSize: 8, verbose: 0, seed: 1,
      callbacks: {
        onEpochBegin: (epoch: number) => {
          if (epoch !== 1) return;
          seen.compile = errorOf(() => m.compile({ optimizer: 'sgd', loss: 'mae' })).message;
          seen.setWeights = errorOf(() => m.setWeights(w)).message;
          seen.trainOnBatch = errorOf(() => m.trainOnBatch(rand([8, 4, 3]), rand([8, 2]))).message;
          seen.dispose = errorOf(() => m.dispose()).message;
          seen.layer = errorOf(() => m.layers[1].setWeights(m.layers[1].getWeights())).message;
          m.resetStates(); // allowed: Keras callbacks reset stateful layers between epochs
        },
      },
    });
    // Started while the first is in its first epoch: refused before it does anything.
    const second = await rejectionOf(m.fit(xs, ys, { epochs: 1, verbose: 0 }));
    expect(second.message).toBe("Sequential 'busy'.fit: Sequential 'busy'.fit is running, in epoch 1 of 3; fit would change the model under it. Await the promise that fit returned first (to end it early, set model.stopTraining = true in a callback); predict and evaluate may run meanwhile");
    const h = await first;
    expect(h.history.loss).toHaveLength(3);
    expect(seen.layer).toMatch(/^Dense '[^']+'\.setWeights: Sequential 'busy'\.fit is running, in epoch 2 of 3; setWeights would change the weights under it/);
    for (const what of ['compile', 'setWeights', 'trainOnBatch', 'dispose']) {
      expect(seen[what], what).toMatch(new RegExp(`^Sequential 'busy'\\.${what}: Sequential 'busy'\\.fit is running, in epoch 2 of 3; ${what} would change the model`));
    }
    // Once it is over, all of them work again.
    m.compile({ optimizer: 'sgd', loss: 'mae' });
    m.setWeights(w);
    await m.fit(xs, ys, { epochs: 1, verbose: 0 });
    m.dispose();
    expect(m.isDisposed).toBe(true);
  });

  it('a model built from the same layers (sharing the weights) is refused too, naming the model whose fit runs', async () => {
    const a = input({ shape: [4, 3], name: 'a' });
    const lstm = new LSTM({ units: 3 });
    const head = new Dense({ units: 2 });
    const trainer = model({ inputs: a, outputs: head.apply(lstm.apply(a)) as never, name: 'trainer', seed: 2 });
    const encoder = model({ inputs: a, outputs: lstm.apply(a) as never, name: 'encoder' });
    trainer.compile({ optimizer: 'adam', loss: 'mse' });
    encoder.compile({ optimizer: 'adam', loss: 'mse' });
    let msg = '';
    let encoded: Tensor | null = null;
    await trainer.fit(xs, ys, {
      epochs: 1, batchSize: 12, verbose: 0,
      callbacks: { onBatchEnd: () => { msg = errorOf(() => encoder.setWeights(encoder.getWeights())).message; encoded = encoder.predict(xs) as Tensor; } },
    });
    expect(msg).toMatch(/^Model 'encoder'\.setWeights: Model 'trainer'\.fit is running \(it trains the same layers\), in epoch 1 of 1/);
    expect(encoded!.shape).toEqual([24, 3]);
    trainer.dispose();
    encoder.dispose();
  });

  it('a fit that failed lets go: the model can be compiled and trained again', async () => {
    const m = small('fails', 3);
    m.compile({ optimizer: 'adam', loss: 'mse' });
    const boom = await rejectionOf(m.fit(xs, ys, { epochs: 2, verbose: 0, callbacks: { onEpochEnd: () => { throw new LstmWasmError('boom'); } } }));
    expect(boom.message).toBe('boom');
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    await m.fit(xs, ys, { epochs: 1, verbose: 0 });
    m.dispose();
  });

  /** A seeded fit; `probe` runs where predict and evaluate may interleave (callbacks, other tasks). */
  async function seededFit(probe: ((m: Sequential, when: string) => void) | null, concurrent = false) {
    const m = small('probe', 7);
    m.compile({ optimizer: 'adam', loss: 'meanSquaredError', metrics: ['mae'] });
    const batches: Logs[] = [];
    const callbacks = {
      onBatchBegin: (b: number) => probe?.(m, `batch ${b} begin`),
      onBatchEnd: (b: number, logs?: Logs) => { batches.push({ ...logs }); probe?.(m, `batch ${b} end`); },
      onEpochEnd: (e: number) => probe?.(m, `epoch ${e} end`),
    };
    let running = true;
    const other = concurrent && probe ? (async () => {
      // Another task: runs whenever fit yields to the event loop (yieldEvery: 0 is after every batch).
      let i = 0;
      while (running) {
        await new Promise((r) => setImmediate(r));
        if (running) probe(m, `task ${i++}`);
      }
    })() : null;
    const h = await m.fit(xs, ys, { epochs: 3, batchSize: 7, verbose: 0, seed: 9, validationSplit: 0.25, yieldEvery: concurrent ? 0 : 'never', callbacks });
    running = false;
    await other;
    const weights = m.getWeights().map((w) => Array.from(w.data));
    m.dispose();
    return { history: h.history, batches, weights };
  }

  it('predict and evaluate between batches give what the same weights give outside training, and the fit is bit-identical to one without them', async () => {
    const xp = rand([9, 4, 3], 21), yp = rand([9, 2], 22);
    const seen: { when: string; weights: TensorData[]; p5: Float32Array; pAll: Float32Array; ev: number[] }[] = [];
    const probe = (m: Sequential, when: string) => {
      // Plans of other batch sizes (5, then 4; 9) than the fit's (7): they overwrite its buffers.
      seen.push({
        when,
        weights: m.getWeights().map((w) => ({ data: w.data.slice(), shape: w.shape })),
        p5: (m.predict(xp, { batchSize: 5 }) as Tensor).data,
        pAll: (m.predict(xp) as Tensor).data,
        ev: m.evaluate(xp, yp, { batchSize: 4 }) as number[],
      });
    };
    const plain = await seededFit(null);
    const probed = await seededFit(probe);
    const concurrent = await seededFit(probe, true);
    expect(probed).toEqual(plain);
    expect(concurrent).toEqual(plain);
    expect(seen.length).toBeGreaterThan(2 * 3 * 3);
    expect(seen.some((s) => s.when.startsWith('task'))).toBe(true);
    // Each probe against a model that never trained, holding the probe's weights.
    const still = small('still', 99);
    still.compile({ optimizer: 'adam', loss: 'meanSquaredError', metrics: ['mae'] });
    for (const s of seen) {
      still.setWeights(s.weights);
      expect(s.p5, s.when).toEqual((still.predict(xp, { batchSize: 5 }) as Tensor).data);
      expect(s.pAll, s.when).toEqual((still.predict(xp) as Tensor).data);
      expect(s.ev, s.when).toEqual(still.evaluate(xp, yp, { batchSize: 4 }));
    }
    still.dispose();
  });
});

// ---- 3. a stateful model fed another batch size ------------------------------------------------

describe('a stateful model built for batch 1, given 2 samples', () => {
  const build = () => {
    const m = new Sequential({ name: 'st', seed: 3, layers: [new LSTM({ units: 3, stateful: true, batchInputShape: [1, 5, 2] }), new Dense({ units: 1 })] });
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    return m;
  };
  const x2 = rand([2, 5, 2], 31), y2 = rand([2, 1], 32);

  it('predict, evaluate, fit and trainOnBatch are errors naming batchInputShape (not state carried across the 2)', async () => {
    const m = build();
    const says = /built for batches of 1 \(batchInputShape \[1, 5, 2\]\), got 2 samples/;
    expect(errorOf(() => m.predict(x2)).message).toMatch(says);
    expect(errorOf(() => m.predict(x2)).message).toMatch(/pass batchSize: 1 to run them as 2 consecutive batches \(its stateful layers carry their state/);
    expect(errorOf(() => m.evaluate(x2, y2)).message).toMatch(says);
    expect((await rejectionOf(m.fit(x2, y2, { verbose: 0 }))).message).toMatch(says);
    expect(errorOf(() => m.trainOnBatch(x2, y2)).message).toMatch(/trainOnBatch: this model was built for batches of 1 \(batchInputShape\), got 2 samples; trainOnBatch takes one batch of 1 \(batchInputShape \[1, 5, 2\]\)/);
    expect(errorOf(() => m.inspect(x2)).message).toMatch(/^inspect: this model was built for batches of 1 \(batchInputShape \[1, 5, 2\]\), got 2 samples; give 1 sample at a time$/);
    expect(errorOf(() => m.predict(x2, { batchSize: 2 })).message).toMatch(/built for batches of 1 \(batchInputShape\), got batchSize 2/);
    m.dispose();
  });

  it("Keras's default batch size (32) on a model built for 32 feeds multiples of 32 as consecutive batches; a fixed batch without stateful layers follows the same rule", async () => {
    const m = new Sequential({ name: 'st32', seed: 3, layers: [new GRU({ units: 2, stateful: true, batchInputShape: [32, 3, 2] })] });
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    expect((m.predict(rand([64, 3, 2])) as Tensor).shape).toEqual([64, 2]);
    await m.fit(rand([64, 3, 2]), rand([64, 2]), { epochs: 1, verbose: 0, shuffle: false });
    expect(errorOf(() => m.predict(rand([48, 3, 2]))).message).toMatch(/must be a multiple of 32, got 48/);
    m.dispose();
    const a = input({ batchShape: [2, 3], name: 'fixed' });
    const f = model({ inputs: a, outputs: new Dense({ units: 1 }).apply(a) as never, name: 'fixed2' });
    const msg = errorOf(() => f.predict(rand([4, 3]))).message;
    expect(msg).toBe('predict: this model was built for batches of 2 (batchInputShape [2, 3]), got 4 samples; give 2 samples at a time, or pass batchSize: 2 to run them as 2 consecutive batches');
    expect((f.predict(rand([4, 3]), { batchSize: 2 }) as Tensor).shape).toEqual([4, 1]);
    f.dispose();
  });

  it('batchSize: 1, as in Keras, feeds them as consecutive batches: the state carries from the first to the second', () => {
    const m = build();
    const both = (m.predict(x2, { batchSize: 1 }) as Tensor).data;
    m.resetStates();
    const first = (m.predict({ data: x2.data.slice(0, 10), shape: [1, 5, 2] }) as Tensor).data;
    const second = (m.predict({ data: x2.data.slice(10), shape: [1, 5, 2] }) as Tensor).data;
    expect(Array.from(both)).toEqual([first[0], second[0]]);
    m.trainOnBatch({ data: x2.data.slice(0, 10), shape: [1, 5, 2] }, { data: y2.data.slice(0, 1), shape: [1, 1] });
    expect(typeof m.evaluate(x2, y2, { batchSize: 1 })).toBe('number');
    m.dispose();
  });
});

// ---- 4. dtypes --------------------------------------------------------------------------------

describe('a dtype that is not honoured is refused, and the message lists what is', () => {
  const layers: [string, (dtype: string) => unknown][] = [
    ['LSTM', (dtype) => new LSTM({ units: 2, dtype } as never)],
    ['GRU', (dtype) => new GRU({ units: 2, dtype } as never)],
    ['SimpleRNN', (dtype) => new SimpleRNN({ units: 2, dtype } as never)],
    ['Dense', (dtype) => new Dense({ units: 2, dtype } as never)],
    ['Embedding', (dtype) => new Embedding({ inputDim: 3, outputDim: 2, dtype } as never)],
    ['Dropout', (dtype) => new Dropout({ rate: 0.1, dtype } as never)],
    ['Bidirectional', (dtype) => new Bidirectional({ layer: new LSTM({ units: 2 }), dtype } as never)],
    ['TimeDistributed', (dtype) => new TimeDistributed({ layer: new Dense({ units: 2 }), dtype } as never)],
  ];
  for (const [name, make] of layers) {
    it(`${name}: float64, float16 and int32 are refused; float32 is taken`, () => {
      for (const dtype of ['float64', 'float16', 'int32', 'bool']) {
        expect(errorOf(() => make(dtype)).message).toMatch(new RegExp(`option 'dtype' must be 'float32' \\(the only type lstm-wasm computes in\\), got a string "${dtype}"`));
      }
      expect(make('float32')).toBeDefined();
    });
  }
  it("input(): 'float32' and 'int32' (token ids) are taken, nothing else", () => {
    for (const dtype of ['float64', 'float16', 'bool', 'string']) {
      expect(errorOf(() => input({ shape: [3], dtype } as never)).message).toBe(`input: option 'dtype' must be 'float32' or 'int32' (token ids), got a string "${dtype}"`);
    }
    expect(input({ shape: [3], dtype: 'int32' }).dtype).toBe('int32');
    expect(input({ shape: [3] }).dtype).toBe('float32');
  });
  it('Sequential and model() take no dtype: an unknown option, listing what they take', () => {
    expect(errorOf(() => new Sequential({ dtype: 'float64' } as never)).message).toBe("Sequential: unknown option 'dtype'. Allowed: 'layers', 'name', 'seed', 'threads'");
    const a = input({ shape: [2] });
    expect(errorOf(() => model({ inputs: a, outputs: a, dtype: 'float64' } as never)).message).toMatch(/^model: unknown option 'dtype'.*Allowed: 'inputs', 'outputs', 'name', 'seed', 'threads'$/);
  });
  it('a TF.js / Keras file whose layer has dtype float64 is refused, not read as float32', async () => {
    const m = small('typed', 2);
    const art = toLayersModel(m);
    const json = JSON.parse(JSON.stringify(art.modelJson));
    const layersOf = (j: { modelTopology: { config: { layers?: { config: Record<string, unknown> }[] } } }) => j.modelTopology.config.layers!;
    layersOf(json)[layersOf(json).length - 1].config.dtype = 'float64';
    const e = await rejectionOf(loadLayersModel({ modelJson: json, weights: art.shards.map((s) => s.data) }));
    expect(e.message).toMatch(/dtype "float64" is not supported; lstm-wasm computes in float32/);
    m.dispose();
  });
});

// ---- 6. the Embedding hint --------------------------------------------------------------------

describe('token ids given as [samples, steps, 1] to an Embedding', () => {
  const ids = { data: new Float32Array(2 * 50).map((_, i) => i % 7), shape: [2, 50, 1] };
  const check = (msg: string) => {
    expect(msg).toMatch(/token ids .*\[samples, steps\]/);
    expect(msg).toMatch(/drop the last size of 1/);
    expect(msg).not.toMatch(/feature/);
    expect(msg).not.toMatch(/\[samples, steps, 1\]:|needs a last size of 1|inputShape: \[50, 1\]/);
  };
  it('with inputShape: the hint says ids are [samples, steps], and the shape to give', () => {
    const m = new Sequential({ name: 'emb', layers: [new Embedding({ inputDim: 10, outputDim: 4, inputShape: [50] }), new LSTM({ units: 3 })] });
    const msg = errorOf(() => m.predict(ids)).message;
    check(msg);
    expect(msg).toMatch(/^Sequential 'emb': predict x: expected shape \[null, 50\] \(rank 2\), got \[2, 50, 1\] \(rank 3\); .*\(x of shape \[2, 50\]\)$/);
    m.dispose();
  });
  it('built from the data (no inputShape), and with inputShape [50, 1]: the same hint', () => {
    const m = new Sequential({ name: 'emb2', layers: [new Embedding({ inputDim: 10, outputDim: 4 }), new LSTM({ units: 3 })] });
    check(errorOf(() => m.predict(ids)).message);
    m.dispose();
    const s = new Sequential({ name: 'emb3' });
    check(errorOf(() => s.add(new Embedding({ inputDim: 10, outputDim: 4, inputShape: [50, 1] }))).message);
  });
  it('an LSTM given [samples, steps] still gets the one-feature hint (its own, right for it)', () => {
    const m = new Sequential({ name: 'series', layers: [new LSTM({ units: 3, inputShape: [50, 1] })] });
    expect(errorOf(() => m.predict(rand([2, 50]))).message).toMatch(/a series of one feature needs a last size of 1: \[samples, steps, 1\]$/);
    m.dispose();
  });
});

// ---- 7. results as a Tensor class -------------------------------------------------------------

describe('results are Tensors with the methods TF.js users call', () => {
  it('predict, step, inspect, getWeights and tensor() give Tensor instances whose data is a Float32Array', () => {
    const m = small('results', 4);
    const y = m.predict(rand([3, 4, 3])) as Tensor;
    expect(y).toBeInstanceOf(Tensor);
    expect(y.data).toBeInstanceOf(Float32Array);
    expect(y.shape).toEqual([3, 2]);
    expect(Object.keys(y)).toEqual(['data', 'shape']);
    const inside = m.inspect(rand([2, 4, 3]));
    for (const t of [inside.gates, inside.cellStates, inside.hidden]) expect(t).toBeInstanceOf(Tensor);
    for (const w of m.getWeights()) expect(w).toBeInstanceOf(Tensor);
    for (const w of m.layers[0].getWeights()) expect(w).toBeInstanceOf(Tensor);
    expect(tensor([[1, 2], [3, 4]])).toBeInstanceOf(Tensor);
    expect(tensor({ data: new Float32Array(2), shape: [2] })).toBeInstanceOf(Tensor);
    expect(tensor([1, 2, 3, 4], [2, 2])).toBeInstanceOf(Tensor);
    const st = new Sequential({ seed: 1, layers: [new LSTM({ units: 2, stateful: true, batchInputShape: [1, null, 3] })] });
    expect(st.step([0.1, 0.2, 0.3])).toBeInstanceOf(Tensor);
    st.dispose();
    m.dispose();
  });

  it('dataSync, arraySync, array, rank, size, dtype', async () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.dataSync()).toBe(t.data);
    expect(t.arraySync()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(await t.array()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(tensor(7).arraySync()).toBe(7);
    expect(tensor([[[1], [2]], [[3], [4]]]).arraySync()).toEqual([[[1], [2]], [[3], [4]]]);
    expect(tensor(new Float32Array(0), [0, 3]).arraySync()).toEqual([]);
    expect([t.rank, t.size, t.dtype]).toEqual([2, 6, 'float32']);
    t.dispose(); // nothing to free: a TF.js habit that does no harm
    expect(t.data.length).toBe(6);
  });

  it('toString and print as TF.js prints them: "Tensor", then the values, aligned, long dimensions cut', () => {
    expect(tensor([[1, 2], [3, 40]]).toString()).toBe('Tensor\n    [[ 1,  2],\n     [ 3, 40]]');
    expect(tensor([0.5, -1.25]).toString()).toBe('Tensor\n    [  0.5, -1.25]');
    expect(tensor(3).toString()).toBe('Tensor\n    3');
    expect(tensor([[[1, 2]], [[3, 4]]]).toString()).toBe('Tensor\n    [[[1, 2]],\n\n     [[3, 4]]]');
    const long = tensor(Array.from({ length: 30 }, (_, i) => i));
    expect(long.toString()).toBe('Tensor\n    [ 0,  1,  2, ..., 27, 28, 29]');
    expect(tensor([1, 2]).toString(true)).toBe('Tensor\n  dtype: float32\n  rank: 1\n  shape: [2]\n  values:\n    [1, 2]');
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    tensor([1, 2]).print();
    expect(log).toHaveBeenCalledWith('Tensor\n    [1, 2]');
    log.mockRestore();
  });

  it('plain { data, shape } objects are still taken everywhere, and compare equal to Tensors', () => {
    const plain = { data: new Float32Array([1, 2, 3, 4]), shape: [2, 2] };
    expect(isTensor(plain)).toBe(true);
    expect(toTensor(plain, 'x')).toBe(plain);
    expect(isTensor(tensor(plain))).toBe(true);
    expect(tensor(plain)).toEqual(plain);
    expect(JSON.parse(JSON.stringify(tensor([1])))).toEqual({ data: { 0: 1 }, shape: [1] });
    const m = small('plain', 6);
    const x = rand([2, 4, 3], 8);
    expect((m.predict(x) as Tensor).data).toEqual((m.predict(new Tensor(x.data, x.shape)) as Tensor).data);
    m.setWeights(m.getWeights().map((w) => ({ data: w.data, shape: w.shape })));
    m.dispose();
    expect(errorOf(() => new Tensor(new Float32Array(3), [2, 2])).message).toBe('Tensor: shape [2, 2] needs 4 values, got 3');
    expect(errorOf(() => new Tensor([1, 2] as never, [2])).message).toMatch(/^Tensor: data must be a Float32Array/);
  });

  it('a Model is still what loadLayersModel gives, and its predictions are Tensors', async () => {
    const m = small('roundtrip', 9);
    const art = toLayersModel(m);
    const back = await loadLayersModel({ modelJson: art.modelJson, weights: art.shards.map((s) => s.data) });
    expect(back).toBeInstanceOf(Model);
    expect(back.predict(rand([1, 4, 3]))).toBeInstanceOf(Tensor);
    back.dispose();
    m.dispose();
  });
});
