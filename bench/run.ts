// Benchmarks: each prints what it measured in this one run and the ratio the issue targets.
// Run with `npm run bench`. Never part of `npm test` (timings on a shared machine are noisy).
import { benchCost } from './cost.bench.js';
import { benchImport } from './import.bench.js';
import { benchPlan } from './plan.bench.js';
import { benchSim } from './sim.bench.js';
import { benchExecutor } from './executor.bench.js';

import type { BenchResult } from './import.bench.js';

/**
 * Each group's results; a group that throws (a stale `.hetero/host.json` for the executor's, say) is
 * one missed line with its one-line reason, and the other groups still run.
 */
async function group(name: string, run: () => Promise<BenchResult | BenchResult[]>): Promise<BenchResult[]> {
  try {
    const r = await run();
    return Array.isArray(r) ? r : [r];
  } catch (e) {
    return [{ name, ok: false, detail: `failed: ${e instanceof Error ? e.message : String(e)}` }];
  }
}

const results = [
  ...(await group('import', benchImport)),
  ...(await group('cost', benchCost)),
  ...(await group('plan', benchPlan)),
  ...(await group('simulate', benchSim)),
  ...(await group('executor', benchExecutor)),
];
let failed = 0;
for (const r of results) {
  console.log(`${r.ok ? 'PASS' : 'MISS'}  ${r.name}: ${r.detail}`);
  if (!r.ok) failed++;
}
console.log(`${results.length - failed} benchmarks met their targets, ${failed} missed`);
