// The agent's keys. agent.multiline, agent.json and agent.parser are the implicit source's (agent.files), and the
// defaults of nothing else: each entry of agent.sources has its own (sources.ts).
import { bool, bytes, int, ms, obj, oneOf, str, strings } from './nodes.js';
import { jsonSchema, multilineSchema, parserSchema, sourcesSchema } from './sources.js';

export const agentSchema = obj('The agent: tails files and captures process output into Kafka.', {
  data_dir: str('./data/agent', 'Where checkpoints and the stream spool live. Must be writable and survive restarts.'),
  read_from: oneOf('beginning', ['beginning', 'end'], 'Where to start a file that has no checkpoint.'),
  sources: sourcesSchema,
  files: obj(
    'The implicit source `files` (kept from before agent.sources): which files to tail. Ignored for discovery when agent.sources is set, except follow_symlinks, which applies to every source.',
    {
      include: strings(
        [],
        'Glob patterns of files to tail (picomatch: *, **, ?, [a-z], {a,b}, !(x)). Absolute or relative to the working directory.',
      ),
      exclude: strings([], 'Glob patterns of files never to tail, even when included.'),
      follow_symlinks: bool(
        false,
        'Tail symbolic links that match the globs (the files they point to, wherever those are). Off: links are skipped and logged, so a link cannot make the agent read outside the globs.',
      ),
      format: oneOf('plain', ['plain', 'docker', 'cri'], 'plain, or container log records: docker (json-file) or cri (Kubernetes).'),
    },
  ),
  scan_interval_ms: ms(1000, 'Periodic rescan of the include globs, a safety net beside file-system events.', 50),
  poll_interval_ms: ms(
    250,
    'How often an open file is checked for new bytes when no event arrived. A file that had nothing new is checked less and less often, doubling up to every 5 s (a file-system event still reads it at once).',
    10,
  ),
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
  multiline: multilineSchema,
  json: jsonSchema,
  parser: parserSchema,
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
    max_in_flight: int(
      1,
      "Produce requests in flight at once. 1: a request Kafka failed (leader moved, NOT_ENOUGH_REPLICAS) is retried before the next one goes, so one host's lines (one key, one partition) reach Kafka in the order they were read; lines keep being read and batched meanwhile. Above 1 (at most 8), a retried request can land behind a later one: ids keep the index exact, but a consumer reading the topic in order sees them out of order.",
      { min: 1, max: 8, unit: 'count' },
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
});
