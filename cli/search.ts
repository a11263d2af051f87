// `logship search`: matching lines from the indices, oldest first; exit status as grep's.
import { EXIT, LogshipError } from '../common/errors.js';
import { sleep } from '../common/backoff.js';
import { parseDuration } from '../common/units.js';
import type { Es } from '../sink/es-client.js';
import { formatHit, searchBody, type SearchOptions } from '../sink/search.js';
import { configFlags, help, loadFromFlags, parse } from './shared.js';
import { escapeControls, safeJson } from './terminal-text.js';

const HELP = `Usage: logship search [QUERY] [--host H] [--source S] [--level L] [--since 15m] [--until 0m]
                      [--limit N] [--json] [--follow] [-c FILE]

Prints matching lines, oldest first, as: time host source message. Control characters in a message (an
ESC sequence) are printed escaped (\\u001b); newlines and tabs as they are.
QUERY uses Elasticsearch's simple query syntax on the message ("a b" = both, a|b, -a, "exact phrase").
Exit status as grep's: 0 when a line matched, 1 when none did, 2 on bad usage, 69 when Elasticsearch is
unreachable. --follow prints new matches as they are indexed until Ctrl-C, then exits 0.

Examples:
  logship search timeout --since 1h
  logship search --host web-1 --level error --limit 50
  logship search 'GET /api' --follow
  logship search --json | jq .message
`;

export interface SearchRun {
  es: Pick<Es, 'search'>;
  index: string;
  opts: SearchOptions;
  follow: boolean;
  print(source: Record<string, unknown>): void;
  now?: () => number;
  /** Waits between follow polls; resolves false once the search should stop. */
  poll?: () => Promise<boolean>;
}

/** Prints the matches (then, following, the new ones); 0 when something matched, 1 when nothing did. */
export async function runSearch(r: SearchRun): Promise<number> {
  const now = r.now ?? Date.now;
  const hits = (await r.es.search(r.index, searchBody(r.opts, now()))).hits.reverse();
  for (const h of hits) r.print(h._source);
  if (!r.follow) return hits.length > 0 ? EXIT.OK : EXIT.FAILURE;
  let after: unknown[] = hits.length > 0 ? (hits[hits.length - 1].sort ?? []) : [];
  const poll = r.poll ?? stopOnSignal();
  while (await poll()) {
    const f = await r.es.search(r.index, searchBody({ ...r.opts, after, limit: 1000 }, now()));
    for (const h of f.hits) r.print(h._source);
    if (f.hits.length > 0) after = f.hits[f.hits.length - 1].sort ?? after;
  }
  return EXIT.OK;
}

/** A hit as printed. Messages are anyone's text: never raw control characters on our stdout (terminal-text.ts). */
export function hitLine(src: Record<string, unknown>, json: boolean): string {
  return (json ? safeJson(src) : escapeControls(formatHit(src))) + '\n';
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

export async function searchCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    ...configFlags,
    host: { type: 'string' },
    source: { type: 'string' },
    level: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
    follow: { type: 'boolean', short: 'f' },
  });
  if (values.help) return help(HELP);
  const cfg = loadFromFlags(values);
  const sinceMs = values.since !== undefined ? parseDuration(values.since) : 15 * 60_000;
  if (sinceMs === undefined) throw new LogshipError('LOGSHIP_ERR_USAGE', `--since: "${values.since}" is not a duration (try 15m, 2h, 1d)`);
  const untilMs = values.until !== undefined ? parseDuration(values.until) : undefined;
  if (values.until !== undefined && untilMs === undefined)
    throw new LogshipError('LOGSHIP_ERR_USAGE', `--until: "${values.until}" is not a duration`);
  const limit = values.limit !== undefined ? Number(values.limit) : 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 10000)
    throw new LogshipError('LOGSHIP_ERR_USAGE', '--limit must be an integer from 1 to 10000');
  // The Elasticsearch client is loaded by the commands that use it (see commands.ts).
  const { createEs } = await import('../sink/es-client.js');
  const es = createEs(cfg);
  try {
    return await runSearch({
      es,
      index: `${cfg.elasticsearch.index_prefix}-*`,
      opts: {
        query: positionals.join(' ') || undefined,
        host: values.host,
        source: values.source,
        level: values.level,
        sinceMs,
        untilMs,
        limit,
      },
      follow: values.follow === true,
      print: (src) => process.stdout.write(hitLine(src, values.json === true)),
    });
  } finally {
    await es.close();
  }
}
