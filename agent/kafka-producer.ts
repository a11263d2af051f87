// The agent's Kafka adapter (and the admin calls both sides need). With sink/kafka-consumer.ts, the only files
// that import kafkajs.
import { Kafka, Partitioners, logLevel, type Producer as KProducer } from 'kafkajs';
import { LogshipError } from '../common/errors.js';
import type { KafkaClientOptions } from '../common/kafka-options.js';
import type { Logger } from '../common/logger.js';
import { COMPRESSION_TYPES, registerCodecs, type Compression } from './kafka-codecs.js';

// lz4 and zstd for every kafkajs client in the process: this module is what both adapters import.
registerCodecs();

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

/** kafkajs' log lines through our logger (one level lower: kafkajs is loud about what we retry). */
export function kafkaLogCreator(log: Logger) {
  return () =>
    ({ level, log: entry }: { namespace: string; level: number; label: string; log: { message: string } & Record<string, unknown> }) => {
      const { message, timestamp: _t, logger: _l, ...rest } = entry;
      const fields = { component: 'kafkajs', ...rest };
      if (level === logLevel.ERROR) log.warn(fields, message);
      else if (level === logLevel.WARN) log.info(fields, message);
      else log.debug(fields, message);
    };
}

export function createKafka(opts: KafkaClientOptions, log: Logger): Kafka {
  return new Kafka({
    ...opts,
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(log),
    // Our own loop retries forever with backoff; kafkajs gives up sooner so we regain control and can pause reading.
    retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 5000 },
  } as ConstructorParameters<typeof Kafka>[0]);
}

/** kafkajs errors carry `retriable`; anything without it (a socket error) is worth another try. */
export function isRetriableKafkaError(err: unknown): boolean {
  const e = err as { retriable?: boolean; name?: string };
  if (e && typeof e.retriable === 'boolean') return e.retriable || e.name === 'KafkaJSNumberOfRetriesExceeded' || e.name === 'KafkaJSConnectionError';
  return true;
}

/** Node's codes for a peer certificate that failed verification (tls.connect's authorizationError). */
const TLS_TRUST_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_SIGNATURE_FAILURE', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_UNTRUSTED',
  'CERT_REJECTED', 'INVALID_CA', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * Why Kafka will never take us with this config, or undefined when retrying may help. kafkajs gives up at once on a
 * refused login (non-retriable), but reports an untrusted certificate as a retriable connection error: both are
 * found by error name and code along the cause chain (KafkaJSNumberOfRetriesExceeded wraps the last error).
 */
export function kafkaAuthProblem(err: unknown): string | undefined {
  for (let e = err as { name?: string; code?: string; message?: string; cause?: unknown } | undefined, depth = 0; e && depth < 8; e = e.cause as typeof e, depth++) {
    if (e.name === 'KafkaJSSASLAuthenticationError') return `authentication failed (${e.message}): check kafka.sasl.mechanism, username and password`;
    if (e.code && TLS_TRUST_CODES.has(e.code)) return `the broker's TLS certificate is not trusted (${e.code}): check kafka.tls.ca_file`;
  }
  return undefined;
}

/** A Kafka failure as our error: KAFKA_AUTH (exit 78, not retried) when the config is the problem, else UNAVAILABLE. */
/**
 * For the agent and the sink: a function that tells whether `err` is one retrying cannot fix (refused
 * credentials, an untrusted certificate), logging it and calling `onFatal` the first time only.
 */
export function fatalKafkaReporter(brokers: string[], log: Logger, onFatal?: (e: LogshipError) => void): (err: unknown) => boolean {
  let raised = false;
  return (err) => {
    if (!kafkaAuthProblem(err)) return false;
    if (!raised) {
      raised = true;
      const e = kafkaError(err, brokers);
      log.error({ code: e.code }, e.message);
      onFatal?.(e);
    }
    return true;
  };
}

export function kafkaError(err: unknown, brokers: string[]): LogshipError {
  if (err instanceof LogshipError) return err;
  const auth = kafkaAuthProblem(err);
  if (auth) return new LogshipError('LOGSHIP_ERR_KAFKA_AUTH', `Kafka at ${brokers.join(',')}: ${auth}`, { cause: err });
  return new LogshipError('LOGSHIP_ERR_KAFKA_UNAVAILABLE', `Kafka at ${brokers.join(',')}: ${(err as Error).message}`, { retriable: true, cause: err });
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
      producer = kafka.producer({ createPartitioner: memoizedKeyPartitioner, allowAutoTopicCreation: true, maxInFlightRequests: 5, retry: { retries: 3 } });
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

export async function ensureTopics(opts: KafkaClientOptions, log: Logger, topics: Array<{ topic: string; partitions: number }>): Promise<void> {
  const admin = createKafka(opts, log).admin();
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length > 0) {
      await admin.createTopics({ waitForLeaders: true, topics: missing.map((t) => ({ topic: t.topic, numPartitions: t.partitions, replicationFactor: -1 })) });
    }
  } catch (err) {
    throw kafkaError(err, opts.brokers);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export interface TopicInfo { topic: string; partitions: Array<{ partition: number; high: string; low: string }> }

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

export async function groupOffsets(opts: KafkaClientOptions, log: Logger, groupId: string, topic: string): Promise<Map<number, string>> {
  const admin = createKafka(opts, log).admin();
  try {
    await admin.connect();
    const res = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map(res[0].partitions.map((p) => [p.partition, p.offset]));
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
