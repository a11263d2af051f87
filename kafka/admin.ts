// Topic administration both sides need: create what is missing, describe a topic's offsets.
import type { Logger } from '../common/logger.js';
import { createKafka } from './client.js';
import { kafkaError } from './errors.js';
import type { KafkaClientOptions } from './options.js';

export async function ensureTopics(
  opts: KafkaClientOptions,
  log: Logger,
  topics: Array<{ topic: string; partitions: number }>,
): Promise<void> {
  const admin = createKafka(opts, log).admin();
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((t) => ({ topic: t.topic, numPartitions: t.partitions, replicationFactor: -1 })),
      });
    }
  } catch (err) {
    throw kafkaError(err, opts.brokers);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export interface TopicInfo {
  topic: string;
  partitions: Array<{ partition: number; high: string; low: string }>;
}

export async function describeTopic(opts: KafkaClientOptions, log: Logger, topic: string): Promise<TopicInfo> {
  const admin = createKafka(opts, log).admin();
  try {
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(topic);
    return { topic, partitions: offsets.map((o) => ({ partition: o.partition, high: o.high, low: o.low })) };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
