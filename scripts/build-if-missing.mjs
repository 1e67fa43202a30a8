// `npm start` (prestart) in a fresh clone: builds the library once if dist/ is not there yet. The
// package has no install script (prepack builds it for `npm pack` and `npm publish`), so after
// `npm install` nothing has built it; `npm test` always rebuilds.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(join(root, 'dist', 'index.js')) || !existsSync(join(root, 'dist', 'index.cjs'))) {
  console.log('dist/ is not built yet: npm run build');
  execSync('npm run build', { cwd: root, stdio: 'inherit' });
}
