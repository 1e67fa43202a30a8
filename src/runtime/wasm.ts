// Loading the WebAssembly module: one compiled Module per process, one Instance (and so one Memory)
// per model. The relaxed-SIMD build (fused multiply-add) is chosen where the runtime validates it.
import { RELAXED_WASM_BASE64, SIMD_WASM_BASE64 } from './wasm-bytes.generated.js';
import type { Kernels } from './kernels.js';
import { LstmWasmError, checkOptions, describe } from '../errors.js';

// The WebAssembly types these declarations name, declared for projects compiled without the DOM
// library (Node projects with only @types/node have no WebAssembly namespace). Where the DOM
// library is present, these empty interfaces merge with its own and change nothing.
declare global {
  namespace WebAssembly {
    interface Module {}
    interface Memory {}
  }
}

/** Options of init(): `relaxedSimd` ('auto' picks relaxed-SIMD where the runtime validates it), `wasm` (your own bytes or compiled module). */
export interface InitOptions {
  /** Bring your own bytes (or compiled module) instead of the embedded build. */
  wasm?: ArrayBuffer | ArrayBufferView | WebAssembly.Module;
  /** 'auto' (default) picks relaxed-SIMD where the runtime accepts it; false forces the plain SIMD build. */
  relaxedSimd?: 'auto' | boolean;
}

/** What runtimeInfo() says: the build that runs and what the runtime supports. */
export interface RuntimeInfo {
  /** Which build runs: 'relaxed-simd' (fused multiply-add) or 'simd'. */
  build: 'relaxed-simd' | 'simd' | 'custom';
  simd: boolean;
  relaxedSimd: boolean;
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

let compiled: { module: WebAssembly.Module; info: RuntimeInfo } | null = null;

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

function choose(options: InitOptions): { bytes: BufferSource | WebAssembly.Module; info: RuntimeInfo } {
  if (options === null || typeof options !== 'object')
    throw new LstmWasmError(
      `init: expected an options object such as { relaxedSimd: 'auto' }, got ${describe(options)}`,
    );
  checkOptions('init', options, ['wasm', 'relaxedSimd']);
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
      bytes: options.wasm as BufferSource | WebAssembly.Module,
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
      'init: relaxedSimd: true was asked for, but this runtime does not validate relaxed-SIMD (Node 20 needs --experimental-wasm-relaxed-simd)',
    );
  }
  return relaxed
    ? { bytes: decodeBase64(RELAXED_WASM_BASE64), info: { build: 'relaxed-simd', simd: true, relaxedSimd: true } }
    : { bytes: decodeBase64(SIMD_WASM_BASE64), info: { build: 'simd', simd: true, relaxedSimd: false } };
}

/** Compiles the WebAssembly module once; later calls return at once. */
export async function init(options: InitOptions = {}): Promise<RuntimeInfo> {
  if (compiled && options !== null && typeof options === 'object' && Object.keys(options).length === 0)
    return compiled.info;
  const { bytes, info } = choose(options);
  const module = bytes instanceof WebAssembly.Module ? bytes : await WebAssembly.compile(bytes);
  compiled = { module, info };
  return info;
}

/** The synchronous form of init(), for runtimes that allow synchronous compilation (Node, Deno, workers). */
export function initSync(options: InitOptions = {}): RuntimeInfo {
  if (compiled && options !== null && typeof options === 'object' && Object.keys(options).length === 0)
    return compiled.info;
  const { bytes, info } = choose(options);
  const module = bytes instanceof WebAssembly.Module ? bytes : new WebAssembly.Module(bytes);
  compiled = { module, info };
  return info;
}

/** Which build runs (`build`: relaxed-simd or simd) and what the runtime supports, after init(); null before. */
export function runtimeInfo(): RuntimeInfo | null {
  return compiled ? compiled.info : null;
}

/** A fresh instance with its own memory. Compiles synchronously on first use if init() was not awaited. */
export function instantiate(): Kernels {
  if (!compiled) initSync();
  const instance = new WebAssembly.Instance(compiled!.module, {});
  return instance.exports as unknown as Kernels;
}
