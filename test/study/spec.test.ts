// The study spec: the schema and the semantic checks name the file and field of every error.
import { describe, expect, it } from 'vitest';
import { isHeteroError } from '../../src/errors.js';
import { expandCells, planKeysOf } from '../../src/study/cells.js';
import { DEFAULT_STUDY_YAML } from '../../src/study/default-study.js';
import { loadStudy, studyVocabulary } from '../../src/study/load.js';
import { parseStudySpec } from '../../src/study/spec.js';
import { specFile, TINY_SPEC } from './helpers.js';

async function errorOf(text: string): Promise<string> {
  try {
    await loadStudy(specFile(text));
  } catch (e) {
    if (isHeteroError(e)) return e.message;
    throw e;
  }
  throw new Error('expected a spec error');
}

describe('study spec', () => {
  it('names the field of a schema error', async () => {
    const bad = TINY_SPEC.replace('fps: 30', 'fps: -30');
    expect(await errorOf(bad)).toMatch(/study\.yaml: workloads\[1\]\.fps: must be > 0$/);
    expect(await errorOf(TINY_SPEC.replace('durationMs: 500', 'durationMs: 0'))).toMatch(
      /durationMs: must be > 0/,
    );
    expect(await errorOf(TINY_SPEC.replace('name: tiny', 'name: tiny\nseeds: [-1]'))).toMatch(
      /seeds\[0\]: must be ≥ 0/,
    );
    expect(await errorOf(TINY_SPEC.replace('name: tiny', 'name: tiny\nfoo: 1'))).toMatch(
      /\(top level\): unknown field "foo"/,
    );
    expect(await errorOf(TINY_SPEC.replace('kind: periodic', 'kind: sometimes'))).toMatch(
      /workloads\[1\]\.kind: kind must be one of/,
    );
  });

  it('names unknown devices, strategies, presets, models and workloads', async () => {
    expect(await errorOf(TINY_SPEC.replace('[sd888, sd8gen2]', '[sd888, pixel99]'))).toMatch(
      /study\.yaml: devices\[1\]: unknown device "pixel99"; known: .*sd855/,
    );
    expect(await errorOf(TINY_SPEC.replace('heft, adaptive]', 'heft, magic]'))).toMatch(
      /strategies\[6\]: unknown strategy "magic"/,
    );
    expect(await errorOf(TINY_SPEC.replace('thermal-throttle]', 'sauna]'))).toMatch(
      /conditions\[2\]: unknown conditions preset "sauna"/,
    );
    expect(await errorOf(TINY_SPEC.replace('models: [mobilenetv2]', 'models: [alexnet]'))).toMatch(
      /sweeps\[2\]\.models\[0\]: unknown model "alexnet"/,
    );
    expect(
      await errorOf(
        TINY_SPEC.replace('{ name: plans, run: plan }', '{ name: plans, run: plan, workloads: [x] }'),
      ),
    ).toMatch(/sweeps\[0\]\.workloads\[0\]: unknown workload "x"/);
    expect(
      await errorOf(TINY_SPEC.replace('{ name: plans, run: plan }', '{ name: plans, run: execute }')),
    ).toMatch(/sweeps\[0\]\.devices: execute runs only on "host"/);
  });

  it('rejects malformed and truncated YAML with the line', async () => {
    expect(await errorOf('name: [unclosed\n')).toMatch(/study\.yaml: not valid YAML \(line \d+\)/);
    // Truncated files: mid-word (not YAML any more) and after a key (a field left without a value).
    expect(await errorOf(TINY_SPEC.slice(0, TINY_SPEC.indexOf('sweeps:') + 3))).toMatch(
      /study\.yaml: not valid YAML \(line \d+\)/,
    );
    expect(await errorOf(TINY_SPEC.slice(0, TINY_SPEC.indexOf('sweeps:') + 8))).toMatch(
      /study\.yaml: sweeps: /,
    );
    expect(await errorOf('')).toMatch(/study\.yaml: is empty/);
  });

  it('expands cells once each, with stable ids, and one plan per (model, device, strategy, objective)', async () => {
    const study = await loadStudy(specFile(TINY_SPEC));
    const vocab = await studyVocabulary();
    const cells = expandCells(study, vocab);
    // plans: 2 models × 2 devices × 7 strategies; the gantt sweep's cells are the same cells (traced);
    // sim: 1 model × 1 device × 3 strategies × 2 workloads × 3 presets × 1 seed.
    expect(cells.filter((c) => c.params.kind === 'plan')).toHaveLength(28);
    expect(cells.filter((c) => c.params.kind === 'simulate')).toHaveLength(18);
    expect(new Set(cells.map((c) => c.id)).size).toBe(cells.length);
    expect(
      cells
        .filter((c) => c.params.trace)
        .map((c) => c.params.model)
        .sort(),
    ).toEqual(['mobilenetv2', 'silero-vad']);
    expect(planKeysOf(cells)).toHaveLength(28);
    const again = expandCells(await loadStudy(specFile(TINY_SPEC)), vocab);
    expect(again.map((c) => c.id)).toEqual(cells.map((c) => c.id));
    // A changed parameter changes the ids of the cells it decides, and only those.
    const longer = expandCells(
      await loadStudy(specFile(TINY_SPEC.replace('durationMs: 500', 'durationMs: 600'))),
      vocab,
    );
    const changed = longer.filter((c, i) => c.id !== cells[i].id);
    expect(changed.length).toBe(18);
    expect(changed.every((c) => c.params.kind === 'simulate')).toBe(true);
  });

  it('the default study covers the four dimensions', async () => {
    const spec = parseStudySpec(DEFAULT_STUDY_YAML, 'default');
    const study = await loadStudy();
    const vocab = await studyVocabulary();
    const cells = expandCells(study, vocab);
    const phones = spec.devices.filter((d) => d !== 'host');
    expect(phones.length).toBeGreaterThanOrEqual(6);
    expect(spec.devices).toContain('host');
    expect(new Set(cells.map((c) => c.params.strategy))).toEqual(new Set(vocab.strategies));
    const sims = cells.filter((c) => c.params.kind === 'simulate');
    expect(new Set(sims.map((c) => c.params.conditions))).toEqual(new Set(vocab.conditions));
    expect(new Set(sims.map((c) => c.params.workload?.kind))).toEqual(
      new Set(['single', 'periodic', 'multi']),
    );
    expect(cells.some((c) => c.params.kind === 'execute')).toBe(true);
    expect(spec.models.map((m) => m.source)).toEqual(
      expect.arrayContaining([
        'zoo:mobilenetv2',
        'zoo:inceptionv3',
        'zoo:vit-b16',
        'pkg:ppocr-rec',
        'pkg:silero-vad',
      ]),
    );
  });
});
