import { describe, expect, it } from 'vitest';
import { parseInputSpec, resolveInputSpecs } from '../../src/frontend/input-spec.js';

describe('parseInputSpec', () => {
  it('parses named and unnamed specs', () => {
    expect(parseInputSpec('x=1x3x640x640')).toEqual({ name: 'x', dims: [1, 3, 640, 640] });
    expect(parseInputSpec('1,3,48,320')).toEqual({ name: undefined, dims: [1, 3, 48, 320] });
    expect(parseInputSpec('a=b=1x2')).toEqual({ name: 'a=b', dims: [1, 2] });
  });

  it.each(['x=', '=1x3', 'x=1xx3', 'x=1x-3', 'x=0x3', 'x=1x3.5', 'x=1x99999999999', 'x=ax3'])(
    'rejects %s with an error naming --input',
    (text) => {
      expect(() => parseInputSpec(text)).toThrow(/^--input: /);
    },
  );
});

describe('resolveInputSpecs', () => {
  it('binds an unnamed spec to the only input', () => {
    expect(resolveInputSpecs([{ dims: [1, 2] }], ['x'])).toEqual({ x: [1, 2] });
  });

  it('rejects unknown names, ambiguity and repeats', () => {
    expect(() => resolveInputSpecs([{ name: 'y', dims: [1] }], ['x'])).toThrow(/"y" is not an input/);
    expect(() => resolveInputSpecs([{ dims: [1] }], ['a', 'b'])).toThrow(/has 2 inputs/);
    expect(() =>
      resolveInputSpecs(
        [
          { name: 'x', dims: [1] },
          { name: 'x', dims: [2] },
        ],
        ['x'],
      ),
    ).toThrow(/given twice/);
  });
});
