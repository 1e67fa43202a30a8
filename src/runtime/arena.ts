// One arena per model over its instance's memory. TypeScript decides where every buffer lives;
// kernels only see addresses. Views are made fresh after anything that may grow memory.
import type { Kernels } from './kernels.js';
import { LstmWasmError } from '../errors.js';

const ALIGN = 64;
const PAGE = 65536;
// wasm32: 65536 pages of 64 KiB.
const MAX_BYTES = 65536 * PAGE;

function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

export class Arena {
  readonly k: Kernels;
  readonly base: number;
  private top: number;

  constructor(k: Kernels) {
    this.k = k;
    // Never hand out address 0 ("absent" in the ABI), nor anything below the static data.
    this.base = alignUp(Math.max(k.heap_base(), ALIGN), ALIGN);
    this.top = this.base;
  }

  /** Bytes handed out so far (from the base). */
  get used(): number {
    return this.top - this.base;
  }

  /** Reserves room for n f32 values and returns its address (64-byte aligned, never 0). */
  alloc(n: number): number {
    if (!Number.isInteger(n) || n < 0)
      throw new LstmWasmError(`Arena.alloc: expected a non-negative integer count, got ${n}`);
    const ptr = this.top;
    this.top = alignUp(ptr + Math.max(n, 1) * 4, ALIGN);
    this.ensure(this.top);
    return ptr;
  }

  /** Everything allocated after the mark is given back by release(mark). */
  mark(): number {
    return this.top;
  }

  release(mark: number): void {
    if (mark < this.base || mark > this.top) throw new Error(`Arena.release: bad mark ${mark}`);
    this.top = mark;
  }

  /** Grows the memory (never shrinks: WASM cannot) so that bytes [0, end) exist. */
  ensure(end: number): void {
    const have = this.k.memory.buffer.byteLength;
    if (end <= have) return;
    const mib = (b: number) => `${Math.ceil(b / 2 ** 20)} MiB`;
    if (!Number.isFinite(end) || end > MAX_BYTES) {
      throw new LstmWasmError(
        `out of memory: this needs ${mib(end)} of WebAssembly memory, more than the ${mib(MAX_BYTES)} ` +
          'one instance can address; use fewer units, shorter sequences or smaller batches',
      );
    }
    try {
      this.k.memory.grow(Math.ceil((end - have) / PAGE));
    } catch {
      throw new LstmWasmError(
        'out of memory: the runtime refused to grow WebAssembly memory to ' +
          `${mib(end)}; use fewer units, shorter sequences or smaller batches`,
      );
    }
  }

  get memoryBytes(): number {
    return this.k.memory.buffer.byteLength;
  }

  /** A fresh view: do not keep it across a call that may grow memory. */
  f32(ptr: number, n: number): Float32Array {
    return new Float32Array(this.k.memory.buffer, ptr, n);
  }

  i32(ptr: number, n: number): Int32Array {
    return new Int32Array(this.k.memory.buffer, ptr, n);
  }

  write(ptr: number, data: ArrayLike<number>): void {
    this.f32(ptr, data.length).set(data);
  }

  /** A copy of n floats at ptr, safe to keep. */
  read(ptr: number, n: number): Float32Array {
    return this.f32(ptr, n).slice();
  }

  /** Allocates and fills in one go. */
  put(data: ArrayLike<number>): number {
    const p = this.alloc(data.length);
    this.write(p, data);
    return p;
  }
}
