// Run by test/runtimes.test.ts and test/deno.test.ts under Node 22, Node 24, Bun and Deno: the
// built package on two threads. Trains the same seeded LSTM on two threads and on one, twice on
// two, and prints one JSON line: what runtimeInfo() says, whether the worker ran calls, the losses.
// The process must then exit by itself (the pool keeps nothing alive).
const lib = await import('../../dist/index.js');
const info = await lib.init({ threads: 2, relaxedSimd: false });
const B = 16,
  T = 20,
  I = 8,
  H = 64;
const x = { data: new Float32Array(B * T * I).map((_, i) => Math.sin(i * 0.37)), shape: [B, T, I] };
const y = { data: new Float32Array(B).map((_, i) => Math.cos(i)), shape: [B, 1] };
function run(threads) {
  const m = new lib.Sequential({ seed: 7, threads, layers: [new lib.LSTM({ units: H, inputShape: [T, I] }), new lib.Dense({ units: 1 })] });
  m.compile({ optimizer: 'adam', loss: 'mse' });
  const losses = [];
  for (let s = 0; s < 10; s++) losses.push(m.trainOnBatch(x, y));
  const tensors = m.getWeights().map((t) => Array.from(t.data));
  m.dispose();
  return { losses, tensors, w: tensors.flat() };
}
// Let the worker start (asynchronous in Deno and Bun) before the timed part.
const warm = new lib.Sequential({ layers: [new lib.LSTM({ units: H, inputShape: [T, I] })] });
for (let i = 0; i < 50 && (lib.runtimeInfo().workersStarted ?? 0) < 1; i++) {
  warm.predict(x);
  await new Promise((r) => setTimeout(r, 20));
}
const two = run(undefined),
  again = run(undefined),
  one = run(1);
// Relative to each weight tensor's largest entry (as test/threads.test.ts), and per loss.
let worst = 0;
one.tensors.forEach((a, t) => {
  const b = two.tensors[t];
  const scale = Math.max(...a.map(Math.abs));
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / scale);
});
for (let i = 0; i < one.losses.length; i++) worst = Math.max(worst, Math.abs(one.losses[i] - two.losses[i]) / Math.abs(one.losses[i]));
const after = lib.runtimeInfo();
const runtime = typeof Deno !== 'undefined' ? `deno ${Deno.version.deno}` : typeof Bun !== 'undefined' ? `bun ${Bun.version}` : `node ${process.version}`;
console.log(
  JSON.stringify({
    runtime,
    threads: info.threads,
    reason: info.threadsReason,
    workersStarted: after.workersStarted,
    workerCalls: after.workerCalls,
    sameTwice: JSON.stringify(two.w) === JSON.stringify(again.w) && JSON.stringify(two.losses) === JSON.stringify(again.losses),
    oneVsTwo: worst,
    lossFell: two.losses.at(-1) < two.losses[0],
  }),
);
