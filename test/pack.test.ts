// Packaging: what `npm publish` would ship works when installed. `npm pack` (scripts off: npm test
// has just built dist/) makes the tarball; it is installed offline into a fresh temporary project
// (the package has no runtime dependencies, so no registry is needed) and two user programs run
// there, one through `import`, one through `require`: each trains the seeded tiny LSTM and predicts.
// Both must resolve to the right file (index.js / index.cjs) and give the numbers the repository's
// own dist/index.js gives.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Lib from '../src/index.js';
import { trainTinyLstm, type TinyRun as Run } from './platforms/tiny-lstm.js';
import { ROOT, npmCommand, requireDist } from './platforms/tools.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
let dir = '';
let project = '';
let files: string[] = [];

function npm(args: string[], cwd: string, extraEnv: Record<string, string> = {}): string {
  const { cmd, pre } = npmCommand();
  // npm_config_* from the outer `npm test` would leak into the inner npm (such as a workspace or a
  // global prefix): give it a plain environment.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  return execFileSync(cmd, [...pre, ...args], { cwd, encoding: 'utf8', env: { ...env, ...extraEnv, NO_COLOR: '1', npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' }, timeout: 180_000, stdio: ['ignore', 'pipe', 'pipe'] });
}

beforeAll(() => {
  requireDist();
  dir = mkdtempSync(join(tmpdir(), 'lstm-wasm-pack-'));
  const packed = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT))[0];
  files = packed.files.map((f: { path: string }) => f.path);
  console.log(`npm pack: ${packed.filename}, ${(packed.size / 1024).toFixed(0)} kB packed, ${(packed.unpackedSize / 1024).toFixed(0)} kB unpacked, ${files.length} files`);
  project = join(dir, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'lstm-wasm-user', version: '1.0.0', private: true }, null, 2));
  npm(['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', join(dir, packed.filename)], project);
  copyFileSync(join(ROOT, 'test', 'platforms', 'tiny-lstm.js'), join(project, 'tiny-lstm.mjs'));
}, 240_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const ESM_PROGRAM = `
import * as lib from 'lstm-wasm';
import { trainTinyLstm } from './tiny-lstm.mjs';
const run = await trainTinyLstm(lib);
console.log(JSON.stringify({ resolved: import.meta.resolve('lstm-wasm'), run }));
`;

const CJS_PROGRAM = `
const lib = require('lstm-wasm');
(async () => {
  const { trainTinyLstm } = await import('./tiny-lstm.mjs');
  const run = await trainTinyLstm(lib);
  console.log(JSON.stringify({ resolved: require.resolve('lstm-wasm'), run }));
})().catch((e) => { console.error(e); process.exit(1); });
`;

function runProgram(name: string, source: string): { resolved: string; run: Run } {
  writeFileSync(join(project, name), source);
  const out = execFileSync(process.execPath, [name], { cwd: project, encoding: 'utf8', timeout: 120_000 });
  return JSON.parse(out.trim().split('\n').pop()!);
}

describe('the CLI in the repository (bin/lstm-wasm.js)', () => {
  const cli = (args: string[]) => {
    try {
      return { code: 0, out: execFileSync(process.execPath, [join(ROOT, 'bin', 'lstm-wasm.js'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] }) };
    } catch (e) {
      const err = e as { status?: number; stdout?: string; stderr?: string };
      return { code: err.status ?? 1, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
    }
  };

  it('`bench` hands its arguments to bench/run.js', () => {
    const r = cli(['bench', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/--quick/);
    expect(r.out).toMatch(/--only=LIST/);
  });

  it('an unknown command is an error that lists the commands', () => {
    const r = cli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/unknown command 'frobnicate'; commands: bench, demo, web/);
  });
});

describe('the npm package', () => {
  it('ships the bundles, the types and the README, and no sources or tests', () => {
    for (const f of ['package.json', 'README.md', 'dist/index.js', 'dist/index.cjs', 'dist/types/index.d.ts']) expect(files).toContain(f);
    expect(files.filter((f) => /^(src|assembly|test)\//.test(f))).toEqual([]);
    for (const target of [pkg.exports['.'].import, pkg.exports['.'].require, pkg.exports['.'].types]) {
      expect(files).toContain(target.replace(/^\.\//, ''));
    }
    if (pkg.bin) for (const f of Object.values(pkg.bin) as string[]) expect(files).toContain(f.replace(/^\.\//, ''));
  });

  it('installed: `import` and `require` both train an LSTM and predict, as the repository build does', async () => {
    const esm = runProgram('user-esm.mjs', ESM_PROGRAM);
    const cjs = runProgram('user-cjs.cjs', CJS_PROGRAM);
    expect(esm.resolved).toMatch(/node_modules\/lstm-wasm\/dist\/index\.js$/);
    expect(cjs.resolved).toMatch(/node_modules[\\/]lstm-wasm[\\/]dist[\\/]index\.cjs$/);
    const here = await trainTinyLstm((await import(pathToFileURL(join(ROOT, 'dist', 'index.js')).href)) as typeof Lib);
    for (const [how, r] of [['import', esm.run], ['require', cjs.run]] as const) {
      console.log(`installed package via ${how}: build ${r.build}, loss ${r.losses[0].toFixed(4)} -> ${r.losses.at(-1)!.toFixed(4)}, predictions ${r.predictions.map((v) => v.toFixed(4)).join(' ')}`);
      expect(r.losses.at(-1)!).toBeLessThan(r.losses[0] * 0.7);
      expect(r.predictions).toEqual(here.predictions);
      expect(r.losses).toEqual(here.losses);
    }
  });

  it('installed: `npx lstm-wasm --help` says what each command does', () => {
    expect(pkg.bin?.['lstm-wasm'], 'package.json needs "bin": { "lstm-wasm": "bin/lstm-wasm.js" }').toMatch(/^(\.\/)?bin\/lstm-wasm\.js$/);
    const out = npm(['exec', '--offline', '--no', '--', 'lstm-wasm', '--help'], project);
    expect(out).toMatch(/^\s+bench\s+the benchmark/m);
    expect(out).toMatch(/^\s+demo\s+the main job/m);
    expect(out).toMatch(/^\s+web\s+the browser demo/m);
  });

  it('installed: `npx lstm-wasm demo` runs the main job if the package ships it, and says so clearly if not', () => {
    const shipped = files.includes('examples/co2-forecast.js');
    let out = '', code = 0;
    try {
      out = npm(['exec', '--offline', '--no', '--', 'lstm-wasm', 'demo'], project, { EPOCHS: '2' });
    } catch (e) {
      const err = e as { status?: number; stdout?: string; stderr?: string };
      code = err.status ?? 1;
      out = `${err.stdout ?? ''}${err.stderr ?? ''}`;
    }
    console.log(`installed \`npx lstm-wasm demo\` (examples ${shipped ? '' : 'not '}shipped): exit ${code}; ${out.trim().split('\n').slice(-2).join(' | ')}`);
    if (shipped) {
      expect(code).toBe(0);
      expect(out).toMatch(/LSTM forecast\s+MAE/);
    } else {
      expect(code).toBe(1);
      expect(out).toMatch(/does not ship it/);
    }
  });
});
