// A model's graph: the nodes between its inputs and outputs in a topological order (walked from
// the outputs, depth first), the layers they call, and who reads each tensor. Nothing here knows
// of memory or kernels.
import { LstmWasmError, describe } from '../errors.js';
import type { Layer } from '../layers/layer.js';
import { InputLayer } from '../layers/input.js';
import { isSymbolic, type Node, type SymbolicTensor } from './symbolic.js';

export interface Graph {
  inputs: SymbolicTensor[];
  outputs: SymbolicTensor[];
  /** Every node but the inputs', each after the nodes that make its inputs. */
  nodes: Node[];
  /** Unique layers in node order, input layers first. */
  layers: Layer[];
  /** Tensor id → the nodes (indices into `nodes`) that read it, in order. */
  readers: Map<number, number[]>;
}

export function buildGraph(where: string, inputs: unknown, outputs: unknown): Graph {
  const ins = asList(where, 'inputs', inputs);
  const outs = asList(where, 'outputs', outputs);
  ins.forEach((t, i) => {
    if (!(t.sourceLayer instanceof InputLayer)) {
      throw new LstmWasmError(
        `${where}: inputs[${i}] must come from input({ shape }), but ${t.name} is an output of ${t.sourceLayer.where}`,
      );
    }
  });
  if (new Set(ins).size !== ins.length) throw new LstmWasmError(`${where}: an input is listed twice in 'inputs'`);
  const inputSet = new Set(ins.map((t) => t.id));
  const nodes: Node[] = [];
  const done = new Set<Node>();
  const onPath = new Set<Node>();
  const discovered = new Map<Layer, number>();
  const visit = (t: SymbolicTensor, from: string): void => {
    const node = t.node;
    if (!discovered.has(node.layer)) discovered.set(node.layer, discovered.size);
    if (node.layer instanceof InputLayer) {
      if (!inputSet.has(t.id)) {
        throw new LstmWasmError(
          `${where}: ${from} is not reachable from the inputs: it needs ` +
            `${node.layer.where} (${t.name}), which is not in 'inputs'`,
        );
      }
      return;
    }
    if (done.has(node)) return;
    if (onPath.has(node)) throw new LstmWasmError(`${where}: the graph has a cycle through ${node.layer.where}`);
    onPath.add(node);
    for (const x of node.inputs) visit(x, from);
    onPath.delete(node);
    done.add(node);
    nodes.push(node);
  };
  outs.forEach((t, i) => visit(t, `outputs[${i}] (${t.name})`));
  // Layers in Keras's order (so weights line up with Keras's and TF.js's getWeights()): by depth
  // from the outputs, deepest first; within a depth, in the order a walk from the outputs meets them.
  const nodeDepth = new Map<Node, number>();
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i];
    const d = nodeDepth.get(n) ?? 0;
    nodeDepth.set(n, d);
    for (const x of n.inputs) nodeDepth.set(x.node, Math.max(nodeDepth.get(x.node) ?? 0, d + 1));
  }
  for (const t of ins) if (!nodeDepth.has(t.node)) nodeDepth.set(t.node, 0);
  const layerDepth = new Map<Layer, number>();
  for (const [n, d] of nodeDepth) layerDepth.set(n.layer, Math.max(layerDepth.get(n.layer) ?? 0, d));
  const layers: Layer[] = [...layerDepth.keys()].sort(
    (a, b) => layerDepth.get(b)! - layerDepth.get(a)! || (discovered.get(a) ?? 1e9) - (discovered.get(b) ?? 1e9),
  );
  const names = new Map<string, Layer>();
  for (const l of layers) {
    const other = names.get(l.name);
    if (other && other !== l)
      throw new LstmWasmError(
        `${where}: two different layers are named '${l.name}' (${other.where} ` +
          `and ${l.where}); layer names must be unique in a model`,
      );
    names.set(l.name, l);
  }
  const readers = new Map<number, number[]>();
  nodes.forEach((n, i) => {
    for (const x of n.inputs) {
      const list = readers.get(x.id) ?? [];
      list.push(i);
      readers.set(x.id, list);
    }
  });
  return { inputs: ins, outputs: outs, nodes, layers, readers };
}

function asList(where: string, what: string, v: unknown): SymbolicTensor[] {
  const list = Array.isArray(v) ? v : [v];
  if (v === undefined || list.length === 0)
    throw new LstmWasmError(`${where}: option '${what}' is required: a symbolic tensor or an array of them`);
  list.forEach((t, i) => {
    if (!isSymbolic(t))
      throw new LstmWasmError(
        `${where}: ${what}${Array.isArray(v) ? `[${i}]` : ''} must be a ` +
          `symbolic tensor (from input() or layer.apply()), got ${describe(t)}`,
      );
  });
  return list as SymbolicTensor[];
}
