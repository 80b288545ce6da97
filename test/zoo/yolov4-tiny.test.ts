// YOLOv4-tiny against darknet's published BFLOPs, its CSP structure, and a real run of the exported
// weightless model on onnxruntime-node.
import { describe, expect, it } from 'vitest';
import { graphCost } from '../../src/graph/cost.js';
import { yolov4Tiny } from '../../src/zoo/yolo.js';
import { expectWithin, inferred, opCount, runExported, shapeOf } from './zoo-helpers.js';

// AlexeyAB/darknet README: yolov4-tiny.cfg, 6.9 BFlops at 416×416; darknet counts 2 FLOPs per MAC.
const PUBLISHED_MACS = 6.9e9 / 2;

describe('YOLOv4-tiny', () => {
  const g = inferred(yolov4Tiny());

  it('has two COCO heads, 13×13 and 26×26 at 416 px, every cost known', () => {
    expect(g.outputs.map((o) => shapeOf(g, o))).toEqual([
      [1, 255, 13, 13],
      [1, 255, 26, 26],
    ]);
    expect(graphCost(g).unknownCostNodes).toEqual([]);
  });

  it('matches darknet’s published BFLOPs within 3%', () => {
    expectWithin(graphCost(g).macs, PUBLISHED_MACS);
  });

  it('splits, concatenates and pools in three CSP blocks', () => {
    expect(opCount(g, 'Slice')).toBe(3);
    // Two concats per block and one in the 26×26 head.
    expect(opCount(g, 'Concat')).toBe(7);
    expect(opCount(g, 'MaxPool')).toBe(3);
    expect(opCount(g, 'Resize')).toBe(1);
    // Every conv but the two detection convs is followed by BatchNorm and LeakyReLU (0.1).
    expect(opCount(g, 'Conv')).toBe(21);
    expect(opCount(g, 'LeakyRelu')).toBe(19);
    expect(shapeOf(g, 'csp2/slice')).toEqual([1, 128, 26, 26]);
    expect(shapeOf(g, 'csp2/maxpool')).toEqual([1, 512, 13, 13]);
  });

  it('exported with generated weights at 192×192, runs on onnxruntime-node', async () => {
    const small = inferred(yolov4Tiny(192));
    expect(small.outputs.map((o) => shapeOf(small, o))).toEqual([
      [1, 255, 6, 6],
      [1, 255, 12, 12],
    ]);
    await runExported(small);
  });
});
