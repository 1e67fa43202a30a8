// The examples' helpers: the data loaders read the shipped files correctly, and the SVG plots are
// well-formed documents with finite coordinates.
import { describe, expect, it } from 'vitest';

// examples/lib is plain JavaScript without type declarations; a computed specifier keeps tsc from
// asking for them, and the tests below check the shapes it would have promised.
const lib = (name: string) => `../examples/lib/${name}`;
/* eslint-disable @typescript-eslint/no-explicit-any */
const data: any = await import(/* @vite-ignore */ lib('data.js'));
const svg: any = await import(/* @vite-ignore */ lib('svg.js'));

/** A small XML well-formedness check: balanced tags, quoted attributes, escaped text. */
function parseXml(s: string): { tags: Map<string, number>; root: string } {
  const tags = new Map<string, number>();
  const stack: string[] = [];
  let root = '';
  const re = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+\s*=\s*(?:'[^'<]*'|"[^"<]*"))*)\s*(\/?)>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>/g;
  let last = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    const text = s.slice(last, m.index);
    if (/[<>]/.test(text) || /&(?!(amp|lt|gt|quot|#39|#\d+);)/.test(text)) throw new Error(`bad text near ${JSON.stringify(text.slice(0, 60))}`);
    last = re.lastIndex;
    if (m[0].startsWith('<!--') || m[0].startsWith('<?')) continue;
    const [, close, name, , self] = m;
    if (close) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}>`);
    } else {
      if (stack.length === 0) {
        if (root) throw new Error('more than one root element');
        root = name;
      }
      tags.set(name, (tags.get(name) ?? 0) + 1);
      if (!self) stack.push(name);
    }
  }
  if (stack.length) throw new Error(`unclosed <${stack.join('>, <')}>`);
  if (s.slice(last).trim() !== '') throw new Error('text after the root element');
  return { tags, root };
}

/** Every numeric attribute and path coordinate, to check none is NaN or infinite. */
function coordinates(s: string): string[] {
  const out: string[] = [];
  for (const m of s.matchAll(/\s(x|y|x1|x2|y1|y2|cx|cy|r|width|height|offset)='([^']*)'/g)) out.push(m[2]);
  for (const m of s.matchAll(/\sd='([^']*)'/g)) out.push(...m[1].split(/[MLZ, ]+/).filter(Boolean));
  for (const m of s.matchAll(/translate\(([^)]*)\)/g)) out.push(...m[1].split(/[ ,]+/));
  return out;
}

function expectCleanSvg(s: string): Map<string, number> {
  expect(typeof s).toBe('string');
  expect(s).not.toMatch(/NaN|Infinity|undefined|\[object/);
  const { tags, root } = parseXml(s);
  expect(root).toBe('svg');
  expect(s).toMatch(/^<svg xmlns='http:\/\/www\.w3\.org\/2000\/svg' width='\d+(\.\d+)?' height='\d+(\.\d+)?' viewBox='0 0 [\d.]+ [\d.]+'/);
  const coords = coordinates(s);
  expect(coords.length).toBeGreaterThan(10);
  for (const v of coords) {
    if (v.startsWith('url(')) continue;
    expect(Number.isFinite(Number(v)), `coordinate ${JSON.stringify(v)}`).toBe(true);
  }
  return tags;
}

describe('examples/lib/data.js', () => {
  it('loadCo2 reads the Mauna Loa record: 741 months from 1958-03 (315.70 ppm) to 2020-04', () => {
    const { dates, values, adjusted, missing, filled } = data.loadCo2();
    expect(dates.length).toBe(741);
    expect(values.length).toBe(741);
    expect(adjusted.length).toBe(741);
    expect(dates[0]).toBe('1958-03');
    expect(values[0]).toBe(315.7);
    expect(adjusted[0]).toBe(314.44);
    expect(dates[740]).toBe('2020-04');
    expect(values[740]).toBe(416.18);
    expect(values.every((v: number) => v > 300 && v < 430)).toBe(true);
    expect(missing).toEqual(['1958-06', '1958-10', '1964-02', '1964-03', '1964-04']);
    expect(filled.some(Boolean)).toBe(false);
    for (let i = 1; i < dates.length; i++) expect(dates[i] > dates[i - 1]).toBe(true);
  });
  it('loadCo2({ fillGaps: true }) gives one row per month, gaps interpolated', () => {
    const { dates, values, filled } = data.loadCo2({ fillGaps: true });
    expect(dates.length).toBe(746);
    expect(dates.slice(0, 5)).toEqual(['1958-03', '1958-04', '1958-05', '1958-06', '1958-07']);
    expect(filled.filter(Boolean).length).toBe(5);
    expect(values[3]).toBeCloseTo((317.51 + 315.86) / 2, 10);
    const month = (d: string) => Number(d.slice(0, 4)) * 12 + Number(d.slice(5, 7));
    for (let i = 1; i < dates.length; i++) expect(month(dates[i]) - month(dates[i - 1])).toBe(1);
  });
  it('loadSonnets gives the 154 sonnets', () => {
    const { text, sonnets } = data.loadSonnets();
    expect(sonnets.length).toBe(154);
    expect(sonnets[0].split('\n')[0]).toBe('From fairest creatures we desire increase,');
    expect(sonnets[17].split('\n')[0]).toBe("Shall I compare thee to a summer's day?");
    expect(sonnets.filter((s: string) => s.split('\n').length === 14).length).toBe(152);
    expect(text.length).toBeGreaterThan(90_000);
    expect(text.length).toBeLessThan(200_000);
  });
  it('loadFirstNames gives labelled names, each name once', () => {
    const { names, labels, classes } = data.loadFirstNames();
    expect(classes).toEqual(['female', 'male']);
    expect(names.length).toBe(8003);
    expect(labels.length).toBe(8003);
    expect(labels.filter((l: number) => l === 0).length).toBe(4525);
    expect(new Set(names.map((n: string) => n.toLowerCase())).size).toBe(8003);
    expect(names.every((n: string) => /^[A-Za-z][A-Za-z-]*$/.test(n))).toBe(true);
    expect(labels[names.indexOf('Aaron')]).toBe(1);
    expect(labels[names.indexOf('Abigail')]).toBe(0);
  });
});

describe('examples/lib/svg.js', () => {
  it('lineChart on the CO2 record: a date axis, two series, a legend and a marker line', () => {
    const { dates, values } = data.loadCo2();
    const s = svg.lineChart({
      title: 'Mauna Loa CO2 <monthly> & "forecast"',
      series: [
        { name: 'measured', x: dates, y: values, color: '#222' },
        { name: 'last year', x: dates.slice(-12), y: values.slice(-12), dash: '4 3' },
      ],
      xLabel: 'month', yLabel: 'CO2 (ppm)', vline: { x: '2010-01', label: 'test' },
    });
    const tags = expectCleanSvg(s);
    expect(tags.get('path')).toBe(2);
    expect(s).toContain('Mauna Loa CO2 &lt;monthly&gt; &amp; &quot;forecast&quot;');
    expect(s).toContain('>1960<');
    expect(s).toContain('>2020<');
    expect(s).toContain('>measured<');
    expect(s).toContain("class='vline'");
    expect(s).toContain('>CO2 (ppm)<');
  });
  it('lineChart with numbers, with gaps, with categories, a constant series and a lone point', () => {
    expectCleanSvg(svg.lineChart({ title: 'loss', series: [{ name: 'loss', y: [1, 0.5, NaN, 0.2] }, { name: 'val', y: [1.2, 0.6, 0.4, 0.3] }] }));
    const cat = svg.lineChart({ series: [{ name: 'n', x: ['a', 'b', 'c'], y: [3, 1, 2] }] });
    expectCleanSvg(cat);
    expect(cat).toContain('>b<');
    expectCleanSvg(svg.lineChart({ series: [{ name: 'flat', x: [1, 2, 3], y: [5, 5, 5] }] }));
    expectCleanSvg(svg.lineChart({ series: [{ name: 'one', x: [7], y: [2] }] }));
    expectCleanSvg(svg.lineChart({ series: [{ name: 'tiny', y: [1e-7, 2e-7, 3e-7] }], width: 300, height: 200 }));
  });
  it('lineChart rejects what it cannot plot, saying why', () => {
    expect(() => svg.lineChart({ series: [] })).toThrow(/series is empty/);
    expect(() => svg.lineChart({ series: [{ name: 'a', x: [1, 2], y: [1] }] })).toThrow(/series\[0\] \('a'\) has 2 x values but 1 y values/);
    expect(() => svg.lineChart({ series: [{ name: 'a', y: [NaN] }] })).toThrow(/no finite y value/);
    expect(() => svg.lineChart({ series: [{ name: 'a', x: [1, 'b'], y: [1, 2] }] })).toThrow(/mix numbers and strings/);
  });
  it('heatmap of gate activations: one cell per value, labels and a colour bar', () => {
    const rows = Array.from({ length: 8 }, (_, i) => `unit ${i}`);
    const matrix = rows.map((_, r) => Array.from({ length: 30 }, (_, t) => 1 / (1 + Math.exp(-Math.sin(r + t / 5) * 3))));
    matrix[2][4] = NaN;
    const s = svg.heatmap({ title: 'input gate', rows, matrix, width: 700, min: 0, max: 1, xLabel: 'step', colorLabel: 'activation' });
    const tags = expectCleanSvg(s);
    expect(s.match(/<rect [^>]*fill='#[0-9a-f]{6}'><title>/g)!.length).toBe(8 * 30);
    expect(s).toContain('>unit 7<');
    expect(tags.get('linearGradient')).toBe(1);
    expect(s).toContain("fill='#cccccc'");
    expect(svg.viridis(0)).toBe('#440154');
    expect(svg.viridis(1)).toBe('#fde725');
  });
  it('heatmap rejects a ragged or mislabelled matrix', () => {
    expect(() => svg.heatmap({ rows: ['a'], matrix: [[1], [2]] })).toThrow(/1 row labels for 2 matrix rows/);
    expect(() => svg.heatmap({ rows: ['a', 'b'], matrix: [[1, 2], [3]] })).toThrow(/matrix\[1\] has 1 values, matrix\[0\] has 2/);
    expect(() => svg.heatmap({ rows: [], matrix: [] })).toThrow(/matrix is empty/);
  });
});
