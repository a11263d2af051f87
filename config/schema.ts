// One schema for agent and sink: defaults, types, units and descriptions. The loader validates against it,
// `logship validate` reports with it, and docs/CONFIG.md is generated from it (`logship config-doc`).
import { parseBytes, parseDuration } from '../common/units.js';

type Unit = 'ms' | 'bytes' | 'count';
export interface StringLeaf {
  kind: 'string';
  default: string;
  description: string;
  /**
   * true: the value is a secret, redacted from every log line, report and printed config. 'url-password': only
   * the password of a user:password@ URL is. A path to a file that holds a secret is not itself a secret.
   */
  secret?: true | 'url-password';
}
export interface IntLeaf {
  kind: 'int';
  default: number;
  description: string;
  min?: number;
  max?: number;
  unit?: Unit;
}
export interface BoolLeaf {
  kind: 'bool';
  default: boolean;
  description: string;
}
export interface EnumLeaf<V extends string = string> {
  kind: 'enum';
  default: V;
  values: readonly V[];
  description: string;
}
export interface StringsLeaf {
  kind: 'strings';
  default: readonly string[];
  description: string;
}
export type Leaf = StringLeaf | IntLeaf | BoolLeaf | EnumLeaf | StringsLeaf;
export interface ObjectNode<F extends Record<string, Node> = Record<string, Node>> {
  kind: 'object';
  description: string;
  fields: F;
}
export type Node = Leaf | ObjectNode;

/** The value a node holds in a loaded config: config/types.ts derives `Config` from the schema with it. */
export type ValueOf<N> =
  N extends ObjectNode<infer F>
    ? { [K in keyof F]: ValueOf<F[K]> }
    : N extends EnumLeaf<infer V>
      ? V
      : N extends StringsLeaf
        ? string[]
        : N extends StringLeaf
          ? string
          : N extends IntLeaf
            ? number
            : N extends BoolLeaf
              ? boolean
              : never;

// The helpers keep each leaf's literal types (an enum's values, an object's fields) so ValueOf can read them.
const str = (def: string, description: string, opts: { secret?: StringLeaf['secret'] } = {}): StringLeaf => ({
  kind: 'string',
  default: def,
  description,
  ...(opts.secret ? { secret: opts.secret } : {}),
});
const int = (def: number, description: string, opts: { min?: number; max?: number; unit?: Unit } = {}): IntLeaf => ({
  kind: 'int',
  default: def,
  description,
  min: opts.min ?? 0,
  max: opts.max,
  unit: opts.unit,
});
const ms = (def: number, description: string, min = 0) => int(def, description, { unit: 'ms', min });
const bytes = (def: number, description: string, min = 0) => int(def, description, { unit: 'bytes', min });
const bool = (def: boolean, description: string): BoolLeaf => ({ kind: 'bool', default: def, description });
const oneOf = <const V extends string>(def: NoInfer<V>, values: readonly V[], description: string): EnumLeaf<V> => ({
  kind: 'enum',
  default: def,
  values,
  description,
});
const strings = (def: readonly string[], description: string): StringsLeaf => ({ kind: 'strings', default: def, description });
const obj = <F extends Record<string, Node>>(description: string, fields: F): ObjectNode<F> => ({ kind: 'object', description, fields });

export const schema = obj('logship configuration', {
  host_name: str('', "Host name put on every event and used as the Kafka key. Empty: the machine's host name."),
  log_level: oneOf('info', ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], "Level of logship's own logs (JSON on stderr)."),
  kafka: obj('Kafka connection, shared by agent, sink and dlq commands.', {
    brokers: strings(['127.0.0.1:9092'], 'Bootstrap brokers, host:port.'),
    client_id: str('logship', 'Kafka client id.'),
    topic: str('logs', 'Topic the agent produces to and the sink consumes.'),
    dlq_topic: str('logs-dlq', 'Dead-letter topic: events Elasticsearch rejected or the sink could not decode, with the reason.'),
    topic_partitions: int(4, 'Partitions when logship creates the topics.', { min: 1 }),
    connection_timeout_ms: ms(3000, 'TCP connect timeout.', 1),
    request_timeout_ms: ms(30000, 'Kafka request timeout.', 1),
    tls: obj('TLS to the brokers.', {
      enabled: bool(false, 'Connect with TLS.'),
      ca_file: str('', "PEM file of the CA that signed the brokers' certificates. Empty: Node's built-in public CAs."),
      cert_file: str('', 'Client certificate (PEM) for mutual TLS.'),
      key_file: str('', 'Client key (PEM) for mutual TLS.'),
      insecure_skip_verify: bool(false, "Do not verify the brokers' certificates (testing only)."),
    }),
    sasl: obj('SASL authentication.', {
      mechanism: oneOf('none', ['none', 'plain', 'scram-sha-256', 'scram-sha-512'], 'SASL mechanism.'),
      username: str('', 'SASL user name.'),
      password: str('', 'SASL password. Prefer ${ENV} or password_file.', { secret: true }),
      password_file: str('', 'File holding the SASL password.'),
    }),
  }),
  elasticsearch: obj('Elasticsearch connection and index layout, used by the sink and search.', {
    url: str('http://127.0.0.1:9200', 'Elasticsearch URL.', { secret: 'url-password' }),
    username: str('', 'Basic auth user.'),
    password: str('', 'Basic auth password. Prefer ${ENV} or password_file.', { secret: true }),
    password_file: str('', 'File holding the basic auth password.'),
    api_key: str(
      '',
      'API key: the `encoded` value of POST /_security/api_key (base64 of id:key). Used instead of username/password when set. Prefer ${ENV} or api_key_file.',
      { secret: true },
    ),
    api_key_file: str('', 'File holding the API key.'),
    ca_file: str('', "PEM CA certificate for https URLs. Empty: Node's built-in public CAs."),
    request_timeout_ms: ms(30000, 'Per-request timeout.', 1),
    index_prefix: str('logs', "Daily indices are <prefix>-YYYY.MM.DD, the day taken from each event's @timestamp (UTC)."),
    number_of_shards: int(1, 'Primary shards per daily index.', { min: 1 }),
    number_of_replicas: int(0, 'Replicas per daily index.'),
    refresh_interval: str('1s', 'Index refresh interval (Elasticsearch duration, e.g. 1s, 30s, -1).'),
    retention_days: int(0, 'Delete whole daily indices older than this many days (checked hourly by the sink). 0: keep all.'),
  }),
  agent: obj('The agent: tails files and captures process output into Kafka.', {
    data_dir: str('./data/agent', 'Where checkpoints and the stream spool live. Must be writable and survive restarts.'),
    read_from: oneOf('beginning', ['beginning', 'end'], 'Where to start a file that has no checkpoint.'),
    files: obj('Which files to tail.', {
      include: strings([], 'Glob patterns of files to tail (*, **, ?, {a,b}). Absolute or relative to the working directory.'),
      exclude: strings([], 'Glob patterns of files never to tail, even when included.'),
      follow_symlinks: bool(
        false,
        'Tail symbolic links that match the globs (the files they point to, wherever those are). Off: links are skipped and logged, so a link cannot make the agent read outside the globs.',
      ),
    }),
    scan_interval_ms: ms(1000, 'Periodic rescan of the include globs, a safety net beside file-system events.', 50),
    poll_interval_ms: ms(250, 'How often an open file is checked for new bytes when no event arrived.', 10),
    close_inactive_ms: ms(
      30000,
      'A file no longer at its path (renamed or deleted) is closed after it was read to its end and did not grow for this long.',
      0,
    ),
    max_open_files: int(1024, 'Most files held open; past it, files wait in turn and idle ones are closed.', { min: 1, unit: 'count' }),
    read_buffer_bytes: bytes(256 * 1024, 'Bytes read from a file at a time.', 4096),
    max_line_bytes: bytes(
      1024 * 1024,
      'Longer lines are cut: the first max_line_bytes are sent with log.truncated=true, the rest is counted and skipped.',
      16,
    ),
    partial_line_flush_ms: ms(
      0,
      'Send a last line that has no newline after it was idle this long (then it is never sent again). 0: wait for the newline.',
    ),
    multiline: obj('Join continuation lines (stack traces) into one event. Off by default.', {
      mode: oneOf(
        'off',
        ['off', 'java', 'python', 'pattern'],
        'off, a preset (java, python), or pattern: lines matching `pattern` continue the event before them.',
      ),
      pattern: str('', 'Regular expression (JavaScript) of a continuation line, for mode: pattern.'),
      max_lines: int(500, 'Most lines joined into one event.', { min: 2, unit: 'count' }),
      max_bytes: bytes(1024 * 1024, 'Most bytes joined into one event.', 64),
      timeout_ms: ms(1000, 'An event waiting for continuation lines is sent after this long without one.', 1),
    }),
    json: oneOf('auto', ['auto', 'off'], 'auto: a line that is a JSON object is parsed into `json` and its time and level used.'),
    json_max_depth: int(20, 'Deeper JSON lines are sent unparsed and marked log.json_error.', { min: 1, unit: 'count' }),
    json_max_keys: int(1000, 'JSON lines with more members, any depth, are sent unparsed (log.json_error).', { min: 1, unit: 'count' }),
    timestamp_max_past_ms: ms(365 * 86_400_000, 'A line time further before its read time gives way to it (log.original_timestamp).'),
    timestamp_max_future_ms: ms(86_400_000, 'A line time further after its read time gives way to it (clock skew).'),
    batch: obj('Batches sent to Kafka.', {
      max_events: int(
        2000,
        'Events per produce request. 2,000 (about 1.3 MB of 260-byte lines as events): 500 measured the same CPU per line within the noise (50.8 vs 52.8 CPU s per million lines, bench/README.md) and would quarter what the batches in flight carry while acknowledgements are slow.',
        { min: 1, unit: 'count' },
      ),
      max_bytes: bytes(
        1024 * 1024,
        "Bytes per produce request. 1 MiB: Kafka's default max.message.bytes for a topic, so a batch is never refused as too large.",
        1024,
      ),
      linger_ms: ms(
        20,
        'How long a non-full batch may wait for more lines. 20 ms: under load batches fill before it; at 2,000 lines/s it is most of write -> acked by Kafka (p50 about 115 ms in the bench), a small part of write -> searchable (refresh 1 s).',
      ),
    }),
    max_inflight_bytes: bytes(
      16 * 1024 * 1024,
      'Bytes sent and not yet acknowledged, across all sources; reading pauses above it. 16 MiB (about 12 full requests): 4 MiB measured the same throughput and the same peak RSS (184 MB both), so the bound is not what holds memory; it only has to keep the broker busy while acknowledgements come back.',
      1024,
    ),
    compression: oneOf(
      'lz4',
      ['none', 'gzip', 'lz4', 'zstd'],
      'Compression of produce requests (record batches). lz4 by default: measured on the same 260-byte lines in one run (bench --only compression), lz4 costs no more CPU per line than none (50.8 vs 53.1 CPU s per million lines) and the broker stores 0.21x the bytes; gzip stores 0.14x for +29 % CPU per line; zstd 0.13x at the CPU of none, but not every producer has it (Node 20 zlib has no zstd). Events are JSON with repeated field names, which is why they compress so well. none: only when the brokers are on the same host and disk is cheap.',
    ),
    metrics_listen: str('127.0.0.1:9464', 'host:port for /metrics, /healthz and /readyz. Empty: off.'),
    shutdown_grace_ms: ms(10000, 'On SIGTERM, time to flush what is in hand before exiting.'),
    spool_max_bytes: bytes(
      256 * 1024 * 1024,
      'On-disk spool for stdin and wrapped commands: lines wait here until Kafka acknowledged them.',
      1024,
    ),
    spool_full: oneOf(
      'block',
      ['block', 'drop_newest'],
      'When the spool is full: block (push back on the pipe) or drop newest lines (counted).',
    ),
  }),
  run: obj('`logship run -- COMMAND`: a wrapped command.', {
    command_line: oneOf(
      'name',
      ['full', 'name', 'off'],
      "What the command's exit event carries in process.command_line: full (the whole argv, which can hold a password or token given as an argument), name (the command without its arguments), off (empty).",
    ),
  }),
  sink: obj('The sink: a Kafka consumer group that bulk-indexes into Elasticsearch.', {
    group_id: str('logship-sink', 'Kafka consumer group.'),
    from_beginning: bool(true, 'A group with no committed offset starts at the earliest record.'),
    bulk: obj('Bulk requests to Elasticsearch.', {
      max_docs: int(
        2000,
        "Documents per bulk request. 2,000 (about 1.5 MB of 260-byte lines): Elasticsearch's own guidance is requests of a few MB; the raw _bulk replay the sink is measured against uses the same size.",
        { min: 1, unit: 'count' },
      ),
      max_bytes: bytes(
        5 * 1024 * 1024,
        'Bytes per bulk request. 5 MiB: large lines reach it before max_docs; well under http.max_content_length (100 MB).',
        1024,
      ),
      linger_ms: ms(200, 'How long a non-full bulk request may wait for more events.'),
      concurrency: int(
        2,
        'Bulk requests in flight, across all partitions. 2: one being indexed while the next is sent; a single Elasticsearch node on 2 cores is busy with two (the raw replay at 2 in flight is the figure the sink is measured against).',
        { min: 1, max: 16 },
      ),
    }),
    retry_initial_ms: ms(200, 'First backoff for items Elasticsearch asked to retry (429, 5xx) and for connection errors.', 1),
    retry_max_ms: ms(30000, 'Longest backoff; retries go on for as long as the sink runs.', 1),
    session_timeout_ms: ms(30000, 'Kafka consumer session timeout.', 6000),
    metrics_listen: str('127.0.0.1:9465', 'host:port for /metrics, /healthz and /readyz. Empty: off.'),
    shutdown_grace_ms: ms(15000, 'On SIGTERM, time to finish in-flight bulk requests and commit.'),
    max_decompressed_batch_bytes: bytes(
      64 * 1024 * 1024,
      'Most a compressed record batch may decompress to; a larger one (a decompression bomb) is not decompressed: its records go to the DLQ with the reason.',
      1024 * 1024,
    ),
  }),
});

export function coerceLeaf(leaf: Leaf, raw: unknown): { ok: true; value: unknown } | { ok: false; reason: string } {
  switch (leaf.kind) {
    case 'string':
      if (typeof raw === 'string') return { ok: true, value: raw };
      if (typeof raw === 'number' || typeof raw === 'boolean') return { ok: true, value: String(raw) };
      return { ok: false, reason: `expected a string, got ${describe(raw)}` };
    case 'bool':
      if (typeof raw === 'boolean') return { ok: true, value: raw };
      if (raw === 'true' || raw === 'false') return { ok: true, value: raw === 'true' };
      return { ok: false, reason: `expected true or false, got ${describe(raw)}` };
    case 'enum':
      if (typeof raw === 'string' && leaf.values.includes(raw)) return { ok: true, value: raw };
      return { ok: false, reason: `expected one of ${leaf.values.join(', ')}, got ${describe(raw)}` };
    case 'strings':
      if (typeof raw === 'string')
        return {
          ok: true,
          value: raw
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        };
      if (Array.isArray(raw) && raw.every((x) => typeof x === 'string')) return { ok: true, value: raw };
      return { ok: false, reason: `expected a list of strings, got ${describe(raw)}` };
    case 'int': {
      let n: number | undefined;
      if (typeof raw === 'number') n = raw;
      else if (typeof raw === 'string')
        n =
          leaf.unit === 'ms'
            ? parseDuration(raw)
            : leaf.unit === 'bytes'
              ? parseBytes(raw)
              : /^\s*\d+\s*$/.test(raw)
                ? Number(raw)
                : undefined;
      const what =
        leaf.unit === 'ms'
          ? 'a duration in ms (or 500ms, 5s, 1m)'
          : leaf.unit === 'bytes'
            ? 'a size in bytes (or 64KiB, 1MiB)'
            : 'an integer';
      if (n === undefined || !Number.isInteger(n)) return { ok: false, reason: `expected ${what}, got ${describe(raw)}` };
      if (leaf.min !== undefined && n < leaf.min) return { ok: false, reason: `must be at least ${leaf.min}, got ${n}` };
      if (leaf.max !== undefined && n > leaf.max) return { ok: false, reason: `must be at most ${leaf.max}, got ${n}` };
      return { ok: true, value: n };
    }
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

export function defaultsOf(node: Node): unknown {
  if (node.kind === 'object') return Object.fromEntries(Object.entries(node.fields).map(([k, v]) => [k, defaultsOf(v)]));
  return Array.isArray(node.default) ? [...(node.default as unknown[])] : node.default;
}

/** Every leaf path with its declaration, in schema order. */
export function leaves(node: Node = schema, prefix = ''): Array<[string, Leaf]> {
  if (node.kind !== 'object') return [[prefix, node]];
  return Object.entries(node.fields).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
}
