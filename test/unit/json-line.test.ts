import { describe, expect, it } from 'vitest';
import { parseJsonLine, readJsonLine } from '../../agent/pipeline/json-line.js';

describe('parseJsonLine', () => {
  it('parses a pino line: numeric level to name, epoch ms to ISO, msg', () => {
    const text = '{"level":30,"time":1700000000000,"pid":1,"hostname":"h","msg":"hello"}';
    expect(parseJsonLine(text)).toEqual({
      fields: { level: 30, time: 1700000000000, pid: 1, hostname: 'h', msg: 'hello' },
      timestamp: '2023-11-14T22:13:20.000Z',
      level: 'info',
      message: 'hello',
    });
  });

  it('maps every pino level and keeps unknown numbers as text', () => {
    const lv = (n: number) => parseJsonLine(`{"level":${n}}`)!.level;
    expect([10, 20, 30, 40, 50, 60].map(lv)).toEqual(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);
    expect(lv(35)).toBe('35');
  });

  it('string levels are lowercased; ECS log.level (dotted or nested) is read', () => {
    expect(parseJsonLine('{"level":"WARN"}')!.level).toBe('warn');
    expect(parseJsonLine('{"log.level":"Error"}')!.level).toBe('error');
    expect(parseJsonLine('{"log":{"level":"debug"}}')!.level).toBe('debug');
    expect(parseJsonLine('{"a":1}')!.level).toBeUndefined();
  });

  it('time as epoch seconds (with fraction), ISO with offset, @timestamp, timestamp, ts', () => {
    expect(parseJsonLine('{"time":1700000000}')!.timestamp).toBe('2023-11-14T22:13:20.000Z');
    expect(parseJsonLine('{"ts":1700000000.25}')!.timestamp).toBe('2023-11-14T22:13:20.250Z');
    expect(parseJsonLine('{"time":"2024-01-01T01:00:00+01:00"}')!.timestamp).toBe('2024-01-01T00:00:00.000Z');
    expect(parseJsonLine('{"@timestamp":"2024-02-03T04:05:06.789Z","time":1}')!.timestamp).toBe('2024-02-03T04:05:06.789Z');
    expect(parseJsonLine('{"timestamp":"2024-02-03T04:05:06Z"}')!.timestamp).toBe('2024-02-03T04:05:06.000Z');
  });

  it('an unusable time gives no timestamp', () => {
    expect(parseJsonLine('{"time":"soon"}')!.timestamp).toBeUndefined();
    expect(parseJsonLine('{"time":"2024"}')!.timestamp).toBeUndefined();
    expect(parseJsonLine('{"time":1e20}')!.timestamp).toBeUndefined();
    expect(parseJsonLine('{"time":true}')!.timestamp).toBeUndefined();
    expect(parseJsonLine('{"msg":"x"}')!.timestamp).toBeUndefined();
  });

  it('message from msg or message, only when a string', () => {
    expect(parseJsonLine('{"message":"m"}')!.message).toBe('m');
    expect(parseJsonLine('{"msg":"a","message":"b"}')!.message).toBe('a');
    expect(parseJsonLine('{"msg":42}')!.message).toBeUndefined();
  });

  it('non-JSON, JSON arrays and JSON scalars give undefined', () => {
    for (const t of ['', 'plain text', '{not json', '{"a":1} trailing', '[1,2,3]', '[{"a":1}]', '"str"', '42', 'null', 'true']) {
      expect(parseJsonLine(t), t).toBeUndefined();
    }
  });

  it('bounded: past json_max_depth or json_max_keys the line is refused with why, never parsed', () => {
    const deep = '{"a":'.repeat(5000) + '1' + '}'.repeat(5000);
    expect(readJsonLine(deep)).toEqual({ refused: 'nested deeper than 20' });
    expect(parseJsonLine(deep)).toBeUndefined();
    expect(readJsonLine('{"a":[[1]]}', { maxDepth: 2, maxKeys: 10 })).toEqual({ refused: 'nested deeper than 2' });
    expect(readJsonLine('{"a":1,"b":2}', { maxDepth: 2, maxKeys: 1 })).toEqual({ refused: 'more than 1 keys' });
    expect(readJsonLine('plain')).toEqual({});
    expect(readJsonLine('{"a":1}').parsed?.fields).toEqual({ a: 1 });
  });

  it('__proto__, constructor and toString members are data; a missing key never reads Object.prototype', () => {
    const p = parseJsonLine('{"__proto__":{"level":"error","time":1700000000},"constructor":{"level":"x"},"toString":1}')!;
    expect(Object.keys(p.fields)).toEqual(['__proto__', 'constructor', 'toString']);
    expect(Object.getPrototypeOf(p.fields)).toBe(Object.prototype);
    expect(p.level).toBeUndefined();
    expect(p.timestamp).toBeUndefined();
    expect(parseJsonLine('{"log":{"__proto__":{"level":"warn"}}}')!.level).toBeUndefined();
  });
});
