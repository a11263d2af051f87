// Reads a topic's existing records once (the DLQ tools): from the start or a group's offsets to the end as of now.
import { createKafka } from './client.js';
import type { InRecord } from './consumer.js';
import type { KafkaClientOptions } from './options.js';

export interface TopicRead {
  /** Records read. */
  count: number;
  /** Per partition, the offset after the last record read: what a reader group commits once the records are handled. */
  next: Map<number, string>;
  /** False when the time ran out before every partition's end (as of the start) was reached. */
  complete: boolean;
}

/**
 * Reads a topic from each partition's start (or the group's committed offset) up to the high watermark as of now.
 * With `handled`, the group's offsets are committed past what was read only after `handled()` resolved (progress
 * follows acknowledgements: a replay that failed to publish is not marked done). Without a groupId a throwaway
 * group is used and deleted afterwards.
 */
export async function readTopicRange(
  client: KafkaClientOptions,
  topic: string,
  onRecord: (r: InRecord & { topic: string }) => boolean | void,
  opts: { groupId?: string; timeoutMs?: number; handled?: () => Promise<void> } = {},
): Promise<TopicRead> {
  const kafka = createKafka(client, undefined);
  const admin = kafka.admin();
  await admin.connect();
  const groupId = opts.groupId ?? `logship-reader-${process.pid}-${Date.now()}`;
  let ends: Map<number, bigint>;
  const remaining = new Map<number, bigint>();
  try {
    const offs = await admin.fetchTopicOffsets(topic);
    ends = new Map(offs.map((p) => [p.partition, BigInt(p.high)]));
    for (const [p, h] of ends) if (h > 0n) remaining.set(p, h);
    // A group already at the end of a partition gets no messages from it: find that out from its offsets first.
    if (opts.groupId) {
      const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
      for (const p of committed[0]?.partitions ?? []) {
        const end = remaining.get(p.partition);
        if (end !== undefined && p.offset !== '-1' && BigInt(p.offset) >= end) remaining.delete(p.partition);
      }
    }
  } finally {
    await admin.disconnect();
  }
  const next = new Map<number, string>();
  let n = 0;
  let complete = remaining.size === 0;
  if (!complete) {
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => resolve(), opts.timeoutMs ?? 20_000);
        consumer
          .run({
            autoCommit: false,
            eachMessage: async ({ topic: t, partition, message }) => {
              const end = remaining.get(partition);
              if (end === undefined || BigInt(message.offset) >= end) return;
              n++;
              onRecord({ topic: t, partition, offset: message.offset, key: message.key, value: message.value });
              next.set(partition, (BigInt(message.offset) + 1n).toString());
              if (BigInt(message.offset) + 1n >= end) remaining.delete(partition);
              if (remaining.size === 0) {
                complete = true;
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .catch(reject);
      });
      if (opts.handled) {
        await opts.handled();
        if (next.size > 0) await consumer.commitOffsets([...next].map(([partition, offset]) => ({ topic, partition, offset })));
      }
    } finally {
      await consumer.disconnect();
    }
  } else if (opts.handled) {
    await opts.handled();
  }
  if (!opts.groupId) {
    const a = kafka.admin();
    await a
      .connect()
      .then(() => a.deleteGroups([groupId]))
      .catch(() => undefined);
    await a.disconnect().catch(() => undefined);
  }
  return { count: n, next, complete };
}
