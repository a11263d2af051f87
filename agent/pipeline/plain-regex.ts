// Operators' regexes run on every line, so one that backtracks badly stalls a whole host: `^(a+)+$` on a line
// of 1000 'a's and a 'b' never finishes, and even an innocent-looking `(?<a>.*) (?<b>.*) (?<c>.*)x` takes a
// minute on 1 KiB. Two guards:
//
// 1. The 'linear' engine (the default where the runtime has it): V8's non-backtracking engine, the RegExp
//    flag 'l', whose time is linear in the input whatever the pattern. Node ships it behind the V8 flag
//    --enable-experimental-regexp-engine, which `linearRegexpsAvailable` turns on the first time it is
//    asked; the flag only makes 'l' accepted and affects no other regex. The engine has no backreferences,
//    lookarounds or repetition counts over 16, so such patterns are refused with that reason.
// 2. The 'backtracking' engine (where 'l' is unavailable): the usual engine, with patterns known to take
//    exponential time refused: a repeated group that itself contains a repetition, `(a+)+`, `(\w+\s?)*`.
//    Polynomial cases remain possible, bounded only by the caller's input window (max_chars).
import v8 from 'node:v8';

export type RegexEngine = 'linear' | 'backtracking';

let linear: boolean | undefined;

function linearWorks(): boolean {
  try {
    new RegExp('a', 'l');
    return true;
  } catch {
    return false;
  }
}

/** Whether the 'l' (linear-time) RegExp flag works here, turning the V8 flag on if it is not yet. */
export function linearRegexpsAvailable(): boolean {
  if (linear === undefined) {
    if (!linearWorks()) {
      try {
        v8.setFlagsFromString('--enable-experimental-regexp-engine');
      } catch {
        // not V8, or flags are locked: the backtracking engine with its checks it is
      }
    }
    linear = linearWorks();
  }
  return linear;
}

export function defaultRegexEngine(): RegexEngine {
  return linearRegexpsAvailable() ? 'linear' : 'backtracking';
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

/** A quantifier at `i` (`*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`, each optionally lazy): whether it repeats, and its end. */
function quantifierAt(p: string, i: number): { repeats: boolean; end: number } | undefined {
  const c = p[i];
  let end: number;
  let repeats: boolean;
  if (c === '*' || c === '+' || c === '?') {
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

/** Compiles `pattern` for running on every line, or throws a LineRegexError that names the problem. */
export function compileLineRegex(pattern: string, engine: RegexEngine = defaultRegexEngine()): RegExp {
  let plain: RegExp;
  try {
    plain = new RegExp(pattern);
  } catch (err) {
    throw new LineRegexError(`invalid regular expression: ${(err as Error).message}`);
  }
  if (engine === 'linear') {
    if (!linearRegexpsAvailable()) {
      throw new LineRegexError("this runtime has no linear-time regex engine (V8's 'l' flag): use the backtracking engine");
    }
    try {
      return new RegExp(pattern, 'l');
    } catch {
      throw new LineRegexError(
        `regular expression /${pattern}/ cannot run in linear time: backreferences, lookahead, lookbehind and ` +
          'repetition counts over 16 are not supported in a custom format',
      );
    }
  }
  const nested = nestedRepetition(pattern);
  if (nested) {
    throw new LineRegexError(
      `regular expression /${pattern}/ can take exponential time: the repeated group '${nested.text}' at offset ` +
        `${nested.at} contains a repetition itself; write it without the outer repetition (e.g. 'a+' for '(a+)+')`,
    );
  }
  return plain;
}
