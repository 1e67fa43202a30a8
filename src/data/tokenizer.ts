// Texts ↔ sequences of token ids, by character or by word, as the Keras Tokenizer. Ids follow
// Keras: 0 is never a token (it is left for padding), the OOV token (when set) is 1, and the others
// are numbered by descending count, ties in order of first appearance. toJSON() writes the Keras
// format, so `tokenizer_from_json` in Python reads it, and fromJSON() reads Keras's output.
import { LstmWasmError, checkOptions, describe } from '../errors.js';
import { isTensor, type TensorData } from '../tensor.js';

export interface TokenizerOptions {
  /** 'word' (default, as Keras) or 'char'. */
  level?: 'char' | 'word';
  /** Lower-case texts first (true). */
  lower?: boolean;
  /** Keep only ids below this: the numWords - 1 most frequent tokens (all of them). */
  numWords?: number;
  /** A token that stands for every token not kept; it gets id 1. Without it, such tokens are dropped. */
  oovToken?: string;
  /** Characters removed before tokenizing. Words: Keras's punctuation list; characters: none. */
  filters?: string;
  /** Word separator. Default: any run of whitespace. */
  split?: string;
}

/** Keras's tokenizer JSON (`tokenizer.to_json()`): the config, with the tables as JSON strings. */
export interface TokenizerJSON {
  class_name: 'Tokenizer';
  config: {
    num_words: number | null;
    filters: string;
    lower: boolean;
    split: string;
    char_level: boolean;
    oov_token: string | null;
    document_count: number;
    word_counts: string;
    word_docs: string;
    index_docs: string;
    index_word: string;
    word_index: string;
  };
}

/** Keras's default filters: punctuation, tab and newline, but not the apostrophe. */
export const KERAS_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n';

const OPTIONS = ['level', 'lower', 'numWords', 'oovToken', 'filters', 'split'] as const;

export class Tokenizer {
  readonly level: 'char' | 'word';
  readonly lower: boolean;
  readonly numWords: number | undefined;
  readonly oovToken: string | undefined;
  readonly filters: string;
  readonly split: string | undefined;
  /** How often each token was seen, in order of first appearance. */
  readonly wordCounts = new Map<string, number>();
  /** In how many texts each token was seen. */
  readonly wordDocs = new Map<string, number>();
  /** token → id (ids from 1; 0 is padding). */
  readonly wordIndex = new Map<string, number>();
  /** id → token. */
  readonly indexWord = new Map<number, string>();
  /** How many texts fitOnTexts has seen. */
  documentCount = 0;
  private readonly filterSet: Set<string>;

  constructor(options: TokenizerOptions = {}) {
    checkOptions('Tokenizer', options, OPTIONS);
    const o = options;
    if (o.level !== undefined && o.level !== 'char' && o.level !== 'word') {
      throw new LstmWasmError(`Tokenizer: option 'level' must be 'char' or 'word', got ${describe(o.level)}`);
    }
    this.level = o.level ?? 'word';
    if (o.lower !== undefined && typeof o.lower !== 'boolean')
      throw new LstmWasmError(`Tokenizer: option 'lower' must be true or false, got ${describe(o.lower)}`);
    this.lower = o.lower ?? true;
    if (
      o.numWords !== undefined &&
      (typeof o.numWords !== 'number' || !Number.isInteger(o.numWords) || o.numWords < 1)
    ) {
      throw new LstmWasmError(`Tokenizer: option 'numWords' must be a positive integer, got ${describe(o.numWords)}`);
    }
    this.numWords = o.numWords;
    if (o.oovToken !== undefined && (typeof o.oovToken !== 'string' || o.oovToken === '')) {
      throw new LstmWasmError(`Tokenizer: option 'oovToken' must be a non-empty string, got ${describe(o.oovToken)}`);
    }
    this.oovToken = o.oovToken;
    if (o.filters !== undefined && typeof o.filters !== 'string')
      throw new LstmWasmError(
        `Tokenizer: option 'filters' must be a string of characters to remove, got ${describe(o.filters)}`,
      );
    this.filters = o.filters ?? (this.level === 'word' ? KERAS_FILTERS : '');
    if (o.split !== undefined && (typeof o.split !== 'string' || o.split === '')) {
      throw new LstmWasmError(`Tokenizer: option 'split' must be a non-empty string, got ${describe(o.split)}`);
    }
    this.split = o.split;
    this.filterSet = new Set(Array.from(this.filters));
  }

  /** The number of distinct ids textsToSequences can give, 0 included: the inputDim of an Embedding. */
  get vocabSize(): number {
    let max = 0;
    for (const i of this.indexWord.keys()) if (i > max) max = i;
    return this.numWords === undefined ? max + 1 : Math.min(this.numWords, max + 1);
  }

  /** The tokens of one text, after lower-casing and filtering. */
  tokenize(text: string): string[] {
    if (typeof text !== 'string')
      throw new LstmWasmError(`Tokenizer.tokenize: expected a string, got ${describe(text)}`);
    const t = this.lower ? text.toLowerCase() : text;
    // Array.from walks code points, so a character outside the BMP (an emoji) is one token, not two.
    const chars = Array.from(t);
    if (this.level === 'char') return this.filterSet.size === 0 ? chars : chars.filter((c) => !this.filterSet.has(c));
    const sep = this.split ?? ' ';
    const cleaned = this.filterSet.size === 0 ? t : chars.map((c) => (this.filterSet.has(c) ? sep : c)).join('');
    // The default splits on any whitespace, so '\r' and non-breaking spaces do not end up inside words.
    return (this.split === undefined ? cleaned.split(/\s+/u) : cleaned.split(this.split)).filter((w) => w !== '');
  }

  /** Counts the tokens of `texts` and (re)numbers the vocabulary. Can be called again to add texts. */
  fitOnTexts(texts: readonly string[]): this {
    checkTexts('Tokenizer.fitOnTexts', texts);
    for (const text of texts) {
      this.documentCount++;
      const seen = new Set<string>();
      for (const w of this.tokenize(text)) {
        this.wordCounts.set(w, (this.wordCounts.get(w) ?? 0) + 1);
        if (!seen.has(w)) {
          seen.add(w);
          this.wordDocs.set(w, (this.wordDocs.get(w) ?? 0) + 1);
        }
      }
    }
    this.reindex();
    return this;
  }

  private reindex(): void {
    // Array.prototype.sort is stable, so equal counts keep their order of first appearance, as Keras.
    const byCount = [...this.wordCounts].sort((a, b) => b[1] - a[1]).map(([w]) => w);
    const order =
      this.oovToken === undefined ? byCount : [this.oovToken, ...byCount.filter((w) => w !== this.oovToken)];
    this.wordIndex.clear();
    this.indexWord.clear();
    order.forEach((w, i) => {
      this.wordIndex.set(w, i + 1);
      this.indexWord.set(i + 1, w);
    });
  }

  private oovIndex(): number | undefined {
    return this.oovToken === undefined ? undefined : this.wordIndex.get(this.oovToken);
  }

  private fitted(where: string): void {
    if (this.wordIndex.size === 0 && this.documentCount === 0) {
      throw new LstmWasmError(`${where}: the tokenizer has no vocabulary yet; call fitOnTexts(texts) first`);
    }
  }

  /** Each text → its token ids. Tokens not kept (unknown, or past numWords) become the OOV id or are dropped. */
  textsToSequences(texts: readonly string[]): number[][] {
    const where = 'Tokenizer.textsToSequences';
    checkTexts(where, texts);
    this.fitted(where);
    const oov = this.oovIndex();
    return texts.map((text) => {
      const ids: number[] = [];
      for (const w of this.tokenize(text)) {
        const i = this.wordIndex.get(w);
        if (i !== undefined && (this.numWords === undefined || i < this.numWords)) ids.push(i);
        else if (oov !== undefined) ids.push(oov);
      }
      return ids;
    });
  }

  /**
   * Token ids → texts, words joined by a space, characters by nothing. Id 0 (padding) is skipped;
   * ids with no token (or past numWords) become the OOV token, or are skipped without one.
   */
  sequencesToTexts(sequences: readonly ArrayLike<number>[] | TensorData): string[] {
    const where = 'Tokenizer.sequencesToTexts';
    this.fitted(where);
    const rows = toRows(where, sequences);
    const oov = this.oovToken !== undefined && this.wordIndex.has(this.oovToken) ? this.oovToken : undefined;
    const glue = this.level === 'char' ? '' : ' ';
    return rows.map((seq, r) => {
      const out: string[] = [];
      for (let t = 0; t < seq.length; t++) {
        const id = seq[t];
        if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
          throw new LstmWasmError(
            `${where}: sequences[${r}][${t}] is ${describe(id)}, expected a token id (an integer ≥ 0)`,
          );
        }
        if (id === 0) continue;
        const w = this.indexWord.get(id);
        if (w !== undefined && (this.numWords === undefined || id < this.numWords)) out.push(w);
        else if (oov !== undefined) out.push(oov);
      }
      return out.join(glue);
    });
  }

  /** Keras's tokenizer JSON: `tokenizer_from_json(json.dumps(...))` in Python reads it. */
  toJSON(): TokenizerJSON {
    // Written by hand: Object.fromEntries would move number-like tokens ("1", "2024") to the front.
    const obj = (m: Map<string | number, string | number>): string =>
      `{${[...m].map(([k, v]) => `${JSON.stringify(String(k))}: ${JSON.stringify(v)}`).join(', ')}}`;
    const indexDocs = new Map<number, number>();
    for (const [w, n] of this.wordDocs) {
      const i = this.wordIndex.get(w);
      if (i !== undefined) indexDocs.set(i, n);
    }
    return {
      class_name: 'Tokenizer',
      config: {
        num_words: this.numWords ?? null,
        filters: this.filters,
        lower: this.lower,
        split: this.split ?? ' ',
        char_level: this.level === 'char',
        oov_token: this.oovToken ?? null,
        document_count: this.documentCount,
        word_counts: obj(this.wordCounts),
        word_docs: obj(this.wordDocs),
        index_docs: obj(indexDocs),
        index_word: obj(this.indexWord),
        word_index: obj(this.wordIndex),
      },
    };
  }

  /** A tokenizer from toJSON()'s output (an object or its JSON text), ours or Keras's. */
  static fromJSON(json: TokenizerJSON | string): Tokenizer {
    const where = 'Tokenizer.fromJSON';
    let j: unknown = json;
    if (typeof json === 'string') {
      try {
        j = JSON.parse(json);
      } catch (e) {
        throw new LstmWasmError(`${where}: not valid JSON (${(e as Error).message})`);
      }
    }
    const root = j as { class_name?: unknown; config?: unknown };
    if (
      root === null ||
      typeof root !== 'object' ||
      root.class_name !== 'Tokenizer' ||
      root.config === null ||
      typeof root.config !== 'object'
    ) {
      throw new LstmWasmError(
        `${where}: expected { class_name: 'Tokenizer', config: {...} } as toJSON() writes, got ${describe(j)}`,
      );
    }
    const c = root.config as Record<string, unknown>;
    const opt = <T>(v: unknown, name: string, ok: (v: unknown) => boolean): T | undefined => {
      if (v === undefined || v === null) return undefined;
      if (!ok(v)) throw new LstmWasmError(`${where}: config.${name} is ${describe(v)}`);
      return v as T;
    };
    const isStr = (v: unknown) => typeof v === 'string';
    const char = opt<boolean>(c.char_level, 'char_level', (v) => typeof v === 'boolean') === true;
    const filters = opt<string>(c.filters, 'filters', isStr);
    const split = opt<string>(c.split, 'split', (v) => isStr(v) && v !== '');
    const tok = new Tokenizer({
      level: char ? 'char' : 'word',
      lower: opt<boolean>(c.lower, 'lower', (v) => typeof v === 'boolean'),
      numWords: opt<number>(c.num_words, 'num_words', (v) => Number.isInteger(v) && (v as number) > 0),
      oovToken: opt<string>(c.oov_token, 'oov_token', (v) => isStr(v) && v !== ''),
      // Keras stores its default filters even at the char level, where it applies none.
      filters: char && filters === KERAS_FILTERS ? '' : filters,
      // Keras always writes a split, ' ' by default: "between words", which our whitespace split means.
      split: split === ' ' ? undefined : split,
    });
    tok.documentCount =
      opt<number>(c.document_count, 'document_count', (v) => Number.isInteger(v) && (v as number) >= 0) ?? 0;
    const table = (name: string): [string, unknown][] => {
      const raw = c[name];
      if (raw === undefined) return [];
      let t: unknown = raw;
      if (typeof raw === 'string') {
        try {
          t = JSON.parse(raw);
        } catch {
          throw new LstmWasmError(`${where}: config.${name} is not valid JSON`);
        }
      }
      if (t === null || typeof t !== 'object' || Array.isArray(t))
        throw new LstmWasmError(`${where}: config.${name} must map tokens to numbers, got ${describe(t)}`);
      return Object.entries(t as Record<string, unknown>);
    };
    const count = (name: string, v: unknown, key: string): number => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
        throw new LstmWasmError(
          `${where}: config.${name}[${JSON.stringify(key)}] is ${describe(v)}, expected an integer ≥ 0`,
        );
      return v;
    };
    for (const [w, n] of table('word_counts')) tok.wordCounts.set(w, count('word_counts', n, w));
    for (const [w, n] of table('word_docs')) tok.wordDocs.set(w, count('word_docs', n, w));
    const index = table('word_index');
    if (index.length === 0 && tok.wordCounts.size > 0) {
      tok.reindex();
      return tok;
    }
    // JSON.parse lists number-like keys ("2024") first, so the id, not the key order, sets the order.
    index.sort((a, b) => (a[1] as number) - (b[1] as number));
    for (const [w, i] of index) {
      const id = count('word_index', i, w);
      if (id === 0)
        throw new LstmWasmError(
          `${where}: config.word_index gives ${JSON.stringify(w)} id 0, which is kept for padding`,
        );
      if (tok.indexWord.has(id))
        throw new LstmWasmError(
          `${where}: config.word_index gives id ${id} to both ` +
            `${JSON.stringify(tok.indexWord.get(id))} and ${JSON.stringify(w)}`,
        );
      tok.wordIndex.set(w, id);
      tok.indexWord.set(id, w);
    }
    // Counts in id order: a later fitOnTexts then breaks ties as the saved numbering did.
    const counts = [...tok.wordCounts].sort(
      (a, b) => (tok.wordIndex.get(a[0]) ?? Infinity) - (tok.wordIndex.get(b[0]) ?? Infinity),
    );
    tok.wordCounts.clear();
    for (const [w, n] of counts) tok.wordCounts.set(w, n);
    return tok;
  }
}

function checkTexts(where: string, texts: unknown): asserts texts is readonly string[] {
  if (!Array.isArray(texts)) {
    const hint = typeof texts === 'string' ? '; wrap a single text as [text]' : '';
    throw new LstmWasmError(`${where}: expected an array of texts, got ${describe(texts)}${hint}`);
  }
  texts.forEach((t, i) => {
    if (typeof t !== 'string') throw new LstmWasmError(`${where}: texts[${i}] is ${describe(t)}, expected a string`);
  });
}

function toRows(where: string, s: unknown): ArrayLike<unknown>[] {
  if (isTensor(s)) {
    if (s.shape.length === 2) {
      const [n, T] = s.shape;
      return Array.from({ length: n }, (_, i) => s.data.subarray(i * T, (i + 1) * T));
    }
    throw new LstmWasmError(`${where}: a tensor of sequences must have shape [n, steps], got ${describe(s)}`);
  }
  if (!Array.isArray(s))
    throw new LstmWasmError(`${where}: expected an array of sequences of token ids, got ${describe(s)}`);
  return s.map((row, i) => {
    if (Array.isArray(row) || (ArrayBuffer.isView(row) && !(row instanceof DataView))) return row as ArrayLike<unknown>;
    throw new LstmWasmError(
      `${where}: sequences[${i}] is ${describe(row)}, expected an array of token ids` +
        (typeof row === 'number' ? '; for a single sequence pass [sequence]' : ''),
    );
  });
}
