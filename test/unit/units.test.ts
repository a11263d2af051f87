import { describe, expect, it } from 'vitest';
import { parseBytes, parseDuration } from '../../common/units.js';

describe('parseDuration', () => {
  it('parses units and bare milliseconds', () => {
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('5s')).toBe(5000);
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('1d')).toBe(86_400_000);
    expect(parseDuration('1w')).toBe(604_800_000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('42')).toBe(42);
    expect(parseDuration(' 5 s ')).toBe(5000);
    expect(parseDuration('5S')).toBe(5000);
    expect(parseDuration('0')).toBe(0);
    expect(parseDuration(300)).toBe(300);
  });

  it('rejects what is not a duration', () => {
    for (const t of ['', 'abc', '5x', '-1s', '1e3', 's', '5 s s', '1,5s']) expect(parseDuration(t), t).toBeUndefined();
    expect(parseDuration(-1)).toBeUndefined();
    expect(parseDuration(Number.NaN)).toBeUndefined();
    expect(parseDuration(Number.POSITIVE_INFINITY)).toBeUndefined();
  });
});

describe('parseBytes', () => {
  it('parses binary and decimal units and bare bytes', () => {
    expect(parseBytes('64KiB')).toBe(65_536);
    expect(parseBytes('1MiB')).toBe(1_048_576);
    expect(parseBytes('5mib')).toBe(5 * 1_048_576);
    expect(parseBytes('1GiB')).toBe(1024 ** 3);
    expect(parseBytes('1kb')).toBe(1000);
    expect(parseBytes('1MB')).toBe(1_000_000);
    expect(parseBytes('2GB')).toBe(2_000_000_000);
    expect(parseBytes('1k')).toBe(1024);
    expect(parseBytes('1m')).toBe(1_048_576);
    expect(parseBytes('1g')).toBe(1024 ** 3);
    expect(parseBytes('1.5KiB')).toBe(1536);
    expect(parseBytes('10')).toBe(10);
    expect(parseBytes('10b')).toBe(10);
    expect(parseBytes(' 2 KiB ')).toBe(2048);
    expect(parseBytes(4096)).toBe(4096);
  });

  it('rejects what is not a size', () => {
    for (const t of ['', 'lots', '1TB', '1 furlong', '-1', 'KiB', '1e6']) expect(parseBytes(t), t).toBeUndefined();
    expect(parseBytes(1.5)).toBeUndefined();
    expect(parseBytes(-1)).toBeUndefined();
  });
});
