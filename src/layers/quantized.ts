// Int8 layers for inference, made by quantize() (src/quantize.ts) from a trained float model:
// QuantizedDense, QuantizedLSTM, QuantizedGRU (resetAfter), QuantizedSimpleRNN, QuantizedEmbedding
// (one scale per token) and QuantizedConv1D (one scale per filter). Each keeps the options of the
// float layer it came from; its
// weights are the int8 values (held as f32 integers in [-127, 127], so the store, getWeights and
// save need nothing new) with one f32 scale per output column. Their runners call the kernels of
// assembly/int8.ts: activations entering each GEMM are quantized per row at run time, and the gates,
// the cell state and the accumulations into it stay f32. The int8 panels are packed into the plan's
// scratch on the first forward after the weights changed (RunContext.generation), as the float
// recurrent layers do. Backward passes are refused: train the float model, then quantize it.
import { LstmWasmError } from '../errors.js';
import { ACT } from './activations.js';
import { Dense, type DenseArgs } from './dense.js';
import { Embedding, type EmbeddingArgs } from './embedding.js';
import { Conv1D, convGeometry, type Conv1DArgs } from './conv.js';
import { GRU, LSTM, SimpleRNN, type Cell, type GRUArgs, type LSTMArgs, type RecurrentArgs } from './recurrent.js';
import type { ParamSlot, ParamSpec, PlanOptions, RunContext, Runner, Shape } from './layer.js';
import { FLAG } from '../runtime/abi.js';

function noTraining(where: string): never {
  throw new LstmWasmError(
    `${where}: a quantized layer runs inference only (predict, ` +
      'evaluate, step); train the float model, then quantize() it again',
  );
}

/** The float layer's parameters, then one scale per output column for the kernel and the recurrent kernel. */
function recurrentSpecs(float: ParamSpec[], G: number): ParamSpec[] {
  const specs = float.map((s) => ({ name: s.name, shape: s.shape, init: { kind: 'zeros' } as const }));
  specs.push({ name: 'kernel_scale', shape: [G], init: { kind: 'zeros' } });
  specs.push({ name: 'recurrent_scale', shape: [G], init: { kind: 'zeros' } });
  return specs;
}

/**
 * The quantized recurrent layers: the float runner over a quantized cell; the scales (the last two
 * slots) go to the cell.
 */
const floatSlots = (params: ParamSlot[]): ParamSlot[] => params.slice(0, -2);

/** Dense with int8 weights: kernel [K, N] (int8 values), kernel_scale [N], bias [N]. */
export class QuantizedDense extends Dense {
  get className(): string {
    return 'QuantizedDense';
  }
  /** Saved as one byte per value (src/io/save.ts). */
  readonly int8Weights = ['kernel'];

  constructor(args: DenseArgs) {
    super(args);
  }

  paramSpecs(input: Shape): ParamSpec[] {
    const K = input[input.length - 1] as number,
      N = this.units;
    const specs: ParamSpec[] = [
      { name: 'kernel', shape: [K, N], init: { kind: 'zeros' } },
      { name: 'kernel_scale', shape: [N], init: { kind: 'zeros' } },
    ];
    if (this.useBias) specs.push({ name: 'bias', shape: [N], init: { kind: 'zeros' } });
    return specs;
  }

  plan(ctx: RunContext, inShape: number[], params: ParamSlot[], options: PlanOptions = {}): Runner {
    const { k, arena } = ctx;
    const K = inShape[inShape.length - 1],
      N = this.units;
    const M = inShape.slice(0, -1).reduce((a, b) => a * b, 1);
    const [W, S] = params;
    const bias = this.useBias ? params[2] : null;
    const y = arena.alloc(M * N);
    const fused = !!options.logits && this.fusableActivation !== null;
    const logits = fused ? arena.alloc(M * N) : 0;
    const scratch = arena.alloc(k.dense_q8_scratch_size(M, N, K));
    const act = ACT[this.activation];
    const where = this.where;
    let packedAt = -1;
    let mask = 0;
    return {
      outShape: [...inShape.slice(0, -1), N],
      out: y,
      get outMask() {
        return mask;
      },
      logits,
      fusedLogits: fused,
      forward(x: number, maskIn: number) {
        mask = inShape.length === 3 ? maskIn : 0;
        const flags = packedAt === ctx.generation ? FLAG.packed : 0;
        packedAt = ctx.generation;
        if (fused) {
          k.dense_q8_forward(M, N, K, ACT.linear, flags, x, W.ptr, S.ptr, bias ? bias.ptr : 0, logits, scratch);
          if (act === ACT.softmax) k.softmax_rows(M, N, logits, y);
          else k.act_forward(act, M * N, logits, y);
        } else {
          k.dense_q8_forward(M, N, K, act, flags, x, W.ptr, S.ptr, bias ? bias.ptr : 0, y, scratch);
        }
      },
      backward(): number {
        noTraining(where);
      },
    } as Runner;
  }
}

/**
 * LSTM with int8 weights: kernel [I, 4H], recurrent_kernel [H, 4H] (int8 values), bias [4H],
 * peephole [3H] when it has them, then kernel_scale [4H] and recurrent_scale [4H]. Masks, initial
 * states, goBackwards, returnSequences/returnState and stateful layers (step) work as for LSTM;
 * dropout does not apply (inference).
 */
export class QuantizedLSTM extends LSTM {
  get className(): string {
    return 'QuantizedLSTM';
  }
  /** Saved as one byte per value (src/io/save.ts). */
  readonly int8Weights = ['kernel', 'recurrent_kernel'];

  constructor(args: LSTMArgs) {
    super(args);
  }

  paramSpecs(input: Shape): ParamSpec[] {
    return recurrentSpecs(super.paramSpecs(input), 4 * this.units);
  }

  /** The cell of the shared recurrent runner, over the int8 kernels and these scales. */
  cell(params: ParamSlot[] = []): Cell {
    const act = ACT[this.activation],
      rec = ACT[this.recurrentActivation];
    const sw = params[params.length - 2].ptr,
      su = params[params.length - 1].ptr;
    const where = this.where;
    return {
      gateCount: 4,
      extra: true,
      extraIsCell: true,
      flags: this.peephole ? FLAG.peephole : 0,
      scratchSize: (k, B, T, I, H, f) => k.lstm_q8_scratch_size(B, T, I, H, f),
      forward: (k, c) =>
        k.lstm_q8_forward(
          c.B,
          c.T,
          c.I,
          c.H,
          c.flags,
          act,
          rec,
          c.x,
          c.W,
          sw,
          c.U,
          su,
          c.bias,
          c.peep,
          c.h0,
          c.c0,
          c.mask,
          c.gates,
          c.extra,
          c.hseq,
          c.hT,
          c.cT,
          c.scratch,
        ),
      backward: () => noTraining(where),
    };
  }

  protected runnerParams(params: ParamSlot[]): ParamSlot[] {
    return floatSlots(params);
  }
}

/**
 * GRU (resetAfter: true) with int8 weights: kernel [I, 3H], recurrent_kernel [H, 3H], bias [2, 3H],
 * kernel_scale, recurrent_scale [3H].
 */
export class QuantizedGRU extends GRU {
  get className(): string {
    return 'QuantizedGRU';
  }
  /** Saved as one byte per value (src/io/save.ts). */
  readonly int8Weights = ['kernel', 'recurrent_kernel'];

  constructor(args: GRUArgs) {
    super(args);
    if (!this.resetAfter)
      throw new LstmWasmError(`${this.where}: only GRUs with resetAfter: true (the Keras default) can be quantized`);
  }

  paramSpecs(input: Shape): ParamSpec[] {
    return recurrentSpecs(super.paramSpecs(input), 3 * this.units);
  }

  cell(params: ParamSlot[] = []): Cell {
    const act = ACT[this.activation],
      rec = ACT[this.recurrentActivation];
    const sw = params[params.length - 2].ptr,
      su = params[params.length - 1].ptr;
    const where = this.where;
    return {
      gateCount: 3,
      extra: true,
      extraIsCell: false,
      flags: FLAG.resetAfter,
      scratchSize: (k, B, T, I, H, f) => k.gru_q8_scratch_size(B, T, I, H, f),
      forward: (k, c) =>
        k.gru_q8_forward(
          c.B,
          c.T,
          c.I,
          c.H,
          c.flags,
          act,
          rec,
          c.x,
          c.W,
          sw,
          c.U,
          su,
          c.bias,
          c.h0,
          c.mask,
          c.gates,
          c.extra,
          c.hseq,
          c.hT,
          c.scratch,
        ),
      backward: () => noTraining(where),
    };
  }

  protected runnerParams(params: ParamSlot[]): ParamSlot[] {
    return floatSlots(params);
  }
}

/** SimpleRNN with int8 weights: kernel [I, H], recurrent_kernel [H, H], bias [H], kernel_scale, recurrent_scale [H]. */
export class QuantizedSimpleRNN extends SimpleRNN {
  get className(): string {
    return 'QuantizedSimpleRNN';
  }
  /** Saved as one byte per value (src/io/save.ts). */
  readonly int8Weights = ['kernel', 'recurrent_kernel'];

  constructor(args: RecurrentArgs) {
    super(args);
  }

  paramSpecs(input: Shape): ParamSpec[] {
    return recurrentSpecs(super.paramSpecs(input), this.units);
  }

  cell(params: ParamSlot[] = []): Cell {
    const act = ACT[this.activation];
    const sw = params[params.length - 2].ptr,
      su = params[params.length - 1].ptr;
    const where = this.where;
    return {
      gateCount: 0,
      extra: false,
      extraIsCell: false,
      flags: 0,
      scratchSize: (k, B, T, I, H, f) => k.rnn_q8_scratch_size(B, T, I, H, f),
      forward: (k, c) =>
        k.rnn_q8_forward(
          c.B,
          c.T,
          c.I,
          c.H,
          c.flags,
          act,
          c.x,
          c.W,
          sw,
          c.U,
          su,
          c.bias,
          c.h0,
          c.mask,
          c.hseq,
          c.hT,
          c.scratch,
        ),
      backward: () => noTraining(where),
    };
  }

  protected runnerParams(params: ParamSlot[]): ParamSlot[] {
    return floatSlots(params);
  }
}

/**
 * Embedding with an int8 table: embeddings [inputDim, outputDim] (int8 values) and one scale per
 * token, embeddings_scale [inputDim]. A lookup copies the token's row and scales it (f32 out);
 * ids are checked and maskZero works as for Embedding.
 */
export class QuantizedEmbedding extends Embedding {
  get className(): string {
    return 'QuantizedEmbedding';
  }
  /** Saved as one byte per value (src/io/save.ts). */
  readonly int8Weights = ['embeddings'];

  constructor(args: EmbeddingArgs) {
    super(args);
  }

  paramSpecs(): ParamSpec[] {
    return [
      { name: 'embeddings', shape: [this.inputDim, this.outputDim], init: { kind: 'zeros' } },
      { name: 'embeddings_scale', shape: [this.inputDim], init: { kind: 'zeros' } },
    ];
  }

  plan(ctx: RunContext, inShape: number[], params: ParamSlot[]): Runner {
    const runner = super.plan(ctx, inShape, params.slice(0, 1));
    const scale = params[1].ptr;
    const N = inShape[0] * inShape[1],
      D = this.outputDim,
      V = this.inputDim;
    const where = this.where;
    const lookup = runner.forward.bind(runner);
    return Object.assign(runner, {
      forward(x: number, mask: number, training: boolean) {
        lookup(x, mask, training);
        ctx.k.embedding_q8_scale(N, D, V, x, scale, runner.out);
      },
      backward(): number {
        noTraining(where);
      },
    });
  }
}

/**
 * Conv1D with int8 weights: kernel [kernelSize, channels, filters] (int8 values), kernel_scale
 * [filters], bias [filters].
 */
export class QuantizedConv1D extends Conv1D {
  get className(): string {
    return 'QuantizedConv1D';
  }
  /** Saved as one byte per value (src/io/save.ts). */
  readonly int8Weights = ['kernel'];

  constructor(args: Conv1DArgs) {
    super(args);
  }

  paramSpecs(input: Shape): ParamSpec[] {
    const [kernel, ...rest] = super.paramSpecs(input);
    const F = this.filters;
    return [
      { name: 'kernel', shape: kernel.shape, init: { kind: 'zeros' } },
      { name: 'kernel_scale', shape: [F], init: { kind: 'zeros' } },
      ...rest.map((r) => ({ name: r.name, shape: r.shape, init: { kind: 'zeros' } as const })),
    ];
  }

  plan(ctx: RunContext, inShape: number[], params: ParamSlot[], options: PlanOptions = {}): Runner {
    const { k, arena } = ctx;
    const [B, T, C] = inShape;
    const F = this.filters,
      K = this.kernelSize,
      s = this.strides,
      d = this.dilationRate;
    const To = this.computeOutputShape(inShape.slice(1))[0] as number;
    const { padL } = convGeometry(T, K, s, d, this.padding);
    const [W, S] = params;
    const bias = this.useBias ? params[2] : null;
    const y = arena.alloc(B * To * F);
    const fused = !!options.logits && this.fusableActivation !== null;
    const logits = fused ? arena.alloc(B * To * F) : 0;
    const cols = arena.alloc(k.conv1d_cols_size(B, To, C, K));
    const scratch = arena.alloc(k.conv1d_q8_scratch_size(B, To, C, F, K));
    const act = ACT[this.activation];
    const where = this.where;
    let packedAt = -1;
    return {
      outShape: [B, To, F],
      out: y,
      outMask: 0,
      logits,
      fusedLogits: fused,
      forward(x: number) {
        const flags = packedAt === ctx.generation ? FLAG.packed : 0;
        packedAt = ctx.generation;
        const out = fused ? logits : y;
        k.conv1d_q8_forward(
          B,
          T,
          C,
          F,
          K,
          s,
          d,
          padL,
          To,
          fused ? ACT.linear : act,
          flags,
          x,
          W.ptr,
          S.ptr,
          bias ? bias.ptr : 0,
          out,
          cols,
          scratch,
        );
        if (fused) {
          if (act === ACT.softmax) k.softmax_rows(B * To, F, logits, y);
          else k.act_forward(act, B * To * F, logits, y);
        }
      },
      backward(): number {
        noTraining(where);
      },
    } as Runner;
  }
}
