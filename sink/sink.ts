// The sink's wiring: Kafka group -> decode -> bulk index -> per-item fate -> DLQ -> commit.
import { kafkaClientOptions } from '../kafka/options.js';
import { backoffMs, sleep } from '../common/backoff.js';
import { decodeEvent } from '../common/event.js';
import { errorMessage, LogshipError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { startHealthServer, type HealthServer, type Readiness } from '../common/health-server.js';
import type { Config } from '../config/types.js';
import { createKafkaProducer, type Producer } from '../kafka/producer.js';
import { ensureTopics } from '../kafka/admin.js';
import { fatalKafkaReporter, kafkaAuthProblem, kafkaError } from '../kafka/errors.js';
import type { IndexItem } from './bulk.js';
import { createCommitTracker } from './commit-tracker.js';
import { makeDeadLetter, type DeadLetter } from './dead-letter.js';
import { createEs, type Es } from './es-client.js';
import { createLimiter, indexAll } from './indexer.js';
import { indexTemplate, templateName } from './index-template.js';
import { createGroupConsumer, type BatchControl, type GroupConsumer, type InRecord } from '../kafka/consumer.js';
import { createSinkMetrics, type BatchAbort, type SinkMetrics } from './metrics.js';
import { deleteExpiredIndices } from './retention.js';

export interface Sink {
  start(): Promise<void>;
  stop(graceMs?: number): Promise<void>;
  readonly metrics: SinkMetrics;
  readonly metricsAddress: string | undefined;
}

export interface SinkDeps {
  log: Logger;
  es?: Es;
  /**
   * Kafka refused the credentials or the certificate after the sink started (LOGSHIP_ERR_KAFKA_AUTH): retrying
   * cannot help. Called once; the CLI stops the sink and exits 78. Without it the sink logs and keeps retrying.
   */
  onFatal?: (err: LogshipError) => void;
}

export function createSink(cfg: Config, deps: SinkDeps): Sink {
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
  // `concurrency` bounds the bulk requests of the whole process, however many partitions are worked on at once.
  const bulkSlots = createLimiter(s.bulk.concurrency);
  const heartbeatEveryMs = Math.max(200, Math.min(1000, Math.floor(s.session_timeout_ms / 10)));
  const commitEveryMs = 1000;
  let joins = 0;
  const fatal = fatalKafkaReporter(cfg.kafka.brokers, log, deps.onFatal);

  async function publishDeadLetters(letters: DeadLetter[], signal: AbortSignal): Promise<boolean> {
    if (letters.length === 0) return true;
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        if (!dlq) {
          dlq = createKafkaProducer(kafkaClientOptions(cfg, 'sink-dlq'), log);
          await dlq.connect();
        }
        await dlq.send(
          cfg.kafka.dlq_topic,
          letters.map((d) => ({ key: d.source.key, value: Buffer.from(JSON.stringify(d)) })),
        );
        return true;
      } catch (err) {
        fatal(err);
        metrics.deadLetterPublishFailed(err, attempt);
        const old = dlq;
        dlq = undefined;
        await old?.disconnect().catch(() => undefined);
        await sleep(backoffMs(attempt, s.retry_initial_ms, s.retry_max_ms), signal);
      }
    }
    return false;
  }

  async function handle(topic: string, partition: number, records: InRecord[], ctl: BatchControl) {
    active++;
    metrics.received(records.length);
    const batchCtl = new AbortController();
    const abort = (why: BatchAbort, err?: unknown) => {
      if (batchCtl.signal.aborted) return;
      metrics.batchLeftUnfinished(partition, why, err);
      batchCtl.abort();
    };
    const onStop = () => abort('shutdown');
    if (stopCtl.signal.aborted) onStop();
    stopCtl.signal.addEventListener('abort', onStop, { once: true });
    // Heartbeat for as long as the batch is in hand (bulk requests, backoff waits, dead-letter publishes), so a slow or
    // absent Elasticsearch never costs the membership: a session timeout would rebalance, re-deliver, and time out
    // again. When the group rebalances anyway, the heartbeat says so: stop, commit what is done, let the partition go.
    let beating = false;
    const ticker = setInterval(() => {
      if (!ctl.active()) return abort('partition_reassigned');
      if (beating) return;
      beating = true;
      ctl.heartbeat().then(
        () => (beating = false),
        (err) => {
          beating = false;
          abort('heartbeat_refused', err);
        },
      );
    }, heartbeatEveryMs);
    const tracker = createCommitTracker(records.map((r) => r.offset));
    const markDone = (offset: string) => tracker.done(offset);
    let committed = -1; // index of the last record this batch committed past
    let lastCommitAt = Date.now();
    let committing: Promise<void> | undefined;
    // A long batch commits its done prefix as it goes (at most every commitEveryMs), so a crash or a rebalance in the
    // middle re-delivers seconds of work rather than the whole batch.
    const commitProgress = () => {
      const upTo = tracker.upTo();
      if (!upTo || upTo.index <= committed || committing || batchCtl.signal.aborted || Date.now() - lastCommitAt < commitEveryMs) return;
      lastCommitAt = Date.now();
      committing = ctl
        .commit(upTo.offset)
        .then(
          () => {
            committed = Math.max(committed, upTo.index);
          },
          (err) => abort('commit_refused', err),
        )
        .finally(() => (committing = undefined));
    };
    try {
      const items: IndexItem[] = [];
      const letters: DeadLetter[] = [];
      for (const r of records) {
        const key = r.key ? r.key.toString('utf8') : null;
        try {
          const event = decodeEvent(r.value);
          items.push({ event, ref: { partition, offset: r.offset }, raw: r.value!, key });
        } catch (err) {
          const reason = err instanceof LogshipError ? err.message : errorMessage(err);
          letters.push(
            makeDeadLetter({ raw: r.value, reason, stage: 'decode', errorType: 'decode_error', topic, partition, offset: r.offset, key }),
          );
        }
      }
      // Undecodable records first, so they do not hold the commit back while the rest is indexed.
      if (await publishDeadLetters(letters, batchCtl.signal)) {
        for (const l of letters) {
          metrics.deadLettered(l.stage, l.reason, partition, l.source.offset);
          markDone(l.source.offset);
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
        limit: bulkSlots,
        signal: batchCtl.signal,
        onBulk: (docs, ms, outcome) => {
          metrics.bulk(docs, ms, outcome);
          if (outcome === 'retry_all') {
            esHealthy = false;
          } else {
            esHealthy = true;
            esError = '';
          }
        },
        onSettled: (settled, created, duplicate) => {
          metrics.indexed(created, duplicate);
          for (const it of settled) markDone(it.ref.offset);
          commitProgress();
        },
        onRetry: (n, refusedItems, reason, attempt) => {
          esError = reason;
          metrics.retrying(n, refusedItems, reason, attempt);
        },
      });
      const refused = res.dead.map((d) =>
        makeDeadLetter({
          raw: d.item.raw,
          reason: d.reason,
          stage: 'index',
          errorType: d.errorType,
          status: d.status,
          topic,
          partition,
          offset: d.item.ref.offset,
          key: d.item.key,
          eventId: d.item.event.event.id,
        }),
      );
      if (await publishDeadLetters(refused, batchCtl.signal)) {
        for (const l of refused) {
          metrics.deadLettered(l.stage, l.reason, partition, l.source.offset);
          markDone(l.source.offset);
        }
      }
      await committing;
      // Unfinished records (aborted) are not done: the commit stops before the first of them.
      const upTo = tracker.upTo();
      return { commitUpTo: upTo && upTo.index > committed ? upTo.offset : undefined };
    } finally {
      clearInterval(ticker);
      metrics.finished(records.length, records.length - tracker.count());
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
        metrics.elasticsearchUnreachable(err, attempt);
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
      if (stopCtl.signal.aborted) return; // stopped while waiting for Elasticsearch
      await ensureTopics(clientOpts, log, [
        { topic: cfg.kafka.topic, partitions: cfg.kafka.topic_partitions },
        { topic: cfg.kafka.dlq_topic, partitions: 1 },
      ]).catch((err) => {
        // Wrong credentials or CA fail the start (exit 78) rather than a consumer that can never join.
        if (err instanceof LogshipError && err.code === 'LOGSHIP_ERR_KAFKA_AUTH') throw err;
        metrics.topicCheckFailed(err);
      });
      consumer = createGroupConsumer(
        clientOpts,
        {
          groupId: s.group_id,
          topic: cfg.kafka.topic,
          fromBeginning: s.from_beginning,
          sessionTimeoutMs: s.session_timeout_ms,
          concurrency: s.bulk.concurrency,
          maxWaitMs: Math.max(10, s.bulk.linger_ms),
          onCommitted: (partition, offset, lag) => {
            metrics.committed(partition, offset);
            metrics.setLag(new Map([[partition, lag]]));
          },
          onFault: metrics.consumerFault,
        },
        log,
      );
      consumer.onEvent('rebalancing', () => metrics.rebalanceStarted());
      // Every join after the first is a rebalance this member went through (one another member started, or our
      // session expired and we rejoined); counted on joins because kafkajs reports the second kind on no other event.
      consumer.onEvent('joined', (p) => {
        if (joins++ > 0) metrics.rejoined();
        log.info({ assignment: p.memberAssignment, generation_member: p.memberId }, 'joined the consumer group');
      });
      consumer.onEvent('crash', (p) => {
        const error = (p as { error?: unknown }).error;
        if (!fatal(error)) metrics.consumerCrashed(error, p.restart);
      });
      await consumer.start(handle).catch((err) => {
        throw kafkaAuthProblem(err) ? kafkaError(err, cfg.kafka.brokers) : err;
      });
      if (cfg.elasticsearch.retention_days > 0) {
        const run = () =>
          deleteExpiredIndices(es, cfg.elasticsearch.index_prefix, cfg.elasticsearch.retention_days, new Date(), log).catch(
            metrics.retentionFailed,
          );
        void run();
        retentionTimer = setInterval(run, 3_600_000);
      }
      log.info({ group: s.group_id, topic: cfg.kafka.topic, es: cfg.elasticsearch.url, metrics: health?.address }, 'sink started');
    },
    async stop(graceMs = s.shutdown_grace_ms) {
      if (retentionTimer) clearInterval(retentionTimer);
      // No new batches from here on; the consumer leaves the group once the batches in hand have returned.
      const leaving = consumer?.stop();
      const until = Date.now() + graceMs;
      while (active > 0 && Date.now() < until) await sleep(50);
      // What is still unfinished is abandoned, not committed: the next owner re-delivers it (409s). What the
      // aborted batches did finish is still committed before the group is left.
      const abandoned = metrics.inflight;
      stopCtl.abort();
      await leaving;
      await dlq?.disconnect().catch(() => undefined);
      await es.close().catch(() => undefined);
      await health?.close();
      log.info({ in_flight_abandoned: abandoned }, 'sink stopped');
    },
  };
}
