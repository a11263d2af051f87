// --follow: new matches as they become searchable, without gaps or repeats, across daily indices and refreshes.
// A line becomes searchable after its @timestamp (the agent's batching, Kafka, the sink, the next refresh), and
// not in @timestamp order: a cursor that only moves forward (search_after the last line printed) misses a line
// that turns up later with an earlier time. So each poll asks again from `lookbackMs` before the newest line
// printed, in the one total order (requests.ts sortOf), paging with search_after, and skips the ids it printed
// (remembered for as long as they are inside the look-back window).
import type { Es, SearchHit } from '../sink/es-client.js';
import { pageRequest } from './requests.js';

export const FOLLOW_PAGE = 1000;

export interface FollowState {
  /** @timestamp (epoch ms) of the newest line printed, or where following starts. */
  newestMs: number;
  /** Ids printed, with their @timestamp, inside the look-back window. */
  seen: Map<string, number>;
}

export function followStart(printed: SearchHit[], startMs: number): FollowState {
  const seen = new Map<string, number>();
  let newestMs = startMs;
  for (const h of printed) {
    const t = timeOf(h);
    seen.set(h._id, t);
    if (t > newestMs) newestMs = t;
  }
  return { newestMs, seen };
}

function timeOf(h: SearchHit): number {
  const t = Date.parse(String(h._source['@timestamp']));
  return Number.isNaN(t) ? 0 : t;
}

/** The query of one poll: the search's, from the look-back bound on. */
export function pollQuery(query: Record<string, unknown>, state: FollowState, lookbackMs: number): Record<string, unknown> {
  const from = new Date(state.newestMs - lookbackMs).toISOString();
  return { bool: { filter: [query, { range: { '@timestamp': { gte: from } } }] } };
}

/** One poll: the new matches, in order, not printed before; `state` moves on. */
export async function pollOnce(
  es: Pick<Es, 'search'>,
  index: string,
  query: Record<string, unknown>,
  state: FollowState,
  lookbackMs: number,
): Promise<SearchHit[]> {
  const q = pollQuery(query, state, lookbackMs);
  const fresh: SearchHit[] = [];
  let after: unknown[] | undefined;
  for (;;) {
    const res = await es.search(index, pageRequest(q, { size: FOLLOW_PAGE, dir: 'asc', after }));
    for (const h of res.hits) if (!state.seen.has(h._id)) fresh.push(h);
    if (res.hits.length < FOLLOW_PAGE) break;
    after = res.hits[res.hits.length - 1].sort;
  }
  for (const h of fresh) {
    const t = timeOf(h);
    state.seen.set(h._id, t);
    if (t > state.newestMs) state.newestMs = t;
  }
  const bound = state.newestMs - lookbackMs;
  for (const [id, t] of state.seen) if (t < bound) state.seen.delete(id);
  return fresh;
}
