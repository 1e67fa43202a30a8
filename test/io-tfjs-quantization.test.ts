// toLayersModel({ quantization }): TF.js's own quantized weights (uint8, uint16 affine; float16),
// read back by TF.js's loader (tf.loadLayersModel(tf.io.fromMemory(...))) and by ours, and checked
// against the float weights (each within half a quantization step) and against each other.
import { beforeAll, describe, expect, it } from 'vitest';
import { Dense, LSTM, Sequential, loadLayersModel, toLayersModel, type TensorData } from '../src/index.js';
import { fromFloat16Bits, toFloat16Bits } from '../src/io/save.js';
import { initForTests, maxAbsDiff, randTensor, tf, tfCpu } from './util/tfjs.js';

beforeAll(async () => {
  await initForTests();
  await tfCpu();
});

function model(): Sequential {
  const m = new Sequential({ seed: 5, layers: [new LSTM({ units: 7, inputShape: [5, 3] }), new Dense({ units: 2 })] });
  // a pruned kernel: zeros must stay exactly zero
  const ws = m.layers[0].getWeights();
  for (let i = 0; i < ws[0].data.length; i += 3) ws[0].data[i] = 0;
  m.layers[0].setWeights(ws);
  return m;
}

describe('toLayersModel with TF.js quantization', () => {
  for (const dtype of ['uint8', 'uint16', 'float16'] as const)
    it(`${dtype}: TF.js loads it; its weights are within half a step of ours, and our reader gives the same`, async () => {
      const m = model();
      const a = toLayersModel(m, { quantization: dtype });
      const full = toLayersModel(m);
      const per = dtype === 'uint8' ? 1 : 2;
      expect((a.weightData as ArrayBuffer).byteLength).toBe(((full.weightData as ArrayBuffer).byteLength / 4) * per);
      const ours = m.getWeights();
      // the entries, decoded here from the bytes with TF.js's rule (value = q·scale + min)
      const bytes = new Uint8Array(a.weightData as ArrayBuffer);
      const dv = new DataView(bytes.buffer);
      let at = 0;
      a.weightSpecs.forEach((spec, j) => {
        const q = spec.quantization!;
        expect(q.dtype).toBe(dtype);
        expect(spec.dtype).toBe('float32');
        const w = ours[j].data;
        const step = q.scale ?? 0;
        for (let i = 0; i < w.length; i++) {
          const v = dtype === 'uint8' ? bytes[at + i] * q.scale! + q.min!
            : dtype === 'uint16' ? dv.getUint16(at + 2 * i, true) * q.scale! + q.min!
              : fromFloat16Bits(dv.getUint16(at + 2 * i, true));
          if (dtype === 'float16') expect(v).toBe(fromFloat16Bits(toFloat16Bits(w[i])));
          else expect(Math.abs(v - w[i]), `${spec.name}[${i}]`).toBeLessThanOrEqual(step / 2 + 1e-6 * Math.abs(w[i]) + 1e-7);
          if (w[i] === 0 && dtype !== 'float16') expect(Math.abs(v)).toBeLessThan(1e-6 * step);
        }
        at += w.length * per;
      });
      // TF.js's loader
      const theirs = await tf.loadLayersModel(tf.io.fromMemory(a.modelTopology as never, a.weightSpecs as never, a.weightData as ArrayBuffer));
      const tw = theirs.getWeights().map((t) => t.dataSync() as Float32Array);
      // our reader: the same dequantized values
      const back = await loadLayersModel(a);
      const bw = back.getWeights();
      expect(bw.length).toBe(tw.length);
      bw.forEach((w, j) => expect(maxAbsDiff(w.data, tw[j])).toBeLessThan(1e-6));
      // and the predictions agree, and stay near the float model's
      const x = randTensor([4, 5, 3], 2);
      const yTf = theirs.predict(tf.tensor(x.data, x.shape)) as { dataSync(): Float32Array };
      const yBack = (back.predict(x) as TensorData).data;
      expect(maxAbsDiff(yBack, yTf.dataSync())).toBeLessThan(1e-5);
      const y32 = (m.predict(x) as TensorData).data;
      expect(maxAbsDiff(yBack, y32)).toBeLessThan(dtype === 'uint8' ? 5e-2 : 2e-3);
      theirs.dispose();
    });

  it('bad options are refused; a constant tensor and a value beyond float16 too', () => {
    const m = model();
    expect(() => toLayersModel(m, { quantization: 'int4' as never })).toThrow(/'quantization' must be 'uint8', 'uint16' or 'float16'.*got a string .int4./);
    // a constant tensor (the Dense bias: zeros) quantizes to scale 1, min = the value
    const a = toLayersModel(m, { quantization: 'uint8' });
    const bias = a.weightSpecs[a.weightSpecs.length - 1];
    expect(bias.quantization).toMatchObject({ dtype: 'uint8', scale: 1, min: 0 });
    const ws = m.layers[1].getWeights();
    ws[0].data[0] = 1e6;
    m.layers[1].setWeights(ws);
    expect(() => toLayersModel(m, { quantization: 'float16' })).toThrow(/holds 1000000 \(at 0\), beyond float16's range/);
  });
});
