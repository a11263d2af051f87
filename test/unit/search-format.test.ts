// How `logship search` prints: every output mode, colour rules, the count table and the histogram bars.
import { describe, expect, it } from 'vitest';
import { bar, countTable, histogram } from '../../cli/search-charts.js';
import { formatLine, formatTime, logfmtValue, messageOf, shortSource, useColor, type LineStyle } from '../../cli/search-format.js';

const pino = {
  '@timestamp': '2026-12-01T12:34:56.789Z',
  message: '{"level":50,"time":1764592496789,"msg":"payment failed","order":{"id":42},"ms":12.5}',
  host: { name: 'web-1' },
  log: { offset: 10, level: 'error', file: { path: '/var/log/shop/checkout.log' } },
  logship: { source: { type: 'file', name: '/var/log/shop/checkout.log', identity: 'x' } },
  json: { level: 50, time: 1764592496789, msg: 'payment failed', order: { id: 42 }, ms: 12.5 },
};
const plain = {
  '@timestamp': '2026-12-01T12:34:56.000Z',
  message: 'GET /api/orders 200',
  host: { name: 'web-2' },
  log: { offset: 0 },
  logship: { source: { type: 'stdin', name: 'nightly-job', identity: 'y' } },
};
const text: LineStyle = { mode: 'text', utc: true, color: false };

describe('-o text', () => {
  it('time, level, host, the file name, and a JSON line its own message', () => {
    expect(formatLine(pino, text)).toBe('2026-12-01 12:34:56.789Z ERROR web-1 checkout.log payment failed\n');
    expect(formatLine(plain, text)).toBe('2026-12-01 12:34:56.000Z -     web-2 nightly-job GET /api/orders 200\n');
  });

  it('ECS message, else the line; the source name when there is no file', () => {
    expect(messageOf({ message: '{"message":"m"}', json: { message: 'm' } })).toBe('m');
    expect(messageOf({ message: '{"msg":5}', json: { msg: 5 } })).toBe('{"msg":5}');
    expect(shortSource(plain)).toBe('nightly-job');
    expect(shortSource({})).toBe('-');
  });

  it('local time unless --utc', () => {
    const d = new Date('2026-12-01T12:34:56.789Z');
    const p2 = (n: number) => String(n).padStart(2, '0');
    const local = `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())} ${p2(d.getHours())}:${p2(d.getMinutes())}:56.789`;
    expect(formatTime('2026-12-01T12:34:56.789Z', false)).toBe(local);
    expect(formatTime('not a time', false)).toBe('not a time');
  });

  it('colours the level (and dims the time) only when asked', () => {
    const line = formatLine(pino, { ...text, color: true });
    expect(line).toContain('\u001b[31mERROR\u001b[0m');
    expect(formatLine(pino, text)).not.toContain('\u001b');
  });

  it('marks hits and context lines with --around', () => {
    expect(formatLine(plain, { ...text, mark: 'hit' })).toMatch(/^> 2026/);
    expect(formatLine(plain, { ...text, mark: 'context' })).toMatch(/^ {2}2026/);
  });
});

describe('colour rules', () => {
  it('a TTY without NO_COLOR; never when piped; NO_COLOR and TERM=dumb honoured; flags win', () => {
    expect(useColor(undefined, true, {})).toBe(true);
    expect(useColor('auto', false, {})).toBe(false);
    expect(useColor(undefined, true, { NO_COLOR: '1' })).toBe(false);
    expect(useColor(undefined, true, { NO_COLOR: '' })).toBe(true);
    expect(useColor(undefined, true, { TERM: 'dumb' })).toBe(false);
    expect(useColor('always', false, { NO_COLOR: '1' })).toBe(true);
    expect(useColor('never', true, {})).toBe(false);
  });
});

describe('-o json, raw, logfmt', () => {
  it('json: the whole event, one per line', () => {
    expect(JSON.parse(formatLine(pino, { ...text, mode: 'json' }))).toEqual(pino);
  });

  it('raw: the line as written', () => {
    expect(formatLine(pino, { ...text, mode: 'raw' })).toBe(pino.message + '\n');
  });

  it('logfmt: the event fields, then the JSON fields flattened, values quoted when they must be', () => {
    expect(formatLine(pino, { ...text, mode: 'logfmt' })).toBe(
      'time=2026-12-01T12:34:56.789Z level=error host=web-1 source=checkout.log msg="payment failed" order.id=42 ms=12.5\n',
    );
    expect(logfmtValue('a "b"\nc')).toBe('"a \\"b\\"\\nc"');
    expect(logfmtValue('')).toBe('""');
    expect(logfmtValue('k=v')).toBe('"k=v"');
  });
});

describe('counts and bars', () => {
  it('bars in eighths, a sliver for any count', () => {
    expect(bar(10, 10, 4)).toBe('████');
    expect(bar(5, 10, 4)).toBe('██');
    expect(bar(1, 1000, 4)).toBe('▏');
    expect(bar(0, 10, 4)).toBe('');
  });

  it('--count-by: counts, shares, the values not listed and those without the field', () => {
    const t = countTable(
      {
        total: 100,
        rows: [
          { key: 'web-1', count: 60 },
          { key: 'web-2', count: 30 },
        ],
        other: 6,
        missing: 4,
      },
      'host',
      60,
    );
    const lines = t.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^count\s+%\s+host$/);
    expect(lines[1]).toMatch(/^\s+60\s+60\.0\s+web-1\s+█+$/);
    expect(lines[2]).toMatch(/^\s+30\s+30\.0\s+web-2\s+█+/);
    expect(lines[3]).toMatch(/^\s+6\s+6\.0\s+\(other values\)/);
    expect(lines[4]).toMatch(/^\s+4\s+4\.0\s+\(no host\)/);
    expect(lines[5]).toMatch(/^\s+100\s+total$/);
    expect(countTable({ total: 0, rows: [], other: 0, missing: 0 }, 'level')).toBe('level: no matches\n');
  });

  it('--histogram: one bar per interval, labelled as precisely as the interval needs', () => {
    const t0 = Date.UTC(2026, 11, 1, 12, 0);
    const h = histogram(
      [
        { startMs: t0, count: 2 },
        { startMs: t0 + 60_000, count: 0 },
        { startMs: t0 + 120_000, count: 1234 },
      ],
      { intervalMs: 60_000, interval: '1m', total: 1236, utc: true, columns: 60 },
    );
    const lines = h.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^2026-12-01 12:00\s+2 {2}▏$/);
    expect(lines[1]).toMatch(/^2026-12-01 12:01\s+0$/);
    expect(lines[2]).toMatch(/^2026-12-01 12:02\s+1,234 {2}█+$/);
    expect(lines[3]).toBe('1,236 matches, 1m per bar, UTC');
  });
});
