// The streaming step's fast path (Model.step): a chain of stateful LSTM, GRU (resetAfter) and
// SimpleRNN layers, Dense layers, Dropout (inference: nothing) and a leading Masking layer runs
// straight on the kernels of assembly/step.ts, one call per layer, without the executor, the plan's
// buffers or any allocation but the returned output. Anything else returns null from
// streamFor, and Model.step takes the generic path (a T = 1 plan run by runForward).
//
// Memory: a stream is laid out like a plan (store.beginPlan, then the arena), so it shares the
// region above the persistent one with every plan of the store. It marks itself the store's last
// plan when it runs, so that a plan running after it repacks its own weights (runForward bumps
// store.generation when the last plan differs), and it repacks its own whenever the generation
// moved since it packed: a plan ran in between, a backward pass or setWeights changed the weights.
// The recurrent state is the layers' own (layer.statePtr), so resetStates, getStates and setState
// see what step() does.
import type { Layer, ParamSlot } from '../layers/layer.js';
import { ACT } from '../layers/activations.js';
import type { Recurrent } from '../layers/recurrent.js';
import { FLAG } from '../runtime/abi.js';
import type { Kernels } from '../runtime/kernels.js';
import { Tensor } from '../tensor.js';
import type { Graph } from './graph.js';
import type { Store } from './store.js';

/**
 * Rows up to which the fast path runs. The kernels take rows in pairs, each pair reading all of
 * the packed weights once; the generic path's GEMM reads them once for four rows, so beyond a few
 * rows it is the faster (measured beside lstm_forward at T = 1: ahead up to 4 rows).
 */
export const STREAM_MAX_ROWS = 4;

/** One kernel call of the chain. */
interface Op {
  /** Packs this op's weights (recurrent layers); null for Dense. */
  pack: (() => void) | null;
  run: () => void;
}

/** A model's streaming step on the kernels of assembly/step.ts. */
export class Stream {
  /** Rows (the fixed batch) and features per row of xt; values per row of the output. */
  readonly B: number;
  readonly F: number;
  readonly D: number;
  private readonly k: Kernels;
  private readonly x: number;
  private readonly mask: number;
  private readonly maskValue: number;
  private readonly y: number;
  private readonly ops: Op[];
  private packedAt = -1;
  private mem: Float32Array;

  private constructor(
    readonly store: Store,
    readonly graph: Graph,
    B: number,
    F: number,
    D: number,
    x: number,
    mask: number,
    maskValue: number,
    y: number,
    ops: Op[],
  ) {
    this.k = store.k;
    this.B = B;
    this.F = F;
    this.D = D;
    this.x = x;
    this.mask = mask;
    this.maskValue = maskValue;
    this.y = y;
    this.ops = ops;
    this.mem = new Float32Array(this.k.memory.buffer);
  }

  /**
   * Lays out the fast path for a graph, or gives null when it cannot run it: anything but a
   * chain of (Masking first,) stateful LSTM / resetAfter GRU / SimpleRNN, Dense and Dropout layers
   * on [batch, steps, features] input, or more than STREAM_MAX_ROWS rows.
   */
  static plan(store: Store, graph: Graph, B: number): Stream | null {
    if (!(B >= 1 && B <= STREAM_MAX_ROWS) || graph.inputs.length !== 1 || graph.outputs.length !== 1) return null;
    const inShape = graph.inputs[0].sampleShape;
    if (inShape.length !== 2 || typeof inShape[1] !== 'number') return null;
    const F = inShape[1];
    // Every node reads the one before it (the first the input), and only its first output is read.
    let prev = graph.inputs[0];
    const chain: Layer[] = [];
    for (const n of graph.nodes) {
      if (n.inputs.length !== 1 || n.inputs[0] !== prev || n.outputs.length !== 1) return null;
      if (n.layer.className === 'InputLayer' || n.call.training === true) return null;
      chain.push(n.layer);
      prev = n.outputs[0];
    }
    if (prev !== graph.outputs[0] || chain.length === 0) return null;
    const k = store.k;
    if (typeof k.lstm_step !== 'function') return null; // a custom module without these kernels
    // Check everything before laying anything out.
    let recurrent = 0;
    for (let i = 0; i < chain.length; i++) {
      const l = chain[i];
      switch (l.className) {
        case 'Masking':
          if (i !== 0) return null;
          break;
        case 'Dropout':
          break;
        case 'Dense':
          if (l.slots.length < 1) return null;
          break;
        case 'LSTM':
        case 'GRU':
        case 'SimpleRNN': {
          const r = l as Recurrent;
          if (!r.stateful || r.returnState || !r.statePtr || r.batchSize !== B) return null;
          if (l.className === 'GRU' && !(l as unknown as { resetAfter: boolean }).resetAfter) return null;
          recurrent++;
          break;
        }
        default:
          return null;
      }
    }
    if (recurrent === 0) return null;

    const { arena } = store;
    store.beginPlan();
    const x = arena.alloc(B * F);
    const masking = chain[0].className === 'Masking';
    const mask = masking ? arena.alloc(B) : 0;
    const maskValue = masking ? (chain[0] as unknown as { maskValue: number }).maskValue : 0;
    const ops: Op[] = [];
    let cur = x; // where the current layer's input lies
    let width = F;
    let masked = masking; // whether the mask reaches the next layer
    let y = x;
    for (const l of chain) {
      const cls = l.className;
      if (cls === 'Masking' || cls === 'Dropout') continue;
      if (cls === 'Dense') {
        const d = l as unknown as { units: number; activation: string; useBias: boolean };
        const [W, bias] = l.slots as ParamSlot[];
        const N = d.units,
          K = width,
          act = ACT[d.activation as keyof typeof ACT],
          from = cur,
          out = arena.alloc(B * N),
          b = d.useBias && bias ? bias.ptr : 0;
        ops.push({ pack: null, run: () => k.dense_step(B, N, K, act, from, W.ptr, b, out) });
        cur = out;
        width = N;
        y = out;
        continue;
      }
      const r = l as Recurrent & { recurrentActivation?: string; peephole?: boolean };
      const H = r.units,
        I = width,
        from = cur,
        state = r.statePtr,
        m = masked ? mask : 0;
      const act = ACT[r.activation],
        rec = ACT[(r.recurrentActivation ?? 'sigmoid') as keyof typeof ACT];
      const [W, U] = l.slots;
      const bias = r.useBias ? l.slots[2].ptr : 0;
      let op: Op;
      if (cls === 'LSTM') {
        const flags = r.peephole ? FLAG.peephole : 0;
        const peep = r.peephole ? l.slots[l.slots.length - 1].ptr : 0;
        const pk = arena.alloc(k.lstm_step_packed_size(I, H)),
          scratch = arena.alloc(k.lstm_step_scratch_size(I, H));
        op = {
          pack: () => k.lstm_step_pack(I, H, flags, W.ptr, U.ptr, bias, peep, pk),
          run: () => k.lstm_step(B, I, H, flags, act, rec, from, pk, state, m, scratch),
        };
      } else if (cls === 'GRU') {
        const pk = arena.alloc(k.gru_step_packed_size(I, H)),
          scratch = arena.alloc(k.gru_step_scratch_size(I, H));
        op = {
          pack: () => k.gru_step_pack(I, H, W.ptr, U.ptr, bias, pk),
          run: () => k.gru_step(B, I, H, act, rec, from, pk, state, m, scratch),
        };
      } else {
        const pk = arena.alloc(k.rnn_step_packed_size(I, H)),
          scratch = arena.alloc(k.rnn_step_scratch_size(I, H));
        op = {
          pack: () => k.rnn_step_pack(I, H, W.ptr, U.ptr, bias, pk),
          run: () => k.rnn_step(B, I, H, act, from, pk, state, m, scratch),
        };
      }
      ops.push(op);
      // a stateful layer's output for the step is its new h, which lies in its state
      cur = state;
      width = H;
      y = state;
      // Keras: the mask goes on through layers that return sequences, and stops at those that do not
      masked = masked && r.returnSequences;
    }
    return new Stream(store, graph, B, F, width, x, mask, maskValue, y, ops);
  }

  /**
   * One step: xt (B·F values, already checked) in, the output [B, D] out, written into `out`
   * when given (its length checked by the caller), else into a new Float32Array.
   */
  run(xt: Float32Array, out?: Float32Array): Tensor {
    const { store, k } = this;
    if (store.lastPlan !== this) {
      // Plans overlap this memory: whatever ran since may have overwritten the packed weights,
      // and this run overwrites theirs.
      store.generation++;
      store.lastPlan = this;
    }
    if (this.packedAt !== store.generation) {
      for (const op of this.ops) if (op.pack) op.pack();
      this.packedAt = store.generation;
    }
    let mem = this.mem;
    if (mem.buffer !== k.memory.buffer) mem = this.mem = new Float32Array(k.memory.buffer);
    mem.set(xt, this.x >>> 2);
    if (this.mask) k.mask_from_values(this.B, 1, this.F, this.x, this.maskValue, this.mask);
    const ops = this.ops;
    for (let i = 0; i < ops.length; i++) ops[i].run();
    const n = this.B * this.D,
      at = this.y >>> 2;
    const res = out ?? new Float32Array(n);
    // a loop for the few values of a step: subarray would allocate a view per call
    if (n <= 64) for (let i = 0; i < n; i++) res[i] = mem[at + i];
    else res.set(mem.subarray(at, at + n));
    return new Tensor(res, [this.B, this.D]);
  }
}

interface Decision {
  graph: Graph;
  epoch: number;
  stream: Stream | null;
}
const decided = new WeakMap<object, Decision>();

/**
 * The model's fast path as last decided (keyed by the model): the stream, null when the generic
 * path runs it, undefined when not decided for this graph and persistent layout yet (streamFor).
 */
export function cachedStream(model: object, store: Store, graph: Graph): Stream | null | undefined {
  const d = decided.get(model);
  if (d === undefined || d.graph !== graph || d.epoch !== store.epoch || store.disposed) return undefined;
  return d.stream;
}

/**
 * Decides the fast path of a model's step() (a stateful model of one input and one output with a
 * fixed batch of B, already checked): lays out its stream, or records null for the generic path.
 */
export function streamFor(model: object, store: Store, graph: Graph, B: number): Stream | null {
  const stream = Stream.plan(store, graph, B);
  decided.set(model, { graph, epoch: store.epoch, stream });
  return stream;
}
