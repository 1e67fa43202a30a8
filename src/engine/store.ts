// A store: one WebAssembly instance, its memory and the arena over it, shared by every model
// built from the same layers (a training model and the encoder and decoder models made from its
// layers, as in Keras). The bottom of the arena is persistent: weights and their gradients,
// optimizer slots, the RNG state, stateful layers' states. Above it, plans: only one runs at a
// time, so every plan of every model of the store starts at the same address.
import { Arena } from '../runtime/arena.js';
import type { Kernels } from '../runtime/kernels.js';
import { instantiate } from '../runtime/wasm.js';
import type { WeightStore } from '../layers/layer.js';

/** A running fit, for the errors that name it. */
export interface FitInProgress {
  /** `Model 'name'` or `Sequential 'name'`. */
  where: string;
  /** 0-based. */
  epoch: number;
  epochs: number;
}

export class Store implements WeightStore {
  readonly k: Kernels;
  readonly arena: Arena;
  readonly rngState: number;
  /** See RunContext.generation: bumped whenever packed weights in a plan's scratch may be stale. */
  generation = 0;
  /** Bumped whenever the persistent region grows: every plan laid out before is void. */
  epoch = 0;
  /** The plan that ran last (any model's): running another one overwrites its memory. */
  lastPlan: object | null = null;
  /**
   * The fit training these weights while it runs (any model built from these layers): what would
   * change them under it (another fit, compile, setWeights, dispose) is refused, naming it.
   */
  fitting: FitInProgress | null = null;
  private planBase: number;
  private users = 0;
  private freed = false;
  private readonly onFree: ((by: string) => void)[] = [];

  constructor(seed: number) {
    this.k = instantiate();
    this.arena = new Arena(this.k);
    this.rngState = this.arena.alloc(4);
    this.k.rng_seed(this.rngState, seed >>> 0);
    this.planBase = this.arena.mark();
  }

  get disposed(): boolean {
    return this.freed;
  }

  /** Room for n floats that stays until the store is freed; voids every plan. */
  allocPersistent(n: number): number {
    this.arena.release(this.planBase);
    const p = this.arena.alloc(n);
    this.planBase = this.arena.mark();
    this.epoch++;
    this.generation++;
    return p;
  }

  /** Starts laying out a plan: gives back everything above the persistent region. */
  beginPlan(): void {
    this.arena.release(this.planBase);
    this.generation++;
  }

  retain(): void {
    this.users++;
  }

  /** A model lets go; the last one frees the memory (and calls the hooks, which detach layers). */
  release(by: string): void {
    if (--this.users > 0 || this.freed) return;
    this.freed = true;
    for (const f of this.onFree) f(by);
    this.onFree.length = 0;
  }

  whenFreed(f: (by: string) => void): void {
    this.onFree.push(f);
  }
}
