// The sink's group consumer: batches per partition, commits only where the handler says, rejoins on group changes.
import type { Consumer as KConsumer } from 'kafkajs';
import { sleep } from '../common/backoff.js';
import type { Logger } from '../common/logger.js';
import { createKafka } from './client.js';
import { registerCodecs, setMaxDecompressedBatchBytes } from './codecs.js';
import { isGroupChange, kafkaAuthProblem, rootCause } from './errors.js';
import type { KafkaClientOptions } from './options.js';
import { refusalOf, type BatchRefusal } from './refused-batch.js';

// The batch types live in batch-types.ts (shared with partition-lanes.ts); re-exported for the sink.
export type { BatchControl, BatchHandler, InRecord } from './batch-types.js';
import type { BatchControl, BatchHandler, InRecord } from './batch-types.js';

/** A fault the consumer handled itself (it retries), for the caller to log and count. */
export type ConsumerFault =
  | { kind: 'commit_retry'; err: unknown; partition: number; offset: string; attempt: number }
  | { kind: 'restart_failed'; err: unknown; attempt: number }
  | { kind: 'connect_failed'; err: unknown; attempt: number }
  | { kind: 'disconnect_failed'; err: unknown }
  /** A compressed record batch was not decompressed: its records are handed over as refused. */
  | { kind: 'batch_refused'; partition: number; refusal: BatchRefusal };

export interface ConsumerOptions {
  groupId: string;
  topic: string;
  fromBeginning: boolean;
  sessionTimeoutMs: number;
  concurrency: number;
  maxWaitMs: number;
  /** The most one compressed record batch may decompress to; a larger one is refused (kafka/codecs.ts). */
  maxDecompressedBatchBytes?: number;
  /**
   * After the group accepted a commit: `offset` is the last record done (the committed offset is offset + 1), `lag`
   * the records behind the partition's high watermark as of the batch's fetch.
   */
  onCommitted?: (partition: number, offset: string, lag: number) => void;
  onFault: (f: ConsumerFault) => void;
}

export interface GroupConsumer {
  start(handler: BatchHandler): Promise<void>;
  /**
   * Stops taking batches at once, waits for the batches in hand to return (each commits what it finished), then
   * leaves the group so its partitions move to another member without waiting for the session timeout.
   */
  stop(): Promise<void>;
  readonly connected: boolean;
  onEvent(name: 'rebalancing' | 'joined' | 'crash', f: (info: Record<string, unknown>) => void): void;
}

export function createGroupConsumer(client: KafkaClientOptions, o: ConsumerOptions, log: Logger): GroupConsumer {
  // Bounded decompression for every codec, whoever registered the codecs (or did not).
  registerCodecs();
  if (o.maxDecompressedBatchBytes !== undefined) setMaxDecompressedBatchBytes(o.maxDecompressedBatchBytes);
  const kafka = createKafka(client, log, { retries: 8, initialRetryTime: 300, maxRetryTime: 10_000 });
  const consumer: KConsumer = kafka.consumer({
    groupId: o.groupId,
    sessionTimeout: o.sessionTimeoutMs,
    heartbeatInterval: Math.max(1000, Math.floor(o.sessionTimeoutMs / 10)),
    rebalanceTimeout: Math.max(60_000, o.sessionTimeoutMs * 2),
    maxWaitTimeInMs: o.maxWaitMs,
    maxBytesPerPartition: 4 * 1024 * 1024,
    // Crashes (broker away longer than the retries) restart the consumer instead of ending the process.
    retry: { retries: 8, restartOnFailure: async () => true },
  });
  let connected = false;
  let stopping = false;
  let restartTimer: NodeJS.Timeout | undefined;
  const stopped = new AbortController();

  async function commit(
    commitOffsetsIfNecessary: (offsets: {
      topics: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>;
    }) => Promise<void>,
    topic: string,
    partition: number,
    next: string,
  ) {
    // The group's own commit (the eachBatch payload's), not consumer.commitOffsets: that one is silently skipped once
    // consumer.stop() has begun (so SIGTERM would lose the commit of work done), and it wraps a generation change in
    // a non-retriable error that makes kafkajs crash the consumer for good instead of rejoining.
    for (let attempt = 0; ; attempt++) {
      try {
        await commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: next }] }] });
        return;
      } catch (err) {
        const cause = rootCause(err);
        // Thrown as kafkajs' own protocol error, so the runner rejoins the group (the batch is re-delivered: 409s).
        if (isGroupChange(cause)) throw cause;
        if (attempt >= 3 || cause?.retriable === false) throw err;
        o.onFault({ kind: 'commit_retry', err: cause ?? err, partition, offset: next, attempt });
        await sleep(200 * 2 ** attempt);
      }
    }
  }

  const runOptions = (handler: BatchHandler): Parameters<KConsumer['run']>[0] => ({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: o.concurrency,
    // kafkajs' payload functions are closures (no `this`), so taking them apart is safe.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    eachBatch: async ({ batch, resolveOffset, heartbeat, isStale, commitOffsetsIfNecessary }) => {
      if (batch.messages.length === 0) return;
      const seen = new Set<BatchRefusal>();
      const records: InRecord[] = batch.messages.map((m) => {
        const refused = refusalOf(m.value);
        if (!refused) return { partition: batch.partition, offset: m.offset, key: m.key, value: m.value };
        if (!seen.has(refused)) {
          seen.add(refused);
          o.onFault({ kind: 'batch_refused', partition: batch.partition, refusal: refused });
        }
        return { partition: batch.partition, offset: m.offset, key: null, value: null, refused };
      });
      let committed: bigint | undefined;
      const commitUpTo = async (upTo: string) => {
        // Commit first, then move the fetch position: a crash in between re-delivers (409s), never skips.
        const next = BigInt(upTo) + 1n;
        if (committed !== undefined && next <= committed) return;
        await commit(commitOffsetsIfNecessary, batch.topic, batch.partition, next.toString());
        committed = next;
        const lag = Math.max(0, Number(BigInt(batch.highWatermark) - next));
        resolveOffset(upTo);
        o.onCommitted?.(batch.partition, upTo, lag);
      };
      // Not tied to isRunning(): on stop, the sink decides how long a batch in hand may finish (shutdown grace).
      const ctl: BatchControl = {
        heartbeat,
        active: () => !isStale(),
        commit: async (upTo) => {
          if (isStale()) throw new Error('the partition was reassigned');
          await commitUpTo(upTo);
        },
      };
      const { commitUpTo: last } = await handler(batch.topic, batch.partition, records, ctl);
      // Records not resolved here are fetched again from the last resolved offset: unfinished work is re-delivered.
      if (last === undefined || isStale()) return;
      await commitUpTo(last);
    },
  });

  async function restart(handler: BatchHandler, attempt: number): Promise<void> {
    if (stopping) return;
    try {
      await consumer.connect();
      await consumer.run(runOptions(handler));
      log.info({ attempt }, 'consumer restarted after a crash');
    } catch (err) {
      o.onFault({ kind: 'restart_failed', err, attempt });
      restartTimer = setTimeout(() => void restart(handler, attempt + 1), Math.min(30_000, 1000 * 2 ** Math.min(attempt, 5)));
    }
  }

  return {
    get connected() {
      return connected;
    },
    onEvent(name, f) {
      const ev = {
        rebalancing: consumer.events.REBALANCING,
        joined: consumer.events.GROUP_JOIN,
        crash: consumer.events.CRASH,
      }[name];
      consumer.on(ev, (e: { payload: Record<string, unknown> }) => f(e.payload));
    },
    async start(handler) {
      consumer.on(consumer.events.CONNECT, () => (connected = true));
      consumer.on(consumer.events.DISCONNECT, () => (connected = false));
      consumer.on(consumer.events.FETCH, () => (connected = true));
      consumer.on(consumer.events.CRASH, (e) => {
        connected = false;
        // kafkajs restarts by itself only after retriable errors; after any other one the consumer stays stopped
        // while the process lives on, consuming nothing. Start it again (with backoff) unless we are stopping.
        if (!e.payload.restart && !stopping) restartTimer = setTimeout(() => void restart(handler, 1), 1000);
      });
      // Kafka away at start (a host booting, a broker restarting) is waited for, as the agent does: kafkajs gives
      // up on connecting after its retries (about 25 s), and a sink that then exited would need a supervisor to
      // come back. Refused credentials or an untrusted certificate cannot heal: they fail the start.
      for (let attempt = 1; ; attempt++) {
        try {
          await consumer.connect();
          await consumer.subscribe({ topic: o.topic, fromBeginning: o.fromBeginning });
          break;
        } catch (err) {
          if (stopping || kafkaAuthProblem(err)) throw err;
          o.onFault({ kind: 'connect_failed', err, attempt });
          await sleep(Math.min(30_000, 1000 * 2 ** Math.min(attempt - 1, 5)), stopped.signal);
          if (stopping) return;
        }
      }
      connected = true;
      await consumer.run(runOptions(handler));
    },
    async stop() {
      stopping = true;
      stopped.abort();
      if (restartTimer) clearTimeout(restartTimer);
      await consumer.disconnect().catch((err) => o.onFault({ kind: 'disconnect_failed', err }));
      connected = false;
    },
  };
}
