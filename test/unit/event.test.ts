import { describe, expect, it } from 'vitest';
import { LogshipError } from '../../common/errors.js';
import { EVENT_VERSION, decodeEvent, encodeEvent, eventId, indexFor, type LogEvent } from '../../common/event.js';

function sample(): LogEvent {
  return {
    v: EVENT_VERSION,
    '@timestamp': '2024-05-06T07:08:09.123Z',
    message: 'hello "world" ✓',
    event: { id: eventId('web-1', 'abc123', 42), created: '2024-05-06T07:08:10.000Z', kind: 'event' },
    host: { name: 'web-1' },
    log: { offset: 42, file: { path: '/var/log/app.log' }, level: 'info', truncated: true },
    logship: { source: { type: 'file', name: '/var/log/app.log', identity: 'abc123' } },
    json: { level: 30, msg: 'x', nested: { a: [1, 2] } },
  };
}

function decodeReason(value: Buffer | string | null): string {
  try {
    decodeEvent(value);
  } catch (err) {
    expect(err).toBeInstanceOf(LogshipError);
    expect((err as LogshipError).code).toBe('LOGSHIP_ERR_EVENT_DECODE');
    expect((err as LogshipError).retriable).toBe(false);
    return (err as Error).message;
  }
  throw new Error('decodeEvent accepted the value');
}

describe('eventId', () => {
  it('is deterministic: 32 hex chars, same inputs give the same id', () => {
    const a = eventId('host', 'ident', 1234);
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(eventId('host', 'ident', 1234)).toBe(a);
  });

  it('differs when host, identity or offset differ', () => {
    const base = eventId('host', 'ident', 1234);
    const others = [
      eventId('host2', 'ident', 1234),
      eventId('host', 'ident2', 1234),
      eventId('host', 'ident', 1235),
      eventId('host', 'ident', 0),
    ];
    expect(new Set([base, ...others]).size).toBe(5);
  });

  it('has no separator ambiguity between the parts', () => {
    expect(eventId('a', 'b\0c', 1)).not.toBe(eventId('a\0b', 'c', 1));
    expect(eventId('a', 'b\u00001', 2)).not.toBe(eventId('a', 'b', 12));
    expect(eventId('a', '1\u00002', 3)).not.toBe(eventId('a', '1', 23));
    expect(eventId('ab', 'c', 1)).not.toBe(eventId('a', 'bc', 1));
    expect(eventId('', 'ab', 1)).not.toBe(eventId('ab', '', 1));
    expect(eventId('a"', 'b', 1)).not.toBe(eventId('a', '"b', 1));
  });

  it('no collisions over many offsets and sources', () => {
    const ids = new Set<string>();
    for (const host of ['h1', 'h2'])
      for (const src of ['s1', 's2', 's3']) for (let off = 0; off < 2000; off += 7) ids.add(eventId(host, src, off));
    expect(ids.size).toBe(2 * 3 * Math.ceil(2000 / 7));
  });
});

describe('encode / decode', () => {
  it('round-trips an event exactly', () => {
    const e = sample();
    const buf = encodeEvent(e);
    expect(Buffer.isBuffer(buf)).toBe(true);
    expect(decodeEvent(buf)).toEqual(e);
    expect(decodeEvent(buf.toString('utf8'))).toEqual(e);
  });

  it('round-trips non-ASCII and control characters in the message', () => {
    const e = { ...sample(), message: 'tab\tnl\n\u0000 \uFFFD 😀 中文' };
    expect(decodeEvent(encodeEvent(e)).message).toBe('tab\tnl\n\u0000 \uFFFD 😀 中文');
  });

  it('rejects empty and null values', () => {
    expect(decodeReason(null)).toBe('empty record value');
    expect(decodeReason(Buffer.alloc(0))).toBe('empty record value');
    expect(decodeReason('')).toBe('empty record value');
  });

  it('rejects non-JSON', () => {
    expect(decodeReason('not json')).toMatch(/^not JSON: /);
    expect(decodeReason(Buffer.from('{"v":1,'))).toMatch(/^not JSON: /);
  });

  it('rejects JSON that is not an object', () => {
    expect(decodeReason('[1,2]')).toBe('not a JSON object');
    expect(decodeReason('"str"')).toBe('not a JSON object');
    expect(decodeReason('null')).toBe('not a JSON object');
    expect(decodeReason('42')).toBe('not a JSON object');
  });

  it('rejects an unknown version', () => {
    expect(decodeReason(JSON.stringify({ ...sample(), v: 3 }))).toBe('unknown event version 3 (this sink reads versions 1 and 2)');
    expect(decodeReason(JSON.stringify({ ...sample(), v: '1' }))).toBe('unknown event version "1" (this sink reads versions 1 and 2)');
    const { v: _v, ...noV } = sample();
    expect(decodeReason(JSON.stringify(noV))).toBe('unknown event version undefined (this sink reads versions 1 and 2)');
  });

  it('rejects missing or invalid fields, each with its own reason', () => {
    const without = (mut: (e: Record<string, any>) => void) => {
      const e = JSON.parse(JSON.stringify(sample())) as Record<string, any>;
      mut(e);
      return decodeReason(JSON.stringify(e));
    };
    expect(without((e) => delete e['@timestamp'])).toBe('missing or invalid @timestamp');
    expect(without((e) => (e['@timestamp'] = 'yesterday'))).toBe('missing or invalid @timestamp');
    expect(without((e) => delete e.message)).toBe('missing message');
    expect(without((e) => (e.message = 5))).toBe('missing message');
    expect(without((e) => delete e.event)).toBe('missing event.id');
    expect(without((e) => (e.event.id = ''))).toBe('missing event.id');
    expect(without((e) => delete e.host)).toBe('missing host.name');
    expect(without((e) => (e.host = { name: 1 }))).toBe('missing host.name');
    expect(without((e) => delete e.log)).toBe('missing log.offset');
    expect(without((e) => (e.log.offset = '42'))).toBe('missing log.offset');
    expect(without((e) => delete e.logship)).toBe('missing logship.source');
    expect(without((e) => delete e.logship.source.identity)).toBe('missing logship.source');
  });
});

describe('indexFor', () => {
  it('uses the UTC day of the timestamp', () => {
    expect(indexFor('logs', '2024-05-06T07:08:09.123Z')).toBe('logs-2024.05.06');
    expect(indexFor('logs', '2024-12-31T23:59:59.999Z')).toBe('logs-2024.12.31');
    expect(indexFor('logs', '2025-01-01T00:00:00.000Z')).toBe('logs-2025.01.01');
    // 23:30 at UTC-5 is 04:30 the next day in UTC.
    expect(indexFor('logs', '2024-03-01T23:30:00-05:00')).toBe('logs-2024.03.02');
    // 00:30 at UTC+2 is 22:30 the previous day in UTC.
    expect(indexFor('app', '2024-01-01T00:30:00+02:00')).toBe('app-2023.12.31');
  });
});
