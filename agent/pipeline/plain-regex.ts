// Operators' regexes run on every line, so one that backtracks badly stalls a whole host: `^(a+)+$` on a line
// of 1000 'a's and a 'b' never finishes, and even an innocent-looking `(?<a>.*) (?<b>.*) (?<c>.*)x` takes a
// minute on 1 KiB. V8 has a linear-time engine (the RegExp flag 'l', behind --enable-experimental-regexp-engine)
// but it is some 40 times slower on an ordinary line, so there are three engines:
//
// - 'guarded' (the default where V8 has the engine): the usual backtracking engine, with V8's fallback to the
//   linear engine once one exec has backtracked BACKTRACKS_BEFORE_FALLBACK times. An ordinary line costs what
//   it always did; a pathological one costs at most that many backtracks and then linear time.
// - 'linear': always the linear engine, for those who prefer a plain guarantee to speed.
// - 'backtracking' (where V8 lacks the engine): the usual engine, refusing patterns known to take exponential
//   time (a repeated group that itself contains a repetition, `(a+)+`, `(\w+\s?)*`); polynomial cases are
//   bounded only by the caller's input window (max_chars).
//
// The first two need V8 flags, turned on by `regexGuardsAvailable` when first asked. They are process-wide: the
// linear engine becomes available to every regex (only with 'l'), and every regex that backtracks more than
// BACKTRACKS_BEFORE_FALLBACK times in one exec finishes on the linear engine, which V8 does only where the
// result is the same. Patterns the linear engine cannot run (backreferences, lookarounds, repetition counts
// over 16) are refused by the first two, since nothing would bound them.
import v8 from 'node:v8';

export type RegexEngine = 'guarded' | 'linear' | 'backtracking';

/** Backtracks one exec may make before V8 finishes it on the linear engine (V8's default is 50000). */
export const BACKTRACKS_BEFORE_FALLBACK = 1000;

let guards: boolean | undefined;

function linearWorks(): boolean {
  try {
    // eslint-disable-next-line no-invalid-regexp -- V8's linear engine flag, present only with its flag on
    new RegExp('a', 'l');
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether V8's linear engine and its fallback on excessive backtracking are on, turning them on if they are
 * not yet. The fallback's flag cannot be read back; it came in the same V8 release as the 'l' flag.
 */
export function regexGuardsAvailable(): boolean {
  if (guards === undefined) {
    try {
      v8.setFlagsFromString('--enable-experimental-regexp-engine');
      v8.setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
      v8.setFlagsFromString(`--regexp-backtracks-before-fallback=${BACKTRACKS_BEFORE_FALLBACK}`);
    } catch {
      // not V8, or flags are locked: the backtracking engine with its checks it is
    }
    guards = linearWorks();
  }
  return guards;
}

export function defaultRegexEngine(): RegexEngine {
  return regexGuardsAvailable() ? 'guarded' : 'backtracking';
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
  if (engine !== 'backtracking') {
    if (!regexGuardsAvailable()) {
      throw new LineRegexError("this runtime has no linear-time regex engine (V8's 'l' flag): use the backtracking engine");
    }
    let linear: RegExp;
    try {
      // eslint-disable-next-line no-invalid-regexp -- V8's linear engine flag, present only with its flag on
      linear = new RegExp(pattern, 'l');
    } catch {
      throw new LineRegexError(
        `regular expression /${pattern}/ cannot be bounded in time: backreferences, lookahead, lookbehind and ` +
          'repetition counts over 16 are not supported in a custom format',
      );
    }
    return engine === 'linear' ? linear : plain;
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
