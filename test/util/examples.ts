// Running an example as a user runs it (`node examples/<name>.js --quick`, a child process, from a
// scratch directory so its plots land there), and reading its printed metrics and its SVG.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';
import { ROOT, requireDist } from '../platforms/tools.js';

export const scratch = mkdtempSync(join(tmpdir(), 'lstm-wasm-examples-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

export function runExample(name: string): { out: string; seconds: number } {
  requireDist(['dist/index.js']);
  const t0 = performance.now();
  const out = execFileSync(process.execPath, [join(ROOT, 'examples', name), '--quick'], {
    cwd: scratch,
    encoding: 'utf8',
    timeout: 170_000,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { out, seconds: (performance.now() - t0) / 1000 };
}

/** The numbers captured by `re` in the output, or a failure that shows the output. */
export function metrics(out: string, re: RegExp): number[] {
  const m = re.exec(out);
  expect(m, `no match for ${re} in:\n${out}`).not.toBeNull();
  return m!.slice(1).map(Number);
}
export const metric = (out: string, re: RegExp): number => metrics(out, re)[0];

/** The plot is a whole SVG document with no NaN in it. */
export function expectSvg(file: string, mark = '<path'): void {
  expect(existsSync(file), `${file} was not written`).toBe(true);
  const svg = readFileSync(file, 'utf8');
  expect(svg).toMatch(/^<svg xmlns='http:\/\/www\.w3\.org\/2000\/svg'/);
  expect(svg.trimEnd()).toMatch(/<\/svg>$/);
  expect(svg).not.toMatch(/NaN|Infinity|undefined/);
  expect(svg).toContain(mark);
}

