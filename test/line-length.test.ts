// Every line of the TypeScript and the scripts stays at most 120 columns (issue 14): biome formats at
// lineWidth 120 but leaves long strings and comments as they are, so this test is what keeps them short.
// Generated files (src/runtime/*.generated.ts) are left out.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const MAX = 120;
const DIRS = ['src', 'scripts', 'bin'];
const SOURCE = /\.(ts|mts|cts|js|mjs|cjs)$/;
const GENERATED = /\.generated\.ts$/;

/** The files checked: sources under src/, scripts/ and bin/, generated ones left out. */
function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (SOURCE.test(e.name) && !GENERATED.test(e.name)) out.push(p);
  }
  return out;
}

/** `file:line (N columns)` for each line of text longer than max columns (counted in code points). */
function longLines(file: string, text: string, max = MAX): string[] {
  const out: string[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const cols = [...line].length;
    if (cols > max) out.push(`${file}:${i + 1} (${cols} columns)`);
  });
  return out;
}

describe('line length', () => {
  it('reports a line over the limit by file:line, and only such lines', () => {
    const text = ['short', 'x'.repeat(MAX), 'y'.repeat(MAX + 1), `${'é'.repeat(MAX)}`, `  ${'≥'.repeat(MAX)}`].join('\n');
    expect(longLines('a.ts', text)).toEqual(['a.ts:3 (121 columns)', 'a.ts:5 (122 columns)']);
  });

  it(`no line in ${DIRS.join('/, ')}/ is longer than ${MAX} columns`, () => {
    const files = DIRS.flatMap((d) => sourceFiles(join(ROOT, d)));
    expect(files.length).toBeGreaterThan(50);
    expect(files.some((f) => f.endsWith(join('src', 'model.ts')))).toBe(true);
    const long = files.flatMap((f) => longLines(relative(ROOT, f), readFileSync(f, 'utf8')));
    expect(long, `lines over ${MAX} columns (break the string or comment):\n${long.join('\n')}`).toEqual([]);
  });
});
