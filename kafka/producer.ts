// The Kafka producer behind the agent and the sink's dead-letter publisher: keyed sends with acks=-1.
import { Partitioners, type Producer as KProducer } from 'kafkajs';
import { LogshipError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { createKafka } from './client.js';
import { COMPRESSION_TYPES, type Compression } from './codecs.js';
import type { KafkaClientOptions } from './options.js';

export interface OutMessage {
  key: string | null;
  value: Buffer;
  headers?: Record<string, string>;
}

export interface Producer {
  connect(): Promise<void>;
  /** Resolves once every message is acknowledged by all in-sync replicas (acks: -1). */
  send(topic: string, messages: OutMessage[]): Promise<void>;
  disconnect(): Promise<void>;
}

type PartitionerArgs = Parameters<ReturnType<typeof Partitioners.DefaultPartitioner>>[0];

/**
 * kafkajs' DefaultPartitioner (murmur2 of the key, like the Java client), remembered per (key, partition count):
 * every event of a host has the same key, and hashing it again for each message was ~7% of the agent's CPU in a
 * profile. The first message of each key still goes through the DefaultPartitioner, so the choice is the same.
 */
function memoizedKeyPartitioner() {
  const inner = Partitioners.DefaultPartitioner();
  const known = new Map<string, number>();
  return (args: PartitionerArgs): number => {
    const { message, partitionMetadata } = args;
    if (typeof message.key !== 'string' || (message.partition !== undefined && message.partition !== null)) return inner(args);
    const k = `${partitionMetadata.length}:${message.key}`;
    let p = known.get(k);
    if (p === undefined) {
      p = inner(args);
      if (known.size >= 1024) known.clear();
      known.set(k, p);
    }
    return p;
  };
}

export function createKafkaProducer(opts: KafkaClientOptions, log: Logger, compression: Compression = 'none'): Producer {
  const kafka = createKafka(opts, log);
  let producer: KProducer | undefined;
  const comp = COMPRESSION_TYPES[compression];
  return {
    async connect() {
      producer = kafka.producer({
        createPartitioner: memoizedKeyPartitioner,
        allowAutoTopicCreation: true,
        maxInFlightRequests: 5,
        retry: { retries: 3 },
      });
      await producer.connect();
    },
    async send(topic, messages) {
      if (!producer) throw new LogshipError('LOGSHIP_ERR_KAFKA_PRODUCE', 'producer not connected', { retriable: true });
      await producer.send({ topic, acks: -1, compression: comp, messages, timeout: opts.requestTimeout });
    },
    async disconnect() {
      const p = producer;
      producer = undefined;
      if (p) await p.disconnect().catch(() => undefined);
    },
  };
}
