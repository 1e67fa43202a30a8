// Packaging: what `npm publish` would ship works when installed. `npm pack` (scripts off: npm test
// has just built dist/) makes the tarball; it is installed offline into a fresh temporary project
// (the package has no runtime dependencies, so no registry is needed) and two user programs run
// there, one through `import`, one through `require`: each trains the seeded tiny LSTM and predicts.
// Both must resolve to the right file (index.js / index.cjs) and give the numbers the repository's
// own dist/index.js gives.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Lib from '../src/index.js';
import { trainTinyLstm, type TinyRun as Run } from './platforms/tiny-lstm.js';
import { ROOT, findDeno, npmCommand, requireDist } from './platforms/tools.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
let dir = '';
let project = '';
let files: string[] = [];
let packedSize = 0;

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
  packedSize = packed.size;
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

  it('has no install scripts: prepack builds, and nothing runs on the user\'s npm install', () => {
    const installed = JSON.parse(readFileSync(join(project, 'node_modules', 'lstm-wasm', 'package.json'), 'utf8'));
    for (const s of ['preinstall', 'install', 'postinstall', 'prepare']) expect(installed.scripts?.[s], s).toBeUndefined();
    expect(pkg.scripts.prepack).toBe('npm run build');
    // npm ci does not build any more; the test script (what CI runs after npm ci) builds first.
    expect(pkg.scripts.test).toMatch(/^npm run build && /);
  });

  it('is lean: one copy of each wasm build per bundle format (ESM, CJS), no raw .wasm beside them, no declaration of the bytes', () => {
    expect(files.filter((f) => f.endsWith('.wasm'))).toEqual([]);
    expect(files.filter((f) => /wasm-bytes/.test(f))).toEqual([]);
    // A slice of each build's base64 (from the repository's build/) is found once in each bundle, nowhere else.
    const pkgDir = join(project, 'node_modules', 'lstm-wasm');
    const all = (dir: string): string[] => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? all(join(dir, n)) : [join(dir, n)]));
    const texts = all(pkgDir).map((f) => ({ f: f.slice(pkgDir.length + 1), text: readFileSync(f, 'latin1') }));
    for (const build of ['simd', 'relaxed']) {
      const b64 = readFileSync(join(ROOT, 'build', `lstm-${build}.wasm`)).toString('base64');
      const probe = b64.slice(4000, 4100);
      const where = texts.flatMap(({ f, text }) => Array(text.split(probe).length - 1).fill(f));
      expect(where.sort(), build).toEqual(['dist/index.cjs', 'dist/index.js']);
    }
  });

  it('the README states the tarball size that npm pack gives (within 15%)', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const m = /npm package[^\n]*?: ([\d.]+) (kB|MB) packed/.exec(readme);
    expect(m, 'README: a line "npm package …: N kB packed"').not.toBeNull();
    const stated = Number(m![1]) * (m![2] === 'MB' ? 1e6 : 1e3);
    console.log(`npm pack: ${(packedSize / 1e3).toFixed(1)} kB packed; the README says ${m![1]} ${m![2]}`);
    expect(Math.abs(stated - packedSize) / packedSize).toBeLessThan(0.15);
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

  it.skipIf(!findDeno())('installed: Deno imports it as `npm:lstm-wasm` (from the project\'s node_modules) and trains as Node does', async () => {
    writeFileSync(join(project, 'deno-user.ts'), [
      "import * as lib from 'npm:lstm-wasm';",
      "import { trainTinyLstm } from './tiny-lstm.mjs';",
      'const run = await trainTinyLstm(lib, { relaxedSimd: false });',
      "console.log(JSON.stringify({ resolved: import.meta.resolve('npm:lstm-wasm'), run }));",
    ].join('\n'));
    const out = execFileSync(findDeno()!, ['run', '--no-prompt', '--no-lock', '--quiet', '--node-modules-dir=manual', '--allow-read', 'deno-user.ts'], {
      cwd: project, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' },
    });
    const r = JSON.parse(out.trim().split('\n').pop()!) as { resolved: string; run: Run };
    const here = await trainTinyLstm((await import(pathToFileURL(join(ROOT, 'dist', 'index.js')).href)) as typeof Lib);
    console.log(`installed package in Deno via npm:lstm-wasm: ${r.resolved}; loss ${r.run.losses[0].toFixed(4)} -> ${r.run.losses.at(-1)!.toFixed(4)}`);
    expect(r.resolved).toMatch(/node_modules\/lstm-wasm\/dist\/index\.js$/);
    expect(r.run.losses).toEqual(here.losses);
    expect(r.run.predictions).toEqual(here.predictions);
  });

  it('installed: `npx lstm-wasm --help` says what each command does', () => {
    expect(pkg.bin?.['lstm-wasm'], 'package.json needs "bin": { "lstm-wasm": "bin/lstm-wasm.js" }').toMatch(/^(\.\/)?bin\/lstm-wasm\.js$/);
    const out = npm(['exec', '--offline', '--no', '--', 'lstm-wasm', '--help'], project);
    expect(out).toMatch(/^\s+bench\s+the benchmark/m);
    expect(out).toMatch(/^\s+demo\s+the main job/m);
    // Not in the package (it bundles examples/web with esbuild when served): not offered as a command.
    expect(out).not.toMatch(/^\s+web\s+the browser demo/m);
    expect(out).toMatch(/\(web, the browser demo, runs in a clone of the repository: npm run demo:web\)/);
  });

  it('installed: `npx lstm-wasm web` says in one line that it runs in a clone', () => {
    let out = '', code = 0;
    try {
      out = npm(['exec', '--offline', '--no', '--', 'lstm-wasm', 'web'], project);
    } catch (e) {
      const err = e as { status?: number; stdout?: string; stderr?: string };
      code = err.status ?? 1;
      out = `${err.stdout ?? ''}${err.stderr ?? ''}`;
    }
    expect(code).toBe(1);
    expect(out.trim()).toBe('lstm-wasm web: not in the npm package; it runs in a clone of the repository (npm install, then npm run demo:web)');
  });

  it('installed: `npx lstm-wasm bench` without the peers runs ours, says in one line per peer how to add it, and writes its JSON here, not in node_modules', () => {
    let out = '', code = 0;
    const run = (args: string[]) => {
      // Both streams: the report goes to stdout, progress and the peers' line to stderr.
      const { cmd, pre } = npmCommand();
      const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
      const r = spawnSync(cmd, [...pre, 'exec', '--offline', '--no', '--', 'lstm-wasm', 'bench', '--quick', '--cases=S-infer', '--build=simd', ...args], { cwd: project, encoding: 'utf8', env: { ...env, NO_COLOR: '1', npm_config_update_notifier: 'false' }, timeout: 180_000 });
      code = r.status ?? 1;
      out = `${r.stdout}${r.stderr}`;
    };
    run([]);
    console.log(`installed \`npx lstm-wasm bench\` without peers: exit ${code}; ${out.trim().split('\n').slice(-2).join(' | ')}`);
    expect(code, out).toBe(0);
    expect(out).toMatch(/\| lstm-wasm \(simd\)|lstm-wasm \(simd\)\s+S-infer/);
    for (const [peer, pkgs] of [['TF.js wasm', '@tensorflow/tfjs @tensorflow/tfjs-backend-wasm'], ['TF.js cpu', '@tensorflow/tfjs'], ['onnxruntime-web', 'onnxruntime-web'], ['brain.js', 'brain.js']]) {
      expect(out).toContain(`- ${peer}: not installed here (npm i -D ${pkgs})`);
    }
    expect(out).toMatch(/^to run the peers beside lstm-wasm too: npm i -D @tensorflow\/tfjs @tensorflow\/tfjs-backend-wasm onnxruntime-web brain\.js$/m);
    expect(out).toMatch(/- GEMM \(simd\): runs in a clone of the repository only/);
    // No stack trace, no raw loader error.
    expect(out).not.toMatch(/^\s+at |node:internal|Cannot find (module|package)|MODULE_NOT_FOUND/m);
    const pkgDir = join(project, 'node_modules', 'lstm-wasm');
    expect(existsSync(join(project, 'lstm-wasm-bench.quick.json'))).toBe(true);
    expect(existsSync(join(pkgDir, 'bench', 'results.quick.json'))).toBe(false);
    expect(JSON.parse(readFileSync(join(project, 'lstm-wasm-bench.quick.json'), 'utf8')).results.some((r: { library: string }) => r.library.startsWith('ours'))).toBe(true);
    run(['--json=out/mine.json', '--only=ours']);
    expect(code, out).toBe(0);
    expect(existsSync(join(project, 'out', 'mine.json'))).toBe(true);
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
