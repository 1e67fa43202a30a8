// The page's thread: it only draws and forwards clicks. Training, prediction and the gate
// read-out all run in worker.js, so the page stays responsive however long training takes.
// `window.__demo` exposes what happened (build, timings, losses, what was drawn, errors) for the
// browser test (test/browser.test.ts) and for anyone curious in the console.
//
// URL parameters: ?epochs=N (CO2, default 60), textEpochs, textSamples, autostart=0 (do not start
// training on load), bench=0 (do not time the S case on load).
import { lineChart, gateHeatmap, attentionMap, inkFraction, placeholder } from './plot.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const num = (name, dflt) => (params.has(name) && Number.isFinite(Number(params.get(name))) ? Number(params.get(name)) : dflt);

const demo = {
  runtime: null, relaxedSimdSupported: null, bench: null, errors: [],
  co2: { state: 'idle', batchLoss: [], epochs: [], forecast: null, done: null, inspected: 0, data: null },
  text: { state: 'idle', batchLoss: [], epochs: [], samples: [], done: null, data: null },
  spell: { state: 'idle', batchLoss: [], epochs: [], done: null, data: null, decoded: [], steps: [] },
  pings: [], maxFrameGapMs: 0, maxFrameGapWhileTrainingMs: 0,
  drawn: {},
  /** The fraction of each chart's pixels that are drawn on (read back on demand, not while training). */
  ink: () => Object.fromEntries(['co2-loss', 'co2-forecast', 'co2-gates', 'text-loss', 'spell-loss', 'spell-map'].map((id) => [id, inkFraction($(id))])),
};
window.__demo = demo;

$('co2-epochs').value = String(num('epochs', 60));
$('text-epochs').value = String(num('textEpochs', 8));
$('text-samples').value = String(num('textSamples', 12000));

const worker = new Worker(new URL('worker.js', location.href));
const send = (msg) => worker.postMessage(msg);
const training = () => demo.co2.state === 'training' || demo.text.state === 'training' || demo.spell.state === 'training';

function fail(message) {
  demo.errors.push(message);
  console.error(`lstm-wasm demo: ${message}`);
  const el = document.createElement('p');
  el.className = 'error';
  el.textContent = message;
  document.querySelector('main').prepend(el);
}
worker.onerror = (e) => { e.preventDefault(); fail(`worker error: ${e.message || 'failed to load worker.js'}`); };
worker.onmessageerror = () => fail('worker: a message could not be read');

// ---- is the page responsive? -----------------------------------------------------------------
// A timer that should fire every 50 ms: how late it fires is how long this thread was blocked.
let lastTick = performance.now();
setInterval(() => {
  const now = performance.now();
  const gap = now - lastTick - 50;
  lastTick = now;
  demo.maxFrameGapMs = Math.max(demo.maxFrameGapMs, gap);
  if (training()) demo.maxFrameGapWhileTrainingMs = Math.max(demo.maxFrameGapWhileTrainingMs, gap);
}, 50);
// And does the worker answer while it trains? It gets a turn between batches.
setInterval(() => { if (training()) send({ type: 'ping', t: performance.now() }); }, 500);
function showResponsiveness() {
  const p = demo.pings;
  const worst = p.length ? Math.max(...p) : NaN;
  $('responsive').textContent = `longest pause of this page while training ${Math.max(0, demo.maxFrameGapWhileTrainingMs).toFixed(0)} ms` +
    (p.length ? `; the training worker answered ${p.length} pings, slowest in ${worst.toFixed(0)} ms` : '');
}

// ---- drawing -------------------------------------------------------------------------------

function drawLoss(mode) {
  const s = demo[mode];
  const per = s.data?.batchesPerEpoch || 1;
  const series = [
    { name: 'batch', x: s.batchLoss.map((_, i) => (i + 1) / per), y: s.batchLoss, color: '#9ecae1', width: 1 },
    { name: 'epoch (training)', x: s.epochs.map((e) => e.epoch + 1), y: s.epochs.map((e) => e.loss), color: '#1f77b4', width: 2, points: true },
  ];
  if (s.epochs.some((e) => Number.isFinite(e.val_loss))) series.push({ name: 'epoch (validation)', x: s.epochs.map((e) => e.epoch + 1), y: s.epochs.map((e) => e.val_loss), color: '#d62728', width: 2, points: true });
  lineChart($(`${mode}-loss`), { title: mode === 'co2' ? 'Training loss' : 'Training loss (cross-entropy)', series, xLabel: 'epoch', logY: mode !== 'text' });
  demo.drawn[`${mode}-loss`] = (demo.drawn[`${mode}-loss`] ?? 0) + 1;
}

function drawForecast(f) {
  const idx = f.dates.map((_, i) => i);
  lineChart($('co2-forecast'), {
    title: `One month ahead, ${f.dates[0]} to ${f.dates[f.dates.length - 1]}`,
    series: [
      { name: 'measured', x: idx, y: f.truth, color: '#222', width: 1.5 },
      { name: 'LSTM forecast', x: idx, y: f.forecast, color: '#d62728', width: 1.5 },
      { name: 'naive: last month', x: idx, y: f.naive, color: '#1f77b4', width: 1, dash: [4, 3] },
    ],
    xFormat: (v) => f.dates[Math.round(v)] ?? '',
    yLabel: 'CO₂ (ppm)',
    legend: 'top-left',
  });
  demo.drawn['co2-forecast'] = (demo.drawn['co2-forecast'] ?? 0) + 1;
  $('co2-score').textContent = `Held-out months: LSTM mean absolute error ${f.mae.toFixed(3)} ppm, naive ${f.naiveMae.toFixed(3)} ppm (${(f.mae / f.naiveMae).toFixed(2)}×).`;
}

function drawGates(m) {
  gateHeatmap($('co2-gates'), { ...m, title: `Window ${m.firstDate} to ${m.lastDate} → forecast for ${m.date}` });
  $('co2-seq-label').textContent = `${m.firstDate} … ${m.lastDate} → ${m.date}`;
  demo.drawn['co2-gates'] = (demo.drawn['co2-gates'] ?? 0) + 1;
  demo.co2.inspected++;
}

function setButtons() {
  const busy = training();
  $('co2-train').disabled = busy;
  $('text-train').disabled = busy;
  $('co2-stop').disabled = demo.co2.state !== 'training';
  $('text-stop').disabled = demo.text.state !== 'training';
  $('text-generate').disabled = !demo.text.done && demo.text.epochs.length === 0;
  $('spell-train').disabled = busy;
  $('spell-stop').disabled = demo.spell.state !== 'training';
  $('spell-decode').disabled = !demo.spell.done || demo.spell.state === 'decoding';
}

function drawSpellMap() {
  const d = demo.spell.current;
  if (!d) return;
  attentionMap($('spell-map'), { letters: [...d.word], rows: d.rows, maxRows: 8, title: `${d.word} → ${d.rows.map((r) => r.phoneme).join(' ')}` });
  demo.drawn['spell-map'] = (demo.drawn['spell-map'] ?? 0) + 1;
}

// ---- messages from the worker ------------------------------------------------------------------

const fmtS = (r) => `${r.build}: predict ${r.predictMs.toFixed(2)} ms, trainOnBatch ${r.trainMs.toFixed(2)} ms`;

worker.onmessage = ({ data: m }) => {
  switch (m.type) {
    case 'ready': {
      demo.runtime = m.runtime;
      demo.relaxedSimdSupported = m.relaxedSimdSupported;
      const what = m.runtime.build === 'relaxed-simd' ? 'relaxed SIMD (fused multiply-add)' : m.runtime.build === 'simd' ? 'plain 128-bit SIMD (this browser has no relaxed SIMD)' : m.runtime.build;
      $('build').textContent = `${m.runtime.build}: ${what}`;
      if (num('bench', 1)) send({ type: 'bench' });
      else { $('timing').textContent = 'not timed (bench=0)'; start(); }
      break;
    }
    case 'bench':
      demo.bench = m.runs;
      $('timing').textContent = `${m.runs.map(fmtS).join('; ')} (B=32, T=50, I=1, H=32; median of ${m.runs[0].calls} calls)`;
      start();
      break;
    case 'co2:data':
      demo.co2.data = { ...m, batchesPerEpoch: Math.ceil(Math.floor(m.train * 0.9) / 32) };
      break;
    case 'text:data':
      demo.text.data = { ...m, batchesPerEpoch: Math.ceil(Math.floor(m.samples * 0.95) / 64) };
      break;
    case 'batch':
      demo[m.mode].batchLoss.push(m.loss);
      if (demo[m.mode].batchLoss.length % 10 === 0) drawLoss(m.mode);
      break;
    case 'epoch': {
      const s = demo[m.mode];
      s.epochs.push(m);
      drawLoss(m.mode);
      const extra = m.mode !== 'co2' && Number.isFinite(m.accuracy) ? `, accuracy ${(m.accuracy * 100).toFixed(1)}%` : '';
      $(`${m.mode}-progress`).textContent = `epoch ${m.epoch + 1}/${m.epochs}: loss ${m.loss.toFixed(4)}${Number.isFinite(m.val_loss) ? `, validation ${m.val_loss.toFixed(4)}` : ''}${extra}, ${m.seconds.toFixed(1)} s`;
      showResponsiveness();
      setButtons();
      break;
    }
    case 'co2:forecast':
      demo.co2.forecast = m;
      drawForecast(m);
      break;
    case 'inspect':
      drawGates(m);
      break;
    case 'co2:done':
      demo.co2.state = 'done';
      demo.co2.done = m;
      drawForecast(m);
      $('co2-progress').textContent += ` — done in ${m.seconds.toFixed(1)} s`;
      showResponsiveness();
      setButtons();
      break;
    case 'spell:data':
      demo.spell.data = { ...m, batchesPerEpoch: Math.ceil(Math.floor(m.words * 0.9) / 64) };
      break;
    case 'spell:done':
      demo.spell.state = 'done';
      demo.spell.done = m;
      $('spell-progress').textContent += ` — done in ${m.seconds.toFixed(1)} s`;
      $('spell-score').textContent = `Held-out words pronounced exactly right: ${(m.exact * 100).toFixed(1)}% of ${m.heldOut} (greedy decoding).`;
      setButtons();
      break;
    case 'spell:step':
      demo.spell.steps.push(m);
      if (!demo.spell.current || demo.spell.current.word !== m.word || m.t === 0) demo.spell.current = { word: m.word, rows: [] };
      demo.spell.current.rows.push({ phoneme: m.phoneme, weights: m.weights });
      drawSpellMap();
      break;
    case 'spell:decoded':
      demo.spell.state = 'done';
      demo.spell.decoded.push(m);
      $('spell-out').textContent = `${m.word}: ${m.phonemes.join(' ')}`;
      setButtons();
      break;
    case 'text:sample': {
      demo.text.samples.push(m);
      const pre = $('text-sample');
      pre.textContent = '';
      const b = document.createElement('b');
      b.textContent = m.prompt;
      pre.append(b, m.text);
      setButtons();
      break;
    }
    case 'text:done':
      demo.text.state = 'done';
      demo.text.done = m;
      $('text-progress').textContent += ` — done in ${m.seconds.toFixed(1)} s`;
      showResponsiveness();
      setButtons();
      break;
    case 'pong':
      demo.pings.push(performance.now() - m.t);
      break;
    case 'error':
      if (m.request === 'co2:train') demo.co2.state = 'failed';
      if (m.request === 'text:train') demo.text.state = 'failed';
      if (m.request === 'spell:train') demo.spell.state = 'failed';
      if (m.request === 'spell:decode') demo.spell.state = demo.spell.done ? 'done' : 'idle';
      fail(`worker (${m.request}): ${m.message}`);
      setButtons();
      break;
    default:
      fail(`unknown message from the worker: ${m.type}`);
  }
};

// ---- controls --------------------------------------------------------------------------------

function trainCo2() {
  Object.assign(demo.co2, { state: 'training', batchLoss: [], epochs: [], done: null });
  $('co2-progress').textContent = 'starting…';
  placeholder($('co2-loss'), 'training…');
  send({ type: 'co2:train', epochs: Number($('co2-epochs').value) || 60 });
  setButtons();
}

function trainText() {
  Object.assign(demo.text, { state: 'training', batchLoss: [], epochs: [], samples: [], done: null });
  $('text-progress').textContent = 'starting…';
  placeholder($('text-loss'), 'training…');
  send({ type: 'text:train', epochs: Number($('text-epochs').value) || 8, samples: Number($('text-samples').value) || 12000 });
  setButtons();
}

function trainSpell() {
  Object.assign(demo.spell, { state: 'training', batchLoss: [], epochs: [], done: null });
  $('spell-progress').textContent = 'starting…';
  placeholder($('spell-loss'), 'training…');
  send({ type: 'spell:train', epochs: Number($('spell-epochs').value) || 12, words: Number($('spell-words').value) || 5775 });
  setButtons();
}

function decodeSpell() {
  demo.spell.state = 'decoding';
  demo.spell.current = null;
  placeholder($('spell-map'), 'decoding…');
  send({ type: 'spell:decode', word: $('spell-word').value });
  setButtons();
}

function start() {
  showResponsiveness();
  if (num('autostart', 1)) trainCo2();
}

function selectTab(name) {
  for (const t of document.querySelectorAll('.tabs button')) t.setAttribute('aria-selected', String(t.dataset.panel === name));
  $('panel-co2').hidden = name !== 'co2';
  $('panel-text').hidden = name !== 'text';
  $('panel-spell').hidden = name !== 'spell';
  if (name === 'spell' && demo.spell.batchLoss.length) drawLoss('spell');
  if (name === 'spell') drawSpellMap();
  // Canvases hidden while drawn have no size: redraw what there is.
  if (name === 'text' && demo.text.batchLoss.length) drawLoss('text');
  if (name === 'co2' && demo.co2.batchLoss.length) drawLoss('co2');
}
for (const t of document.querySelectorAll('.tabs button')) t.addEventListener('click', () => selectTab(t.dataset.panel));

$('co2-train').addEventListener('click', trainCo2);
$('text-train').addEventListener('click', trainText);
$('spell-train').addEventListener('click', trainSpell);
$('spell-stop').addEventListener('click', () => send({ type: 'stop' }));
$('spell-decode').addEventListener('click', decodeSpell);
$('co2-stop').addEventListener('click', () => send({ type: 'stop' }));
$('text-stop').addEventListener('click', () => send({ type: 'stop' }));
$('text-temp').addEventListener('input', () => { $('text-temp-v').textContent = $('text-temp').value; });
$('text-generate').addEventListener('click', () => send({ type: 'text:generate', prompt: $('text-prompt').value || ' ', temperature: Number($('text-temp').value), length: 300, seed: Date.now() % 100000 }));

const seq = $('co2-seq');
seq.addEventListener('input', () => send({ type: 'inspect', index: Number(seq.value) }));
// Once the data is known, the slider ranges over every window (the held-out ones at the right).
const setupSlider = setInterval(() => {
  const d = demo.co2.data;
  if (!d) return;
  clearInterval(setupSlider);
  seq.max = String(d.train + d.test - 1);
  seq.value = String(d.train);
  seq.disabled = false;
}, 100);

placeholder($('co2-loss'), 'loading…');
placeholder($('co2-forecast'), 'the forecast appears after the first epoch');
placeholder($('co2-gates'), 'the gates appear after the first epoch');
placeholder($('text-loss'), 'press Train');
placeholder($('spell-loss'), 'press Train');
placeholder($('spell-map'), 'train, then type a word');
send({ type: 'init' });
