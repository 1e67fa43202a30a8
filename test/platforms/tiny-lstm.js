// One small, seeded LSTM job that every platform runs the same way: Node (test/deno.test.ts itself),
// Deno (deno-check.ts) and the installed package (test/pack.test.ts). The inputs are computed with
// plain arithmetic from the seed, so each runtime builds exactly the same numbers; with the same
// build (plain SIMD or relaxed-SIMD) and the same seed the results agree to float32 rounding.
//
// It takes the library as an argument (`lib`: the module namespace of lstm-wasm), so the same code
// tests whichever copy was imported: dist/index.js, dist/index.cjs or an installed tarball.

/** Sequences of a noisy sine: x [n, T, 1], y [n, 1] (the next value). */
export function sineData(n = 64, T = 12) {
  const x = new Float32Array(n * T);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const phase = (i * 0.37) % (2 * Math.PI);
    for (let t = 0; t < T; t++) x[i * T + t] = Math.sin(phase + t * 0.45) * 0.8;
    y[i] = Math.sin(phase + T * 0.45) * 0.8;
  }
  return { x: { data: x, shape: [n, T, 1] }, y: { data: y, shape: [n, 1] } };
}

/**
 * Trains LSTM(8) + Dense(1) on sineData with a fixed seed and returns the loss per epoch, the
 * predictions for the first 4 sequences and which build ran. `relaxedSimd` as init()'s option.
 */
export async function trainTinyLstm(lib, { relaxedSimd = false, epochs = 8, seed = 42 } = {}) {
  const info = await lib.init({ relaxedSimd });
  const { x, y } = sineData();
  const model = new lib.Sequential({ seed });
  model.add(new lib.LSTM({ units: 8, inputShape: [12, 1] }));
  model.add(new lib.Dense({ units: 1 }));
  model.compile({ optimizer: { name: 'adam', learningRate: 0.02 }, loss: 'meanSquaredError' });
  const history = await model.fit(x, y, { epochs, batchSize: 16, shuffle: true, seed, verbose: 0, yieldEvery: 'never' });
  const probe = { data: x.data.slice(0, 4 * 12), shape: [4, 12, 1] };
  const predictions = Array.from(model.predict(probe).data);
  model.dispose();
  return { build: info.build, losses: history.history.loss, predictions, targets: Array.from(y.data.slice(0, 4)) };
}
