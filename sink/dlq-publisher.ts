// Publishes dead letters until Kafka acknowledged them (acks: -1) or the batch is given up: each failure is reported,
// the producer is thrown away (a fresh one reconnects and re-reads the metadata) and the send retried with backoff.
import { backoffMs, sleep } from '../common/backoff.js';
import type { Producer } from '../kafka/producer.js';
import type { DeadLetter } from './dead-letter.js';

/** True once every letter is acknowledged; false when `signal` aborted first (the letters are then not done). */
export type PublishDeadLetters = (letters: DeadLetter[], signal: AbortSignal) => Promise<boolean>;

export interface DeadLetterPublisher {
  publish: PublishDeadLetters;
  close(): Promise<void>;
}

export interface DeadLetterPublisherOptions {
  topic: string;
  /** A new, unconnected producer: made on first use and again after each failure. */
  newProducer: () => Producer;
  retryInitialMs: number;
  retryMaxMs: number;
  onFailure: (err: unknown, attempt: number) => void;
}

export function createDeadLetterPublisher(o: DeadLetterPublisherOptions): DeadLetterPublisher {
  // Shared by the partitions worked on at once: one connection, rebuilt by whichever send failed on it.
  let current: { producer: Producer; ready: Promise<void> } | undefined;
  const open = () => {
    const producer = o.newProducer();
    return { producer, ready: producer.connect() };
  };
  return {
    async publish(letters, signal) {
      if (letters.length === 0) return true;
      const messages = letters.map((d) => ({ key: d.source.key, value: Buffer.from(JSON.stringify(d)) }));
      for (let attempt = 0; !signal.aborted; attempt++) {
        const c = (current ??= open());
        try {
          await c.ready;
          await c.producer.send(o.topic, messages);
          return true;
        } catch (err) {
          o.onFailure(err, attempt);
          if (current === c) current = undefined;
          await c.producer.disconnect().catch(() => undefined);
          await sleep(backoffMs(attempt, o.retryInitialMs, o.retryMaxMs), signal);
        }
      }
      return false;
    },
    async close() {
      const c = current;
      current = undefined;
      await c?.producer.disconnect().catch(() => undefined);
    },
  };
}
