// onnxruntime-web (WebAssembly SIMD) running /work/shared/bench-models/lstm-{S,M,L}.onnx: one ONNX
// LSTM operator each, input x [T, B, I] time-major, outputs y, h, c. Inference only, and no Dense
// head (a [B, H] × [H, 1] product: negligible beside the LSTM). This peer runs one thread
// (numThreads = 1); peers/ort-threads.js is the same with two (ortPeer({ threads: 2 })).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** The shared models sit beside the project: ../shared/bench-models from the project root. */
export function findModelsDir(root) {
  const candidates = [process.env.BENCH_MODELS_DIR, resolve(root, '../shared/bench-models'), '/work/shared/bench-models'];
  return candidates.find((d) => d && existsSync(resolve(d, 'lstm-S.onnx'))) ?? null;
}

/** Threads of this process as the OS sees them (Linux: /proc/self/task), or null elsewhere. */
export function osThreads() {
  try {
    return readdirSync('/proc/self/task').length;
  } catch {
    return null;
  }
}

/** The ORT peer on `threads` threads (ort.env.wasm.numThreads and the session's intraOpNumThreads). */
export function ortPeer({ id, label, threads }) {
  let ort = null;
  let modelsDir = null;
  let osThreadsBefore = null;
  const peer = {
    id,
    label,

    async load({ root }) {
      modelsDir = findModelsDir(root);
      if (!modelsDir) throw new Error('the ONNX models lstm-{S,M,L}.onnx were not found in ../shared/bench-models (set BENCH_MODELS_DIR to their directory)');
      osThreadsBefore = osThreads();
      ort = await import('onnxruntime-web');
      ort.env.wasm.numThreads = threads;
      ort.env.wasm.proxy = false;
      ort.env.logLevel = 'error';
      return { version: ort.env.versions?.web ?? '?', build: 'wasm-simd', threads: ort.env.wasm.numThreads, models: modelsDir };
    },

    supports(c) {
      if (c.mode === 'train') return 'onnxruntime-web is inference-only';
      if (c.arch === 'seq2seq') return 'no encoder-decoder among the shared ONNX models (they are one LSTM operator each)';
      if (c.arch === 'conv-lstm') return 'no Conv1D + LSTM model among the shared ONNX models (they are one LSTM operator each)';
      if (c.arch === 'mha') return 'no attention model among the shared ONNX models (they are one LSTM operator each)';
      if (c.mode === 'step') return 'the ONNX models take only x (no initial_h/initial_c inputs), so no stateful step';
      if (c.cell !== 'lstm') return 'no GRU model among the shared ONNX models';
      if (!existsSync(resolve(modelsDir, `lstm-${c.size}.onnx`))) return `lstm-${c.size}.onnx is missing`;
      return true;
    },

    async prepare(c, data) {
      const { B, T, I, H } = c;
      const file = resolve(modelsDir, `lstm-${c.size}.onnx`);
      const session = await ort.InferenceSession.create(readFileSync(file), {
        executionProviders: ['wasm'],
        graphOptimizationLevel: 'all',
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
      });
      const meta = session.inputMetadata?.[0];
      if (meta?.shape && meta.shape.join() !== [T, B, I].join()) throw new Error(`${file} takes x of shape [${meta.shape}], the case needs [${T}, ${B}, ${I}]`);
      // Our inputs are batch-major [B, T, I]; ONNX's LSTM takes [T, B, I].
      const xt = new Float32Array(B * T * I);
      for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) for (let i = 0; i < I; i++) xt[(t * B + b) * I + i] = data.x[(b * T + t) * I + i];
      const feeds = { x: new ort.Tensor('float32', xt, [T, B, I]) };
      // Only the last hidden state is fetched, as our predict returns only the last step's output.
      const out = await session.run(feeds, ['h']);
      if (out.h.dims.join() !== [1, B, H].join()) throw new Error(`output h has shape [${out.h.dims}], expected [1, ${B}, ${H}]`);
      for (const v of out.h.data) if (!Number.isFinite(v)) throw new Error(`output h holds ${v}`);
      // Whether ORT really started threads here: its numThreads after the session ran (it lowers it
      // where it cannot thread) and the OS threads it added to this process.
      const after = osThreads();
      const threading = { numThreads: ort.env.wasm.numThreads, osThreadsAdded: after === null || osThreadsBefore === null ? null : after - osThreadsBefore };
      return {
        call: () => session.run(feeds, ['h']),
        async: true,
        dispose: () => session.release(),
        threading,
      };
    },
  };
  return peer;
}

export default ortPeer({ id: 'ort', label: 'onnxruntime-web', threads: 1 });
