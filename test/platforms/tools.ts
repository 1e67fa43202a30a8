// Shared by the platform tests (deno, pack, types, browser): where the repository, its build and
// the external tools are. A test skips only when its tool is truly absent from this machine; a
// missing dist/ is an error (npm test builds it first), never a skip.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ARTIFACTS = join(ROOT, 'test', 'artifacts');

/** Throws unless `npm run build` has made the files a platform test loads. */
export function requireDist(files: string[] = ['dist/index.js', 'dist/index.cjs', 'dist/types/index.d.ts']): void {
  const missing = files.filter((f) => !existsSync(join(ROOT, f)));
  if (missing.length) throw new Error(`missing ${missing.join(', ')}: run \`npm run build\` first (npm test does)`);
}

function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = join(dir, name);
    if (dir && existsSync(p)) return p;
  }
  return null;
}

/** The deno binary: the devDependency's (node_modules/.bin/deno), else one on PATH; null if none runs. */
export function findDeno(): string | null {
  for (const p of [join(ROOT, 'node_modules', '.bin', 'deno'), onPath('deno')]) {
    if (!p || !existsSync(p)) continue;
    try {
      execFileSync(p, ['--version'], { stdio: 'ignore', timeout: 30_000 });
      return p;
    } catch {
      // a broken shim (optional platform binary not installed): try the next one
    }
  }
  return null;
}

/** Chromium: $CHROMIUM_PATH, else Debian's /usr/bin/chromium, else one on PATH; null if none. */
export function findChromium(): string | null {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', onPath('chromium'), onPath('chromium-browser')];
  for (const p of candidates) if (p && existsSync(p)) return p;
  return null;
}

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Where npm is, as the running npm (npm test) says, else on PATH. */
export function npmCommand(): { cmd: string; pre: string[] } {
  const cli = process.env.npm_execpath;
  if (cli && /npm-cli\.js$/.test(cli) && existsSync(cli)) return { cmd: process.execPath, pre: [cli] };
  return { cmd: 'npm', pre: [] };
}
