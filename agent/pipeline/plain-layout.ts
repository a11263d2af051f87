// Time layouts of custom formats: strftime-like (`%Y-%m-%d %H:%M:%S.%f %z`) or the name of a built-in format
// ('iso8601', 'syslog', ...), or none (any built-in format). A layout is checked when it is compiled, so a
// typo is a config error with a reason, not a source whose times silently never parse.

import { type Found, TIME_READERS, type TimeContext, type TimeReader } from './plain-formats.js';
import { century, dateMs, inferYear, MAX_MS, MIN_MS, MONTH_NAMES, MONTHS, WEEKDAYS } from './plain-time.js';

/** Reads the whole of a captured time: the instant in ms, or undefined. */
export type TimeLayout = (text: string, ctx: TimeContext) => number | undefined;

type Field =
  'year' | 'yy' | 'month' | 'day' | 'hour' | 'hour12' | 'ampm' | 'minute' | 'second' | 'frac' | 'millis' | 'zone' | 'weekday' | 'epoch';

const DIRECTIVES: Record<string, [Field, string]> = {
  Y: ['year', '(\\d{4})'],
  y: ['yy', '(\\d{2})'],
  m: ['month', '(\\d{1,2})'],
  b: ['month', '([A-Za-z]{3,9})'],
  h: ['month', '([A-Za-z]{3,9})'],
  B: ['month', '([A-Za-z]{3,9})'],
  d: ['day', '(\\d{1,2})'],
  e: ['day', '( ?\\d{1,2})'],
  H: ['hour', '(\\d{1,2})'],
  I: ['hour12', '(\\d{1,2})'],
  p: ['ampm', '([AaPp][Mm])'],
  M: ['minute', '(\\d{2})'],
  S: ['second', '(\\d{2})'],
  f: ['frac', '(\\d{1,9})'],
  L: ['millis', '(\\d{3})'],
  z: ['zone', '(Z|z|[+-]\\d{2}(?::?\\d{2})?)'],
  a: ['weekday', '([A-Za-z]{3,9})'],
  A: ['weekday', '([A-Za-z]{3,9})'],
  s: ['epoch', '(\\d{1,12})'],
};
const SHORTHANDS: Record<string, string> = { T: '%H:%M:%S', F: '%Y-%m-%d', R: '%H:%M' };

export class TimeLayoutError extends Error {
  override name = 'TimeLayoutError';
}

function monthNumber(v: string): number {
  if (/^\d+$/.test(v)) return Number(v);
  const s = v.toLowerCase();
  const abbr = MONTHS.indexOf(s);
  return abbr >= 0 ? abbr + 1 : MONTH_NAMES.indexOf(s) + 1;
}

function weekdayKnown(v: string): boolean {
  const s = v.toLowerCase();
  const i = WEEKDAYS.indexOf(s.slice(0, 3));
  return i >= 0 && (s.length === 3 || ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'][i] === s);
}

function zoneOffset(v: string): number {
  if (v === 'Z' || v === 'z') return 0;
  const sign = v[0] === '-' ? -1 : 1;
  const h = Number(v.slice(1, 3));
  const m = v.length > 3 ? Number(v.slice(-2)) : 0;
  return h > 23 || m > 59 ? NaN : sign * (h * 3_600_000 + m * 60_000);
}

/** Compiles a strftime-like layout; throws a TimeLayoutError naming the problem. */
export function compileStrftime(layout: string): TimeLayout {
  let expanded = '';
  for (let i = 0; i < layout.length; i++) {
    if (layout[i] === '%' && SHORTHANDS[layout[i + 1]]) {
      expanded += SHORTHANDS[layout[++i]];
    } else expanded += layout[i];
  }
  const order: Field[] = [];
  let src = '^';
  for (let i = 0; i < expanded.length; i++) {
    const c = expanded[i];
    if (c === '%') {
      const d = expanded[++i];
      if (d === undefined) throw new TimeLayoutError(`time layout '${layout}' ends with a lone '%'`);
      if (d === '%') {
        src += '%';
        continue;
      }
      const spec = DIRECTIVES[d];
      if (!spec)
        throw new TimeLayoutError(
          `time layout '${layout}' has the unknown directive '%${d}' (known: %${Object.keys(DIRECTIVES).join(' %')} %T %F %R %%)`,
        );
      const field = spec[0] === 'yy' ? 'year' : spec[0];
      if (order.some((f) => (f === 'yy' ? 'year' : f) === field))
        throw new TimeLayoutError(`time layout '${layout}' gives the ${field} twice`);
      order.push(spec[0]);
      src += spec[1];
    } else if (c === ' ' || c === '\t') {
      src += '\\s+';
      while (expanded[i + 1] === ' ' || expanded[i + 1] === '\t') i++;
    } else src += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  const has = (f: Field) => order.includes(f);
  if (has('epoch')) {
    const extra = order.filter((f) => f !== 'epoch' && f !== 'frac' && f !== 'millis' && f !== 'zone' && f !== 'weekday');
    if (extra.length) throw new TimeLayoutError(`time layout '${layout}' has %s (epoch seconds) together with a calendar field`);
  } else {
    const missing = [
      has('month') ? '' : 'a month (%m, %b or %B)',
      has('day') ? '' : 'a day (%d or %e)',
      has('hour') || has('hour12') ? '' : 'an hour (%H or %I)',
      has('minute') ? '' : 'minutes (%M)',
    ].filter(Boolean);
    if (missing.length) throw new TimeLayoutError(`time layout '${layout}' lacks ${missing.join(', ')}`);
    if (has('hour12') !== has('ampm')) throw new TimeLayoutError(`time layout '${layout}': %I and %p go together`);
    if (has('hour') && has('hour12')) throw new TimeLayoutError(`time layout '${layout}' gives the hour twice`);
  }
  if (has('frac') && has('millis')) throw new TimeLayoutError(`time layout '${layout}' gives the fraction twice (%f and %L)`);
  const re = new RegExp(src + '$');

  return (text, ctx) => {
    const m = re.exec(text);
    if (!m) return undefined;
    const v: Partial<Record<Field, string>> = {};
    for (let k = 0; k < order.length; k++) v[order[k]] = m[k + 1];
    let fracMs = 0;
    if (v.frac !== undefined) fracMs = Number((v.frac + '00').slice(0, 3));
    if (v.millis !== undefined) fracMs = Number(v.millis);
    const offset = v.zone !== undefined ? zoneOffset(v.zone) : undefined;
    if (v.weekday !== undefined && !weekdayKnown(v.weekday)) return undefined;
    let ms: number;
    if (v.epoch !== undefined) {
      ms = Number(v.epoch) * 1000 + fracMs;
    } else {
      const month = monthNumber(v.month!);
      let hour = Number(v.hour ?? v.hour12);
      if (v.hour12 !== undefined) {
        if (hour < 1 || hour > 12) return undefined;
        hour = (hour % 12) + (v.ampm!.toLowerCase() === 'pm' ? 12 : 0);
      }
      const minute = Number(v.minute);
      const second = v.second === undefined ? 0 : Number(v.second);
      if (hour > 23 || minute > 59 || second > 59 || (!ctx.zone && offset === undefined)) return undefined;
      const year =
        v.year !== undefined
          ? Number(v.year)
          : v.yy !== undefined
            ? century(Number(v.yy))
            : ctx.zone
              ? inferYear(month, ctx.now, ctx.zone)
              : NaN;
      const wall = dateMs(year, month, Number(v.day!.trim())) + hour * 3_600_000 + minute * 60_000 + second * 1000 + fracMs;
      if (Number.isNaN(wall)) return undefined;
      ms = offset !== undefined ? wall - offset : ctx.zone!.toUtc(wall);
    }
    return ms >= MIN_MS && ms <= MAX_MS ? ms : undefined;
  };
}

/** A built-in reader that must read the whole capture. */
function whole(read: TimeReader): TimeLayout {
  return (text, ctx) => {
    const f: Found | undefined = read(text, 0, ctx);
    return f && f.ms !== undefined && f.end === text.length ? f.ms : undefined;
  };
}

const ANY_ORDER = ['iso8601', 'syslog', 'clf', 'compact', 'epoch', 'ctime', 'klog'] as const;

/** Any built-in format, the first that reads the whole capture. */
const anyTime: TimeLayout = (text, ctx) => {
  for (const name of ANY_ORDER) {
    const ms = whole(TIME_READERS[name])(text, ctx);
    if (ms !== undefined) return ms;
  }
  return undefined;
};

/** A layout by name ('iso8601', 'syslog', ...), strftime-like when it has a '%', or any built-in format when absent. */
export function compileTimeLayout(layout: string | undefined): TimeLayout {
  if (layout === undefined || layout === 'auto') return anyTime;
  const reader = (TIME_READERS as Record<string, TimeReader | undefined>)[layout];
  if (reader) return whole(reader);
  if (layout.includes('%')) return compileStrftime(layout);
  throw new TimeLayoutError(
    `time layout '${layout}' is neither a format name (${Object.keys(TIME_READERS).join(', ')}, auto) nor a strftime-like layout such as '%Y-%m-%d %H:%M:%S'`,
  );
}
