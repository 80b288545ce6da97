// Resolving Ifs that inference decided: the taken branch replaces the If, nested graphs included.
import { describe, expect, it } from 'vitest';
import { inlineDecidedIfs } from '../../src/graph/inline-if.js';
import { inferShapes } from '../../src/graph/shape-inference.js';
import type { Graph } from '../../src/graph/types.js';
import { graphOf, nestedSqueezeIfGraph, squeezeIfGraph } from './shape-inference-helpers.js';

const ops = (g: Graph): string[] => g.nodes.map((n) => n.op);

describe('inlineDecidedIfs', () => {
  it('replaces an If decided by a fixed shape with its taken branch', () => {
    // T = 2: the Squeeze branch cannot run (dim 2 is not 1), so only Identity may be exported.
    const { graph, warnings } = inferShapes(squeezeIfGraph(), { inputShapes: { x: [1, 4, 2] } });
    expect(warnings).toEqual([]);
    expect(graph.tensors.get('c')?.value).toEqual([0]);
    const out = inlineDecidedIfs(graph);
    expect(ops(out)).toEqual(['Shape', 'Gather', 'Equal', 'Identity', 'Identity', 'Unsqueeze']);
    const feed = out.nodes.find((n) => n.outputs[0] === 'y');
    expect(feed?.inputs).toEqual(['id']);
    expect(out.tensors.get('id')?.shape).toEqual([1, 4, 2]);
    expect(out.tensors.get('z')?.shape).toEqual([1, 1, 4, 2]);
    expect(out.tensors.has('sq')).toBe(false);
    // Pure: the inferred graph keeps its If.
    expect(ops(graph)).toContain('If');

    const one = inlineDecidedIfs(inferShapes(squeezeIfGraph(), { inputShapes: { x: [1, 4, 1] } }).graph);
    expect(ops(one)).toEqual(['Shape', 'Gather', 'Equal', 'Squeeze', 'Identity', 'Unsqueeze']);
    // The branch's axes constant moves to the enclosing graph with it.
    expect(one.tensors.get('ax2')?.constant).toBe(true);
    expect(one.tensors.get('z')?.shape).toEqual([1, 1, 4]);
  });

  it('leaves undecided Ifs in place but resolves decided ones inside their branches', () => {
    const g = nestedSqueezeIfGraph();
    const undecided = inferShapes(g, { inputShapes: { x: [1, 4, 2] } }).graph;
    const out = inlineDecidedIfs(undecided);
    expect(ops(out)).toEqual(['Equal', 'If']);
    expect(ops(out.nodes[1].subgraphs?.then_branch as Graph)).toEqual([
      'Shape',
      'Gather',
      'Equal',
      'Identity',
      'Identity',
      'Unsqueeze',
    ]);
    // Symbolic T: nothing is decided, so the graph comes back unchanged.
    const symbolic = inferShapes(g).graph;
    expect(inlineDecidedIfs(symbolic)).toBe(symbolic);

    const decided = inlineDecidedIfs(
      inferShapes(g, { inputShapes: { x: [1, 4, 2] }, inputValues: { sr: [16000] } }).graph,
    );
    expect(ops(decided)).toEqual([
      'Equal',
      'Shape',
      'Gather',
      'Equal',
      'Identity',
      'Identity',
      'Unsqueeze',
      'Identity',
    ]);
    expect(decided.tensors.get('out')?.shape).toEqual([1, 1, 4, 2]);
  });

  it('keeps an If whose branch would redefine a name of the enclosing graph', () => {
    const then = graphOf({ inputs: {}, nodes: [{ op: 'Identity', in: ['x'], out: ['dup'] }] });
    const els = graphOf({ inputs: {}, nodes: [{ op: 'Neg', in: ['x'], out: ['e'] }] });
    const g = graphOf({
      inputs: { x: [3] },
      consts: { c: { dtype: 'bool', shape: [], values: [1] } },
      nodes: [
        { op: 'Relu', in: ['x'], out: ['dup'] },
        { op: 'If', in: ['c'], out: ['y'], subgraphs: { then_branch: then, else_branch: els } },
      ],
    });
    const inferred = inferShapes(g).graph;
    expect(inlineDecidedIfs(inferred)).toBe(inferred);
  });
});
