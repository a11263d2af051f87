import { describe, expect, it } from 'vitest';
import { findLevel, normaliseLevel, severityLevel } from '../../agent/pipeline/plain-level.js';
import { parsePlainLine } from '../../agent/pipeline/plain-parser.js';

const level = (line: string) => parsePlainLine(line, { format: 'auto', timezone: 'UTC', now: Date.parse('2026-12-15T12:00:00Z') }).level;

describe('levels near the start of a plain line', () => {
  it.each([
    ['TRACE entering', 'trace'],
    ['DEBUG x', 'debug'],
    ['INFO x', 'info'],
    ['NOTICE x', 'notice'],
    ['WARN x', 'warn'],
    ['WARNING x', 'warn'],
    ['ERROR x', 'error'],
    ['ERR x', 'error'],
    ['CRITICAL x', 'critical'],
    ['CRIT x', 'critical'],
    ['FATAL x', 'fatal'],
    ['PANIC x', 'fatal'],
    ['EMERG x', 'fatal'],
    ['ALERT x', 'fatal'],
    ['SEVERE x', 'error'],
    ['[warn] x', 'warn'],
    ['[Warn] x', 'warn'],
    ['<error> x', 'error'],
    ['(info) x', 'info'],
    ['|DEBUG| x', 'debug'],
    ['WARN: x', 'warn'],
    ['Error: ENOENT', 'error'],
    ['error connecting to db', 'error'],
    ['info starting', 'info'],
    ['Alert: disk full', 'fatal'],
    ['level=warn msg="x"', 'warn'],
    ['time=2026-12-01T07:00:00Z level=error msg=x', 'error'],
    ['lvl=info x', 'info'],
    ['level="debug" x', 'debug'],
    ["severity='crit' x", 'critical'],
    ['log.level=notice x', 'notice'],
    ['[main] [http-1] ERROR x', 'error'],
    ['2026-12-01 07:00:00 WRN x', 'warn'],
    ['10:00AM INF starting', 'info'],
    ['2026-12-01 07:00:00 a b c INFO x', 'info'],
    ['WARNING:root:x', 'warn'],
    ['"WARN" x', 'warn'],
  ])('%s -> %s', (line, want) => {
    expect(level(line)).toBe(want);
  });

  it.each([
    'Starting worker pool with 8 threads',
    'a b c d e ERROR after the fifth token',
    '2026-12-01 07:00:00 a b c d e ERROR after the fifth token after the time',
    'INFORMATION x', // not a level word
    'errors were found',
    'ERRORS x',
    'ERROR123 x',
    'info.txt written',
    'warn-once x',
    'Alert sent to the user', // a sentence, not a level
    'Critical section entered',
    'Trace id 123',
    'Notice how it works',
    'The request failed with error timeout', // lower case past the first token
    'the Error was x',
    'inf x', // abbreviations only in capitals
    '[main] x',
    '[WARN x',
    'user=error x', // not a level key
    'levels=warn x',
    '<html> x',
  ])('no level in %s', (line) => {
    expect(level(line)).toBeUndefined();
  });

  it('looks for the level after the time, not from the start of the line', () => {
    expect(findLevel('2026-12-01 07:00:00 - app - WARNING - x', 19)).toBe('warn');
    expect(findLevel('x ' + ' '.repeat(200) + 'ERROR', 0)).toBeUndefined();
  });
});

describe('severities and level values', () => {
  it('maps syslog severities 0-7', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map(severityLevel)).toEqual(['fatal', 'fatal', 'critical', 'error', 'warn', 'notice', 'info', 'debug']);
    expect(severityLevel(8)).toBeUndefined();
  });

  it('normalises a value known to be a level', () => {
    expect(normaliseLevel('WARNING')).toBe('warn');
    expect(normaliseLevel(' [Error] ')).toBe('error');
    expect(normaliseLevel('E')).toBe('error');
    expect(normaliseLevel('w')).toBe('warn');
    expect(normaliseLevel('3')).toBe('error');
    expect(normaliseLevel('DBG')).toBe('debug');
    expect(normaliseLevel('verbose')).toBeUndefined();
    expect(normaliseLevel('8')).toBeUndefined();
    expect(normaliseLevel('')).toBeUndefined();
  });
});
