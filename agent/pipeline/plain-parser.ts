// A plain (non-JSON) line's own time and level. This runs on every line of every host, so `auto` does not try
// every format on every line: it looks at the first character and the shape of the first digits and tries
// the one or two formats that can start that way, then looks for a common-log-format time in the first 100
// characters. It never throws, and it returns only what it is sure of: a line either parses or is left as it is.

import { applyCustomFormat, type CompiledCustomFormat } from './plain-custom.js';
import {
  clfAt,
  compactAt,
  ctimeAt,
  epochAt,
  type Found,
  isoAt,
  klogAt,
  type PlainFormat,
  syslogAt,
  type TimeContext,
} from './plain-formats.js';
import { findLevel, type Level, severityLevel } from './plain-level.js';
import { isDigit, isoOf } from './plain-time.js';
import { zoneResolver } from './plain-zone.js';

export { PLAIN_FORMATS, type PlainFormat } from './plain-formats.js';

export interface PlainLineOptions {
  /** 'auto' recognises every format below; a named one only that one; 'off' nothing (no time, no level). */
  format: 'auto' | PlainFormat | 'off';
  /** Zone of times without an offset: an IANA name, 'local' (the host's zone, the default) or '+HH:MM'. */
  timezone?: string;
  /** Read time (ms since 1970), for the year of stamps that have none (syslog, klog). */
  now: number;
  /** Tried first; a line it does not match falls through to `format` (set 'off' for the custom format alone). */
  custom?: CompiledCustomFormat;
}

export interface PlainLineParse {
  /** ISO 8601 UTC with millisecond precision. */
  timestamp?: string;
  level?: Level;
  /** A custom format's named groups other than time and level. */
  fields?: Record<string, string>;
  /** Where the time is in the line: [start, end), brackets around it excluded. */
  timeSpan?: [number, number];
}

/** How far into the line a common-log-format time may start (it follows a client address and two fields). */
const CLF_WITHIN = 100;

/** `[dd/Mmm/YYYY:HH:MM:SS zone]` starting within the first 100 characters. */
function scanClf(t: string, ctx: TimeContext): Found | undefined {
  for (let p = t.lastIndexOf('[', CLF_WITHIN); p >= 0; p = p > 0 ? t.lastIndexOf('[', p - 1) : -1) {
    const f = clfAt(t, p + 1, ctx);
    if (f && t.charCodeAt(f.end) === 0x5d) return f;
  }
  return undefined;
}

/** `<PRI>`: the severity's level and where the rest starts, or undefined (PRI 0-191, no leading zeros). */
function readPri(t: string): { level: Level; next: number } | undefined {
  let pri = 0;
  let i = 1;
  for (; i <= 4 && isDigit(t.charCodeAt(i)); i++) pri = pri * 10 + (t.charCodeAt(i) - 48);
  const n = i - 1;
  if (n === 0 || n > 3 || t.charCodeAt(i) !== 0x3e || (n > 1 && t.charCodeAt(1) === 48) || pri > 191) return undefined;
  return { level: severityLevel(pri % 8)!, next: i + 1 };
}

/**
 * RFC 5424 `<PRI>VERSION TIMESTAMP ...` (the timestamp may be '-', none), or RFC 3164 / ISO after `<PRI>`.
 * The PRI's severity is the level: it is the protocol's own field, and the message's words are not consulted.
 */
function syslogWithPri(t: string, ctx: TimeContext, allow5424: boolean, allow3164: boolean): Found | undefined {
  const pri = readPri(t);
  if (!pri) return undefined;
  let i = pri.next;
  let f: Found | undefined;
  const v = t.charCodeAt(i);
  if (allow5424 && v >= 49 && v <= 57) {
    const vEnd = isDigit(t.charCodeAt(i + 1)) ? i + 2 : i + 1;
    if (t.charCodeAt(vEnd) !== 32) return undefined;
    i = vEnd + 1;
    f = t.charCodeAt(i) === 45 /* - */ ? undefined : isoAt(t, i, ctx);
  } else if (allow3164) {
    f = syslogAt(t, i, ctx) ?? isoAt(t, i, ctx);
  } else return undefined;
  return f ? { ...f, level: pri.level } : { start: i, end: i, level: pri.level };
}

/** klog's header goes on with the thread id: `I1201 07:00:00.123456    1234 file.go:12] msg`. */
function klogLine(t: string, ctx: TimeContext): Found | undefined {
  const f = klogAt(t, 0, ctx);
  if (!f) return undefined;
  let i = f.end;
  while (t.charCodeAt(i) === 32) i++;
  const thread = i;
  while (isDigit(t.charCodeAt(i))) i++;
  return thread > f.end && i > thread && t.charCodeAt(i) === 32 ? f : undefined;
}

function leadingDigits(t: string, i: number): number {
  let n = 0;
  while (n < 14 && isDigit(t.charCodeAt(i + n))) n++;
  return n;
}

/** `auto`: dispatch on the first character and the run of leading digits. */
function autoTime(t: string, ctx: TimeContext): Found | undefined {
  const c = t.charCodeAt(0);
  let f: Found | undefined;
  if (isDigit(c)) {
    const n = leadingDigits(t, 0);
    if (n === 4) f = isoAt(t, 0, ctx);
    else if (n === 6 || n === 8) f = compactAt(t, 0, ctx);
    else if (n === 10 || n === 13) f = epochAt(t, 0, ctx);
  } else if (c === 0x5b /* [ */) {
    const d = t.charCodeAt(1);
    if (isDigit(d)) {
      const n = leadingDigits(t, 1);
      if (n === 4) f = isoAt(t, 1, ctx);
      else if (n === 10 || n === 13) f = epochAt(t, 1, ctx);
    } else f = ctimeAt(t, 1, ctx);
  } else if (c === 0x3c /* < */) {
    f = syslogWithPri(t, ctx, true, true);
  } else if (c >= 65 && c <= 90) {
    if (isDigit(t.charCodeAt(1))) f = klogLine(t, ctx);
    else f = syslogAt(t, 0, ctx) ?? ctimeAt(t, 0, ctx);
  }
  return f ?? scanClf(t, ctx);
}

function bracketed(t: string, read: (i: number) => Found | undefined): Found | undefined {
  return t.charCodeAt(0) === 0x5b ? read(1) : read(0);
}

/** A pinned format: only its reader, where that format puts the time. */
function namedTime(format: PlainFormat, t: string, ctx: TimeContext): Found | undefined {
  switch (format) {
    case 'iso8601':
    case 'log4j':
    case 'python':
      return bracketed(t, (i) => isoAt(t, i, ctx));
    case 'syslog':
      return t.charCodeAt(0) === 0x3c ? syslogWithPri(t, ctx, false, true) : syslogAt(t, 0, ctx);
    case 'rfc5424':
      return t.charCodeAt(0) === 0x3c ? syslogWithPri(t, ctx, true, false) : undefined;
    case 'clf':
      return scanClf(t, ctx);
    case 'klog':
      return klogLine(t, ctx);
    case 'compact':
      return compactAt(t, 0, ctx);
    case 'epoch':
      return bracketed(t, (i) => epochAt(t, i, ctx));
    case 'ctime':
      return bracketed(t, (i) => ctimeAt(t, i, ctx));
  }
}

/** The time and level of a line in `format`, an empty result when the line carries neither. */
function builtIn(t: string, format: 'auto' | PlainFormat, ctx: TimeContext): PlainLineParse {
  const f = format === 'auto' ? autoTime(t, ctx) : namedTime(format, t, ctx);
  const level = f?.level ?? findLevel(t, f && f.ms !== undefined ? f.end : 0);
  const ts = f?.ms !== undefined ? isoOf(f.ms) : undefined;
  if (!ts && !level) return {};
  const out: PlainLineParse = {};
  if (ts) {
    out.timestamp = ts;
    out.timeSpan = [f!.start, f!.end];
  }
  if (level) out.level = level;
  return out;
}

/** parsePlainLine without its guard: total on any string and options (the property tests hold it to that). */
export function readPlainLine(text: string, opts: PlainLineOptions): PlainLineParse {
  if (typeof text !== 'string' || text.length === 0) return {};
  const ctx: TimeContext = { now: opts.now, zone: zoneResolver(opts.timezone ?? 'local') };
  if (opts.custom) {
    const c = applyCustomFormat(opts.custom, text, ctx);
    if (c) return c;
  }
  if (opts.format === 'off') return {};
  return builtIn(text, opts.format, ctx);
}

/**
 * The time (ISO UTC, ms precision) and level (one of LEVELS) a plain line carries, and a custom format's
 * fields. Never throws: an empty object when the line carries nothing certain.
 */
export function parsePlainLine(text: string, opts: PlainLineOptions): PlainLineParse {
  try {
    return readPlainLine(text, opts);
  } catch {
    // A defect here must not stop a line from shipping: it ships untouched.
    return {};
  }
}
