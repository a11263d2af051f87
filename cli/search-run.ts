// What `logship search` does once its flags are read: lines (with --around, then --follow), or counts by a field,
// or counts over time. The Elasticsearch adapter and the output are injected, so every mode is tested with fakes.
import { EXIT } from '../common/errors.js';
import { sleep } from '../common/backoff.js';
import { parseDuration } from '../common/units.js';
import type { Es, SearchHit } from '../sink/es-client.js';
import { contextOf, mergeGroups, type ContextGroup } from '../search/context.js';
import { followStart, pollOnce } from '../search/follow.js';
import { listNewest } from '../search/paging.js';
import type { SearchSpec } from '../search/query.js';
import { bucketsOf, chooseInterval, countField, countRequest, countsOf, histogramRequest } from '../search/requests.js';
import { resolvedQuery } from '../search/resolve.js';
import { countTable, histogram } from './search-charts.js';
import { formatLine, type LineStyle } from './search-format.js';

export interface SearchPlan {
  spec: SearchSpec;
  /** Lines at most (the newest); undefined: all of them. */
  limit?: number;
  follow: boolean;
  /** --around N. */
  around?: number;
  countBy?: string;
  /** Values listed by --count-by. */
  top: number;
  histogram: boolean;
  interval?: string;
  style: LineStyle;
  /** How far back --follow asks again for lines that became searchable late. */
  lookbackMs: number;
  columns: number;
  /** For --histogram's buckets: an IANA zone, or UTC. */
  timeZone: string;
}

export interface SearchRun {
  es: Pick<Es, 'search' | 'openPit' | 'closePit'>;
  index: string;
  plan: SearchPlan;
  write(text: string): void;
  now?: () => number;
  /** Waits between follow polls; resolves false once the search should stop. */
  poll?: () => Promise<boolean>;
}

export const DEFAULT_SINCE_MS = 15 * 60_000;
export const HISTOGRAM_BARS = 60;

/** Exit status as grep's: 0 when something matched, 1 when nothing did (--follow: 0 when stopped). */
export async function runSearch(r: SearchRun): Promise<number> {
  const now = r.now ?? Date.now;
  const { plan } = r;
  const query = await resolvedQuery(r.es, r.index, plan.spec);
  if (plan.countBy !== undefined || plan.histogram) {
    let total = 0;
    if (plan.countBy !== undefined) {
      const field = countField(plan.countBy);
      const c = countsOf(await r.es.search(r.index, countRequest(query, field, plan.top)));
      r.write(countTable(c, plan.countBy, plan.columns));
      total = c.total;
    }
    if (plan.histogram) {
      const untilMs = plan.spec.untilMs ?? now();
      const sinceMs = plan.spec.sinceMs ?? untilMs - DEFAULT_SINCE_MS;
      const interval = chooseInterval(untilMs - sinceMs, HISTOGRAM_BARS, plan.interval);
      const res = await r.es.search(r.index, histogramRequest(query, { sinceMs, untilMs, interval, timeZone: plan.timeZone }));
      const intervalMs = parseDuration(interval)!;
      r.write(histogram(bucketsOf(res), { intervalMs, interval, total: res.total, utc: plan.style.utc, columns: plan.columns }));
      total = res.total;
    }
    return total > 0 ? EXIT.OK : EXIT.FAILURE;
  }
  const printed: SearchHit[] = [];
  const groups = { printed: 0 };
  const listing = await listNewest(r.es, r.index, query, plan.limit, async (hits) => {
    if (plan.follow) printed.push(...hits);
    if (plan.around === undefined) for (const h of hits) r.write(formatLine(h._source, plan.style));
    else groups.printed += await printAround(r, hits, plan.around, groups.printed > 0);
  });
  if (!plan.follow) return listing.printed > 0 ? EXIT.OK : EXIT.FAILURE;
  const state = followStart(printed, now());
  const poll = r.poll ?? stopOnSignal();
  while (await poll()) {
    for (const h of await pollOnce(r.es, r.index, query, state, plan.lookbackMs)) r.write(formatLine(h._source, plan.style));
  }
  return EXIT.OK;
}

/** Each hit with the lines around it in its source; groups that overlap merged; `--` between groups (grep -C). */
async function printAround(r: SearchRun, hits: SearchHit[], n: number, after: boolean): Promise<number> {
  const groups: ContextGroup[] = [];
  for (const h of hits) groups.push(await contextOf(r.es, r.index, h, n));
  const merged = mergeGroups(groups);
  merged.forEach((g, i) => {
    if ((i > 0 || after) && r.plan.style.mode === 'text') r.write('--\n');
    for (const l of g.lines) r.write(formatLine(l._source, { ...r.plan.style, mark: g.hitIds.has(l._id) ? 'hit' : 'context' }));
  });
  return merged.length;
}

function stopOnSignal(): () => Promise<boolean> {
  let stop = false;
  process.on('SIGINT', () => (stop = true));
  process.on('SIGTERM', () => (stop = true));
  return async () => {
    await sleep(1000);
    return !stop;
  };
}
