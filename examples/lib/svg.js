// Plots as standalone SVG strings, with no dependencies, for the examples and `npm start`:
// lineChart() for series over time (forecasts, losses) and heatmap() for matrices such as an LSTM's
// gate activations per step. Every coordinate is checked finite before it is written.

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const FONT = "font-family='system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif'";
const AXIS = '#444';
const GRID = '#e6e6e6';
// Rough width of a character at 12px: enough to leave room for labels without measuring text.
const CHAR_W = 6.8;

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** A coordinate for the file: two decimals, and never NaN (a bug upstream would show as a gap, not a broken file). */
function c(v) {
  if (!Number.isFinite(v)) throw new Error(`svg: a coordinate is ${v}; this is a bug in svg.js or its input`);
  return Number(v.toFixed(2)).toString();
}

/** Round tick steps (1, 2, 2.5, 5 × 10^k) covering [lo, hi] with about `count` ticks. */
export function niceTicks(lo, hi, count = 6) {
  if (!(hi > lo)) { const d = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1; lo -= d; hi += d; }
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const first = Math.ceil(lo / step - 1e-9) * step;
  const ticks = [];
  for (let v = first; v <= hi + step * 1e-9; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return { ticks, step };
}

function formatNumber(v, step) {
  const a = Math.abs(v);
  if (v !== 0 && (a >= 1e6 || a < 1e-4)) return v.toExponential(1);
  // As many decimals as the step has: 0.25 → 2, 2.5 → 1, 20 → 0.
  const s = Number(step.toPrecision(12)).toString();
  const decimals = s.includes('e-') ? Number(s.split('e-')[1]) : (s.split('.')[1] ?? '').length;
  return v.toFixed(Math.min(decimals, 10));
}

/** A title line, its font shrunk (down to 11px) when the text would run wider than the plot. */
function titleText(title, width, y) {
  const size = Math.max(11, Math.min(15, (width - 24) / (title.length * 0.6)));
  return `<text x='${c(width / 2)}' y='${y}' text-anchor='middle' font-size='${c(size)}' font-weight='600' fill='#222'>${esc(title)}</text>`;
}

let nextId = 0;
/** Ids for clip paths and gradients: unique within a page that holds several plots, and stable between runs. */
const uid = (prefix) => `${prefix}${++nextId}`;

const DATE_RE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;

/** 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD' → fractional year, so dates from different series line up. */
function dateToYear(s) {
  const m = DATE_RE.exec(s);
  const y = Number(m[1]), mo = m[2] ? Number(m[2]) - 1 : 0, d = m[3] ? Number(m[3]) - 1 : 0;
  return y + mo / 12 + d / 365.25;
}

function yearLabel(v, stepYears) {
  const y = Math.floor(v + 1e-6);
  if (stepYears >= 1) return String(y);
  const month = Math.round((v - y) * 12);
  return month === 12 ? `${y + 1}-01` : `${y}-${String(month + 1).padStart(2, '0')}`;
}

/** Ticks on a time axis in years: whole years when the span is long, else months (1, 2, 3 or 6). */
function dateTicks(lo, hi, count) {
  if (hi - lo >= 2) {
    const { ticks, step } = niceTicks(lo, hi, count);
    const s = Math.max(1, Math.round(step));
    const out = [];
    for (let v = Math.ceil(lo - 1e-6); v <= hi + 1e-6; v += 1) if (v % s === 0) out.push(v);
    return { ticks: out.length ? out : ticks, label: (v) => yearLabel(v, 1) };
  }
  const months = (hi - lo) * 12;
  const stepM = [1, 2, 3, 6, 12].find((m) => months / m <= count) ?? 12;
  const out = [];
  for (let k = Math.ceil(lo * 12 - 1e-6); k <= hi * 12 + 1e-6; k++) if (k % stepM === 0) out.push(k / 12);
  return { ticks: out, label: (v) => yearLabel(v, stepM / 12) };
}

/** [min, max] by a loop: Math.min(...a) overflows the stack on long series. */
function extent(a) {
  let lo = Infinity, hi = -Infinity;
  for (const v of a) { if (v < lo) lo = v; if (v > hi) hi = v; }
  return [lo, hi];
}

function checkArray(where, v) {
  if (!Array.isArray(v) && !(ArrayBuffer.isView(v) && !(v instanceof DataView))) {
    throw new Error(`${where} must be an array, got ${v === null ? 'null' : typeof v}`);
  }
}

/**
 * A line chart as an SVG string.
 * @param {{
 *   title?: string, xLabel?: string, yLabel?: string, width?: number, height?: number,
 *   series: { name: string, x?: (number|string)[], y: ArrayLike<number>, color?: string, dash?: string }[],
 *   vline?: { x: number|string, label?: string, color?: string } | { x: number|string, label?: string, color?: string }[],
 *   yMin?: number, yMax?: number,
 * }} options
 * `x` may be numbers, date strings ('YYYY', 'YYYY-MM', 'YYYY-MM-DD': a time axis) or other strings
 * (categories, in order of first appearance); without it, points are numbered 0, 1, 2, …
 * Non-finite y values leave a gap in the line.
 */
export function lineChart({ title = '', series, xLabel = '', yLabel = '', width = 900, height = 420, vline, yMin, yMax } = {}) {
  checkArray('lineChart: series', series);
  if (series.length === 0) throw new Error('lineChart: series is empty; give at least one { name, y }');
  if (!(width >= 200 && height >= 150)) throw new Error(`lineChart: width and height must be at least 200 and 150, got ${width} × ${height}`);
  series.forEach((s, i) => {
    if (s === null || typeof s !== 'object') throw new Error(`lineChart: series[${i}] must be { name, x, y }`);
    checkArray(`lineChart: series[${i}].y`, s.y);
    if (s.x !== undefined) {
      checkArray(`lineChart: series[${i}].x`, s.x);
      if (s.x.length !== s.y.length) throw new Error(`lineChart: series[${i}] ('${s.name}') has ${s.x.length} x values but ${s.y.length} y values`);
    }
  });
  const vlines = vline === undefined ? [] : Array.isArray(vline) ? vline : [vline];

  // The x axis: numbers, dates, or categories, decided from all x values together.
  const allX = series.flatMap((s) => (s.x === undefined ? [] : Array.from(s.x)));
  const stringX = allX.filter((v) => typeof v === 'string');
  let kind = 'number';
  if (stringX.length > 0) {
    if (stringX.length !== allX.length) throw new Error('lineChart: x values mix numbers and strings');
    kind = stringX.every((v) => DATE_RE.test(v)) ? 'date' : 'category';
  }
  const categories = kind === 'category' ? [...new Set(stringX)] : [];
  const catIndex = new Map(categories.map((v, i) => [v, i]));
  const toX = (v, where) => {
    if (kind === 'date') {
      if (typeof v !== 'string' || !DATE_RE.test(v)) throw new Error(`lineChart: ${where} is ${JSON.stringify(v)}, expected a date like the other x values`);
      return dateToYear(v);
    }
    if (kind === 'category') {
      if (!catIndex.has(v)) throw new Error(`lineChart: ${where} is ${JSON.stringify(v)}, which is not among the x values`);
      return catIndex.get(v);
    }
    if (typeof v !== 'number') throw new Error(`lineChart: ${where} is ${JSON.stringify(v)}, expected a number`);
    return v;
  };
  const pts = series.map((s, i) => Array.from(s.y, (y, j) => [s.x === undefined ? j : toX(s.x[j], `series[${i}].x[${j}]`), Number(y)]));
  const xs = pts.flat().map((p) => p[0]).filter(Number.isFinite);
  const ys = pts.flat().map((p) => p[1]).filter(Number.isFinite);
  if (ys.length === 0) throw new Error('lineChart: no finite y value to plot');
  let [x0, x1] = extent(xs);
  if (x1 === x0) { x0 -= 1; x1 += 1; }
  // The y range widens to whole tick steps, so the frame starts and ends on a labelled line.
  const [yLo, yHi] = extent(ys);
  const rough = niceTicks(yMin ?? yLo, yMax ?? yHi, 6);
  const y0 = yMin ?? Math.floor(yLo / rough.step + 1e-9) * rough.step;
  let y1 = yMax ?? Math.ceil(yHi / rough.step - 1e-9) * rough.step;
  if (!(y1 > y0)) y1 = y0 + rough.step;
  const yt = niceTicks(y0, y1, 6);
  yt.ticks = yt.ticks.filter((v) => v >= y0 - 1e-9 && v <= y1 + 1e-9);

  // Layout: title, then the legend (wrapped), then the plot; y tick labels decide the left margin.
  const yLabels = yt.ticks.map((v) => [v, formatNumber(v, yt.step)]);
  const left = 24 + (yLabel ? 18 : 0) + Math.max(...yLabels.map(([, s]) => s.length)) * CHAR_W;
  const right = 24;
  const legendItems = series.map((s, i) => ({ name: String(s.name ?? `series ${i + 1}`), color: s.color ?? PALETTE[i % PALETTE.length], dash: s.dash }));
  const legendRows = [];
  let row = [], rowW = 0;
  for (const it of legendItems) {
    const w = 34 + it.name.length * CHAR_W + 18;
    if (row.length > 0 && rowW + w > width - left - right) { legendRows.push(row); row = []; rowW = 0; }
    row.push({ ...it, dx: rowW }); rowW += w;
  }
  legendRows.push(row);
  const top = (title ? 34 : 12) + legendRows.length * 20 + 8;
  const bottom = 40 + (xLabel ? 18 : 0);
  const pw = width - left - right, ph = height - top - bottom;
  if (!(pw > 20 && ph > 20)) throw new Error(`lineChart: ${width} × ${height} leaves no room for the plot; make it larger`);
  const sx = (v) => left + ((v - x0) / (x1 - x0)) * pw;
  const sy = (v) => top + ph - ((v - y0) / (y1 - y0)) * ph;

  const out = [];
  out.push(`<svg xmlns='http://www.w3.org/2000/svg' width='${c(width)}' height='${c(height)}' viewBox='0 0 ${c(width)} ${c(height)}' ${FONT} font-size='12'>`);
  if (title) out.push(`<title>${esc(title)}</title>`);
  out.push(`<rect x='0' y='0' width='${c(width)}' height='${c(height)}' fill='#fff'/>`);
  if (title) out.push(titleText(title, width, 22));

  // Grid and y ticks.
  out.push(`<g class='y-axis'>`);
  for (const [v, s] of yLabels) {
    const y = sy(v);
    out.push(`<line x1='${c(left)}' x2='${c(left + pw)}' y1='${c(y)}' y2='${c(y)}' stroke='${GRID}'/>`);
    out.push(`<text x='${c(left - 6)}' y='${c(y + 4)}' text-anchor='end' fill='${AXIS}'>${esc(s)}</text>`);
  }
  out.push(`</g>`);

  // x ticks.
  let xTicks;
  if (kind === 'date') {
    const d = dateTicks(x0, x1, Math.max(2, Math.floor(pw / 80)));
    xTicks = d.ticks.map((v) => [v, d.label(v)]);
  } else if (kind === 'category') {
    const longest = Math.max(...categories.map((s) => s.length));
    const every = Math.max(1, Math.ceil(categories.length / Math.max(1, Math.floor(pw / (longest * CHAR_W + 12)))));
    xTicks = categories.map((s, i) => [i, s]).filter(([i]) => i % every === 0);
  } else {
    const t = niceTicks(x0, x1, Math.max(2, Math.floor(pw / 80)));
    xTicks = t.ticks.map((v) => [v, formatNumber(v, t.step)]);
  }
  out.push(`<g class='x-axis'>`);
  for (const [v, s] of xTicks) {
    if (v < x0 - 1e-9 || v > x1 + 1e-9) continue;
    const x = sx(v);
    out.push(`<line x1='${c(x)}' x2='${c(x)}' y1='${c(top)}' y2='${c(top + ph)}' stroke='${GRID}'/>`);
    out.push(`<line x1='${c(x)}' x2='${c(x)}' y1='${c(top + ph)}' y2='${c(top + ph + 5)}' stroke='${AXIS}'/>`);
    out.push(`<text x='${c(x)}' y='${c(top + ph + 19)}' text-anchor='middle' fill='${AXIS}'>${esc(s)}</text>`);
  }
  out.push(`</g>`);
  out.push(`<rect x='${c(left)}' y='${c(top)}' width='${c(pw)}' height='${c(ph)}' fill='none' stroke='${AXIS}'/>`);
  if (xLabel) out.push(`<text x='${c(left + pw / 2)}' y='${c(height - 10)}' text-anchor='middle' fill='#222'>${esc(xLabel)}</text>`);
  if (yLabel) out.push(`<text transform='translate(16 ${c(top + ph / 2)}) rotate(-90)' text-anchor='middle' fill='#222'>${esc(yLabel)}</text>`);

  // Series: one path per run of finite points; a lone point gets a dot so it is not lost.
  const clipId = uid('clip');
  out.push(`<clipPath id='${clipId}'><rect x='${c(left)}' y='${c(top)}' width='${c(pw)}' height='${c(ph)}'/></clipPath>`);
  pts.forEach((p, i) => {
    const it = legendItems[i];
    const runs = [];
    let run = [];
    for (const [x, y] of p) {
      if (Number.isFinite(x) && Number.isFinite(y)) run.push([x, y]);
      else if (run.length) { runs.push(run); run = []; }
    }
    if (run.length) runs.push(run);
    const dash = it.dash ? ` stroke-dasharray='${esc(it.dash)}'` : '';
    out.push(`<g class='series' clip-path='url(#${clipId})'><title>${esc(it.name)}</title>`);
    for (const r of runs) {
      if (r.length === 1) out.push(`<circle cx='${c(sx(r[0][0]))}' cy='${c(sy(r[0][1]))}' r='2.5' fill='${esc(it.color)}'/>`);
      else out.push(`<path d='M${r.map(([x, y]) => `${c(sx(x))},${c(sy(y))}`).join('L')}' fill='none' stroke='${esc(it.color)}' stroke-width='1.6' stroke-linejoin='round'${dash}/>`);
    }
    out.push(`</g>`);
  });

  for (const [i, v] of vlines.entries()) {
    if (v === null || typeof v !== 'object') throw new Error(`lineChart: vline must be { x, label? }, got ${JSON.stringify(v)}`);
    const x = sx(toX(v.x, `vline${vlines.length > 1 ? `[${i}]` : ''}.x`));
    if (x < left - 1e-6 || x > left + pw + 1e-6) continue;
    const color = esc(v.color ?? '#555');
    out.push(`<line class='vline' x1='${c(x)}' x2='${c(x)}' y1='${c(top)}' y2='${c(top + ph)}' stroke='${color}' stroke-dasharray='5 4'/>`);
    if (v.label) out.push(`<text x='${c(x + 4)}' y='${c(top + 14)}' fill='${color}'>${esc(v.label)}</text>`);
  }

  // Legend.
  out.push(`<g class='legend'>`);
  legendRows.forEach((r, k) => {
    const y = (title ? 34 : 12) + k * 20 + 10;
    for (const it of r) {
      const x = left + it.dx;
      const dash = it.dash ? ` stroke-dasharray='${esc(it.dash)}'` : '';
      out.push(`<line x1='${c(x)}' x2='${c(x + 26)}' y1='${c(y)}' y2='${c(y)}' stroke='${esc(it.color)}' stroke-width='2.5'${dash}/>`);
      out.push(`<text x='${c(x + 32)}' y='${c(y + 4)}' fill='#222'>${esc(it.name)}</text>`);
    }
  });
  out.push(`</g>`);
  out.push(`</svg>`);
  return out.join('\n') + '\n';
}

// Viridis, sampled at 9 points: perceptually even and readable in grey and by most colour-blind readers.
const VIRIDIS = [[68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 144, 141], [39, 173, 129], [92, 200, 99], [170, 220, 50], [253, 231, 37]];

/** The colour for t in [0, 1] (clamped). */
export function viridis(t) {
  const u = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(u));
  const f = u - i;
  const rgb = VIRIDIS[i].map((a, k) => Math.round(a + f * (VIRIDIS[i + 1][k] - a)));
  return `#${rgb.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * A heatmap as an SVG string: one row per entry of `rows`, one column per step, colour by value.
 * @param {{
 *   title?: string, rows: string[], matrix: ArrayLike<number>[], width?: number, height?: number,
 *   xLabel?: string, colLabels?: string[], min?: number, max?: number, colorLabel?: string,
 * }} options
 * `min`/`max` fix the colour scale (for gates, 0 and 1); by default it spans the data. Non-finite
 * values are drawn grey. Columns are labelled 1, 2, 3, … unless `colLabels` says otherwise.
 */
export function heatmap({ title = '', rows, matrix, width = 900, height, xLabel = '', colLabels, min, max, colorLabel = '' } = {}) {
  checkArray('heatmap: rows', rows);
  checkArray('heatmap: matrix', matrix);
  if (matrix.length === 0) throw new Error('heatmap: matrix is empty');
  if (rows.length !== matrix.length) throw new Error(`heatmap: ${rows.length} row labels for ${matrix.length} matrix rows`);
  matrix.forEach((r, i) => checkArray(`heatmap: matrix[${i}]`, r));
  const C = matrix[0].length;
  if (C === 0) throw new Error('heatmap: matrix rows are empty');
  matrix.forEach((r, i) => { if (r.length !== C) throw new Error(`heatmap: matrix[${i}] has ${r.length} values, matrix[0] has ${C}`); });
  if (colLabels !== undefined && colLabels.length !== C) throw new Error(`heatmap: ${colLabels.length} column labels for ${C} columns`);
  const R = rows.length;
  const finite = matrix.flatMap((r) => Array.from(r)).filter(Number.isFinite);
  const [dataLo, dataHi] = finite.length ? extent(finite) : [0, 1];
  let lo = min ?? dataLo;
  let hi = max ?? dataHi;
  if (!(hi > lo)) { lo -= 0.5; hi += 0.5; }

  const left = 16 + Math.max(...rows.map((s) => String(s).length)) * CHAR_W;
  const right = 90;
  const top = title ? 40 : 14;
  const bottom = 36 + (xLabel ? 18 : 0);
  const H = height ?? Math.max(160, Math.min(900, top + bottom + R * 18));
  const pw = width - left - right, ph = H - top - bottom;
  if (!(pw > 20 && ph > 10)) throw new Error(`heatmap: ${width} × ${H} leaves no room for the cells; make it larger`);
  const cw = pw / C, ch = ph / R;

  const out = [];
  out.push(`<svg xmlns='http://www.w3.org/2000/svg' width='${c(width)}' height='${c(H)}' viewBox='0 0 ${c(width)} ${c(H)}' ${FONT} font-size='12'>`);
  if (title) out.push(`<title>${esc(title)}</title>`);
  out.push(`<rect x='0' y='0' width='${c(width)}' height='${c(H)}' fill='#fff'/>`);
  if (title) out.push(titleText(title, width, 24));

  out.push(`<g class='cells' shape-rendering='crispEdges'>`);
  for (let r = 0; r < R; r++) {
    for (let k = 0; k < C; k++) {
      const v = Number(matrix[r][k]);
      const fill = Number.isFinite(v) ? viridis((v - lo) / (hi - lo)) : '#cccccc';
      // Cells overlap by a hair so no white seams show between them when scaled.
      out.push(`<rect x='${c(left + k * cw)}' y='${c(top + r * ch)}' width='${c(cw + 0.3)}' height='${c(ch + 0.3)}' fill='${fill}'><title>${esc(rows[r])}, ${esc(colLabels ? colLabels[k] : k + 1)}: ${Number.isFinite(v) ? Number(v.toPrecision(4)) : 'no value'}</title></rect>`);
    }
  }
  out.push(`</g>`);
  out.push(`<rect x='${c(left)}' y='${c(top)}' width='${c(pw)}' height='${c(ph)}' fill='none' stroke='${AXIS}'/>`);

  // Row labels, thinned when rows are too short to hold text.
  const rowEvery = Math.max(1, Math.ceil(13 / ch));
  out.push(`<g class='rows'>`);
  for (let r = 0; r < R; r += rowEvery) {
    out.push(`<text x='${c(left - 6)}' y='${c(top + (r + 0.5) * ch + 4)}' text-anchor='end' fill='${AXIS}'>${esc(rows[r])}</text>`);
  }
  out.push(`</g>`);

  // Column labels, about one per 60 px.
  const labels = colLabels ?? Array.from({ length: C }, (_, k) => String(k + 1));
  const longest = Math.max(...labels.map((s) => String(s).length));
  const colEvery = Math.max(1, Math.ceil((longest * CHAR_W + 10) / cw), Math.ceil(C / Math.max(1, Math.floor(pw / 60))));
  out.push(`<g class='cols'>`);
  for (let k = 0; k < C; k += colEvery) {
    const x = left + (k + 0.5) * cw;
    out.push(`<line x1='${c(x)}' x2='${c(x)}' y1='${c(top + ph)}' y2='${c(top + ph + 4)}' stroke='${AXIS}'/>`);
    out.push(`<text x='${c(x)}' y='${c(top + ph + 17)}' text-anchor='middle' fill='${AXIS}'>${esc(labels[k])}</text>`);
  }
  out.push(`</g>`);
  if (xLabel) out.push(`<text x='${c(left + pw / 2)}' y='${c(H - 8)}' text-anchor='middle' fill='#222'>${esc(xLabel)}</text>`);

  // Colour bar with ticks.
  const gid = uid('grad');
  const bx = left + pw + 22, bw = 14;
  out.push(`<defs><linearGradient id='${gid}' x1='0' y1='1' x2='0' y2='0'>${VIRIDIS.map((_, i) => `<stop offset='${c(i / (VIRIDIS.length - 1))}' stop-color='${viridis(i / (VIRIDIS.length - 1))}'/>`).join('')}</linearGradient></defs>`);
  out.push(`<g class='colorbar'>`);
  out.push(`<rect x='${c(bx)}' y='${c(top)}' width='${bw}' height='${c(ph)}' fill='url(#${gid})' stroke='${AXIS}'/>`);
  const t = niceTicks(lo, hi, Math.max(2, Math.min(6, Math.floor(ph / 30))));
  for (const v of t.ticks) {
    if (v < lo - 1e-9 || v > hi + 1e-9) continue;
    const y = top + ph - ((v - lo) / (hi - lo)) * ph;
    out.push(`<line x1='${c(bx + bw)}' x2='${c(bx + bw + 4)}' y1='${c(y)}' y2='${c(y)}' stroke='${AXIS}'/>`);
    out.push(`<text x='${c(bx + bw + 7)}' y='${c(y + 4)}' fill='${AXIS}'>${esc(formatNumber(v, t.step))}</text>`);
  }
  if (colorLabel) out.push(`<text transform='translate(${c(width - 8)} ${c(top + ph / 2)}) rotate(-90)' text-anchor='middle' fill='#222'>${esc(colorLabel)}</text>`);
  out.push(`</g>`);
  out.push(`</svg>`);
  return out.join('\n') + '\n';
}
