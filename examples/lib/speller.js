// The spelling-to-sound encoder-decoder, with or without attention, and its greedy decoding with an
// encoder model and a one-step decoder model built from the trained layers. Used by
// examples/spell-to-sound-attention.js and the browser demo's translation mode (examples/web).
import { input, model, Embedding, LSTM, Dense, Attention, Concatenate } from 'lstm-wasm';

/** `task`: spellingTask(...) of ./spelling.js. */
export function buildSpeller(task, { withAttention = true, units = 64, embed = 32, seed = 11 } = {}) {
  const { letters, tokens, MAX_LETTERS } = task;
  const UNITS = units, EMBED = embed;
  const letterIn = input({ shape: [MAX_LETTERS], name: 'letters' });
  const letterEmb = new Embedding({ inputDim: letters.length + 1, outputDim: EMBED, maskZero: true }).apply(letterIn);
  const [encSeq, h, c] = new LSTM({ units: UNITS, returnSequences: true, returnState: true, name: 'encoder' }).apply(letterEmb);
  const phonemeIn = input({ shape: [null], name: 'phonemes_so_far' });
  const embedding = new Embedding({ inputDim: tokens.length, outputDim: EMBED });
  const decoder = new LSTM({ units: UNITS, returnSequences: true, returnState: true, name: 'decoder' });
  const attention = withAttention ? new Attention({ name: 'attention' }) : null;
  const join2 = withAttention ? new Concatenate() : null;
  const head = new Dense({ units: tokens.length, activation: 'softmax', name: 'next_phoneme' });
  // The letters' padding mask reaches the attention layer from the Embedding, through the encoder.
  const top = (seq, values, mask) => (withAttention ? head.apply(join2.apply([seq, attention.apply([seq, values], mask ? { mask: [null, mask] } : {})])) : head.apply(seq));
  const [decSeq] = decoder.apply(embedding.apply(phonemeIn), { initialState: [h, c] });
  const trainer = model({ inputs: [letterIn, phonemeIn], outputs: top(decSeq, encSeq), seed });
  trainer.compile({ optimizer: { name: 'adam', learningRate: 0.005 }, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });

  // Decoding: the encoder once, then one decoder step at a time fed its own best guess. The step model
  // is given the encoder's outputs and their mask (letters present) as inputs of its own.
  const encoder = model({ inputs: letterIn, outputs: [encSeq, h, c] });
  const tokIn = input({ shape: [1] });
  const valuesIn = input({ shape: [MAX_LETTERS, UNITS] }), maskIn = input({ shape: [MAX_LETTERS] });
  const hIn = input({ shape: [UNITS] }), cIn = input({ shape: [UNITS] });
  const [stepSeq, h2, c2] = decoder.apply(embedding.apply(tokIn), { initialState: [hIn, cIn] });
  const step = model({ inputs: [tokIn, valuesIn, maskIn, hIn, cIn], outputs: [top(stepSeq, valuesIn, maskIn), h2, c2] });
  return { trainer, encoder, step, attentionLayer: attention, dispose: () => { step.dispose(); encoder.dispose(); trainer.dispose(); } };
}

/** Greedy decoding of many words at once; with `maps`, also each step's attention over the letters. */
export function pronounce(task, m, list, maps = false) {
  const { tokens, MAX_LETTERS, MAX_PHONEMES, PAD, START, END, encodeWords } = task;
  const n = list.length, V = tokens.length;
  const x = encodeWords(list);
  let [values, h, c] = m.encoder.predict(x);
  const mask = { data: x.data.map((v) => (v !== 0 ? 1 : 0)), shape: x.shape };
  const tok = new Float32Array(n).fill(START);
  const out = list.map(() => []), weights = list.map(() => []);
  const done = new Uint8Array(n);
  for (let t = 0; t <= MAX_PHONEMES; t++) {
    const xs = [{ data: tok, shape: [n, 1] }, values, mask, h, c];
    const [p, h2, c2] = m.step.predict(xs);
    const scores = maps && m.attentionLayer ? m.step.inspect(xs, { layer: 'attention' }).attentionScores.data : null;
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let k = 1; k < V; k++) if (p.data[i * V + k] > p.data[i * V + best]) best = k;
      if (!done[i]) {
        if (best === END || best === PAD || best === START) done[i] = 1;
        else {
          out[i].push(tokens[best]);
          if (scores) weights[i].push(Array.from(scores.subarray(i * MAX_LETTERS, (i + 1) * MAX_LETTERS)));
        }
      }
      tok[i] = best;
    }
    h = h2; c = c2;
  }
  return maps ? { out, weights } : out;
}

