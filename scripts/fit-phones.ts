// Regenerates src/cost/calibrations/<device>.json for every catalog device: fitted to the published
// latencies (src/cost/published/) where a device has them, transferred from fitted siblings of the
// same processor family to processors without points. Prints the fitted multipliers, the transfers,
// the fidelity table and the leave-one-device-out check of the transfer method. Deterministic:
// rerunning writes the same files. Run: npx tsx scripts/fit-phones.ts
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import {
  calibrateCatalog,
  phoneFidelity,
  transferFidelity,
  type PhoneCalibration,
} from '../src/cost/calibrate-published.js';
import type { DeviceCostParams } from '../src/cost/types.js';
import type { FidelitySummary } from '../src/cost/fidelity.js';

const outDir = fileURLToPath(new URL('../src/cost/calibrations/', import.meta.url));

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
const row = (s: FidelitySummary): string =>
  `${String(s.cases).padStart(3)}  ${pct(s.within10pct).padStart(6)}  ${pct(s.mape).padStart(7)}`;

// Written as prettier formats it, so that `npm run lint` stays clean after a refit.
const prettierOptions = { ...(await resolveConfig(outDir)), parser: 'json' };

/** The parameters forward selection added beyond the mode's multipliers. */
function extras(f: PhoneCalibration['fit'][number]): string {
  const dtypes = Object.entries(f.dtypeFactors ?? {}).map(
    ([d, k]) => `  ${d}: conv ×${k.conv.toFixed(3)} other ×${k.other.toFixed(3)}`,
  );
  const share = f.activationDramShare === undefined ? '' : `  actDRAM ${f.activationDramShare.toFixed(3)}`;
  return dtypes.join('') + share;
}

const all = calibrateCatalog();
const fitted = new Map<string, PhoneCalibration>();
for (const [id, cal] of all) {
  if (cal.fit.length > 0) fitted.set(id, cal);
  writeFileSync(`${outDir}${id}.json`, await format(JSON.stringify(cal), prettierOptions));
  for (const f of cal.fit) {
    const m = f.multipliers;
    console.log(
      `${id.padEnd(9)} ${f.processor.padEnd(8)} ${f.mode.padEnd(19)} conv ×${m.conv.toFixed(3)}  other ×${m.other.toFixed(3)}  dispatch ×${m.dispatch.toFixed(3)}${extras(f)}  (train ${f.trainPoints.length}, held out ${f.heldOutPoints.length})`,
    );
  }
  for (const t of cal.transferred ?? []) {
    const m = t.multipliers;
    console.log(
      `${id.padEnd(9)} ${t.processor.padEnd(8)} ${'transferred'.padEnd(19)} conv ×${m.conv.toFixed(3)}  other ×${m.other.toFixed(3)}  dispatch ×${m.dispatch.toFixed(3)}  from ${t.from.join(', ')}`,
    );
  }
  for (const k of cal.defaults ?? [])
    console.log(`${id.padEnd(9)} ${k.processor.padEnd(8)} catalog defaults`);
}

const asParams = new Map<string, DeviceCostParams>(
  [...fitted].map(([id, { device, processors, fittedFrom }]) => [id, { device, processors, fittedFrom }]),
);
const fid = phoneFidelity(asParams);
console.log('\n                      cases  ±10%     MAPE  | defaults: ±10%     MAPE');
for (const [id, d] of Object.entries(fid.perDevice)) {
  console.log(`${id.padEnd(9)} held-out     ${row(d.heldOut)}  |     ${row(d.heldOutDefaults).slice(5)}`);
  console.log(`${id.padEnd(9)} train        ${row(d.train)}  |     ${row(d.trainDefaults).slice(5)}`);
}
console.log(`${'all'.padEnd(9)} held-out     ${row(fid.overall)}  |     ${row(fid.defaults).slice(5)}`);
console.log(`${'all'.padEnd(9)} train        ${row(fid.train)}  |     ${row(fid.trainDefaults).slice(5)}`);
console.log('\nheld-out points:');
for (const c of fid.cases.filter((x) => x.split === 'held-out')) {
  console.log(
    `  ${c.label.padEnd(46)} published ${c.measuredMs.toFixed(2).padStart(8)} ms  fitted ${c.predictedMs.toFixed(2).padStart(8)}  defaults ${c.defaultsMs.toFixed(2).padStart(8)}${c.fallbackNodes ? `  (${c.fallbackNodes} nodes on CPU fallback)` : ''}`,
  );
}

// Leave-one-device-out: each fitted device's parameters transferred from the other devices only.
const lodo = transferFidelity(fitted);
console.log('\nleave-one-device-out transfer       cases  ±10%     MAPE  | defaults: ±10%     MAPE');
for (const [id, d] of Object.entries(lodo.perDevice)) {
  console.log(
    `${id.padEnd(9)} (${d.covered}/${d.total} points with a sibling) ${row(d.transferred)}  |     ${row(d.defaults).slice(5)}`,
  );
}
console.log(`${'all'.padEnd(36)}${row(lodo.transferred)}  |     ${row(lodo.defaults).slice(5)}`);
console.log(`own calibration on the same held-out points: ${row(lodo.ownHeldOut)}`);
for (const c of lodo.cases) {
  console.log(
    `  ${c.label.padEnd(46)} published ${c.measuredMs.toFixed(2).padStart(8)} ms  transferred ${c.predictedMs.toFixed(2).padStart(8)}  defaults ${c.defaultsMs.toFixed(2).padStart(8)}  own ${c.ownMs.toFixed(2).padStart(8)}  ← ${c.from.join(', ')}`,
  );
}
