// Issue #2 target: importing PP-OCRv4 rec (10.8 MB) with shapes and costs takes ≤ 300 ms and stays
// within 10× of merely reading the file into memory.
import { readFileSync } from 'node:fs';
import { resolvePackagedModel } from '../src/frontend/packaged-models.js';
import { importOnnxFile } from '../src/formats/onnx/import.js';
import { graphCost } from '../src/graph/cost.js';
import { inferShapes } from '../src/graph/shape-inference.js';

export interface BenchResult {
  name: string;
  ok: boolean;
  detail: string;
}

function medianMs(runs: number, fn: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

export async function benchImport(): Promise<BenchResult> {
  const path = resolvePackagedModel('ppocr-rec');
  const runs = 15;
  let macs = 0;
  const readMs = medianMs(runs, () => {
    readFileSync(path);
  });
  const importMs = medianMs(runs, () => {
    const { graph } = inferShapes(importOnnxFile(path), { inputShapes: { x: [1, 3, 48, 320] } });
    macs = graphCost(graph).macs;
  });
  const ratio = importMs / readMs;
  const ok = importMs <= 300 && ratio <= 10;
  return {
    name: 'import PP-OCRv4 rec with shapes and costs',
    ok,
    detail:
      `read ${readMs.toFixed(2)} ms, import+infer+cost ${importMs.toFixed(2)} ms (median of ${runs}), ` +
      `ratio ${ratio.toFixed(2)}× (target ≤ 300 ms and ≤ 10×); ${(macs / 1e6).toFixed(1)} MMACs`,
  };
}
