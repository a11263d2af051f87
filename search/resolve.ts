// The I/O half of a range on a json.* field (where.ts): list the field's numeric values under the other filters,
// keep those in the range. One request per such range, before the search itself.
import type { Es } from '../sink/es-client.js';
import { queryOf, rangesToResolve, type SearchSpec } from './query.js';
import { valuesInRange, valuesRequest, type Resolved } from './where.js';

export async function resolveRanges(es: Pick<Es, 'search'>, index: string, spec: SearchSpec): Promise<Resolved> {
  const resolved: Resolved = new Map();
  const ranges = rangesToResolve(spec);
  for (const w of ranges) {
    // The json ranges not resolved yet are left out (a superset of values, still exact once all are applied).
    const others = { ...spec, where: (spec.where ?? []).filter((x) => !ranges.includes(x) || resolved.has(x.text)) };
    const res = await es.search(index, valuesRequest(w, queryOf(others, resolved, w)));
    const agg = res.aggregations?.values as { buckets: Array<{ key: unknown }>; sum_other_doc_count?: number } | undefined;
    resolved.set(w.text, valuesInRange(w, agg ?? { buckets: [] }));
  }
  return resolved;
}

/** The query of a spec, its json ranges resolved first. */
export async function resolvedQuery(es: Pick<Es, 'search'>, index: string, spec: SearchSpec): Promise<Record<string, unknown>> {
  return queryOf(spec, await resolveRanges(es, index, spec));
}
