// One partition batch from start to end: decode, dead-letter what cannot be decoded, bulk-index the rest, dead-letter
// what Elasticsearch refused, and commit only past records that are done (indexed, duplicate or dead-lettered).
// The group is heartbeaten for as long as the batch is in hand; a long batch commits its done prefix as it goes.
import type { BatchControl, BatchHandler, InRecord } from '../kafka/consumer.js';
import { createCommitTracker } from './commit-tracker.js';
import { makeDeadLetter, type DeadLetter } from './dead-letter.js';
import type { PublishDeadLetters } from './dlq-publisher.js';
import type { Es } from './es-client.js';
import { indexAll, type Limiter } from './indexer.js';
import type { BatchAbort, SinkMetrics } from './metrics.js';
import { decodeBatch } from './record-decoder.js';

/** What the bulk answers say about Elasticsearch, for /readyz: shared with the sink's wiring. */
export interface EsState {
  healthy: boolean;
  error: string;
}

export interface BatchHandlerDeps {
  es: Es;
  publishDeadLetters: PublishDeadLetters;
  metrics: SinkMetrics;
  esState: EsState;
  indexPrefix: string;
  bulk: { maxDocs: number; maxBytes: number; concurrency: number };
  retryInitialMs: number;
  retryMaxMs: number;
  /** Shared by every partition's batch: bounds the bulk requests of the whole process. */
  limit: Limiter;
  heartbeatEveryMs: number;
  /** How often a batch commits its done prefix while it goes on. */
  commitEveryMs: number;
  /** Aborted when the shutdown grace is over: batches in hand stop, and commit only what they finished. */
  stopSignal: AbortSignal;
  now?: () => number;
}

export interface BatchWorker {
  handle: BatchHandler;
  /** Batches in hand. */
  readonly active: number;
}

/**
 * Heartbeats the group every `everyMs` while the batch is in hand (bulk requests, backoff waits, dead-letter publishes),
 * so a slow or absent Elasticsearch never costs the membership: a session timeout would rebalance, re-deliver, and time
 * out again. When the group rebalances anyway the heartbeat says so: the batch stops. Returns the stop function.
 */
function heartbeatWhileInHand(ctl: BatchControl, everyMs: number, abort: (why: BatchAbort, err?: unknown) => void): () => void {
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
  }, everyMs);
  return () => clearInterval(ticker);
}

export function createBatchHandler(d: BatchHandlerDeps): BatchWorker {
  const { metrics, esState } = d;
  const now = d.now ?? Date.now;
  let active = 0;

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
    if (d.stopSignal.aborted) onStop();
    d.stopSignal.addEventListener('abort', onStop, { once: true });
    const stopHeartbeat = heartbeatWhileInHand(ctl, d.heartbeatEveryMs, abort);
    const tracker = createCommitTracker(records.map((r) => r.offset));
    let committed = -1; // index of the last record this batch committed past
    let lastCommitAt = now();
    let committing: Promise<void> | undefined;
    // A long batch commits its done prefix as it goes (at most every commitEveryMs), so a crash or a rebalance in the
    // middle re-delivers seconds of work rather than the whole batch.
    const commitProgress = () => {
      const upTo = tracker.upTo();
      if (!upTo || upTo.index <= committed || committing || batchCtl.signal.aborted || now() - lastCommitAt < d.commitEveryMs) return;
      lastCommitAt = now();
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
    // Done once Kafka acknowledged them; when the batch is given up first they stay undone (not committed).
    const deadLetter = async (letters: DeadLetter[]) => {
      if (letters.length === 0 || !(await d.publishDeadLetters(letters, batchCtl.signal))) return;
      for (const l of letters) {
        metrics.deadLettered(l.stage, l.reason, partition, l.source.offset);
        tracker.done(l.source.offset);
      }
    };
    try {
      const { items, letters } = decodeBatch(topic, partition, records, d.indexPrefix);
      // Undecodable records first, so they do not hold the commit back while the rest is indexed.
      await deadLetter(letters);
      const res = await indexAll(items, {
        es: d.es,
        indexPrefix: d.indexPrefix,
        ...d.bulk,
        retryInitialMs: d.retryInitialMs,
        retryMaxMs: d.retryMaxMs,
        limit: d.limit,
        signal: batchCtl.signal,
        onBulk: (docs, ms, outcome) => {
          metrics.bulk(docs, ms, outcome);
          esState.healthy = outcome !== 'retry_all';
          if (esState.healthy) esState.error = '';
        },
        onSettled: (settled, created, duplicate) => {
          metrics.indexed(created, duplicate);
          for (const it of settled) tracker.done(it.ref.offset);
          commitProgress();
        },
        onRetry: (n, refusedItems, reason, attempt) => {
          esState.error = reason;
          metrics.retrying(n, refusedItems, reason, attempt);
        },
      });
      await deadLetter(
        res.dead.map((x) =>
          makeDeadLetter({
            raw: x.item.raw,
            reason: x.reason,
            stage: 'index',
            errorType: x.errorType,
            status: x.status,
            topic,
            partition,
            offset: x.item.ref.offset,
            key: x.item.key,
            eventId: x.item.event.event.id,
          }),
        ),
      );
      await committing;
      // Unfinished records (aborted) are not done: the commit stops before the first of them.
      const upTo = tracker.upTo();
      return { commitUpTo: upTo && upTo.index > committed ? upTo.offset : undefined };
    } finally {
      stopHeartbeat();
      metrics.finished(records.length, records.length - tracker.count());
      d.stopSignal.removeEventListener('abort', onStop);
      active--;
    }
  }

  return {
    handle,
    get active() {
      return active;
    },
  };
}
