// Custom formats: an operator's regex with named groups — `time`, `level`, and any others as fields — and a
// time layout. Compiled once when the config is loaded, where every problem is an error with a reason; applied
// to the first `maxChars` characters of every line (see common/line-regex.ts for how that and the engine bound its
// cost).

import { LogshipError } from '../../common/errors.js';
import type { TimeContext } from './plain-formats.js';
import { compileTimeLayout, type TimeLayout } from './plain-layout.js';
import { type Level, normaliseLevel } from './plain-level.js';
import { compileLineRegex, type LineRegex, type RegexEngine } from '../../common/line-regex.js';
import { isoOf } from './plain-time.js';

/** How much of a line a custom regex sees by default: the head, where times and levels are. */
export const DEFAULT_CUSTOM_MAX_CHARS = 1024;

export interface CustomFormatOptions {
  /** Layout of the `time` group: strftime-like ('%Y-%m-%d %H:%M:%S.%f %z'), a format name, or absent (any). */
  layout?: string;
  /**
   * The regex sees only the first `maxChars` characters of a line (default 1024, at most 65536): a longer
   * line is matched as if it ended there, so `$` matches at that point and a field may be cut short.
   */
  maxChars?: number;
  /** Default: 'linear' (RE2, common/line-regex.ts). */
  engine?: RegexEngine;
}

export interface CompiledCustomFormat {
  readonly pattern: string;
  readonly regex: LineRegex;
  readonly maxChars: number;
  readonly time?: TimeLayout;
  readonly fieldNames: readonly string[];
}

export interface CustomParse {
  timestamp?: string;
  level?: Level;
  fields?: Record<string, string>;
  timeSpan?: [number, number];
}

function invalid(problem: string): LogshipError {
  return new LogshipError('LOGSHIP_ERR_CONFIG_INVALID', problem, { details: { problem } });
}

/** The named groups of a valid pattern, in order. */
function groupNames(pattern: string): string[] {
  // An empty alternative matches '' and leaves every group undefined, but lists them all.
  const m = new RegExp(`(?:${pattern})|`).exec('');
  return Object.keys(m?.groups ?? {});
}

/**
 * Compiles a custom format, or throws a LogshipError (LOGSHIP_ERR_CONFIG_INVALID) whose message names the
 * problem: an invalid regex, one that may not run in bounded time, no named group, a layout without a time
 * group, an unknown layout directive, an out-of-range maxChars.
 */
export function compileCustomFormat(pattern: string, opts: CustomFormatOptions = {}): CompiledCustomFormat {
  if (typeof pattern !== 'string' || pattern.length === 0) throw invalid('the pattern is empty');
  const maxChars = opts.maxChars ?? DEFAULT_CUSTOM_MAX_CHARS;
  if (!Number.isInteger(maxChars) || maxChars < 16 || maxChars > 65_536) {
    throw invalid(`max chars must be a whole number from 16 to 65536, not ${maxChars}`);
  }
  let regex: LineRegex;
  try {
    regex = compileLineRegex(pattern, opts.engine);
  } catch (err) {
    throw invalid((err as Error).message);
  }
  const names = groupNames(pattern);
  if (names.length === 0) {
    throw invalid(
      `pattern /${pattern}/ has no named group: name the time (?<time>...), the level (?<level>...), other fields (?<name>...)`,
    );
  }
  const hasTime = names.includes('time');
  if (opts.layout !== undefined && !hasTime) throw invalid(`a time layout is given but pattern /${pattern}/ has no (?<time>...) group`);
  let time: TimeLayout | undefined;
  if (hasTime) {
    try {
      time = compileTimeLayout(opts.layout);
    } catch (err) {
      throw invalid((err as Error).message);
    }
  }
  return { pattern, regex, maxChars, time, fieldNames: names.filter((n) => n !== 'time' && n !== 'level') };
}

/**
 * The custom format applied to a line: undefined when the regex does not match it; otherwise what its groups
 * give (a time or level group that does not parse is left out, the other groups are still fields).
 */
export function applyCustomFormat(c: CompiledCustomFormat, text: string, ctx: TimeContext): CustomParse | undefined {
  const head = text.length > c.maxChars ? text.slice(0, c.maxChars) : text;
  const m = c.regex.exec(head);
  if (!m) return undefined;
  const g = m.groups ?? {};
  const out: CustomParse = {};
  if (c.time && g.time !== undefined) {
    const ms = c.time(g.time, ctx);
    const ts = ms === undefined ? undefined : isoOf(ms);
    if (ts) {
      out.timestamp = ts;
      // Match indices ('d') cost an array per line and RE2 has none: the span is given only when the time's text
      // occurs once in the match.
      const at = m[0].indexOf(g.time);
      if (g.time.length > 0 && at === m[0].lastIndexOf(g.time)) out.timeSpan = [m.index + at, m.index + at + g.time.length];
    }
  }
  if (g.level !== undefined) {
    const level = normaliseLevel(g.level);
    if (level) out.level = level;
  }
  for (const name of c.fieldNames) {
    const v = g[name];
    if (v !== undefined) (out.fields ??= {})[name] = v;
  }
  return out;
}
