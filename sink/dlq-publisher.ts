// Publishes dead letters until Kafka acknowledged them (acks: -1) or the batch is given up: each failure is reported,
// the producer is thrown away (a fresh one reconnects and re-reads the metadata) and the send retried with backoff.
// Every letter is cut to fit the topic's max.message.bytes, and the letters of one send fit it together. A letter
// Kafka refuses as too large anyway (the limit changed, or was never read) is cut further, down to a minimal letter;
// one refused even then is handed to `onUnpublishable` (logged and counted) rather than blocking the partition.
import { backoffMs, sleep } from '../common/backoff.js';
import { isTooLargeForKafka } from '../kafka/errors.js';
import type { OutMessage, Producer } from '../kafka/producer.js';
import type { DeadLetter } from './dead-letter.js';
import { encodeDeadLetter, minimalDeadLetter, type EncodedLetter } from './dead-letter-fit.js';

/** True once every letter is acknowledged; false when `signal` aborted first (the letters are then not done). */
export type PublishDeadLetters = (letters: DeadLetter[], signal: AbortSignal) => Promise<boolean>;

export interface DeadLetterPublisher {
  publish: PublishDeadLetters;
  /** The topic's max.message.bytes, once read (Kafka's default until then). */
  setMaxMessageBytes(n: number): void;
  readonly maxMessageBytes: number;
  close(): Promise<void>;
}

/** Kafka's default max.message.bytes (1 MiB and the 12 bytes of a batch's offset and length). */
export const KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;
/** A record batch's header (v2), counted in max.message.bytes. */
const BATCH_OVERHEAD = 61;
/** More than a record's own framing takes (length, attributes, deltas, key and value lengths, headers). */
const RECORD_OVERHEAD = 64;
/** Cut levels after a refusal: 1..3 halve the room each time, 4 is the minimal letter; past it the letter is given up. */
const MINIMAL_LEVEL = 4;

export interface DeadLetterPublisherOptions {
  topic: string;
  /** A new, unconnected producer: made on first use and again after each failure. */
  newProducer: () => Producer;
  retryInitialMs: number;
  retryMaxMs: number;
  onFailure: (err: unknown, attempt: number) => void;
  maxMessageBytes?: number;
  /** Reads the topic's max.message.bytes again, after Kafka refused a send as too large. */
  readMaxMessageBytes?: () => Promise<number | undefined>;
  /** A letter was published cut: its original, or everything but the reason and the source. */
  onCut?: (cut: 'original' | 'minimal') => void;
  /** Kafka refused `letters` letters of `bytes` as too large: they are split or cut further, and sent again. */
  onTooLarge?: (err: unknown, letters: number, bytes: number, maxMessageBytes: number) => void;
  /** Not even the minimal letter was taken. The letter counts as done: the caller logs it, its only record. */
  onUnpublishable?: (d: DeadLetter, err: unknown) => void;
}

interface Pending {
  d: DeadLetter;
  /** 0: fit to the topic; then cut further after each refusal. */
  level: number;
}

const recordBytes = (e: EncodedLetter) => e.value.length + (e.key === null ? 0 : Buffer.byteLength(e.key)) + RECORD_OVERHEAD;

export function createDeadLetterPublisher(o: DeadLetterPublisherOptions): DeadLetterPublisher {
  // Shared by the partitions worked on at once: one connection, rebuilt by whichever send failed on it.
  let current: { producer: Producer; ready: Promise<void> } | undefined;
  let limit = o.maxMessageBytes ?? KAFKA_DEFAULT_MAX_MESSAGE_BYTES;
  const open = () => {
    const producer = o.newProducer();
    return { producer, ready: producer.connect() };
  };
  const encode = (p: Pending): EncodedLetter =>
    p.level >= MINIMAL_LEVEL
      ? minimalDeadLetter(p.d)
      : encodeDeadLetter(p.d, Math.floor((limit - BATCH_OVERHEAD - RECORD_OVERHEAD) / 2 ** p.level));

  /** Sends until acknowledged, retrying what retrying can fix; a refusal as too large is returned, not retried. */
  async function sendOnce(messages: OutMessage[], signal: AbortSignal): Promise<'sent' | 'aborted' | { tooLarge: unknown }> {
    for (let attempt = 0; !signal.aborted; attempt++) {
      const c = (current ??= open());
      try {
        await c.ready;
        await c.producer.send(o.topic, messages);
        return 'sent';
      } catch (err) {
        if (isTooLargeForKafka(err)) return { tooLarge: err };
        o.onFailure(err, attempt);
        if (current === c) current = undefined;
        await c.producer.disconnect().catch(() => undefined);
        await sleep(backoffMs(attempt, o.retryInitialMs, o.retryMaxMs), signal);
      }
    }
    return 'aborted';
  }

  return {
    get maxMessageBytes() {
      return limit;
    },
    setMaxMessageBytes(n) {
      limit = n;
    },
    async publish(letters, signal) {
      const todo: Pending[] = letters.map((d) => ({ d, level: 0 }));
      let perSend = Infinity;
      let reread = false;
      while (todo.length > 0) {
        if (signal.aborted) return false;
        // As many letters as fit in one record batch together (always at least one).
        const send: Array<{ p: Pending; e: EncodedLetter }> = [];
        let total = BATCH_OVERHEAD;
        for (const p of todo) {
          if (send.length >= perSend) break;
          const e = encode(p);
          if (send.length > 0 && total + recordBytes(e) > limit) break;
          send.push({ p, e });
          total += recordBytes(e);
        }
        const r = await sendOnce(
          send.map(({ e }) => ({ key: e.key, value: e.value })),
          signal,
        );
        if (r === 'aborted') return false;
        if (r === 'sent') {
          for (const { e } of send) if (e.cut !== 'none') o.onCut?.(e.cut);
          todo.splice(0, send.length);
          perSend = Infinity;
          continue;
        }
        o.onTooLarge?.(r.tooLarge, send.length, total, limit);
        // The topic's limit may have changed since it was read: read it once more before cutting deeper.
        if (!reread && o.readMaxMessageBytes) {
          reread = true;
          const fresh = await o.readMaxMessageBytes().catch(() => undefined);
          if (fresh !== undefined && fresh !== limit) {
            limit = fresh;
            continue;
          }
        }
        if (send.length > 1) {
          perSend = Math.ceil(send.length / 2);
          continue;
        }
        const p = send[0].p;
        if (++p.level > MINIMAL_LEVEL) {
          o.onUnpublishable?.(p.d, r.tooLarge);
          todo.shift();
        }
      }
      return true;
    },
    async close() {
      const c = current;
      current = undefined;
      await c?.producer.disconnect().catch(() => undefined);
    },
  };
}
