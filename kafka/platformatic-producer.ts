// The second producer behind the adapter of kafka/producer.ts: @platformatic/kafka 1.x, which encodes a produce
// request several times faster than kafkajs (issue 13). Same contract: keyed sends, acks=-1, the Java client's
// partition for each key, errors reported as kafka/errors.ts classifies them.
//
// Idempotence stays off: @platformatic/kafka's idempotent mode had data-loss bugs fixed only in 2.x (which needs
// Node 22), and the sink deduplicates by event id anyway. zstd is refused by the config's check on a Node whose
// zlib has no zstd (Node 20), since this client compresses zstd with node:zlib.
import net from 'node:net';
import { Producer as PltProducer, type ProducerOptions, type SendOptions } from '@platformatic/kafka';
import { LogshipError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { tlsTrustProblem } from '../common/tls-probe.js';
import type { Compression } from './codecs.js';
import { memoizedPositiveHash } from './java-partitioner.js';
import type { KafkaClientOptions } from './options.js';
import { fromPlatformaticError } from './platformatic-errors.js';
import type { OutMessage, Producer } from './producer.js';

const SASL_MECHANISMS = { plain: 'PLAIN', 'scram-sha-256': 'SCRAM-SHA-256', 'scram-sha-512': 'SCRAM-SHA-512' } as const;

/** Retries inside the client, kept short like kafkajs' (kafka/client.ts) so that our loops, which retry forever, regain control. */
const RETRIES = 3;
const RETRY_DELAY_MS = 300;

type Options = ProducerOptions<Buffer, Buffer, Buffer, Buffer>;
type Outgoing = SendOptions<Buffer, Buffer, Buffer, Buffer>['messages'][number];

/** kafka/options.ts' settings as @platformatic/kafka's: the same brokers, timeouts, TLS and SASL as kafkajs gets. */
export function platformaticOptions(opts: KafkaClientOptions, compression: Compression): Options {
  const o: Options = {
    clientId: opts.clientId,
    bootstrapBrokers: opts.brokers,
    connectTimeout: opts.connectionTimeout,
    requestTimeout: opts.requestTimeout,
    timeout: opts.requestTimeout,
    retries: RETRIES,
    retryDelay: RETRY_DELAY_MS,
    maxInflights: 5,
    acks: -1,
    idempotent: false,
    autocreateTopics: true,
    compression,
    partitioner: javaPartitioner(),
  };
  if (opts.ssl) {
    const s = opts.ssl === true ? { rejectUnauthorized: true } : opts.ssl;
    o.tls = { ca: s.ca, cert: s.cert, key: s.key, rejectUnauthorized: s.rejectUnauthorized };
    // kafkajs sends SNI with a broker's host name, never with an IP address (RFC 6066 forbids it).
    o.tlsServerName = opts.brokers.every((b) => !net.isIP(hostOf(b)));
  }
  if (opts.sasl) o.sasl = { mechanism: SASL_MECHANISMS[opts.sasl.mechanism], username: opts.sasl.username, password: opts.sasl.password };
  return o;
}

/** The positive murmur2 of the key; @platformatic/kafka takes it modulo the partition count, as the Java client does. */
function javaPartitioner(): NonNullable<Options['partitioner']> {
  const hash = memoizedPositiveHash();
  return (_message, key) => hash(key);
}

const hostOf = (broker: string) => broker.slice(0, broker.lastIndexOf(':')).replace(/^\[|\]$/g, '');

/** One Buffer per distinct key string: every event of a host has the same key. */
function keyEncoder(): (key: string | null) => Buffer | undefined {
  let last: string | undefined;
  let buf: Buffer | undefined;
  return (key) => {
    if (key === null) return undefined;
    if (key !== last) {
      last = key;
      buf = Buffer.from(key);
    }
    return buf;
  };
}

const headersOf = (h: Record<string, string> | undefined) =>
  h ? new Map(Object.entries(h).map(([k, v]) => [Buffer.from(k), Buffer.from(v)] as [Buffer, Buffer])) : undefined;

export function createPlatformaticProducer(opts: KafkaClientOptions, log: Logger, compression: Compression = 'none'): Producer {
  let producer: PltProducer<Buffer, Buffer, Buffer, Buffer> | undefined;
  const encodeKey = keyEncoder();
  const verifies = typeof opts.ssl === 'object' ? opts.ssl.rejectUnauthorized : opts.ssl === true;

  /** Our classification of a failure; with TLS verified, a connection failure asks the broker whether its certificate is the reason. */
  async function failure(err: unknown): Promise<Error> {
    let tlsCode: string | undefined;
    const mapped = fromPlatformaticError(err);
    if (verifies && (mapped.name === 'KafkaJSConnectionError' || mapped.name === 'KafkaJSRequestTimeoutError')) {
      const b = opts.brokers[0];
      const ca = typeof opts.ssl === 'object' ? opts.ssl.ca?.join('\n') : undefined;
      tlsCode = await tlsTrustProblem(hostOf(b), Number(b.slice(b.lastIndexOf(':') + 1)), ca, opts.connectionTimeout);
    }
    const e = tlsCode ? fromPlatformaticError(err, tlsCode) : mapped;
    log.debug({ err: e.message, type: e.type, retriable: e.retriable }, 'platformatic producer failure');
    return e;
  }

  return {
    async connect() {
      const p = new PltProducer<Buffer, Buffer, Buffer, Buffer>(platformaticOptions(opts, compression));
      log.debug({ producer: 'platformatic', compression }, 'kafka producer connecting');
      producer = p;
      try {
        await p.connectToBrokers();
      } catch (err) {
        throw await failure(err);
      }
    },
    async send(topic: string, messages: OutMessage[]) {
      const p = producer;
      if (!p) throw new LogshipError('LOGSHIP_ERR_KAFKA_PRODUCE', 'producer not connected', { retriable: true });
      const out = new Array<Outgoing>(messages.length);
      for (let i = 0; i < messages.length; i++) {
        const m = messages[i];
        out[i] = { topic, key: encodeKey(m.key), value: m.value, headers: headersOf(m.headers) };
      }
      try {
        await p.send({ messages: out, acks: -1, autocreateTopics: true });
      } catch (err) {
        throw await failure(err);
      }
    },
    async disconnect() {
      const p = producer;
      producer = undefined;
      if (p) await p.close().catch(() => undefined);
    },
  };
}
