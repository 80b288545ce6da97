// From a spec file (or the built-in default) to a resolved study: parse, validate, resolve model
// files against the spec's directory and check every name against what hetero knows.
import { dirname, resolve } from 'node:path';
import { listDevices } from '../hardware/catalog.js';
import { loadModel } from '../frontend/load.js';
import { strategyNames } from '../plan/strategies/index.js';
import { DEFAULT_STUDY_YAML } from './default-study.js';
import { conditionPresetNames } from '../sim/index.js';
import {
  parseStudySpec,
  readStudySpec,
  resolveStudy,
  type ResolvedStudy,
  type SpecVocabulary,
} from './spec.js';

export async function studyVocabulary(): Promise<SpecVocabulary> {
  return {
    devices: [...listDevices().map((d) => d.id), 'host'],
    strategies: strategyNames(),
    conditions: conditionPresetNames(),
  };
}

function isFileSource(source: string): boolean {
  return !source.startsWith('zoo:') && !source.startsWith('pkg:');
}

/** Loads and resolves a study; no file = the built-in default study. */
export async function loadStudy(file?: string): Promise<ResolvedStudy> {
  const where = file ?? 'default-study.yaml';
  const spec = file ? readStudySpec(file) : parseStudySpec(DEFAULT_STUDY_YAML, where);
  const baseDir = file ? dirname(resolve(file)) : process.cwd();
  // Files are named by their absolute path in cells, so that the spec's directory does not matter.
  spec.models = spec.models.map((m) =>
    isFileSource(m.source) ? { ...m, source: resolve(baseDir, m.source) } : m,
  );
  const vocab = await studyVocabulary();
  return resolveStudy(spec, where, baseDir, vocab, (source) => loadModel(source).graph.name);
}
