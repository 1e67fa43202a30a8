// Optimizers by name or config, as TF.js/Keras; the update itself is one kernel call over the
// model's whole parameter block (assembly/optimizers.ts).
import { LstmWasmError, checkOptions, describe } from './errors.js';
import type { Kernels } from './runtime/kernels.js';

export type OptimizerConfig =
  | 'adam' | 'sgd' | 'rmsprop'
  | { name: 'adam'; learningRate?: number; beta1?: number; beta2?: number; epsilon?: number }
  | { name: 'sgd'; learningRate?: number; momentum?: number; nesterov?: boolean }
  | { name: 'rmsprop'; learningRate?: number; rho?: number; momentum?: number; epsilon?: number };

export interface Optimizer {
  readonly name: 'adam' | 'sgd' | 'rmsprop';
  learningRate: number;
  readonly config: Record<string, number | boolean | string>;
  /** Number of updates made so far (Adam's bias correction needs it). */
  iterations: number;
  /** w -= update(g) over n parameters; slots: two regions of n floats the optimizer owns. */
  apply(k: Kernels, n: number, w: number, g: number, slot1: number, slot2: number): void;
}

function num(where: string, name: string, v: unknown, dflt: number, lo: number, hi: number, loOpen = false): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || (loOpen ? v <= lo : v < lo) || v > hi) {
    throw new LstmWasmError(`${where}: '${name}' must be a number in ${loOpen ? '(' : '['}${lo}, ${hi}], got ${describe(v)}`);
  }
  return v;
}

export function makeOptimizer(v: unknown): Optimizer {
  const where = 'compile: optimizer';
  const cfg = typeof v === 'string' ? { name: v } : v;
  if (cfg === null || typeof cfg !== 'object') {
    throw new LstmWasmError(`${where} must be 'adam', 'sgd', 'rmsprop' or a config such as { name: 'adam', learningRate: 0.001 }, got ${describe(v)}`);
  }
  const c = cfg as Record<string, unknown>;
  const name = typeof c.name === 'string' ? c.name.toLowerCase() : c.name;
  const lrRaw = c.learningRate ?? c.learning_rate ?? c.lr;
  switch (name) {
    case 'adam': {
      checkOptions(where, c, ['name', 'learningRate', 'learning_rate', 'lr', 'beta1', 'beta2', 'beta_1', 'beta_2', 'epsilon']);
      const lr = num(where, 'learningRate', lrRaw, 0.001, 0, Infinity, true);
      const b1 = num(where, 'beta1', c.beta1 ?? c.beta_1, 0.9, 0, 1);
      const b2 = num(where, 'beta2', c.beta2 ?? c.beta_2, 0.999, 0, 1);
      const eps = num(where, 'epsilon', c.epsilon, 1e-7, 0, 1, true);
      return {
        name: 'adam', learningRate: lr, iterations: 0,
        get config() { return { name: 'adam', learningRate: this.learningRate, beta1: b1, beta2: b2, epsilon: eps }; },
        apply(k, n, w, g, m, vv) { this.iterations++; k.adam_update(n, w, g, m, vv, this.learningRate, b1, b2, eps, this.iterations); },
      };
    }
    case 'sgd': {
      checkOptions(where, c, ['name', 'learningRate', 'learning_rate', 'lr', 'momentum', 'nesterov']);
      const lr = num(where, 'learningRate', lrRaw, 0.01, 0, Infinity, true);
      const mom = num(where, 'momentum', c.momentum, 0, 0, 1);
      if (c.nesterov !== undefined && typeof c.nesterov !== 'boolean') throw new LstmWasmError(`${where}: 'nesterov' must be true or false, got ${describe(c.nesterov)}`);
      const nesterov = c.nesterov === true;
      return {
        name: 'sgd', learningRate: lr, iterations: 0,
        get config() { return { name: 'sgd', learningRate: this.learningRate, momentum: mom, nesterov }; },
        apply(k, n, w, g, vel) { this.iterations++; k.sgd_update(n, w, g, vel, this.learningRate, mom, nesterov ? 1 : 0); },
      };
    }
    case 'rmsprop': {
      checkOptions(where, c, ['name', 'learningRate', 'learning_rate', 'lr', 'rho', 'momentum', 'epsilon']);
      const lr = num(where, 'learningRate', lrRaw, 0.001, 0, Infinity, true);
      const rho = num(where, 'rho', c.rho, 0.9, 0, 1);
      const mom = num(where, 'momentum', c.momentum, 0, 0, 1);
      const eps = num(where, 'epsilon', c.epsilon, 1e-7, 0, 1, true);
      return {
        name: 'rmsprop', learningRate: lr, iterations: 0,
        get config() { return { name: 'rmsprop', learningRate: this.learningRate, rho, momentum: mom, epsilon: eps }; },
        apply(k, n, w, g, ms, mo) { this.iterations++; k.rmsprop_update(n, w, g, ms, mo, this.learningRate, rho, eps, mom); },
      };
    }
    default:
      throw new LstmWasmError(`${where}: unknown optimizer ${typeof c.name === 'string' ? JSON.stringify(c.name) : describe(c.name)}; known: 'adam', 'sgd', 'rmsprop'`);
  }
}
