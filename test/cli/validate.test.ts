import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { expectCleanError } from './helpers.js';

describe('hetero calibrate / validate options', () => {
  it('refuses an unknown --graphs form before measuring anything, writing nothing', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'hetero-graphs-')), 'host.json');
    expectCleanError(['calibrate', '--graphs', 'folded', '--out', out], /--graphs.*"folded"/, [out]);
    expectCleanError(['validate', '--device', 'host', '--graphs', 'raw'], /--graphs.*"raw"/);
  });

  it('refuses an unknown --hold-out', () => {
    expectCleanError(['validate', '--device', 'host', '--hold-out', 'op'], /--hold-out.*"op".*family, input/);
  });
});
