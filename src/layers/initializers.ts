// Keras initializers by name, turned into specs that the kernels in assembly/random.ts fill.
import { LstmWasmError, describe } from '../errors.js';
import type { InitializerSpec, ParamSlot, RunContext } from './layer.js';

export type InitializerName =
  | 'glorotUniform'
  | 'glorotNormal'
  | 'heUniform'
  | 'heNormal'
  | 'lecunUniform'
  | 'lecunNormal'
  | 'orthogonal'
  | 'zeros'
  | 'ones'
  | 'randomNormal'
  | 'randomUniform';

const ALIASES: Record<string, InitializerName> = {
  glorotUniform: 'glorotUniform',
  glorot_uniform: 'glorotUniform',
  glorotNormal: 'glorotNormal',
  glorot_normal: 'glorotNormal',
  heUniform: 'heUniform',
  he_uniform: 'heUniform',
  heNormal: 'heNormal',
  he_normal: 'heNormal',
  lecunUniform: 'lecunUniform',
  lecun_uniform: 'lecunUniform',
  lecunNormal: 'lecunNormal',
  lecun_normal: 'lecunNormal',
  orthogonal: 'orthogonal',
  zeros: 'zeros',
  ones: 'ones',
  randomNormal: 'randomNormal',
  random_normal: 'randomNormal',
  randomUniform: 'randomUniform',
  random_uniform: 'randomUniform',
};

export function initializerName(where: string, option: string, v: unknown, dflt: InitializerName): InitializerName {
  if (v === undefined || v === null) return dflt;
  const name = typeof v === 'string' && Object.hasOwn(ALIASES, v) ? ALIASES[v] : undefined;
  if (!name) {
    throw new LstmWasmError(
      `${where}: option '${option}' must be one of ${Object.keys(ALIASES)
        .filter((k) => !k.includes('_'))
        .map((k) => `'${k}'`)
        .join(', ')}, got ${describe(v)}`,
    );
  }
  return name;
}

/** The spec for a weight of shape [fanIn, fanOut] (Keras fans for a 2-D kernel). */
export function initSpec(name: InitializerName, shape: number[]): InitializerSpec {
  const fanIn = shape.length >= 2 ? shape[0] : shape[0];
  const fanOut = shape.length >= 2 ? shape[shape.length - 1] : shape[0];
  switch (name) {
    case 'glorotUniform':
      return { kind: 'uniform', limit: Math.sqrt(6 / (fanIn + fanOut)) };
    case 'glorotNormal':
      return { kind: 'normal', std: Math.sqrt(2 / (fanIn + fanOut)) };
    case 'heUniform':
      return { kind: 'uniform', limit: Math.sqrt(6 / fanIn) };
    case 'heNormal':
      return { kind: 'normal', std: Math.sqrt(2 / fanIn) };
    case 'lecunUniform':
      return { kind: 'uniform', limit: Math.sqrt(3 / fanIn) };
    case 'lecunNormal':
      return { kind: 'normal', std: Math.sqrt(1 / fanIn) };
    case 'orthogonal':
      return {
        kind: 'orthogonal',
        gain: 1,
        rows: shape.length >= 2 ? shape[0] : 1,
        cols: shape.length >= 2 ? shape.slice(1).reduce((a, b) => a * b, 1) : shape[0],
      };
    case 'zeros':
      return { kind: 'zeros' };
    case 'ones':
      return { kind: 'ones' };
    case 'randomNormal':
      return { kind: 'normal', std: 0.05 };
    case 'randomUniform':
      return { kind: 'uniform', limit: 0.05 };
  }
}

/** Fills one parameter in place, drawing from the model's RNG. */
export function initialize(ctx: RunContext, slot: ParamSlot): void {
  const { k, arena } = ctx;
  const s = slot.spec.init;
  switch (s.kind) {
    case 'zeros':
      k.fill_f32(slot.size, slot.ptr, 0);
      break;
    case 'ones':
      k.fill_f32(slot.size, slot.ptr, 1);
      break;
    case 'constant':
      k.fill_f32(slot.size, slot.ptr, s.value);
      break;
    case 'uniform':
      k.rng_uniform(ctx.rngState, slot.size, slot.ptr, -s.limit, s.limit);
      break;
    case 'normal':
      k.rng_normal(ctx.rngState, slot.size, slot.ptr, 0, s.std);
      break;
    case 'forgetBias':
      k.fill_f32(slot.size, slot.ptr, 0);
      k.fill_f32(s.units, slot.ptr + s.units * 4, 1);
      break;
    case 'orthogonal': {
      const mark = arena.mark();
      const scratch = arena.alloc(k.init_orthogonal_scratch_size(s.rows, s.cols));
      k.init_orthogonal(ctx.rngState, s.rows, s.cols, slot.ptr, s.gain, scratch);
      arena.release(mark);
      break;
    }
    default:
      throw new LstmWasmError(`initializer: unknown kind ${(s as { kind: string }).kind}`);
  }
}
