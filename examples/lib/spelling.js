// The spelling-to-sound task of examples/spell-to-sound.js and spell-to-sound-attention.js: the
// CMUdict subset split into training and held-out words (seeded), the encodings of letters and
// phonemes, the nearest-spelling baseline and the scores. Pure data, no model and no file access, so
// the browser demo (examples/web) uses it too.

/** Parses cmudict-subset.tsv: `{ words, phonemes, letters, symbols }` (see examples/lib/data.js loadCmudict). */
export function parseCmudict(text, file = 'cmudict-subset.tsv') {
  const lines = text.split(/\r?\n/);
  const words = [], phonemes = [];
  let header = false;
  lines.forEach((l, i) => {
    if (l === '' || l.startsWith('#')) return;
    if (!header) {
      if (l !== 'word\tphonemes') throw new Error(`${file}: line ${i + 1}: expected the header 'word<TAB>phonemes', got ${JSON.stringify(l)}`);
      header = true;
      return;
    }
    const cells = l.split('\t');
    if (cells.length !== 2 || !/^[a-z]+$/.test(cells[0]) || !/^[A-Z]+( [A-Z]+)*$/.test(cells[1])) throw new Error(`${file}: bad line ${i + 1}: ${JSON.stringify(l)}`);
    words.push(cells[0]);
    phonemes.push(cells[1].split(' '));
  });
  const letters = [...new Set(words.join(''))].sort();
  const symbols = [...new Set(phonemes.flat())].sort();
  return { words, phonemes, letters, symbols };
}

/** The task on parsed data (parseCmudict's result). */
export function spellingTask({ words, phonemes, letters, symbols }) {
  const MAX_LETTERS = Math.max(...words.map((w) => w.length));
  const MAX_PHONEMES = Math.max(...phonemes.map((p) => p.length));
  // Decoder tokens: 0 padding, 1 start, 2 end, then the phonemes.
  const PAD = 0, START = 1, END = 2;
  const tokens = ['<pad>', '<s>', '</s>', ...symbols];
  const tokenId = new Map(tokens.map((t, i) => [t, i]));
  const letterId = new Map(letters.map((l, i) => [l, i + 1])); // 0 is padding

  // The file is sorted by word: shuffle (seeded) before setting 10% of the words aside.
  let s = 20240607;
  const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const order = words.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); [order[i], order[j]] = [order[j], order[i]]; }
  const nTest = Math.round(order.length * 0.1);
  const testIdx = order.slice(0, nTest);
  const trainIdx = order.slice(nTest);
  const about = `CMU Pronouncing Dictionary subset: ${words.length} words of ${Math.min(...words.map((w) => w.length))}-${MAX_LETTERS} letters, ${letters.length} letters, ${symbols.length} phonemes (stress removed); ${trainIdx.length} words to train, ${testIdx.length} held out`;

  /**
   * Letters as ids, last letter first, padded with 0 at the end: [n, MAX_LETTERS]. Read backwards, the
   * start of the word, which decides the first phonemes, is what the encoder saw last when the decoder
   * begins (the trick of Sutskever et al., 2014; here it is worth about 6 points of exact match).
   */
  function encodeWords(list) {
    const data = new Float32Array(list.length * MAX_LETTERS);
    list.forEach((w, i) => {
      if (w.length > MAX_LETTERS) throw new Error(`'${w}' is longer than ${MAX_LETTERS} letters`);
      [...w].reverse().forEach((ch, t) => {
        const id = letterId.get(ch);
        if (id === undefined) throw new Error(`'${w}': the letter '${ch}' is not in the training alphabet`);
        data[i * MAX_LETTERS + t] = id;
      });
    });
    return { data, shape: [list.length, MAX_LETTERS] };
  }

  /** Teacher forcing: decoder input <s> p1 … pn, target p1 … pn </s>, both padded to MAX_PHONEMES + 1. */
  function encodePronunciations(list) {
    const T = MAX_PHONEMES + 1;
    const xIn = new Float32Array(list.length * T), yOut = new Float32Array(list.length * T);
    list.forEach((ph, i) => {
      const ids = ph.map((p) => tokenId.get(p));
      [START, ...ids].forEach((v, t) => { xIn[i * T + t] = v; });
      [...ids, END].forEach((v, t) => { yOut[i * T + t] = v; });
    });
    return { decoderIn: { data: xIn, shape: [list.length, T] }, target: { data: yOut, shape: [list.length, T] } };
  }

  const trainWords = trainIdx.map((i) => words[i]), trainPh = trainIdx.map((i) => phonemes[i]);
  const testWords = testIdx.map((i) => words[i]), testPh = testIdx.map((i) => phonemes[i]);

  /** Levenshtein distance between two arrays (or strings). */
  function editDistance(a, b) {
    let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      const cur = [i];
      for (let j = 1; j <= b.length; j++) cur.push(Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
      prev = cur;
    }
    return prev[b.length];
  }

  // The baseline: the pronunciation of the training word spelled most like it (fewest letter edits;
  // among equals, the one sharing the longest ending, then the first in alphabetical order).
  function nearestSpelling(w) {
    let best = -1, bestD = Infinity, bestEnd = -1;
    for (let j = 0; j < trainWords.length; j++) {
      const v = trainWords[j];
      if (Math.abs(v.length - w.length) > bestD) continue;
      const d = editDistance(w, v);
      if (d > bestD) continue;
      let e = 0;
      while (e < w.length && e < v.length && w[w.length - 1 - e] === v[v.length - 1 - e]) e++;
      if (d < bestD || e > bestEnd || (e === bestEnd && v < trainWords[best])) { best = j; bestD = d; bestEnd = e; }
    }
    return trainPh[best];
  }

  /** Exact match (the whole pronunciation), phoneme accuracy (position by position, over the longer of the two), phoneme error rate (edits / dictionary phonemes). */
  function score(pred) {
    let exact = 0, same = 0, slots = 0, edits = 0, total = 0;
    pred.forEach((p, i) => {
      const truth = testPh[i];
      if (p.join(' ') === truth.join(' ')) exact++;
      for (let t = 0; t < Math.min(p.length, truth.length); t++) if (p[t] === truth[t]) same++;
      slots += Math.max(p.length, truth.length);
      edits += editDistance(p, truth);
      total += truth.length;
    });
    return { exact: exact / pred.length, accuracy: same / slots, per: edits / total };
  }

  return {
    about, words, phonemes, letters, symbols, tokens, MAX_LETTERS, MAX_PHONEMES, PAD, START, END,
    trainWords, trainPh, testWords, testPh, encodeWords, encodePronunciations, editDistance, nearestSpelling, score,
  };
}
