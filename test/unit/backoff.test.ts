import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffMs, sleep } from '../../common/backoff.js';

describe('backoffMs', () => {
  it('doubles per attempt with full jitter between cap/2 and cap', () => {
    expect(backoffMs(0, 200, 30_000, () => 0)).toBe(100);
    expect(backoffMs(0, 200, 30_000, () => 0.5)).toBe(150);
    expect(backoffMs(0, 200, 30_000, () => 0.999999)).toBe(199);
    expect(backoffMs(3, 200, 30_000, () => 0)).toBe(800);
    expect(backoffMs(3, 200, 30_000, () => 0.5)).toBe(1200);
  });

  it('is capped at maxMs, even for huge attempt counts', () => {
    expect(backoffMs(8, 200, 30_000, () => 0)).toBe(15_000);
    expect(backoffMs(1000, 200, 30_000, () => 0.999999)).toBe(29_999);
    expect(backoffMs(1e9, 200, 30_000, () => 0)).toBe(15_000);
  });

  it('is at least 1 ms', () => {
    expect(backoffMs(0, 1, 1, () => 0)).toBe(1);
  });

  it('property: within [max(1, floor(cap/2)), cap] and never above maxMs', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 200 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, initial, extra, r) => {
          const max = initial + extra;
          const cap = Math.min(max, initial * 2 ** Math.min(attempt, 30));
          const ms = backoffMs(attempt, initial, max, () => r);
          expect(Number.isInteger(ms)).toBe(true);
          expect(ms).toBeGreaterThanOrEqual(Math.max(1, Math.floor(cap / 2)));
          expect(ms).toBeLessThanOrEqual(Math.max(1, cap));
          expect(ms).toBeLessThanOrEqual(max);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('sleep', () => {
  it('resolves after the time, or at once when aborted', async () => {
    const t0 = Date.now();
    await sleep(20);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(15);
    const ac = new AbortController();
    ac.abort();
    const t1 = Date.now();
    await sleep(10_000, ac.signal);
    expect(Date.now() - t1).toBeLessThan(1000);
    const ac2 = new AbortController();
    const p = sleep(10_000, ac2.signal);
    setTimeout(() => ac2.abort(), 5);
    const t2 = Date.now();
    await p;
    expect(Date.now() - t2).toBeLessThan(1000);
  });
});
