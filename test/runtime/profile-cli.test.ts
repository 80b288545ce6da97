import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerProfile } from '../../src/cli/profile.js';

async function run(args: string[]): Promise<string> {
  const out: string[] = [];
  const program = new Command('hetero').exitOverride();
  registerProfile(program, (t) => out.push(t));
  await program.parseAsync(args, { from: 'user' });
  return out.join('\n');
}

describe('hetero profile', () => {
  it('--json prints a ModelProfile', async () => {
    const json = JSON.parse(
      await run(['profile', 'pkg:ppocr-cls', '--runs', '2', '--warmup', '1', '--json']),
    ) as Record<string, unknown>;
    expect(json).toMatchObject({ threads: 1, runs: 2, inputs: { x: [1, 3, 48, 192] } });
    expect(typeof json.fingerprint).toBe('string');
    expect((json.endToEnd as { medianMs: number }).medianMs).toBeGreaterThan(0);
    const nodes = json.nodes as { node: string; op: string; latency: { medianMs: number } }[];
    expect(nodes.length).toBeGreaterThan(100);
    expect(nodes[0]).toMatchObject({ node: expect.any(String), op: expect.any(String) });
    expect(Array.isArray(json.unmappedEvents)).toBe(true);
  });

  it('prints a table of the slowest nodes and the end-to-end spread', async () => {
    const text = await run(['profile', 'pkg:ppocr-cls', '--runs', '2', '--top', '3', '--threads', '2']);
    expect(text).toMatch(/end-to-end\s+median [\d.]+ ms/);
    expect(text).toContain('2 thread(s)');
    expect(text).toMatch(/slowest nodes/);
  });

  it('--deployed profiles the graph the executor runs: no BatchNorm, fused nodes measured with their activation', async () => {
    const json = JSON.parse(
      await run(['profile', 'pkg:ppocr-cls', '--deployed', '--runs', '2', '--warmup', '1', '--json']),
    ) as { nodes: { op: string; kernels?: unknown[] }[]; mappedShare: number };
    expect(json.nodes.some((n) => n.op === 'BatchNormalization')).toBe(false);
    expect(json.nodes.filter((n) => n.kernels?.length === 2).length).toBeGreaterThan(10);
    expect(json.mappedShare).toBe(1);
  });

  it('rejects a bad --runs', async () => {
    await expect(run(['profile', 'pkg:ppocr-cls', '--runs', 'x'])).rejects.toThrow(/--runs/);
  });
});
