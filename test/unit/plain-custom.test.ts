import { describe, expect, it } from 'vitest';
import { compileCustomFormat, type CustomFormatOptions } from '../../agent/pipeline/plain-custom.js';
import { parsePlainLine } from '../../agent/pipeline/plain-parser.js';
import { compileLineRegex, hasRepetition, nestedRepetition, type RegexEngine } from '../../common/line-regex.js';

const NOW = Date.parse('2026-12-15T12:00:00Z');
function custom(pattern: string, line: string, opts: CustomFormatOptions = {}, format: 'auto' | 'off' = 'off', timezone = 'UTC') {
  return parsePlainLine(line, { format, timezone, now: NOW, custom: compileCustomFormat(pattern, opts) });
}

describe('custom formats', () => {
  it('compiles with RE2 (linear) by default; a pattern without repetition runs on V8, which cannot backtrack it', () => {
    const p = '^(?<time>\\S+ \\S+) \\[(?<thread>[^\\]]+)\\]';
    expect(compileLineRegex(p, 'linear').engine).toBe('re2');
    expect(compileLineRegex(p).engine).toBe('re2');
    expect(compileCustomFormat(p).regex.engine).toBe('re2');
    expect(compileLineRegex(p, 'backtracking').engine).toBe('v8');
    expect(compileLineRegex('ERROR|WARN (?<x>[a-z])').engine).toBe('v8');
    for (const q of ['a?', 'a*', '(?:ab)+', 'x{2,}', 'a{1,3}']) expect(hasRepetition(q), q).toBe(true);
    for (const q of ['(?:ab)', '(?<n>x)', '[a+*?]', '\\+\\*', 'x{2', 'a|b']) expect(hasRepetition(q), q).toBe(false);
  });

  it('both kinds of compiled pattern replace every match literally and count them', () => {
    for (const p of ['secret', 'se?cret', 'x*']) {
      const r = compileLineRegex(p);
      const out = r.replace('a secret, another secret', '$&-***');
      if (p === 'x*') expect(out.count).toBeGreaterThan(0);
      else expect(out).toEqual({ text: 'a $&-***, another $&-***', count: 2 });
    }
    expect(compileLineRegex('nothing+').replace('abc', '*')).toEqual({ text: 'abc', count: 0 });
  });

  it('takes time, level and the other named groups as fields', () => {
    const r = custom(
      '^(?<time>\\S+ \\S+) \\[(?<thread>[^\\]]+)\\] (?<level>\\w+) (?<logger>\\S+)',
      '2026-12-01 07:00:00.250 [worker-3] Warning com.example.Svc - slow',
      { layout: '%Y-%m-%d %H:%M:%S.%f' },
    );
    expect(r).toEqual({
      timestamp: '2026-12-01T07:00:00.250Z',
      level: 'warn',
      fields: { thread: 'worker-3', logger: 'com.example.Svc' },
      timeSpan: [0, 23],
    });
  });

  it.each([
    ['%Y-%m-%d %H:%M:%S.%f %z', '2026-12-01 07:00:00.123456 +0100', '2026-12-01T06:00:00.123Z'],
    ['%Y-%m-%dT%H:%M:%S%z', '2026-12-01T07:00:00Z', '2026-12-01T07:00:00.000Z'],
    ['%d/%b/%Y:%T %z', '10/Oct/2000:13:55:36 -0700', '2000-10-10T20:55:36.000Z'],
    ['%F %T,%L', '2026-12-01 07:00:00,007', '2026-12-01T07:00:00.007Z'],
    ['%m/%d/%y %I:%M:%S %p', '12/01/26 07:00:00 PM', '2026-12-01T19:00:00.000Z'],
    ['%m/%d/%y %I:%M:%S %p', '12/01/26 12:00:00 AM', '2026-12-01T00:00:00.000Z'],
    ['%b %e %H:%M:%S', 'Dec  1 07:00:00', '2026-12-01T07:00:00.000Z'],
    ['%A, %B %d %Y %H:%M', 'Tuesday, December 01 2026 07:00', '2026-12-01T07:00:00.000Z'],
    ['%s.%L', '1700000000.123', '2023-11-14T22:13:20.123Z'],
    ['%H:%M:%S %d.%m.%Y', '07:00:00 01.12.2026', '2026-12-01T07:00:00.000Z'],
    ['syslog', 'Dec 10 06:55:46', '2026-12-10T06:55:46.000Z'],
    ['iso8601', '2026-12-01T07:00:00.5+01:00', '2026-12-01T06:00:00.500Z'],
    ['clf', '10/Oct/2000:13:55:36 -0700', '2000-10-10T20:55:36.000Z'],
    ['auto', '081109 203615', '2008-11-09T20:36:15.000Z'],
  ])('layout %s reads %s', (layout, time, want) => {
    expect(custom('^\\[(?<time>[^\\]]+)\\]', `[${time}] x`, { layout }).timestamp).toBe(want);
  });

  it('reads any built-in format when no layout is given, the zone applying to wall times', () => {
    expect(custom('^@(?<time>[^@]+)@', '@2026-12-01 07:00:00@ x', {}, 'off', 'Europe/Paris').timestamp).toBe('2026-12-01T06:00:00.000Z');
    expect(custom('^@(?<time>[^@]+)@', '@not a time@ x').timestamp).toBeUndefined();
  });

  it('leaves out a time or level that does not parse, keeping the fields', () => {
    expect(custom('^(?<time>\\S+) (?<level>\\S+) (?<user>\\S+)', '2026-13-01T00:00:00Z VERBOSE bob', { layout: 'iso8601' })).toEqual({
      fields: { user: 'bob' },
    });
    expect(custom('^(?<time>\\S+)', '2026-12-01 07:00', { layout: '%Y-%m-%d %H:%M' })).toEqual({});
  });

  it('falls through to the format for a line it does not match', () => {
    const pattern = '^APP (?<level>\\w+)';
    expect(custom(pattern, 'APP error x', {}, 'auto')).toEqual({ level: 'error' });
    expect(custom(pattern, '2026-12-01T07:00:00Z WARN x', {}, 'auto')).toMatchObject({
      timestamp: '2026-12-01T07:00:00.000Z',
      level: 'warn',
    });
    expect(custom(pattern, '2026-12-01T07:00:00Z WARN x', {}, 'off')).toEqual({});
  });

  it('gives no span when the time text occurs twice in the match', () => {
    expect(custom('^(?<a>\\d+) (?<time>\\d+)', '1700000000123 1700000000123 x', { layout: 'epoch' }).timeSpan).toBeUndefined();
  });

  it('applies the regex to the first maxChars characters only', () => {
    const line = 'x'.repeat(3000);
    expect(custom('^(?<all>x+)$', line).fields?.all.length).toBe(1024);
    expect(custom('^(?<all>x+)$', line, { maxChars: 100 }).fields?.all.length).toBe(100);
  });

  it.each<[string, CustomFormatOptions, RegExp]>([
    ['', {}, /pattern is empty/],
    ['(?<time>', {}, /invalid regular expression/],
    ['^\\S+ \\w+', {}, /no named group/],
    ['^(?<level>\\w+)', { layout: '%Y' }, /no \(\?<time>\.\.\.\) group/],
    ['^(?<time>\\S+)', { layout: '%Y-%m-%d %Q' }, /unknown directive '%Q'/],
    ['^(?<time>\\S+)', { layout: '%Y-%m-%d' }, /lacks an hour \(%H or %I\), minutes \(%M\)/],
    ['^(?<time>\\S+)', { layout: '%Y-%m-%d %H:%M %Y' }, /gives the year twice/],
    ['^(?<time>\\S+)', { layout: '%m/%d %I:%M' }, /%I and %p go together/],
    ['^(?<time>\\S+)', { layout: '%s %Y' }, /epoch seconds/],
    ['^(?<time>\\S+)', { layout: '%Y-%m-%d %H:%M%' }, /lone '%'/],
    ['^(?<time>\\S+)', { layout: 'rfc9999' }, /neither a format name/],
    ['^(?<time>\\S+)', { maxChars: 0 }, /max chars must be a whole number from 16 to 65536/],
    ['^(?<level>\\w+) (?:x)\\1', {}, /cannot be bounded in time/],
    ['^(?<level>\\w+)(?=x)', {}, /cannot be bounded in time/],
  ])('refuses %s %j', (pattern, opts, problem) => {
    let err: unknown;
    try {
      compileCustomFormat(pattern, opts);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'LOGSHIP_ERR_CONFIG_INVALID', retriable: false });
    expect((err as Error).message).toMatch(problem);
  });
});

describe('custom regexes cannot stall a host', () => {
  it.each<RegexEngine>(['linear'])('%s: runs ^(a+)+$ on a 1 KiB line of a then b, and finds no match', (engine) => {
    const line = 'a'.repeat(1023) + 'b';
    const f = compileCustomFormat('^(?<level>a+)+$', { engine });
    const t0 = performance.now();
    const r = parsePlainLine(line, { format: 'off', timezone: 'UTC', now: NOW, custom: f });
    const ms = performance.now() - t0;
    expect(r).toEqual({});
    expect(parsePlainLine('a'.repeat(1023), { format: 'off', now: NOW, custom: f })).toEqual({});
    console.info(`${engine}: ^(a+)+$ on ${line.length} chars: ${ms.toFixed(2)} ms`);
  });

  it.each<RegexEngine>(['linear'])('%s: runs the polynomial (?<a>.*) (?<b>.*) (?<c>.*)x on 1 KiB', (engine) => {
    const f = compileCustomFormat('(?<a>.*) (?<b>.*) (?<c>.*)x', { engine });
    const t0 = performance.now();
    expect(parsePlainLine('a '.repeat(512), { format: 'off', now: NOW, custom: f })).toEqual({});
    console.info(`${engine}: (.*) (.*) (.*)x on 1024 chars: ${(performance.now() - t0).toFixed(2)} ms`);
  });

  it('with the backtracking engine, refuses a repeated group that contains a repetition', () => {
    for (const p of ['^(a+)+$', '(?:\\w+\\s?)*x', '(a{2,3}){2,}', '((ab)*c)+', '(?<x>(?:a|b+))*']) {
      expect(() => compileLineRegex(p, 'backtracking'), p).toThrow(/can take exponential time: the repeated group/);
    }
    for (const p of ['^(?<t>\\S+) (\\w+)', '(\\d{1,3}\\.){1}x', '(a|b)+', '[(a+)+]+', '\\(a+\\)+', 'a{2}(b)+']) {
      expect(nestedRepetition(p), p).toBeUndefined();
      expect(compileLineRegex(p, 'backtracking').engine).toBe('v8');
    }
    expect(nestedRepetition('x(a+)+')).toEqual({ at: 1, text: '(a+)+' });
  });
});
