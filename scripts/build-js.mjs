// Bundles src/ into dist/: ESM (index.js) and CJS (index.cjs), the wasm bytes embedded.
import { build } from 'esbuild';

// Source maps map lines for stack traces, without the sources' text: that would be the wasm bytes
// (src/runtime/wasm-bytes.generated.ts) twice more in the package, and src/ is in the repository.
const common = {
  entryPoints: ['src/index.ts'],
  bundle: true,
  platform: 'neutral',
  target: 'es2020',
  sourcemap: true,
  sourcesContent: false,
  logLevel: 'warning',
};
await build({ ...common, format: 'esm', outfile: 'dist/index.js' });
await build({ ...common, format: 'cjs', outfile: 'dist/index.cjs' });
console.log('js: dist/index.js, dist/index.cjs');
