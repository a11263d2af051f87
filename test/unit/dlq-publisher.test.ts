// The dead-letter publisher against a producer that refuses sends larger than its limit the way Kafka does
// (MESSAGE_TOO_LARGE, not retriable): letters are cut and grouped to fit, a refusal makes it re-read the topic's
// limit and cut further, and a letter that can never be taken is handed over rather than blocking the partition.
import { describe, expect, it } from 'vitest';
import type { OutMessage, Producer } from '../../kafka/producer.js';
import { makeDeadLetter, parseDeadLetter, type DeadLetter } from '../../sink/dead-letter.js';
import { createDeadLetterPublisher, type DeadLetterPublisherOptions } from '../../sink/dlq-publisher.js';

const tooLarge = () =>
  Object.assign(new Error('The request included a message larger than the max message size'), {
    type: 'MESSAGE_TOO_LARGE',
    retriable: false,
  });

/** Refuses a send whose records (with Kafka's framing, roughly) exceed `limit()`. */
function strictKafka(limit: () => number) {
  const sends: OutMessage[][] = [];
  const refused: number[] = [];
  const size = (ms: OutMessage[]) => 61 + ms.reduce((s, m) => s + m.value.length + (m.key ? Buffer.byteLength(m.key) : 0) + 20, 0);
  const newProducer = (): Producer => ({
    connect: async () => undefined,
    send: async (_topic, messages) => {
      if (size(messages) > limit()) {
        refused.push(size(messages));
        throw tooLarge();
      }
      sends.push(messages);
    },
    disconnect: async () => undefined,
  });
  const letters = () => sends.flat().map((m) => parseDeadLetter(m.value)!);
  return { newProducer, sends, refused, letters, size };
}

const letter = (n: number, bytes: number): DeadLetter =>
  makeDeadLetter({
    raw: Buffer.alloc(bytes, 'q'),
    reason: `bad ${n}`,
    stage: 'decode',
    errorType: 'decode_error',
    topic: 'logs',
    partition: 0,
    offset: String(n),
    key: 'h',
  });

function publisher(k: ReturnType<typeof strictKafka>, o: Partial<DeadLetterPublisherOptions> = {}) {
  const events: string[] = [];
  const unpublishable: DeadLetter[] = [];
  const p = createDeadLetterPublisher({
    topic: 'logs-dlq',
    newProducer: k.newProducer,
    retryInitialMs: 1,
    retryMaxMs: 2,
    onFailure: (err) => events.push(`failure ${(err as Error).message}`),
    onCut: (cut) => events.push(`cut ${cut}`),
    onTooLarge: (_e, letters) => events.push(`too large ${letters}`),
    onUnpublishable: (d) => unpublishable.push(d),
    ...o,
  });
  return { p, events, unpublishable };
}

const signal = () => new AbortController().signal;

describe('dead-letter publisher', () => {
  it('letters that do not fit one record batch together go in several sends, each within the limit', async () => {
    const k = strictKafka(() => 100_000);
    const { p, events } = publisher(k, { maxMessageBytes: 100_000 });
    expect(await p.publish([letter(1, 40_000), letter(2, 40_000), letter(3, 40_000), letter(4, 10)], signal())).toBe(true);
    expect(k.refused).toEqual([]);
    expect(k.sends.length).toBeGreaterThanOrEqual(2);
    for (const s of k.sends) expect(k.size(s)).toBeLessThanOrEqual(100_000);
    expect(k.letters().map((d) => d.source.offset)).toEqual(['1', '2', '3', '4']);
    expect(events).toEqual([]);
  });

  it('a letter larger than the limit is cut to fit it, and counted as cut', async () => {
    const k = strictKafka(() => 1_048_588);
    const { p, events } = publisher(k);
    expect(p.maxMessageBytes).toBe(1_048_588);
    expect(await p.publish([letter(1, 5 << 20)], signal())).toBe(true);
    expect(k.refused).toEqual([]);
    expect(k.letters()[0]).toMatchObject({ original_truncated: true, original_size: 5 << 20 });
    expect(events).toEqual(['cut original']);
  });

  it('refused as too large (the topic limit was lowered): re-reads the limit, cuts to it, sends once more', async () => {
    let topicLimit = 1_048_588;
    const k = strictKafka(() => topicLimit);
    let reads = 0;
    const { p, events } = publisher(k, { readMaxMessageBytes: async () => (reads++, topicLimit) });
    topicLimit = 100_000;
    expect(await p.publish([letter(1, 600_000)], signal())).toBe(true);
    expect(reads).toBe(1);
    expect(k.refused).toHaveLength(1);
    expect(p.maxMessageBytes).toBe(100_000);
    expect(k.letters()[0]).toMatchObject({ original_truncated: true, original_size: 600_000 });
    expect(events).toEqual(['too large 1', 'cut original']);
  });

  it('refused though the limit reads the same: several letters are split, a single one cut by half until it fits', async () => {
    const k = strictKafka(() => 30_000);
    const { p, events } = publisher(k, { maxMessageBytes: 100_000, readMaxMessageBytes: async () => 100_000 });
    expect(await p.publish([letter(1, 20_000), letter(2, 20_000), letter(3, 200_000)], signal())).toBe(true);
    expect(k.letters().map((d) => d.source.offset)).toEqual(['1', '2', '3']);
    for (const s of k.sends) expect(k.size(s)).toBeLessThanOrEqual(30_000);
    expect(k.letters()[2].original_truncated).toBe(true);
    expect(events.filter((e) => e.startsWith('too large')).length).toBeLessThanOrEqual(6);
  });

  it('a letter not even its minimal form fits is handed over, and the partition moves on', async () => {
    const k = strictKafka(() => 100);
    const { p, unpublishable } = publisher(k, { maxMessageBytes: 100 });
    expect(await p.publish([letter(7, 5000), letter(8, 10)], signal())).toBe(true);
    expect(k.sends).toEqual([]);
    expect(unpublishable.map((d) => d.source.offset)).toEqual(['7', '8']);
    expect(k.refused.length).toBeLessThanOrEqual(2 * 6 + 1);
  });

  it('an abort while a send is being retried leaves the letters undone', async () => {
    const ctl = new AbortController();
    const k = {
      newProducer: (): Producer => ({
        connect: async () => undefined,
        send: async () => {
          throw new Error('broker away');
        },
        disconnect: async () => undefined,
      }),
    };
    const p = createDeadLetterPublisher({
      topic: 't',
      newProducer: k.newProducer,
      retryInitialMs: 5,
      retryMaxMs: 5,
      onFailure: () => ctl.abort(),
    });
    expect(await p.publish([letter(1, 10)], ctl.signal)).toBe(false);
  });
});
