// examples/smaller-models.js, quick run (see test/util/examples.ts): int8, float16 and pruned (80%,
// fine-tuned with the polynomial schedule) + int8 against float32, on the main job's CO2 forecaster
// and on a first-name classifier. The bounds: the forecast's error rises at most 3%, the
// accuracy drops at most 0.5 points; and the files shrink.
import { describe, expect, it } from 'vitest';
import { metrics, runExample } from './util/examples.js';

describe('smaller-models example, quick run', () => {
  it('int8 and pruned + int8 stay within the bounds of float32, with smaller files', () => {
    const { out, seconds } = runExample('smaller-models.js');
    const [co2Part, namesPart] = out.split(/\nFirst names/);
    const mae = (name: string) => {
      const m = new RegExp(`${name}\\s+MAE ([\\d.]+) ppm\\s+[-+][\\d.]+%\\s+file ([\\d,]+) bytes`).exec(co2Part);
      expect(m, `${name} in:\n${co2Part}`).not.toBeNull();
      return [Number(m![1]), Number(m![2].replace(/,/g, ''))];
    };
    const acc = (name: string) => {
      const m = new RegExp(`${name}\\s+accuracy ([\\d.]+)%\\s+[-+][\\d.]+ points\\s+file ([\\d,]+) bytes`).exec(namesPart);
      expect(m, `${name} in:\n${namesPart}`).not.toBeNull();
      return [Number(m![1]), Number(m![2].replace(/,/g, ''))];
    };
    const [f32, f32Size] = mae('float32'), [f16, f16Size] = mae('float16'), [i8, i8Size] = mae('int8');
    const [p, pSize] = mae('pruned 80%'), [pq, pqSize] = mae('pruned 80% \\+ int8');
    console.log(`smaller-models --quick (${seconds.toFixed(1)} s): CO2 MAE f32 ${f32}, f16 ${f16}, int8 ${i8}, pruned ${p}, pruned+int8 ${pq} ppm; bytes ${f32Size} ${f16Size} ${i8Size} ${pSize} ${pqSize}`);
    // Measured (quick): 0.3506, 0.3506, 0.3503, 0.3404, 0.3405 ppm; 18,702 / 9,955 / 7,531 / 6,139 / 4,800 bytes.
    // (The full run: 0.3240, 0.3240, 0.3246 (+0.2%), 0.3311, 0.3317 (+2.4%).)
    expect(f32).toBeLessThan(0.45); // the forecaster learned (naive: 1.22 ppm)
    expect(f16).toBeLessThanOrEqual(f32 * 1.03);
    expect(i8).toBeLessThanOrEqual(f32 * 1.03);
    expect(pq).toBeLessThanOrEqual(f32 * 1.03);
    expect(f16Size).toBeLessThan(f32Size * 0.56);
    expect(i8Size).toBeLessThan(f32Size * 0.45); // the header and f32 scales weigh on a 4.5k-parameter model
    expect(pqSize).toBeLessThan(i8Size * 0.7);
    expect(co2Part).toMatch(/kernels: 7\d\.\d% zeros after pruning \(the recurrent kernel 80%\)/);

    const [a32, a32Size] = acc('float32'), [a16] = acc('float16'), [a8, a8Size] = acc('int8');
    const [ap] = acc('pruned 80%'), [apq, apqSize] = acc('pruned 80% \\+ int8');
    console.log(`  names accuracy f32 ${a32}%, f16 ${a16}%, int8 ${a8}%, pruned ${ap}%, pruned+int8 ${apq}%; bytes ${a32Size} ${a8Size} ${apqSize}`);
    // Measured (quick): 83.26, 83.26, 83.32, 84.38, 84.2%; 300,691 / 82,743 / 32,750 bytes.
    // (The full run: 84.63, 84.63, 84.51 (-0.12), 85.07, 85.01 (+0.37).)
    expect(a32).toBeGreaterThan(75); // always answering the larger class: about 56%
    expect(a16).toBeGreaterThanOrEqual(a32 - 0.5);
    expect(a8).toBeGreaterThanOrEqual(a32 - 0.5);
    expect(apq).toBeGreaterThanOrEqual(a32 - 0.5);
    expect(a8Size).toBeLessThanOrEqual(a32Size * 0.3);
    expect(apqSize).toBeLessThan(a8Size * 0.5);
    expect(namesPart).toMatch(/kernels: 80\.0% zeros after pruning/);
  });
});
