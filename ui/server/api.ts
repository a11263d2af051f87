// The explorer's JSON API: each route reads its fields (ui-query.ts), builds its request with the terminal search's
// language (search/, es-bodies.ts), asks Elasticsearch through the sink's adapter and shapes the answer
// (row-view.ts). Credentials never leave the server.
import { LogshipError } from '../../common/errors.js';
import { parseDuration } from '../../common/units.js';
import type { Es } from '../../sink/es-client.js';
import { rangesToResolve } from '../../search/query.js';
import { bucketsOf, chooseInterval, contextRequest, histogramRequest, pageRequest } from '../../search/requests.js';
import { valuesInRange, valuesRequest, type Resolved } from '../../search/where.js';
import { byIdBody, FACET_FIELDS, facetsBody, queryOf, ROW_SOURCE, specOf } from './es-bodies.js';
import { facetBuckets, rowOf, type Row } from './row-view.js';
import { FACETS, intParam, parseUiQuery, type UiQuery } from './ui-query.js';

export type EsSearch = Pick<Es, 'search'>;

export interface ApiDeps {
  es: EsSearch;
  /** The index pattern searched (`<prefix>-*`). */
  index: string;
  now: () => number;
}

export type Route = (p: URLSearchParams) => Promise<unknown>;

/** The query of a UiQuery, after resolving the values of its ranges on json.* fields (one request each). */
export async function resolveQuery(es: EsSearch, index: string, u: UiQuery): Promise<Record<string, unknown>> {
  const resolved: Resolved = new Map();
  for (const w of rangesToResolve(specOf(u))) {
    const r = await es.search(index, valuesRequest(w, queryOf(u, resolved, w)));
    const agg = (r.aggregations?.values ?? { buckets: [] }) as { buckets: Array<{ key: unknown }>; sum_other_doc_count?: number };
    resolved.set(w.text, valuesInRange(w, agg));
  }
  return queryOf(u, resolved);
}

export function createApi(d: ApiDeps): Record<string, Route> {
  const search = (body: Record<string, unknown>) => d.es.search(d.index, body);
  const read = async (p: URLSearchParams) => {
    const u = parseUiQuery(p, d.now());
    return { u, query: await resolveQuery(d.es, d.index, u) };
  };
  return {
    async search(p) {
      const { u, query } = await read(p);
      const t0 = Date.now();
      const r = await search({
        ...pageRequest(query, { size: intParam(p, 'size', 100, 1, 1000), dir: 'desc', trackTotal: true }),
        _source: ROW_SOURCE,
      });
      return { total: r.total, took_ms: Date.now() - t0, rows: r.hits.map(rowOf), from: u.fromMs, to: u.toMs };
    },
    async histogram(p) {
      const { u, query } = await read(p);
      const interval = chooseInterval(u.toMs - u.fromMs, intParam(p, 'buckets', 60, 1, 500));
      const r = await search(histogramRequest(query, { sinceMs: u.fromMs, untilMs: u.toMs, interval, timeZone: 'UTC' }));
      const buckets = bucketsOf(r).map((b) => ({ t: b.startMs, count: b.count }));
      return { total: r.total, interval_ms: parseDuration(interval), from: u.fromMs, to: u.toMs, buckets };
    },
    async facets(p) {
      const { query } = await read(p);
      const size = intParam(p, 'size', 10, 1, 100);
      const r = await search(facetsBody(query, size));
      const facets = Object.fromEntries(FACETS.map((f) => [f, facetBuckets(r.aggregations, f, FACET_FIELDS[f].length, size)]));
      return { total: r.total, facets };
    },
    async context(p) {
      const id = p.get('id') ?? '';
      if (!/^[0-9a-f]{1,64}$/.test(id)) throw new LogshipError('LOGSHIP_ERR_USAGE', 'id: an event id (hex)');
      const n = intParam(p, 'lines', 10, 1, 200);
      const found = (await search(byIdBody(id))).hits[0];
      if (!found) throw new LogshipError('LOGSHIP_ERR_USAGE', `no event ${id}`);
      const row = rowOf(found);
      const identity = (found._source.logship as { source?: { identity?: string } } | undefined)?.source?.identity;
      if (identity === undefined || row.offset < 0) return { row, before: [], after: [] };
      const [b, a] = await Promise.all([
        search({ ...contextRequest(identity, row.offset, n, 'before'), _source: ROW_SOURCE }),
        search({ ...contextRequest(identity, row.offset, n, 'after'), _source: ROW_SOURCE }),
      ]);
      const before: Row[] = b.hits.map(rowOf).reverse();
      return { row, before, after: a.hits.map(rowOf) };
    },
  };
}
