// The API reference, docs/api/README.md, made from the type declarations tsc writes (dist/types):
// every name src/index.ts exports, grouped by the module it comes from, with its doc comment and its
// declaration (public members only). `npm run docs` writes it; test/docs.test.ts checks that the
// committed file is what this script makes now, so the reference cannot drift from the code.
//
//   node scripts/build-docs.mjs           write docs/api/README.md (after npm run build)
//   node scripts/build-docs.mjs --check   exit 1 if the committed file differs
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TYPES = join(ROOT, 'dist', 'types');
export const OUT = join(ROOT, 'docs', 'api', 'README.md');

/** Names index.d.ts exports, with the module each comes from, in order. */
function exportsOf(index) {
  const out = [];
  for (const m of index.matchAll(/export (type )?\{([^}]*)\} from '([^']+)';/g)) {
    const typeOnly = !!m[1];
    for (const raw of m[2]
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const [, t, name, alias] = /^(type )?(\w+)(?: as (\w+))?$/.exec(raw) ?? [];
      if (!name) continue;
      out.push({ name, as: alias ?? name, module: m[3].replace(/\.js$/, ''), typeOnly: typeOnly || !!t });
    }
  }
  return out;
}

/** The declaration of `name` in a .d.ts text: its doc comment and its lines (public members only). */
function declarationOf(text, name) {
  const lines = text.split('\n');
  const start = lines.findIndex((l) =>
    new RegExp(`^export (declare )?(abstract )?(class|function|const|interface|type|let) ${name}\\b`).test(l),
  );
  if (start < 0) return null;
  // The doc comment right above it.
  let doc = '';
  if (lines[start - 1]?.trim().endsWith('*/')) {
    let d = start - 1;
    while (d > 0 && !lines[d].trim().startsWith('/**')) d--;
    doc = lines
      .slice(d, start)
      .map((l) => l.trim().replace(/^\/\*\*\s?|^\*\/$|^\*\s?|\s*\*\/$/g, ''))
      .filter((l, i, a) => l !== '' || (i > 0 && i < a.length - 1))
      .join('\n')
      .trim();
  }
  // Its lines: one line, or a block up to its closing brace at column 0.
  let end = start;
  if (/\{\s*$/.test(lines[start]) && !/^export (declare )?(const|type) /.test(lines[start])) {
    while (end < lines.length && lines[end] !== '}') end++;
  } else if (/^export (declare )?type /.test(lines[start]) || /[=(,{]\s*$/.test(lines[start])) {
    while (end < lines.length - 1 && !/;\s*$/.test(lines[end])) end++;
  }
  // Inside a block: drop private and protected members, with their doc comments.
  const body = [];
  let pendingDoc = [];
  for (const l of lines.slice(start, end + 1)) {
    if (/^\s+\/\*\*/.test(l) || (pendingDoc.length && !pendingDoc.at(-1).includes('*/'))) {
      pendingDoc.push(l);
      continue;
    }
    if (/^\s+(private|protected) /.test(l)) {
      pendingDoc = [];
      continue;
    }
    body.push(...pendingDoc, l);
    pendingDoc = [];
  }
  return { doc, code: body.join('\n') };
}

export function makeDocs() {
  const index = readFileSync(join(TYPES, 'index.d.ts'), 'utf8');
  const names = exportsOf(index);
  const byModule = new Map();
  for (const e of names) {
    if (!byModule.has(e.module)) byModule.set(e.module, []);
    byModule.get(e.module).push(e);
  }
  const out = [
    '# lstm-wasm API reference',
    '',
    'Made by `npm run docs` (scripts/build-docs.mjs) from the doc comments and type declarations of every name',
    "that `lstm-wasm` exports, grouped by the source file it comes from; do not edit it by hand. The README's API",
    'section says how the parts fit together.',
    '',
  ];
  const undocumented = [];
  for (const [mod, list] of byModule) {
    const file = join(TYPES, `${mod}.d.ts`);
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    out.push(`## \`src/${mod.replace(/^\.\//, '')}.ts\``, '');
    for (const e of list) {
      const d = declarationOf(text, e.name);
      out.push(`### ${e.as}`, '');
      if (!d) {
        out.push('(re-exported)', '');
        continue;
      }
      if (d.doc) out.push(d.doc, '');
      else undocumented.push(e.as);
      out.push('```ts', d.code, '```', '');
    }
  }
  return { text: out.join('\n'), undocumented, count: names.length };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (!existsSync(join(TYPES, 'index.d.ts'))) {
    console.error('build-docs: dist/types/index.d.ts is missing: run `npm run build` first');
    process.exit(2);
  }
  const { text, undocumented, count } = makeDocs();
  if (process.argv.includes('--check')) {
    const now = existsSync(OUT) ? readFileSync(OUT, 'utf8') : '';
    if (now !== text) {
      console.error('build-docs: docs/api/README.md is not current: run `npm run docs` and commit it');
      process.exit(1);
    }
    console.log(`build-docs: docs/api/README.md is current (${count} names)`);
  } else {
    mkdirSync(dirname(OUT), { recursive: true });
    writeFileSync(OUT, text);
    console.log(
      `build-docs: wrote docs/api/README.md: ${count} names, ${undocumented.length} without a doc comment` +
        (undocumented.length ? ` (${undocumented.join(', ')})` : ''),
    );
  }
}
