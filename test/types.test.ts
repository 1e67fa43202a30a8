// Types: a user's TypeScript program (the README's example and the rest of the public API) compiles
// with `strict` against the package's declarations (dist/types, reached through package.json's
// "exports" → "types", as an installed package is), under the module settings users have: Node's
// ESM, Node's CommonJS, a bundler, and a Node-only project without the DOM library. And a program
// that misuses the API must fail to compile: the declarations are real types, not `any`.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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

function tsc(cwd: string): { ok: boolean; output: string } {
  try {
    const output = execFileSync(process.execPath, [TSC, '-p', 'tsconfig.json', '--pretty', 'false'], { cwd, encoding: 'utf8', timeout: 120_000 });
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
