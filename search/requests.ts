// The request bodies of a search, one per question: a page of lines, the lines around a hit, counts by a field,
// counts over time. Pure: the query comes from query.ts, the clock and the time zone are passed in.
import { LogshipError } from '../common/errors.js';
import { parseDuration } from '../common/units.js';
import { fieldOf } from './where.js';

export type Direction = 'asc' | 'desc';

/** @timestamp, then the line's place in its source, then the id: a total order, the same on every page and poll. */
export function sortOf(dir: Direction): Array<Record<string, Direction>> {
  return [{ '@timestamp': dir }, { 'log.offset': dir }, { 'event.id': dir }];
}

export interface PageOptions {
  size: number;
  dir: Direction;
  after?: unknown[];
  /** A point in time (search/paging.ts); the request then names no index. */
  pit?: { id: string; keepAlive: string };
  trackTotal?: boolean;
}

export function pageRequest(query: Record<string, unknown>, o: PageOptions): Record<string, unknown> {
  return {
    size: o.size,
    query,
    sort: sortOf(o.dir),
    track_total_hits: o.trackTotal === true,
    ...(o.after && o.after.length > 0 ? { search_after: o.after } : {}),
    ...(o.pit ? { pit: { id: o.pit.id, keep_alive: o.pit.keepAlive } } : {}),
  };
}

/** The lines of the same source before (`dir` desc) or after (asc) the hit's offset. */
export function contextRequest(identity: string, offset: number, n: number, side: 'before' | 'after'): Record<string, unknown> {
  const bound = side === 'before' ? { lt: offset } : { gt: offset };
  return {
    size: n,
    query: { bool: { filter: [{ term: { 'logship.source.identity': identity } }, { range: { 'log.offset': bound } }] } },
    sort: [{ 'log.offset': side === 'before' ? 'desc' : 'asc' }],
  };
}

/** --count-by names: host, source, level, or any field (--where's names). */
export function countField(name: string): string {
  if (name === 'source') return 'logship.source.name';
  return fieldOf(name);
}

export function countRequest(query: Record<string, unknown>, field: string, size: number): Record<string, unknown> {
  return {
    size: 0,
    track_total_hits: true,
    query,
    aggs: { by: { terms: { field, size } }, none: { missing: { field } } },
  };
}

export interface CountRow {
  key: string;
  count: number;
}

export interface Counts {
  total: number;
  rows: CountRow[];
  /** Matches with another value than those listed. */
  other: number;
  /** Matches without the field. */
  missing: number;
}

export function countsOf(res: { total: number; aggregations?: Record<string, unknown> }): Counts {
  const by = res.aggregations?.by as {
    buckets: Array<{ key: unknown; key_as_string?: string; doc_count: number }>;
    sum_other_doc_count: number;
  };
  const none = res.aggregations?.none as { doc_count: number } | undefined;
  return {
    total: res.total,
    rows: (by?.buckets ?? []).map((b) => ({ key: b.key_as_string ?? String(b.key), count: b.doc_count })),
    other: by?.sum_other_doc_count ?? 0,
    missing: none?.doc_count ?? 0,
  };
}

const INTERVALS = ['1s', '5s', '10s', '30s', '1m', '5m', '10m', '30m', '1h', '3h', '6h', '12h', '1d', '7d', '30d'];

/** The interval that gives at most `bars` bars over the range (the smallest such), or `given` when it is one. */
export function chooseInterval(rangeMs: number, bars: number, given?: string): string {
  if (given !== undefined) {
    const ms = parseDuration(given);
    if (ms === undefined || ms < 1000 || !/^\d+[smhd]$/.test(given))
      throw new LogshipError('LOGSHIP_ERR_USAGE', `--interval: "${given}" is not a whole number of s, m, h or d (at least 1s)`);
    if (rangeMs / ms > 2000) throw new LogshipError('LOGSHIP_ERR_USAGE', `--interval ${given} gives more than 2000 bars over this range`);
    return given;
  }
  return INTERVALS.find((i) => rangeMs / parseDuration(i)! <= bars) ?? INTERVALS[INTERVALS.length - 1];
}

export function histogramRequest(
  query: Record<string, unknown>,
  o: { sinceMs: number; untilMs: number; interval: string; timeZone: string },
): Record<string, unknown> {
  return {
    size: 0,
    track_total_hits: true,
    query,
    aggs: {
      over_time: {
        date_histogram: {
          field: '@timestamp',
          fixed_interval: o.interval,
          time_zone: o.timeZone,
          min_doc_count: 0,
          extended_bounds: { min: o.sinceMs, max: o.untilMs },
        },
      },
    },
  };
}

export interface Bucket {
  startMs: number;
  count: number;
}

export function bucketsOf(res: { aggregations?: Record<string, unknown> }): Bucket[] {
  const h = res.aggregations?.over_time as { buckets: Array<{ key: number; doc_count: number }> } | undefined;
  return (h?.buckets ?? []).map((b) => ({ startMs: b.key, count: b.doc_count }));
}
