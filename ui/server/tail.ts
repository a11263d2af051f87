// /api/tail: server-sent events of new matching lines, polled from Elasticsearch every second until the browser
// goes away. Each event is one row; a comment line every 15 s keeps proxies from closing a quiet stream.
import type { ServerResponse } from 'node:http';
import { errorMessage } from '../../common/errors.js';
import { pageRequest } from '../../search/requests.js';
import { resolveQuery, type EsSearch } from './api.js';
import { ROW_SOURCE } from './es-bodies.js';
import { rowOf } from './row-view.js';
import { createTailCursor } from './tail-cursor.js';
import { parseTime, parseUiQuery } from './ui-query.js';

export interface TailDeps {
  es: EsSearch;
  index: string;
  now: () => number;
  pollMs: number;
  /** How far back each poll looks before the newest line sent (late lines, refresh interval). */
  lookbackMs: number;
}

const PAGE = 500;
const MAX_PAGES_PER_POLL = 10;
const HEARTBEAT_MS = 15_000;

/** Streams until `closed` aborts (the request's socket closed). The query is checked before the stream starts. */
export function startTail(d: TailDeps, p: URLSearchParams, res: ServerResponse, closed: AbortSignal): void {
  const u = parseUiQuery(p, d.now());
  const start = p.get('since') ? parseTime(p.get('since')!, d.now(), 'since') : d.now();
  const cursor = createTailCursor(start, d.lookbackMs);
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
  res.write('retry: 2000\n\n');
  let lastWrite = Date.now();
  const send = (text: string) => {
    res.write(text);
    lastWrite = Date.now();
  };
  const poll = async () => {
    let after: unknown[] | undefined;
    // From the look-back point on, whatever `to` was: the tail follows new lines.
    const query = await resolveQuery(d.es, d.index, { ...u, fromMs: cursor.fromMs(), toMs: Math.max(u.toMs, d.now()) + 86_400_000 });
    for (let page = 0; page < MAX_PAGES_PER_POLL && !closed.aborted; page++) {
      const body = { ...pageRequest(query, { size: PAGE, dir: 'asc', after }), _source: ROW_SOURCE };
      const r = await d.es.search(d.index, body);
      for (const row of cursor.take(r.hits.map(rowOf))) send(`data: ${JSON.stringify(row)}\n\n`);
      if (r.hits.length < PAGE) return;
      after = r.hits[r.hits.length - 1].sort;
    }
  };
  const loop = async () => {
    while (!closed.aborted) {
      try {
        await poll();
      } catch (err) {
        send(`event: problem\ndata: ${JSON.stringify({ error: errorMessage(err) })}\n\n`);
      }
      if (Date.now() - lastWrite > HEARTBEAT_MS) send(': still here\n\n');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, d.pollMs);
        closed.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
      });
    }
    res.end();
  };
  void loop();
}
