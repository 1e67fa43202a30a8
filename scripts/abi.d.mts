// Types for scripts/abi.mjs (used by test/abi.test.ts).
export const ABI_SOURCE: string;
export const ABI_GENERATED: string;
/**
 * The text of src/runtime/abi.generated.ts for the given text of assembly/abi.ts; throws on a line
 * it does not understand.
 */
export function abiModule(source: string): string;
