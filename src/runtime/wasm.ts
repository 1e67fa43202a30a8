// Loading the WebAssembly module: one compiled Module per process, one Instance (and so one Memory)
// per store (a set of models built from the same layers). The relaxed-SIMD build (fused
// multiply-add) is chosen where the runtime validates it. The module imports its memory
// ("env.memory"), declared shared: with threads, the memory is a shared WebAssembly.Memory that the
// pool's workers instantiate the same module on (src/runtime/pool.ts). Where SharedArrayBuffer is
// unavailable (a page that is not cross-origin isolated) or one thread runs, the memory
// declaration is rewritten to an unshared one before compiling (unsharedMemoryImport): the code is
// the same, and the module uses no atomic instruction, so it validates either way.
import { RELAXED_WASM_BASE64, SIMD_WASM_BASE64 } from './wasm-bytes.generated.js';
import type { Kernels } from './kernels.js';
import { LstmWasmError, checkOptions, describe } from '../errors.js';
import { currentPool } from './pool.js';

// The WebAssembly types these declarations name, declared for projects compiled without the DOM
// library (Node projects with only @types/node have no WebAssembly namespace). Where the DOM
// library is present, these empty interfaces merge with its own and change nothing.
declare global {
  namespace WebAssembly {
    interface Module {}
    interface Memory {}
  }
}

/**
 * Options of init(): `relaxedSimd` ('auto' picks relaxed-SIMD where the runtime validates it),
 * `wasm` (your own bytes or compiled module).
 */
export interface InitOptions {
  /** Bring your own bytes (or compiled module) instead of the embedded build. */
  wasm?: ArrayBuffer | ArrayBufferView | WebAssembly.Module;
  /** 'auto' (default) picks relaxed-SIMD where the runtime accepts it; false forces the plain SIMD build. */
  relaxedSimd?: 'auto' | boolean;
  /**
   * How many threads the kernels run on. 'auto' (default): every core in Node, Deno and Bun; in a
   * browser, `navigator.hardwareConcurrency` when the page is `crossOriginIsolated`, else 1. A
   * number asks for that many (1 = no workers). runtimeInfo() says what runs and why.
   */
  threads?: number | 'auto';
}

/** What runtimeInfo() says: the build that runs and what the runtime supports. */
export interface RuntimeInfo {
  /** Which build runs: 'relaxed-simd' (fused multiply-add) or 'simd'. */
  build: 'relaxed-simd' | 'simd' | 'custom';
  simd: boolean;
  relaxedSimd: boolean;
  /** How many threads the kernels run on (1: no workers). */
  threads: number;
  /** Why that many, e.g. '2: every core (os.availableParallelism)' or '1: SharedArrayBuffer unavailable; …'. */
  threadsReason: string;
  /** Workers of the thread pool that have started (they start with the first model; 0 with one thread). */
  workersStarted?: number;
  /** Kernel calls the workers have run so far: how to see that the threads work. */
  workerCalls?: number;
}

// The smallest module that uses one relaxed-SIMD instruction (f32x4.relaxed_madd): validating it
// tells whether this runtime has relaxed-SIMD, without compiling anything large.
const ZERO16 = new Array<number>(16).fill(0);
const RELAXED_PROBE = new Uint8Array([
  0x00,
  0x61,
  0x73,
  0x6d,
  0x01,
  0x00,
  0x00,
  0x00,
  0x01,
  0x05,
  0x01,
  0x60,
  0x00,
  0x01,
  0x7b,
  0x03,
  0x02,
  0x01,
  0x00,
  0x0a,
  0x3d,
  0x01,
  0x3b,
  0x00,
  0xfd,
  0x0c,
  ...ZERO16,
  0xfd,
  0x0c,
  ...ZERO16,
  0xfd,
  0x0c,
  ...ZERO16,
  0xfd,
  0x85,
  0x02,
  0x0b,
]);

let compiled: {
  module: WebAssembly.Module;
  info: RuntimeInfo;
  /** The memory the module imports is shared (workers can run on it). */
  shared: boolean;
  /** The module imports its memory (every build since threads; a custom old one may not). */
  importsMemory: boolean;
} | null = null;

function decodeBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Whether this runtime validates relaxed-SIMD WebAssembly (Node 22+, Deno, Bun, Chromium; Node 20 behind a flag). */
export function relaxedSimdSupported(): boolean {
  return WebAssembly.validate(RELAXED_PROBE);
}

function leb(bytes: Uint8Array, at: number): [value: number, next: number] {
  let v = 0,
    shift = 0,
    b: number;
  do {
    if (at >= bytes.length) throw new LstmWasmError('init: the WebAssembly bytes end inside a number');
    b = bytes[at++];
    v += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return [v, at];
}

/**
 * Where the limits flags byte of the imported memory is in a module's bytes (-1: it imports no
 * memory). Walks the sections to the import section and its entries (spec §5.5.5).
 */
export function memoryImportFlagsAt(bytes: Uint8Array): number {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d)
    throw new LstmWasmError('init: these bytes are not a WebAssembly module (no \\0asm header)');
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at];
    const [size, body] = leb(bytes, at + 1);
    if (id === 2) {
      let [count, p] = leb(bytes, body);
      for (; count > 0; count--) {
        let n: number;
        [n, p] = leb(bytes, p); // module name
        p += n;
        [n, p] = leb(bytes, p); // field name
        p += n;
        const kind = bytes[p++];
        if (kind === 0x02) return p; // memory: limits follow
        if (kind === 0x00)
          [, p] = leb(bytes, p); // function: type index
        else if (kind === 0x01) {
          p++; // table: element type, then limits
          const flags = bytes[p++];
          [, p] = leb(bytes, p);
          if (flags & 1) [, p] = leb(bytes, p);
        } else if (kind === 0x03)
          p += 2; // global: value type, mutability
        else if (kind === 0x04)
          p += 2; // tag: attribute, type index (one byte for small indices)
        else return -1;
      }
      return -1;
    }
    at = body + size;
  }
  return -1;
}

/** The same module with its imported memory declared unshared (for runtimes without SharedArrayBuffer). */
export function unsharedMemoryImport(bytes: Uint8Array): Uint8Array {
  const at = memoryImportFlagsAt(bytes);
  if (at < 0 || (bytes[at] & 2) === 0) return bytes;
  const out = bytes.slice();
  out[at] &= ~2;
  return out;
}

type BuildInfo = Pick<RuntimeInfo, 'build' | 'simd' | 'relaxedSimd'>;

function choose(options: InitOptions): { bytes: Uint8Array | WebAssembly.Module; info: BuildInfo } {
  if (options === null || typeof options !== 'object')
    throw new LstmWasmError(
      `init: expected an options object such as { relaxedSimd: 'auto' }, got ${describe(options)}`,
    );
  checkOptions('init', options, ['wasm', 'relaxedSimd', 'threads']);
  if (options.wasm !== undefined) {
    if (
      !(
        options.wasm instanceof WebAssembly.Module ||
        ArrayBuffer.isView(options.wasm) ||
        options.wasm instanceof ArrayBuffer
      )
    ) {
      throw new LstmWasmError(
        `init: option 'wasm' must be an ArrayBuffer, a typed array or a WebAssembly.Module, got ${typeof options.wasm}`,
      );
    }
    return {
      bytes:
        options.wasm instanceof WebAssembly.Module
          ? options.wasm
          : options.wasm instanceof ArrayBuffer
            ? new Uint8Array(options.wasm)
            : new Uint8Array(options.wasm.buffer, options.wasm.byteOffset, options.wasm.byteLength),
      info: { build: 'custom', simd: true, relaxedSimd: false },
    };
  }
  const want = options.relaxedSimd ?? 'auto';
  if (want !== 'auto' && typeof want !== 'boolean') {
    throw new LstmWasmError(`init: option 'relaxedSimd' must be 'auto', true or false, got ${describe(want)}`);
  }
  const relaxed = want === 'auto' ? relaxedSimdSupported() : want;
  if (relaxed && !relaxedSimdSupported()) {
    throw new LstmWasmError(
      'init: relaxedSimd: true was asked for, but this runtime does not ' +
        'validate relaxed-SIMD (Node 20 needs --experimental-wasm-relaxed-simd)',
    );
  }
  return relaxed
    ? { bytes: decodeBase64(RELAXED_WASM_BASE64), info: { build: 'relaxed-simd', simd: true, relaxedSimd: true } }
    : { bytes: decodeBase64(SIMD_WASM_BASE64), info: { build: 'simd', simd: true, relaxedSimd: false } };
}

/** Whether this agent can share memory with workers, and if not why (for runtimeInfo). */
function sharingUnavailable(): string | null {
  if (typeof SharedArrayBuffer === 'undefined')
    return typeof window !== 'undefined' || typeof document !== 'undefined'
      ? 'SharedArrayBuffer unavailable; serve the page with the headers ' +
          'Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp'
      : 'SharedArrayBuffer unavailable in this runtime';
  const g = globalThis as { crossOriginIsolated?: boolean; document?: unknown };
  if (g.document !== undefined && g.crossOriginIsolated === false)
    return (
      'the page is not crossOriginIsolated; serve it with the headers ' +
      'Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp'
    );
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true } as WebAssembly.MemoryDescriptor);
  } catch {
    return 'this runtime cannot make a shared WebAssembly.Memory';
  }
  return null;
}

function resolveThreads(want: InitOptions['threads']): { threads: number; reason: string } {
  if (
    want !== undefined &&
    want !== 'auto' &&
    !(Number.isInteger(want) && (want as number) >= 1 && (want as number) <= 256)
  )
    throw new LstmWasmError(`init: option 'threads' must be 'auto' or an integer from 1 to 256, got ${describe(want)}`);
  const no = sharingUnavailable();
  const cores = coreCount();
  if (want === 1) return { threads: 1, reason: '1: asked for (threads: 1)' };
  if (no) return { threads: 1, reason: `1: ${no}` };
  if (typeof want === 'number') return { threads: want, reason: `${want}: asked for (threads: ${want})` };
  if (cores.n <= 1) return { threads: 1, reason: `1: one core (${cores.how})` };
  return { threads: cores.n, reason: `${cores.n}: every core (${cores.how})` };
}

function coreCount(): { n: number; how: string } {
  const g = globalThis as {
    navigator?: { hardwareConcurrency?: number };
    process?: { getBuiltinModule?: (id: string) => { availableParallelism?: () => number } | undefined };
  };
  const os = g.process?.getBuiltinModule?.('node:os');
  if (os?.availableParallelism) return { n: os.availableParallelism(), how: 'os.availableParallelism()' };
  const hc = g.navigator?.hardwareConcurrency;
  if (typeof hc === 'number' && hc >= 1) return { n: hc, how: 'navigator.hardwareConcurrency' };
  return { n: 1, how: 'the runtime does not say how many cores it has' };
}

function settle(options: InitOptions, compile: (b: Uint8Array) => WebAssembly.Module | Promise<WebAssembly.Module>) {
  const { bytes, info } = choose(options);
  const t = resolveThreads(options.threads);
  let importsMemory = true;
  let shared = t.threads > 1;
  let source: Uint8Array | WebAssembly.Module = bytes;
  if (!(bytes instanceof WebAssembly.Module)) {
    const at = memoryImportFlagsAt(bytes);
    importsMemory = at >= 0;
    const declaredShared = importsMemory && (bytes[at] & 2) !== 0;
    if (!declaredShared) shared = false;
    else if (!shared) source = unsharedMemoryImport(bytes);
  } else {
    // A compiled module cannot be rewritten: its memory import is what it is.
    const imp = WebAssembly.Module.imports(bytes).find((d) => d.kind === 'memory');
    importsMemory = imp !== undefined;
    shared = importsMemory && t.threads > 1;
  }
  const threads = shared ? t.threads : 1;
  const reason = shared || t.threads === 1 ? t.reason : '1: this WebAssembly module does not share its memory';
  const done = (module: WebAssembly.Module) => {
    compiled = { module, info: { ...info, threads, threadsReason: reason }, shared, importsMemory };
    return compiled.info;
  };
  const m = source instanceof WebAssembly.Module ? source : compile(source);
  return m instanceof Promise ? m.then(done) : done(m);
}

const sameAsBefore = (options: InitOptions) =>
  compiled !== null && options !== null && typeof options === 'object' && Object.keys(options).length === 0;

/**
 * Compiles the WebAssembly module once; later calls return at once. Models made before a later
 * init() keep the module and threads they had.
 */
export async function init(options: InitOptions = {}): Promise<RuntimeInfo> {
  if (sameAsBefore(options)) return compiled!.info;
  return settle(options, (b) => WebAssembly.compile(b as BufferSource));
}

/** The synchronous form of init(), for runtimes that allow synchronous compilation (Node, Deno, workers). */
export function initSync(options: InitOptions = {}): RuntimeInfo {
  if (sameAsBefore(options)) return compiled!.info;
  return settle(options, (b) => new WebAssembly.Module(b as BufferSource)) as RuntimeInfo;
}

/**
 * Which build runs (`build`: relaxed-simd or simd), how many threads and why, and what the runtime
 * supports, after init(); null before.
 */
export function runtimeInfo(): RuntimeInfo | null {
  if (!compiled) return null;
  const p = currentPool();
  return {
    ...compiled.info,
    workersStarted: p ? p.startedCount() : 0,
    workerCalls: p ? p.callsRun().reduce((a, b) => a + b, 0) : 0,
  };
}

// wasm32: at most 65536 pages of 64 KiB (what assembly/ declares as its maximum).
const MAX_PAGES = 65536;

/** What a store needs to run on workers: the module, its memory and the thread count. */
export interface Instantiated {
  k: Kernels;
  module: WebAssembly.Module;
  /** Shared memory (workers may run on it), or null. */
  memory: WebAssembly.Memory | null;
  threads: number;
  /** Names this memory for the thread pool (the workers keep an instance on it). */
  id: number;
}

let nextMemoryId = 1;
/**
 * Shared memories of freed stores, kept for the next store. V8 collects a shared
 * WebAssembly.Memory late (its bytes do not count as pressure on the heap that holds it), and the
 * workers each hold an instance on it: a loop that makes and disposes models (a search over
 * hyperparameters) grew by a whole memory per model. Reused, a memory costs nothing more, and the
 * workers' instances on it stay valid. At most MAX_SPARE are kept; the rest are let go.
 */
const spares: Instantiated[] = [];
const MAX_SPARE = 4;

/**
 * An instance with its own memory (a kept one, zeroed, where one fits). Compiles synchronously on
 * first use if init() was not awaited.
 */
export function instantiate(): Instantiated {
  if (!compiled) initSync();
  const c = compiled!;
  if (c.shared) {
    // The one freed last: its pages are the likeliest to be warm.
    let i = spares.length - 1;
    while (i >= 0 && !(spares[i].module === c.module && spares[i].threads === c.info.threads)) i--;
    if (i >= 0) {
      const x = spares.splice(i, 1)[0];
      // As a fresh memory: zero above the static data (which the instance keeps).
      new Uint8Array(x.k.memory.buffer).fill(0, x.k.heap_base());
      return x;
    }
  }
  let memory: WebAssembly.Memory | null = null;
  const imports: WebAssembly.Imports = {};
  if (c.importsMemory) {
    memory = new WebAssembly.Memory({
      initial: 1,
      maximum: MAX_PAGES,
      shared: c.shared,
    } as WebAssembly.MemoryDescriptor);
    imports.env = { memory };
  }
  const instance = new WebAssembly.Instance(c.module, imports);
  const k = instance.exports as unknown as Kernels;
  return { k, module: c.module, memory: c.shared ? memory : null, threads: c.info.threads, id: nextMemoryId++ };
}

/** A store is freed: keeps its shared memory for the next store. False: let go (unshared, or enough kept). */
export function recycle(x: Instantiated): boolean {
  if (!x.memory || spares.length >= MAX_SPARE || spares.includes(x)) return false;
  spares.push(x);
  return true;
}
