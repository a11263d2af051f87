// The Elasticsearch request bodies of the explorer's API (pure): one UiQuery in, one body out. The browser's
// fields only ever become term filters on the four known facets, a date range, and the query string of the
// terminal search, so no request can reach a field, an index or a query type the explorer does not intend.
import type { Facet, FacetFilter, UiQuery } from './ui-query.js';

/** The indexed fields behind each facet (service: the ECS `service.name` of a JSON line, or its `service`). */
export const FACET_FIELDS: Record<Facet, string[]> = {
  host: ['host.name'],
  source: ['logship.source.name'],
  level: ['log.level'],
  service: ['json.service.name', 'json.service'],
};

export const ROW_SOURCE = ['@timestamp', 'message', 'host', 'log', 'logship', 'event', 'json', 'process'];

/** Newest first, ties in file order: the order rows are shown in. */
const NEWEST_FIRST = [{ '@timestamp': 'desc' }, { 'log.offset': 'desc' }, { 'event.id': 'desc' }];
const OLDEST_FIRST = [{ '@timestamp': 'asc' }, { 'log.offset': 'asc' }, { 'event.id': 'asc' }];

function facetClause(f: FacetFilter): Record<string, unknown> {
  const fields = FACET_FIELDS[f.facet];
  // A level is stored lower-case by the agent; the UI may show it in any case.
  const value = f.facet === 'level' ? f.value.toLowerCase() : f.value;
  if (fields.length === 1) return { term: { [fields[0]]: value } };
  return { bool: { should: fields.map((field) => ({ term: { [field]: value } })), minimum_should_match: 1 } };
}

/** The query string, as `logship search QUERY` reads it: Elasticsearch's simple query syntax on the message. */
function textClause(q: string): Record<string, unknown>[] {
  return q ? [{ simple_query_string: { query: q, fields: ['message'], default_operator: 'and' } }] : [];
}

export function queryOf(u: UiQuery): Record<string, unknown> {
  return {
    bool: {
      filter: [
        { range: { '@timestamp': { gte: new Date(u.fromMs).toISOString(), lte: new Date(u.toMs).toISOString() } } },
        ...u.include.map(facetClause),
      ],
      must: textClause(u.q),
      must_not: u.exclude.map(facetClause),
    },
  };
}

export function searchBody(u: UiQuery, size: number): Record<string, unknown> {
  return { size, query: queryOf(u), sort: NEWEST_FIRST, track_total_hits: true, _source: ROW_SOURCE };
}

const NICE_INTERVALS_MS = [
  1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 10_800_000,
  21_600_000, 43_200_000, 86_400_000, 172_800_000, 604_800_000,
];

/** The smallest round interval that covers the span in at most `buckets` bars. */
export function histogramInterval(spanMs: number, buckets: number): number {
  const want = spanMs / Math.max(1, buckets);
  return NICE_INTERVALS_MS.find((i) => i >= want) ?? Math.ceil(want / 86_400_000) * 86_400_000;
}

export function histogramBody(u: UiQuery, intervalMs: number): Record<string, unknown> {
  return {
    size: 0,
    track_total_hits: true,
    query: queryOf(u),
    aggs: {
      over_time: {
        date_histogram: {
          field: '@timestamp',
          fixed_interval: `${intervalMs}ms`,
          min_doc_count: 0,
          extended_bounds: { min: u.fromMs, max: u.toMs },
        },
      },
    },
  };
}

export function facetsBody(u: UiQuery, size: number): Record<string, unknown> {
  const aggs: Record<string, unknown> = {};
  for (const [facet, fields] of Object.entries(FACET_FIELDS))
    fields.forEach((field, i) => (aggs[`${facet}.${i}`] = { terms: { field, size } }));
  return { size: 0, track_total_hits: true, query: queryOf(u), aggs };
}

/** The one document the context is around, by its event id. */
export function byIdBody(id: string): Record<string, unknown> {
  return { size: 1, query: { term: { 'event.id': id } }, _source: ROW_SOURCE };
}

/**
 * The lines before (newest first, to be reversed) or after a document in its source: the same host and source
 * identity (one generation of one file), ordered by byte offset, so a rotated file's older lines never mix in.
 */
export function contextBody(
  host: string,
  identity: string,
  offset: number,
  side: 'before' | 'after',
  size: number,
): Record<string, unknown> {
  const before = side === 'before';
  return {
    size,
    query: {
      bool: {
        filter: [
          { term: { 'host.name': host } },
          { term: { 'logship.source.identity': identity } },
          { range: { 'log.offset': before ? { lt: offset } : { gt: offset } } },
        ],
      },
    },
    sort: [{ 'log.offset': before ? 'desc' : 'asc' }],
    _source: ROW_SOURCE,
  };
}

/**
 * New matches for the live tail: at or after `fromMs` (a look-back window, so a line indexed late with an earlier
 * time is still seen; the caller drops the ones it already sent), oldest first.
 */
export function tailBody(u: UiQuery, fromMs: number, size: number): Record<string, unknown> {
  return { size, query: queryOf({ ...u, fromMs, toMs: Math.max(u.toMs, fromMs) + 86_400_000 }), sort: OLDEST_FIRST, _source: ROW_SOURCE };
}
