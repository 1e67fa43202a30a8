// The thread pool: workers that run kernel calls on a store's shared WebAssembly.Memory.
//
// Every worker instantiates the same compiled module on each store's memory (posted once, when
// the store is made), then sleeps on its slot of a control block (a small SharedArrayBuffer of
// the pool's own). A parallel region is a list of kernel calls, one per shard of the work: the
// calling thread posts calls 1.. into the workers' slots (function index, store, arguments),
// runs call 0 itself, and waits for the rest. No postMessage per call: Atomics on the control
// block only. What a shard computes is fixed by the plan (rows of the batch), not by which thread
// runs it: a call no worker has claimed by the time the caller is done with its own is taken back
// (compareExchange on the slot) and run by the caller. So results depend on the thread count
// alone, never on timing, and a pool that is still starting (browsers start workers
// asynchronously) gives the same numbers as a warm one.
//
// Faults: a kernel that traps in a worker fails its slot with the message; a worker that exits
// mid-call marks its slot dead (its exit hook, or the 'exit' event between calls). Either makes
// the region throw, the pool is shut down, and the next region starts a fresh one.
import { LstmWasmError } from '../errors.js';

// Slot layout, in Int32 words: one 512-byte slot per worker, arguments as float64 after word 16.
const SLOT_WORDS = 128;
const SEQ = 0; // bumped by the caller to wake the worker
const STATE = 1; // IDLE, POSTED, CLAIMED, DONE, FAILED, TAKEN
const FN = 2;
const STORE = 3;
const NARGS = 4;
const ATTACHED = 5; // messages (attach/detach) the worker has handled
const POSTED_MSGS = 6; // messages posted to it
const DEAD = 7;
const QUIT = 8;
const EXIT_IN_CALL = 9; // testing: the worker exits after claiming its next call
const CALLS = 10; // calls the worker has run
const ARG0_F64 = 8; // float64 index within the slot (byte 64)
const MAX_ARGS = 48;

const IDLE = 0,
  POSTED = 1,
  CLAIMED = 2,
  DONE = 3,
  FAILED = 4,
  TAKEN = 5;

/** Spin before sleeping: back-to-back regions (a layer's forward, then the next layer's) wake in a microsecond. */
const WORKER_SPIN_MS = 0.3;

// The worker, as source text: it is started from a string (eval in Node, a blob URL elsewhere), so
// no bundler or path has to find a worker file. It only calls exports by index.
const WORKER_SOURCE = `
const SLOT_WORDS = ${SLOT_WORDS}, SEQ = ${SEQ}, STATE = ${STATE}, FN = ${FN}, STORE = ${STORE}, NARGS = ${NARGS};
const ATTACHED = ${ATTACHED}, POSTED_MSGS = ${POSTED_MSGS}, DEAD = ${DEAD};
const QUIT = ${QUIT}, EXIT_IN_CALL = ${EXIT_IN_CALL}, CALLS = ${CALLS};
const ARG0_F64 = ${ARG0_F64}, POSTED = ${POSTED}, CLAIMED = ${CLAIMED}, DONE = ${DONE}, FAILED = ${FAILED};
const SPIN_MS = ${WORKER_SPIN_MS};
let ctl = null, f64 = null, base = 0, names = null, handled = 0, errBytes = null;
const stores = new Map();
const node = typeof self === 'undefined' || typeof self.postMessage !== 'function';
const port = node ? require('node:worker_threads').parentPort : self;
const quit = () => { if (node) process.exit(0); else self.close(); };
// Bun lets a worker collect its heap; elsewhere the instance goes with the worker's next
// collection (memories of freed stores are mostly kept for the next store: runtime/wasm.ts).
const collect = () => { try { if (typeof Bun !== 'undefined') Bun.gc(true); } catch {} };
function onMessage(m) {
  if (m.type === 'init') {
    ctl = new Int32Array(m.ctl); f64 = new Float64Array(m.ctl); base = m.slot * SLOT_WORDS; names = m.names;
    errBytes = new Uint8Array(m.err, m.slot * 256, 256);
    if (node) process.on('exit', () => { Atomics.store(ctl, base + DEAD, 1); Atomics.notify(ctl, base + STATE); });
  } else if (m.type === 'attach') {
    const ex = new WebAssembly.Instance(m.module, { env: { memory: m.memory } }).exports;
    stores.set(m.id, names.map((n) => ex[n]));
  } else if (m.type === 'detach') {
    stores.delete(m.id);
    // An idle worker allocates almost nothing, so its heap would be slow to collect the instance
    // (and through it the store's whole memory): collect now where the runtime lets a worker.
    collect();
  }
  handled++;
  Atomics.store(ctl, base + ATTACHED, handled);
  loop();
}
function fail(e) {
  const text = new TextEncoder().encode(String(e && e.message ? e.name + ': ' + e.message : e).slice(0, 250));
  errBytes.fill(0); errBytes.set(text.subarray(0, 255));
  Atomics.store(ctl, base + STATE, FAILED);
}
function loop() {
  for (;;) {
    const seq = Atomics.load(ctl, base + SEQ);
    if (Atomics.load(ctl, base + QUIT)) return quit();
    // Messages are waiting: go back to the event loop, which hands them to onMessage.
    if (Atomics.load(ctl, base + POSTED_MSGS) !== handled) return;
    if (Atomics.load(ctl, base + STATE) === POSTED) {
      const fns = stores.get(ctl[base + STORE]);
      if (fns && Atomics.compareExchange(ctl, base + STATE, POSTED, CLAIMED) === POSTED) {
        if (Atomics.load(ctl, base + EXIT_IN_CALL)) quit();
        try {
          const n = ctl[base + NARGS], a = new Array(n), o = (base >> 1) + ARG0_F64;
          for (let i = 0; i < n; i++) a[i] = f64[o + i];
          fns[ctl[base + FN]](...a);
          Atomics.add(ctl, base + CALLS, 1);
          Atomics.store(ctl, base + STATE, DONE);
        } catch (e) { fail(e); }
        Atomics.notify(ctl, base + STATE);
        continue;
      }
    }
    const t0 = performance.now();
    while (Atomics.load(ctl, base + SEQ) === seq && performance.now() - t0 < SPIN_MS) {}
    if (Atomics.load(ctl, base + SEQ) === seq) Atomics.wait(ctl, base + SEQ, seq);
  }
}
if (node) port.on('message', onMessage); else port.onmessage = (e) => onMessage(e.data);
`;

interface WorkerHandle {
  post(msg: unknown): void;
  terminate(): void;
}

type NodeWorkerCtor = new (
  src: string,
  opts: { eval: boolean },
) => {
  postMessage(m: unknown): void;
  terminate(): Promise<number>;
  unref(): void;
  on(ev: string, f: (...a: unknown[]) => void): void;
};

function startWorker(onExit: () => void): WorkerHandle {
  const g = globalThis as {
    process?: { getBuiltinModule?: (id: string) => unknown; versions?: { node?: string } };
    Deno?: unknown;
    Bun?: unknown;
    Worker?: new (
      url: string,
      opts?: { type?: string },
    ) => {
      postMessage(m: unknown): void;
      terminate(): void;
      unref?: () => void;
      addEventListener(ev: string, f: () => void): void;
    };
  };
  // node:worker_threads where the runtime has it (Node, and Deno, whose Web Workers cannot be
  // unref'd and so would keep a finished script alive); Web Workers elsewhere (browsers, Bun).
  const wt =
    g.Bun === undefined
      ? (g.process?.getBuiltinModule?.('node:worker_threads') as { Worker: NodeWorkerCtor } | undefined)
      : undefined;
  if (wt) {
    const w = new wt.Worker(WORKER_SOURCE, { eval: true });
    w.unref();
    w.on('exit', onExit);
    w.on('error', onExit);
    return { post: (m) => w.postMessage(m), terminate: () => void w.terminate() };
  }
  if (typeof g.Worker !== 'function') throw new Error('this runtime has no Worker');
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  const w = new g.Worker(url, { type: 'module' });
  w.unref?.();
  w.addEventListener('error', onExit);
  return { post: (m) => w.postMessage(m), terminate: () => w.terminate() };
}

/** One kernel call: the export's name and its arguments (addresses, sizes, flags: numbers). */
export interface KernelCall {
  fn: string;
  args: number[];
}

/** A store as the pool sees it. */
export interface PoolStore {
  readonly id: number;
  readonly memory: WebAssembly.Memory;
  readonly module: WebAssembly.Module;
  readonly k: object;
}

let canBlockHere: boolean | null = null;
/** Whether this thread may Atomics.wait (not a browser's main thread). */
function canBlock(): boolean {
  if (canBlockHere === null) {
    try {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
      canBlockHere = true;
    } catch {
      canBlockHere = false;
    }
  }
  return canBlockHere;
}

/** How long a pool with no store left keeps its workers. */
const IDLE_SHUTDOWN_MS = 1000;

/** A worker stopped: how long a claimed call may run before its worker is taken for dead. */
const DEAD_AFTER_MS = 120_000;

export class Pool {
  readonly workers: WorkerHandle[] = [];
  readonly ctl: Int32Array;
  private readonly f64: Float64Array;
  private readonly err: Uint8Array;
  private readonly index = new Map<string, number>();
  /** Per worker: messages posted (attach/detach), what ATTACHED must reach before it runs a store's calls. */
  private readonly posted: number[] = [];
  /** Per store id, per worker: the message count after which the worker has the store. */
  private readonly attachedAt = new Map<number, number[]>();
  private readonly exited: boolean[] = [];
  broken: string | null = null;
  /**
   * How long the caller waits for a worker to claim a posted call before running it itself; null
   * (default): as long as its own shard took. Tests that need a worker to run a call set it high.
   */
  claimGraceMs: number | null = null;
  /** What the regions cost (for the bench and for tuning): counts and milliseconds. */
  readonly stats = { regions: 0, posted: 0, takenBack: 0, ownMs: 0, waitMs: 0 };

  constructor(
    readonly size: number,
    names: string[],
  ) {
    names.forEach((n, i) => this.index.set(n, i));
    const sab = new SharedArrayBuffer(Math.max(1, size) * SLOT_WORDS * 4);
    this.ctl = new Int32Array(sab);
    this.f64 = new Float64Array(sab);
    const errSab = new SharedArrayBuffer(Math.max(1, size) * 256);
    this.err = new Uint8Array(errSab);
    for (let w = 0; w < size; w++) {
      this.exited.push(false);
      this.posted.push(0);
      const h = startWorker(() => {
        this.exited[w] = true;
        Atomics.store(this.ctl, w * SLOT_WORDS + DEAD, 1);
      });
      this.workers.push(h);
      h.post({ type: 'init', ctl: sab, err: errSab, slot: w, names });
      this.bumpMessages(w);
    }
  }

  private bumpMessages(w: number): void {
    this.posted[w]++;
    const b = w * SLOT_WORDS;
    Atomics.store(this.ctl, b + POSTED_MSGS, this.posted[w]);
    Atomics.add(this.ctl, b + SEQ, 1);
    Atomics.notify(this.ctl, b + SEQ);
  }

  /** Stores using the pool now (an attachment outlives its store when the memory is kept for the next). */
  private readonly live = new Set<number>();

  attach(s: PoolStore): void {
    this.live.add(s.id);
    if (this.attachedAt.has(s.id)) return;
    const at: number[] = [];
    for (let w = 0; w < this.size; w++) {
      this.workers[w].post({ type: 'attach', id: s.id, memory: s.memory, module: s.module });
      this.bumpMessages(w);
      at.push(this.posted[w]);
    }
    this.attachedAt.set(s.id, at);
  }

  /** A store is freed; `kept`: its memory waits for the next store (the workers keep their instance). */
  release(id: number, kept: boolean): void {
    this.live.delete(id);
    if (this.broken) return;
    if (!kept && this.attachedAt.delete(id))
      for (let w = 0; w < this.size; w++) {
        this.workers[w].post({ type: 'detach', id });
        this.bumpMessages(w);
      }
    // The last store gone (every model disposed): no workers stay behind, unless a store joins
    // within a second (a loop that makes and disposes models should not start a worker each time).
    if (this.live.size === 0) {
      const t = setTimeout(() => {
        if (this.live.size === 0) this.shutdown('every store was freed');
      }, IDLE_SHUTDOWN_MS);
      (t as { unref?: () => void }).unref?.();
    }
  }

  /** Ends every worker (they also end with the process: they never keep it alive). */
  shutdown(why: string): void {
    if (this.broken) return;
    this.broken = why;
    for (let w = 0; w < this.size; w++) {
      Atomics.store(this.ctl, w * SLOT_WORDS + QUIT, 1);
      Atomics.add(this.ctl, w * SLOT_WORDS + SEQ, 1);
      Atomics.notify(this.ctl, w * SLOT_WORDS + SEQ);
      this.workers[w].terminate();
    }
  }

  /** Every worker has started and holds every store posted to it (testing: calls will reach the workers). */
  started(): boolean {
    return this.workers.every(
      (_w, w) => !this.exited[w] && Atomics.load(this.ctl, w * SLOT_WORDS + ATTACHED) === this.posted[w],
    );
  }

  /** Workers that have started (handled their first message) and not exited. */
  startedCount(): number {
    return this.workers.filter((_w, w) => !this.exited[w] && Atomics.load(this.ctl, w * SLOT_WORDS + ATTACHED) > 0)
      .length;
  }

  /** How many calls each worker has run (what shows that threads are used). */
  callsRun(): number[] {
    return this.workers.map((_w, w) => Atomics.load(this.ctl, w * SLOT_WORDS + CALLS));
  }

  /** Testing: worker w exits (as a crash would) right after it claims its next call. */
  exitWorkerInNextCall(w: number): void {
    Atomics.store(this.ctl, w * SLOT_WORDS + EXIT_IN_CALL, 1);
  }

  private ready(w: number, store: number): boolean {
    const at = this.attachedAt.get(store);
    return !!at && Atomics.load(this.ctl, w * SLOT_WORDS + ATTACHED) >= at[w] && !this.exited[w];
  }

  /**
   * Runs calls[0] here and calls[1..] on workers 0.., concurrently; returns when all are done.
   * `where` names the caller for errors.
   */
  run(store: PoolStore, calls: KernelCall[], where: string): void {
    const k = store.k as Record<string, (...a: number[]) => void>;
    const n = calls.length;
    if (n - 1 > this.size) throw new Error(`pool: ${n} calls for ${this.size} workers`);
    const { ctl, f64 } = this;
    const posted: number[] = [];
    for (let i = 1; i < n; i++) {
      const w = i - 1;
      const b = w * SLOT_WORDS;
      if (!this.ready(w, store.id)) continue; // not started yet: the caller runs it
      const c = calls[i];
      const fn = this.index.get(c.fn);
      if (fn === undefined || c.args.length > MAX_ARGS) throw new Error(`pool: cannot post ${c.fn}`);
      ctl[b + FN] = fn;
      ctl[b + STORE] = store.id;
      ctl[b + NARGS] = c.args.length;
      const o = (b >> 1) + ARG0_F64;
      for (let j = 0; j < c.args.length; j++) f64[o + j] = c.args[j];
      Atomics.store(ctl, b + STATE, POSTED);
      Atomics.add(ctl, b + SEQ, 1);
      Atomics.notify(ctl, b + SEQ);
      posted.push(w);
    }
    const t0 = performance.now();
    k[calls[0].fn](...calls[0].args);
    const own = performance.now() - t0;
    const st = this.stats;
    st.regions++;
    st.posted += posted.length;
    st.ownMs += own;
    let failure: string | null = null;
    for (let i = 1; i < n; i++) {
      const w = i - 1;
      const b = w * SLOT_WORDS;
      if (!posted.includes(w)) {
        k[calls[i].fn](...calls[i].args);
        continue;
      }
      // Not claimed within as long as the caller's own shard took (a sleeping worker wakes in tens of
      // microseconds): running it here is then no slower than waiting for the worker to do it.
      if (Atomics.load(ctl, b + STATE) === POSTED) {
        const grace = performance.now() + (this.claimGraceMs ?? Math.min(own, 2));
        while (Atomics.load(ctl, b + STATE) === POSTED && performance.now() < grace) {}
      }
      if (Atomics.compareExchange(ctl, b + STATE, POSTED, TAKEN) === POSTED) {
        st.takenBack++;
        k[calls[i].fn](...calls[i].args);
        Atomics.store(ctl, b + STATE, IDLE);
        continue;
      }
      const w0 = performance.now();
      const state = this.await(w, own);
      st.waitMs += performance.now() - w0;
      if (state === DONE) {
        Atomics.store(ctl, b + STATE, IDLE);
        continue;
      }
      if (state === FAILED) {
        const bytes = this.err.slice(w * 256, w * 256 + 256);
        const end = bytes.indexOf(0);
        failure ??=
          `worker ${w + 1} of ${this.size} failed in ${calls[i].fn}: ` +
          `${new TextDecoder().decode(bytes.subarray(0, end < 0 ? 256 : end))}`;
      } else
        failure ??=
          `worker ${w + 1} of ${this.size} stopped during ${calls[i].fn} ` + '(it was terminated or ran out of memory)';
    }
    if (failure) {
      this.shutdown(failure);
      throw new LstmWasmError(
        `${where}: ${failure}; this call had no effect on the weights, and the next call starts a fresh thread pool`,
      );
    }
  }

  /** Waits for worker w's claimed call: DONE, FAILED, or -1 if the worker died. */
  private await(w: number, ownMs: number): number {
    const b = w * SLOT_WORDS;
    const { ctl } = this;
    const block = canBlock();
    const t0 = performance.now();
    const limit = Math.max(DEAD_AFTER_MS, 50 * ownMs);
    for (;;) {
      const s = Atomics.load(ctl, b + STATE);
      if (s === DONE || s === FAILED) return s;
      if (Atomics.load(ctl, b + DEAD)) {
        const again = Atomics.load(ctl, b + STATE);
        return again === DONE || again === FAILED ? again : -1;
      }
      const waited = performance.now() - t0;
      if (waited > limit) return -1;
      // Spin while the worker is likely near the end of its equal share, then sleep in slices.
      if (block && waited > 0.2) Atomics.wait(ctl, b + STATE, s, 20);
    }
  }
}

let pool: Pool | null = null;
let poolNames: string[] | null = null;

/** The process's pool with `workers` workers (a fresh one after a fault or for a larger count). */
export function getPool(workers: number, names: string[]): Pool | null {
  if (workers <= 0) return null;
  const same = poolNames !== null && poolNames.length === names.length && poolNames.every((n, i) => n === names[i]);
  if (pool && !pool.broken && pool.size >= workers && same) return pool;
  if (pool && !pool.broken) pool.shutdown('replaced by a larger pool');
  poolNames = names;
  try {
    pool = new Pool(workers, names);
  } catch {
    pool = null;
  }
  return pool;
}

/** The pool as it is (testing and runtimeInfo): null before any store used threads. */
export function currentPool(): Pool | null {
  return pool && !pool.broken ? pool : null;
}
