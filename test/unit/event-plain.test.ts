// Plain lines through the event builder: time and level from the line, read time kept in event.created, the id
// the same as without parsing, the window applied, fields and tags added.
import { describe, expect, it } from 'vitest';
import { buildEventMarked, DEFAULT_EVENT_RULES, type EventRules } from '../../agent/pipeline/event-builder.js';

const src = { type: 'file' as const, name: 'app', identity: 'id-1', path: '/l/app.log' };
const READ = Date.parse('2026-12-01T08:00:00Z');
const line = (text: string) => ({ offset: 42, text, truncated: false, invalidUtf8: false });
const rules: EventRules = {
  ...DEFAULT_EVENT_RULES,
  plain: { format: 'auto', timezone: 'UTC' },
  fields: { service: { name: 'checkout' } },
  tags: ['java'],
};

describe('plain lines in events', () => {
  it('takes @timestamp and log.level from the line, keeps the read time and the id', () => {
    const text = '2026-12-01 07:00:00,123 WARN [main] c.e.Svc - slow';
    const { event } = buildEventMarked('h', src, line(text), READ, true, rules);
    const plain = buildEventMarked('h', src, line(text), READ, true, DEFAULT_EVENT_RULES).event;
    expect(event['@timestamp']).toBe('2026-12-01T07:00:00.123Z');
    expect(event.event.created).toBe('2026-12-01T08:00:00.000Z');
    expect(event.log.level).toBe('warn');
    expect(event.event.id).toBe(plain.event.id);
    expect(plain['@timestamp']).toBe('2026-12-01T08:00:00.000Z');
    expect(event.fields).toEqual({ service: { name: 'checkout' } });
    expect(event.tags).toEqual(['java']);
    expect(event.logship.source.name).toBe('app');
  });

  it('a line without a time keeps the read time; a time outside the window gives way to it', () => {
    expect(buildEventMarked('h', src, line('no time here'), READ, true, rules).event['@timestamp']).toBe('2026-12-01T08:00:00.000Z');
    const old = buildEventMarked('h', src, line('2001-01-01T00:00:00Z ERROR old'), READ, true, rules);
    expect(old.timestampRefused).toBe('too_old');
    expect(old.event['@timestamp']).toBe('2026-12-01T08:00:00.000Z');
    expect(old.event.log.original_timestamp).toBe('2001-01-01T00:00:00.000Z');
    expect(old.event.log.level).toBe('error');
  });

  it("format off parses nothing; a JSON line's own fields win", () => {
    const off = { ...rules, plain: { format: 'off' as const, timezone: 'UTC' } };
    const e = buildEventMarked('h', src, line('2026-12-01T07:00:00Z ERROR x'), READ, true, off).event;
    expect(e.log.level).toBeUndefined();
    expect(e['@timestamp']).toBe('2026-12-01T08:00:00.000Z');
    const j = buildEventMarked('h', src, line('{"level":"info","msg":"2026-12-01T07:00:00Z ERROR"}'), READ, true, rules).event;
    expect(j.log.level).toBe('info');
  });
});
