import { defineConfig } from 'vitest/config';

// The smallest module with one relaxed-SIMD instruction (as src/runtime/wasm.ts): Node 20 validates
// it only behind --experimental-wasm-relaxed-simd; Node 22 and later run it by default and refuse
// that flag ("bad option"), so it is passed only where it is needed.
const Z16 = new Array(16).fill(0);
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00,
  0x0a, 0x3d, 0x01, 0x3b, 0x00, 0xfd, 0x0c, ...Z16, 0xfd, 0x0c, ...Z16, 0xfd, 0x0c, ...Z16, 0xfd, 0x85, 0x02, 0x0b,
]);
const relaxedNeedsFlag = !WebAssembly.validate(RELAXED_PROBE);

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Node 20 runs relaxed-SIMD only behind this flag: with it, the tests check both builds.
    execArgv: relaxedNeedsFlag ? ['--experimental-wasm-relaxed-simd'] : [],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
