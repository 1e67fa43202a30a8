// The API reference (docs/api/README.md) is what scripts/build-docs.mjs makes from the current type
// declarations: a change to an exported name, its doc comment or its signature without `npm run docs`
// fails here.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { requireDist } from './platforms/tools.js';

describe('docs/api/README.md', () => {
  it('is current: the reference scripts/build-docs.mjs makes from dist/types', async () => {
    requireDist(['dist/types/index.d.ts']);
    // @ts-ignore: plain JS module without types
    const { makeDocs, OUT } = (await import('../scripts/build-docs.mjs')) as { makeDocs: () => { text: string; undocumented: string[]; count: number }; OUT: string };
    const { text, undocumented, count } = makeDocs();
    console.log(`API reference: ${count} exported names, ${count - undocumented.length} with a doc comment`);
    expect(readFileSync(OUT, 'utf8'), 'docs/api/README.md is not current: run `npm run docs`').toBe(text);
  });
});
