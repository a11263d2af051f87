// Operators' regexes (custom formats, include/exclude lines, redaction) run on every line, so one that backtracks
// badly would stall a whole host: `^(a+)+$` on a line of 1000 'a's and a 'b' never finishes on a backtracking
// engine, and even an innocent-looking `(?<a>.*) (?<b>.*) (?<c>.*)x` takes a minute on 1 KiB. So:
//
// - 'linear' (the default): RE2's automata, through re2js (a JavaScript port of RE2, no native code, no V8 flags):
//   time linear in the line's length whatever the pattern. A pattern RE2 cannot run in linear time
//   (backreferences, lookahead, lookbehind) is refused when the config is loaded.
// - A pattern without any repetition (`ERROR|WARN`, `GET /health`) runs on V8's own engine instead, which is
//   much faster: with nothing to repeat there is nothing to backtrack into, so its cost is bounded by the line's
//   length times the pattern's. The choice is made once, at compile time.
// - 'backtracking': V8's engine for every pattern, refusing patterns known to take exponential time (a repeated
//   group that itself contains a repetition, `(a+)+`, `(\w+\s?)*`); polynomial cases are bounded only by the
//   caller's input window (max_chars). Kept for patterns RE2 refuses, at the operator's own risk.
//
// An earlier version turned on V8's experimental linear engine with v8.setFlagsFromString at run time, which
// Node documents as undefined behaviour after start; re2js needs nothing of the kind.
import { RE2JS } from 're2js';

export type RegexEngine = 'linear' | 'backtracking';

/** A compiled line pattern: the subset of RegExp the pipeline uses, whichever engine runs it. */
export interface LineRegex {
  readonly source: string;
  /** 're2' (linear automata), 'v8' (no repetition, or the backtracking engine asked for). */
  readonly engine: 're2' | 'v8';
  test(text: string): boolean;
  /** The first match, as RegExp#exec gives it (index, groups), or null. */
  exec(text: string): RegExpExecArray | null;
  /**
   * Every match replaced by `mask` (taken literally, no `$` references), and how many there were. With `group`,
   * only that named group's text is replaced, where it took part in the match.
   */
  replace(text: string, mask: string, group?: string): { text: string; count: number };
}

/** Thrown for a pattern that is not valid or not safe to run on every line; the message says which. */
export class LineRegexError extends Error {
  override name = 'LineRegexError';
}

/**
 * The position and text of a repeated group that contains a repetition (`(a+)+`, `(?:x*y)*`, `(a{2,3}){2,}`),
 * or undefined. Exponential backtracking needs one; a repetition inside a group that is not repeated is fine.
 */
export function nestedRepetition(pattern: string): { at: number; text: string } | undefined {
  // Per open group: where it starts and whether it contains a quantifier that repeats (max over 1).
  const stack: { start: number; repeats: boolean }[] = [];
  let top = { start: 0, repeats: false };
  let last: { start: number; repeats: boolean } | undefined; // the group that just closed, if the last atom was one
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
      last = undefined;
    } else if (c === '[') {
      for (i++; i < pattern.length && pattern[i] !== ']'; i++) if (pattern[i] === '\\') i++;
      last = undefined;
    } else if (c === '(') {
      stack.push(top);
      top = { start: i, repeats: false };
      last = undefined;
    } else if (c === ')') {
      const closed = top;
      top = stack.pop() ?? { start: 0, repeats: false };
      if (closed.repeats) top.repeats = true;
      last = closed;
    } else {
      const q = quantifierAt(pattern, i);
      if (q) {
        if (q.repeats) {
          if (last?.repeats) return { at: last.start, text: pattern.slice(last.start, q.end) };
          top.repeats = true;
        }
        i = q.end - 1;
      }
      last = undefined;
    }
  }
  return undefined;
}

/** Whether the pattern holds any quantifier at all (outside classes and escapes). */
export function hasRepetition(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
    } else if (c === '[') {
      for (i++; i < pattern.length && pattern[i] !== ']'; i++) if (pattern[i] === '\\') i++;
    } else if (quantifierAt(pattern, i)) {
      return true;
    }
  }
  return false;
}

/** A quantifier at `i` (`*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`, each optionally lazy): whether it repeats, and its end. */
function quantifierAt(p: string, i: number): { repeats: boolean; end: number } | undefined {
  const c = p[i];
  let end: number;
  let repeats: boolean;
  if (c === '*' || c === '+' || c === '?') {
    // `(?:`, `(?<name>`: group syntax, not a quantifier
    if (c === '?' && p[i - 1] === '(' && p[i - 2] !== '\\') return undefined;
    end = i + 1;
    repeats = c !== '?';
  } else if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(i, i + 24));
    if (!m) return undefined; // a literal '{'
    end = i + m[0].length;
    const max = m[2] === undefined ? Number(m[1]) : m[3] === '' ? Infinity : Number(m[3]);
    repeats = max > 1;
  } else return undefined;
  if (p[end] === '?') end++;
  return { repeats, end };
}

/** Every match's [start, end) to replace, in order: the whole match, or a named group's part of it. */
function splice(text: string, spans: Iterable<[number, number]>, mask: string): { text: string; count: number } {
  let out = '';
  let at = 0;
  let count = 0;
  for (const [s, e] of spans) {
    if (s < at) continue;
    out += text.slice(at, s) + mask;
    at = e;
    count++;
  }
  return count === 0 ? { text, count } : { text: out + text.slice(at), count };
}

function v8Regex(re: RegExp): LineRegex {
  // 'd': match indices, for a named group's span; 'g': every match.
  const global = new RegExp(re.source, `${re.flags.replace(/[gd]/g, '')}gd`);
  return {
    source: re.source,
    engine: 'v8',
    test: (text) => re.test(text),
    exec: (text) => re.exec(text),
    replace(text, mask, group) {
      const spans: Array<[number, number]> = [];
      global.lastIndex = 0;
      for (let m = global.exec(text); m; m = global.exec(text)) {
        const span = group ? m.indices?.groups?.[group] : m.indices?.[0];
        if (span) spans.push([span[0], span[1]]);
        if (m[0].length === 0) global.lastIndex++; // an empty match must not match at the same place forever
      }
      return splice(text, spans, mask);
    },
  };
}

function re2Regex(pattern: string, re: RE2JS): LineRegex {
  return {
    source: pattern,
    engine: 're2',
    test: (text) => re.test(text),
    exec: (text) => re.exec(text) as RegExpExecArray | null,
    replace(text, mask, group) {
      const m = re.matcher(text);
      const named = group !== undefined && Object.hasOwn(re.namedGroups(), group) ? group : undefined;
      if (group !== undefined && !named) return { text, count: 0 };
      const spans: Array<[number, number]> = [];
      let from = 0;
      while (from <= text.length && m.find(from)) {
        const s = m.start();
        const e = m.end();
        if (named === undefined) spans.push([s, e]);
        else if (m.start(named) >= 0) spans.push([m.start(named), m.end(named)]);
        from = e > s ? e : e + 1; // an empty match must not match at the same place forever
      }
      return splice(text, spans, mask);
    },
  };
}

/** Compiles `pattern` for running on every line, or throws a LineRegexError that names the problem. */
export function compileLineRegex(pattern: string, engine: RegexEngine = 'linear'): LineRegex {
  let plain: RegExp;
  try {
    plain = new RegExp(pattern);
  } catch (err) {
    throw new LineRegexError(`invalid regular expression: ${(err as Error).message}`);
  }
  if (engine === 'linear') {
    let re: RE2JS;
    try {
      re = RE2JS.compile(pattern);
    } catch {
      throw new LineRegexError(
        `regular expression /${pattern}/ cannot be bounded in time: backreferences, lookahead and lookbehind ` +
          'are not supported (RE2 syntax, linear time)',
      );
    }
    return hasRepetition(pattern) ? re2Regex(pattern, re) : v8Regex(plain);
  }
  const nested = nestedRepetition(pattern);
  if (nested) {
    throw new LineRegexError(
      `regular expression /${pattern}/ can take exponential time: the repeated group '${nested.text}' at offset ` +
        `${nested.at} contains a repetition itself; write it without the outer repetition (e.g. 'a+' for '(a+)+')`,
    );
  }
  return v8Regex(plain);
}
