// Saving weights as float16 (header field weightsDtype): half the weight bytes; loadModel reads them
// back into f32 equal to each value's float16 rounding (checked against an independent rounding:
// the nearest multiple of the value's float16 ulp, ties to even); old (float32) files still load;
// out-of-range values and damaged fields are errors.
import { beforeAll, describe, expect, it } from 'vitest';
import { Dense, LSTM, Sequential, loadModelSync, type Model } from '../src/index.js';
import { encodeModel, fromFloat16Bits, toFloat16Bits, type SaveOptions } from '../src/io/save.js';
import { crc32 } from '../src/io/crc32.js';
import { initForTests, randTensor } from './util/tfjs.js';

beforeAll(async () => { await initForTests(); });

/** Independent float16 rounding: the nearest multiple of the float16 ulp at |v| (ties to even). */
function f16Round(v: number): number {
  if (v === 0 || !Number.isFinite(v)) return v;
  const a = Math.abs(v);
  const e = Math.max(Math.floor(Math.log2(a)), -14);
  const ulp = 2 ** (e - 10);
  let n = a / ulp;
  const fl = Math.floor(n);
  n = n - fl > 0.5 || (n - fl === 0.5 && fl % 2 === 1) ? fl + 1 : fl;
  const r = n * ulp;
  return (v < 0 ? -r : r) > 65504 ? Infinity : v < 0 ? -r : r;
}

// model.save() passes its options to encodeModel; these tests call the codec the same way.
function save(m: Model, options: SaveOptions = {}): Uint8Array {
  return encodeModel({ topology: m.topology(), layers: m.layers.filter((l) => l.className !== 'InputLayer'), training: m.compileConfig }, options);
}

function headerOf(bytes: Uint8Array): Record<string, unknown> {
  const n = new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true);
  return JSON.parse(new TextDecoder().decode(bytes.subarray(20, 20 + n)));
}

describe('float16 weights', () => {
  it('the conversion rounds to nearest even, keeps signs, subnormals and the range ends', () => {
    const vals = [0, -0, 1, -1, 0.1, 1 / 3, 65504, -65504, 6.1e-5, 5.96e-8, 2.98e-8, 1e-9, 1.0009765625, 1.00048828125, 1.00146484375, 2049, 2051, 3.14159];
    for (const v of vals) {
      const back = fromFloat16Bits(toFloat16Bits(v));
      expect(Object.is(back, f16Round(Math.fround(v))) || back === f16Round(Math.fround(v)), `${v} → ${back}`).toBe(true);
    }
    expect(Object.is(fromFloat16Bits(toFloat16Bits(-0)), -0)).toBe(true);
    expect(fromFloat16Bits(toFloat16Bits(70000))).toBe(Infinity);
    expect(Number.isNaN(fromFloat16Bits(toFloat16Bits(NaN)))).toBe(true);
  });

  it('save with float16 halves the weights; loadModel gives each value its float16 rounding', () => {
    const m = new Sequential({ seed: 4, layers: [new LSTM({ units: 24, inputShape: [10, 3] }), new Dense({ units: 2 })] });
    m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    const full = save(m), half = save(m, { weights: 'float16' });
    const h32 = headerOf(full), h16 = headerOf(half);
    expect(h32.weightsDtype).toBeUndefined();
    expect(h16.weightsDtype).toBe('float16');
    expect(h16.weightBytes).toBe((h32.weightBytes as number) / 2);
    expect(half.length).toBeLessThan(0.55 * full.length);
    const back = loadModelSync(half);
    const a = m.layers.flatMap((l) => l.getWeights()), b = back.layers.flatMap((l) => l.getWeights());
    expect(b.length).toBe(a.length);
    a.forEach((w, i) => {
      expect(b[i].shape).toEqual(w.shape);
      expect(Array.from(b[i].data)).toEqual(Array.from(w.data, (v) => f16Round(v)));
    });
    // the compile config came along; predictions are close to the float32 model's
    const x = randTensor([4, 10, 3], 8);
    const y0 = (m.predict(x) as { data: Float32Array }).data, y1 = (back.predict(x) as { data: Float32Array }).data;
    for (let i = 0; i < y0.length; i++) expect(Math.abs(y0[i] - y1[i])).toBeLessThan(1e-2);
    expect(back.compileConfig).not.toBeNull();
    // float32 files (no weightsDtype) load exactly as before
    const same = loadModelSync(full);
    same.layers.flatMap((l) => l.getWeights()).forEach((w, i) => expect(Array.from(w.data)).toEqual(Array.from(a[i].data)));
  });

  it('stateful states go in float16 too', () => {
    const m = new Sequential({ seed: 1, layers: [new LSTM({ units: 4, stateful: true, batchInputShape: [2, null, 1] }), new Dense({ units: 1 })] });
    m.predict(randTensor([2, 3, 1], 3));
    const back = loadModelSync(save(m, { weights: 'float16', includeState: true }));
    const s0 = (m.layers[0] as LSTM).getStates(), s1 = (back.layers[0] as LSTM).getStates();
    s0.forEach((s, i) => expect(Array.from(s1[i].data)).toEqual(Array.from(s.data, (v) => f16Round(v))));
  });

  it('errors: a value beyond float16, a bad weights option, a damaged weightsDtype', () => {
    const m = new Sequential({ seed: 1, layers: [new Dense({ units: 2, inputShape: [3] })] });
    const w = m.layers[0].getWeights();
    w[0].data[1] = 1e5;
    m.layers[0].setWeights(w);
    expect(() => save(m, { weights: 'float16' })).toThrow(/kernel holds 100000.*beyond float16's range/);
    expect(() => save(m, { weights: 'int3' as never })).toThrow(/'weights' must be 'float32' or 'float16'/);
    // a header claiming another dtype (checksums fixed up, as a foreign writer would)
    const bytes = save(new Sequential({ seed: 1, layers: [new Dense({ units: 2, inputShape: [3] })] }), { weights: 'float16' });
    const n = new DataView(bytes.buffer).getUint32(12, true);
    const header = headerOf(bytes);
    header.weightsDtype = 'bfloat16';
    const json = new TextEncoder().encode(JSON.stringify(header));
    const out = new Uint8Array(20 + json.length + bytes.length - 20 - n);
    out.set(bytes.subarray(0, 20));
    out.set(json, 20);
    out.set(bytes.subarray(20 + n), 20 + json.length);
    const dv = new DataView(out.buffer);
    dv.setUint32(12, json.length, true);
    dv.setUint32(16, crc32(json), true);
    expect(() => loadModelSync(out)).toThrow(/'weightsDtype' must be 'float16'/);
  });

  it('model.save({ weights: \'float16\' }) takes the option on a float model, and the file loads back', () => {
    const m = new Sequential({ seed: 2, layers: [new LSTM({ units: 64, inputShape: [3, 2] }), new Dense({ units: 1 })] });
    const full = m.save(), half = m.save({ weights: 'float16' });
    expect(half.length).toBeLessThan(full.length * 0.55); // the weights (68 kB) dominate the header
    const back = loadModelSync(half);
    const a = m.getWeights(), b = back.getWeights();
    a.forEach((w, i) => w.data.forEach((v, j) => expect(b[i].data[j]).toBe(fromFloat16Bits(toFloat16Bits(v)))));
  });
});
