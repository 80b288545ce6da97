// Shape inference with value propagation over a Graph (and its nested graphs). Pure: the argument is
// never mutated; unchanged tensors (weights included) are shared by reference with the result.
import { topologicalOrder } from './dag.js';
import { HeteroError } from '../errors.js';
import { numel, type Dim, type Graph, type Node, type TensorInfo } from './types.js';
import { lookupOp, type OpContext, type OutputInfo, type SubgraphResult } from './ops/index.js';
import { MAX_VALUE_ELEMS, tensorValue } from './ops/values.js';

export interface InferOptions {
  /** Concrete (or renamed symbolic) shapes for graph inputs, overriding the declared ones. */
  inputShapes?: Record<string, Dim[]>;
  /**
   * Known element values of small graph inputs (e.g. silero's sample rate `sr` = [16000]), so that
   * control flow depending on them is resolved instead of merging both branches.
   */
  inputValues?: Record<string, number[]>;
}

export interface InferResult {
  graph: Graph;
  /** Unknown operators and rules that could not decide a shape; their outputs are unknown. */
  warnings: string[];
}

/** Opset assumed when a graph does not say (recent enough that attributes have become inputs). */
const DEFAULT_OPSET = 17;

/** Tensors visible while inferring one graph; nested graphs see their parents'. */
interface Scope {
  tensors: Map<string, TensorInfo>;
  /** Known values, symbols allowed (only numeric ones are published in TensorInfo.value). */
  values: Map<string, Dim[]>;
  parent?: Scope;
}

interface Run {
  warnings: string[];
  bindings: Map<string, number>;
  opsets: Record<string, number>;
}

function find(scope: Scope, name: string): TensorInfo | undefined {
  for (let s: Scope | undefined = scope; s; s = s.parent) {
    const t = s.tensors.get(name);
    if (t) return t;
  }
  return undefined;
}

function findValue(scope: Scope, name: string): Dim[] | undefined {
  for (let s: Scope | undefined = scope; s; s = s.parent) {
    const v = s.values.get(name);
    if (v) return v;
    const t = s.tensors.get(name);
    if (t) return tensorValue(t);
  }
  return undefined;
}

function substitute(shape: Dim[], bindings: Map<string, number>): Dim[] {
  return shape.map((d) => (typeof d === 'string' ? (bindings.get(d) ?? d) : d));
}

function describe(n: Node): string {
  const d = n.domain && n.domain !== 'ai.onnx' ? n.domain : 'ai.onnx';
  return `${d}::${n.op}`;
}

function inferGraph(
  g: Graph,
  parent: Scope | undefined,
  formals: (OutputInfo | undefined)[] | undefined,
  run: Run,
  path: string,
): SubgraphResult {
  const tensors = new Map(g.tensors);
  if (run.bindings.size > 0) {
    for (const [name, t] of tensors) {
      if (!t.constant && t.shape?.some((d) => typeof d === 'string')) {
        tensors.set(name, { ...t, shape: substitute(t.shape, run.bindings) });
      }
    }
  }
  const scope: Scope = { tensors, values: new Map(), parent };
  formals?.forEach((info, i) => {
    const name = g.inputs[i];
    if (!name || !info) return;
    const declared = tensors.get(name);
    tensors.set(name, {
      name,
      shape: info.shape ?? declared?.shape ?? null,
      dtype: info.dtype !== 'unknown' ? info.dtype : (declared?.dtype ?? 'unknown'),
      constant: false,
    });
    if (info.value) scope.values.set(name, info.value);
  });

  const opsets = { ...run.opsets, ...g.opsets };
  const replaced = new Map<Node, Node>();
  for (const node of topologicalOrder(g).map((i) => g.nodes[i])) {
    const label = `node ${path}${node.id || node.outputs[0]}`;
    const def = lookupOp(node.domain, node.op);
    let outs: OutputInfo[] = [];
    const newSubs: Record<string, Graph> = {};
    if (!def) {
      run.warnings.push(`${label}: unknown operator ${describe(node)} — shapes and cost unknown`);
    } else {
      const inputs = node.inputs.map((n) => (n ? find(scope, n) : undefined));
      const domain = node.domain === 'ai.onnx' ? '' : (node.domain ?? '');
      const ctx: OpContext = {
        node,
        inputs,
        opset: opsets[domain] ?? (domain === '' ? DEFAULT_OPSET : 1),
        graph: g,
        value: (i) => (node.inputs[i] ? findValue(scope, node.inputs[i]) : undefined),
        inferSubgraph(attr, infos, quiet) {
          const sub = node.subgraphs?.[attr];
          if (!sub) return undefined;
          const subRun = quiet ? { ...run, warnings: [] } : run;
          const r = inferGraph(sub, scope, infos, subRun, `${path}${node.id}/${attr}/`);
          newSubs[attr] = r.graph;
          return r;
        },
      };
      try {
        outs = def.infer(ctx);
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        run.warnings.push(`${label} (${node.op}): ${msg} — outputs unknown`);
        outs = [];
      }
    }
    node.outputs.forEach((name, k) => {
      if (!name) return;
      const o = outs[k];
      const t: TensorInfo = { name, shape: o?.shape ?? null, dtype: o?.dtype ?? 'unknown', constant: false };
      if (o?.value && o.value.length <= MAX_VALUE_ELEMS) {
        scope.values.set(name, o.value);
        if (o.value.every((x) => typeof x === 'number')) t.value = o.value as number[];
      }
      tensors.set(name, t);
    });
    if (Object.keys(newSubs).length > 0)
      replaced.set(node, { ...node, subgraphs: { ...node.subgraphs, ...newSubs } });
  }

  const graph: Graph = { ...g, nodes: g.nodes.map((n) => replaced.get(n) ?? n), tensors };
  const outputs = g.outputs.map((name): OutputInfo => {
    const t = find(scope, name);
    const info: OutputInfo = { shape: t?.shape ?? null, dtype: t?.dtype ?? 'unknown' };
    const v = findValue(scope, name);
    if (v) info.value = v;
    return info;
  });
  return { graph, outputs };
}

/** Validates user input shapes against the declared ones and collects symbol bindings. */
function applyInputShapes(
  graph: Graph,
  inputShapes: Record<string, Dim[]>,
  bindings: Map<string, number>,
): Map<string, TensorInfo> {
  const overrides = new Map<string, TensorInfo>();
  for (const [name, dims] of Object.entries(inputShapes)) {
    if (!graph.inputs.includes(name)) {
      throw new HeteroError(
        '--input',
        `"${name}" is not an input of the model (inputs: ${graph.inputs.join(', ') || 'none'})`,
      );
    }
    const t = graph.tensors.get(name);
    const declared = t?.shape;
    for (const d of dims) {
      if (typeof d === 'number' && (!Number.isInteger(d) || d < 0)) {
        throw new HeteroError('--input', `"${name}": dimension ${d} is not a non-negative integer`);
      }
    }
    if (declared) {
      if (declared.length !== dims.length) {
        throw new HeteroError(
          '--input',
          `"${name}" has rank ${declared.length} [${declared.join(',')}], got ${dims.length} dims [${dims.join(',')}]`,
        );
      }
      declared.forEach((decl, i) => {
        const given = dims[i];
        // A declared 0 is how unset ONNX dim_values read back; it does not pin the dim.
        if (typeof decl === 'number' && decl !== 0 && typeof given === 'number' && decl !== given) {
          throw new HeteroError(
            '--input',
            `"${name}" dim ${i} is fixed to ${decl} by the model, got ${given}`,
          );
        }
        if (typeof decl === 'string' && typeof given === 'number') {
          const prev = bindings.get(decl);
          if (prev !== undefined && prev !== given) {
            throw new HeteroError(
              '--input',
              `"${name}" dim ${i} (${decl}) is ${given} but ${decl} was already set to ${prev}`,
            );
          }
          bindings.set(decl, given);
        }
      });
    }
    overrides.set(name, {
      ...(t ?? { name, dtype: 'float32', constant: false }),
      name,
      shape: [...dims],
      constant: false,
    });
  }
  return overrides;
}

/**
 * Infers every tensor's shape and dtype (and small known values) in topological order, including
 * nested graphs. Problems inside the model become warnings; bad `inputShapes` are user errors.
 */
export function inferShapes(graph: Graph, opts: InferOptions = {}): InferResult {
  const bindings = new Map<string, number>();
  const overrides = opts.inputShapes
    ? applyInputShapes(graph, opts.inputShapes, bindings)
    : new Map<string, TensorInfo>();
  const run: Run = { warnings: [], bindings, opsets: graph.opsets ?? {} };
  for (const [name, value] of Object.entries(opts.inputValues ?? {})) {
    if (!graph.inputs.includes(name))
      throw new HeteroError('--input', `"${name}" is not an input of the model`);
    const t = overrides.get(name) ?? graph.tensors.get(name);
    const n = t ? numel(t.shape) : undefined;
    if (n !== undefined && n !== value.length) {
      throw new HeteroError('--input', `"${name}" has ${n} elements, got ${value.length} values`);
    }
    if (value.length > MAX_VALUE_ELEMS)
      throw new HeteroError('--input', `"${name}": too many values (${value.length})`);
    const base: TensorInfo = t ?? { name, shape: [value.length], dtype: 'float32', constant: false };
    overrides.set(name, { ...base, value: [...value] });
  }
  const top: Graph =
    overrides.size > 0 ? { ...graph, tensors: new Map([...graph.tensors, ...overrides]) } : graph;
  const r = inferGraph(top, undefined, undefined, run, '');
  return { graph: { ...r.graph, tensors: r.graph.tensors }, warnings: run.warnings };
}
