// Memory over long runs. WebAssembly memory can grow but never shrink, so the library must not need
// it to: after the first round of a repeated workload, each model's WASM memory (model.memoryBytes)
// and the process's memory (heapUsed and rss, measured after a full GC) must stop growing. And a
// disposed model must refuse every method with a clear error, and let its memory go.
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import {
  Bidirectional, Dense, Embedding, GRU, LSTM, LstmWasmError, Masking, Sequential, SimpleRNN, type TensorData,
} from '../../src/index.js';


/** A full, synchronous GC: global.gc when node runs with --expose-gc, else one made at run time. */
function findGc(): (() => void) | null {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') return g;
  try {
    v8.setFlagsFromString('--expose-gc');
    return vm.runInNewContext('gc') as () => void;
  } catch {
    return null;
  }
}
const gc = findGc();
const MB = 1024 * 1024;

function settle(): { heap: number; rss: number } {
  if (gc) { gc(); gc(); }
  const u = process.memoryUsage();
  return { heap: u.heapUsed, rss: u.rss };
}

function rand(shape: number[], seed = 1): TensorData {
  const n = shape.reduce((a, b) => a * b, 1);
  return { data: Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 31 + i * 0.37)), shape };
}

/** Growth from the first sample taken after warm-up to the largest later one. */
function growth(samples: number[], warm: number): number {
  const base = samples[warm];
  return Math.max(...samples.slice(warm)) - base;
}

describe('a model’s WASM memory stays flat', () => {
  it('10,000 predict calls (batches of 1..40 samples): memoryBytes never moves after the first round', () => {
    const m = new Sequential({ seed: 1, layers: [new LSTM({ units: 8, inputShape: [6, 3], returnSequences: true }), new GRU({ units: 5 }), new Dense({ units: 2 })] });
    const xs = Array.from({ length: 40 }, (_, i) => rand([i + 1, 6, 3], i));
    const wasm: number[] = [];
    const heap: number[] = [];
    for (let i = 0; i < 10_000; i++) {
      m.predict(xs[i % 40]);
      if (i % 40 === 39) wasm.push(m.memoryBytes);
      if (i % 2000 === 1999) heap.push(settle().heap);
    }
    expect(new Set(wasm).size, `memoryBytes per round: ${[...new Set(wasm)].join(', ')}`).toBe(1);
    if (gc) expect(growth(heap, 0), `heapUsed after each 2000 calls: ${heap.map((h) => (h / MB).toFixed(1)).join(', ')} MB`).toBeLessThan(2 * MB);
    m.dispose();
  });

  it('200 fit calls of one epoch on batch sizes 1..40 (with validation): memoryBytes stops growing after the first round', async () => {
    const m = new Sequential({ seed: 2, layers: [new Masking({ inputShape: [5, 3] }), new Bidirectional({ layer: new LSTM({ units: 6 }) }), new Dense({ units: 2 })] });
    m.compile({ optimizer: 'adam', loss: 'mse', metrics: ['mae'] });
    const x = rand([48, 5, 3], 3), y = rand([48, 2], 4);
    const wasm: number[] = [];
    const heap: number[] = [];
    for (let i = 0; i < 200; i++) {
      const batchSize = 1 + ((i * 7) % 40); // every size in 1..40 within each 40 calls
      await m.fit(x, y, { epochs: 1, batchSize, validationSplit: 0.25, verbose: 0, yieldEvery: 'never' });
      wasm.push(m.memoryBytes);
      if (i % 40 === 39) heap.push(settle().heap);
    }
    const firstRound = Math.max(...wasm.slice(0, 40));
    expect(wasm.slice(40).every((b) => b === firstRound), `memoryBytes after the first round: ${[...new Set(wasm.slice(40))].join(', ')} (first round peak ${firstRound})`).toBe(true);
    if (gc) expect(growth(heap, 0), `heapUsed per round: ${heap.map((h) => (h / MB).toFixed(1)).join(', ')} MB`).toBeLessThan(2 * MB);
    m.dispose();
  });

  it('5,000 stateful step() calls and resetStates(): memoryBytes flat from the first call', () => {
    const m = new Sequential({ seed: 3, layers: [new GRU({ units: 7, batchInputShape: [2, null, 3], stateful: true, returnSequences: true }), new LSTM({ units: 4, batchInputShape: [2, null, 7], stateful: true }), new Dense({ units: 1 })] });
    m.step([[0.1, 0.2, 0.3], [0.3, 0.2, 0.1]]);
    const first = m.memoryBytes;
    for (let i = 0; i < 5000; i++) {
      const out = m.step([[Math.sin(i), 0.2, 0.3], [0.3, Math.cos(i), 0.1]]);
      if (i % 500 === 0) {
        expect(Number.isFinite(out.data[0])).toBe(true);
        m.resetStates();
      }
    }
    expect(m.memoryBytes).toBe(first);
    m.dispose();
  });

  it('[fixed D19] predict on 1,500 different sequence lengths: the JS heap stops growing (the plan cache is bounded)', () => {
    // Each distinct input shape gets a cached Plan (runners, closures) that is never evicted: about
    // 2 KB of heap per shape, forever. Variable-length input (text, padded per batch) grows it without bound.
    const m = new Sequential({ seed: 4, layers: [new LSTM({ units: 2, inputShape: [null, 1] }), new Dense({ units: 1 })] });
    const heap: number[] = [];
    for (let T = 1; T <= 1500; T++) {
      m.predict({ data: new Float32Array(T).fill(0.5), shape: [1, T, 1] });
      if (T % 300 === 0) heap.push(settle().heap);
    }
    expect(gc, 'needs a GC to measure').not.toBeNull();
    expect(growth(heap, 0), `heapUsed every 300 lengths: ${heap.map((h) => (h / MB).toFixed(2)).join(', ')} MB`).toBeLessThan(0.5 * MB);
    m.dispose();
  });
});

describe('1,000 models created and disposed', () => {
  it('the process memory stays flat: heapUsed and rss after GC stop growing', () => {
    const kinds = [
      () => new Sequential({ layers: [new LSTM({ units: 8, inputShape: [5, 3] }), new Dense({ units: 2 })] }),
      () => new Sequential({ layers: [new GRU({ units: 6, inputShape: [5, 3], returnSequences: true }), new SimpleRNN({ units: 4 })] }),
      () => new Sequential({ layers: [new Embedding({ inputDim: 9, outputDim: 3, inputShape: [5], maskZero: true }), new Bidirectional({ layer: new GRU({ units: 3 }) })] }),
    ];
    const x = rand([2, 5, 3], 5);
    const ids = { data: new Float32Array([1, 2, 3, 0, 0, 4, 5, 6, 7, 8]), shape: [2, 5] };
    const heap: number[] = [];
    const rss: number[] = [];
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 100; i++) {
        const k = i % 3;
        const m = kinds[k]();
        m.predict(k === 2 ? ids : x);
        expect(m.memoryBytes).toBeGreaterThan(0);
        m.dispose();
        expect(m.memoryBytes).toBe(0);
      }
      const s = settle();
      heap.push(s.heap);
      rss.push(s.rss);
    }
    const show = (a: number[]) => a.map((v) => (v / MB).toFixed(1)).join(', ');
    // the first two rounds warm up (JIT, the compiled module); from then on nothing may accumulate
    if (gc) {
      expect(growth(heap, 2), `heapUsed per 100 models: ${show(heap)} MB`).toBeLessThan(3 * MB);
      // each model holds at least 64 KiB of WASM memory: 800 leaked models would be 50 MB
      expect(growth(rss, 2), `rss per 100 models: ${show(rss)} MB`).toBeLessThan(24 * MB);
    } else {
      expect(growth(rss, 2), `rss per 100 models (no GC available, wide tolerance): ${show(rss)} MB`).toBeLessThan(64 * MB);
    }
  });
});

describe('after dispose()', () => {
  function disposed() {
    const m = new Sequential({ name: 'gone', seed: 5, layers: [new LSTM({ name: 'st', units: 3, batchInputShape: [2, null, 3], stateful: true }), new Dense({ name: 'd', units: 1 })] });
    m.compile({ optimizer: 'adam', loss: 'mse' });
    m.predict(rand([2, 4, 3]));
    const layers = m.layers as [LSTM, Dense];
    m.dispose();
    return { m, layers };
  }
  const x = rand([2, 4, 3]), y = rand([2, 1]);
  const says = /Sequential 'gone'.*(was )?disposed/;

  const calls: [string, (m: Sequential, l: [LSTM, Dense]) => unknown][] = [
    ['predict', (m) => m.predict(x)],
    ['fit', (m) => m.fit(x, y, { verbose: 0 })],
    ['evaluate', (m) => m.evaluate(x, y)],
    ['trainOnBatch', (m) => m.trainOnBatch(x, y)],
    ['step', (m) => m.step([[1, 2, 3], [4, 5, 6]])],
    ['inspect', (m) => m.inspect(x)],
    ['compile', (m) => m.compile({ optimizer: 'sgd', loss: 'mse' })],
    ['getWeights', (m) => m.getWeights()],
    ['setWeights', (m) => m.setWeights([])],
    ['save', (m) => m.save()],
    ['summary', (m) => m.summary(65, () => {})],
    ['countParams', (m) => m.countParams()],
    ['resetStates', (m) => m.resetStates()],
    ['add', (m) => m.add(new Dense({ units: 1 }))],
    ['build', (m) => m.build()],
    ['layer.getWeights', (_, l) => l[1].getWeights()],
    ['layer.setWeights', (_, l) => l[1].setWeights([])],
  ];
  for (const [name, call] of calls) {
    it(`${name} throws a clear LstmWasmError`, async () => {
      const { m, layers } = disposed();
      let err: unknown;
      try { await call(m, layers); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(LstmWasmError);
      expect((err as Error).message).toMatch(says);
    });
  }

  const stateCalls: [string, (l: LSTM) => unknown][] = [
    ['getStates', (l) => l.getStates()],
    ['resetStates', (l) => l.resetStates()],
    ['setState', (l) => l.setState(0, new Float32Array(6))],
  ];
  for (const [name, call] of stateCalls) {
    it(`[fixed D20] layer.${name}() of a disposed stateful model throws`, () => {
      const { layers } = disposed();
      let err: unknown;
      try { call(layers[0]); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(LstmWasmError);
      expect((err as Error).message).toMatch(/disposed/);
    });
  }

  it('dispose() twice is harmless, and memoryBytes is 0', () => {
    const { m } = disposed();
    expect(() => m.dispose()).not.toThrow();
    expect(m.memoryBytes).toBe(0);
    expect(m.isDisposed).toBe(true);
  });

  const held: unknown[] = [];

  /**
   * After dispose, a model's WASM memory either is collected (unshared memory: one thread) or goes,
   * zeroed, to the next model made (a shared memory: threads; src/runtime/wasm.ts keeps a few, since
   * V8 collects shared memories late and the pool's workers hold instances on them). Either way it
   * is not held by the disposed model, nor by the layers or the program's references to them.
   */
  async function collectedWhile(keep: 'model' | 'layers' | 'nothing', stateful: boolean): Promise<boolean> {
    if (!gc) throw new Error('needs a GC');
    let done = false;
    const registry = new FinalizationRegistry(() => { done = true; });
    let memory: WebAssembly.Memory | null = null;
    held.push((() => {
      const m = new Sequential({ layers: [stateful ? new LSTM({ units: 3, batchInputShape: [1, 4, 2], stateful: true }) : new LSTM({ units: 3, inputShape: [4, 2] })] });
      m.predict(rand([1, 4, 2]));
      // the memory object itself: private to the model, reached here only to watch where it goes
      const mem = (m as unknown as { store: { k: { memory: WebAssembly.Memory } } }).store.k.memory;
      if (mem.buffer instanceof SharedArrayBuffer) memory = mem;
      else registry.register(mem, 'memory');
      m.dispose();
      return keep === 'model' ? m : keep === 'layers' ? m.layers : null;
    })());
    if (memory) {
      // Kept for the next model: the next one made runs on it, zeroed above the static data.
      const next = new Sequential({ layers: [new LSTM({ units: 3, inputShape: [4, 2] })] });
      const mem = (next as unknown as { store: { k: { memory: WebAssembly.Memory; heap_base(): number } } }).store.k;
      const reused = mem.memory === memory;
      next.dispose();
      held.length = 0;
      return reused;
    }
    for (let i = 0; i < 30 && !done; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 2));
    }
    held.length = 0; // what the program held, it lets go only now
    return done;
  }

  it('a disposed model that nobody holds lets its WASM memory be collected', async () => {
    expect(await collectedWhile('nothing', true)).toBe(true);
  });

  it('[fixed D20] a disposed model still held by the program lets its WASM memory go', async () => {
    expect(await collectedWhile('model', false)).toBe(true);
  });

  it('[fixed D20] a disposed stateful model whose layers are still held lets its WASM memory go', async () => {
    expect(await collectedWhile('layers', true)).toBe(true);
  });
});
