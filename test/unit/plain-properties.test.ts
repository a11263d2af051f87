import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileCustomFormat } from '../../agent/pipeline/plain-custom.js';
import { LEVELS } from '../../agent/pipeline/plain-level.js';
import {
  PLAIN_FORMATS,
  parsePlainLine,
  type PlainLineOptions,
  type PlainLineParse,
  readPlainLine,
} from '../../agent/pipeline/plain-parser.js';
import { createZoneResolver } from '../../agent/pipeline/plain-zone.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const p2 = (n: number) => String(n).padStart(2, '0');
const p3 = (n: number) => String(n).padStart(3, '0');
const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Everything a parse may return, checked: an ISO UTC time, a level from the set, a span inside the line. */
function checkValid(text: string, r: PlainLineParse) {
  expect(Object.keys(r).every((k) => ['timestamp', 'level', 'fields', 'timeSpan'].includes(k))).toBe(true);
  if (r.timestamp !== undefined) {
    expect(r.timestamp).toMatch(ISO_RE);
    expect(new Date(r.timestamp).toISOString()).toBe(r.timestamp);
  }
  if (r.level !== undefined) expect(LEVELS).toContain(r.level);
  if (r.timeSpan) {
    expect(r.timestamp).toBeDefined();
    const [a, b] = r.timeSpan;
    expect(0 <= a && a < b && b <= text.length).toBe(true);
  }
}

const fragments = fc.constantFrom(
  ...'0123456789-:T Z+.,[]<>/ \t'.split(''),
  '2026',
  '12',
  '31',
  '60',
  '99',
  'Dec',
  'Feb 29',
  'Wed',
  'I1231',
  '<34>1 ',
  '<191>',
  '081109',
  '1700000000',
  '1700000000123',
  '[10/Oct/2000:13:55:36 -0700]',
  'ERROR',
  'warn',
  '[INFO]',
  'level=',
  'WARNING:',
  '\u2212',
  '\uD800',
  '\u0000',
);
const texts = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('utf8')),
  fc.array(fragments, { maxLength: 40 }).map((a) => a.join('')),
);
const formats = fc.constantFrom<PlainLineOptions['format']>('auto', 'off', ...PLAIN_FORMATS);
const zones = fc.constantFrom('UTC', 'local', 'Europe/Paris', 'Australia/Lord_Howe', '+05:45', '-12:00', 'Not/AZone', '');
const anyNow = fc.oneof(fc.integer({ min: -1e14, max: 1e14 }), fc.constantFrom(NaN, Infinity, 1e20));

describe('parsePlainLine on any input', () => {
  const custom = compileCustomFormat('^(?<time>\\S+ \\S+) (?<level>\\S+) (?<rest>.{0,16})');

  it('never throws and returns only valid times, levels and spans', () => {
    fc.assert(
      fc.property(texts, formats, zones, anyNow, fc.boolean(), (text, format, timezone, now, withCustom) => {
        // The unguarded core, so that a throw would fail the test rather than be caught.
        const r = readPlainLine(text, { format, timezone, now, custom: withCustom ? custom : undefined });
        checkValid(text, r);
      }),
      { numRuns: 4000 },
    );
  });

  it('survives a read time that is not a number', () => {
    for (const now of [NaN, Infinity, -Infinity, 1e20, -1e20]) {
      for (const timezone of ['UTC', 'Europe/Paris']) {
        for (const line of ['Dec 10 06:55:46 x', 'I1201 07:00:00.000000 1 x.go:1] x', '2026-12-01 07:00:00 x']) {
          checkValid(line, readPlainLine(line, { format: 'auto', timezone, now }));
        }
      }
    }
  });
});

// Round trips: a generated instant written in each format reads back as the same instant.
const instant = fc.integer({ min: Date.parse('2001-09-10T00:00:00Z'), max: Date.parse('2099-12-30T23:59:59.999Z') });
const offsetMin = fc.integer({ min: -48, max: 56 }).map((q) => q * 15);

function wall(ms: number, offMin: number) {
  const d = new Date(ms + offMin * 60_000);
  return {
    y: d.getUTCFullYear(),
    mo: d.getUTCMonth() + 1,
    d: d.getUTCDate(),
    h: d.getUTCHours(),
    mi: d.getUTCMinutes(),
    s: d.getUTCSeconds(),
    ms: d.getUTCMilliseconds(),
    wd: d.getUTCDay(),
  };
}
function zone(offMin: number, colon = true) {
  const a = Math.abs(offMin);
  return (offMin < 0 ? '-' : '+') + p2(Math.floor(a / 60)) + (colon ? ':' : '') + p2(a % 60);
}
const iso = (ms: number) => new Date(ms).toISOString();
const secondsOnly = (ms: number) => ms - (((ms % 1000) + 1000) % 1000);

type Written = { line: string; expect: number; opts?: Partial<PlainLineOptions> };
const writers: Record<string, (ms: number, off: number, extra: number) => Written> = {
  iso8601: (ms, off, extra) => {
    const w = wall(ms, off);
    const digits = 3 + (extra % 7); // 3..9 fraction digits
    const frac = (p3(w.ms) + String(extra).padStart(6, '7')).slice(0, digits);
    const z = [off === 0 ? 'Z' : zone(off), zone(off, false), ' ' + zone(off, false), ''][extra % 4];
    const sep = extra % 3 === 0 ? ' ' : 'T';
    const line = `${w.y}-${p2(w.mo)}-${p2(w.d)}${sep}${p2(w.h)}:${p2(w.mi)}:${p2(w.s)}${extra % 2 ? ',' : '.'}${frac}${z} msg`;
    return { line, expect: ms, opts: { timezone: zone(off) } };
  },
  log4j: (ms, off) => {
    const w = wall(ms, off);
    return {
      line: `${w.y}-${p2(w.mo)}-${p2(w.d)} ${p2(w.h)}:${p2(w.mi)}:${p2(w.s)},${p3(w.ms)} [main] INFO x`,
      expect: ms,
      opts: { timezone: zone(off) },
    };
  },
  syslog: (ms, off, extra) => {
    const w = wall(ms, off);
    const now = ms + ((extra % 41) - 20) * 86_400_000;
    return {
      line: `${MONTHS[w.mo - 1]} ${String(w.d).padStart(2, ' ')} ${p2(w.h)}:${p2(w.mi)}:${p2(w.s)} host app[1]: x`,
      expect: secondsOnly(ms),
      opts: { timezone: zone(off), now },
    };
  },
  rfc5424: (ms, off, extra) => {
    const w = wall(ms, off);
    const line = `<${extra % 192}>1 ${w.y}-${p2(w.mo)}-${p2(w.d)}T${p2(w.h)}:${p2(w.mi)}:${p2(w.s)}.${p3(w.ms)}${zone(off)} host app - - - msg`;
    return { line, expect: ms };
  },
  clf: (ms, off) => {
    const w = wall(ms, off);
    const line = `10.0.0.1 - - [${p2(w.d)}/${MONTHS[w.mo - 1]}/${w.y}:${p2(w.h)}:${p2(w.mi)}:${p2(w.s)} ${zone(off, false)}] "GET / HTTP/1.1" 200 1`;
    return { line, expect: secondsOnly(ms) };
  },
  klog: (ms, off, extra) => {
    const w = wall(ms, off);
    const now = ms + ((extra % 41) - 20) * 86_400_000;
    const line = `${'IWEF'[extra % 4]}${p2(w.mo)}${p2(w.d)} ${p2(w.h)}:${p2(w.mi)}:${p2(w.s)}.${p3(w.ms)}${p3(extra % 1000)}    42 x.go:1] m`;
    return { line, expect: ms, opts: { timezone: zone(off), now } };
  },
  compact: (ms, off, extra) => {
    const w = wall(ms, off);
    if (extra % 2 && w.y <= 2068) {
      return {
        line: `${p2(w.y % 100)}${p2(w.mo)}${p2(w.d)} ${p2(w.h)}${p2(w.mi)}${p2(w.s)} 148 INFO x`,
        expect: secondsOnly(ms),
        opts: { timezone: zone(off) },
      };
    }
    return { line: `${w.y}${p2(w.mo)}${p2(w.d)}T${p2(w.h)}${p2(w.mi)}${p2(w.s)}.${p3(w.ms)}${zone(off, false)} x`, expect: ms };
  },
  epoch: (ms, _off, extra) =>
    extra % 2 ? { line: `${ms} x`, expect: ms } : { line: `${Math.floor(ms / 1000)}.${p3(ms % 1000)} 921 TCP_MISS/200`, expect: ms },
  ctime: (ms, off) => {
    const w = wall(ms, off);
    const line = `[${DAYS[w.wd]} ${MONTHS[w.mo - 1]} ${p2(w.d)} ${p2(w.h)}:${p2(w.mi)}:${p2(w.s)}.${p3(w.ms)}123 ${w.y}] [error] x`;
    return { line, expect: ms, opts: { timezone: zone(off) } };
  },
};

describe('round trips: a written instant reads back as itself', () => {
  it.each(Object.keys(writers))('%s, in auto and pinned', (name) => {
    fc.assert(
      fc.property(instant, offsetMin, fc.nat(), (ms, off, extra) => {
        const w = writers[name](ms, off, extra);
        const base = { timezone: 'UTC', now: ms, ...w.opts };
        expect(parsePlainLine(w.line, { format: 'auto', ...base }).timestamp, w.line).toBe(iso(w.expect));
        expect(parsePlainLine(w.line, { format: name as PlainLineOptions['format'], ...base }).timestamp, w.line).toBe(iso(w.expect));
      }),
      { numRuns: 500 },
    );
  });

  it('a custom strftime layout', () => {
    const f = compileCustomFormat('^(?<time>[^|]+)\\|', { layout: '%d.%m.%Y %H:%M:%S.%f %z' });
    fc.assert(
      fc.property(instant, offsetMin, (ms, off) => {
        const w = wall(ms, off);
        const line = `${p2(w.d)}.${p2(w.mo)}.${w.y} ${p2(w.h)}:${p2(w.mi)}:${p2(w.s)}.${p3(w.ms)}999 ${zone(off, false)}| x`;
        expect(parsePlainLine(line, { format: 'off', now: ms, custom: f }).timestamp).toBe(iso(ms));
      }),
    );
  });

  it('wall times in IANA zones: the instant, or the earlier one where the hour repeats', () => {
    const names = ['Europe/Paris', 'America/New_York', 'Australia/Lord_Howe'];
    fc.assert(
      fc.property(instant, fc.constantFrom(...names), (ms, name) => {
        const r = createZoneResolver(name);
        const off = r.offsetAt(ms) / 60_000;
        const w = wall(ms, off);
        const line = `${w.y}-${p2(w.mo)}-${p2(w.d)} ${p2(w.h)}:${p2(w.mi)}:${p2(w.s)}.${p3(w.ms)} x`;
        const got = Date.parse(parsePlainLine(line, { format: 'auto', timezone: name, now: ms }).timestamp!);
        if (got !== ms) {
          expect(got).toBeLessThan(ms);
          expect(got + r.offsetAt(got)).toBe(ms + r.offsetAt(ms));
        }
      }),
      { numRuns: 2000 },
    );
  });
});
