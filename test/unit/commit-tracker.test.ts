import { describe, expect, it } from 'vitest';
import { committableUpTo } from '../../sink/commit-tracker.js';

describe('committableUpTo', () => {
  const offsets = ['5', '6', '7', '8', '9'];
  const doneOf =
    (...d: string[]) =>
    (o: string) =>
      d.includes(o);

  it('is the last offset of the done prefix', () => {
    expect(committableUpTo(offsets, doneOf('5', '6', '7', '8', '9'))).toBe('9');
    expect(committableUpTo(offsets, doneOf('5', '6', '8', '9'))).toBe('6');
    expect(committableUpTo(offsets, doneOf('5'))).toBe('5');
  });

  it('is undefined when the first record is not done, or there are none', () => {
    expect(committableUpTo(offsets, doneOf('6', '7', '8', '9'))).toBeUndefined();
    expect(committableUpTo([], () => true)).toBeUndefined();
  });

  it('follows the given order, not numeric order of the strings', () => {
    expect(committableUpTo(['98', '99', '100', '101'], doneOf('98', '99', '100'))).toBe('100');
  });
});
