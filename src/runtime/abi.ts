// The kernels' ABI constants as src/ uses them, grouped; the values come from
// abi.generated.ts, which scripts/build-wasm.mjs makes from assembly/abi.ts (the one source).
import * as G from './abi.generated.js';

export const ACT = {
  linear: G.ACT_LINEAR,
  relu: G.ACT_RELU,
  sigmoid: G.ACT_SIGMOID,
  tanh: G.ACT_TANH,
  hardSigmoid: G.ACT_HARD_SIGMOID,
  softmax: G.ACT_SOFTMAX,
} as const;
export const FLAG = {
  peephole: G.FLAG_PEEPHOLE,
  resetAfter: G.FLAG_RESET_AFTER,
  goBackwards: G.FLAG_GO_BACKWARDS,
  packed: G.FLAG_PACKED,
} as const;
export const MERGE = { concat: G.MERGE_CONCAT, sum: G.MERGE_SUM, mul: G.MERGE_MUL, ave: G.MERGE_AVE } as const;
export const EW = {
  add: G.EW_ADD,
  subtract: G.EW_SUB,
  multiply: G.EW_MUL,
  maximum: G.EW_MAX,
  minimum: G.EW_MIN,
} as const;
