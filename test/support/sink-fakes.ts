// Fakes for the sink's batch handler in unit tests: an Elasticsearch answering from a table, a producer that fails
// on demand, a group control, and the handler wired with the real dead-letter publisher and metrics.
import type { Logger } from '../../common/logger.js';
import type { LogEvent } from '../../common/event.js';
import type { BatchControl, InRecord } from '../../kafka/consumer.js';
import type { Producer } from '../../kafka/producer.js';
import { createBatchHandler, type BatchHandlerDeps } from '../../sink/batch-handler.js';
import { parseDeadLetter, type DeadLetter } from '../../sink/dead-letter.js';
import { createDeadLetterPublisher, type DeadLetterPublisherOptions } from '../../sink/dlq-publisher.js';
import type { BulkItemResult, BulkOutcome, Es } from '../../sink/es-client.js';
import { createLimiter } from '../../sink/indexer.js';
import { createSinkMetrics } from '../../sink/metrics.js';

export const TOPIC = 'logs';
export const PARTITION = 3;

/**
 * Per log offset, the item answers of successive attempts (the last one repeats; 201 when none). `requests` answers
 * whole requests first, one per request, before the table is consulted. `hang(offset)` holds a request holding that
 * record until its signal aborts.
 */
export type ItemAnswer = number | BulkItemResult;
export function fakeEs(
  table: Record<number, ItemAnswer[]> = {},
  o: { requests?: BulkOutcome[]; hang?: (offset: number) => boolean; delayMs?: number } = {},
) {
  const calls: number[][] = [];
  const attempts = new Map<number, number>();
  const es = {
    async bulk(body: string, signal?: AbortSignal): Promise<BulkOutcome> {
      const lines = body.trim().split('\n');
      const offsets = lines.filter((_, i) => i % 2 === 1).map((l) => (JSON.parse(l) as LogEvent).log.offset);
      calls.push(offsets);
      if (o.delayMs) await new Promise((r) => setTimeout(r, o.delayMs));
      if (o.hang && offsets.some(o.hang)) {
        await new Promise<void>((resolve) => (signal?.aborted ? resolve() : signal?.addEventListener('abort', () => resolve())));
        return { kind: 'request_failed', status: 0, reason: 'aborted' };
      }
      const whole = o.requests?.shift();
      if (whole) return whole;
      const items = offsets.map((off) => {
        const n = attempts.get(off) ?? 0;
        attempts.set(off, n + 1);
        const answers = table[off] ?? [201];
        const a = answers[Math.min(n, answers.length - 1)];
        return typeof a === 'number' ? { status: a } : a;
      });
      return { kind: 'items', items };
    },
  } as unknown as Es;
  return { es, calls };
}

/** A producer whose first `failures` sends (or connects) throw. Shared state across the producers the publisher makes. */
export function fakeKafka(failures = 0, o: { failConnect?: boolean } = {}) {
  const sent: DeadLetter[] = [];
  let made = 0;
  let disconnected = 0;
  let left = failures;
  const fail = () => {
    if (left === Infinity || left-- > 0) throw new Error('broker went away');
  };
  const newProducer = (): Producer => {
    made++;
    return {
      connect: async () => (o.failConnect ? fail() : undefined),
      send: async (_topic, messages) => {
        if (!o.failConnect) fail();
        for (const m of messages) sent.push(parseDeadLetter(m.value)!);
      },
      disconnect: async () => void disconnected++,
    };
  };
  return { sent, newProducer, stats: () => ({ made, disconnected }) };
}

export function fakeCtl(o: { refuseHeartbeat?: () => boolean; active?: () => boolean; refuseCommit?: boolean } = {}) {
  const commits: string[] = [];
  let heartbeats = 0;
  const ctl: BatchControl = {
    heartbeat: async () => {
      heartbeats++;
      if (o.refuseHeartbeat?.()) throw Object.assign(new Error('The group is rebalancing'), { type: 'REBALANCE_IN_PROGRESS' });
    },
    active: () => o.active?.() ?? true,
    commit: async (offset) => {
      if (o.refuseCommit) throw new Error('refused');
      commits.push(offset);
    },
  };
  return { ctl, commits, heartbeats: () => heartbeats };
}

export function silentLog(): Logger {
  const nop = () => undefined;
  return { error: nop, warn: nop, info: nop, debug: nop, trace: nop, fatal: nop } as unknown as Logger;
}

/** The batch handler on `esFake.es`, its dead letters through the real publisher onto `kafka`, with real metrics. */
export function setup(
  esFake: { es: Es },
  kafka = fakeKafka(),
  extra: Partial<BatchHandlerDeps> = {},
  dlqExtra: Partial<DeadLetterPublisherOptions> = {},
) {
  const metrics = createSinkMetrics(silentLog());
  const stop = new AbortController();
  const dlq = createDeadLetterPublisher({
    topic: 'logs-dlq',
    newProducer: kafka.newProducer,
    retryInitialMs: 1,
    retryMaxMs: 5,
    onFailure: (err, attempt) => metrics.deadLetterPublishFailed(err, attempt),
    onCut: (...a) => metrics.deadLetterCut(...a),
    onTooLarge: (...a) => metrics.deadLetterTooLarge(...a),
    onUnpublishable: (...a) => metrics.deadLetterUnpublishable(...a),
    ...dlqExtra,
  });
  const esState = { healthy: true, error: '' };
  const worker = createBatchHandler({
    es: esFake.es,
    publishDeadLetters: dlq.publish,
    metrics,
    esState,
    indexPrefix: 'logs',
    bulk: { maxDocs: 2, maxBytes: 1 << 20, concurrency: 1 },
    retryInitialMs: 1,
    retryMaxMs: 5,
    limit: createLimiter(1),
    heartbeatEveryMs: 10,
    commitEveryMs: 1e9,
    stopSignal: stop.signal,
    ...extra,
  });
  const value = async (name: string, labels: Record<string, string> = {}) => {
    const m = (await metrics.registry.getMetricsAsJSON()).find((x) => x.name === name);
    const v = m?.values.find((x) => Object.entries(labels).every(([k, l]) => x.labels[k] === l));
    return v?.value ?? 0;
  };
  return {
    worker,
    metrics,
    stop,
    esState,
    value,
    run: (recs: InRecord[], ctl: BatchControl) => worker.handle(TOPIC, PARTITION, recs, ctl),
  };
}
