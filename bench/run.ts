// Benchmarks: each prints what it measured in this one run and the ratio the issue targets.
// Run with `npm run bench`. Never part of `npm test` (timings on a shared machine are noisy).
import { benchCost } from './cost.bench.js';
import { benchImport } from './import.bench.js';
import { benchPlan } from './plan.bench.js';
import { benchSim } from './sim.bench.js';
import { benchExecutor } from './executor.bench.js';

const results = [
  await benchImport(),
  await benchCost(),
  ...(await benchPlan()),
  ...(await benchSim()),
  ...(await benchExecutor()),
];
let failed = 0;
for (const r of results) {
  console.log(`${r.ok ? 'PASS' : 'MISS'}  ${r.name}: ${r.detail}`);
  if (!r.ok) failed++;
}
console.log(`${results.length - failed} benchmarks met their targets, ${failed} missed`);
