// Fuzzing the sink's half: arbitrary Kafka record values (bytes, JSON deep and wide, huge numbers, __proto__ keys,
// valid events with fields of the wrong type) through decode -> bulk building -> per-item fate in the batch handler
// (fake Elasticsearch, real dead-letter publisher on a fake producer). Nothing throws, every record is indexed, a
// duplicate or dead-lettered, and the batch commits to its last record.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeEvent, EVENT_VERSION, eventId, type LogEvent } from '../../common/event.js';
import type { InRecord } from '../../kafka/consumer.js';
import { LogshipError } from '../../common/errors.js';
import { decodeEvent } from '../../common/event.js';
import type { BulkOutcome, Es } from '../../sink/es-client.js';
import { decodeBatch } from '../../sink/record-decoder.js';
import { fakeCtl, fakeKafka, PARTITION, setup } from '../support/sink-fakes.js';

function event(offset: number): Record<string, unknown> {
  const ts = new Date(Date.UTC(2024, 4, 6) + offset).toISOString();
  const e: LogEvent = {
    v: EVENT_VERSION,
    '@timestamp': ts,
    message: `line ${offset}`,
    event: { id: eventId('h', 'src', offset), created: ts },
    host: { name: 'h' },
    log: { offset },
    logship: { source: { type: 'file', name: '/a.log', identity: 'src' } },
  };
  return JSON.parse(JSON.stringify(e)) as Record<string, unknown>;
}

const FIELDS = ['v', '@timestamp', 'message', 'event', 'host', 'log', 'logship', 'json', '__proto__', 'constructor'];
const deepText = (n: number, open: string, close: string, leaf: string) => open.repeat(n) + leaf + close.repeat(n);

/** Every kind of value a foreign producer could put in `logs`, as the record's bytes. */
const recordValue: fc.Arbitrary<Buffer | null> = fc.oneof(
  fc.constant(null),
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
  fc.string({ unit: 'binary', maxLength: 200 }).map((s) => Buffer.from(s)),
  fc.jsonValue({ maxDepth: 6 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
  fc.integer({ min: 1, max: 8000 }).map((n) => Buffer.from(deepText(n, '{"a":', '}', '1'))),
  fc.integer({ min: 1, max: 8000 }).map((n) => Buffer.from(deepText(n, '[', ']', '0'))),
  fc.nat(20_000).map((n) => Buffer.from('{' + Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(',') + '}')),
  fc.constantFrom('1e400', '-1e400', '123456789012345678901234567890', '{"v":1e400}', '{"__proto__":{"v":1}}').map((s) => Buffer.from(s)),
  // Valid events with some fields replaced by anything, or a nested part made deep, or wide, or with huge numbers.
  fc
    .tuple(fc.nat(1000), fc.dictionary(fc.constantFrom(...FIELDS), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 4 }))
    .map(([off, changes]) => Buffer.from(JSON.stringify(Object.assign(event(off), changes)))),
  fc
    .tuple(fc.nat(1000), fc.integer({ min: 1, max: 6000 }), fc.constantFrom('json', 'log', 'event', 'message'))
    .map(([off, depth, field]) => {
      const s = JSON.stringify(event(off)).slice(0, -1);
      return Buffer.from(`${s},"${field}x":${deepText(depth, '{"__proto__":', '}', '1e308')}}`);
    }),
  // Valid events: indexed.
  fc.nat(1000).map((off) => encodeEvent(event(off) as unknown as LogEvent)),
);

/** Answers each item by a hash of its document: created, duplicate, or refused for good (the DLQ). */
function fuzzEs() {
  const es = {
    async bulk(body: string): Promise<BulkOutcome> {
      const lines = body.split('\n').filter(Boolean);
      const items = [];
      for (let i = 1; i < lines.length; i += 2) {
        let h = 0;
        for (let j = 0; j < lines[i].length; j += 7) h = (h * 31 + lines[i].charCodeAt(j)) | 0;
        const status = [201, 201, 409, 400][Math.abs(h) % 4];
        items.push(status === 400 ? { status, errorType: 'document_parsing_exception', errorReason: 'refused' } : { status });
      }
      return { kind: 'items', items };
    },
  } as unknown as Es;
  return { es };
}

describe('sink fuzzing: decode -> bulk -> per-item fate', () => {
  it('decodeEvent only ever throws its own decode error; decodeBatch never throws and accounts for every record', () => {
    fc.assert(
      fc.property(fc.array(recordValue, { maxLength: 8 }), (values) => {
        for (const v of values) {
          try {
            decodeEvent(v);
          } catch (err) {
            expect(err).toBeInstanceOf(LogshipError);
          }
        }
        const records = values.map((value, i) => ({ partition: 0, offset: String(i), key: null, value }));
        const { items, letters } = decodeBatch('logs', 0, records, 'logs');
        expect([...items.map((x) => x.ref.offset), ...letters.map((l) => l.source.offset)].sort()).toEqual(
          records.map((r) => r.offset).sort(),
        );
        for (const it of items) expect(it.lines).toMatch(/^\{"create":.*\n.*\n$/s);
      }),
      { numRuns: 500 },
    );
  });

  it('nothing throws; every record is indexed, a duplicate or dead-lettered; the commit reaches the batch end', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(recordValue, { minLength: 1, maxLength: 12 }), async (values) => {
        const kafka = fakeKafka();
        const t = setup(fuzzEs(), kafka, { bulk: { maxDocs: 3, maxBytes: 1 << 20, concurrency: 1 } }, { maxMessageBytes: 64 * 1024 });
        const records: InRecord[] = values.map((value, i) => ({
          partition: PARTITION,
          offset: String(500 + i),
          key: Buffer.from('k'),
          value,
        }));
        const res = await t.run(records, fakeCtl().ctl);
        expect(res).toEqual({ commitUpTo: String(500 + values.length - 1) });
        const all = await t.metrics.registry.getMetricsAsJSON();
        const sum = (name: string) => all.find((m) => m.name === name)!.values.reduce((n, v) => n + v.value, 0);
        const created = sum('logship_sink_documents_created_total');
        const duplicate = sum('logship_sink_documents_duplicate_total');
        const dead = sum('logship_sink_documents_dead_lettered_total');
        expect(created + duplicate + dead).toBe(values.length);
        expect(kafka.sent).toHaveLength(dead);
        expect(new Set(kafka.sent.map((d) => d.source.offset)).size).toBe(dead);
        expect(sum('logship_sink_records_in_flight')).toBe(0);
      }),
      { numRuns: 150 },
    );
  }, 120_000);
});
