// Activation names (TF.js and Keras spellings) to the kernels' codes (assembly/README.md).
import { LstmWasmError, describe } from '../errors.js';

import { ACT } from '../runtime/abi.js';
export { ACT };
export type ActivationName = keyof typeof ACT;

const ALIASES: Record<string, ActivationName> = {
  linear: 'linear',
  relu: 'relu',
  sigmoid: 'sigmoid',
  tanh: 'tanh',
  softmax: 'softmax',
  hardSigmoid: 'hardSigmoid',
  hard_sigmoid: 'hardSigmoid',
  hardsigmoid: 'hardSigmoid',
};

export function activation(
  where: string,
  option: string,
  v: unknown,
  dflt: ActivationName,
  allowed: ActivationName[],
): ActivationName {
  if (v === undefined || v === null) return dflt;
  const name = typeof v === 'string' && Object.hasOwn(ALIASES, v) ? ALIASES[v] : undefined;
  if (!name || !allowed.includes(name)) {
    throw new LstmWasmError(
      `${where}: option '${option}' must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describe(v)}`,
    );
  }
  return name;
}
