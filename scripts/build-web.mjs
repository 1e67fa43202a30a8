// Bundles the browser demo (examples/web/) into a static site: main.js and worker.js (esbuild, with
// lstm-wasm taken from the built dist/index.js, as an app would take it from the package), the page,
// its stylesheet and the data it fetches. Default output: examples/web/dist/ (gitignored).
//
//   node scripts/build-web.mjs [--outdir=DIR] [--minify]
//
// `buildWeb()` is also imported by scripts/serve-web.mjs and test/browser.test.ts.
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const WEB_DIR = join(ROOT, 'examples', 'web');
export const DEFAULT_OUTDIR = join(WEB_DIR, 'dist');
const DATA = ['co2-mauna-loa-monthly.csv', 'shakespeare-sonnets.txt', 'cmudict-subset.tsv'];

/** Where `import 'lstm-wasm'` goes: the ESM bundle if built, else the sources (with generated wasm bytes). */
function libraryEntry() {
  const dist = join(ROOT, 'dist', 'index.js');
  if (existsSync(dist)) return dist;
  if (existsSync(join(ROOT, 'src', 'runtime', 'wasm-bytes.generated.ts'))) return join(ROOT, 'src', 'index.ts');
  throw new Error(
    'build-web: neither dist/index.js nor src/runtime/wasm-bytes.generated.ts exists; run `npm run build` first',
  );
}

/** Builds the site into `outdir`; returns { outdir, library, files }. */
export async function buildWeb({ outdir = DEFAULT_OUTDIR, minify = false, quiet = false } = {}) {
  outdir = resolve(outdir);
  const library = libraryEntry();
  mkdirSync(join(outdir, 'data'), { recursive: true });
  const result = await build({
    entryPoints: { main: join(WEB_DIR, 'main.js'), worker: join(WEB_DIR, 'worker.js') },
    outdir,
    bundle: true,
    // Classic scripts (not modules): a classic worker runs in every browser that has Web Workers.
    format: 'iife',
    platform: 'browser',
    target: ['chrome91', 'firefox89', 'safari16.4'],
    alias: { 'lstm-wasm': library },
    sourcemap: true,
    minify,
    metafile: true,
    logLevel: quiet ? 'error' : 'warning',
  });
  for (const f of ['index.html', 'style.css']) copyFileSync(join(WEB_DIR, f), join(outdir, f));
  for (const f of DATA) copyFileSync(join(ROOT, 'examples', 'data', f), join(outdir, 'data', f));
  const files = Object.keys(result.metafile.outputs);
  return { outdir, library, files };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const outArg = args.find((a) => a.startsWith('--outdir='));
  const { outdir, library } = await buildWeb({
    outdir: outArg ? outArg.slice('--outdir='.length) : DEFAULT_OUTDIR,
    minify: args.includes('--minify'),
  });
  console.log(`web: ${outdir} (lstm-wasm from ${library})`);
}
