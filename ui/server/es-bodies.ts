// The explorer's fields as the terminal search's query (search/query.ts), and the few bodies only the explorer
// asks for (facets). The browser's fields only ever become the search language's own filters (text, hosts, levels,
// --where on a field) and term filters on the four known facets, so no request can reach a query type the
// explorer does not intend.
import { queryOf as searchQuery, type SearchSpec } from '../../search/query.js';
import type { Resolved, Where } from '../../search/where.js';
import type { Facet, FacetFilter, UiQuery } from './ui-query.js';

/** The indexed fields behind each facet (service: the ECS `service.name` of a JSON line, or its `service`). */
export const FACET_FIELDS: Record<Facet, string[]> = {
  host: ['host.name'],
  source: ['logship.source.name'],
  level: ['log.level'],
  service: ['json.service.name', 'json.service'],
};

export const ROW_SOURCE = ['@timestamp', 'message', 'host', 'log', 'logship', 'event', 'json', 'process'];

function facetWhere(f: FacetFilter, negate: boolean): Where {
  const field = FACET_FIELDS[f.facet][0];
  // A level is stored lower-case by the agent; the UI may show it in any case.
  const value = f.facet === 'level' ? f.value.toLowerCase() : f.value;
  return { text: `${field}${negate ? '!=' : '='}${value}`, field, op: negate ? 'ne' : 'eq', value };
}

/** A filter on the service facet: either of its fields. */
function serviceClause(value: string): Record<string, unknown> {
  return { bool: { should: FACET_FIELDS.service.map((field) => ({ term: { [field]: value } })), minimum_should_match: 1 } };
}

/** The terminal search's spec of a UiQuery (the service facet, on two fields, is added by queryOf). */
export function specOf(u: UiQuery): SearchSpec {
  const plain = (f: FacetFilter) => f.facet !== 'service';
  return {
    text: u.q || undefined,
    sinceMs: u.fromMs,
    untilMs: u.toMs,
    where: [
      ...u.include.filter(plain).map((f) => facetWhere(f, false)),
      ...u.exclude.filter(plain).map((f) => facetWhere(f, true)),
      ...u.where,
    ],
  };
}

/** The query of a UiQuery; `resolved` and `except` as search/query.ts takes them (ranges on json.* fields). */
export function queryOf(u: UiQuery, resolved: Resolved = new Map(), except?: Where): Record<string, unknown> {
  const q = searchQuery(specOf(u), resolved, except) as { bool: { filter: unknown[]; must: unknown[]; must_not?: unknown[] } };
  const inc = u.include.filter((f) => f.facet === 'service').map((f) => serviceClause(f.value));
  const exc = u.exclude.filter((f) => f.facet === 'service').map((f) => serviceClause(f.value));
  const mustNot = [...(q.bool.must_not ?? []), ...exc];
  return { bool: { ...q.bool, filter: [...q.bool.filter, ...inc], ...(mustNot.length > 0 ? { must_not: mustNot } : {}) } };
}

export function facetsBody(query: Record<string, unknown>, size: number): Record<string, unknown> {
  const aggs: Record<string, unknown> = {};
  for (const [facet, fields] of Object.entries(FACET_FIELDS))
    fields.forEach((field, i) => (aggs[`${facet}.${i}`] = { terms: { field, size } }));
  return { size: 0, track_total_hits: true, query, aggs };
}

/** The one document the context is around, by its event id. */
export function byIdBody(id: string): Record<string, unknown> {
  return { size: 1, query: { term: { 'event.id': id } }, _source: ROW_SOURCE };
}
