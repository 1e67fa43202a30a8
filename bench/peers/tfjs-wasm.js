// TensorFlow.js layers on its WebAssembly backend (@tensorflow/tfjs-backend-wasm, one thread).
// tfjsPeer(backend) is shared with tfjs-cpu.js: only the backend differs.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { LEARNING_RATE } from '../cases.js';

const require = createRequire(import.meta.url);

export function tfjsPeer(backend) {
  let tf = null;
  return {
    id: `tfjs-${backend}`,
    label: `TF.js ${backend}`,

    async load() {
      tf = await import('@tensorflow/tfjs');
      const info = { version: tf.version.tfjs, backend };
      if (backend === 'wasm') {
        const wasm = await import('@tensorflow/tfjs-backend-wasm');
        // In Node the backend reads its .wasm files from disk: a directory path with a trailing
        // slash works as the prefix it appends the file names to.
        const dir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/';
        wasm.setWasmPaths(dir);
        wasm.setThreadsCount(1);
        info.wasmVersion = wasm.version_wasm;
      }
      if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
      await tf.ready();
      if (tf.getBackend() !== backend) throw new Error(`TF.js runs on '${tf.getBackend()}', not '${backend}'`);
      // Production mode: no debug assertions, as a deployed app would run.
      tf.enableProdMode();
      if (backend === 'wasm') {
        info.simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
        info.multithread = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
        const wasm = await import('@tensorflow/tfjs-backend-wasm');
        info.threads = wasm.getThreadsCount ? wasm.getThreadsCount() : 1;
        if (info.threads !== 1) throw new Error(`the wasm backend uses ${info.threads} threads, not 1`);
      }
      info.build = backend === 'wasm' ? (info.simd ? 'wasm-simd' : 'wasm') : 'js';
      return info;
    },

    supports() {
      return true;
    },

    async prepare(c, data) {
      const { B, T, I, H } = c;
      const Cell = c.cell === 'gru' ? tf.layers.gru : tf.layers.lstm;
      // glorotUniform instead of the default orthogonal recurrent initializer: TF.js's orthogonal
      // init of a 512×2048 matrix takes seconds and does not change the speed of anything measured.
      const common = { units: H, recurrentInitializer: 'glorotUniform' };
      const model = tf.sequential();
      const before = tf.memory().numTensors;
      if (c.mode === 'step') {
        model.add(Cell({ ...common, stateful: true, batchInputShape: [B, 1, I] }));
        model.add(tf.layers.dense({ units: 1 }));
        const xs = data.steps.map((s) => tf.tensor3d(s, [B, 1, I]));
        let i = 0;
        const call = () => {
          const p = model.predict(xs[i++ & (xs.length - 1)]);
          const out = p.dataSync();
          p.dispose();
          return out;
        };
        checkOutput(call(), B);
        return { call, dispose: () => { xs.forEach((t) => t.dispose()); model.dispose(); leakCheck(tf, before); } };
      }
      model.add(Cell({ ...common, inputShape: [T, I] }));
      model.add(tf.layers.dense({ units: 1 }));
      const x = tf.tensor3d(data.x, [B, T, I]);
      if (c.mode === 'infer') {
        const call = () => {
          const p = model.predict(x, { batchSize: B });
          const out = p.dataSync();
          p.dispose();
          return out;
        };
        checkOutput(call(), B);
        return { call, dispose: () => { x.dispose(); model.dispose(); leakCheck(tf, before); } };
      }
      const y = tf.tensor2d(data.y, [B, 1]);
      model.compile({ optimizer: tf.train.adam(LEARNING_RATE), loss: 'meanSquaredError' });
      const loss = await model.trainOnBatch(x, y);
      if (!Number.isFinite(loss)) throw new Error(`trainOnBatch: loss is ${loss}`);
      return {
        call: () => model.trainOnBatch(x, y),
        async: true,
        dispose: () => { x.dispose(); y.dispose(); model.optimizer.dispose(); model.dispose(); },
      };
    },
  };
}

function checkOutput(out, n) {
  if (out.length !== n) throw new Error(`expected ${n} outputs, got ${out.length}`);
  for (const v of out) if (!Number.isFinite(v)) throw new Error(`output is ${v}`);
}

// A call that leaked tensors would make the peer look slower as memory grows: say so.
function leakCheck(tf, before) {
  const now = tf.memory().numTensors;
  if (now > before + 2) process.emitWarning(`TF.js: ${now - before} tensors left after the case`);
}

export default tfjsPeer('wasm');
