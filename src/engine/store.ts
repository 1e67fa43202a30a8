// A store: one WebAssembly instance, its memory and the arena over it, shared by every model
// built from the same layers (a training model and the encoder and decoder models made from its
// layers, as in Keras). The bottom of the arena is persistent: weights and their gradients,
// optimizer slots, the RNG state, stateful layers' states. Above it, plans: only one runs at a
// time, so every plan of every model of the store starts at the same address.
import { Arena } from '../runtime/arena.js';
import type { Kernels } from '../runtime/kernels.js';
import { type Instantiated, instantiate, recycle } from '../runtime/wasm.js';
import { getPool, type KernelCall, type Pool } from '../runtime/pool.js';
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
  /** Its memory's id (the thread pool's name for it). */
  readonly id: number;
  private readonly inst: Instantiated;
  /** How many threads this store's kernels may run on (1: its memory is not shared). */
  readonly maxThreads: number;
  /** The thread count of the plan being laid out (RunContext.threads): set by makePlan. */
  threads = 1;
  /** Its shared memory (threads > 1), and the module the workers instantiate on it. */
  readonly memory: WebAssembly.Memory | null;
  readonly module: WebAssembly.Module;
  private pool: Pool | null = null;
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
    const inst = instantiate();
    this.inst = inst;
    this.id = inst.id;
    this.k = inst.k;
    this.maxThreads = inst.threads;
    this.threads = inst.threads;
    this.memory = inst.memory;
    this.module = inst.module;
    // The pool's workers start now (asynchronously, in browsers) while the caller prepares data;
    // this store joins it at its first parallel region (small models never do).
    if (this.memory) getPool(this.maxThreads - 1, exportNames(this.k));
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

  /**
   * Runs kernel calls concurrently, one per shard (calls[0] on this thread, the others on the
   * pool's workers), and returns when all are done. Without a pool (one thread, or workers that
   * could not start) they run here one after another: the same arithmetic, so the same results.
   */
  parallel(calls: KernelCall[], where: string): void {
    if (calls.length > 1 && this.memory) {
      const p = this.pool && !this.pool.broken ? this.pool : this.joinPool();
      if (p) {
        try {
          p.run(this as Parameters<Pool['run']>[0], calls, where);
          return;
        } catch (e) {
          // The step is void: its dropout draws too, so the next one draws what it would have.
          if (this.rngAtStep) this.arena.i32(this.rngState, 4).set(this.rngAtStep);
          throw e;
        }
      }
    }
    const k = this.k as unknown as Record<string, (...a: number[]) => void>;
    for (const c of calls) k[c.fn](...c.args);
  }

  private rngAtStep: Int32Array | null = null;
  /** A training step begins (runForward): what a failed parallel region puts back. */
  markStep(): void {
    if (this.memory) (this.rngAtStep ??= new Int32Array(4)).set(this.arena.i32(this.rngState, 4));
  }

  private joinPool(): Pool | null {
    const p = (this.pool = getPool(this.maxThreads - 1, exportNames(this.k)));
    p?.attach(this as Parameters<Pool['run']>[0]);
    return p;
  }

  retain(): void {
    this.users++;
  }

  /** A model lets go; the last one frees the memory (and calls the hooks, which detach layers). */
  release(by: string): void {
    if (--this.users > 0 || this.freed) return;
    this.freed = true;
    // A shared memory is kept for the next store (the workers keep their instance on it).
    const kept = recycle(this.inst);
    this.pool?.release(this.id, kept);
    this.pool = null;
    for (const f of this.onFree) f(by);
    this.onFree.length = 0;
  }

  whenFreed(f: (by: string) => void): void {
    this.onFree.push(f);
  }
}

let names: string[] | null = null;
/** The module's function exports, in one order for every store (the workers call them by index). */
function exportNames(k: Kernels): string[] {
  names ??= Object.keys(k).filter((n) => typeof (k as unknown as Record<string, unknown>)[n] === 'function');
  return names;
}
