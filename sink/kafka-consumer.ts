// The sink's Kafka adapter. With agent/kafka-producer.ts, the only files that import kafkajs.
import { Kafka, logLevel, type Consumer as KConsumer } from 'kafkajs';
import type { KafkaClientOptions } from '../common/kafka-options.js';
import type { Logger } from '../common/logger.js';

export interface InRecord {
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
}

export interface BatchControl {
  /** Keeps the group membership alive while the batch is worked on. Throws when the group is rebalancing. */
  heartbeat(): Promise<void>;
  /** False once the consumer is stopping or the batch's partition was reassigned. */
  active(): boolean;
}

export type BatchHandler = (topic: string, partition: number, records: InRecord[], ctl: BatchControl) => Promise<{ commitUpTo?: string }>;

export interface ConsumerOptions {
  groupId: string;
  topic: string;
  fromBeginning: boolean;
  sessionTimeoutMs: number;
  concurrency: number;
  maxWaitMs: number;
}

export interface GroupConsumer {
  start(handler: BatchHandler): Promise<void>;
  stop(): Promise<void>;
  readonly connected: boolean;
  /** Per partition: high watermark minus the next offset to process. */
  lag(): Map<number, number>;
  onEvent(name: 'rebalancing' | 'joined' | 'crash' | 'commit', f: (info: Record<string, unknown>) => void): void;
}

function kafkaLogCreator(log: Logger) {
  return () =>
    ({ level, log: entry }: { level: number; log: { message: string } & Record<string, unknown> }) => {
      const { message, timestamp: _t, logger: _l, ...rest } = entry;
      if (level === logLevel.ERROR) log.warn({ component: 'kafkajs', ...rest }, message);
      else if (level === logLevel.WARN) log.info({ component: 'kafkajs', ...rest }, message);
      else log.debug({ component: 'kafkajs', ...rest }, message);
    };
}

export function createGroupConsumer(client: KafkaClientOptions, o: ConsumerOptions, log: Logger): GroupConsumer {
  const kafka = new Kafka({
    ...client,
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(log),
    retry: { retries: 8, initialRetryTime: 300, maxRetryTime: 10_000 },
  } as ConstructorParameters<typeof Kafka>[0]);
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
  const lags = new Map<number, number>();

  return {
    get connected() {
      return connected;
    },
    lag: () => lags,
    onEvent(name, f) {
      const ev = {
        rebalancing: consumer.events.REBALANCING,
        joined: consumer.events.GROUP_JOIN,
        crash: consumer.events.CRASH,
        commit: consumer.events.COMMIT_OFFSETS,
      }[name];
      consumer.on(ev, (e: { payload: Record<string, unknown> }) => f(e.payload));
    },
    async start(handler) {
      consumer.on(consumer.events.CONNECT, () => (connected = true));
      consumer.on(consumer.events.DISCONNECT, () => (connected = false));
      consumer.on(consumer.events.CRASH, () => (connected = false));
      consumer.on(consumer.events.FETCH, () => (connected = true));
      await consumer.connect();
      connected = true;
      await consumer.subscribe({ topic: o.topic, fromBeginning: o.fromBeginning });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: o.concurrency,
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
          if (batch.messages.length === 0) return;
          const records: InRecord[] = batch.messages.map((m) => ({ partition: batch.partition, offset: m.offset, key: m.key, value: m.value }));
          const ctl: BatchControl = { heartbeat, active: () => isRunning() && !isStale() && !stopping };
          const { commitUpTo } = await handler(batch.topic, batch.partition, records, ctl);
          if (commitUpTo !== undefined) {
            // Commit first, then move the fetch position: a crash in between re-delivers (409s), never skips.
            const next = (BigInt(commitUpTo) + 1n).toString();
            await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]);
            resolveOffset(commitUpTo);
            lags.set(batch.partition, Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(next))));
          }
        },
      });
    },
    async stop() {
      stopping = true;
      await consumer.disconnect().catch(() => undefined);
      connected = false;
    },
  };
}

export async function readTopicRange(
  client: KafkaClientOptions, log: Logger, topic: string,
  onRecord: (r: InRecord & { topic: string }) => boolean | void,
  opts: { groupId?: string; commit?: boolean; timeoutMs?: number } = {},
): Promise<number> {
  // Reads a topic from each partition's start (or the group's committed offset) up to the high watermark as of now.
  const kafka = new Kafka({ ...client, logLevel: logLevel.NOTHING } as ConstructorParameters<typeof Kafka>[0]);
  const admin = kafka.admin();
  await admin.connect();
  let ends: Map<number, bigint>;
  try {
    const offs = await admin.fetchTopicOffsets(topic);
    ends = new Map(offs.map((p) => [p.partition, BigInt(p.high)]));
  } finally {
    await admin.disconnect();
  }
  const remaining = new Map([...ends].filter(([, h]) => h > 0n));
  const groupId = opts.groupId ?? `logship-reader-${process.pid}-${Date.now()}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
  let n = 0;
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => resolve(), opts.timeoutMs ?? 20_000);
      const check = () => {
        if ([...remaining.values()].length === 0) {
          clearTimeout(timer);
          resolve();
        }
      };
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ topic: t, partition, message }) => {
            const end = remaining.get(partition);
            if (end === undefined || BigInt(message.offset) >= end) return;
            n++;
            onRecord({ topic: t, partition, offset: message.offset, key: message.key, value: message.value });
            if (opts.commit) await consumer.commitOffsets([{ topic: t, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
            if (BigInt(message.offset) + 1n >= end) remaining.delete(partition);
            check();
          },
        })
        .catch(reject);
      // A group already at the end of every partition gets no messages: find that out from its offsets.
      void (async () => {
        const a2 = kafka.admin();
        await a2.connect();
        try {
          const committed = await a2.fetchOffsets({ groupId, topics: [topic] });
          for (const p of committed[0]?.partitions ?? []) {
            const end = remaining.get(p.partition);
            if (end !== undefined && p.offset !== '-1' && BigInt(p.offset) >= end) remaining.delete(p.partition);
          }
        } finally {
          await a2.disconnect();
        }
        check();
      })().catch(() => undefined);
    });
  } finally {
    await consumer.disconnect();
  }
  return n;
}
