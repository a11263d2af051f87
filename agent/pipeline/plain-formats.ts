// The time formats of plain lines, each read at a given position: ISO 8601 / RFC 3339 (log4j, logback, Python
// and nginx's year-first forms included), RFC 3164 syslog, Apache/nginx common log, klog, compact HDFS-style
// stamps, epoch seconds/millis and ctime. Each returns the instant and the span it read, or undefined: a reading
// that is not certain (a field out of range, no zone known for a wall time) is no reading.

import type { Level } from './plain-level.js';
import {
  century,
  dateMs,
  digits,
  endsToken,
  inferYear,
  isDigit,
  MAX_MS,
  MIN_MS,
  monthAbbr,
  readClock,
  readFraction,
  readOffset,
  WEEKDAYS,
  weekday,
} from './plain-time.js';
import type { ZoneResolver } from './plain-zone.js';

export interface TimeContext {
  /** Read time (ms): the year of a stamp without one is inferred from it. */
  now: number;
  /** The zone of wall times without an offset; undefined when unknown, and then such times are not read. */
  zone: ZoneResolver | undefined;
}

export interface Found {
  /** The instant (ms); undefined when the line's header was recognised but its time is not certain. */
  ms?: number;
  /** The span of the time in the line: [start, end). */
  start: number;
  end: number;
  /** A level the format itself carries (syslog PRI, klog's letter). */
  level?: Level;
}

export type TimeReader = (t: string, i: number, ctx: TimeContext) => Found | undefined;

/** The instant of a wall time, with the offset the line gave or else the context's zone; NaN when unsure. */
function instant(wall: number, offset: number | undefined, ctx: TimeContext): number {
  if (Number.isNaN(wall)) return NaN;
  const ms = offset !== undefined ? wall - offset : ctx.zone ? ctx.zone.toUtc(wall) : NaN;
  return ms >= MIN_MS && ms <= MAX_MS ? ms : NaN;
}

function found(ms: number, start: number, end: number): Found | undefined {
  return Number.isNaN(ms) ? undefined : { ms, start, end };
}

/** Whether what follows a time at `i` looks like an offset ('+24:00', '-1'): then the time is not certain. */
function badZone(t: string, i: number): boolean {
  const c = t.charCodeAt(i);
  return (c === 43 || c === 45 || c === 0x2212) && isDigit(t.charCodeAt(i + 1));
}

/** ' UTC', ' GMT', ' +0100' or ' -07:00' after a time (never a bare ' -12', which reads as text): offset and end. */
function spacedZone(t: string, i: number): { offset: number; end: number } | undefined {
  if (t.charCodeAt(i) !== 32) return undefined;
  const c = t.charCodeAt(i + 1);
  if (c === 43 || c === 45) {
    const z = readOffset(t, i + 1);
    return z && z.end - i - 1 >= 5 && endsToken(t, z.end) ? z : undefined;
  }
  if (c !== 85 && c !== 71) return undefined; // U G
  const w = t.slice(i + 1, i + 4);
  return (w === 'UTC' || w === 'GMT') && endsToken(t, i + 4) ? { offset: 0, end: i + 4 } : undefined;
}

/**
 * `YYYY-MM-DD[T ]HH:MM:SS[.,frac][zone]`, also with '/' between the date's parts (nginx's error log). The
 * zone is 'Z', '+HH:MM', '+HHMM', '+HH' right after the time, or ' UTC', ' GMT', ' +HHMM', ' +HH:MM'.
 */
export const isoAt: TimeReader = (t, i, ctx) => {
  const y = digits(t, i, 4);
  const sep = t.charCodeAt(i + 4);
  if (y < 0 || (sep !== 45 && sep !== 47) || t.charCodeAt(i + 7) !== sep) return undefined;
  const mo = digits(t, i + 5, 2);
  const d = digits(t, i + 8, 2);
  const tc = t.charCodeAt(i + 10);
  if (mo < 0 || d < 0 || (tc !== 84 && tc !== 116 && tc !== 32)) return undefined;
  const clock = readClock(t, i + 11);
  if (!clock) return undefined;
  const z = readOffset(t, clock.end) ?? spacedZone(t, clock.end);
  if (!z && badZone(t, clock.end)) return undefined;
  const end = z ? z.end : clock.end;
  if (!endsToken(t, end)) return undefined;
  return found(instant(dateMs(y, mo, d) + clock.ms, z?.offset, ctx), i, end);
};

/** A day of the month as syslog and ctime write it: ' 1' (space-padded), '01' or '1'; value and end. */
function paddedDay(t: string, i: number): { d: number; end: number } | undefined {
  if (t.charCodeAt(i) === 32) {
    const d = digits(t, i + 1, 1);
    return d > 0 ? { d, end: i + 2 } : undefined;
  }
  const two = isDigit(t.charCodeAt(i + 1));
  const d = digits(t, i, two ? 2 : 1);
  return d > 0 ? { d, end: i + (two ? 2 : 1) } : undefined;
}

/** RFC 3164: `Mmm dd HH:MM:SS[.frac]`, the year inferred from the read time. */
export const syslogAt: TimeReader = (t, i, ctx) => {
  if (t.charCodeAt(i + 3) !== 32) return undefined; // most lines that start with a capital fail here, cheaply
  const mo = monthAbbr(t, i);
  if (mo === 0) return undefined;
  const day = paddedDay(t, i + 4);
  if (!day || t.charCodeAt(day.end) !== 32) return undefined;
  const clock = readClock(t, day.end + 1);
  if (!clock || !endsToken(t, clock.end) || badZone(t, clock.end) || !ctx.zone) return undefined;
  const y = inferYear(mo, ctx.now, ctx.zone);
  return found(instant(dateMs(y, mo, day.d) + clock.ms, undefined, ctx), i, clock.end);
};

/** ctime / Apache error log: `Www Mmm dd HH:MM:SS[.frac] YYYY`; the weekday must agree with the date. */
export const ctimeAt: TimeReader = (t, i, ctx) => {
  if (t.charCodeAt(i + 3) !== 32 || t.charCodeAt(i + 7) !== 32) return undefined;
  const wd = WEEKDAYS.indexOf(t.slice(i, i + 3).toLowerCase());
  if (wd < 0) return undefined;
  const mo = monthAbbr(t, i + 4);
  if (mo === 0 || t.charCodeAt(i + 7) !== 32) return undefined;
  const day = paddedDay(t, i + 8);
  if (!day || t.charCodeAt(day.end) !== 32) return undefined;
  const clock = readClock(t, day.end + 1);
  if (!clock || t.charCodeAt(clock.end) !== 32) return undefined;
  const y = digits(t, clock.end + 1, 4);
  if (y < 0 || !endsToken(t, clock.end + 5)) return undefined;
  const date = dateMs(y, mo, day.d);
  if (Number.isNaN(date) || weekday(date) !== wd) return undefined;
  return found(instant(date + clock.ms, undefined, ctx), i, clock.end + 5);
};

/** Common log format, inside the brackets: `dd/Mmm/YYYY:HH:MM:SS[ +HHMM]`. */
export const clfAt: TimeReader = (t, i, ctx) => {
  const d = digits(t, i, 2);
  const mo = monthAbbr(t, i + 3);
  const y = digits(t, i + 7, 4);
  if (d < 0 || mo === 0 || y < 0 || t.charCodeAt(i + 2) !== 47 || t.charCodeAt(i + 6) !== 47 || t.charCodeAt(i + 11) !== 58)
    return undefined;
  const clock = readClock(t, i + 12);
  if (!clock) return undefined;
  let end = clock.end;
  let offset: number | undefined;
  if (t.charCodeAt(end) === 32) {
    const z = readOffset(t, end + 1);
    if (!z || z.end - end - 1 < 5) return undefined;
    offset = z.offset;
    end = z.end;
  }
  if (!endsToken(t, end)) return undefined;
  return found(instant(dateMs(y, mo, d) + clock.ms, offset, ctx), i, end);
};

const KLOG_LEVELS: Record<string, Level> = { I: 'info', W: 'warn', E: 'error', F: 'fatal' };

/** klog / glog: `Lmmdd HH:MM:SS.uuuuuu` with L one of I W E F (the level); the year inferred like syslog's. */
export const klogAt: TimeReader = (t, i, ctx) => {
  const level = KLOG_LEVELS[t[i]];
  const mo = digits(t, i + 1, 2);
  const d = digits(t, i + 3, 2);
  if (!level || mo < 1 || mo > 12 || d < 0 || t.charCodeAt(i + 5) !== 32 || !ctx.zone) return undefined;
  const clock = readClock(t, i + 6);
  if (!clock || !endsToken(t, clock.end) || badZone(t, clock.end)) return undefined;
  const y = inferYear(mo, ctx.now, ctx.zone);
  const f = found(instant(dateMs(y, mo, d) + clock.ms, undefined, ctx), i, clock.end);
  if (f) f.level = level;
  return f;
};

/** `HHmmss` at `i` as ms into the day, or -1. */
function compactClock(t: string, i: number): number {
  const h = digits(t, i, 2);
  const mi = digits(t, i + 2, 2);
  const s = digits(t, i + 4, 2);
  if (h < 0 || mi < 0 || s < 0 || h > 23 || mi > 59 || s > 59) return -1;
  return h * 3_600_000 + mi * 60_000 + s * 1000;
}

/**
 * Compact stamps: `yyMMdd HHmmss` (HDFS), and `yyyyMMdd HHmmss`, `yyyyMMddTHHmmss[.frac][zone]` or
 * `yyyyMMdd HH:MM:SS[.frac]` with years 1970-2099 (eight digits are a date only in that range, to be sure).
 */
export const compactAt: TimeReader = (t, i, ctx) => {
  if (isDigit(t.charCodeAt(i + 6))) {
    const y = digits(t, i, 4);
    const sep = t.charCodeAt(i + 8);
    if (y < 1970 || y > 2099 || (sep !== 32 && sep !== 84)) return undefined;
    const date = dateMs(y, digits(t, i + 4, 2), digits(t, i + 6, 2));
    let clock = readClock(t, i + 9);
    if (!clock) {
      const c = compactClock(t, i + 9);
      if (c < 0) return undefined;
      clock = { ms: c, end: i + 15 };
      const f = t.charCodeAt(clock.end);
      if ((f === 46 || f === 44) && isDigit(t.charCodeAt(clock.end + 1))) {
        const frac = readFraction(t, clock.end + 1);
        if (!frac) return undefined;
        clock = { ms: c + frac.ms, end: frac.end };
      }
    }
    const z = sep === 84 ? readOffset(t, clock.end) : undefined;
    if (!z && badZone(t, clock.end)) return undefined;
    const end = z ? z.end : clock.end;
    if (!endsToken(t, end)) return undefined;
    return found(instant(date + clock.ms, z?.offset, ctx), i, end);
  }
  const yy = digits(t, i, 2);
  if (yy < 0 || t.charCodeAt(i + 6) !== 32) return undefined;
  const date = dateMs(century(yy), digits(t, i + 2, 2), digits(t, i + 4, 2));
  const c = compactClock(t, i + 7);
  if (c < 0 || !endsToken(t, i + 13) || badZone(t, i + 13)) return undefined;
  return found(instant(date + c, undefined, ctx), i, i + 13);
};

/**
 * Epoch time, only in shapes that are not other numbers: ten digits with a fraction (`1700000000.123`, squid)
 * or thirteen digits of millis, followed by a space, a tab, a ']' or the end.
 */
export const epochAt: TimeReader = (t, i, _ctx) => {
  if (t.charCodeAt(i) === 48) return undefined; // a leading zero is a counter, not a time
  const c10 = t.charCodeAt(i + 10);
  let ms: number;
  let end: number;
  if (c10 === 46 && digits(t, i, 10) >= 0) {
    const f = readFraction(t, i + 11);
    if (!f) return undefined;
    ms = digits(t, i, 10) * 1000 + f.ms;
    end = f.end;
  } else if (digits(t, i, 13) >= 0) {
    ms = digits(t, i, 13);
    end = i + 13;
  } else return undefined;
  const next = t.charCodeAt(end);
  if (end < t.length && next !== 32 && next !== 9 && next !== 0x5d) return undefined; // space, tab, ]
  return found(ms, i, end);
};

/** The named formats a source can pin (log4j and python are ISO 8601 with their own level conventions). */
export const PLAIN_FORMATS = ['iso8601', 'log4j', 'python', 'syslog', 'rfc5424', 'clf', 'klog', 'compact', 'epoch', 'ctime'] as const;
export type PlainFormat = (typeof PLAIN_FORMATS)[number];

/** Each named format's time on its own (as a custom format's time group captures it: no brackets, no PRI). */
export const TIME_READERS: Record<PlainFormat, TimeReader> = {
  iso8601: isoAt,
  log4j: isoAt,
  python: isoAt,
  syslog: syslogAt,
  rfc5424: isoAt,
  clf: clfAt,
  klog: klogAt,
  compact: compactAt,
  epoch: epochAt,
  ctime: ctimeAt,
};
