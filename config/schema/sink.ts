// The sink's keys, and those of `logship run`.
import { bool, bytes, int, ms, obj, oneOf, str } from './nodes.js';

export const runSchema = obj('`logship run -- COMMAND`: a wrapped command.', {
  command_line: oneOf(
    'name',
    ['full', 'name', 'off'],
    "What the command's exit event carries in process.command_line: full (the whole argv, which can hold a password or token given as an argument), name (the command without its arguments), off (empty).",
  ),
});

export const sinkSchema = obj('The sink: a Kafka consumer group that bulk-indexes into Elasticsearch.', {
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
});
