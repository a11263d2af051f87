// Topic administration both sides need: create what is missing, describe a topic's offsets and its size limit.
import './kafkajs-preload.js';
import kafkajs from 'kafkajs';
import type { Logger } from '../common/logger.js';
import { createKafka } from './client.js';
import { kafkaError } from './errors.js';
import type { KafkaClientOptions } from './options.js';

// kafkajs is CommonJS and Node's ESM loader does not see ConfigResourceTypes as a named export.
const { ConfigResourceTypes } = kafkajs;

/** kafka.topics: -1 / 0 leave the choice to the brokers' defaults (default.replication.factor, min.insync.replicas). */
export interface TopicReplication {
  replicationFactor: number;
  minInsyncReplicas: number;
}

export function topicReplication(cfg: {
  kafka: { topics: { replication_factor: number; min_insync_replicas: number } };
}): TopicReplication {
  return { replicationFactor: cfg.kafka.topics.replication_factor, minInsyncReplicas: cfg.kafka.topics.min_insync_replicas };
}

export async function ensureTopics(
  opts: KafkaClientOptions,
  log: Logger,
  topics: Array<{ topic: string; partitions: number }>,
  replication: TopicReplication = { replicationFactor: -1, minInsyncReplicas: 0 },
): Promise<void> {
  const admin = createKafka(opts, log).admin();
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((t) => ({
          topic: t.topic,
          numPartitions: t.partitions,
          replicationFactor: replication.replicationFactor,
          ...(replication.minInsyncReplicas > 0
            ? { configEntries: [{ name: 'min.insync.replicas', value: String(replication.minInsyncReplicas) }] }
            : {}),
        })),
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

/** The topic's effective max.message.bytes (its own setting or the broker's default), or undefined when not reported. */
export async function topicMaxMessageBytes(opts: KafkaClientOptions, log: Logger, topic: string): Promise<number | undefined> {
  const admin = createKafka(opts, log).admin();
  try {
    await admin.connect();
    const r = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['max.message.bytes'] }],
    });
    const v = Number(r.resources[0]?.configEntries.find((e) => e.configName === 'max.message.bytes')?.configValue);
    return Number.isInteger(v) && v > 0 ? v : undefined;
  } catch (err) {
    throw kafkaError(err, opts.brokers);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
