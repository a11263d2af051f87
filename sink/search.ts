// `logship search`: the query (pure) and the line format. Oldest first, as a terminal reader expects.

export interface SearchOptions {
  query?: string;
  host?: string;
  source?: string;
  level?: string;
  sinceMs?: number;
  untilMs?: number;
  limit: number;
  /** For follow mode: only documents after this sort position. */
  after?: unknown[];
}

export function searchBody(o: SearchOptions, now: number): Record<string, unknown> {
  const filter: unknown[] = [];
  const range: Record<string, string> = {};
  if (o.sinceMs !== undefined) range.gte = new Date(now - o.sinceMs).toISOString();
  if (o.untilMs !== undefined) range.lte = new Date(now - o.untilMs).toISOString();
  if (Object.keys(range).length > 0) filter.push({ range: { '@timestamp': range } });
  if (o.host) filter.push({ term: { 'host.name': o.host } });
  if (o.level) filter.push({ term: { 'log.level': o.level.toLowerCase() } });
  if (o.source) {
    filter.push({
      bool: {
        should: [
          { term: { 'log.file.path': o.source } },
          { term: { 'logship.source.name': o.source } },
          { wildcard: { 'log.file.path': { value: `*${escapeWildcard(o.source)}*` } } },
        ],
        minimum_should_match: 1,
      },
    });
  }
  const must = o.query ? [{ simple_query_string: { query: o.query, fields: ['message'], default_operator: 'and' } }] : [];
  const follow = o.after !== undefined;
  return {
    size: o.limit,
    query: { bool: { filter, must } },
    // Newest first so --limit keeps the latest lines (printed reversed); follow mode pages forward instead.
    sort: [{ '@timestamp': follow ? 'asc' : 'desc' }, { 'log.offset': follow ? 'asc' : 'desc' }, { 'event.id': follow ? 'asc' : 'desc' }],
    ...(follow && o.after!.length > 0 ? { search_after: o.after } : {}),
    _source: ['@timestamp', 'host.name', 'log.file.path', 'logship.source.name', 'message', 'log.level', 'event.id', 'log.offset'],
  };
}

/** A literal inside an Elasticsearch wildcard pattern: `*` and `?` match only themselves, `\` is its escape. */
export function escapeWildcard(s: string): string {
  return s.replace(/[\\*?]/g, '\\$&');
}

export function formatHit(src: Record<string, unknown>): string {
  const host = (src.host as { name?: string } | undefined)?.name ?? '-';
  const log = src.log as { file?: { path?: string } } | undefined;
  const ls = src.logship as { source?: { name?: string } } | undefined;
  const source = log?.file?.path ?? ls?.source?.name ?? '-';
  const message = typeof src.message === 'string' ? src.message : JSON.stringify(src.message ?? '');
  return `${String(src['@timestamp'])} ${host} ${source} ${message}`;
}
