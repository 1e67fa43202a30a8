// The trainer's decisions, apart from the loop: which loss, weight and metrics each output gets
// (from one name, an array in output order, or an object keyed by output name), whether a loss
// is fused with its output layer's activation, and the keys History uses (Keras's).
import { LstmWasmError, checkOptions, describe } from '../errors.js';
import { shapeString } from '../tensor.js';
import {
  isLossConfig,
  lossInfo,
  metricInfo,
  type LossConfig,
  type LossInfo,
  type MetricConfig,
  type MetricInfo,
} from '../losses.js';
import { makeOptimizer, type Optimizer, type OptimizerConfig } from '../optimizers.js';
import type { Graph } from './graph.js';

export type PerOutput<T> = T | T[] | Record<string, T>;

export interface CompileArgs {
  optimizer: OptimizerConfig | string;
  /**
   * One loss for every output, an array in output order, or an object keyed by output name; a loss
   * is a name or a config ({ className: 'Huber', config: { delta } }).
   */
  loss: PerOutput<string | LossConfig>;
  /** An array of metric names for every output, or an object of arrays keyed by output name. */
  metrics?:
    | string
    | MetricConfig
    | (string | MetricConfig)[]
    | Record<string, string | MetricConfig | (string | MetricConfig)[]>;
  /** Weights of the outputs' losses in the total: an array in output order, or an object by name. */
  lossWeights?: number[] | Record<string, number>;
  /** Rescale the whole gradient when its global L2 norm exceeds this. */
  clipNorm?: number;
  /** Clip every gradient entry to [-clipValue, clipValue]. */
  clipValue?: number;
}

export interface OutputTraining {
  name: string;
  loss: LossInfo;
  weight: number;
  metrics: MetricInfo[];
  /** The loss reads the logits of the output layer's sigmoid/softmax. */
  fused: boolean;
  /** History key of this output's loss ('loss' alone when the model has one output). */
  lossKey: string;
  metricKeys: string[];
}

export interface Compiled {
  optimizer: Optimizer;
  outputs: OutputTraining[];
  clipNorm: number;
  clipValue: number;
  /** What compile was given, for save(). */
  config: Record<string, unknown>;
}

function perOutput<T>(what: string, v: PerOutput<T>, names: string[], isOne: (x: unknown) => boolean): T[] {
  if (isOne(v)) return names.map(() => v as T);
  if (Array.isArray(v)) {
    if (v.length !== names.length)
      throw new LstmWasmError(
        `compile: option '${what}' has ${v.length} entries, but the ` +
          `model has ${names.length} outputs (${names.join(', ')})`,
      );
    return v;
  }
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, T>;
    for (const key of Object.keys(o)) {
      if (!names.includes(key))
        throw new LstmWasmError(
          `compile: option '${what}' names '${key}', which is not an output of the model; its outputs are ` +
            names.map((n) => `'${n}'`).join(', '),
        );
    }
    return names.map((n) => {
      if (!Object.hasOwn(o, n)) throw new LstmWasmError(`compile: option '${what}' has no entry for output '${n}'`);
      return o[n];
    });
  }
  throw new LstmWasmError(
    `compile: option '${what}' must be one value, an array in output ` +
      `order or an object keyed by output name, got ${describe(v)}`,
  );
}

/** Resolves compile()'s arguments against the graph; throws before anything changes. */
/**
 * Resolves compile()'s arguments against the graph (null: check them alone, before the graph
 * exists); throws before anything changes.
 */
export function resolveCompile(args: CompileArgs, graph: Graph | null, outputNames: string[]): Compiled {
  if (args === null || typeof args !== 'object')
    throw new LstmWasmError(`compile: expected { optimizer, loss, metrics? }, got ${describe(args)}`);
  args = kerasOptions('compile', args, [
    'optimizer',
    'loss',
    'metrics',
    'lossWeights',
    'clipNorm',
    'clipValue',
  ]) as unknown as CompileArgs;
  if (args.optimizer === undefined)
    throw new LstmWasmError(
      `compile: option 'optimizer' is required, such as 'adam' or { name: 'sgd', learningRate: 0.01 }`,
    );
  if (args.loss === undefined)
    throw new LstmWasmError(`compile: option 'loss' is required, such as 'meanSquaredError'`);
  const many = outputNames.length > 1;
  const losses = perOutput(
    'loss',
    args.loss,
    outputNames,
    (x) => x === null || typeof x !== 'object' || isLossConfig(x),
  ).map((l) => lossInfo(l));
  const weights =
    args.lossWeights === undefined
      ? outputNames.map(() => 1)
      : perOutput('lossWeights', args.lossWeights as PerOutput<number>, outputNames, () => false);
  weights.forEach((w, i) => {
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0)
      throw new LstmWasmError(
        `compile: lossWeights for output '${outputNames[i]}' must be a finite number ≥ 0, got ${describe(w)}`,
      );
  });
  let metricNames: (string | MetricConfig)[][];
  if (args.metrics === undefined) metricNames = outputNames.map(() => []);
  // One metric config ({ className, config }) for every output.
  else if (isLossConfig(args.metrics)) metricNames = outputNames.map(() => [args.metrics as MetricConfig]);
  // metrics: 'accuracy', a single name, as a Keras user writes it.
  else if (typeof args.metrics === 'string') metricNames = outputNames.map(() => [args.metrics as unknown as string]);
  else if (Array.isArray(args.metrics)) metricNames = outputNames.map(() => args.metrics as string[]);
  else if (args.metrics !== null && typeof args.metrics === 'object') {
    const o = args.metrics as Record<string, string | string[]>;
    // Outputs the object leaves out get no metrics (as Keras).
    const full = Object.fromEntries(outputNames.map((n) => [n, Object.hasOwn(o, n) ? o[n] : []]));
    for (const key of Object.keys(o))
      if (!outputNames.includes(key))
        throw new LstmWasmError(
          `compile: option 'metrics' names '${key}', which is not an output of the model; its outputs are ` +
            outputNames.map((n) => `'${n}'`).join(', '),
        );
    metricNames = perOutput('metrics', full, outputNames, () => false).map((m) => (Array.isArray(m) ? m : [m]));
  } else
    throw new LstmWasmError(
      "compile: option 'metrics' must be an array such as ['mae'], got " +
        `${describe(args.metrics)}; or give an object of arrays keyed by output name`,
    );
  const optimizer = makeOptimizer(args.optimizer);
  const clip = (name: 'clipNorm' | 'clipValue') => {
    const v = args[name];
    if (v === undefined) return 0;
    if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v))
      throw new LstmWasmError(`compile: option '${name}' must be a positive number, got ${describe(v)}`);
    return v;
  };
  const clipNorm = clip('clipNorm'),
    clipValue = clip('clipValue');
  const outputs = outputNames.map((name, j): OutputTraining => {
    const loss = losses[j];
    const metrics = metricNames[j].map((m) => metricInfo(m, loss));
    if (!graph) return { name, loss, weight: weights[j], metrics, fused: false, lossKey: 'loss', metricKeys: [] };
    const t = graph.outputs[j];
    const shape = t.sampleShape;
    const D = shape[shape.length - 1];
    if (
      (loss.name === 'categoricalCrossentropy' || loss.name === 'sparseCategoricalCrossentropy') &&
      typeof D === 'number' &&
      D < 2
    ) {
      throw new LstmWasmError(
        `compile: loss '${loss.name}' needs an output of at least 2 classes, ` +
          `but ${t.sourceLayer.where} outputs ${shapeString([null, ...shape])}`,
      );
    }
    // Fuse the loss with the activation only where nothing else reads the activation's output.
    const layer = t.sourceLayer;
    const readers = graph.readers.get(t.id)?.length ?? 0;
    const listed = graph.outputs.filter((o) => o === t).length;
    const nodesOfLayer = graph.nodes.filter((n) => n.layer === layer).length;
    const fused =
      loss.logitsKind !== null &&
      layer.fusableActivation === loss.fusesWith &&
      readers === 0 &&
      listed === 1 &&
      nodesOfLayer === 1;
    return {
      name,
      loss,
      weight: weights[j],
      metrics,
      fused,
      lossKey: many ? `${name}_loss` : 'loss',
      metricKeys: metrics.map((m) => (many ? `${name}_${m.key}` : m.key)),
    };
  });
  const config: Record<string, unknown> = {
    optimizer: optimizer.config,
    loss: args.loss,
    metrics: args.metrics,
    lossWeights: args.lossWeights,
    clipNorm: clipNorm || undefined,
    clipValue: clipValue || undefined,
  };
  return { optimizer, outputs, clipNorm, clipValue, config };
}

/**
 * The keys of evaluate()'s and trainOnBatch()'s list, in order: loss, each output's loss (several
 * outputs), then metrics.
 */
export function resultKeys(c: Compiled): string[] {
  const keys = ['loss'];
  if (c.outputs.length > 1) for (const o of c.outputs) keys.push(o.lossKey);
  for (const o of c.outputs) keys.push(...o.metricKeys);
  return keys;
}

/**
 * Checks an options object, reading Keras's snake_case names (batch_size, validation_split, …) as
 * ours; unknown names still get their "did you mean". Returns the options under our names.
 */
export function kerasOptions(where: string, args: object, allowed: readonly string[]): Record<string, unknown> {
  // "expected an options object"
  if (Array.isArray(args) || ArrayBuffer.isView(args)) checkOptions(where, args, allowed);
  const snake = (k: string) => k.replace(/[A-Z]/g, (ch) => `_${ch.toLowerCase()}`);
  const bySnake = new Map(allowed.map((k) => [snake(k), k] as const));
  const out: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) {
    const ours = allowed.includes(k) ? k : bySnake.get(k);
    if (ours === undefined) {
      rest[k] = v;
      continue;
    }
    if (Object.hasOwn(out, ours))
      throw new LstmWasmError(`${where}: option '${ours}' is given twice (as '${ours}' and '${snake(ours)}')`);
    out[ours] = v;
  }
  checkOptions(where, rest, allowed);
  return out;
}
