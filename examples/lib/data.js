// Loaders for the data shipped in examples/data (sources and licenses in its README). Node only:
// they read the files next to this one, so they work from any working directory.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseCmudict } from './spelling.js';

const dataDir = fileURLToPath(new URL('../data/', import.meta.url));
const read = (name) => readFileSync(dataDir + name, 'utf8');

/** Splits a simple CSV (no quoted fields, as these files are) into a header and rows of strings. */
function parseCsv(text, file) {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines[0].split(',');
  const rows = lines.slice(1).map((l, i) => {
    const cells = l.split(',');
    if (cells.length !== header.length) throw new Error(`${file}: line ${i + 2} has ${cells.length} fields, expected ${header.length}`);
    return cells;
  });
  return { header, rows };
}

const monthIndex = (ym) => { const [y, m] = ym.split('-').map(Number); return y * 12 + (m - 1); };
const monthName = (k) => `${Math.floor(k / 12)}-${String((k % 12) + 1).padStart(2, '0')}`;

/**
 * The Mauna Loa monthly CO2 record (Scripps CO2 Program, CC BY 4.0).
 * Returns `{ dates, values, adjusted, missing, filled }`: dates as 'YYYY-MM', CO2 in ppm, the
 * seasonally adjusted CO2, the months absent from the record, and per row whether it was filled.
 * The record skips five months (1958-06, 1958-10, 1964-02..04); with `fillGaps: true` they are
 * inserted, linearly interpolated, so every step is one month.
 * @param {{ fillGaps?: boolean }} [options]
 * @returns {{ dates: string[], values: number[], adjusted: number[], missing: string[], filled: boolean[] }}
 */
export function loadCo2({ fillGaps = false } = {}) {
  const file = 'co2-mauna-loa-monthly.csv';
  const { rows } = parseCsv(read(file), file);
  const raw = rows.map(([date, co2, adj], i) => {
    const value = Number(co2), adjusted = Number(adj);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !Number.isFinite(value) || !Number.isFinite(adjusted)) {
      throw new Error(`${file}: bad row ${i + 2}: ${rows[i].join(',')}`);
    }
    return { date: date.slice(0, 7), value, adjusted };
  });
  const missing = [];
  for (let i = 1; i < raw.length; i++) {
    for (let k = monthIndex(raw[i - 1].date) + 1; k < monthIndex(raw[i].date); k++) missing.push(monthName(k));
  }
  if (!fillGaps) {
    return { dates: raw.map((r) => r.date), values: raw.map((r) => r.value), adjusted: raw.map((r) => r.adjusted), missing, filled: raw.map(() => false) };
  }
  const dates = [], values = [], adjusted = [], filled = [];
  raw.forEach((r, i) => {
    if (i > 0) {
      const a = raw[i - 1], k0 = monthIndex(a.date), k1 = monthIndex(r.date);
      for (let k = k0 + 1; k < k1; k++) {
        const t = (k - k0) / (k1 - k0);
        dates.push(monthName(k));
        values.push(a.value + t * (r.value - a.value));
        adjusted.push(a.adjusted + t * (r.adjusted - a.adjusted));
        filled.push(true);
      }
    }
    dates.push(r.date); values.push(r.value); adjusted.push(r.adjusted); filled.push(false);
  });
  return { dates, values, adjusted, missing, filled };
}

/**
 * Shakespeare's 154 sonnets (public domain), for character-level text generation.
 * Returns `{ text, sonnets }`: the whole file, and each sonnet as one string of newline-joined lines.
 * @returns {{ text: string, sonnets: string[] }}
 */
export function loadSonnets() {
  const text = read('shakespeare-sonnets.txt');
  const sonnets = text.trim().split(/\n\s*\n/);
  return { text, sonnets };
}

/**
 * English first names labelled by gender (Moby Word II lists via stdlib, PDDL/CC0), for sequence
 * classification. Returns `{ names, labels, classes }`: label 0 is 'female', 1 is 'male'.
 * Rows are sorted by name: shuffle before splitting off a test set.
 * @returns {{ names: string[], labels: number[], classes: string[] }}
 */
export function loadFirstNames() {
  const file = 'first-names-by-gender.csv';
  const classes = ['female', 'male'];
  const { rows } = parseCsv(read(file), file);
  const names = [], labels = [];
  rows.forEach(([name, gender], i) => {
    const label = classes.indexOf(gender);
    if (label < 0 || name === '') throw new Error(`${file}: bad row ${i + 2}: ${rows[i].join(',')}`);
    names.push(name);
    labels.push(label);
  });
  return { names, labels, classes };
}

/**
 * Spelling-to-sound pairs from the CMU Pronouncing Dictionary (BSD-2-Clause, its notice at the top of
 * the file), for sequence-to-sequence learning: 3 to 8 letter common English words, each with its one
 * pronunciation as ARPAbet phonemes with the stress marks removed (at most 8).
 * Returns `{ words, phonemes, letters, symbols }`: the words (lower case, sorted), each word's phonemes
 * as an array of strings, and the sorted letter and phoneme inventories of the file.
 * @returns {{ words: string[], phonemes: string[][], letters: string[], symbols: string[] }}
 */
export function loadCmudict() {
  return parseCmudict(read('cmudict-subset.tsv'), 'cmudict-subset.tsv');
}

/** Seattle's hourly temperature normals (°C), one value per hour of a year: { dates, values }. */
export function loadSeattleHourly() {
  const lines = read('seattle-hourly-temperature.csv').split('\n').filter((l) => l && !l.startsWith('#'));
  const rows = lines.slice(1).map((l) => l.split(','));
  return { dates: rows.map((r) => r[0]), values: rows.map((r) => Number(r[1])) };
}
