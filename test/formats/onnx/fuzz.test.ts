// Mutated real models must only ever import or fail with a HeteroError: no crash, no hang.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HeteroError } from '../../../src/errors.js';
import { exportOnnx, importOnnxBytes } from '../../../src/formats/onnx/index.js';
import { MODELS, prng } from './fixtures.js';

const SEED = Number(process.env.HETERO_FUZZ_SEED ?? 20240611);
const MUTATIONS = Number(process.env.HETERO_FUZZ_MUTATIONS ?? 400);

interface Mutation {
  bytes: Uint8Array;
  describe: string;
}

function mutate(original: Uint8Array, rand: () => number): Mutation {
  const pick = (n: number): number => Math.floor(rand() * n);
  if (rand() < 0.3) {
    const cut = pick(original.length);
    return { bytes: original.subarray(0, cut), describe: `truncate at ${cut}` };
  }
  const bytes = new Uint8Array(original); // a copy (Buffer#slice would share memory)
  const flips: string[] = [];
  const count = 1 + pick(20);
  // Half the time aim at the header, where the graph structure (not weight bytes) lives.
  const span = rand() < 0.5 ? Math.min(original.length, 64 * 1024) : original.length;
  for (let i = 0; i < count; i++) {
    const at = pick(span);
    const value = pick(256);
    flips.push(`${at}:${bytes[at]}->${value}`);
    bytes[at] = value;
  }
  return { bytes, describe: `flip ${flips.join(' ')}` };
}

/** Each model is mutated `count` times from its own seed; the silero model adds nested If graphs. */
const TARGETS = [
  { key: 'cls', count: MUTATIONS },
  { key: 'silero16k', count: Math.ceil(MUTATIONS / 2) },
] as const;

describe('fuzzing the ONNX importer', () => {
  for (const { key, count } of TARGETS) {
    it(`${count} mutations of ${key} give a Graph or a HeteroError, and graphs export (seed ${SEED})`, () => {
      const original = new Uint8Array(readFileSync(MODELS[key]));
      const rand = prng(SEED + key.length);
      const outcomes = { graph: 0, userError: 0 };
      for (let i = 0; i < count; i++) {
        const m = mutate(original, rand);
        const label = `${key} seed ${SEED} mutation #${i} (${m.describe})`;
        try {
          const graph = importOnnxBytes(m.bytes, { name: 'fuzz.onnx' });
          outcomes.graph++;
          // Whatever imports must also export (or be refused as a user error).
          try {
            exportOnnx(graph);
          } catch (e) {
            if (!(e instanceof HeteroError))
              throw new Error(`${label}: export escaped as ${String(e)}`, { cause: e });
          }
        } catch (e) {
          if (e instanceof Error && e.message.startsWith(label)) throw e;
          if (!(e instanceof HeteroError))
            throw new Error(`${label}: import escaped as ${String(e)}`, { cause: e });
          expect(e.message, label).toContain('fuzz.onnx');
          expect(e.message, label).not.toContain('\n');
          outcomes.userError++;
        }
      }
      // Both outcomes must occur, or the mutations are not exercising the importer.
      expect(outcomes.graph).toBeGreaterThan(0);
      expect(outcomes.userError).toBeGreaterThan(0);
    });
  }
});
