// Which config values are secrets (the schema marks them), their values for redaction, and a copy safe to print.
import { redactUrlUserInfo } from '../common/redact.js';
import { leaves, type StringLeaf } from './schema.js';
import type { Config } from './types.js';

/** The string leaves the schema marks secret, with their paths. */
export function secretLeaves(): Array<[string, StringLeaf]> {
  return leaves().filter((e): e is [string, StringLeaf] => e[1].kind === 'string' && e[1].secret !== undefined);
}

function valueAt(cfg: unknown, path: string): string {
  return path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], cfg) as string;
}

/** Secrets in a config (the values of the keys the schema marks secret), for redaction before anything is logged or printed. */
export function secretsOf(cfg: Config): string[] {
  return secretLeaves()
    .map(([path, leaf]) => (leaf.secret === 'url-password' ? urlPassword(valueAt(cfg, path)) : valueAt(cfg, path)))
    .filter((s) => typeof s === 'string' && s.length > 0);
}

/** The password of an https://user:password@host URL (the client sends it as basic auth; it must not be logged either). */
export function urlPassword(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return '';
  }
}

/** A copy safe to print: secret values replaced. */
export function redactedConfig(cfg: Config): Config {
  const copy = JSON.parse(JSON.stringify(cfg)) as Record<string, unknown>;
  for (const [path, leaf] of secretLeaves()) {
    const parts = path.split('.');
    let t = copy;
    for (const p of parts.slice(0, -1)) t = t[p] as Record<string, unknown>;
    const key = parts[parts.length - 1];
    const v = t[key] as string;
    if (!v) continue;
    if (leaf.secret === true) t[key] = '[redacted]';
    else if (urlPassword(v)) t[key] = redactUrlUserInfo(v);
  }
  return copy as unknown as Config;
}
