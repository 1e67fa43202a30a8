// Charts on <canvas>, redrawn whole on every update (they are small): line charts for the loss and
// the forecast, heat maps for gate activations. Colours and tick steps come from examples/lib/svg.js,
// so the page and the SVG files of the Node examples look alike.
import { niceTicks, viridis } from '../lib/svg.js';

const FONT = '12px system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif';
const AXIS = '#444';
const GRID = '#e6e6e6';

/** Sizes the canvas backing store to its CSS box and the device pixel ratio; returns a 2D context in CSS pixels. */
function setup(canvas) {
  const dpr = globalThis.devicePixelRatio || 1;
  const w = canvas.clientWidth || canvas.width, h = canvas.clientHeight || canvas.height;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, w, h);
  ctx.font = FONT;
  return { ctx, w, h };
}

function fmt(v, step) {
  if (v !== 0 && (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3)) return v.toExponential(0);
  const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
  return v.toFixed(decimals);
}

/** A message in the middle of an empty chart. */
export function placeholder(canvas, message) {
  const { ctx, w, h } = setup(canvas);
  ctx.fillStyle = '#888';
  ctx.textAlign = 'center';
  ctx.fillText(message, w / 2, h / 2);
}

/**
 * series: [{ name, x: number[], y: number[], color, width?, dash?, points? }]
 * xFormat(v): tick label for an x value; logY: log10 axis (for losses); legend: 'top-right' or 'top-left'.
 */
export function lineChart(canvas, { title = '', series, xLabel = '', yLabel = '', xFormat, logY = false, yMin, yMax, legend = 'top-right' }) {
  const { ctx, w, h } = setup(canvas);
  const m = { l: 62, r: 12, t: title ? 26 : 10, b: xLabel ? 40 : 26 };
  const ty = (v) => (logY ? Math.log10(v) : v);
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const s of series) {
    s.x.forEach((xv, i) => {
      const yv = s.y[i];
      if (!Number.isFinite(xv) || !Number.isFinite(yv) || (logY && !(yv > 0))) return;
      x0 = Math.min(x0, xv); x1 = Math.max(x1, xv);
      y0 = Math.min(y0, ty(yv)); y1 = Math.max(y1, ty(yv));
    });
  }
  if (title) { ctx.fillStyle = '#111'; ctx.textAlign = 'left'; ctx.font = `bold ${FONT}`; ctx.fillText(title, m.l, 16); ctx.font = FONT; }
  if (!(x1 >= x0) || !(y1 >= y0)) return;
  if (yMin !== undefined) y0 = ty(yMin);
  if (yMax !== undefined) y1 = ty(yMax);
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) { y0 -= 0.5; y1 += 0.5; }
  const pad = (y1 - y0) * 0.05; y0 -= pad; y1 += pad;
  const px = (v) => m.l + ((v - x0) / (x1 - x0)) * (w - m.l - m.r);
  const py = (v) => h - m.b - ((v - y0) / (y1 - y0)) * (h - m.t - m.b);

  // Grid and ticks.
  ctx.strokeStyle = GRID; ctx.lineWidth = 1; ctx.fillStyle = AXIS;
  const yt = logY
    ? { ticks: Array.from({ length: Math.floor(y1) - Math.ceil(y0) + 1 }, (_, k) => Math.ceil(y0) + k), step: 1 }
    : niceTicks(y0, y1, 5);
  ctx.textAlign = 'right';
  for (const v of yt.ticks) {
    if (v < y0 || v > y1) continue;
    ctx.beginPath(); ctx.moveTo(m.l, py(v)); ctx.lineTo(w - m.r, py(v)); ctx.stroke();
    ctx.fillText(logY ? fmt(10 ** v, 10 ** v) : fmt(v, yt.step), m.l - 6, py(v) + 4);
  }
  const xt = niceTicks(x0, x1, Math.max(2, Math.floor((w - m.l - m.r) / 90)));
  ctx.textAlign = 'center';
  for (const v of xt.ticks) {
    if (v < x0 || v > x1) continue;
    ctx.beginPath(); ctx.moveTo(px(v), m.t); ctx.lineTo(px(v), h - m.b); ctx.stroke();
    ctx.fillText(xFormat ? xFormat(v) : fmt(v, xt.step), px(v), h - m.b + 15);
  }
  ctx.strokeStyle = AXIS;
  ctx.beginPath(); ctx.moveTo(m.l, m.t); ctx.lineTo(m.l, h - m.b); ctx.lineTo(w - m.r, h - m.b); ctx.stroke();
  if (xLabel) ctx.fillText(xLabel, (m.l + w - m.r) / 2, h - 6);
  if (yLabel) { ctx.save(); ctx.translate(14, (m.t + h - m.b) / 2); ctx.rotate(-Math.PI / 2); ctx.fillText(yLabel, 0, 0); ctx.restore(); }

  // Lines, clipped to the plot area.
  ctx.save();
  ctx.beginPath(); ctx.rect(m.l, m.t, w - m.l - m.r, h - m.t - m.b); ctx.clip();
  for (const s of series) {
    ctx.strokeStyle = s.color; ctx.lineWidth = s.width ?? 1.5; ctx.setLineDash(s.dash ?? []);
    ctx.beginPath();
    let pen = false;
    s.x.forEach((xv, i) => {
      const yv = s.y[i];
      if (!Number.isFinite(yv) || (logY && !(yv > 0))) { pen = false; return; }
      const X = px(xv), Y = py(ty(yv));
      if (pen) ctx.lineTo(X, Y); else ctx.moveTo(X, Y);
      pen = true;
    });
    ctx.stroke();
    if (s.points) {
      ctx.fillStyle = s.color;
      s.x.forEach((xv, i) => { if (Number.isFinite(s.y[i])) { ctx.beginPath(); ctx.arc(px(xv), py(ty(s.y[i])), 2.5, 0, 2 * Math.PI); ctx.fill(); } });
    }
  }
  ctx.restore();
  ctx.setLineDash([]);

  // Legend, on a white box so lines under it stay readable.
  ctx.textAlign = 'left';
  const named = series.filter((s) => s.name);
  const lw = Math.max(...named.map((s) => ctx.measureText(s.name).width)) + 34;
  const lx = legend === 'top-left' ? m.l + 10 : w - m.r - 8 - lw;
  let ly = m.t + 14;
  ctx.fillStyle = 'rgba(255,255,255,0.85)';
  ctx.fillRect(lx - 4, m.t + 2, lw + 4, named.length * 16 + 4);
  for (const s of named) {
    ctx.strokeStyle = s.color; ctx.lineWidth = Math.max(2, s.width ?? 1.5); ctx.setLineDash(s.dash ?? []);
    ctx.beginPath(); ctx.moveTo(lx, ly - 4); ctx.lineTo(lx + 20, ly - 4); ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = '#222'; ctx.fillText(s.name, lx + 26, ly);
    ly += 16;
  }
}

/** Blue (negative), white (0), red (positive), for t in [-1, 1]. */
export function diverging(t) {
  const u = Math.max(-1, Math.min(1, t));
  const a = Math.abs(u);
  const [r, g, b] = u < 0 ? [255 - 196 * a, 255 - 140 * a, 255 - 40 * a] : [255 - 40 * a, 255 - 190 * a, 255 - 180 * a];
  return `rgb(${Math.round(r)},${Math.round(g)},${Math.round(b)})`;
}

/**
 * One heat map panel: `rows` × `cols` cells, value(r, c), colour(value) with a colour bar.
 * Returns nothing; draws into the box { x, y, w, h } of ctx.
 */
function panel(ctx, box, { title, rows, cols, value, color, min, max, colLabel, rowLabel }) {
  const barW = 10, left = 34, right = 58, top = 16, bottom = colLabel ? 16 : 4;
  const gx = box.x + left, gy = box.y + top, gw = box.w - left - right, gh = box.h - top - bottom;
  ctx.fillStyle = '#111'; ctx.textAlign = 'left'; ctx.font = `bold ${FONT}`;
  ctx.fillText(title, gx, box.y + 12);
  ctx.font = FONT;
  const cw = gw / cols, ch = gh / rows;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = value(r, c);
      ctx.fillStyle = Number.isFinite(v) ? color(v) : '#999';
      ctx.fillRect(gx + c * cw, gy + r * ch, Math.ceil(cw), Math.ceil(ch));
    }
  }
  ctx.strokeStyle = AXIS; ctx.lineWidth = 1; ctx.strokeRect(gx, gy, gw, gh);
  ctx.fillStyle = AXIS; ctx.textAlign = 'right';
  if (rowLabel) { ctx.save(); ctx.translate(box.x + 12, gy + gh / 2); ctx.rotate(-Math.PI / 2); ctx.textAlign = 'center'; ctx.fillText(rowLabel, 0, 0); ctx.restore(); }
  ctx.textAlign = 'right'; ctx.fillText('1', gx - 4, gy + 9); ctx.fillText(String(rows), gx - 4, gy + gh);
  if (colLabel) { ctx.textAlign = 'center'; ctx.fillText(colLabel, gx + gw / 2, box.y + box.h - 2); }
  // Colour bar.
  const bx = gx + gw + 8;
  for (let k = 0; k < gh; k++) { ctx.fillStyle = color(max - ((max - min) * k) / gh); ctx.fillRect(bx, gy + k, barW, 1.5); }
  ctx.strokeRect(bx, gy, barW, gh);
  ctx.fillStyle = AXIS; ctx.textAlign = 'left';
  ctx.fillText(max.toFixed(max === 1 ? 0 : 2), bx + barW + 3, gy + 9);
  ctx.fillText(min.toFixed(min === 0 ? 0 : 2), bx + barW + 3, gy + gh);
}

/**
 * The inside of an LSTM for one sequence: the input gate i, forget gate f, output gate o (0..1,
 * viridis) and the cell state c (diverging around 0), units down, time steps across; the input
 * sequence itself on top. gates: Float32Array [T, 4H] in the Keras order i, f, g, o; cells [T, H].
 */
export function gateHeatmap(canvas, { T, H, gates, cells, input, title = '' }) {
  const { ctx, w, h } = setup(canvas);
  const inputH = 54, titleH = title ? 20 : 0;
  if (title) { ctx.fillStyle = '#111'; ctx.font = `bold ${FONT}`; ctx.textAlign = 'left'; ctx.fillText(title, 34, 14); ctx.font = FONT; }
  // The input sequence, aligned with the columns below.
  const gx = 34, gw = (w - 8) / 2 - 34 - 58;
  const drawInput = (x0) => {
    const lo = Math.min(...input), hi = Math.max(...input), span = hi - lo || 1;
    ctx.strokeStyle = '#222'; ctx.lineWidth = 1.5; ctx.beginPath();
    input.forEach((v, t) => {
      const X = x0 + ((t + 0.5) / T) * gw, Y = titleH + 8 + (1 - (v - lo) / span) * (inputH - 20);
      if (t) ctx.lineTo(X, Y); else ctx.moveTo(X, Y);
    });
    ctx.stroke();
    ctx.fillStyle = '#555'; ctx.textAlign = 'left'; ctx.fillText('input (scaled monthly change)', x0, titleH + inputH - 2);
  };
  drawInput(gx);
  drawInput(w / 2 + 4 + gx);
  const G = 4 * H;
  const gate = (k) => (r, c) => gates[c * G + k * H + r];
  let cmax = 0;
  for (let i = 0; i < T * H; i++) cmax = Math.max(cmax, Math.abs(cells[i]));
  cmax = cmax || 1;
  const ph = (h - titleH - inputH) / 2;
  const boxes = [
    { x: 0, y: titleH + inputH }, { x: w / 2 + 4, y: titleH + inputH },
    { x: 0, y: titleH + inputH + ph }, { x: w / 2 + 4, y: titleH + inputH + ph },
  ].map((b) => ({ ...b, w: w / 2 - 4, h: ph - 4 }));
  const common = { rows: H, cols: T, rowLabel: 'unit' };
  panel(ctx, boxes[0], { ...common, title: 'input gate i', value: gate(0), color: viridis, min: 0, max: 1 });
  panel(ctx, boxes[1], { ...common, title: 'forget gate f', value: gate(1), color: viridis, min: 0, max: 1 });
  panel(ctx, boxes[2], { ...common, title: 'output gate o', value: gate(3), color: viridis, min: 0, max: 1, colLabel: 'time step →' });
  panel(ctx, boxes[3], { ...common, title: 'cell state c', value: (r, c) => cells[c * H + r], color: (v) => diverging(v / cmax), min: -cmax, max: cmax, colLabel: 'time step →' });
}

/**
 * An attention map: one row per decoded phoneme (filled in as decoding goes), one column per letter
 * of the word, the weight (0..1, viridis) the decoder gave that letter when it chose that phoneme.
 * rows: [{ phoneme, weights: number[] }], letters: the word's letters, first to last.
 */
export function attentionMap(canvas, { letters, rows, maxRows, title = '' }) {
  const { ctx, w, h } = setup(canvas);
  const left = 70, top = title ? 44 : 28, right = 70, bottom = 10;
  const R = Math.max(maxRows ?? rows.length, 1), C = letters.length;
  const cw = Math.min(60, (w - left - right) / C), ch = Math.min(34, (h - top - bottom) / R);
  if (title) { ctx.fillStyle = '#111'; ctx.font = `bold ${FONT}`; ctx.textAlign = 'left'; ctx.fillText(title, 8, 16); ctx.font = FONT; }
  ctx.textAlign = 'center'; ctx.fillStyle = '#111';
  letters.forEach((l, c) => ctx.fillText(l, left + (c + 0.5) * cw, top - 8));
  rows.forEach((row, r) => {
    ctx.textAlign = 'right'; ctx.fillStyle = '#111';
    ctx.fillText(row.phoneme, left - 8, top + (r + 0.5) * ch + 4);
    row.weights.forEach((v, c) => {
      ctx.fillStyle = viridis(Math.max(0, Math.min(1, v)));
      ctx.fillRect(left + c * cw, top + r * ch, Math.ceil(cw) - 1, Math.ceil(ch) - 1);
    });
  });
  ctx.strokeStyle = AXIS; ctx.lineWidth = 1;
  ctx.strokeRect(left, top, cw * C, ch * R);
  const bx = left + cw * C + 12, bh = ch * R;
  for (let k = 0; k < bh; k++) { ctx.fillStyle = viridis(1 - k / bh); ctx.fillRect(bx, top + k, 10, 1.5); }
  ctx.strokeRect(bx, top, 10, bh);
  ctx.fillStyle = AXIS; ctx.textAlign = 'left';
  ctx.fillText('1', bx + 14, top + 9); ctx.fillText('0', bx + 14, top + bh);
}

/** How much of a canvas is drawn: the fraction of pixels that are not the white background. */
export function inkFraction(canvas) {
  // Read back through a fresh canvas: one readback each, so the chart's own canvas stays fast.
  const copy = document.createElement('canvas');
  copy.width = canvas.width;
  copy.height = canvas.height;
  const ctx = copy.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(canvas, 0, 0);
  const { data } = ctx.getImageData(0, 0, copy.width, copy.height);
  let ink = 0;
  for (let i = 0; i < data.length; i += 4) if (data[i] < 250 || data[i + 1] < 250 || data[i + 2] < 250) ink++;
  return ink / (data.length / 4);
}
