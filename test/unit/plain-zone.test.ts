import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createZoneResolver, fixedOffsetMs, timezoneProblem, zoneResolver } from '../../agent/pipeline/plain-zone.js';

const HOUR = 3_600_000;
const wall = (iso: string) => Date.parse(iso + 'Z'); // a wall-clock reading as wall ms
const utc = (zone: string, iso: string) => new Date(createZoneResolver(zone).toUtc(wall(iso))).toISOString();

/** The offset Intl gives, read from its 'longOffset' name: independent of the resolver's arithmetic. */
function intlOffset(zone: string, ms: number): number {
  const name = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' })
    .formatToParts(ms)
    .find((p) => p.type === 'timeZoneName')!.value;
  const m = /^GMT(?:([+-])(\d\d):(\d\d)(?::(\d\d))?)?$/.exec(name);
  if (!m || !m[1]) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * HOUR + Number(m[3]) * 60_000 + Number(m[4] ?? 0) * 1000);
}

describe('zone resolvers', () => {
  it('reads fixed offsets, UTC and Z', () => {
    expect(fixedOffsetMs('+05:30')).toBe(5.5 * HOUR);
    expect(fixedOffsetMs('-0800')).toBe(-8 * HOUR);
    expect(fixedOffsetMs('+01')).toBe(HOUR);
    expect(fixedOffsetMs('UTC')).toBe(0);
    expect(fixedOffsetMs('Z')).toBe(0);
    expect(fixedOffsetMs('+24:00')).toBeUndefined();
    expect(fixedOffsetMs('+5:30')).toBeUndefined();
    expect(utc('+05:30', '2026-12-01T07:00:00')).toBe('2026-12-01T01:30:00.000Z');
  });

  it('converts wall times in IANA zones, summer and winter', () => {
    expect(utc('Europe/Paris', '2026-07-01T12:00:00')).toBe('2026-07-01T10:00:00.000Z');
    expect(utc('Europe/Paris', '2026-12-01T12:00:00')).toBe('2026-12-01T11:00:00.000Z');
    expect(utc('Asia/Kolkata', '2026-12-01T12:00:00')).toBe('2026-12-01T06:30:00.000Z');
    expect(utc('America/New_York', '2026-07-01T12:00:00')).toBe('2026-07-01T16:00:00.000Z');
  });

  it('reads a wall time that occurs twice (clocks go back) as the earlier instant', () => {
    expect(utc('Europe/Paris', '2026-10-25T02:30:00')).toBe('2026-10-25T00:30:00.000Z');
    expect(utc('America/New_York', '2026-11-01T01:30:00')).toBe('2026-11-01T05:30:00.000Z');
    // Lord Howe goes back 30 minutes, at 15:00Z
    expect(utc('Australia/Lord_Howe', '2026-04-05T01:45:00')).toBe('2026-04-04T14:45:00.000Z');
  });

  it('moves a wall time that never occurs (clocks go forward) on by the gap', () => {
    expect(utc('Europe/Paris', '2026-03-29T02:30:00')).toBe('2026-03-29T01:30:00.000Z'); // = 03:30 CEST
    expect(utc('America/New_York', '2026-03-08T02:30:00')).toBe('2026-03-08T07:30:00.000Z'); // = 03:30 EDT
    // Lord Howe goes forward 30 minutes at 15:30Z, in the middle of a UTC hour
    expect(utc('Australia/Lord_Howe', '2026-10-04T02:15:00')).toBe('2026-10-03T15:45:00.000Z');
  });

  it('gives the same instants from a warm cache as from a cold one, around every change', () => {
    const warm = createZoneResolver('Europe/Paris');
    for (let w = wall('2026-03-28T00:00:00'); w < wall('2026-03-30T00:00:00'); w += 15 * 60_000) {
      expect(warm.toUtc(w)).toBe(createZoneResolver('Europe/Paris').toUtc(w));
    }
    const lh = createZoneResolver('Australia/Lord_Howe');
    for (let u = Date.parse('2026-10-03T14:00:00Z'); u < Date.parse('2026-10-03T17:00:00Z'); u += 60_000) {
      expect(lh.offsetAt(u)).toBe(intlOffset('Australia/Lord_Howe', u));
    }
  });

  it('agrees with Intl on offsets, and maps every instant back through its wall time', () => {
    const zones = ['Europe/Paris', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'America/Sao_Paulo', 'Pacific/Apia'];
    const resolvers = new Map(zones.map((z) => [z, createZoneResolver(z)]));
    fc.assert(
      fc.property(fc.constantFrom(...zones), fc.integer({ min: Date.parse('1971-01-01'), max: Date.parse('2099-12-31') }), (zone, u) => {
        const r = resolvers.get(zone)!;
        expect(r.offsetAt(u)).toBe(intlOffset(zone, u));
        const back = r.toUtc(u + r.offsetAt(u));
        // Either the instant itself, or (in a repeated hour) the earlier instant with the same wall time.
        expect(back <= u).toBe(true);
        expect(back + r.offsetAt(back)).toBe(u + r.offsetAt(u));
        if (back !== u) expect(r.offsetAt(back)).toBeGreaterThan(r.offsetAt(u));
      }),
      { numRuns: 3000 },
    );
  });

  it("resolves 'local' to the host's zone", () => {
    const w = wall('2026-12-01T07:00:00');
    expect(createZoneResolver('local').toUtc(w)).toBe(new Date(2026, 11, 1, 7, 0, 0).getTime());
  });

  it('names an unknown zone, and the shared lookup answers undefined for it without throwing', () => {
    expect(() => createZoneResolver('Mars/Olympus_Mons')).toThrow(/unknown time zone 'Mars\/Olympus_Mons'/);
    expect(timezoneProblem('Mars/Olympus_Mons')).toMatch(/IANA name/);
    expect(timezoneProblem('Europe/Paris')).toBeUndefined();
    expect(timezoneProblem('+05:30')).toBeUndefined();
    expect(zoneResolver('Mars/Olympus_Mons')).toBeUndefined();
    expect(zoneResolver('Europe/Paris')).toBe(zoneResolver('Europe/Paris'));
  });
});
