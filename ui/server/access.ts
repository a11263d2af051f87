// Who may use the explorer (pure). Bound to loopback it needs no token, but it checks the Host header, so a web
// page elsewhere cannot reach it through a DNS name that resolves to 127.0.0.1 (DNS rebinding). With a token (required
// off loopback), a request carries it as `Authorization: Bearer`, the `logship_ui` cookie, or `?token=` once: that
// answer sets the cookie, so links copied from the address bar never need the token in them.
import { timingSafeEqual, createHash } from 'node:crypto';
import { isIP } from 'node:net';

export const COOKIE = 'logship_ui';

export interface AccessRules {
  token?: string;
  /** The bound address is a loopback one. */
  loopback: boolean;
}

export type Verdict = { ok: true; setCookie: boolean } | { ok: false; status: 401 | 403; why: string };

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || (isIP(h) === 4 && h.startsWith('127.'));
}

function same(a: string, b: string): boolean {
  // Hashed first: timingSafeEqual needs equal lengths, and the length must not leak either.
  const h = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(h(a), h(b));
}

function cookieValue(header: string | undefined): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === COOKIE) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

/** The host part of a Host header (`127.0.0.1:8080`, `[::1]:80`, `localhost`). */
function hostOf(header: string): string {
  const m = /^(\[[^\]]*\]|[^:]*)(?::\d+)?$/.exec(header);
  return m ? m[1] : header;
}

export function checkAccess(
  rules: AccessRules,
  req: { host?: string; authorization?: string; cookie?: string; queryToken?: string | null },
): Verdict {
  if (!rules.token) {
    if (rules.loopback && !isLoopback(hostOf(req.host ?? '')))
      return {
        ok: false,
        status: 403,
        why: 'this explorer answers only to localhost / 127.0.0.1 (start it with --token to serve other names)',
      };
    return { ok: true, setCookie: false };
  }
  const bearer = /^Bearer (.+)$/i.exec(req.authorization ?? '')?.[1];
  if (bearer !== undefined && same(bearer, rules.token)) return { ok: true, setCookie: false };
  const cookie = cookieValue(req.cookie);
  if (cookie !== undefined && same(cookie, rules.token)) return { ok: true, setCookie: false };
  if (req.queryToken && same(req.queryToken, rules.token)) return { ok: true, setCookie: true };
  return { ok: false, status: 401, why: 'an access token is required: open the URL logship ui printed (it carries ?token=)' };
}

export function cookieHeader(token: string): string {
  return `${COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
}
