// Lines that used to stop a source: a JSON line nested thousands deep (JSON.stringify overflowed the stack while
// encoding it), one with too many members, one whose event cannot be built. Each is sent, marked and counted;
// the lines after it are sent too, and a file's watermark reaches its end.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createAgentMetrics } from '../../agent/metrics.js';
import { createBatcher, type QueuedEvent } from '../../agent/pipeline/batcher.js';
import { buildEvent, encodeBounded, MAX_EVENT_BYTES } from '../../agent/pipeline/event-builder.js';
import { createEventEncoder } from '../../agent/pipeline/event-encoder.js';
import { fingerprint } from '../../agent/sources/files/identity.js';
import { FileTailer } from '../../agent/sources/files/tailer.js';
import { Spool } from '../../agent/sources/streams/spool.js';
import { StreamSource } from '../../agent/sources/streams/stream-source.js';
import type { TimeJournal } from '../../agent/state/time-journal.js';
import { decodeEvent, eventId, type LogEvent } from '../../common/event.js';

const T = Date.UTC(2025, 0, 2, 3, 4, 5);
const nested = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
const nestedArrays = (n: number) => '{"a":' + '['.repeat(n) + ']'.repeat(n) + '}';
const wide = (n: number) => '{' + Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(',') + '}';
const src = { type: 'file' as const, name: '/var/log/a.log', identity: 'id-a', path: '/var/log/a.log' };
const line = (text: string, offset = 7) => ({ offset, text, truncated: false, invalidUtf8: false });

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logship-hostile-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function count(metrics: ReturnType<typeof createAgentMetrics>, name: string): Promise<Record<string, number>> {
  const m = await metrics.registry.getSingleMetric(name)!.get();
  return Object.fromEntries(m.values.map((v) => [Object.values(v.labels).join('/') || 'total', v.value]));
}

function encoderWith() {
  const metrics = createAgentMetrics(pino({ level: 'silent' }));
  return { metrics, encode: createEventEncoder({ host: 'h', parseJson: true, events: metrics, now: () => T }) };
}

describe('event encoder', () => {
  it('a line nested 5,000 deep (objects or arrays) is a plain message marked with why, counted', async () => {
    const { metrics, encode } = encoderWith();
    for (const text of [nested(5000), nestedArrays(5000), nested(21)]) {
      const e = decodeEvent(encode(src, line(text), T));
      expect(e.message).toBe(text);
      expect(e.json).toBeUndefined();
      expect(e.log.json_error).toBe('nested deeper than 20');
      expect(e.event.id).toBe(eventId('h', 'id-a', 7));
      expect(e['@timestamp']).toBe(new Date(T).toISOString());
    }
    expect(await count(metrics, 'logship_agent_lines_json_refused_total')).toEqual({ total: 3 });
  });

  it('more members than json_max_keys: plain, marked; at the limit: parsed', () => {
    const { encode } = encoderWith();
    expect(decodeEvent(encode(src, line(wide(1001)), T)).log.json_error).toBe('more than 1000 keys');
    const ok = decodeEvent(encode(src, line(wide(1000)), T));
    expect(ok.log.json_error).toBeUndefined();
    expect(Object.keys(ok.json!)).toHaveLength(1000);
  });

  it('the limits come from config (rules)', () => {
    const metrics = createAgentMetrics(pino({ level: 'silent' }));
    const rules = { json: { maxDepth: 2, maxKeys: 3 }, timestamps: { maxPastMs: 1e12, maxFutureMs: 1e12 } };
    const encode = createEventEncoder({ host: 'h', parseJson: true, rules, events: metrics, now: () => T });
    expect(decodeEvent(encode(src, line('{"a":{"b":1}}'), T)).json).toEqual({ a: { b: 1 } });
    expect(decodeEvent(encode(src, line('{"a":{"b":{"c":1}}}'), T)).log.json_error).toBe('nested deeper than 2');
    expect(decodeEvent(encode(src, line('{"a":1,"b":2,"c":3,"d":4}'), T)).log.json_error).toBe('more than 3 keys');
  });

  it('lines that parse within the limits encode exactly as buildEvent + encodeBounded did', () => {
    const { encode } = encoderWith();
    for (const text of ['plain', '{"level":30,"time":1735787045000,"msg":"x"}', nested(20), '{"__proto__":{"x":1},"constructor":2}']) {
      expect(encode(src, line(text), T).toString()).toBe(encodeBounded(buildEvent('h', src, line(text), T, true)).toString());
    }
  });

  it('a failure building the event gives the plain line with log.build_error and the usual id, counted as a fault', async () => {
    const { metrics, encode } = encoderWith();
    const value = encode(src, line('{"msg":"x"}'), T, () => {
      throw new Error('boom');
    });
    const e = decodeEvent(value);
    expect(e.message).toBe('{"msg":"x"}');
    expect(e.log.build_error).toBe('boom');
    expect(e.json).toBeUndefined();
    expect(e.event.id).toBe(eventId('h', 'id-a', 7));
    expect(await count(metrics, 'logship_agent_errors_total')).toEqual({ 'build/exception': 1 });
  });

  it('a read time that is not a date (a damaged spool record) does not throw: the current time is used, marked', () => {
    const { encode } = encoderWith();
    const e = decodeEvent(encode(src, line('x'), NaN));
    expect(e['@timestamp']).toBe(new Date(T).toISOString());
    expect(e.log.build_error).toMatch(/Invalid time value/);
  });

  it('encodeBounded ends and fits even when an exit event carries a huge command line', () => {
    const e: LogEvent = buildEvent('h', src, line('m'.repeat(10)), T, false);
    e.process = { exit_code: 1, signal: null, command_line: 'x'.repeat(3_000_000) };
    const buf = encodeBounded(e);
    expect(buf.length).toBeLessThanOrEqual(MAX_EVENT_BYTES);
    expect(decodeEvent(buf).log.truncated).toBe(true);
  });
});

function collector() {
  const sent: LogEvent[] = [];
  const batcher = createBatcher({
    maxEvents: 1000,
    maxBytes: 1 << 22,
    lingerMs: 0,
    maxInflightBytes: 1 << 24,
    async send(batch: QueuedEvent[]) {
      for (const e of batch) sent.push(decodeEvent(e.value));
    },
  });
  return { sent, batcher };
}

function streamCtx(batcher: ReturnType<typeof createBatcher>, metrics = createAgentMetrics(pino({ level: 'silent' }))) {
  return {
    host: 'h',
    dataDir: dir,
    maxLineBytes: 1 << 20,
    spoolMaxBytes: 1 << 24,
    spoolFull: 'block' as const,
    parseJson: true,
    batcher,
    metrics,
    now: () => T,
  };
}

describe('stream source', () => {
  it('a nested line between two plain ones: all three sent, the stream ends normally', async () => {
    const { sent, batcher } = collector();
    const s = new StreamSource('job', 'stdin', undefined, streamCtx(batcher));
    const input = new PassThrough();
    const ended = s.attach(input);
    input.end(`before\n${nested(5000)}\nafter\n`);
    await ended;
    await batcher.flush();
    expect(sent.map((e) => e.message)).toEqual(['before', nested(5000), 'after']);
    expect(sent[1].log.json_error).toBe('nested deeper than 20');
    expect(s.checkpoint().seq).toBe(3);
    s.close();
  });

  it('a nested line left in the spool by a past run is sent on restart without a throw', async () => {
    const identity = 'feedfacefeedfacefeedface';
    const spool = new Spool(path.join(dir, 'spool', identity), 1 << 24);
    spool.append({ seq: 0, time: T, message: nested(5000) });
    spool.append({ seq: 1, time: T, message: 'after' });
    spool.close();
    const { sent, batcher } = collector();
    const s = new StreamSource('job', 'stdin', { identity, seq: 0 }, streamCtx(batcher));
    await batcher.flush();
    expect(sent.map((e) => [e.log.offset, e.log.json_error])).toEqual([
      [0, 'nested deeper than 20'],
      [1, undefined],
    ]);
    expect(s.checkpoint().seq).toBe(2);
    s.close();
  });

  it('a throw inside the data handler is a counted fault; the input keeps flowing', async () => {
    const { sent, batcher } = collector();
    const metrics = createAgentMetrics(pino({ level: 'silent' }));
    let reads = 0;
    const flaky = {
      ...metrics,
      lineRead(type: string, bytes: number) {
        if (++reads === 2) throw new Error('handler bug');
        metrics.lineRead(type, bytes);
      },
    };
    const s = new StreamSource('job', 'stdin', undefined, streamCtx(batcher, flaky));
    const input = new PassThrough();
    const ended = s.attach(input);
    input.write('one\ntwo\nthree\n');
    input.end('four\n');
    await ended;
    await batcher.flush();
    expect(sent.map((e) => e.message)).toEqual(['one', 'three', 'four']);
    expect(await count(metrics, 'logship_agent_errors_total')).toEqual({ 'stream/exception': 1 });
    s.close();
  });
});

describe('file tailer', () => {
  it('a nested line between two plain ones: all sent, the watermark reaches the end of the file', async () => {
    const file = path.join(dir, 'a.log');
    const text = `before\n${nested(5000)}\n${wide(2000)}\nafter\n`;
    fs.writeFileSync(file, text);
    const { sent, batcher } = collector();
    const journal = {
      timeFor: () => T,
      noteChunk: () => true,
      compact() {},
      failure: undefined,
      close() {},
    } satisfies TimeJournal;
    const fd = fs.openSync(file, 'r');
    const st = fs.fstatSync(fd);
    const entry = { identity: '', dev: st.dev, ino: st.ino, path: file, offset: 0, fp: fingerprint(Buffer.alloc(0)) };
    const ctx = {
      host: 'h',
      maxLineBytes: 1 << 20,
      readBufferBytes: 4096,
      partialFlushMs: 0,
      parseJson: true,
      batcher,
      metrics: createAgentMetrics(pino({ level: 'silent' })),
      journal,
      now: () => T,
    };
    const t = new FileTailer(file, fd, { ...entry, fpLen: 0, generation: 0, firstSeen: 1, updated: 1 }, ctx, () => undefined);
    while (t.readOnce() === 'data');
    await batcher.flush();
    expect(sent.map((e) => e.message)).toEqual(['before', nested(5000), wide(2000), 'after']);
    expect(sent.map((e) => e.log.json_error)).toEqual([undefined, 'nested deeper than 20', 'more than 1000 keys', undefined]);
    expect(t.acked).toBe(Buffer.byteLength(text));
    t.close();
  });
});
