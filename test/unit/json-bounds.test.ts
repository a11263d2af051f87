import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonShapeProblem } from '../../common/json-bounds.js';

const L = { maxDepth: 20, maxKeys: 1000 };
const nested = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);

function depthOf(v: unknown): number {
  if (v === null || typeof v !== 'object') return 0;
  const kids = Array.isArray(v) ? v : Object.values(v);
  return 1 + kids.reduce((m: number, k) => Math.max(m, depthOf(k)), 0);
}
function keysOf(v: unknown): number {
  if (v === null || typeof v !== 'object') return 0;
  if (Array.isArray(v)) return v.reduce((s: number, k) => s + keysOf(k), 0);
  return Object.values(v).reduce((s: number, k) => s + 1 + keysOf(k), 0);
}

describe('jsonShapeProblem', () => {
  it('accepts depth and key counts at the limit, refuses one past it', () => {
    expect(jsonShapeProblem(nested(20), L)).toBeUndefined();
    expect(jsonShapeProblem(nested(21), L)).toBe('nested deeper than 20');
    expect(jsonShapeProblem(nested(5000), L)).toBe('nested deeper than 20');
    const wide = (n: number) => '{' + Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(',') + '}';
    expect(jsonShapeProblem(wide(1000), L)).toBeUndefined();
    expect(jsonShapeProblem(wide(1001), L)).toBe('more than 1000 keys');
  });

  it('ignores brackets, braces and colons inside strings, escaped quotes included', () => {
    expect(jsonShapeProblem(JSON.stringify({ msg: '{'.repeat(100) + ':'.repeat(2000) + '\\"[[[' }), L)).toBeUndefined();
  });

  it('agrees with the parsed value on any JSON (depth and member count)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), (v) => {
        const text = JSON.stringify(v);
        const limits = { maxDepth: 4, maxKeys: 12 };
        const expected = depthOf(v) > 4 || keysOf(v) > 12;
        expect(jsonShapeProblem(text, limits) !== undefined).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on arbitrary text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => void jsonShapeProblem(s, L)));
  });
});
