// lstm-wasm as it was before the graph engine (main at the commit bench/build-previous.mjs builds
// into a temp folder): the Sequential S, M, L cases beside today's, in the same run and build,
// for the "within 3% of today's".
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DIR as PREVIOUS_DIR } from '../build-previous.mjs';
import ours from './ours.js';

export default {
  id: 'ours-previous',
  label: 'lstm-wasm previous',

  async load(args) {
    const libPath = resolve(PREVIOUS_DIR, 'dist', 'index.js');
    if (!existsSync(libPath)) throw new Error(`${libPath} is missing: run node bench/build-previous.mjs (npm run bench does)`);
    const info = await ours.load({ ...args, libPath, root: PREVIOUS_DIR });
    return { ...info, version: `${info.version} (${readCommit()})` };
  },

  supports(c) {
    if (c.arch === 'conv-lstm' || c.arch === 'mha') return 'the code before the graph engine has no Conv1D, pooling or attention layers';
    return c.arch !== 'seq2seq' && (c.mode === 'infer' || c.mode === 'train') && c.cell !== 'gru';
  },

  prepare(c, data) {
    return ours.prepare(c, data);
  },
};

function readCommit() {
  try {
    return JSON.parse(readFileSync(resolve(PREVIOUS_DIR, 'bench-previous.json'), 'utf8')).commit.slice(0, 7);
  } catch {
    return 'previous';
  }
}
