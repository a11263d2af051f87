// The Kafka producer behind the agent and the sink's dead-letter publisher: keyed sends with acks=-1.
//
// The adapter interface (`Producer`, `OutMessage`) is what the agent's kafka-output and the sink's DLQ publisher
// use; a second client implements the same interface. Its contract:
// - `connect()` once before sends; `disconnect()` never throws.
// - `send(topic, messages)` resolves only once every message is acknowledged by all in-sync replicas (acks = -1);
//   it rejects if any message was not, with an error classified by kafka/errors.ts. A rejected send may have
//   written some of its messages (the caller re-sends all of them: duplicates in Kafka, never a gap).
// - a message is keyed (host name): the partition is murmur2 of the key, as the Java client chooses it, so one
//   host's lines stay in one partition whatever the client.
// - the caller may hand over thousands of messages in one send; splitting them is the adapter's business.
import './kafkajs-preload.js';
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

/**
 * Messages per kafkajs `send`. Each send costs a request and a round trip of its own, so not too few; kafkajs'
 * per-partition grouping was quadratic in messages per send (a spread per message), which made large sends dear
 * until kafkajs-preload.ts replaced it. ABBA on this machine (50 MB of 260-byte lines, load 6-8): with kafkajs'
 * grouping, 600 per send against 250 gave 1.4x the lines/s at 0.85x the CPU per line (+2-11 % peak RSS) and 1,000
 * cost more CPU than 600; with the grouping in one pass, 600 cost 0.88x the CPU of the same with kafkajs', and the
 * whole batch in one send (2,000) the same CPU as 600 for +10 MB of peak RSS. A full batch (1 MiB, about 1,690 such
 * events) goes as three pieces. The pieces go one after the other (sendInOrder): sent together, a piece kafkajs
 * retried (leader moved, NOT_ENOUGH_REPLICAS) landed behind the next one, and the cluster chaos runs counted
 * 500-2,700 records out of order in the agent's partition.
 */
export const KAFKAJS_MESSAGES_PER_SEND = 600;

/** Sends the pieces one after the other, each once the one before it was acknowledged; stops at the first failure. */
export async function sendInOrder<T>(parts: T[][], send: (part: T[]) => Promise<unknown>): Promise<void> {
  for (const part of parts) await send(part);
}

/** `messages` in consecutive pieces of at most `size` (the array itself when it fits). */
export function pieces<T>(messages: T[], size: number): T[][] {
  if (messages.length <= size) return [messages];
  const out: T[][] = [];
  for (let i = 0; i < messages.length; i += size) out.push(messages.slice(i, i + size));
  return out;
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
      const p = producer;
      // In order, one piece in flight: a failure ends the send with nothing of it still in flight, so the
      // batcher's retry of the whole batch cannot race a piece being written either.
      await sendInOrder(pieces(messages, KAFKAJS_MESSAGES_PER_SEND), (part) =>
        p.send({ topic, acks: -1, compression: comp, messages: part, timeout: opts.requestTimeout }),
      );
    },
    async disconnect() {
      const p = producer;
      producer = undefined;
      if (p) await p.disconnect().catch(() => undefined);
    },
  };
}
