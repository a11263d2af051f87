// The sink's wiring: Kafka group -> batch handler (decode, bulk index, per-item fate, DLQ, commit) -> Elasticsearch.
import { sleep } from '../common/backoff.js';
import { LogshipError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { startHealthServer, type HealthServer, type Readiness } from '../common/health-server.js';
import { displayUrl } from '../common/redact.js';
import { secretsOf } from '../config/secrets.js';
import type { Config } from '../config/types.js';
import { ensureTopics, topicMaxMessageBytes } from '../kafka/admin.js';
import { createGroupConsumer, type GroupConsumer } from '../kafka/consumer.js';
import { fatalKafkaReporter, kafkaAuthProblem, kafkaError } from '../kafka/errors.js';
import { kafkaClientOptions } from '../kafka/options.js';
import { createKafkaProducer } from '../kafka/producer.js';
import { createBatchHandler, type EsState } from './batch-handler.js';
import { createDeadLetterPublisher } from './dlq-publisher.js';
import { createEs, type Es } from './es-client.js';
import { createLimiter } from './indexer.js';
import { createSinkMetrics, type SinkMetrics } from './metrics.js';
import { scheduleRetention } from './retention.js';
import { installTemplateWhenReachable } from './template-install.js';

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
  const fatal = fatalKafkaReporter(cfg.kafka.brokers, log, deps.onFatal);
  const stopCtl = new AbortController();
  const esState: EsState = { healthy: true, error: '' };
  let consumer: GroupConsumer | undefined;
  let health: HealthServer | undefined;
  let stopRetention: (() => void) | undefined;
  let joins = 0;

  const dlq = createDeadLetterPublisher({
    topic: cfg.kafka.dlq_topic,
    newProducer: () => createKafkaProducer(kafkaClientOptions(cfg, 'sink-dlq'), log),
    retryInitialMs: s.retry_initial_ms,
    retryMaxMs: s.retry_max_ms,
    onFailure: (err, attempt) => {
      fatal(err);
      metrics.deadLetterPublishFailed(err, attempt);
    },
    readMaxMessageBytes: () => topicMaxMessageBytes(clientOpts, log, cfg.kafka.dlq_topic),
    onCut: (...a) => metrics.deadLetterCut(...a),
    onTooLarge: (...a) => metrics.deadLetterTooLarge(...a),
    onUnpublishable: (...a) => metrics.deadLetterUnpublishable(...a),
  });
  const batches = createBatchHandler({
    es,
    publishDeadLetters: dlq.publish,
    metrics,
    esState,
    indexPrefix: cfg.elasticsearch.index_prefix,
    bulk: { maxDocs: s.bulk.max_docs, maxBytes: s.bulk.max_bytes, concurrency: s.bulk.concurrency },
    retryInitialMs: s.retry_initial_ms,
    retryMaxMs: s.retry_max_ms,
    // `concurrency` bounds the bulk requests of the whole process, however many partitions are worked on at once.
    limit: createLimiter(s.bulk.concurrency),
    heartbeatEveryMs: Math.max(200, Math.min(1000, Math.floor(s.session_timeout_ms / 10))),
    commitEveryMs: 1000,
    stopSignal: stopCtl.signal,
  });

  function readiness(): Readiness {
    const reasons: string[] = [];
    if (!consumer?.connected) reasons.push('kafka: consumer not connected');
    if (!esState.healthy) reasons.push(`elasticsearch: ${esState.error || 'not reachable'}`);
    return { ready: reasons.length === 0, reasons };
  }

  return {
    metrics,
    get metricsAddress() {
      return health?.address;
    },
    async start() {
      if (s.metrics_listen) health = await startHealthServer(s.metrics_listen, metrics.registry, readiness, { secrets: secretsOf(cfg) });
      await installTemplateWhenReachable(es, cfg, {
        log,
        esState,
        signal: stopCtl.signal,
        onUnreachable: (...a) => metrics.elasticsearchUnreachable(...a),
      });
      if (stopCtl.signal.aborted) return; // stopped while waiting for Elasticsearch
      await ensureTopics(clientOpts, log, [
        { topic: cfg.kafka.topic, partitions: cfg.kafka.topic_partitions },
        { topic: cfg.kafka.dlq_topic, partitions: 1 },
      ]).catch((err) => {
        // Wrong credentials or CA fail the start (exit 78) rather than a consumer that can never join.
        if (err instanceof LogshipError && err.code === 'LOGSHIP_ERR_KAFKA_AUTH') throw err;
        metrics.topicCheckFailed(err);
      });
      // Letters are cut to fit the DLQ topic's own limit; until it is read (or when it cannot be), Kafka's default
      // (1 MiB) is assumed, and a letter refused as too large makes the publisher read it again. Read in the
      // background: with Kafka slow or away, waiting for it here would hold back the consumer's own connect retries.
      void topicMaxMessageBytes(clientOpts, log, cfg.kafka.dlq_topic).then(
        (maxLetter) => {
          if (maxLetter !== undefined) dlq.setMaxMessageBytes(maxLetter);
        },
        (err) => void metrics.topicCheckFailed(err),
      );
      consumer = createGroupConsumer(
        clientOpts,
        {
          groupId: s.group_id,
          topic: cfg.kafka.topic,
          fromBeginning: s.from_beginning,
          sessionTimeoutMs: s.session_timeout_ms,
          concurrency: s.bulk.concurrency,
          maxWaitMs: Math.max(10, s.bulk.linger_ms),
          maxDecompressedBatchBytes: s.max_decompressed_batch_bytes,
          onCommitted: (partition, offset, lag) => {
            metrics.committed(partition, offset);
            metrics.setLag(new Map([[partition, lag]]));
          },
          onFault: (...a) => metrics.consumerFault(...a),
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
      await consumer.start(batches.handle).catch((err) => {
        throw kafkaAuthProblem(err) ? kafkaError(err, cfg.kafka.brokers) : err;
      });
      const e = cfg.elasticsearch;
      if (e.retention_days > 0)
        stopRetention = scheduleRetention(es, e.index_prefix, e.retention_days, log, (...a) => metrics.retentionFailed(...a));
      log.info(
        {
          group: s.group_id,
          topic: cfg.kafka.topic,
          es: displayUrl(e.url),
          metrics: health?.address,
          dlq_max_message_bytes: dlq.maxMessageBytes,
        },
        'sink started',
      );
    },
    async stop(graceMs = s.shutdown_grace_ms) {
      stopRetention?.();
      // No new batches from here on; the consumer leaves the group once the batches in hand have returned.
      const leaving = consumer?.stop();
      const until = Date.now() + graceMs;
      while (batches.active > 0 && Date.now() < until) await sleep(50);
      // What is still unfinished is abandoned, not committed: the next owner re-delivers it (409s). What the
      // aborted batches did finish is still committed before the group is left.
      const abandoned = metrics.inflight;
      stopCtl.abort();
      await leaving;
      await dlq.close();
      await es.close().catch(() => undefined);
      await health?.close();
      log.info({ in_flight_abandoned: abandoned }, 'sink stopped');
    },
  };
}
