// Sequences of different lengths → one rectangular tensor, as Keras pad_sequences.
import { LstmWasmError, checkOptions, describe } from '../errors.js';
import { Tensor } from '../tensor.js';

export interface PadSequencesOptions {
  /** Length of every output sequence; defaults to the longest input. */
  maxlen?: number;
  /** Where the padding goes: 'pre' (default, as Keras) or 'post'. */
  padding?: 'pre' | 'post';
  /** Which end is cut from sequences longer than maxlen: 'pre' (default, keeps the end) or 'post'. */
  truncating?: 'pre' | 'post';
  /** The padding value (0). Pair a non-zero one with Masking({ maskValue }). */
  value?: number;
}

/** A sequence of token ids, or of feature vectors. */
export type Sequence = ArrayLike<number> | ArrayLike<ArrayLike<number>>;

const WHERE = 'padSequences';

function isSeq(v: unknown): v is ArrayLike<unknown> {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

function prePost(name: string, v: unknown): 'pre' | 'post' {
  if (v === undefined) return 'pre';
  if (v !== 'pre' && v !== 'post')
    throw new LstmWasmError(`${WHERE}: option '${name}' must be 'pre' or 'post', got ${describe(v)}`);
  return v;
}

/**
 * Pads (and truncates) sequences to one length. Sequences of numbers give [n, maxlen]; sequences
 * of feature vectors (each step an array of F numbers) give [n, maxlen, F].
 */
export function padSequences(sequences: readonly Sequence[], options: PadSequencesOptions = {}): Tensor {
  checkOptions(WHERE, options, ['maxlen', 'padding', 'truncating', 'value']);
  if (!Array.isArray(sequences)) {
    const hint = isSeq(sequences) ? '; for a single sequence pass [sequence]' : '';
    throw new LstmWasmError(
      `${WHERE}: sequences must be an array of sequences (arrays of ` +
        `numbers or of feature vectors), got ${describe(sequences)}${hint}`,
    );
  }
  const padding = prePost('padding', options.padding);
  const truncating = prePost('truncating', options.truncating);
  const value = options.value ?? 0;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new LstmWasmError(`${WHERE}: option 'value' must be a finite number, got ${describe(options.value)}`);
  }
  if (
    options.maxlen !== undefined &&
    (typeof options.maxlen !== 'number' || !Number.isInteger(options.maxlen) || options.maxlen < 1)
  ) {
    throw new LstmWasmError(`${WHERE}: option 'maxlen' must be a positive integer, got ${describe(options.maxlen)}`);
  }

  const seqAt = (i: number): ArrayLike<unknown> => {
    const s = sequences[i];
    if (isSeq(s)) return s;
    const hint = typeof s === 'string' ? '; turn texts into token ids first, e.g. with a Tokenizer' : '';
    throw new LstmWasmError(
      `${WHERE}: sequences[${i}] is ${describe(s)}, expected a ` +
        `sequence (an array of numbers or of feature vectors)${hint}`,
    );
  };
  // The first step of any sequence decides whether steps are numbers (F = 0) or vectors of F.
  let F = 0;
  let ref = '';
  for (let i = 0; i < sequences.length && ref === ''; i++) {
    const s = seqAt(i);
    if (s.length === 0) continue;
    ref = `sequences[${i}][0]`;
    if (isSeq(s[0])) {
      F = s[0].length;
      if (F === 0)
        throw new LstmWasmError(`${WHERE}: ${ref} is an empty feature vector; steps need at least one feature`);
    }
  }
  let longest = 0;
  sequences.forEach((_, i) => {
    const s = seqAt(i);
    for (let t = 0; t < s.length; t++) {
      const step = s[t] as unknown;
      const here = `sequences[${i}][${t}]`;
      if (F === 0) {
        if (typeof step !== 'number') {
          throw new LstmWasmError(`${WHERE}: ${here} is ${describe(step)}, expected a number like ${ref}`);
        }
      } else {
        if (!isSeq(step))
          throw new LstmWasmError(
            `${WHERE}: ${here} is ${describe(step)}, expected a feature vector of length ${F} like ${ref}`,
          );
        if (step.length !== F)
          throw new LstmWasmError(`${WHERE}: ${here} has ${step.length} features, but ${ref} has ${F}`);
        for (let f = 0; f < F; f++) {
          if (typeof step[f] !== 'number')
            throw new LstmWasmError(`${WHERE}: ${here}[${f}] is ${describe(step[f])}, expected a number`);
        }
      }
    }
    if (s.length > longest) longest = s.length;
  });

  const T = options.maxlen ?? longest;
  const per = Math.max(F, 1);
  const n = sequences.length;
  const data = new Float32Array(n * T * per).fill(value);
  for (let i = 0; i < n; i++) {
    const s = sequences[i];
    const len = Math.min(s.length, T);
    const from = truncating === 'pre' ? s.length - len : 0; // first step kept
    const to = padding === 'pre' ? T - len : 0; // where it goes
    const base = i * T * per;
    for (let t = 0; t < len; t++) {
      const step = s[from + t];
      const o = base + (to + t) * per;
      if (F === 0) data[o] = step as number;
      else for (let f = 0; f < F; f++) data[o + f] = (step as ArrayLike<number>)[f];
    }
  }
  return new Tensor(data, F === 0 ? [n, T] : [n, T, F]);
}
