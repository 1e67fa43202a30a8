// The one error class of the library, and the two helpers that make its messages say what came:
// describe() turns any value into a few words, checkOptions() catches misspelt option names.

/** Every error the library throws on purpose is one of these, so callers can tell ours from bugs. */
export class LstmWasmError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LstmWasmError';
  }
}

const MAX_STRING = 40;
const MAX_KEYS = 5;

/** "a" or "an" before a word, by its sound in the cases we meet ("a Uint8Array", "an Int8Array"). */
function article(word: string): string {
  return /^[aeio]/i.test(word) || /^u(?!int)/i.test(word) ? 'an' : 'a';
}

/** A shape or index list as `[32, 50, 1]`; null (and undefined) stand for a size not known yet. */
function bracketList(shape: readonly (number | null | undefined)[]): string {
  return `[${shape.map((d) => (d === null || d === undefined ? 'null' : String(d))).join(', ')}]`;
}

function quote(s: string): string {
  return s.length > MAX_STRING ? `${JSON.stringify(s.slice(0, MAX_STRING))}…` : JSON.stringify(s);
}

function isTypedArray(v: object): v is ArrayBufferView & { length: number } {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

/**
 * A short description of a value for an error message: `a string "abc"`, `null`, `NaN`, `3`,
 * `an array of length 3`, `a Float32Array of length 6`, `a tensor of shape [32, 50, 3]`.
 * Numbers print as themselves, since "got 0" reads better than "got the number 0".
 */
/** An object or array as short JSON where that reads best (regularizers, shapes), else describe(). */
export function show(value: unknown): string {
  if (value !== null && typeof value === 'object' && !ArrayBuffer.isView(value)) {
    try {
      const s = JSON.stringify(value, (_k, x) =>
        typeof x === 'number' && !Number.isFinite(x) ? String(x) : typeof x === 'bigint' ? `${x}n` : x,
      );
      if (s !== undefined && s.length <= 80) return s;
    } catch {
      // circular: fall through
    }
  }
  return describe(value);
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  switch (typeof value) {
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'string':
      return `a string ${quote(value)}`;
    case 'boolean':
      return String(value);
    case 'bigint':
      return `a bigint ${value}n`;
    case 'symbol':
      return `a symbol ${value.description !== undefined ? `(${value.description})` : ''}`.trimEnd();
    case 'function':
      return value.name ? `a function ${value.name}` : 'a function';
  }
  const o = value as Record<string, unknown>;
  if (Array.isArray(o)) return `an array of length ${o.length}`;
  if (isTypedArray(o)) {
    const name = o.constructor.name;
    return `${article(name)} ${name} of length ${o.length}`;
  }
  if (o instanceof ArrayBuffer) return `an ArrayBuffer of ${o.byteLength} bytes`;
  // A tensor is most often what came where a different shape was wanted, so its shape is the point.
  if (Array.isArray(o.shape) && o.shape.every((d) => typeof d === 'number' || d === null)) {
    const shape = bracketList(o.shape as (number | null)[]);
    return o.data instanceof Float32Array ? `a tensor of shape ${shape}` : `an object with shape ${shape}`;
  }
  if (typeof (o as { then?: unknown }).then === 'function') return 'a Promise (was an await forgotten?)';
  if (o instanceof Map) return `a Map of size ${o.size}`;
  if (o instanceof Set) return `a Set of size ${o.size}`;
  if (o instanceof Date) return `a Date ${Number.isNaN(o.getTime()) ? '(invalid)' : o.toISOString()}`;
  if (o instanceof RegExp) return `a RegExp ${String(o)}`;
  if (o instanceof Error) return `${article(o.name)} ${o.name} ${quote(o.message)}`;
  const proto = Object.getPrototypeOf(o);
  if (proto !== null && proto !== Object.prototype) {
    const name = (proto.constructor as { name?: string } | undefined)?.name;
    if (name) return `${article(name)} ${name}`;
  }
  const keys = Object.keys(o);
  if (keys.length === 0) return 'an empty object {}';
  const shown = keys.slice(0, MAX_KEYS).join(', ');
  return `an object { ${shown}${keys.length > MAX_KEYS ? ', …' : ''} }`;
}

/** Levenshtein distance; the strings are option names, so the quadratic table is tiny. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

// Compared without case or underscores, Keras spellings (return_sequences) land on ours (returnSequences).
const fold = (s: string): string => s.toLowerCase().replace(/_/g, '');

/** The allowed name closest to `name`, or undefined when none is close enough to be a likely typo. */
export function closest(name: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const a of allowed) {
    // The folded distance decides; the raw one only breaks ties (learningRate before learning_rate).
    const score = editDistance(fold(name), fold(a)) * 1000 + editDistance(name, a);
    if (score < bestScore) {
      bestScore = score;
      best = a;
    }
  }
  if (best === undefined) return undefined;
  const d = Math.floor(bestScore / 1000);
  return d <= Math.max(2, Math.floor(fold(name).length / 3)) ? best : undefined;
}

/**
 * Throws when `options` is not an options object, or names an option not in `allowed`, suggesting
 * the closest allowed name. `undefined` passes: every options argument of this library is optional.
 * `where` starts the message: `LSTM 'lstm_1': unknown option 'returnSequence'; did you mean ...`.
 */
export function checkOptions(where: string, options: unknown, allowed: readonly string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options) || isTypedArray(options)) {
    throw new LstmWasmError(`${where}: expected an options object { ... }, got ${describe(options)}`);
  }
  const known = [...new Set(allowed)];
  const unknown = Object.keys(options).filter((k) => !known.includes(k));
  if (unknown.length === 0) return;
  const list = known.map((k) => `'${k}'`).join(', ');
  if (unknown.length === 1) {
    const near = closest(unknown[0], known);
    const hint = near === undefined ? '.' : `; did you mean '${near}'?`;
    throw new LstmWasmError(`${where}: unknown option '${unknown[0]}'${hint} Allowed: ${list}`);
  }
  const parts = unknown.map((k) => {
    const near = closest(k, known);
    return near === undefined ? `'${k}'` : `'${k}' (did you mean '${near}'?)`;
  });
  throw new LstmWasmError(`${where}: unknown options ${parts.join(', ')}. Allowed: ${list}`);
}
