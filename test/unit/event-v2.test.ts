// Event version 2: what repeats is left out on the wire and put back by decodeEvent, so the document is the same
// as from version 1; version 1 records still decode as they did. The fixed-shape serializer writes exactly
// JSON.stringify(event) minus those omissions, whatever fields the builder adds.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEventEncoder } from '../../agent/pipeline/event-encoder.js';
import { buildEvent } from '../../agent/pipeline/event-builder.js';
import { createEventSerializer } from '../../agent/pipeline/event-serializer.js';
import { decodeEvent, encodeEvent, eventId, type LogEvent } from '../../common/event.js';

const T = Date.UTC(2025, 5, 15, 12, 0, 0);
const noEvents = { jsonRefused() {}, timestampRefused() {}, buildFailed() {} };
const file = { type: 'file' as const, name: '/var/log/app.log', identity: 'id-1', path: '/var/log/app.log' };
const stream = { type: 'stdin' as const, name: 'stdin', identity: 'st-1' };
const line = (offset: number, text: string) => ({ offset, text, truncated: false, invalidUtf8: false });

/** What v2 leaves out of `e`, as plain JSON. */
function withoutRepeats(e: LogEvent): unknown {
  const c = JSON.parse(JSON.stringify(e)) as Record<string, any>;
  if (c.event?.created === c['@timestamp']) delete c.event.created;
  if (c.logship?.source?.name === c.log?.file?.path) delete c.logship.source.name;
  return c;
}

describe('event version 2', () => {
  it('a plain file line carries no event.created and no logship.source.name; decoding puts both back', () => {
    const encode = createEventEncoder({ host: 'web-1', parseJson: true, events: noEvents, now: () => T });
    const value = encode(file, line(260, 'GET /x 200'), T);
    const wire = JSON.parse(value.toString()) as Record<string, any>;
    expect(wire.v).toBe(2);
    expect(wire.event).toEqual({ id: eventId('web-1', 'id-1', 260) });
    expect(wire.logship.source).toEqual({ type: 'file', identity: 'id-1' });
    const full = { ...buildEvent('web-1', file, line(260, 'GET /x 200'), T, true), v: 2 };
    expect(decodeEvent(value)).toEqual(full);
    expect(value.length).toBeLessThan(encodeEvent(full).length);
  });

  it('keeps event.created when the line has its own time, and a stream keeps its source name', () => {
    const encode = createEventEncoder({ host: 'h', parseJson: true, events: noEvents, now: () => T });
    const own = '{"time":"2025-06-15T11:59:58.000Z","msg":"x"}';
    const e = decodeEvent(encode(stream, line(7, own), T));
    expect(e['@timestamp']).toBe('2025-06-15T11:59:58.000Z');
    expect(e.event.created).toBe(new Date(T).toISOString());
    const wire = JSON.parse(encode(stream, line(8, own), T).toString()) as Record<string, any>;
    expect(wire.event.created).toBe(new Date(T).toISOString());
    expect(wire.logship.source.name).toBe('stdin');
  });

  it('a source name other than the path (a configured name) is written', () => {
    const encode = createEventEncoder({ host: 'h', parseJson: false, events: noEvents, now: () => T });
    const named = { ...file, name: 'nginx-access' };
    const wire = JSON.parse(encode(named, line(0, 'x'), T).toString()) as Record<string, any>;
    expect(wire.logship.source.name).toBe('nginx-access');
    expect(decodeEvent(encode(named, line(0, 'x'), T)).logship.source.name).toBe('nginx-access');
  });

  it('version 1 records decode as before, with every field', () => {
    const v1 = { ...buildEvent('h', file, line(5, 'old'), T, false), v: 1 };
    expect(decodeEvent(encodeEvent(v1))).toEqual(v1);
  });

  it('the serializer writes JSON.stringify(event) minus the repeats, for any fields, across sources', () => {
    const str = fc.string({ unit: 'binary', maxLength: 40 });
    const extra = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });
    const ev = fc.record({
      host: fc.constantFrom('web-1', 'db "2"'),
      path: fc.option(fc.constantFrom('/a.log', '/b\\c.log')),
      name: fc.constantFrom('/a.log', 'src-name'),
      identity: fc.constantFrom('i1', 'i2'),
      offset: fc.nat(),
      message: str,
      own: fc.boolean(),
      level: fc.option(fc.constantFrom('info', 'error')),
      top: extra,
      logExtra: extra,
      eventExtra: fc.option(fc.constantFrom('dataset-a')),
    });
    const serialize = createEventSerializer();
    fc.assert(
      fc.property(fc.array(ev, { minLength: 1, maxLength: 5 }), (list) => {
        for (const x of list) {
          const created = new Date(T).toISOString();
          const e: LogEvent = {
            v: 2,
            '@timestamp': x.own ? '2025-01-01T00:00:00.000Z' : created,
            message: x.message,
            event: { id: eventId(x.host, x.identity, x.offset), created, ...(x.eventExtra ? { dataset: x.eventExtra } : {}) },
            host: { name: x.host },
            log: { offset: x.offset, ...(x.path ? { file: { path: x.path } } : {}), ...(x.level ? { level: x.level } : {}) },
            logship: { source: { type: 'file', name: x.name, identity: x.identity } },
          };
          Object.assign(e.log, Object.fromEntries(Object.entries(x.logExtra).filter(([k]) => !(k in e.log))));
          Object.assign(e, Object.fromEntries(Object.entries(x.top).filter(([k]) => !(k in e))));
          expect(JSON.parse(serialize(e))).toEqual(withoutRepeats(e));
          expect(serialize(e)).toBe(JSON.stringify(withoutRepeats(e)));
        }
      }),
      { numRuns: 300 },
    );
  });
});
