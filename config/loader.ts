// Config loading: defaults < YAML file (with ${VAR} and ${VAR:-default} in values) < LOGSHIP_* env < --set flags.
// Every problem is reported with its key path; unknown keys are errors, as a typo must not pass silently.
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { LogshipError } from '../common/errors.js';
import { displayUrl, redactText } from '../common/redact.js';
import { agentChecks, sourceLabel } from './agent-checks.js';
import type { ConfigProblem } from './problem.js';
import { coerceLeaf, defaultsOf, leaves, schema, type Leaf, type Node } from './schema.js';
import { readSecretFile } from './secret-files.js';
import { secretLeaves, secretsOf } from './secrets.js';
import type { Config } from './types.js';
import { producerProblems } from './producer-check.js';

export { redactedConfig, secretsOf } from './secrets.js';

export type { ConfigProblem } from './problem.js';

export interface LoadOptions {
  file?: string;
  /** YAML text, used instead of reading `file` (tests, `validate -`). */
  text?: string;
  env?: Record<string, string | undefined>;
  /** "key.path=value" pairs from --set flags. */
  sets?: string[];
  /** Applied after everything else: typed values from dedicated CLI flags. */
  overrides?: Array<[string, unknown]>;
  /** Filled in while loading: what a caller may want besides the config. */
  report?: LoadReport;
}

export interface LoadReport {
  /** Problems that do not stop the config from loading (a secret file others can read). */
  warnings: string[];
  /** Environment variables that `${VAR}` in a secret value read (KAFKA_PW of `password: ${KAFKA_PW}`). */
  secretEnv: Set<string>;
}

export const newLoadReport = (): LoadReport => ({ warnings: [], secretEnv: new Set() });

/** The environment variable that overrides a key: agent.batch.linger_ms -> LOGSHIP_AGENT_BATCH_LINGER_MS. */
export function envNameFor(path: string): string {
  return 'LOGSHIP_' + path.replace(/\./g, '_').toUpperCase();
}

const INTERP = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-(.*?))?\}/g;

export function interpolate(
  text: string,
  env: Record<string, string | undefined>,
  path: string,
  problems: ConfigProblem[],
  referenced?: (name: string) => void,
): string {
  return text.replace(INTERP, (whole, name: string | undefined, def: string | undefined) => {
    if (whole === '$$') return '$';
    referenced?.(name!);
    // Own properties only: ${constructor} or ${toString} must not find Object.prototype's.
    const v = Object.hasOwn(env, name!) ? env[name!] : undefined;
    if (v !== undefined && v !== '') return v;
    if (def !== undefined) return def;
    problems.push({ path, reason: `environment variable ${name} is not set (use \${${name}:-default} for a default)` });
    return '';
  });
}

type Env = Record<string, string | undefined>;

/** Keys whose value is a secret: the variables their ${VAR}s read are reported (`run` keeps them from its child). */
const SECRET_PATHS = new Set(secretLeaves().map(([p]) => p));

function interpolateTree(v: unknown, env: Env, path: string, problems: ConfigProblem[], secretEnv?: Set<string>): unknown {
  if (typeof v === 'string') return interpolate(v, env, path, problems, SECRET_PATHS.has(path) ? (n) => secretEnv?.add(n) : undefined);
  if (Array.isArray(v)) return v.map((x, i) => interpolateTree(x, env, `${path}[${i}]`, problems, secretEnv));
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [k, interpolateTree(x, env, path ? `${path}.${k}` : k, problems, secretEnv)]),
    );
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
    // Own properties only: a key `constructor`, `toString` or `__proto__` is unknown, not Object.prototype's.
    const child = Object.hasOwn(node.fields, k) ? node.fields[k] : undefined;
    if (!child) {
      const near = Object.keys(node.fields).find((f) => similar(f, k));
      problems.push({ path: p, reason: `unknown key${near ? ` (did you mean ${path ? `${path}.` : ''}${near}?)` : ''}` });
      continue;
    }
    if (child.kind === 'object') {
      merge(child, target[k] as Record<string, unknown>, v, p, problems);
    } else if (child.kind === 'list') {
      mergeList(child.item, target, k, v, p, problems);
    } else {
      setLeaf(child, target, k, v, p, problems);
    }
  }
}

/** A list of objects: each item over the item's defaults, its problems named `path[i] (name).key`. */
function mergeList(item: Node, target: Record<string, unknown>, key: string, v: unknown, path: string, problems: ConfigProblem[]) {
  if (v === null) return;
  if (!Array.isArray(v)) {
    problems.push({ path, reason: 'expected a list' });
    return;
  }
  target[key] = v.map((raw, i) => {
    const out = defaultsOf(item) as Record<string, unknown>;
    const name =
      raw && typeof raw === 'object' && typeof (raw as { name?: unknown }).name === 'string' ? (raw as { name: string }).name : '';
    merge(item, out, raw, sourceLabel(path, i, name), problems);
    return out;
  });
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
  if (path === 'agent.sources' && Array.isArray(value) && value.length === 0) {
    // The capture commands (stdin, run) tail no file: the one list override there is, to empty.
    (cfg.agent as Record<string, unknown>).sources = [];
    return;
  }
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

function readSecretFiles(cfg: Config, problems: ConfigProblem[], warnings: string[]) {
  const pairs: Array<[Record<string, unknown>, string, string, string]> = [
    [cfg.kafka.sasl, 'password', 'password_file', 'kafka.sasl'],
    [cfg.elasticsearch, 'password', 'password_file', 'elasticsearch'],
    [cfg.elasticsearch, 'api_key', 'api_key_file', 'elasticsearch'],
  ];
  for (const [obj, key, fileKey, prefix] of pairs) {
    const f = obj[fileKey] as string;
    if (!f) continue;
    const r = readSecretFile(f);
    if (!r.ok) problems.push({ path: `${prefix}.${fileKey}`, reason: r.reason });
    else {
      obj[key] = r.value;
      if (r.warning) warnings.push(`${prefix}.${fileKey}: ${r.warning}`);
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
    problems.push({ path: 'elasticsearch.url', reason: `"${displayUrl(cfg.elasticsearch.url)}" is not an http(s) URL` });
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
  agentChecks(cfg, problems);
  problems.push(...producerProblems(cfg));
  if (cfg.kafka.topic === cfg.kafka.dlq_topic) problems.push({ path: 'kafka.dlq_topic', reason: 'must differ from kafka.topic' });
}

export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? {};
  const report = opts.report ?? newLoadReport();
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
    const raw = interpolateTree(doc.toJS(), env, '', problems, report.secretEnv);
    merge(schema, cfg, raw, '', problems);
  }
  for (const [path] of leaves()) {
    const v = Object.hasOwn(env, envNameFor(path)) ? env[envNameFor(path)] : undefined;
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
  if (problems.length === 0) readSecretFiles(typed, problems, report.warnings);
  if (problems.length === 0) crossChecks(typed, problems);
  if (problems.length > 0) {
    // A reason may quote a value (`"..." is not host:port`): never one of the secrets set so far.
    const secrets = secretsOf(typed);
    for (const p of problems) p.reason = redactText(p.reason, secrets);
    const where = opts.file ? `${opts.file}: ` : '';
    throw new LogshipError('LOGSHIP_ERR_CONFIG_INVALID', `${where}${problems.map((p) => `${p.path}: ${p.reason}`).join('; ')}`, {
      details: { problems },
    });
  }
  return typed;
}
