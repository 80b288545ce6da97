// Plans on disk: one file per (model, device, strategy, objective) in the study's out dir, so that
// every workload and conditions cell reuses one planning, and a resumed study does not plan again.
// Files are written to a temp name and renamed (atomic on POSIX): a kill mid-write leaves no half file.
// Two workers planning the same key write identical bytes (planning is deterministic), so a race is
// harmless.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../write-atomic.js';
import { join } from 'node:path';
import { isHeteroError } from '../errors.js';
import type { Graph } from '../graph/types.js';
import { getStrategy, planGraph } from '../plan/strategies/index.js';
import type { Plan } from '../plan/types.js';
import { validatePlan } from '../plan/validate.js';
import { shortHash, type PlanKey } from './cells.js';
import { studyDevice, studyGraph } from './context.js';

interface PlanFile {
  format: 'hetero-study-plan/1';
  key: string;
  plan?: Plan;
  /** Why the strategy has no plan here (a HeteroError message). */
  refused?: string;
}

/** A plan with the graph it runs (the rewritten one for a strategy that changes the model). */
export interface StudyPlan {
  plan: Plan;
  graph: Graph;
}

export type PlanLookup = StudyPlan | { refused: string };

const memo = new Map<string, PlanLookup>();

export function planFile(dir: string, key: PlanKey): string {
  return join(dir, `${shortHash(key.id)}.json`);
}

function readPlanFile(file: string, key: PlanKey): PlanFile | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const json = JSON.parse(readFileSync(file, 'utf8')) as PlanFile;
    return json.format === 'hetero-study-plan/1' && json.key === key.id ? json : undefined;
  } catch {
    return undefined; // unreadable: plan again and overwrite
  }
}

function writePlanFile(file: string, content: PlanFile): void {
  writeFileAtomic(file, `${JSON.stringify(content)}\n`);
}

/** The plan of `key`, from memory, the cache dir or by planning (then cached). */
export function studyPlan(key: PlanKey, dir: string, hostFile?: string): PlanLookup {
  const known = memo.get(key.id);
  if (known) return known;
  const { device, cost } = studyDevice(key.device, hostFile);
  const graph = studyGraph(key.model);
  const strategy = getStrategy(key.strategy);
  const file = planFile(dir, key);
  let content = readPlanFile(file, key);
  if (!content) {
    content = { format: 'hetero-study-plan/1', key: key.id };
    try {
      content.plan = strategy.plan(graph, device, cost, { objective: key.objective });
    } catch (e) {
      if (!isHeteroError(e)) throw e;
      content.refused = e.message;
    }
    mkdirSync(dir, { recursive: true });
    writePlanFile(file, content);
  }
  let result: PlanLookup;
  if (content.plan) {
    const target = planGraph(strategy, content.plan, graph, device, cost, { objective: key.objective });
    validatePlan(content.plan, target, device, cost, strategy.name);
    result = { plan: content.plan, graph: target };
  } else {
    result = { refused: content.refused ?? 'no plan' };
  }
  memo.set(key.id, result);
  return result;
}
