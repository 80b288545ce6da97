// Resolving decided control flow: an If whose condition shape inference knows (from fixed input
// shapes, constants or bound input values such as silero's `sr`) is replaced by the nodes of the branch
// it takes. Pure: the argument is never mutated.
//
// Why: inference specialises a graph to its bound inputs, yet still infers the untaken branch at
// those sizes (for inspection). That branch may be unable to run there at all (silero's 8 kHz branch
// at 512 samples feeds its LSTM a rank-5 X; ORT fails the same way at run time), and ONNX checkers
// validate every branch: ORT rejects such a model at load time, whether from hetero's value_info or
// from its own constant folding of the fixed input shapes. Exporting the taken branch only is the
// model hetero analysed (cost.ts also counts only the taken branch).
import { tensorValue } from './ops/values.js';
import type { Graph, Node, TensorInfo } from './types.js';

export type Lookup = (name: string) => TensorInfo | undefined;

/** The branch a decided If takes, or undefined while its condition is unknown. */
export function takenBranch(node: Node, lookup: Lookup): Graph | undefined {
  if (node.op !== 'If' || (node.domain && node.domain !== 'ai.onnx')) return undefined;
  // Inferred conditions carry `value`; a constant condition is decoded from its data.
  const cond = node.inputs[0] ? tensorValue(lookup(node.inputs[0])) : undefined;
  if (!cond || cond.length !== 1) return undefined;
  return node.subgraphs?.[cond[0] ? 'then_branch' : 'else_branch'];
}

/** Names a graph defines (inputs, constants, node outputs), nested graphs included. */
function definedNames(g: Graph, out = new Set<string>()): Set<string> {
  for (const name of g.inputs) out.add(name);
  for (const t of g.tensors.values()) if (t.constant) out.add(t.name);
  for (const n of g.nodes) {
    for (const o of n.outputs) if (o) out.add(o);
    for (const sub of Object.values(n.subgraphs ?? {})) definedNames(sub, out);
  }
  return out;
}

/**
 * Replaces every If with a known condition by its taken branch, in `g` and in all nested graphs
 * (so an If decided inside an undecided If's branch is resolved too). The If's outputs stay, fed by
 * Identity nodes from the branch's outputs. An If is kept when its branch takes no inputs or would
 * define a name the enclosing graph already uses (inlining must not break single assignment).
 */
export function inlineDecidedIfs(g: Graph): Graph {
  return inlineIn(g, undefined);
}

function inlineIn(g: Graph, outer: Lookup | undefined): Graph {
  const tensors = new Map(g.tensors);
  const lookup: Lookup = (name) => tensors.get(name) ?? outer?.(name);
  const nodes: Node[] = [];
  let changed = false;
  for (const node of g.nodes) {
    const branch = takenBranch(node, lookup);
    if (branch && branch.inputs.length === 0 && branch.outputs.length >= node.outputs.length) {
      const inlined = inlineIn(branch, lookup);
      const others = definedNames({ ...g, nodes: g.nodes.filter((n) => n !== node) });
      const clash = [...definedNames(inlined)].some((name) => others.has(name));
      if (!clash) {
        changed = true;
        // Enclosing entries win: a branch may also hold value_info for names it reads from outside.
        for (const [name, t] of inlined.tensors) if (!tensors.has(name)) tensors.set(name, t);
        nodes.push(...inlined.nodes);
        node.outputs.forEach((out, k) => {
          if (!out) return;
          nodes.push({
            id: `${node.id || out}/taken_output_${k}`,
            op: 'Identity',
            inputs: [inlined.outputs[k]],
            outputs: [out],
            attrs: {},
          });
        });
        continue;
      }
    }
    if (node.subgraphs) {
      const subgraphs: Record<string, Graph> = {};
      let subChanged = false;
      for (const [attr, sub] of Object.entries(node.subgraphs)) {
        subgraphs[attr] = inlineIn(sub, lookup);
        if (subgraphs[attr] !== sub) subChanged = true;
      }
      if (subChanged) {
        changed = true;
        nodes.push({ ...node, subgraphs });
        continue;
      }
    }
    nodes.push(node);
  }
  return changed ? { ...g, nodes, tensors } : g;
}
