// The search language, shared by `logship search` and the web explorer: a query string and its options (text,
// host, source, level, since/until, --where filters) parsed into an Elasticsearch query. Pure: no I/O, the clock
// is passed in. A range on a `json.*` field cannot be a range query (the field is `flattened`: its values are
// keywords, "100" < "99"), so it is answered by the values that fall in it (where.ts resolves them).
import { LogshipError } from '../common/errors.js';
import { parseDuration } from '../common/units.js';
import { isFlattened, whereClause, type Resolved, type Where } from './where.js';

export { parseWhere, type Where } from './where.js';

export interface SearchSpec {
  /** Elasticsearch's simple query syntax on the message: `a b` both, `a|b`, `-a`, `"exact phrase"`. */
  text?: string;
  /** Any of these hosts. */
  hosts?: string[];
  /** A file path, a source name, or a part of a path. */
  source?: string;
  /** Any of these levels. */
  levels?: string[];
  /** Epoch milliseconds, inclusive. */
  sinceMs?: number;
  /** Epoch milliseconds, inclusive. */
  untilMs?: number;
  where?: Where[];
}

const usage = (msg: string) => new LogshipError('LOGSHIP_ERR_USAGE', msg);

/**
 * A time bound: a duration back from `now` (15m, 2h, 1d, 0s), `now`, an ISO date (2026-12-01, in local time, or
 * UTC with `utc`), an ISO date-time (2026-12-01T10:00:00Z; without a zone: local, or UTC with `utc`), a time of
 * today (10:30, 10:30:15) or epoch milliseconds (13 digits). Epoch milliseconds, or undefined when unreadable.
 */
export function parseTime(s: string, now: number, utc = false): number | undefined {
  const t = s.trim();
  if (t === 'now') return now;
  if (/^\d{13}$/.test(t)) return Number(t);
  const d = parseDuration(t);
  if (d !== undefined) return now - d;
  const clock = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/.exec(t);
  if (clock) {
    const day = new Date(now);
    const [h, m, sec, ms] = [clock[1], clock[2], clock[3] ?? '0', (clock[4] ?? '0').padEnd(3, '0')].map(Number);
    if (h > 23 || m > 59 || sec > 59) return undefined;
    if (utc) return Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), h, m, sec, ms);
    return new Date(day.getFullYear(), day.getMonth(), day.getDate(), h, m, sec, ms).getTime();
  }
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(t);
  if (!iso) return undefined;
  if (iso[8] !== undefined) {
    const ms = Date.parse(t.replace(' ', 'T'));
    return Number.isNaN(ms) ? undefined : ms;
  }
  const [y, mo, da, h, mi, se] = iso.slice(1, 7).map((x) => Number(x ?? 0));
  const frac = Number((iso[7] ?? '0').slice(0, 3).padEnd(3, '0'));
  if (mo < 1 || mo > 12 || da < 1 || da > 31 || h > 23 || mi > 59 || se > 59) return undefined;
  const ms = utc ? Date.UTC(y, mo - 1, da, h, mi, se, frac) : new Date(y, mo - 1, da, h, mi, se, frac).getTime();
  return Number.isNaN(ms) ? undefined : ms;
}

/** parseTime, or a usage error naming the flag. */
export function timeFlag(flag: string, s: string, now: number, utc = false): number {
  const ms = parseTime(s, now, utc);
  if (ms === undefined)
    throw usage(`${flag}: "${s}" is not a time (a duration back from now such as 15m, 2h, 1d; 2026-12-01T10:00; 10:30; now)`);
  return ms;
}

/** A literal inside an Elasticsearch wildcard pattern: `*` and `?` match only themselves, `\` is its escape. */
export function escapeWildcard(s: string): string {
  return s.replace(/[\\*?]/g, '\\$&');
}

/** The filter for --source: the exact path, the source name, or a part of the path. */
export function sourceClause(source: string): Record<string, unknown> {
  return {
    bool: {
      should: [
        { term: { 'log.file.path': source } },
        { term: { 'logship.source.name': source } },
        { wildcard: { 'log.file.path': { value: `*${escapeWildcard(source)}*` } } },
      ],
      minimum_should_match: 1,
    },
  };
}

/** The ranges on json.* fields of a spec: their values must be resolved (where.ts) before queryOf. */
export function rangesToResolve(spec: SearchSpec): Where[] {
  return (spec.where ?? []).filter((w) => w.op === 'range' && isFlattened(w.field));
}

/**
 * The Elasticsearch query of a spec. `resolved` holds, for each range on a json.* field (by its text), the values
 * in the range; `except` leaves one --where out (to resolve that one's values under all the others).
 */
export function queryOf(spec: SearchSpec, resolved: Resolved = new Map(), except?: Where): Record<string, unknown> {
  const filter: unknown[] = [];
  const mustNot: unknown[] = [];
  const range: Record<string, string> = {};
  if (spec.sinceMs !== undefined) range.gte = new Date(spec.sinceMs).toISOString();
  if (spec.untilMs !== undefined) range.lte = new Date(spec.untilMs).toISOString();
  if (Object.keys(range).length > 0) filter.push({ range: { '@timestamp': range } });
  if (spec.hosts && spec.hosts.length > 0) filter.push(termsOrTerm('host.name', spec.hosts));
  if (spec.levels && spec.levels.length > 0)
    filter.push(
      termsOrTerm(
        'log.level',
        spec.levels.map((l) => l.toLowerCase()),
      ),
    );
  if (spec.source) filter.push(sourceClause(spec.source));
  for (const w of spec.where ?? []) {
    if (w === except) continue;
    const c = whereClause(w, resolved);
    (c.negate ? mustNot : filter).push(c.clause);
  }
  const must = spec.text ? [{ simple_query_string: { query: spec.text, fields: ['message'], default_operator: 'and' } }] : [];
  return { bool: { filter, must, ...(mustNot.length > 0 ? { must_not: mustNot } : {}) } };
}

function termsOrTerm(field: string, values: string[]): Record<string, unknown> {
  return values.length === 1 ? { term: { [field]: values[0] } } : { terms: { [field]: values } };
}
