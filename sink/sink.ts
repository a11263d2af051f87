// The sink's wiring: Kafka group -> decode -> bulk index -> per-item fate -> DLQ -> commit.
import { kafkaClientOptions } from '../common/kafka-options.js';
import { backoffMs, sleep } from '../common/backoff.js';
import { decodeEvent } from '../common/event.js';
import { errorMessage, LogshipError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { startHealthServer, type HealthServer, type Readiness } from '../common/health-server.js';
import type { Config } from '../config/types.js';
import { createKafkaProducer, ensureTopics, type Producer } from '../agent/kafka-producer.js';
import type { IndexItem } from './bulk.js';
import { committableUpTo } from './commit-tracker.js';
import { makeDeadLetter, type DeadLetter } from './dead-letter.js';
import { createEs, type Es } from './es-client.js';
import { indexAll } from './indexer.js';
import { indexTemplate, templateName } from './index-template.js';
import { createGroupConsumer, type GroupConsumer, type InRecord } from './kafka-consumer.js';
import { createSinkMetrics, type SinkMetrics } from './sink-metrics.js';
import { deleteExpiredIndices } from './retention.js';

export interface Sink {
  start(): Promise<void>;
  stop(graceMs?: number): Promise<void>;
  readonly metrics: SinkMetrics;
  readonly metricsAddress: string | undefined;
}

export function createSink(cfg: Config, deps: { log: Logger; es?: Es }): Sink {
  const log = deps.log;
  const metrics = createSinkMetrics(log);
  const es = deps.es ?? createEs(cfg);
  const s = cfg.sink;
  const clientOpts = kafkaClientOptions(cfg, 'sink');
  let consumer: GroupConsumer | undefined;
  let dlq: Producer | undefined;
  let health: HealthServer | undefined;
  const stopCtl = new AbortController();
  let active = 0;
  let esHealthy = true;
  let esError = '';
  let retentionTimer: NodeJS.Timeout | undefined;

  async function publishDeadLetters(letters: DeadLetter[], signal: AbortSignal): Promise<boolean> {
    if (letters.length === 0) return true;
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        if (!dlq) {
          dlq = createKafkaProducer(kafkaClientOptions(cfg, 'sink-dlq'), log);
          await dlq.connect();
        }
        await dlq.send(cfg.kafka.dlq_topic, letters.map((d) => ({ key: d.source.key, value: Buffer.from(JSON.stringify(d)) })));
        return true;
      } catch (err) {
        log.warn({ err: errorMessage(err), attempt }, 'dead-letter publish failed, retrying');
        const old = dlq;
        dlq = undefined;
        await old?.disconnect().catch(() => undefined);
        await sleep(backoffMs(attempt, s.retry_initial_ms, s.retry_max_ms), signal);
      }
    }
    return false;
  }

  async function handle(topic: string, partition: number, records: InRecord[], ctl: { heartbeat(): Promise<void>; active(): boolean }) {
    active++;
    metrics.received(records.length);
    const batchCtl = new AbortController();
    const onStop = () => batchCtl.abort();
    stopCtl.signal.addEventListener('abort', onStop, { once: true });
    const done = new Set<string>();
    try {
      const items: IndexItem[] = [];
      const letters: DeadLetter[] = [];
      const letterOffsets: string[] = [];
      for (const r of records) {
        const key = r.key ? r.key.toString('utf8') : null;
        try {
          const event = decodeEvent(r.value);
          items.push({ event, ref: { partition, offset: r.offset }, raw: r.value! });
        } catch (err) {
          const reason = err instanceof LogshipError ? err.message : errorMessage(err);
          letters.push(makeDeadLetter({ raw: r.value, reason, stage: 'decode', errorType: 'decode_error', topic, partition, offset: r.offset, key }));
          letterOffsets.push(r.offset);
        }
      }
      const res = await indexAll(items, {
        es,
        indexPrefix: cfg.elasticsearch.index_prefix,
        maxDocs: s.bulk.max_docs,
        maxBytes: s.bulk.max_bytes,
        concurrency: s.bulk.concurrency,
        retryInitialMs: s.retry_initial_ms,
        retryMaxMs: s.retry_max_ms,
        signal: batchCtl.signal,
        keepAlive: async () => {
          if (!ctl.active()) return batchCtl.abort();
          try {
            await ctl.heartbeat();
          } catch (err) {
            // The group is rebalancing: stop, commit what is done, let the partition go.
            log.info({ partition, err: errorMessage(err) }, 'heartbeat refused during retries; handing the partition back');
            batchCtl.abort();
          }
        },
        onBulk: (docs, ms, outcome) => {
          metrics.bulk(docs, ms, outcome);
          if (outcome === 'retry_all') {
            esHealthy = false;
          } else {
            esHealthy = true;
            esError = '';
          }
        },
        onRetry: (n, reason, attempt) => {
          esError = reason;
          metrics.retrying(n, reason, attempt);
        },
      });
      metrics.indexed(res.created, res.duplicate);
      const unfinished = new Set(res.unfinished.map((i) => i.ref.offset));
      for (const d of res.dead) {
        letters.push(
          makeDeadLetter({
            raw: d.item.raw, reason: d.reason, stage: 'index', errorType: d.errorType, status: d.status, topic, partition,
            offset: d.item.ref.offset, key: d.item.event.host.name, eventId: d.item.event.event.id,
          }),
        );
        letterOffsets.push(d.item.ref.offset);
      }
      const published = await publishDeadLetters(letters, batchCtl.signal);
      if (published) for (const l of letters) metrics.deadLettered(l.stage, l.reason, partition, l.source.offset);
      for (const r of records) {
        if (unfinished.has(r.offset)) continue;
        if (!published && letterOffsets.includes(r.offset)) continue;
        done.add(r.offset);
      }
      const upTo = committableUpTo(
        records.map((r) => r.offset),
        (o) => done.has(o),
      );
      if (upTo !== undefined) metrics.committed(partition, upTo);
      return { commitUpTo: upTo };
    } finally {
      metrics.finished(records.length);
      metrics.setLag(consumer?.lag() ?? new Map());
      stopCtl.signal.removeEventListener('abort', onStop);
      active--;
    }
  }

  async function installTemplate() {
    for (let attempt = 0; !stopCtl.signal.aborted; attempt++) {
      try {
        await es.putIndexTemplate(templateName(cfg), indexTemplate(cfg));
        log.info({ template: templateName(cfg), pattern: `${cfg.elasticsearch.index_prefix}-*` }, 'index template installed');
        esHealthy = true;
        return;
      } catch (err) {
        if (err instanceof LogshipError && !err.retriable) throw err;
        esHealthy = false;
        esError = errorMessage(err);
        log.warn({ err: esError, attempt }, 'Elasticsearch not reachable; waiting before consuming');
        await sleep(backoffMs(attempt, s.retry_initial_ms, s.retry_max_ms), stopCtl.signal);
      }
    }
  }

  function readiness(): Readiness {
    const reasons: string[] = [];
    if (!consumer?.connected) reasons.push('kafka: consumer not connected');
    if (!esHealthy) reasons.push(`elasticsearch: ${esError || 'not reachable'}`);
    return { ready: reasons.length === 0, reasons };
  }

  return {
    metrics,
    get metricsAddress() {
      return health?.address;
    },
    async start() {
      if (s.metrics_listen) health = await startHealthServer(s.metrics_listen, metrics.registry, readiness);
      await installTemplate();
      await ensureTopics(clientOpts, log, [
        { topic: cfg.kafka.topic, partitions: cfg.kafka.topic_partitions },
        { topic: cfg.kafka.dlq_topic, partitions: 1 },
      ]).catch((err) => log.warn({ err: errorMessage(err) }, 'could not check topics; consuming anyway'));
      consumer = createGroupConsumer(
        clientOpts,
        { groupId: s.group_id, topic: cfg.kafka.topic, fromBeginning: s.from_beginning, sessionTimeoutMs: s.session_timeout_ms, concurrency: s.bulk.concurrency, maxWaitMs: Math.max(10, s.bulk.linger_ms) },
        log,
      );
      consumer.onEvent('rebalancing', () => metrics.rebalancing());
      consumer.onEvent('crash', (p) => log.warn({ err: String((p as { error?: unknown }).error) }, 'consumer crashed; restarting'));
      await consumer.start(handle);
      if (cfg.elasticsearch.retention_days > 0) {
        const run = () => deleteExpiredIndices(es, cfg.elasticsearch.index_prefix, cfg.elasticsearch.retention_days, new Date(), log).catch(() => undefined);
        void run();
        retentionTimer = setInterval(run, 3_600_000);
      }
      log.info({ group: s.group_id, topic: cfg.kafka.topic, es: cfg.elasticsearch.url, metrics: health?.address }, 'sink started');
    },
    async stop(graceMs = s.shutdown_grace_ms) {
      if (retentionTimer) clearInterval(retentionTimer);
      const until = Date.now() + graceMs;
      while (active > 0 && Date.now() < until) await sleep(50);
      stopCtl.abort(); // what is still unfinished is not committed: the next owner re-delivers it
      await consumer?.stop();
      await dlq?.disconnect().catch(() => undefined);
      await es.close().catch(() => undefined);
      await health?.close();
      log.info({ in_flight_abandoned: metrics.inflight }, 'sink stopped');
    },
  };
}
