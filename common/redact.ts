// Secrets out of everything we print (log lines, error lines, reports, /readyz): pure text in, text out.
//
// Two rules. Structural: the password of any scheme://user:password@host in the text is replaced, configured or
// not. By value: each configured secret is replaced in every form it can take in our output: as is, JSON-escaped
// (a `"` or `\` in it is `\"`, `\\` in a log line; twice escaped inside an escaped string), and percent-encoded
// (as encodeURIComponent and as a URL's user info writes it, either hex case). A secret shorter than
// MIN_FREE_TEXT characters is replaced only where it stands alone as a value: a whole quoted string ("ab",
// 'ab'), or after `=` up to a separator (password=ab&). Replacing it everywhere would blind every log line that
// has the same 1 to 3 characters in it (a password "1" would erase every 1); a short secret is weak anyway.

export const REDACTED = '[redacted]';

/** Secrets at least this long are replaced wherever they appear; shorter ones only as a whole value. */
export const MIN_FREE_TEXT = 4;

// scheme:// then the authority, which ends at /, ?, #, white space, a quote or <>. A backslash escape (\" in a
// JSON string) stays inside it, so an escaped quote in a password does not end the match early.
const AUTHORITY = /([a-z][a-z0-9+.-]*:\/\/)((?:\\.|[^\s/?#"'<>\\])*)/gi;

/** scheme://user:password@host -> scheme://user:[redacted]@host, anywhere in the text (the last @ ends the user info). */
export function redactUrlUserInfo(text: string): string {
  if (!text.includes('://')) return text;
  return text.replace(AUTHORITY, (whole, scheme: string, authority: string) => {
    const at = authority.lastIndexOf('@');
    const colon = at > 0 ? authority.slice(0, at).indexOf(':') : -1;
    if (colon < 0) return whole; // no user info, or a user name only
    return `${scheme}${authority.slice(0, colon)}:${REDACTED}${authority.slice(at)}`;
  });
}

/**
 * A URL as it may be shown: without its password. One whose user info the structural rule cannot find (it
 * does not parse, a mistake `validate` echoes; `http:/user:pw@host`, which URL parsers accept) has everything
 * up to its last @ replaced, since where its user info ends is a guess.
 */
export function displayUrl(url: string): string {
  let u: URL | undefined;
  try {
    u = new URL(url);
  } catch {
    u = undefined;
  }
  if (u && (u.protocol === 'http:' || u.protocol === 'https:') && !u.username && !u.password) return url;
  const structural = redactUrlUserInfo(url);
  if (structural !== url || !url.includes('@')) return structural;
  return url.replace(/^([a-z][a-z0-9+.-]*:\/*)?.*@/is, (_m, scheme: string | undefined) => `${scheme ?? ''}${REDACTED}@`);
}

function userInfoEncoded(s: string): string | undefined {
  try {
    const u = new URL('http://h');
    u.password = s;
    return u.password;
  } catch {
    return undefined;
  }
}

/** Every form a secret can take in what we print, the secret itself first. */
export function secretForms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  const forms = [secret, json, JSON.stringify(json).slice(1, -1)];
  let pct: string | undefined;
  try {
    pct = encodeURIComponent(secret);
  } catch {
    pct = undefined; // a lone surrogate: no percent-encoded form exists
  }
  for (const p of [pct, pct?.replace(/%20/g, '+'), userInfoEncoded(secret)]) {
    if (p === undefined) continue;
    forms.push(
      p,
      p.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()),
    );
  }
  return [...new Set(forms.filter((f) => f.length > 0))];
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const alternation = (forms: Iterable<string>) =>
  [...new Set(forms)]
    .sort((a, b) => b.length - a.length)
    .map(escapeRe)
    .join('|');

export type Redactor = (text: string) => string;

/** A function that redacts `secrets` (and URL passwords) from a text; build it once, call it per line. */
export function createRedactor(secrets: readonly string[]): Redactor {
  const long: string[] = [];
  const short: string[] = [];
  for (const s of secrets) if (s) (s.length >= MIN_FREE_TEXT ? long : short).push(...secretForms(s));
  const anywhere = long.length > 0 ? new RegExp(alternation(long), 'g') : undefined;
  const alone =
    short.length > 0 ? new RegExp(`(["'])(?:${alternation(short)})\\1|=(?:${alternation(short)})(?=[\\s&;,"']|$)`, 'g') : undefined;
  return (text) => {
    let out = redactUrlUserInfo(text);
    if (anywhere) out = out.replace(anywhere, REDACTED);
    if (alone) out = out.replace(alone, (_m, quote: string | undefined) => (quote ? `${quote}${REDACTED}${quote}` : `=${REDACTED}`));
    return out;
  };
}

/** One-off redaction (a report line); for many lines build a Redactor once. */
export function redactText(text: string, secrets: readonly string[]): string {
  return createRedactor(secrets)(text);
}
