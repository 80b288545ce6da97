// The conditions presets a study may name: the simulator's.
import { conditionPresetNames as simPresets } from '../sim/index.js';

/** The presets the simulator's issue fixes, in the order the report shows them (idle first). */
export const EXPECTED_PRESETS: readonly string[] = [
  'idle',
  'background-cpu',
  'gpu-busy',
  'thermal-throttle',
  'memory-pressure',
  'concurrent-models',
];

export function conditionPresetNames(): string[] {
  return simPresets();
}
