// Calendar arithmetic and small readers shared by the plain-line time formats. A wall-clock reading is kept as
// "wall ms": ms since 1970 as if the wall clock were UTC; a zone turns it into an instant (plain-zone.ts).
// Everything here is validated: a field out of range gives NaN, never a rolled-over date (Date.UTC would turn
// Feb 30 into Mar 2).

import type { ZoneResolver } from './plain-zone.js';

/** Earliest and latest instants a line may carry, so that the ISO output always has a four-digit year. */
export const MIN_MS = -30_610_224_000_000; // 1000-01-01T00:00:00.000Z
export const MAX_MS = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z

export const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
export const MONTH_NAMES = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

export function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function daysInMonth(y: number, m: number): number {
  return m === 2 ? (isLeap(y) ? 29 : 28) : m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Days from 1970-01-01 to the civil date y-m-d (proleptic Gregorian; H. Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Wall ms at the start of the civil date y-m-d, or NaN when it is not a date in years 1000-9999. */
export function dateMs(y: number, mo: number, d: number): number {
  if (y < 1000 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return NaN;
  return daysFromCivil(y, mo, d) * 86_400_000;
}

/** Day of the week (0 = Sunday) of a wall ms. */
export function weekday(wall: number): number {
  return (((Math.floor(wall / 86_400_000) + 4) % 7) + 7) % 7;
}

/**
 * Wall ms for a validated reading, or NaN when a field is out of range. Second 60 (a leap second, which
 * RFC 3339 allows) is read as 59.999, the last representable moment of that minute.
 */
export function wallMs(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number {
  if (h > 23 || mi > 59 || s > 60) return NaN;
  if (s === 60) {
    s = 59;
    ms = 999;
  }
  return dateMs(y, mo, d) + h * 3_600_000 + mi * 60_000 + s * 1000 + ms;
}

/** The value of exactly `n` ASCII digits at `i`, or -1. */
export function digits(t: string, i: number, n: number): number {
  if (i + n > t.length) return -1;
  let v = 0;
  for (let k = i; k < i + n; k++) {
    const c = t.charCodeAt(k) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Whether the char at `i` may follow a time: the end of the text or anything but a letter, a digit or '_'. */
export function endsToken(t: string, i: number): boolean {
  if (i >= t.length) return true;
  const c = t.charCodeAt(i);
  return !(isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95);
}

/** Month 1-12 from a three-letter English abbreviation at `i` ('Dec', 'dec', 'DEC'), or 0. */
export function monthAbbr(t: string, i: number): number {
  if (i + 3 > t.length) return 0;
  const s = t.slice(i, i + 3).toLowerCase();
  return MONTHS.indexOf(s) + 1;
}

/** Fraction of a second read from up to 9 digits at `i` (after the '.' or ','): ms truncated, and the end. */
export function readFraction(t: string, i: number): { ms: number; end: number } | undefined {
  let end = i;
  let ms = 0;
  while (end < t.length && isDigit(t.charCodeAt(end))) {
    if (end - i < 3) ms = ms * 10 + (t.charCodeAt(end) - 48);
    end++;
  }
  const n = end - i;
  if (n === 0 || n > 9) return undefined;
  for (let k = n; k < 3; k++) ms *= 10;
  return { ms, end };
}

/** Reads `HH:MM:SS` with an optional `.frac`/`,frac` at `i`: the ms into the day and the end, or undefined. */
export function readClock(t: string, i: number): { ms: number; end: number } | undefined {
  const h = digits(t, i, 2);
  const mi = digits(t, i + 3, 2);
  const s = digits(t, i + 6, 2);
  if (h < 0 || mi < 0 || s < 0 || t.charCodeAt(i + 2) !== 58 || t.charCodeAt(i + 5) !== 58) return undefined;
  if (h > 23 || mi > 59 || s > 60) return undefined;
  let end = i + 8;
  let ms = 0;
  const c = t.charCodeAt(end);
  if ((c === 46 || c === 44) && isDigit(t.charCodeAt(end + 1))) {
    const f = readFraction(t, end + 1);
    if (!f) return undefined;
    ms = f.ms;
    end = f.end;
  }
  return { ms: h * 3_600_000 + mi * 60_000 + (s === 60 ? 59_999 : s * 1000 + ms), end };
}

/**
 * A zone designator at `i`: 'Z', '+HH:MM', '+HHMM' or '+HH' (hours up to 23, minutes up to 59). The offset
 * in ms and the end, or undefined when there is none there.
 */
export function readOffset(t: string, i: number): { offset: number; end: number } | undefined {
  const c = t.charCodeAt(i);
  if (c === 90 || c === 122) return { offset: 0, end: i + 1 }; // Z z
  if (c !== 43 && c !== 45 && c !== 0x2212) return undefined; // + - and U+2212 MINUS SIGN (ISO 8601)
  const h = digits(t, i + 1, 2);
  if (h < 0 || h > 23) return undefined;
  let mi = 0;
  let end = i + 3;
  if (t.charCodeAt(end) === 58) {
    mi = digits(t, end + 1, 2);
    if (mi < 0) return undefined;
    end += 3;
  } else if (isDigit(t.charCodeAt(end))) {
    mi = digits(t, end, 2);
    if (mi < 0) return undefined;
    end += 2;
  }
  if (mi > 59 || isDigit(t.charCodeAt(end))) return undefined;
  const sign = c === 43 ? 1 : -1;
  return { offset: sign * (h * 3_600_000 + mi * 60_000), end };
}

/** Two-digit year, POSIX strptime's pivot: 69-99 are 1969-1999, 00-68 are 2000-2068. */
export function century(yy: number): number {
  return yy >= 69 ? 1900 + yy : 2000 + yy;
}

// The read time's year and month, kept for its wall-clock hour (every line of a read has nearly the same).
let nowHour = NaN;
let nowYear = 0;
let nowMonth = 0;

/**
 * The year of a reading that has none (syslog, klog): the year of `now` in the zone, unless the month is more
 * than one month ahead of now's month, which means last year (a Dec 31 line read on Jan 1). A month one
 * ahead across the year end (a Jan 1 line read on Dec 31, a clock a little fast) is next year.
 */
export function inferYear(month: number, now: number, zone: ZoneResolver): number {
  if (!Number.isFinite(now)) return NaN;
  const nowWall = now + zone.offsetAt(now);
  const hour = Math.floor(nowWall / 3_600_000);
  if (hour !== nowHour) {
    const wall = new Date(nowWall);
    nowYear = wall.getUTCFullYear();
    nowMonth = wall.getUTCMonth() + 1;
    nowHour = hour;
  }
  const y = nowYear;
  const m = nowMonth;
  const ahead = (month - m + 12) % 12;
  if (ahead <= 1) return month < m ? y + 1 : y;
  return month > m ? y - 1 : y;
}

function pad2(n: number): string {
  return n < 10 ? '0' + n : '' + n;
}

// Date#toISOString costs about as much as reading the whole line, and lines come in bursts within one
// second: the formatted second is kept and only the millis are added.
let lastSecond = NaN;
let lastPrefix = '';

/** ms as an ISO 8601 UTC string with ms precision (`2026-12-01T07:00:00.123Z`), or undefined outside years 1000-9999. */
export function isoOf(ms: number): string | undefined {
  if (!(ms >= MIN_MS && ms <= MAX_MS)) return undefined;
  const second = Math.floor(ms / 1000);
  const milli = ms - second * 1000;
  if (second !== lastSecond) {
    const days = Math.floor(second / 86_400);
    let rest = second - days * 86_400;
    const h = Math.floor(rest / 3600);
    rest -= h * 3600;
    const mi = Math.floor(rest / 60);
    // civil_from_days (H. Hinnant)
    const z = days + 719_468;
    const era = Math.floor(z / 146_097);
    const doe = z - era * 146_097;
    const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
    const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
    const mp = Math.floor((5 * doy + 2) / 153);
    const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
    const m = mp < 10 ? mp + 3 : mp - 9;
    const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
    lastPrefix = `${y}-${pad2(m)}-${pad2(d)}T${pad2(h)}:${pad2(mi)}:${pad2(rest - mi * 60)}.`;
    lastSecond = second;
  }
  return lastPrefix + (milli < 10 ? '00' + milli : milli < 100 ? '0' + milli : '' + milli) + 'Z';
}
