// The sink's internal events: one function per event updates the metric and writes the log line. Accounting that
// must balance: records_consumed = documents_created + documents_duplicate + dead_lettered + records_abandoned + in
// flight. (An abandoned record, left unfinished by a rebalance or shutdown, is consumed again by its next owner.)
// Faults go through one reporter, so each is logged and counted in logship_sink_errors_total{stage,error_type}.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { collectProcessMetrics } from '../common/process-metrics.js';
import type { Logger } from '../common/logger.js';
import { createFaultReporter } from '../common/internal-events.js';
import type { ConsumerFault } from '../kafka/consumer.js';
import type { DeadLetter } from './dead-letter.js';

const STAGES = ['bulk', 'dead_letter', 'commit', 'heartbeat', 'consumer', 'decompress', 'template', 'topics', 'retention'] as const;
/**
 * unavailable: no answer, or an error retrying may fix (a broker or Elasticsearch away); refused: the group said no
 * (a rebalance); crashed: the consumer stopped; item_refused / request_failed: a bulk retry of items refused one by
 * one (429, 5xx in a 200 answer) or of a whole request that failed; too_large: a compressed batch past the
 * decompression bound, or a dead letter Kafka refused as too large (cut further and sent again); corrupt: a
 * compressed batch that does not decompress; unpublishable: a dead letter Kafka refused even in its minimal form.
 */
const ERROR_TYPES = [
  'unavailable',
  'refused',
  'crashed',
  'item_refused',
  'request_failed',
  'too_large',
  'corrupt',
  'unpublishable',
] as const;

/** Why a batch stops before every record is done: its unfinished records are not committed. */
export type BatchAbort = 'heartbeat_refused' | 'commit_refused' | 'partition_reassigned' | 'shutdown';

const ABORT_WHY: Record<BatchAbort, string> = {
  heartbeat_refused: 'heartbeat refused (group rebalancing)',
  commit_refused: 'commit refused',
  partition_reassigned: 'partition reassigned',
  shutdown: 'shutdown grace over',
};

export function createSinkMetrics(log: Logger) {
  const registry = new Registry();
  collectProcessMetrics(registry, 'logship_sink_');
  const c = (name: string, help: string, labelNames: string[] = []) => new Counter({ name, help, labelNames, registers: [registry] });
  const consumed = c('logship_sink_records_consumed_total', 'Records received from Kafka.');
  const created = c('logship_sink_documents_created_total', 'Documents Elasticsearch created (201).');
  const duplicate = c('logship_sink_documents_duplicate_total', 'Documents already there (409): re-deliveries, deduplicated by id.');
  const dead = c('logship_sink_documents_dead_lettered_total', 'Records sent to the dead-letter topic, by stage.', ['stage']);
  const retried = c(
    'logship_sink_items_retried_total',
    'Items re-sent after 429, 5xx or a connection error; scope: item (refused alone in a bulk answer) or request (the whole request failed).',
    ['scope'],
  );
  const bulks = c('logship_sink_bulk_requests_total', 'Bulk requests, by outcome.', ['outcome']);
  const cutLetters = c(
    'logship_sink_dead_letters_truncated_total',
    "Dead letters published cut to fit the dead-letter topic's max.message.bytes: cut = original (its start kept) or minimal (only the reason and source).",
    ['cut'],
  );
  const abandoned = c(
    'logship_sink_records_abandoned_total',
    'Records left unfinished (rebalance, shutdown) and not committed: their next owner consumes them again.',
  );
  const commits = c('logship_sink_commits_total', 'Offset commits.');
  const rebalances = c('logship_sink_rebalances_total', 'Consumer group rebalances this member went through (its joins after the first).');
  const inflight = new Gauge({ name: 'logship_sink_records_in_flight', help: 'Records received and not yet done.', registers: [registry] });
  const lag = new Gauge({
    name: 'logship_sink_consumer_lag',
    help: "Records behind the partition's high watermark.",
    labelNames: ['partition'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'logship_sink_bulk_latency_seconds',
    help: 'Bulk request latency.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const fault = createFaultReporter({ component: 'sink', registry, log, stages: STAGES, errorTypes: ERROR_TYPES });
  let inflightN = 0;
  return {
    registry,
    received(n: number) {
      consumed.inc(n);
      inflightN += n;
      inflight.set(inflightN);
    },
    /** `n` records leave the sink's hands, `unfinished` of them not done (abandoned to re-delivery). */
    finished(n: number, unfinished = 0) {
      inflightN -= n;
      inflight.set(inflightN);
      if (unfinished > 0) {
        abandoned.inc(unfinished);
        log.info({ records: unfinished }, 'records left unfinished; their next owner consumes them again');
      }
    },
    indexed(createdN: number, duplicateN: number) {
      created.inc(createdN);
      duplicate.inc(duplicateN);
      if (duplicateN > 0) log.debug({ duplicates: duplicateN }, 're-delivered events already indexed (409)');
    },
    deadLettered(stage: 'decode' | 'index', reason: string, partition: number, offset: string) {
      dead.inc({ stage });
      log.warn({ stage, reason, partition, offset }, 'record sent to the dead-letter topic');
    },
    bulk(_docs: number, ms: number, outcome: string) {
      bulks.inc({ outcome });
      latency.observe(ms / 1000);
    },
    /** Before the `attempt`th backoff in a row: `items` to send again, `refusedItems` of them refused one by one. */
    retrying(items: number, refusedItems: number, reason: string, attempt: number) {
      if (refusedItems > 0) retried.inc({ scope: 'item' }, refusedItems);
      if (items > refusedItems) retried.inc({ scope: 'request' }, items - refusedItems);
      fault({
        stage: 'bulk',
        errorType: items > refusedItems ? 'request_failed' : 'item_refused',
        message: 'retrying items Elasticsearch did not take',
        fields: { items, refused_items: refusedItems, reason, attempt },
        consecutive: attempt,
        streak: {},
      });
    },
    deadLetterCut(cut: 'original' | 'minimal') {
      cutLetters.inc({ cut });
    },
    deadLetterTooLarge(err: unknown, letters: number, bytes: number, maxMessageBytes: number) {
      fault({
        stage: 'dead_letter',
        errorType: 'too_large',
        message: 'Kafka refused dead letters as too large; cutting them further',
        err,
        fields: { letters, bytes, max_message_bytes: maxMessageBytes },
      });
    },
    /** The letter is in this log line only: Kafka refused even its minimal form. */
    deadLetterUnpublishable(d: DeadLetter, err: unknown) {
      fault({
        stage: 'dead_letter',
        errorType: 'unpublishable',
        level: 'error',
        message: 'Kafka refused even the minimal dead letter; the record is given up, this line is its only record',
        err,
        fields: { source: d.source, dead_letter_stage: d.stage, error_type_of_record: d.error_type, reason: d.reason.slice(0, 1024) },
      });
    },
    deadLetterPublishFailed(err: unknown, attempt: number) {
      fault({ stage: 'dead_letter', errorType: 'unavailable', message: 'dead-letter publish failed, retrying', err, fields: { attempt } });
    },
    /** A batch stops before it is done; a refused heartbeat or commit (the group rebalancing) is counted as a fault. */
    batchLeftUnfinished(partition: number, why: BatchAbort, err?: unknown) {
      const fields = { partition, why: ABORT_WHY[why] };
      const message = 'leaving the batch unfinished';
      if (why === 'heartbeat_refused' || why === 'commit_refused')
        fault({ stage: why === 'heartbeat_refused' ? 'heartbeat' : 'commit', errorType: 'refused', message, err, fields, level: 'info' });
      else log.info(fields, message);
    },
    consumerCrashed(err: unknown, restart: unknown) {
      fault({ stage: 'consumer', errorType: 'crashed', message: 'consumer crashed; restarting', err: String(err), fields: { restart } });
    },
    /** Faults the group consumer (kafka/) met and handled itself. */
    consumerFault(f: ConsumerFault) {
      if (f.kind === 'commit_retry')
        fault({
          stage: 'commit',
          errorType: 'unavailable',
          message: 'offset commit failed, retrying',
          err: f.err,
          fields: { partition: f.partition, offset: f.offset, attempt: f.attempt },
          level: 'info',
        });
      else if (f.kind === 'restart_failed')
        fault({
          stage: 'consumer',
          errorType: 'unavailable',
          message: 'consumer restart failed; trying again',
          err: f.err,
          fields: { attempt: f.attempt },
        });
      else if (f.kind === 'connect_failed')
        fault({
          stage: 'consumer',
          errorType: 'unavailable',
          message: 'Kafka not reachable; the consumer keeps trying',
          err: f.err,
          fields: { attempt: f.attempt },
        });
      else if (f.kind === 'batch_refused')
        fault({
          stage: 'decompress',
          errorType: f.refusal.why,
          message: 'compressed record batch not decompressed; its records go to the dead-letter topic',
          fields: { partition: f.partition, first_offset: f.refusal.firstOffset, records: f.refusal.records, reason: f.refusal.reason },
        });
      else fault({ stage: 'consumer', errorType: 'unavailable', message: 'consumer disconnect failed', err: f.err });
    },
    elasticsearchUnreachable(err: unknown, attempt: number) {
      fault({
        stage: 'template',
        errorType: 'unavailable',
        message: 'Elasticsearch not reachable; waiting before consuming',
        err,
        fields: { attempt },
      });
    },
    topicCheckFailed(err: unknown) {
      fault({ stage: 'topics', errorType: 'unavailable', message: 'could not check topics; consuming anyway', err });
    },
    retentionFailed(err: unknown) {
      fault({ stage: 'retention', errorType: 'unavailable', message: 'retention run failed; trying again in an hour', err });
    },
    committed(partition: number, offset: string) {
      commits.inc();
      log.debug({ partition, offset }, 'offset committed');
    },
    /** kafkajs' REBALANCING: the group coordinator asked this member to rejoin. */
    rebalanceStarted() {
      log.info('group rebalance started');
    },
    /** A join after the first: this member went through a rebalance (another member came or went, or our session expired). */
    rejoined() {
      rebalances.inc();
      log.info('rejoined the group after a rebalance');
    },
    setLag(m: Map<number, number>) {
      for (const [p, v] of m) lag.set({ partition: String(p) }, v);
    },
    get inflight() {
      return inflightN;
    },
  };
}

export type SinkMetrics = ReturnType<typeof createSinkMetrics>;
