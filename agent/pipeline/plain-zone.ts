// Time zones for plain lines: a line's time without an offset is a wall-clock reading in the source's zone
// (an IANA name, 'local' for the host's zone, or a fixed '+HH:MM'). Turning it into an instant needs the zone's
// offset at that moment, which Intl knows; asking Intl costs microseconds, so every answer is cached per hour
// and a line costs one Map lookup.
//
// Wall times that a DST change makes ambiguous are resolved like Temporal's 'compatible' option and
// java.time's ZonedDateTime.of: a time that occurs twice (the clocks go back) is the earlier instant, the
// offset before the change; a time that never occurs (the clocks go forward) is moved forward by the length
// of the gap, i.e. read with the offset before the change (02:30 in a spring-forward gap is 03:30 after it).

const HOUR = 3_600_000;
const DAY = 86_400_000;
const MAX_DATE = 8.64e15 - DAY;
/** Hours remembered per zone and direction before the cache starts over (a year of hours is 8760). */
const MAX_CACHED_HOURS = 20_000;

export interface ZoneResolver {
  /** The zone's name as configured ('UTC', 'Europe/Paris', '+05:30'). */
  readonly name: string;
  /** Offset from UTC in ms at the instant `utcMs` (positive east of Greenwich); NaN outside Date's range. */
  offsetAt(utcMs: number): number;
  /** The instant of a wall-clock reading given as ms since 1970 as if the wall clock were UTC. */
  toUtc(wallMs: number): number;
}

/** '+HH:MM', '-HHMM', '+HH', 'Z' and 'UTC' as a fixed offset in ms, else undefined. */
export function fixedOffsetMs(spec: string): number | undefined {
  if (spec === 'Z' || spec === 'UTC' || spec === 'utc' || spec === 'Etc/UTC' || spec === 'GMT') return 0;
  const m = /^([+-])(\d\d)(?::?(\d\d))?$/.exec(spec);
  if (!m) return undefined;
  const h = Number(m[2]);
  const min = m[3] === undefined ? 0 : Number(m[3]);
  if (h > 23 || min > 59) return undefined;
  return (m[1] === '-' ? -1 : 1) * (h * HOUR + min * 60_000);
}

function fixedZone(name: string, offset: number): ZoneResolver {
  return { name, offsetAt: () => offset, toUtc: (wall) => wall - offset };
}

/** A resolver backed by Intl for an IANA zone name; throws RangeError when Intl does not know the zone. */
function intlZone(name: string, ianaName: string): ZoneResolver {
  const dtf = new Intl.DateTimeFormat('en-US', {
    timeZone: ianaName,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });

  // Offsets have whole seconds (LMT offsets such as +00:09:21 included), so compare at second resolution.
  function exactOffset(utcMs: number): number {
    const sec = Math.floor(utcMs / 1000) * 1000;
    let y = 0,
      mo = 0,
      d = 0,
      h = 0,
      mi = 0,
      s = 0;
    for (const p of dtf.formatToParts(sec)) {
      switch (p.type) {
        case 'year':
          y = Number(p.value);
          break;
        case 'month':
          mo = Number(p.value);
          break;
        case 'day':
          d = Number(p.value);
          break;
        case 'hour':
          h = Number(p.value);
          break;
        case 'minute':
          mi = Number(p.value);
          break;
        case 'second':
          s = Number(p.value);
          break;
      }
    }
    const wall = new Date(0);
    wall.setUTCFullYear(y, mo - 1, d);
    wall.setUTCHours(h, mi, s, 0);
    return wall.getTime() - sec;
  }

  // Per UTC hour: the offset when it holds for the whole hour, NaN when a change falls inside that hour.
  const byUtcHour = new Map<number, number>();
  function offsetAt(utcMs: number): number {
    if (!(utcMs >= -MAX_DATE && utcMs <= MAX_DATE)) return NaN; // Intl throws outside Date's range
    const hour = Math.floor(utcMs / HOUR);
    let o = byUtcHour.get(hour);
    if (o === undefined) {
      const start = exactOffset(hour * HOUR);
      o = start === exactOffset(hour * HOUR + HOUR - 1000) ? start : NaN;
      if (byUtcHour.size >= MAX_CACHED_HOURS) byUtcHour.clear();
      byUtcHour.set(hour, o);
    }
    return Number.isNaN(o) ? exactOffset(utcMs) : o;
  }

  // Returns the offset to subtract from `wall`, and whether the wall time is unambiguous (exists exactly once).
  function resolve(wall: number): { offset: number; unique: boolean } {
    const before = offsetAt(wall - DAY);
    const after = offsetAt(wall + DAY);
    const okBefore = offsetAt(wall - before) === before;
    const okAfter = offsetAt(wall - after) === after;
    if (before === after) {
      if (okBefore) return { offset: before, unique: true };
      // Two changes within two days (never in the tz database since 1970): take what the instant says.
      return { offset: offsetAt(wall - offsetAt(wall)), unique: false };
    }
    if (okBefore && okAfter) return { offset: Math.max(before, after), unique: false }; // twice: the earlier instant
    if (okBefore) return { offset: before, unique: true };
    if (okAfter) return { offset: after, unique: true };
    return { offset: before, unique: false }; // never: moved forward by the gap
  }

  // Per wall-clock hour: the offset when every wall time in that hour exists exactly once with it, else NaN.
  const byWallHour = new Map<number, number>();
  function toUtc(wall: number): number {
    const hour = Math.floor(wall / HOUR);
    let o = byWallHour.get(hour);
    if (o === undefined) {
      const a = resolve(hour * HOUR);
      const b = resolve(hour * HOUR + HOUR - 1000);
      o = a.unique && b.unique && a.offset === b.offset ? a.offset : NaN;
      if (byWallHour.size >= MAX_CACHED_HOURS) byWallHour.clear();
      byWallHour.set(hour, o);
    }
    return wall - (Number.isNaN(o) ? resolve(wall).offset : o);
  }

  return { name, offsetAt, toUtc };
}

/** The host's zone as Intl sees it (TZ, /etc/localtime), read when a 'local' resolver is made. */
export function hostZoneName(): string {
  return new Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** A resolver for `spec`; throws a RangeError naming the zone when it is neither a fixed offset nor known to Intl. */
export function createZoneResolver(spec: string): ZoneResolver {
  const fixed = fixedOffsetMs(spec);
  if (fixed !== undefined) return fixedZone(spec, fixed);
  const iana = spec === 'local' ? hostZoneName() : spec;
  const fixedHost = fixedOffsetMs(iana);
  if (fixedHost !== undefined) return fixedZone(spec, fixedHost);
  try {
    return intlZone(spec, iana);
  } catch {
    throw new RangeError(`unknown time zone '${spec}': use an IANA name such as 'Europe/Paris', 'local', or an offset such as '+05:30'`);
  }
}

/** Why `spec` is not a usable time zone, or undefined when it is (for the config layer's validation). */
export function timezoneProblem(spec: string): string | undefined {
  try {
    createZoneResolver(spec);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

// A memo of resolvers by spec: every source with the same zone shares one cache. Bounded, since the specs come
// from config (a handful), not from lines. Unknown zones are remembered as null so a bad spec costs once.
const resolvers = new Map<string, ZoneResolver | null>();

/** The shared resolver for `spec`, or undefined when the zone is unknown. Never throws. */
export function zoneResolver(spec: string): ZoneResolver | undefined {
  let r = resolvers.get(spec);
  if (r === undefined) {
    try {
      r = createZoneResolver(spec);
    } catch {
      r = null;
    }
    if (resolvers.size >= 64) resolvers.clear();
    resolvers.set(spec, r);
  }
  return r ?? undefined;
}
