// A line's own time picks the daily index only when it is plausible: within a window around the line's read
// time (default 365 days back, 1 day ahead). Outside it the read time is used and the line's time is kept.
import { describe, expect, it } from 'vitest';
import { buildEventMarked } from '../../agent/pipeline/event-builder.js';
import { DEFAULT_TIMESTAMP_WINDOW, judgeTimestamp } from '../../agent/pipeline/timestamp-window.js';
import { DEFAULT_JSON_LIMITS } from '../../common/json-bounds.js';
import { indexFor } from '../../common/event.js';
import { coerceLeaf, schema } from '../../config/schema.js';

const DAY = 86_400_000;
const READ = Date.UTC(2025, 5, 15, 12, 0, 0);
const W = DEFAULT_TIMESTAMP_WINDOW;
const src = { type: 'file' as const, name: '/var/log/a.log', identity: 'id-a', path: '/var/log/a.log' };

function build(text: string, readTime = READ, timestamps = W) {
  const line = { offset: 42, text, truncated: false, invalidUtf8: false };
  return buildEventMarked('h', src, line, readTime, true, { json: DEFAULT_JSON_LIMITS, timestamps });
}

describe('judgeTimestamp', () => {
  it('accepts a time within 365 days back and 1 day ahead of the read time, inclusive', () => {
    expect(W).toEqual({ maxPastMs: 365 * DAY, maxFutureMs: DAY });
    expect(judgeTimestamp(READ, READ, W)).toBe('ok');
    expect(judgeTimestamp(READ - 365 * DAY, READ, W)).toBe('ok');
    expect(judgeTimestamp(READ + DAY, READ, W)).toBe('ok');
  });

  it('refuses too old, too far ahead, epoch 0, the last day Date knows, NaN and infinities', () => {
    expect(judgeTimestamp(READ - 365 * DAY - 1, READ, W)).toBe('too_old');
    expect(judgeTimestamp(READ + DAY + 1, READ, W)).toBe('too_new');
    expect(judgeTimestamp(0, READ, W)).toBe('too_old');
    expect(judgeTimestamp(8.64e15, READ, W)).toBe('too_new');
    expect(judgeTimestamp(NaN, READ, W)).toBe('invalid');
    expect(judgeTimestamp(Infinity, READ, W)).toBe('invalid');
    expect(judgeTimestamp(READ, NaN, W)).toBe('invalid');
  });
});

describe('the window in the event', () => {
  it('inside: the line time is @timestamp, nothing marked', () => {
    const b = build(`{"time":${READ - 30 * DAY},"msg":"m"}`);
    expect(b.event['@timestamp']).toBe(new Date(READ - 30 * DAY).toISOString());
    expect(b.timestampRefused).toBeUndefined();
    expect(b.event.log.original_timestamp).toBeUndefined();
  });

  it('too old, too far ahead, epoch 0 and 8.64e15: the read time, the line time kept, the reason given', () => {
    const cases: Array<[string, string, 'too_old' | 'too_new']> = [
      [`{"time":"2020-01-01T00:00:00Z"}`, '2020-01-01T00:00:00.000Z', 'too_old'],
      [`{"@timestamp":"2025-06-17T00:00:00Z"}`, '2025-06-17T00:00:00.000Z', 'too_new'],
      [`{"time":0}`, '1970-01-01T00:00:00.000Z', 'too_old'],
      [`{"time":8.64e15}`, '+275760-09-13T00:00:00.000Z', 'too_new'],
    ];
    for (const [text, original, reason] of cases) {
      const b = build(text);
      expect(b.event['@timestamp'], text).toBe(new Date(READ).toISOString());
      expect(b.event.log.original_timestamp, text).toBe(original);
      expect(b.timestampRefused, text).toBe(reason);
      expect(indexFor('logs', b.event['@timestamp'])).toBe('logs-2025.06.15');
      expect(b.event.json, text).toBeDefined(); // the fields are still parsed
    }
  });

  it('a time that is not a date (NaN, out of range, not a time) is not a timestamp: the read time, nothing marked', () => {
    for (const text of ['{"time":"NaN"}', '{"time":"not a date at all"}', '{"time":1e300}', '{"time":8.7e15}']) {
      const b = build(text);
      expect(b.event['@timestamp'], text).toBe(new Date(READ).toISOString());
      expect(b.timestampRefused, text).toBeUndefined();
    }
  });

  it('judged against the read time it is given: a re-read line (same journal time) gets the same @timestamp', () => {
    const text = `{"time":${READ - 300 * DAY}}`;
    const first = build(text, READ).event;
    const again = build(text, READ).event;
    expect(again['@timestamp']).toBe(first['@timestamp']);
    expect(first['@timestamp']).toBe(new Date(READ - 300 * DAY).toISOString());
    // Read much later for the first time, the same line is too old.
    expect(build(text, READ + 100 * DAY).timestampRefused).toBe('too_old');
  });

  it('a narrower window from config', () => {
    const b = build(`{"time":${READ - 2 * DAY}}`, READ, { maxPastMs: DAY, maxFutureMs: 0 });
    expect(b.timestampRefused).toBe('too_old');
    expect(build(`{"time":${READ + 1}}`, READ, { maxPastMs: DAY, maxFutureMs: 0 }).timestampRefused).toBe('too_new');
  });

  it('config: durations with units, 365d and 1d by default', () => {
    const past = schema.fields.agent.fields.timestamp_max_past_ms;
    const future = schema.fields.agent.fields.timestamp_max_future_ms;
    expect(past.default).toBe(365 * DAY);
    expect(future.default).toBe(DAY);
    expect(coerceLeaf(past, '30d')).toEqual({ ok: true, value: 30 * DAY });
    expect(coerceLeaf(future, '2h')).toEqual({ ok: true, value: 2 * 3_600_000 });
    expect(schema.fields.agent.fields.json_max_depth.default).toBe(20);
    expect(schema.fields.agent.fields.json_max_keys.default).toBe(1000);
  });
});
