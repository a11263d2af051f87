import { describe, expect, it } from 'vitest';
import { parsePlainLine, type PlainLineOptions } from '../../agent/pipeline/plain-parser.js';

const NOW = Date.parse('2026-12-15T12:00:00Z');
const auto = (text: string, o: Partial<PlainLineOptions> = {}) => parsePlainLine(text, { format: 'auto', timezone: 'UTC', now: NOW, ...o });

// [line, timestamp, level, options]
type Row = [string, string | undefined, string | undefined, Partial<PlainLineOptions>?];

const ISO: Row[] = [
  ['2026-12-01T07:00:00Z started', '2026-12-01T07:00:00.000Z', undefined],
  ['2026-12-01T07:00:00.123+01:00 INFO x', '2026-12-01T06:00:00.123Z', 'info'],
  ['2026-12-01T07:00:00.123-05:30 x', '2026-12-01T12:30:00.123Z', undefined],
  ['2026-12-01T07:00:00+0100 x', '2026-12-01T06:00:00.000Z', undefined],
  ['2026-12-01T07:00:00+01 x', '2026-12-01T06:00:00.000Z', undefined],
  ['2026-12-01t07:00:00z x', '2026-12-01T07:00:00.000Z', undefined],
  ['2026-12-01 07:00:00 foo', '2026-12-01T07:00:00.000Z', undefined],
  ['2026-12-01 07:00:00 foo', '2026-12-01T06:00:00.000Z', undefined, { timezone: 'Europe/Paris' }],
  ['2026-12-01 07:00:00,123 [main] WARN com.x.Y - y', '2026-12-01T07:00:00.123Z', 'warn'],
  ['2026-12-01 07:00:00.1 x', '2026-12-01T07:00:00.100Z', undefined],
  ['2026-12-01 07:00:00.12 x', '2026-12-01T07:00:00.120Z', undefined],
  ['2026-12-01T07:00:00.123456789Z x', '2026-12-01T07:00:00.123Z', undefined],
  ['2026-12-01T07:00:00.999999999Z x', '2026-12-01T07:00:00.999Z', undefined],
  ['2026-12-01 07:00:00.123 UTC ERROR x', '2026-12-01T07:00:00.123Z', 'error', { timezone: 'Asia/Tokyo' }],
  ['2026-12-01 07:00:00 +0530 x', '2026-12-01T01:30:00.000Z', undefined],
  ['2026-12-01 07:00:00 -07:00 x', '2026-12-01T14:00:00.000Z', undefined],
  ['2026-12-01 07:00:00 -12 items', '2026-12-01T07:00:00.000Z', undefined],
  ['2026-12-31T23:59:60Z leap', '2026-12-31T23:59:59.999Z', undefined],
  ['[2026-12-01 07:00:00,123] ERROR Kafka x', '2026-12-01T07:00:00.123Z', 'error'],
  ['2026/12/01 07:00:00 [error] 123#0: *1 open()', '2026-12-01T07:00:00.000Z', 'error'],
  ['2026-12-01T07:00:00.123+01:00  INFO 1234 --- [main] o.s.b.App : Started', '2026-12-01T06:00:00.123Z', 'info'],
  ['2028-02-29T00:00:00Z leap day', '2028-02-29T00:00:00.000Z', undefined],
];

const OTHERS: Row[] = [
  // RFC 3164, the year from the read time (Dec 15 2026)
  ['Dec 10 06:55:46 web-01 sshd[123]: Accepted', '2026-12-10T06:55:46.000Z', undefined],
  ['Dec  1 06:55:46 web-01 kernel: x', '2026-12-01T06:55:46.000Z', undefined],
  ['Dec 01 06:55:46 web-01 x', '2026-12-01T06:55:46.000Z', undefined],
  ['Dec 10 06:55:46 web-01 x', '2026-12-10T05:55:46.000Z', undefined, { timezone: 'Europe/Paris' }],
  ['Dec 10 06:55:46.123 web-01 x', '2026-12-10T06:55:46.123Z', undefined],
  ['<34>Oct 11 22:14:15 mymachine su: x', '2026-10-11T22:14:15.000Z', 'critical'],
  // RFC 5424: the PRI's severity is the level
  ['<34>1 2026-12-01T07:00:00.003Z host app 123 ID47 - msg', '2026-12-01T07:00:00.003Z', 'critical'],
  ['<165>1 2026-12-01T07:00:00.003-07:00 host app - - [x@1 a="b"] msg', '2026-12-01T14:00:00.003Z', 'notice'],
  ['<11>1 - host app - - - no time', undefined, 'error'],
  ['<7>1 2026-12-01T07:00:00Z h a - - - WARN not the level', '2026-12-01T07:00:00.000Z', 'debug'],
  ['<0>1 2026-12-01T07:00:00Z h a - - - m', '2026-12-01T07:00:00.000Z', 'fatal'],
  // common log format, after the client address
  ['127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 2326', '2000-10-10T20:55:36.000Z', undefined],
  ['::1 - - [01/Dec/2026:07:00:00 +0000] "GET /[x] HTTP/1.1" 404 0', '2026-12-01T07:00:00.000Z', undefined],
  ['example.com 10.0.0.1 - - [01/Dec/2026:07:00:00 +0100] "GET / HTTP/1.1" 200 1', '2026-12-01T06:00:00.000Z', undefined],
  // Python logging
  ['2026-12-01 07:00:00,123 - app.db - WARNING - slow query', '2026-12-01T07:00:00.123Z', 'warn'],
  ['WARNING:root:disk almost full', undefined, 'warn'],
  ['ERROR:app.db:connection lost', undefined, 'error'],
  // klog: the letter is the level, the year from the read time
  ['I1201 07:00:00.123456    1234 controller.go:12] Reconciling', '2026-12-01T07:00:00.123Z', 'info'],
  ['W1214 23:59:59.999999       1 reflector.go:1] watch ERROR', '2026-12-14T23:59:59.999Z', 'warn'],
  ['E1201 07:00:00.000001 1 x.go:1] boom', '2026-12-01T07:00:00.000Z', 'error'],
  ['F1201 07:00:00.5 77 x.go:1] boom', '2026-12-01T07:00:00.500Z', 'fatal'],
  // compact
  ['081109 203615 148 INFO dfs.DataNode$PacketResponder: x', '2008-11-09T20:36:15.000Z', 'info'],
  ['20261201 070000 started', '2026-12-01T07:00:00.000Z', undefined],
  ['20261201T070000Z started', '2026-12-01T07:00:00.000Z', undefined],
  ['20261201T070000.250+0100 started', '2026-12-01T06:00:00.250Z', undefined],
  ['20261201 07:00:00.5 started', '2026-12-01T07:00:00.500Z', undefined],
  // epoch, only where the shape says so
  ['1700000000.123 921 10.0.0.1 TCP_MISS/200', '2023-11-14T22:13:20.123Z', undefined],
  ['1700000000123 x', '2023-11-14T22:13:20.123Z', undefined],
  ['[1700000000.5] x', '2023-11-14T22:13:20.500Z', undefined],
  // ctime / Apache error log
  ['[Wed Oct 11 14:32:52.123456 2000] [error] [client 1.2.3.4] x', '2000-10-11T14:32:52.123Z', 'error'],
  ['Tue Dec  1 07:00:00 2026 x', '2026-12-01T07:00:00.000Z', undefined],
];

const NOT_TIMES: string[] = [
  '1700000000 rows copied', // ten digits without a fraction: a count as likely as a time
  '0700000000.5 x', // a leading zero
  '12345678901234 x',
  '2026-13-01 07:00:00 x', // month 13
  '2026-02-29 07:00:00 x', // not a leap year
  '2026-12-01 24:00:00 x',
  '2026-12-01 07:60:00 x',
  '2026-12-01 07:00:00.1234567890 x', // ten fraction digits
  '2026-12-01 07:00 x', // no seconds
  '2026-12-01T07:00:00Zulu x',
  '2026-12-01T07:00:00+24:00 x',
  '2026-12-01X07:00:00 x',
  '2026-12-01 07:00:00abc x',
  '2026-12/01 07:00:00 x',
  'Dec 32 06:55:46 host x',
  'Dex 10 06:55:46 host x',
  'Dec 10 6:55:46 host x',
  'Wed Dec  1 07:00:00 2026 x', // Dec 1 2026 is a Tuesday
  'X1201 07:00:00.123456 1 x.go:1] x',
  'I1301 07:00:00.123456 1 x.go:1] x',
  'I1201 07:00:00.123456 file.go] no thread id',
  '181309 203615 x', // month 13
  '19691231 235959 x', // compact years start in 1970
  '127.0.0.1 - - [10/Oct/2000:13:55:36 -07] "GET /"',
  'x'.repeat(101) + '[10/Oct/2000:13:55:36 -0700]', // too far into the line
  '<192>1 2026-12-01T07:00:00Z h a - - - PRI over 191',
  '<034>1 2026-12-01T07:00:00Z h a - - - leading zero',
];

describe('parsePlainLine: times and levels in auto', () => {
  it.each(ISO)('ISO 8601: %s', (line, ts, level, o) => {
    const r = auto(line, o);
    expect(r.timestamp).toBe(ts);
    expect(r.level).toBe(level);
  });

  it.each(OTHERS)('%s', (line, ts, level, o) => {
    const r = auto(line, o);
    expect(r.timestamp).toBe(ts);
    expect(r.level).toBe(level);
  });

  it.each(NOT_TIMES)('no time in %s', (line) => {
    expect(auto(line).timestamp).toBeUndefined();
  });

  it('gives the span of the time, brackets excluded', () => {
    expect(auto('2026-12-01 07:00:00,123 INFO x').timeSpan).toEqual([0, 23]);
    expect(auto('[2026-12-01 07:00:00,123] x').timeSpan).toEqual([1, 24]);
    expect(auto('1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /"').timeSpan).toEqual([13, 39]);
    expect(auto('<34>1 2026-12-01T07:00:00Z h').timeSpan).toEqual([6, 26]);
    expect(auto('WARN x').timeSpan).toBeUndefined();
  });

  it('returns nothing for a line without a time or a level, and for empty text', () => {
    expect(auto('Starting worker pool with 8 threads')).toEqual({});
    expect(auto('')).toEqual({});
  });

  it('reads no wall time when the zone is unknown, but still reads zoned times and levels', () => {
    const o = { timezone: 'Mars/Olympus_Mons' };
    expect(auto('2026-12-01 07:00:00 INFO x', o)).toEqual({ level: 'info' });
    expect(auto('2026-12-01T07:00:00Z x', o).timestamp).toBe('2026-12-01T07:00:00.000Z');
    expect(auto('Dec 10 06:55:46 host x', o)).toEqual({});
  });

  it("reads wall times in the host's zone by default", () => {
    const local = new Date(2026, 11, 1, 7, 0, 0).toISOString();
    expect(parsePlainLine('2026-12-01 07:00:00 x', { format: 'auto', now: NOW }).timestamp).toBe(local);
    expect(parsePlainLine('2026-12-01 07:00:00 x', { format: 'auto', timezone: 'local', now: NOW }).timestamp).toBe(local);
  });
});

describe('parsePlainLine: the year of syslog and klog stamps', () => {
  const at = (now: string, line: string, timezone = 'UTC') => auto(line, { now: Date.parse(now), timezone }).timestamp;

  it('is last year for a month more than one ahead of the read time (new-year rollover)', () => {
    expect(at('2027-01-01T00:00:05Z', 'Dec 31 23:59:59 h x')).toBe('2026-12-31T23:59:59.000Z');
    expect(at('2027-01-20T00:00:00Z', 'Nov 30 10:00:00 h x')).toBe('2026-11-30T10:00:00.000Z');
    expect(at('2026-06-15T00:00:00Z', 'Aug  1 00:00:00 h x')).toBe('2025-08-01T00:00:00.000Z');
    expect(at('2027-01-01T00:00:30Z', 'I1231 23:59:59.999999 1 x.go:1] x')).toBe('2026-12-31T23:59:59.999Z');
  });

  it('is this year for earlier months and the next one, next year for January read in December', () => {
    expect(at('2026-06-15T00:00:00Z', 'Jul  1 00:00:00 h x')).toBe('2026-07-01T00:00:00.000Z');
    expect(at('2026-06-15T00:00:00Z', 'Mar  1 00:00:00 h x')).toBe('2026-03-01T00:00:00.000Z');
    expect(at('2026-06-15T00:00:00Z', 'Jan  1 00:00:00 h x')).toBe('2026-01-01T00:00:00.000Z');
    expect(at('2026-12-31T23:59:50Z', 'Jan  1 00:00:01 h x')).toBe('2027-01-01T00:00:01.000Z');
    expect(at('2026-12-31T23:59:50Z', 'I0101 00:00:01.000000 1 x.go:1] x')).toBe('2027-01-01T00:00:01.000Z');
  });

  it("takes the read time's month in the source's zone", () => {
    // 2026-12-31T23:30Z is already January 1 at +02:00: a "Dec 31" line there is from the day before.
    expect(at('2026-12-31T23:30:00Z', 'Dec 31 23:00:00 h x', '+02:00')).toBe('2026-12-31T21:00:00.000Z');
    expect(at('2026-12-31T23:30:00Z', 'Jan  1 01:00:00 h x', '+02:00')).toBe('2026-12-31T23:00:00.000Z');
  });

  it('reads Feb 29 only in a leap year', () => {
    expect(at('2028-03-01T00:00:00Z', 'Feb 29 12:00:00 h x')).toBe('2028-02-29T12:00:00.000Z');
    expect(at('2027-03-01T00:00:00Z', 'Feb 29 12:00:00 h x')).toBeUndefined();
  });
});

describe('parsePlainLine: pinned formats and off', () => {
  const p = (format: PlainLineOptions['format'], line: string) => parsePlainLine(line, { format, timezone: 'UTC', now: NOW });

  it('reads only the pinned format', () => {
    expect(p('syslog', 'Dec 10 06:55:46 h x').timestamp).toBe('2026-12-10T06:55:46.000Z');
    expect(p('syslog', '2026-12-01T07:00:00Z x').timestamp).toBeUndefined();
    expect(p('iso8601', 'Dec 10 06:55:46 h x').timestamp).toBeUndefined();
    expect(p('log4j', '2026-12-01 07:00:00,123 ERROR x')).toMatchObject({ timestamp: '2026-12-01T07:00:00.123Z', level: 'error' });
    expect(p('python', 'WARNING:root:x')).toEqual({ level: 'warn' });
    expect(p('rfc5424', '<34>1 2026-12-01T07:00:00Z h a - - - x')).toMatchObject({
      timestamp: '2026-12-01T07:00:00.000Z',
      level: 'critical',
    });
    expect(p('rfc5424', '<34>Oct 11 22:14:15 h x')).toEqual({});
    expect(p('syslog', '<34>Oct 11 22:14:15 h x')).toMatchObject({ timestamp: '2026-10-11T22:14:15.000Z', level: 'critical' });
    expect(p('clf', '1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /"').timestamp).toBe('2000-10-10T20:55:36.000Z');
    expect(p('klog', 'I1201 07:00:00.123456 1 x.go:1] x').level).toBe('info');
    expect(p('compact', '081109 203615 148 INFO x').timestamp).toBe('2008-11-09T20:36:15.000Z');
    expect(p('epoch', '1700000000.123 x').timestamp).toBe('2023-11-14T22:13:20.123Z');
    expect(p('ctime', '[Wed Oct 11 14:32:52 2000] x').timestamp).toBe('2000-10-11T14:32:52.000Z');
  });

  it('still reads the level with a pinned format, and nothing at all when off', () => {
    expect(p('syslog', 'ERROR: no time here')).toEqual({ level: 'error' });
    expect(p('off', '2026-12-01T07:00:00Z ERROR x')).toEqual({});
  });
});
