// Records that did not come from our agent, one by one through decodeBatch: each becomes a bulk item with its lines
// built, or a dead letter with the reason. Nothing throws; __proto__ keys stay data.
import { describe, expect, it } from 'vitest';
import { decodeEvent, encodeEvent, EVENT_VERSION, eventId, type LogEvent } from '../../common/event.js';
import type { InRecord } from '../../kafka/consumer.js';
import type { BatchRefusal } from '../../kafka/refused-batch.js';
import { decodeBatch } from '../../sink/record-decoder.js';

function event(offset: number, json?: unknown): LogEvent {
  const ts = new Date(Date.UTC(2024, 4, 6) + offset).toISOString();
  return {
    v: EVENT_VERSION,
    '@timestamp': ts,
    message: `line ${offset}`,
    event: { id: eventId('h', 'src', offset), created: ts },
    host: { name: 'h' },
    log: { offset },
    logship: { source: { type: 'file', name: '/a.log', identity: 'src' } },
    ...(json === undefined ? {} : { json: json as Record<string, unknown> }),
  };
}

const text = (offset: number, f: (s: string) => string) => Buffer.from(f(encodeEvent(event(offset)).toString()));
const nested = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
const rec = (i: number, value: Buffer | null, extra: Partial<InRecord> = {}): InRecord => ({
  partition: 0,
  offset: String(i),
  key: Buffer.from('k'),
  value,
  ...extra,
});

describe('decodeEvent bounds', () => {
  it('refuses values nested or wide past the bound before parsing, invalid UTF-8, and non-finite offsets', () => {
    const reason = (v: Buffer) => {
      try {
        decodeEvent(v);
        return 'accepted';
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(reason(text(1, (s) => s.replace('}', `,"json":${nested(40)}}`)))).toBe('JSON nested deeper than 32');
    const wide = '{' + Array.from({ length: 10_001 }, (_, i) => `"k${i}":1`).join(',') + '}';
    expect(reason(text(2, (s) => s.replace(/}$/, `,"json":${wide}}`)))).toBe('JSON more than 10000 keys');
    expect(reason(Buffer.concat([Buffer.from('{"v":1,"message":"'), Buffer.from([0xff]), Buffer.from('"}')]))).toBe(
      'not JSON: not valid UTF-8',
    );
    expect(reason(text(3, (s) => s.replace('"offset":3', '"offset":1e400')))).toBe('log.offset is not a finite number');
    expect(reason(text(4, (s) => s.replace(`"v":${EVENT_VERSION}`, '"v":1e400')))).toBe(
      'unknown event version Infinity (this sink reads versions 1 and 2)',
    );
    // Our own events, 20 levels of JSON under `json` (the agent's default bound), pass.
    expect(reason(Buffer.from(encodeEvent(event(5, JSON.parse(nested(20))))))).toBe('accepted');
  });
});

describe('decodeBatch', () => {
  it('hostile records are dead letters with the reason; the rest are items with their bulk lines', () => {
    const records = [
      rec(0, encodeEvent(event(0))),
      rec(1, Buffer.from('[1,2,3]')),
      rec(2, Buffer.from(`{"__proto__":${encodeEvent(event(2)).toString()}}`)),
      rec(
        3,
        text(3, (s) => s.replace('}', `,"json":${nested(5000)}}`)),
      ),
      rec(4, null),
      rec(5, encodeEvent(event(5, JSON.parse('{"__proto__":{"polluted":1},"constructor":{"prototype":{"x":1}}}')))),
      rec(6, Buffer.from(JSON.stringify({ v: '1', '@timestamp': 5, message: {}, event: [], host: 'h', log: null, logship: true }))),
    ];
    const { items, letters } = decodeBatch('logs', 0, records, 'logs');
    expect(items.map((i) => i.ref.offset)).toEqual(['0', '5']);
    expect(letters.map((l) => [l.source.offset, l.stage, l.error_type, l.reason])).toEqual([
      ['1', 'decode', 'decode_error', 'not a JSON object'],
      ['2', 'decode', 'decode_error', 'unknown event version undefined (this sink reads versions 1 and 2)'],
      ['3', 'decode', 'decode_error', 'JSON nested deeper than 32'],
      ['4', 'decode', 'decode_error', 'empty record value'],
      ['6', 'decode', 'decode_error', 'unknown event version "1" (this sink reads versions 1 and 2)'],
    ]);
    // __proto__ stays an own key of the document (JSON.parse defines it), nothing reaches Object.prototype.
    const doc = JSON.parse(items[1].lines!.split('\n')[1]);
    expect(Object.keys(doc.json)).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(items[0].lines).toBe(
      JSON.stringify({ create: { _index: 'logs-2024.05.06', _id: event(0).event.id } }) +
        '\n' +
        JSON.stringify((({ v: _v, ...d }) => d)(event(0))) +
        '\n',
    );
  });

  it('a document JSON.stringify cannot serialize (past the stack) is a dead letter of the index stage', () => {
    const deep = text(1, (s) => s.replace('}', `,"json":${nested(200_000)}}`));
    const { items, letters } = decodeBatch('logs', 0, [rec(1, deep), rec(2, encodeEvent(event(2)))], 'logs', {
      maxDepth: 1e9,
      maxKeys: 1e9,
    });
    expect(items.map((i) => i.ref.offset)).toEqual(['2']);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ stage: 'index', error_type: 'serialize_error', event_id: event(1).event.id });
    expect(letters[0].reason).toMatch(/could not be serialized.*call stack/);
  });

  it("a record of a refused compressed batch is a dead letter with the batch's reason and no original", () => {
    const refused: BatchRefusal = {
      codec: 'gzip',
      why: 'too_large',
      reason: 'gzip record batch … not decompressed',
      records: 2,
      firstOffset: '7',
      lastOffset: '8',
    };
    const { items, letters } = decodeBatch('logs', 0, [rec(7, null, { key: null, refused }), rec(8, null, { key: null, refused })], 'logs');
    expect(items).toEqual([]);
    expect(letters.map((l) => [l.source.offset, l.error_type, l.reason, l.original, l.original_truncated])).toEqual([
      ['7', 'batch_refused', refused.reason, '', true],
      ['8', 'batch_refused', refused.reason, '', true],
    ]);
  });
});
