// Builds lstm-wasm as it was at a given commit (default: the last main before the graph engine)
// into a folder under the system's temp directory (outside the package), so that `npm run bench` measures it beside today's code in the same run.
// A git worktree of that commit, with this checkout's node_modules linked in; only the wasm and
// the JS bundle are built. Skipped when that folder already holds that commit's build.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..');
export const DIR = join(tmpdir(), 'lstm-wasm-bench-previous');
export const DEFAULT_COMMIT = 'c108949';

export function buildPrevious(ref = DEFAULT_COMMIT) {
  const git = (...args) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  const commit = git('rev-parse', `${ref}^{commit}`);
  const stamp = join(DIR, 'bench-previous.json');
  if (existsSync(stamp) && JSON.parse(readFileSync(stamp, 'utf8')).commit === commit && existsSync(join(DIR, 'dist', 'index.js'))) return commit;
  if (existsSync(DIR)) { try { git('worktree', 'remove', '--force', DIR); } catch { rmSync(DIR, { recursive: true, force: true }); } }
  git('worktree', 'prune');
  git('worktree', 'add', '--detach', DIR, commit);
  symlinkSync(join(ROOT, 'node_modules'), join(DIR, 'node_modules'), 'dir');
  for (const script of ['build:wasm', 'build:js']) execFileSync('npm', ['run', script], { cwd: DIR, stdio: 'inherit' });
  writeFileSync(stamp, JSON.stringify({ commit }));
  return commit;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const ref = process.argv[2] ?? DEFAULT_COMMIT;
  process.stderr.write(`bench: lstm-wasm at ${buildPrevious(ref)} built in ${DIR}\n`);
}
