// The sink's internal events. Accounting that must balance:
// records_consumed = documents_created + documents_duplicate + dead_lettered + records_abandoned + in flight.
// (An abandoned record, left unfinished by a rebalance or shutdown, is consumed again by its next owner.)
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from '../common/logger.js';

export function createSinkMetrics(log: Logger) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'logship_sink_' });
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
    bulk(docs: number, ms: number, outcome: string) {
      bulks.inc({ outcome });
      latency.observe(ms / 1000);
    },
    retrying(items: number, refusedItems: number, reason: string, attempt: number) {
      if (refusedItems > 0) retried.inc({ scope: 'item' }, refusedItems);
      if (items > refusedItems) retried.inc({ scope: 'request' }, items - refusedItems);
      const level = attempt === 1 || attempt % 10 === 0 ? 'warn' : 'debug';
      log[level]({ items, refused_items: refusedItems, reason, attempt }, 'retrying items Elasticsearch did not take');
    },
    committed(partition: number, offset: string) {
      commits.inc();
      log.debug({ partition, offset }, 'offset committed');
    },
    rebalancing() {
      rebalances.inc();
      log.info('consumer group rebalancing');
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
