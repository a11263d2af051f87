// Where the batcher's requests go: one producer, connected once for all concurrent sends, and replaced by a new
// one when it keeps failing or failed for a reason retrying will not fix.
import { isRetriableKafkaError } from '../../kafka/errors.js';
import type { Producer } from '../../kafka/producer.js';
import type { AgentMetrics } from '../metrics.js';
import type { QueuedEvent } from './batcher.js';

/** Consecutive failed requests after which the producer is rebuilt from scratch. */
const REBUILD_EVERY = 5;

export interface KafkaOutputOptions {
  topic: string;
  makeProducer: () => Producer;
  metrics: Pick<AgentMetrics, 'produceFailed' | 'producerRebuilt' | 'kafkaUnreachable'>;
  /** True when `err` is one retrying cannot fix (refused credentials): reported there, once. */
  fatal: (err: unknown) => boolean;
}

export interface KafkaOutput {
  /** The batcher's `send`. */
  send(batch: QueuedEvent[]): Promise<void>;
  /** The batcher's `onSendError`: reports the failure; rebuilds the producer when it keeps failing. */
  failed(err: unknown, attempt: number, events: number): Promise<void>;
  /** Connects now rather than at the first line, so /readyz tells the truth from the start (and a refused login shows at once). */
  connectEarly(): void;
  readonly connected: boolean;
  close(): Promise<void>;
}

export function createKafkaOutput(o: KafkaOutputOptions): KafkaOutput {
  let producer = o.makeProducer();
  let connected = false;
  let connecting: Promise<void> | undefined;

  /** One connect for all concurrent sends: parallel connects of one kafkajs producer race each other. */
  function connect(): Promise<void> {
    if (connected) return Promise.resolve();
    const p = producer;
    connecting ??= p.connect().then(
      () => {
        connected = p === producer;
        connecting = undefined;
      },
      (err) => {
        connecting = undefined;
        throw err;
      },
    );
    return connecting;
  }

  return {
    async send(batch) {
      await connect();
      // The queued events are the messages (key, value; the client ignores the rest): no copy per event.
      await producer.send(o.topic, batch);
    },
    async failed(err, attempt, events) {
      o.metrics.produceFailed(err, attempt, events);
      o.fatal(err);
      if (connected && (attempt % REBUILD_EVERY === 0 || !isRetriableKafkaError(err))) {
        const old = producer;
        producer = o.makeProducer();
        connected = false;
        connecting = undefined;
        await old.disconnect().catch(() => undefined);
        o.metrics.producerRebuilt(err);
      }
    },
    connectEarly() {
      void connect().catch((err) => o.fatal(err) || o.metrics.kafkaUnreachable(err));
    },
    get connected() {
      return connected;
    },
    async close() {
      await producer.disconnect().catch(() => undefined);
    },
  };
}
