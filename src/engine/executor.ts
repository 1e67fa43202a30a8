// Plans and runs a graph. A plan is made once per set of input shapes (batch included): every
// node's runner with its buffers, the model's input buffers, a target and a gradient buffer per
// output, and an accumulation buffer for each tensor whose gradient has several sources (fan-out,
// a tensor that is both an output and read by another node). The run is the forward pass over
// the topological order, and the backward pass over the reverse order: each layer's parameter
// gradients are written by its first node to run backward and accumulated by the others, which
// is what makes shared layers correct (llm.c's "zero once, accumulate always", without the
// zeroing for the layers used once).
import { LstmWasmError } from '../errors.js';
import type { Layer, NodeRunner, ParamSlot, PlanOptions } from '../layers/layer.js';
import type { Graph } from './graph.js';
import type { Store } from './store.js';

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

interface PlannedNode {
  layer: Layer;
  runner: NodeRunner;
  inIdx: number[];
  outIdx: number[];
  needDx: boolean[];
  training: boolean | undefined;
  /** This node's own gradient slots (shared layers' later nodes): added into the layer's after its backward. */
  tempGrads: { from: number; into: number; size: number }[];
  /** This node writes the layer's gradients itself (first to run backward): zero them if it is skipped. */
  holdsGrads: boolean;
  /** Its inputs' addresses and masks, refilled before each forward (no allocation per call). */
  xs: number[];
  ms: number[];
}

export interface PlannedOutput {
  /** Local tensor index. */
  idx: number;
  shape: number[];
  target: number;
  dOut: number;
  /** Where the loss reads its prediction: the logits when the loss is fused with the activation. */
  lossInput: number;
  fused: boolean;
  /** The node that makes it. */
  node: number;
}

export interface Plan {
  key: string;
  epoch: number;
  inputs: { ptr: number; shape: number[] }[];
  nodes: PlannedNode[];
  outputs: PlannedOutput[];
  /** Per local tensor: shape, address and mask after forward, gradient bookkeeping. */
  shapes: number[][];
  ptr: Float64Array;
  mask: Float64Array;
  grad: Float64Array;
  sources: Int32Array;
  arrived: Int32Array;
  acc: Float64Array;
}

export interface PlanRequest {
  /** Per output: plan its layer for a loss fused with the activation. */
  fuse: boolean[];
  /** At most this many threads per layer (the model's own `threads`, capped by the store's). */
  threads?: number;
}

/** Lays out a plan for these input shapes (batch included). */
export function makePlan(store: Store, graph: Graph, inShapes: number[][], req: PlanRequest, key: string): Plan {
  const { arena } = store;
  store.beginPlan();
  store.threads = Math.max(1, Math.min(store.maxThreads, req.threads ?? store.maxThreads));
  const local = new Map<number, number>();
  const shapes: number[][] = [];
  const add = (id: number, shape: number[]) => {
    local.set(id, shapes.length);
    shapes.push(shape);
    return shapes.length - 1;
  };
  const inputs = graph.inputs.map((t, i) => {
    add(t.id, inShapes[i]);
    return { ptr: arena.alloc(prod(inShapes[i])), shape: inShapes[i] };
  });
  // Which output tensors are produced by a node planned with fused logits.
  const fusedNode = new Set<number>();
  graph.outputs.forEach((t, j) => {
    if (req.fuse[j]) fusedNode.add(graph.nodes.indexOf(t.node));
  });
  // Shared layers: the node that runs backward first (the last in forward order) holds the gradients.
  const lastNodeOf = new Map<Layer, number>();
  graph.nodes.forEach((n, i) => lastNodeOf.set(n.layer, i));
  const nodes: PlannedNode[] = graph.nodes.map((n, i) => {
    const inIdx = n.inputs.map((t) => local.get(t.id)!);
    const layer = n.layer;
    const holds = lastNodeOf.get(layer) === i;
    const tempGrads: PlannedNode['tempGrads'] = [];
    const params: ParamSlot[] = holds
      ? layer.slots
      : layer.slots.map((s) => {
          const g = arena.alloc(s.size);
          tempGrads.push({ from: g, into: s.grad, size: s.size });
          return { ...s, grad: g };
        });
    const options: PlanOptions = fusedNode.has(i) ? { logits: true } : {};
    let runner: NodeRunner;
    try {
      runner = layer.planNode(
        store,
        inIdx.map((j) => shapes[j]),
        params,
        options,
        n,
      );
    } catch (e) {
      if (e instanceof LstmWasmError && !e.message.includes(layer.name))
        throw new LstmWasmError(`${layer.where}: ${e.message}`);
      throw e;
    }
    if (runner.outShapes.length !== n.outputs.length)
      throw new Error(`${layer.where}: planned ${runner.outShapes.length} outputs for a node of ${n.outputs.length}`);
    const outIdx = n.outputs.map((t, j) => add(t.id, runner.outShapes[j]));
    const needDx = n.inputs.map((t) => t.node.layer.className !== 'InputLayer');
    return {
      layer,
      runner,
      inIdx,
      outIdx,
      needDx,
      training: n.call.training,
      tempGrads,
      holdsGrads: holds,
      xs: inIdx.map(() => 0),
      ms: inIdx.map(() => 0),
    };
  });
  const count = shapes.length;
  const sources = new Int32Array(count);
  for (const n of nodes)
    n.inIdx.forEach((j, k) => {
      if (n.needDx[k]) sources[j]++;
    });
  const outputs: PlannedOutput[] = graph.outputs.map((t, j) => {
    const idx = local.get(t.id);
    if (idx === undefined) throw new Error(`output ${t.name} was not planned`);
    sources[idx]++;
    const shape = shapes[idx];
    const ni = graph.nodes.indexOf(t.node);
    const fused = req.fuse[j] && nodes[ni].runner.fusedLogits === true;
    return {
      idx,
      shape,
      target: arena.alloc(prod(shape)),
      dOut: arena.alloc(prod(shape)),
      lossInput: 0,
      fused,
      node: ni,
    };
  });
  const acc = new Float64Array(count);
  for (let j = 0; j < count; j++) if (sources[j] > 1) acc[j] = arena.alloc(prod(shapes[j]));
  return {
    key,
    epoch: store.epoch,
    inputs,
    nodes,
    outputs,
    shapes,
    ptr: new Float64Array(count),
    mask: new Float64Array(count),
    grad: new Float64Array(count),
    sources,
    arrived: new Int32Array(count),
    acc,
  };
}

/** The forward pass; afterwards every tensor's address and mask are in plan.ptr / plan.mask. */
export function runForward(store: Store, plan: Plan, training: boolean): void {
  // Plans share memory: running another one may have overwritten this one's packed weights.
  if (store.lastPlan !== plan) {
    store.generation++;
    store.lastPlan = plan;
  }
  if (training) store.markStep();
  const { ptr, mask } = plan;
  plan.inputs.forEach((inp, j) => {
    ptr[j] = inp.ptr;
    mask[j] = 0;
  });
  for (const n of plan.nodes) {
    const { xs, ms, inIdx } = n;
    for (let q = 0; q < inIdx.length; q++) {
      xs[q] = ptr[inIdx[q]];
      ms[q] = mask[inIdx[q]];
    }
    n.runner.forward(xs, ms, n.training ?? training);
    const outs = n.runner.outs,
      masks = n.runner.outMasks;
    n.outIdx.forEach((j, k) => {
      ptr[j] = outs[k];
      mask[j] = masks[k];
    });
  }
  for (const o of plan.outputs) o.lossInput = o.fused ? plan.nodes[o.node].runner.logits! : ptr[o.idx];
}

/** The backward pass from the gradients already in each output's dOut (those with `withGrad`). */
export function runBackward(store: Store, plan: Plan, withGrad: boolean[]): void {
  const { k } = store;
  const { grad, arrived, sources, acc, shapes } = plan;
  grad.fill(0);
  arrived.fill(0);
  const give = (j: number, p: number) => {
    if (p === 0) return;
    if (sources[j] <= 1) {
      grad[j] = p;
      return;
    }
    const n = prod(shapes[j]);
    if (arrived[j] === 0) k.copy_f32(n, p, acc[j]);
    else k.add_f32(n, acc[j], p, acc[j]);
    arrived[j]++;
    grad[j] = acc[j];
  };
  plan.outputs.forEach((o, j) => {
    if (withGrad[j]) give(o.idx, o.dOut);
  });
  for (let i = plan.nodes.length - 1; i >= 0; i--) {
    const n = plan.nodes[i];
    const dys = n.outIdx.map((j) => grad[j]);
    if (dys.every((d) => d === 0)) {
      // Nothing reaches this node: its layer's gradients must still not be stale.
      if (n.holdsGrads) for (const s of n.layer.slots) k.fill_f32(s.size, s.grad, 0);
      continue;
    }
    const dxs = n.runner.backward(dys, n.needDx);
    for (const t of n.tempGrads) k.add_f32(t.size, t.into, t.from, t.into);
    n.inIdx.forEach((j, q) => {
      if (n.needDx[q]) give(j, dxs[q]);
    });
  }
  store.generation++; // backward passes reuse the scratch that held packed weights
}
