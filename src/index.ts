// The public surface of lstm-wasm, and nothing else.
export { init, initSync, runtimeInfo, relaxedSimdSupported } from './runtime/wasm.js';
export type { InitOptions, RuntimeInfo } from './runtime/wasm.js';
