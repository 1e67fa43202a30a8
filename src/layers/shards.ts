// Splitting a layer's work over threads by rows of the batch (data parallelism inside a layer).
// A shard is a contiguous range of batch rows: every [B, …] buffer is batch-major, so a shard's
// part of it starts at an offset and the kernels run unchanged on B' = its rows. Parameter
// gradients are the one thing shards share: shard 0 writes the layer's own buffers, the others
// write private ones, and they are added in shard order afterwards (a fixed order, so the same
// thread count gives the same bits). What runs where is the store's business (Store.parallel).
import type { Kernels } from '../runtime/kernels.js';
import type { KernelCall } from '../runtime/pool.js';

export interface Shard {
  /** First row. */
  b0: number;
  /** Rows. */
  n: number;
}

/**
 * Below this many multiply-adds per call, one thread does the whole layer: a parallel region
 * costs a few microseconds (a worker's wake-up, the wait for it), which only pays on larger work.
 * Measured on bench/ shapes (see docs/ARCHITECTURE.md, "Threads").
 */
export const MIN_PARALLEL_MACS = 100_000;

/** The row ranges of B rows over at most `threads` shards (one shard when the work is small). */
export function shardRows(B: number, threads: number, macs: number): Shard[] {
  const n = Math.max(1, Math.min(threads, B, Math.floor(macs / MIN_PARALLEL_MACS) || 1));
  const out: Shard[] = [];
  for (let s = 0, b0 = 0; s < n; s++) {
    const rows = Math.floor(B / n) + (s < B % n ? 1 : 0);
    out.push({ b0, n: rows });
    b0 += rows;
  }
  return out;
}

/**
 * A stand-in for the kernels that records the call made to it instead of running it, so a cell's
 * own forward/backward code (one kernel call each) describes the call each shard is to run.
 */
export function callRecorder(): { k: Kernels; take(): KernelCall } {
  let last: KernelCall | null = null;
  const k = new Proxy(
    {},
    {
      get:
        (_t, fn: string) =>
        (...args: number[]) => {
          last = { fn, args };
        },
    },
  ) as Kernels;
  return {
    k,
    take() {
      if (!last) throw new Error('callRecorder: no kernel call was recorded');
      const c = last;
      last = null;
      return c;
    },
  };
}
