// Two more of a newcomer's stumbles (issue 14, items 5 and 6): summary() columns are as wide as their
// content, so a Bidirectional layer's long generated name no longer runs into its shape; and Keras's
// positional Bidirectional(LSTM(...)) form works instead of listing internal fields as unknown options.
import { beforeAll, describe, expect, it } from 'vitest';
import { Bidirectional, Dense, LSTM, Sequential } from '../src/index.js';
import { initForTests, randTensor } from './util/tfjs.js';

beforeAll(async () => { await initForTests(); });

describe('summary() and Bidirectional, as a Keras user meets them', () => {
  it('summary columns fit their longest entry: a long layer name never touches its output shape', () => {
    const m = new Sequential([
      new Bidirectional({ layer: new LSTM({ name: 'a_rather_long_lstm_layer_name_indeed', units: 4, returnSequences: true }), inputShape: [5, 3] }),
      new Dense({ units: 2 }),
    ]);
    const lines: string[] = [];
    m.summary(undefined, (l) => lines.push(l));
    const row = lines.find((l) => l.startsWith('bidirectional_a_rather_long_lstm_layer_name_indeed'))!;
    expect(row).toMatch(/^bidirectional_a_rather_long_lstm_layer_name_indeed \(Bidirectional\)\s{2,}\[null, 5, 8\]\s{2,}\d+/);
    // Every row's shape starts in the same column as the header's.
    const header = lines.find((l) => l.startsWith('Layer (type)'))!;
    const col = header.indexOf('Output Shape');
    for (const l of lines.filter((x) => /\[null/.test(x))) expect(l.indexOf('[null')).toBe(col);
  });

  it('new Bidirectional(new LSTM(...), { mergeMode }) works as { layer } does', () => {
    const positional = new Sequential({ seed: 4, layers: [new Bidirectional(new LSTM({ units: 3 }), { mergeMode: 'sum', inputShape: [4, 2] } as never), new Dense({ units: 1 })] });
    const named = new Sequential({ seed: 4, layers: [new Bidirectional({ layer: new LSTM({ units: 3 }), mergeMode: 'sum', inputShape: [4, 2] }), new Dense({ units: 1 })] });
    const x = randTensor([2, 4, 2], 1);
    expect(Array.from(positional.predict(x).data)).toEqual(Array.from(named.predict(x).data));
    expect((positional.layers[0] as Bidirectional).mergeMode).toBe('sum');
  });
});
