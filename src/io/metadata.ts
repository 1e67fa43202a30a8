// What a user saves beside a model's weights (a fitted scaler, the window length, column names):
// plain JSON, stored in the saved model's header as `userDefinedMetadata` (the name TF.js gives
// it in model.json) by `model.save({ metadata })`, and read back by readMetadata(bytes).
import { LstmWasmError, describe } from '../errors.js';
import { type SavedModel, decodeModel } from './save.js';

/** JSON a model can carry: objects, arrays, strings, finite numbers, booleans and null. */
export type MetadataValue = string | number | boolean | null | MetadataValue[] | { [key: string]: MetadataValue };

/**
 * Checks that `v` survives JSON unchanged (a plain object of plain values: no NaN or Infinity, no
 * undefined, functions, typed arrays, Dates or class instances other than through their toJSON), and
 * gives its JSON form. The error names the path of the first value that would not.
 */
export function checkMetadata(v: unknown, where = 'save'): Record<string, MetadataValue> {
  let json: unknown = v;
  if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function')
    json = (v as { toJSON(): unknown }).toJSON();
  if (json === null || typeof json !== 'object' || Array.isArray(json) || ArrayBuffer.isView(json))
    throw new LstmWasmError(
      `${where}: option 'metadata' must be a plain object such as { scaler: scaler.toJSON() }, got ${describe(v)}`,
    );
  const walk = (x: unknown, path: string): MetadataValue => {
    if (x !== null && typeof x === 'object' && typeof (x as { toJSON?: unknown }).toJSON === 'function')
      x = (x as { toJSON(): unknown }).toJSON();
    if (x === null || typeof x === 'string' || typeof x === 'boolean') return x;
    if (typeof x === 'number') {
      if (!Number.isFinite(x))
        throw new LstmWasmError(`${where}: metadata${path} is ${x}, which JSON cannot hold (it would load as null)`);
      return x;
    }
    if (Array.isArray(x)) return x.map((e, i) => walk(e, `${path}[${i}]`));
    if (typeof x === 'object' && !ArrayBuffer.isView(x) && Object.getPrototypeOf(x) === Object.prototype) {
      const out: Record<string, MetadataValue> = {};
      for (const [k, e] of Object.entries(x)) out[k] = walk(e, `${path}.${k}`);
      return out;
    }
    throw new LstmWasmError(
      `${where}: metadata${path} is ${describe(x)}; metadata holds plain ` +
        'JSON (objects, arrays, strings, finite numbers, booleans, null)' +
        (ArrayBuffer.isView(x) ? ': use Array.from() for a typed array' : ''),
    );
  };
  return walk(json, '') as Record<string, MetadataValue>;
}

/**
 * The metadata a model was saved with (`model.save({ metadata })`), from the saved bytes; `{}` if
 * it was saved without. The bytes are checked as loadModel checks them.
 * `StandardScaler.fromJSON(readMetadata(bytes).scaler)` gives back a scaler saved with the model.
 */
export function readMetadata(saved: SavedModel): Record<string, MetadataValue> {
  const { header } = decodeModel(saved);
  return (header as { userDefinedMetadata?: Record<string, MetadataValue> }).userDefinedMetadata ?? {};
}
