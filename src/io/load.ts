// loadModel: a saved model's bytes back into a model. Version 2 files hold a graph (Model) or a
// chain (Sequential); version 1 files (Sequential only, as saved before graphs) read the same.
// The graph is rebuilt by applying each layer to the tensors its saved nodes name, in whatever
// order their inputs become ready (a shared layer's later call may wait for a later layer).
import { describe } from '../errors.js';
import { shapeString } from '../tensor.js';
import type { Layer } from '../layers/layer.js';
import { InputLayer } from '../layers/input.js';
import { layerFromConfig } from '../layers/registry.js';
import { Model } from '../model.js';
import { Sequential } from '../sequential.js';
import type { CallOptions, SymbolicTensor } from '../engine/symbolic.js';
import { decodeModel, fail, type Header, type SavedModel, type WeightSpec } from './save.js';
import { isIndexedDbUrl, loadFromIndexedDb } from './indexeddb.js';

/**
 * A model from the bytes model.save() gave (format 1 or 2), checked before anything is built: a
 * damaged, cut-short or foreign file is an error. In a browser, `'indexeddb://name'` reads the
 * model ModelCheckpoint saved there (as TF.js's URL).
 */
export async function loadModel(saved: SavedModel | string): Promise<Model> {
  if (isIndexedDbUrl(saved)) return loadModelSync(await loadFromIndexedDb('loadModel', saved));
  return loadModelSync(saved as SavedModel);
}

type Ref = [string, number, number];

function isRef(v: unknown): v is Ref {
  return (
    Array.isArray(v) &&
    v.length >= 3 &&
    typeof v[0] === 'string' &&
    Number.isInteger(v[1]) &&
    v[1] >= 0 &&
    Number.isInteger(v[2]) &&
    v[2] >= 0
  );
}

/** Rebuilds a graph from Keras-style layers with inbound nodes. */
export function graphFromTopology(
  config: Header['modelTopology']['config'],
  where: string,
  make: (className: unknown, config: unknown) => Layer,
): Model {
  const list = config.layers;
  const layers = list.map((l, i) => {
    if (l === null || typeof l !== 'object')
      fail(`${where}: layer ${i} must be { className, config, inboundNodes }, got ${describe(l)}`);
    return make(l.className, l.config);
  });
  const tensors = new Map<string, SymbolicTensor>();
  const key = (name: string, node: number, index: number) => `${name}\u0000${node}\u0000${index}`;
  const pending: { layer: Layer; nodes: { inputs: Ref[]; call: CallOptions }[]; done: number }[] = [];
  layers.forEach((layer, i) => {
    if (layer instanceof InputLayer) {
      tensors.set(key(layer.name, 0, 0), layer.output);
      return;
    }
    const raw = (list[i] as { inboundNodes?: unknown }).inboundNodes;
    if (!Array.isArray(raw)) fail(`${where}: ${layer.where} has no inboundNodes list`);
    const nodes = raw.map((n, j) => {
      const inputs = (n as { inputs?: unknown })?.inputs;
      if (!Array.isArray(inputs) || inputs.length === 0 || !inputs.every(isRef))
        fail(`${where}: ${layer.where} node ${j} must list its inputs as [layer, node, tensor], got ${describe(n)}`);
      const call = (n as { call?: unknown }).call ?? {};
      if (call === null || typeof call !== 'object' || Array.isArray(call))
        fail(`${where}: ${layer.where} node ${j}: 'call' must be an object of options, got ${describe(call)}`);
      const training = (call as { training?: unknown }).training;
      if (training !== undefined && typeof training !== 'boolean')
        fail(`${where}: ${layer.where} node ${j}: 'training' must be true or false`);
      return { inputs: inputs as Ref[], call: { ...(call as CallOptions) } };
    });
    pending.push({ layer, nodes, done: 0 });
  });
  let progress = true;
  while (progress) {
    progress = false;
    for (const p of pending) {
      while (p.done < p.nodes.length) {
        const n = p.nodes[p.done];
        const ins = n.inputs.map((r) => tensors.get(key(r[0], r[1], r[2])));
        if (ins.some((t) => t === undefined)) break;
        const out = p.layer.applyNode(ins as SymbolicTensor[], n.call);
        (Array.isArray(out) ? out : [out]).forEach((t, k) => tensors.set(key(p.layer.name, p.done, k), t));
        p.done++;
        progress = true;
      }
    }
  }
  const stuck = pending.find((p) => p.done < p.nodes.length);
  if (stuck) {
    const r = stuck.nodes[stuck.done].inputs.find((x) => !tensors.has(key(x[0], x[1], x[2])))!;
    fail(`${where}: ${stuck.layer.where} reads ${r[0]}[${r[1]}][${r[2]}], which no layer of the file makes`);
  }
  const refs = (v: unknown, what: string): SymbolicTensor[] => {
    if (!Array.isArray(v) || v.length === 0 || !v.every(isRef))
      fail(`${where}: '${what}' must list [layer, node, tensor] references, got ${describe(v)}`);
    return (v as Ref[]).map((r) => {
      const t = tensors.get(key(r[0], r[1], r[2]));
      if (!t) fail(`${where}: '${what}' names ${r[0]}[${r[1]}][${r[2]}], which no layer of the file makes`);
      return t;
    });
  };
  const inputs = refs(config.inputLayers, 'inputLayers');
  const outputs = refs(config.outputLayers, 'outputLayers');
  return new Model({ inputs, outputs, name: typeof config.name === 'string' && config.name ? config.name : undefined });
}

/** loadModel, synchronously. */
export function loadModelSync(saved: SavedModel): Model {
  const { header, floats } = decodeModel(saved);
  const topo = header.modelTopology;
  const cfg = topo.config;
  let model: Model;
  if (topo.className === 'Sequential') {
    const layers = cfg.layers.map((l) => layerFromConfig(l?.className, l?.config));
    model = new Sequential({ layers, name: typeof cfg.name === 'string' && cfg.name ? cfg.name : undefined });
    const shape = cfg.buildInputShape;
    model.build(shape === undefined ? undefined : shape);
  } else if (topo.className === 'Model' && header.formatVersion >= 2) {
    model = graphFromTopology(cfg, 'loadModel', (c, conf) => layerFromConfig(c, conf));
    model.build();
  } else {
    fail(`the topology is a ${describe(topo.className)}; expected 'Sequential' or 'Model'`);
  }
  let at = 0;
  const take = (spec: WeightSpec, what: string): Float32Array => {
    const shape = spec?.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d > 0))
      fail(`${what} has a bad shape ${describe(shape)}`);
    const n = shape.reduce((a, b) => a * b, 1);
    if (at + n > floats.length) fail(`${what} runs past the end of the weights`);
    const out = floats.subarray(at, at + n);
    at += n;
    return out;
  };
  let si = 0;
  const weightLayers = model.layers.filter((l) => !(l instanceof InputLayer));
  for (const l of weightLayers) {
    const ws = l.slots.map((slot) => {
      const spec = header.weightSpecs[si++];
      if (!spec) fail(`the file has fewer weights than the topology needs (${l.where} ${slot.spec.name} is missing)`);
      if (spec.layer !== l.name)
        fail(
          `weightSpecs[${si - 1}] is for layer ${describe(spec.layer)}, ` +
            `but the topology puts ${l.where} ${slot.spec.name} there`,
        );
      if (shapeString(spec.shape) !== shapeString(slot.spec.shape))
        fail(
          `${l.where} ${slot.spec.name} must have shape ` +
            `${shapeString(slot.spec.shape)}, the file has ${shapeString(spec.shape)}`,
        );
      return { data: take(spec, `${l.where} ${slot.spec.name}`), shape: spec.shape };
    });
    if (ws.length) l.setWeights(ws);
  }
  if (si !== header.weightSpecs.length)
    fail(`the file has ${header.weightSpecs.length} weights but the topology uses ${si}`);
  for (const s of header.states ?? []) {
    const l = weightLayers.find((x) => x.name === s.layer) as
      | (Layer & { units: number; stateCount: number; setState(i: number, v: Float32Array): void })
      | undefined;
    if (!l || !l.isStateful()) fail(`state for ${describe(s.layer)}, which is not a stateful layer of this model`);
    if (s.name === 'c' && l.stateCount !== 2) fail(`state 'c' for ${l.where}, which has no cell state`);
    if (shapeString(s.shape) !== shapeString([l.batchSize as number, l.units]))
      fail(
        `state ${s.name} of ${l.where} must have shape ` +
          shapeString([l.batchSize as number, l.units]) +
          `, the file has ${shapeString(s.shape)}`,
      );
    const values = take(s, `state ${s.name} of ${l.where}`);
    l.setState(s.name === 'c' ? 1 : 0, values);
  }
  const optimizerSlots = header.optimizerState ? take(header.optimizerState.slots[0], 'the optimizer state') : null;
  if (at !== floats.length)
    fail(`${floats.length - at} weight values are left over: the file does not match its topology`);
  if (header.training && typeof header.training === 'object' && header.training.optimizer) {
    const t = header.training as {
      optimizer: never;
      loss: never;
      metrics?: never;
      lossWeights?: never;
      clipNorm?: number;
      clipValue?: number;
    };
    model.compile({
      optimizer: t.optimizer,
      loss: t.loss,
      metrics: t.metrics,
      lossWeights: t.lossWeights,
      clipNorm: t.clipNorm,
      clipValue: t.clipValue,
    });
    // save({ includeOptimizer: true }): the optimizer goes on from its saved slots and step count.
    if (optimizerSlots) {
      try {
        model.setOptimizerState({ iterations: header.optimizerState!.iterations, slots: optimizerSlots });
      } catch (e) {
        fail((e as Error).message);
      }
    }
  }
  // save({ metadata }) or setUserDefinedMetadata(): given back by getUserDefinedMetadata().
  if (header.userDefinedMetadata !== undefined) {
    try {
      model.setUserDefinedMetadata(header.userDefinedMetadata);
    } catch (e) {
      fail((e as Error).message);
    }
  }
  return model;
}
