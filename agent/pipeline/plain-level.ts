// The level of a plain line: a level word near its start ("INFO", "[warn]", "<error>", "level=warn",
// "WARNING:root:..."), normalised to one fixed set. Only the first few tokens count, and a word counts only in
// a shape that marks it as a level, so "ERROR" in the middle of a message, "errors" or "INFORMATION" never do.

export type Level = 'trace' | 'debug' | 'info' | 'notice' | 'warn' | 'error' | 'critical' | 'fatal';

export const LEVELS: readonly Level[] = ['trace', 'debug', 'info', 'notice', 'warn', 'error', 'critical', 'fatal'];

/** Level words in any case. */
const WORDS = new Map<string, Level>([
  ['trace', 'trace'],
  ['debug', 'debug'],
  ['info', 'info'],
  ['notice', 'notice'],
  ['warn', 'warn'],
  ['warning', 'warn'],
  ['error', 'error'],
  ['err', 'error'],
  ['severe', 'error'],
  ['critical', 'critical'],
  ['crit', 'critical'],
  ['fatal', 'fatal'],
  ['panic', 'fatal'],
  ['emerg', 'fatal'],
  ['emergency', 'fatal'],
  ['alert', 'fatal'],
]);

/** Three-letter abbreviations (zerolog, Serilog, Rust's env_logger): only in capitals, where they are not words. */
const ABBREVIATIONS = new Map<string, Level>([
  ['TRC', 'trace'],
  ['DBG', 'debug'],
  ['INF', 'info'],
  ['WRN', 'warn'],
  ['CRT', 'critical'],
  ['FTL', 'fatal'],
]);

/** Keys whose value is a level in key=value lines (logfmt). */
const LEVEL_KEYS = new Set(['level', 'lvl', 'loglevel', 'log_level', 'log.level', 'severity']);

/** Syslog severities 0-7 (RFC 5424 section 6.2.1) as levels. */
const SEVERITIES: readonly Level[] = ['fatal', 'fatal', 'critical', 'error', 'warn', 'notice', 'info', 'debug'];

export function severityLevel(severity: number): Level | undefined {
  return SEVERITIES[severity];
}

/** Single letters as klog/glog and Android write them. */
const LETTERS: Record<string, Level> = {
  T: 'trace',
  V: 'trace',
  D: 'debug',
  I: 'info',
  N: 'notice',
  W: 'warn',
  E: 'error',
  C: 'critical',
  F: 'fatal',
};

/**
 * A level named by a whole value that is known to be one (a custom format's `level` group): a level word or
 * abbreviation, a single letter (I, W, E...), or a syslog severity digit 0-7. Surrounding brackets, quotes and
 * spaces are ignored; anything else is undefined.
 */
export function normaliseLevel(raw: string): Level | undefined {
  const v = raw.trim().replace(/^[[<("'{]+|[\]>)"'}:]+$/g, '');
  if (v.length === 0 || v.length > 9) return undefined;
  if (v.length === 1) {
    const c = v.charCodeAt(0);
    if (c >= 48 && c <= 55) return SEVERITIES[c - 48];
    return LETTERS[v.toUpperCase()];
  }
  return WORDS.get(v.toLowerCase()) ?? ABBREVIATIONS.get(v.toUpperCase());
}

// Most tokens are not levels, so a token's letters are hashed as they are scanned and a string is made only
// when the hash is a level word's.
function hashOf(word: string): number {
  let h = 0;
  for (let i = 0; i < word.length; i++) h = (Math.imul(h, 31) + (word.charCodeAt(i) | 0x20)) | 0;
  return h;
}
const WORD_BY_HASH = new Map<number, string>([...WORDS.keys(), ...ABBREVIATIONS.keys()].map((w) => [hashOf(w), w.toLowerCase()]));

// The last scanLetters result (a hot path: no object per token).
let scanHash = 0;
let scanUpper = true;

/** Scans ASCII letters from `a` (at most 10) and returns where they end; sets scanHash and scanUpper. */
function scanLetters(t: string, a: number, end: number): number {
  let h = 0;
  let upper = true;
  let b = a;
  for (; b < end && b - a < 10; b++) {
    const c = t.charCodeAt(b);
    if (c >= 97 && c <= 122) upper = false;
    else if (c < 65 || c > 90) break;
    h = (Math.imul(h, 31) + (c | 0x20)) | 0;
  }
  scanHash = h;
  scanUpper = upper;
  return b;
}

function closerOf(open: number): number {
  switch (open) {
    case 0x5b: // [
      return 0x5d;
    case 0x3c: // <
      return 0x3e;
    case 0x28: // (
      return 0x29;
    case 0x7b: // {
      return 0x7d;
    case 0x7c: // |
      return 0x7c;
    case 0x22: // "
      return 0x22;
    case 0x27: // '
      return 0x27;
    default:
      return -1;
  }
}

/** Characters that may follow a bare level word inside its token: WARN: WARN, WARN] "WARN" */
function endsWord(c: number): boolean {
  return c === 0x3a || c === 0x2c || c === 0x5d || c === 0x3e || c === 0x29 || c === 0x7d || c === 0x7c || c === 0x22 || c === 0x27;
}

/** Level words that rarely start a sentence, so they count bare and in any case as the first token. */
const COMMON = new Set(['debug', 'info', 'warn', 'warning', 'error']);

const MAX_TOKENS = 5;
/** Characters looked at after `from`: a level further in is message text. */
const MAX_SCAN = 120;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/**
 * The level named in one of the first five tokens from `from`. A word counts when it is bracketed (`[warn]`,
 * `<error>`, `(info)`), the value of a level key (`level=warn`), in capitals (`WARN`, `WARNING:root:`), or, in
 * any case, the first token (`info ...`, `Error: ...` at the start or right after the time; 'Alert', 'Trace',
 * 'Critical', 'Notice', 'Panic', 'Severe' and 'Fatal' there only with a colon).
 */
export function findLevel(t: string, from: number): Level | undefined {
  const limit = Math.min(t.length, from + MAX_SCAN);
  let i = from;
  for (let token = 0; token < MAX_TOKENS; token++) {
    while (i < limit && isSpace(t.charCodeAt(i))) i++;
    if (i >= limit) return undefined;
    let end = i;
    while (end < t.length && !isSpace(t.charCodeAt(end))) end++;
    const level = tokenLevel(t, i, end, token === 0);
    if (level) return level;
    i = end;
  }
  return undefined;
}

function tokenLevel(t: string, start: number, end: number, first: boolean): Level | undefined {
  let a = start;
  let closer = closerOf(t.charCodeAt(a));
  if (closer >= 0) a++;
  let strong = false;
  let b = scanLetters(t, a, end);
  let next = b < end ? t.charCodeAt(b) : -1;
  if (closer < 0 && (next === 0x3d || next === 0x2e || next === 0x5f)) {
    // key=value (log.level=, log_level=), the value optionally quoted
    let eq = b;
    while (eq < end && eq - a < 10 && t.charCodeAt(eq) !== 0x3d) eq++;
    if (t.charCodeAt(eq) !== 0x3d || eq >= end - 1 || !LEVEL_KEYS.has(t.slice(a, eq).toLowerCase())) return undefined;
    a = eq + 1;
    strong = true;
    const q = t.charCodeAt(a);
    if (q === 0x22 || q === 0x27) {
      a++;
      closer = q;
    }
    b = scanLetters(t, a, end);
    next = b < end ? t.charCodeAt(b) : -1;
  }
  if (b - a < 3 || b - a > 9) return undefined;
  const lower = WORD_BY_HASH.get(scanHash);
  if (lower === undefined) return undefined;
  const upper = scanUpper;
  if (closer >= 0 && next === closer) strong = true;
  else if (closer >= 0 && !strong)
    return undefined; // [main], <html ...
  else if (next !== -1 && !endsWord(next)) return undefined; // errors, ERROR123, info.txt
  if (t.slice(a, b).toLowerCase() !== lower) return undefined; // a hash collision
  const level = WORDS.get(lower) ?? (upper ? ABBREVIATIONS.get(lower.toUpperCase()) : undefined);
  if (!level) return undefined;
  if (strong || upper) return level;
  // In lower case or capitalised only first, and a word that also starts sentences ("Alert sent", "Critical
  // section", "Trace id") only with a colon.
  return first && (next === 0x3a || COMMON.has(lower)) ? level : undefined;
}
