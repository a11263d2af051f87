// How a topic is replicated right now: replicas, in-sync replicas and leader per partition, and its
// min.insync.replicas. `replicationProblems` (pure) turns that into what an operator must hear: under-replicated
// partitions (still writable), and partitions that cannot take an acks=-1 write (no leader, ISR below the minimum).
import './kafkajs-preload.js';
import kafkajs from 'kafkajs';
import type { Logger } from '../common/logger.js';
import { createKafka } from './client.js';
import { kafkaError } from './errors.js';
import type { KafkaClientOptions } from './options.js';

const { ConfigResourceTypes } = kafkajs;

export interface PartitionReplication {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
}

export interface TopicReplicationState {
  topic: string;
  replicationFactor: number;
  minInsyncReplicas: number | undefined;
  partitions: PartitionReplication[];
}

export interface ReplicationProblems {
  /** Producing with acks=-1 stalls on these: every one is a reason not to be ready. */
  blocking: string[];
  /** Still writable, one more loss from stalling. */
  degraded: string[];
}

export function replicationProblems(t: TopicReplicationState): ReplicationProblems {
  const blocking: string[] = [];
  const degraded: string[] = [];
  const min = t.minInsyncReplicas ?? 1;
  for (const p of t.partitions) {
    const name = `${t.topic}-${p.partition}`;
    if (p.leader < 0 || !p.isr.includes(p.leader)) blocking.push(`partition ${name} has no leader`);
    else if (p.isr.length < min)
      blocking.push(
        `partition ${name} has ${p.isr.length} in-sync replica(s), below min.insync.replicas ${min}: produce stalls (NOT_ENOUGH_REPLICAS)`,
      );
    else if (p.isr.length < p.replicas.length)
      degraded.push(`partition ${name} under-replicated (${p.isr.length} of ${p.replicas.length} replicas in sync)`);
  }
  return { blocking, degraded };
}

export async function describeReplication(
  opts: KafkaClientOptions,
  log: Logger | undefined,
  topic: string,
): Promise<TopicReplicationState> {
  const admin = createKafka(opts, log, { retries: 1, initialRetryTime: 200, maxRetryTime: 1000 }).admin();
  try {
    await admin.connect();
    const md = await admin.fetchTopicMetadata({ topics: [topic] });
    const parts = md.topics[0]?.partitions ?? [];
    const conf = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['min.insync.replicas'] }],
    });
    const min = Number(conf.resources[0]?.configEntries.find((e) => e.configName === 'min.insync.replicas')?.configValue);
    return {
      topic,
      replicationFactor: Math.max(0, ...parts.map((p) => p.replicas.length)),
      minInsyncReplicas: Number.isInteger(min) && min > 0 ? min : undefined,
      partitions: parts
        .map((p) => ({ partition: p.partitionId, leader: p.leader, replicas: p.replicas, isr: p.isr }))
        .sort((a, b) => a.partition - b.partition),
    };
  } catch (err) {
    throw kafkaError(err, opts.brokers);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
