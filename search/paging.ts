// Lines of a search, any number of them: past Elasticsearch's 10,000-hit window with a point in time and
// search_after (one consistent view of the indices for the whole listing, closed at the end).
import type { Es, SearchHit } from '../sink/es-client.js';
import { pageRequest, type Direction } from './requests.js';

export const PAGE_SIZE = 5000;
export const PIT_KEEP_ALIVE = '2m';

type EsPaging = Pick<Es, 'search' | 'openPit' | 'closePit'>;

/** Every hit of `query` in `dir` order, at most `max` (undefined: all), page by page. */
export async function* allHits(
  es: EsPaging,
  index: string,
  query: Record<string, unknown>,
  dir: Direction,
  max?: number,
  pageSize = PAGE_SIZE,
): AsyncGenerator<SearchHit[]> {
  let pitId = await es.openPit(index, PIT_KEEP_ALIVE);
  let after: unknown[] | undefined;
  let left = max ?? Infinity;
  try {
    while (left > 0) {
      const size = Math.min(pageSize, left);
      const res = await es.search(undefined, pageRequest(query, { size, dir, after, pit: { id: pitId, keepAlive: PIT_KEEP_ALIVE } }));
      if (res.pitId) pitId = res.pitId;
      if (res.hits.length > 0) yield res.hits;
      left -= res.hits.length;
      if (res.hits.length < size) break;
      after = res.hits[res.hits.length - 1].sort;
    }
  } finally {
    await es.closePit(pitId).catch(() => undefined);
  }
}

export interface Listing {
  /** The matches in all (not only those printed). */
  total: number;
  printed: number;
}

/**
 * The newest `limit` matches (undefined: all), handed to `print` oldest first. Up to one page is one request;
 * when all matches are wanted they stream oldest first through a point in time; otherwise the newest are
 * collected newest first (memory: `limit` hits) and handed on reversed.
 */
export async function listNewest(
  es: EsPaging,
  index: string,
  query: Record<string, unknown>,
  limit: number | undefined,
  print: (hits: SearchHit[]) => void | Promise<void>,
): Promise<Listing> {
  const first = Math.min(limit ?? PAGE_SIZE, PAGE_SIZE);
  const res = await es.search(index, pageRequest(query, { size: first, dir: 'desc', trackTotal: true }));
  const total = res.total;
  if (total <= res.hits.length || (limit !== undefined && limit <= res.hits.length)) {
    await print(res.hits.reverse());
    return { total, printed: res.hits.length };
  }
  let printed = 0;
  if (limit === undefined || limit >= total) {
    for await (const page of allHits(es, index, query, 'asc', limit)) {
      await print(page);
      printed += page.length;
    }
    return { total, printed };
  }
  const newest: SearchHit[] = [];
  for await (const page of allHits(es, index, query, 'desc', limit)) newest.push(...page);
  await print(newest.reverse());
  return { total, printed: newest.length };
}
