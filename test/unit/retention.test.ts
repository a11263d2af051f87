import { describe, expect, it } from 'vitest';
import { expiredIndices } from '../../sink/retention.js';

describe('expiredIndices', () => {
  const now = new Date('2024-01-10T12:34:56Z');
  const days = ['2023.12.31', '2024.01.01', '2024.01.02', '2024.01.03', '2024.01.04', '2024.01.09', '2024.01.10'].map((d) => `logs-${d}`);

  it('keeps the last retention_days whole days before today, and today', () => {
    expect(expiredIndices(days, 'logs', 7, now)).toEqual(['logs-2023.12.31', 'logs-2024.01.01', 'logs-2024.01.02']);
    expect(expiredIndices(days, 'logs', 1, now)).toEqual(days.slice(0, 5));
    expect(expiredIndices(days, 'logs', 30, now)).toEqual([]);
  });

  it('uses the UTC day of now', () => {
    // 23:30 at UTC-5 on Jan 9 is already Jan 10 in UTC.
    expect(expiredIndices(days, 'logs', 7, new Date('2024-01-09T23:30:00-05:00'))).toEqual([
      'logs-2023.12.31',
      'logs-2024.01.01',
      'logs-2024.01.02',
    ]);
    expect(expiredIndices(days, 'logs', 7, new Date('2024-01-10T00:00:00Z'))).toEqual([
      'logs-2023.12.31',
      'logs-2024.01.01',
      'logs-2024.01.02',
    ]);
    expect(expiredIndices(days, 'logs', 7, new Date('2024-01-09T23:59:59.999Z'))).toEqual(['logs-2023.12.31', 'logs-2024.01.01']);
  });

  it('only touches indices of the prefix with a well-formed date', () => {
    const idx = [
      'logs-2020.01.01',
      'logs-app-2020.01.01',
      'logsx-2020.01.01',
      'other-2020.01.01',
      'logs-2020.1.1',
      'logs-2020.01.01-restored',
      '.logs-2020.01.01',
    ];
    expect(expiredIndices(idx, 'logs', 7, now)).toEqual(['logs-2020.01.01']);
    expect(expiredIndices(['a.b-2020.01.01', 'aXb-2020.01.01'], 'a.b', 7, now)).toEqual(['a.b-2020.01.01']);
  });

  it('copes with whatever index names exist: far past and far future days, no date, impossible dates', () => {
    const idx = [
      'logs-1970.01.01',
      'logs-275760.09.13',
      'logs-275760.09.14',
      'logs-foo',
      'logs-',
      'logs-2024.02.31',
      'logs-2023.13.01',
      'logs-2023.00.10',
      'logs-0000.01.01',
      'logs-9999999.01.01',
      'logs-2023.02.28',
    ];
    expect(() => expiredIndices(idx, 'logs', 7, now)).not.toThrow();
    // Only real calendar days before the cutoff; a name that is not one is kept, never deleted.
    expect(expiredIndices(idx, 'logs', 7, now)).toEqual(['logs-1970.01.01', 'logs-2023.02.28']);
    expect(expiredIndices(idx, 'logs', 100_000_000, now)).toEqual([]);
    expect(expiredIndices(idx, 'logs', 7, new Date(NaN))).toEqual([]);
    expect(expiredIndices([null, 42, { name: 'logs-2020.01.01' }, 'logs-2020.01.01'], 'logs', 7, now)).toEqual(['logs-2020.01.01']);
    expect(expiredIndices(idx, '(*[', 7, now)).toEqual([]);
  });
});
