// Fuzzing the agent's path of a line: bytes -> framer -> JSON parser -> event -> encoder. Whatever the bytes or
// the JSON (deep, wide, huge numbers, __proto__ and constructor keys, times far off), nothing throws and every
// framed line is one event: offsets strictly increasing and contiguous, each event decodes with decodeEvent, its
// id is the line's, its message the line's text, and its @timestamp picks a plausible daily index.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createAgentMetrics } from '../../agent/metrics.js';
import { createEventEncoder } from '../../agent/pipeline/event-encoder.js';
import { createLineFramer, type FramedLine } from '../../agent/pipeline/line-framer.js';
import { DEFAULT_TIMESTAMP_WINDOW } from '../../agent/pipeline/timestamp-window.js';
import { decodeEvent, eventId, indexFor, type LogEvent } from '../../common/event.js';

const READ = Date.UTC(2025, 5, 15, 12, 0, 0);
const src = { type: 'file' as const, name: '/var/log/f.log', identity: 'fuzz-identity', path: '/var/log/f.log' };
const metrics = createAgentMetrics(pino({ level: 'silent' }));
const encode = createEventEncoder({ host: 'h', parseJson: true, events: metrics, now: () => READ });

/** Frames `bytes` pushed in pieces cut at `cuts`, then flushes the partial last line. */
function frame(bytes: Buffer, cuts: number[], maxLineBytes: number, start: number): FramedLine[] {
  const framer = createLineFramer({ startOffset: start, maxLineBytes });
  const out: FramedLine[] = [];
  let from = 0;
  for (const c of [...new Set(cuts.map((x) => x % (bytes.length + 1)))].sort((a, b) => a - b)) {
    out.push(...framer.push(bytes.subarray(from, c)));
    from = c;
  }
  out.push(...framer.push(bytes.subarray(from)));
  const last = framer.flushPartial();
  if (last) out.push(last);
  return out;
}

/** Every framed line is one event that decodes, with the line's id, offset and text; the lines cover the input. */
function checkPipeline(bytes: Buffer, cuts: number[], maxLineBytes: number, start = 0): LogEvent[] {
  const lines = frame(bytes, cuts, maxLineBytes, start);
  let at = start;
  const events: LogEvent[] = [];
  for (const line of lines) {
    expect(line.offset).toBe(at); // contiguous, so strictly increasing: every byte belongs to one line
    expect(line.end).toBeGreaterThan(line.offset);
    at = line.end;
    const e = decodeEvent(encode(src, line, READ));
    expect(e.event.id).toBe(eventId('h', src.identity, line.offset));
    expect(e.log.offset).toBe(line.offset);
    expect(e.message).toBe(line.text);
    expect(e.log.build_error).toBeUndefined();
    const t = Date.parse(e['@timestamp']);
    expect(t).toBeGreaterThanOrEqual(READ - DEFAULT_TIMESTAMP_WINDOW.maxPastMs);
    expect(t).toBeLessThanOrEqual(READ + DEFAULT_TIMESTAMP_WINDOW.maxFutureMs);
    expect(indexFor('logs', e['@timestamp'])).toMatch(/^logs-\d{4}\.\d{2}\.\d{2}$/);
    events.push(e);
  }
  expect(at).toBe(start + bytes.length);
  expect(new Set(events.map((e) => e.event.id)).size).toBe(events.length);
  return events;
}

// Bytes rich in what JSON and framing care about.
const byte = fc.oneof(
  fc.constantFrom(0x0a, 0x0d, 0x7b, 0x7d, 0x5b, 0x5d, 0x22, 0x3a, 0x5c, 0x2c, 0xff, 0xc3, 0xe2, 0xf0, 0x80),
  fc.integer({ min: 0, max: 255 }),
);
const cuts = fc.array(fc.nat(), { maxLength: 8 });

const hostileKey = fc.oneof(
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'hasOwnProperty',
    'valueOf',
    'time',
    '@timestamp',
    'ts',
    'timestamp',
  ),
  fc.constantFrom('level', 'log', 'log.level', 'msg', 'message', ''),
  fc.string({ unit: 'binary', maxLength: 8 }),
);
const number = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.integer().map(String),
  fc.constantFrom('1e400', '-1e400', '1e-400', '0', '-0', '8.64e15', '8.7e15', '-8.64e15', '1700000000', '1700000000000', '1e20'),
  fc.constantFrom('123456789012345678901234567890', '9007199254740993', '0.1e-7', '5E+3'),
);
const str = fc
  .oneof(
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.constantFrom('2024-01-01T00:00:00Z', '1970-01-01T00:00:00Z', '+275760-09-13T00:00:00.000Z', 'NaN', 'Infinity', 'WARN', '{"a":1}'),
  )
  .map((s) => JSON.stringify(s));
const leaf = fc.oneof(number, str, fc.constantFrom('true', 'false', 'null'));
const { value: jsonText } = fc.letrec<{ value: string; array: string; object: string }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }).map((xs) => `[${xs.join(',')}]`),
  object: fc
    .array(fc.tuple(hostileKey, tie('value')), { maxLength: 5 })
    .map((kvs) => `{${kvs.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
}));
const deep = fc.tuple(fc.integer({ min: 0, max: 6000 }), fc.constantFrom('{"a":', '[', '{"__proto__":')).map(([n, open]) => {
  const close = open === '[' ? ']' : '}';
  return '{"d":' + open.repeat(n) + '1' + close.repeat(n) + '}';
});
const wide = fc.integer({ min: 0, max: 3000 }).map((n) => '{' + Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(',') + '}');
const timed = fc
  .tuple(fc.constantFrom('time', '@timestamp', 'ts', 'timestamp'), fc.oneof(number, str))
  .map(([k, v]) => `{"${k}":${v},"msg":"m"}`);
const jsonLine = fc.oneof(jsonText, deep, wide, timed);

describe('agent pipeline fuzz', () => {
  it('arbitrary bytes, cut anywhere: every framed line is one decodable event', () => {
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 3000 }), cuts, fc.constantFrom(16, 64, 1 << 20), fc.nat(1 << 30), (bs, c, max, start) => {
        checkPipeline(Buffer.from(bs), c, max, start);
      }),
      { numRuns: 300 },
    );
  });

  it('arbitrary JSON lines (deep, wide, huge numbers, hostile keys, far-off times): parsed within the limits, else marked', () => {
    fc.assert(
      fc.property(fc.array(jsonLine, { minLength: 1, maxLength: 6 }), cuts, (texts, c) => {
        const events = checkPipeline(Buffer.from(texts.join('\n') + '\n'), c, 1 << 20);
        expect(events).toHaveLength(texts.length);
        for (const e of events) {
          if (e.json !== undefined) {
            // What was parsed is what the line says (numbers beyond double range become null on the wire).
            expect(JSON.stringify(e.json)).toBe(JSON.stringify(JSON.parse(e.message)));
            expect(e.log.json_error).toBeUndefined();
          }
          if (e.log.original_timestamp !== undefined) expect(e['@timestamp']).toBe(new Date(READ).toISOString());
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a line beyond the bounds is never parsed, and always says why', () => {
    fc.assert(
      fc.property(fc.oneof(deep, wide), (text) => {
        const [e] = checkPipeline(Buffer.from(text + '\n'), [], 1 << 20);
        const over = /^\{"d":(\{"a":|\[|\{"__proto__":){20}/.test(text) || (text.match(/:/g)?.length ?? 0) > 1000;
        expect(e.json === undefined).toBe(over);
        expect(e.log.json_error !== undefined).toBe(over);
      }),
      { numRuns: 200 },
    );
  });
});
