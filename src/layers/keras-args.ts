// Keras's call forms for layers whose first arguments Keras takes by position: Reshape([10, 2]),
// MultiHeadAttention(4, 32, { ... }), MaxPooling1D(2), Activation('relu'), TimeDistributed(layer).
// The positional values become options under our names, and the options object that may follow
// goes through kerasLayerArgs (snake_case names read as ours, typos named as written).
import { LstmWasmError, describe, show } from '../errors.js';
import { kerasLayerArgs } from './layer.js';

/** One argument Keras takes by position: its option name, and a test of what a value given in its place looks like. */
export interface Positional {
  name: string;
  is: (v: unknown) => boolean;
}

const isObject = (v: unknown): v is object => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A number (RepeatVector's n, Concatenate's axis, …). */
export const isNumber = (v: unknown): boolean => typeof v === 'number';
/** A number or a list of numbers (a pool size, an axis). */
export const isNumberOrList = (v: unknown): boolean => typeof v === 'number' || Array.isArray(v);

/**
 * The options of a layer called as Keras calls it: `given` are the constructor's arguments, read
 * as the positional values `positional` describes (as many as are given and fit), then at most one
 * options object. Without positional values, the first argument is the options object (or, when
 * it is not an object, is passed on for the layer's own "expected an options object" error).
 */
export function kerasPositionalArgs<T>(
  snake: string,
  className: string,
  example: string,
  positional: readonly Positional[],
  given: readonly unknown[],
): T {
  const args = [...given];
  while (args.length > 0 && args[args.length - 1] === undefined) args.pop();
  let n = 0;
  while (n < positional.length && n < args.length && positional[n].is(args[n])) n++;
  const rest = args.slice(n);
  const form = `new ${className}(${[...positional.map((p) => p.name), '{ ...options }'].join(', ')})`;
  if (n === 0) {
    if (rest.length > 1)
      throw new LstmWasmError(
        `${snake}: expected ${form} or an options object such as ${example}, ` +
          `got ${describe(rest[0])} and then ${describe(rest[1])}`,
      );
    // Not an object: passed on unread, for the layer's own "expected an options object" error.
    return (isObject(rest[0]) ? kerasLayerArgs<T>(snake, rest[0], undefined, example) : rest[0]) as T;
  }
  // What follows the positional values: one options object, or nothing.
  const bad = rest.length > 0 && !isObject(rest[0]) ? 0 : rest.length > 1 ? 1 : -1;
  if (bad >= 0)
    throw new LstmWasmError(`${snake}: expected ${form}, got ${describe(rest[bad])} as argument ${n + bad + 1}`);
  const out = kerasLayerArgs<Record<string, unknown>>(snake, rest[0] ?? {}, undefined, example);
  for (let i = 0; i < n; i++) {
    const name = positional[i].name;
    if (Object.hasOwn(out, name))
      throw new LstmWasmError(
        `${snake}: '${name}' is given twice: ${show(args[i])} first and ${show(out[name])} in the options`,
      );
    out[name] = args[i];
  }
  return out as T;
}
