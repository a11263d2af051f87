// The explorer's JSON API: each route reads its fields (ui-query.ts), builds its body (es-bodies.ts), asks
// Elasticsearch through the sink's adapter and shapes the answer (row-view.ts). Credentials never leave the server.
import { LogshipError } from '../../common/errors.js';
import type { Es } from '../../sink/es-client.js';
import { byIdBody, contextBody, FACET_FIELDS, facetsBody, histogramBody, histogramInterval, searchBody } from './es-bodies.js';
import { facetBuckets, histogramBuckets, rowOf, type Row } from './row-view.js';
import { FACETS, intParam, parseUiQuery } from './ui-query.js';

export type EsSearch = Pick<Es, 'search'>;

export interface ApiDeps {
  es: EsSearch;
  /** The index pattern searched (`<prefix>-*`). */
  index: string;
  now: () => number;
}

export type Route = (p: URLSearchParams) => Promise<unknown>;

export function createApi(d: ApiDeps): Record<string, Route> {
  const search = (body: Record<string, unknown>) => d.es.search(d.index, body);
  return {
    async search(p) {
      const u = parseUiQuery(p, d.now());
      const t0 = Date.now();
      const r = await search(searchBody(u, intParam(p, 'size', 100, 1, 1000)));
      return { total: r.total, took_ms: Date.now() - t0, rows: r.hits.map(rowOf), from: u.fromMs, to: u.toMs };
    },
    async histogram(p) {
      const u = parseUiQuery(p, d.now());
      const interval = histogramInterval(u.toMs - u.fromMs, intParam(p, 'buckets', 60, 1, 500));
      const r = await search(histogramBody(u, interval));
      return { total: r.total, interval_ms: interval, from: u.fromMs, to: u.toMs, buckets: histogramBuckets(r.aggregations) };
    },
    async facets(p) {
      const u = parseUiQuery(p, d.now());
      const size = intParam(p, 'size', 10, 1, 100);
      const r = await search(facetsBody(u, size));
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
        search(contextBody(row.host, identity, row.offset, 'before', n)),
        search(contextBody(row.host, identity, row.offset, 'after', n)),
      ]);
      const before: Row[] = b.hits.map(rowOf).reverse();
      return { row, before, after: a.hits.map(rowOf) };
    },
  };
}
