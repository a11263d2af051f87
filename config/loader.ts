// Config loading: defaults < YAML file (with ${VAR} and ${VAR:-default} in values) < LOGSHIP_* env < --set flags.
// Every problem is reported with its key path; unknown keys are errors, as a typo must not pass silently.
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { LogshipError } from '../common/errors.js';
import { coerceLeaf, defaultsOf, leaves, schema, type Leaf, type Node, type StringLeaf } from './schema.js';
import type { Config } from './types.js';

export interface ConfigProblem {
  path: string;
  reason: string;
}

export interface LoadOptions {
  file?: string;
  /** YAML text, used instead of reading `file` (tests, `validate -`). */
  text?: string;
  env?: Record<string, string | undefined>;
  /** "key.path=value" pairs from --set flags. */
  sets?: string[];
  /** Applied after everything else: typed values from dedicated CLI flags. */
  overrides?: Array<[string, unknown]>;
}

/** The environment variable that overrides a key: agent.batch.linger_ms -> LOGSHIP_AGENT_BATCH_LINGER_MS. */
export function envNameFor(path: string): string {
  return 'LOGSHIP_' + path.replace(/\./g, '_').toUpperCase();
}

const INTERP = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-(.*?))?\}/g;

export function interpolate(text: string, env: Record<string, string | undefined>, path: string, problems: ConfigProblem[]): string {
  return text.replace(INTERP, (whole, name: string | undefined, def: string | undefined) => {
    if (whole === '$$') return '$';
    const v = env[name!];
    if (v !== undefined && v !== '') return v;
    if (def !== undefined) return def;
    problems.push({ path, reason: `environment variable ${name} is not set (use \${${name}:-default} for a default)` });
    return '';
  });
}

function interpolateTree(v: unknown, env: Record<string, string | undefined>, path: string, problems: ConfigProblem[]): unknown {
  if (typeof v === 'string') return interpolate(v, env, path, problems);
  if (Array.isArray(v)) return v.map((x, i) => interpolateTree(x, env, `${path}[${i}]`, problems));
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, interpolateTree(x, env, path ? `${path}.${k}` : k, problems)]));
  }
  return v;
}

function merge(node: Node, target: Record<string, unknown>, raw: unknown, path: string, problems: ConfigProblem[]): void {
  if (node.kind !== 'object') return;
  if (raw === null || raw === undefined) return;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    problems.push({ path: path || '(top level)', reason: 'expected a mapping' });
    return;
  }
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    const p = path ? `${path}.${k}` : k;
    const child = node.fields[k];
    if (!child) {
      const near = Object.keys(node.fields).find((f) => similar(f, k));
      problems.push({ path: p, reason: `unknown key${near ? ` (did you mean ${path ? `${path}.` : ''}${near}?)` : ''}` });
      continue;
    }
    if (child.kind === 'object') {
      merge(child, target[k] as Record<string, unknown>, v, p, problems);
    } else {
      setLeaf(child, target, k, v, p, problems);
    }
  }
}

function setLeaf(leaf: Leaf, target: Record<string, unknown>, key: string, v: unknown, path: string, problems: ConfigProblem[]) {
  if (v === null) return; // `key:` with no value keeps the default, as in YAML configs people copy around
  const r = coerceLeaf(leaf, v);
  if (r.ok) target[key] = r.value;
  else problems.push({ path, reason: r.reason });
}

function similar(a: string, b: string): boolean {
  if (a === b) return false;
  if (Math.abs(a.length - b.length) > 2) return false;
  // Levenshtein distance <= 2, enough to catch a misspelt key.
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length][b.length] <= 2;
}

function setPath(cfg: Record<string, unknown>, path: string, value: unknown, problems: ConfigProblem[], origin: string) {
  const leaf = leaves().find(([p]) => p === path)?.[1];
  if (!leaf) {
    problems.push({ path, reason: `unknown key (from ${origin})` });
    return;
  }
  const parts = path.split('.');
  let t = cfg;
  for (const part of parts.slice(0, -1)) t = t[part] as Record<string, unknown>;
  const r = coerceLeaf(leaf, value);
  if (r.ok) t[parts[parts.length - 1]] = r.value;
  else problems.push({ path, reason: `${r.reason} (from ${origin})` });
}

function readSecretFiles(cfg: Config, problems: ConfigProblem[]) {
  const pairs: Array<[Record<string, unknown>, string, string, string]> = [
    [cfg.kafka.sasl, 'password', 'password_file', 'kafka.sasl'],
    [cfg.elasticsearch, 'password', 'password_file', 'elasticsearch'],
    [cfg.elasticsearch, 'api_key', 'api_key_file', 'elasticsearch'],
  ];
  for (const [obj, key, fileKey, prefix] of pairs) {
    const f = obj[fileKey] as string;
    if (!f) continue;
    try {
      obj[key] = readFileSync(f, 'utf8').trim();
    } catch (err) {
      problems.push({
        path: `${prefix}.${fileKey}`,
        reason: `cannot read ${f}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      });
    }
  }
}

/**
 * A file a key names (a CA, a client certificate or key), read when a client is built, not at load: `validate`
 * on another machine than the one that runs logship must not fail for it. A missing one is a config error (78).
 */
export function readConfigFile(file: string, keyPath: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new LogshipError(
      'LOGSHIP_ERR_CONFIG_READ',
      `${keyPath}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

function crossChecks(cfg: Config, problems: ConfigProblem[]) {
  if (cfg.kafka.brokers.length === 0) problems.push({ path: 'kafka.brokers', reason: 'at least one broker is needed' });
  for (const b of cfg.kafka.brokers)
    if (!/^[^\s:]+:\d+$/.test(b)) problems.push({ path: 'kafka.brokers', reason: `"${b}" is not host:port` });
  try {
    const u = new URL(cfg.elasticsearch.url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    problems.push({ path: 'elasticsearch.url', reason: `"${cfg.elasticsearch.url}" is not an http(s) URL` });
  }
  if (!/^[a-z0-9][a-z0-9_.-]*$/.test(cfg.elasticsearch.index_prefix))
    problems.push({
      path: 'elasticsearch.index_prefix',
      reason: 'must be lowercase letters, digits, _ . - and not start with one of _ . -',
    });
  for (const key of ['agent.metrics_listen', 'sink.metrics_listen'] as const) {
    const v = key === 'agent.metrics_listen' ? cfg.agent.metrics_listen : cfg.sink.metrics_listen;
    if (v && !/^[^\s]*:\d+$/.test(v)) problems.push({ path: key, reason: `"${v}" is not host:port` });
  }
  if (cfg.kafka.sasl.mechanism !== 'none' && !cfg.kafka.sasl.username)
    problems.push({ path: 'kafka.sasl.username', reason: `needed for ${cfg.kafka.sasl.mechanism}` });
  // An empty password is almost always a ${VAR:-} whose variable was not set or an empty file: say so before connecting.
  if (cfg.kafka.sasl.mechanism !== 'none' && !cfg.kafka.sasl.password)
    problems.push({ path: 'kafka.sasl.password', reason: `needed for ${cfg.kafka.sasl.mechanism} (or kafka.sasl.password_file)` });
  if (cfg.elasticsearch.username && !cfg.elasticsearch.password && !cfg.elasticsearch.api_key)
    problems.push({ path: 'elasticsearch.password', reason: 'needed with elasticsearch.username (or elasticsearch.password_file)' });
  if (cfg.agent.multiline.mode === 'pattern') {
    if (!cfg.agent.multiline.pattern) problems.push({ path: 'agent.multiline.pattern', reason: 'needed when mode is pattern' });
    else {
      try {
        new RegExp(cfg.agent.multiline.pattern);
      } catch (err) {
        problems.push({ path: 'agent.multiline.pattern', reason: `not a valid regular expression: ${(err as Error).message}` });
      }
    }
  }
  if (cfg.kafka.topic === cfg.kafka.dlq_topic) problems.push({ path: 'kafka.dlq_topic', reason: 'must differ from kafka.topic' });
}

export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? {};
  const problems: ConfigProblem[] = [];
  const cfg = defaultsOf(schema) as Record<string, unknown>;
  let text = opts.text;
  if (text === undefined && opts.file) {
    try {
      text = readFileSync(opts.file, 'utf8');
    } catch (err) {
      throw new LogshipError(
        'LOGSHIP_ERR_CONFIG_READ',
        `cannot read config file ${opts.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
  }
  if (text !== undefined) {
    const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
    if (doc.errors.length > 0) {
      const e = doc.errors[0];
      const where = e.linePos ? ` at line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '';
      throw new LogshipError(
        'LOGSHIP_ERR_CONFIG_INVALID',
        `${opts.file ?? 'config'}: YAML syntax error${where}: ${e.message.split('\n')[0]}`,
        {
          details: { problems: [{ path: '(yaml)', reason: e.message.split('\n')[0] }] },
        },
      );
    }
    const raw = interpolateTree(doc.toJS(), env, '', problems);
    merge(schema, cfg, raw, '', problems);
  }
  for (const [path] of leaves()) {
    const v = env[envNameFor(path)];
    if (v !== undefined && v !== '') setPath(cfg, path, v, problems, envNameFor(path));
  }
  for (const s of opts.sets ?? []) {
    const eq = s.indexOf('=');
    if (eq <= 0) {
      problems.push({ path: s, reason: '--set wants key.path=value' });
      continue;
    }
    setPath(cfg, s.slice(0, eq).trim(), s.slice(eq + 1), problems, '--set');
  }
  for (const [path, value] of opts.overrides ?? []) setPath(cfg, path, value, problems, 'command line');
  const typed = cfg as unknown as Config;
  if (problems.length === 0) readSecretFiles(typed, problems);
  if (problems.length === 0) crossChecks(typed, problems);
  if (problems.length > 0) {
    const where = opts.file ? `${opts.file}: ` : '';
    throw new LogshipError('LOGSHIP_ERR_CONFIG_INVALID', `${where}${problems.map((p) => `${p.path}: ${p.reason}`).join('; ')}`, {
      details: { problems },
    });
  }
  return typed;
}

/** The string leaves the schema marks secret, with their paths. */
function secretLeaves(): Array<[string, StringLeaf]> {
  return leaves().filter((e): e is [string, StringLeaf] => e[1].kind === 'string' && e[1].secret !== undefined);
}

function valueAt(cfg: unknown, path: string): string {
  return path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], cfg) as string;
}

/** Secrets in a config (the values of the keys the schema marks secret), for redaction before anything is logged or printed. */
export function secretsOf(cfg: Config): string[] {
  return secretLeaves()
    .map(([path, leaf]) => (leaf.secret === 'url-password' ? urlPassword(valueAt(cfg, path)) : valueAt(cfg, path)))
    .filter((s) => s.length > 0);
}

/** The password of an https://user:password@host URL (the client sends it as basic auth; it must not be logged either). */
function urlPassword(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return '';
  }
}

/** scheme://user:password@host... with the password replaced (the last @ of the authority ends the user info). */
function redactUrlPassword(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/is.exec(url);
  const at = m ? m[2].lastIndexOf('@') : -1;
  const colon = m && at > 0 ? m[2].slice(0, at).indexOf(':') : -1;
  if (!m || colon < 0) return url;
  return `${m[1]}${m[2].slice(0, colon)}:[redacted]${m[2].slice(at)}${m[3]}`;
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
    else if (urlPassword(v)) t[key] = redactUrlPassword(v);
  }
  return copy as unknown as Config;
}
