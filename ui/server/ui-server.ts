// The explorer's HTTP server: the static front end, the JSON API and the live tail, behind the access check.
// GET only; every answer says not to be framed and to load nothing from anywhere but here (no CDN, no inline code).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { LogshipError, errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { checkAccess, cookieHeader, isLoopback } from './access.js';
import { createApi, type EsSearch } from './api.js';
import { loadAssets } from './static-files.js';
import { startTail } from './tail.js';

export interface UiServerOptions {
  es: EsSearch;
  index: string;
  host: string;
  port: number;
  token?: string;
  assetsDir: string;
  log: Logger;
  now?: () => number;
  tailPollMs?: number;
  tailLookbackMs?: number;
}

export interface UiServer {
  /** The address to open (with ?token= when there is one). */
  url: string;
  address: AddressInfo;
  close(): Promise<void>;
}

const HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/** HTTP status for a failed API call: the request's fault (400), or Elasticsearch's (502, 503). */
function statusOf(err: unknown): number {
  const code = err instanceof LogshipError ? err.code : undefined;
  if (code === 'LOGSHIP_ERR_USAGE' || code === 'LOGSHIP_ERR_ES_REQUEST') return 400;
  if (code === 'LOGSHIP_ERR_ES_AUTH') return 502;
  return 503;
}

export async function startUiServer(o: UiServerOptions): Promise<UiServer> {
  if (!isLoopback(o.host) && !o.token)
    throw new LogshipError('LOGSHIP_ERR_USAGE', `--listen ${o.host} is not a loopback address: give --token (or LOGSHIP_UI_TOKEN) too`);
  const now = o.now ?? Date.now;
  const assets = loadAssets(o.assetsDir);
  const api = createApi({ es: o.es, index: o.index, now });
  const rules = { token: o.token, loopback: isLoopback(o.host) };
  const open = new Set<AbortController>();

  const server = http.createServer((req, res) => {
    for (const [k, v] of Object.entries(HEADERS)) res.setHeader(k, v);
    const url = new URL(req.url ?? '/', 'http://ui.invalid');
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(405, { error: 'GET only' });
    const verdict = checkAccess(rules, {
      host: req.headers.host,
      authorization: req.headers.authorization,
      cookie: req.headers.cookie,
      queryToken: url.searchParams.get('token'),
    });
    if (!verdict.ok) return json(verdict.status, { error: verdict.why });
    if (verdict.setCookie && o.token) res.setHeader('set-cookie', cookieHeader(o.token));
    const name = url.pathname.startsWith('/api/') ? url.pathname.slice(5) : undefined;
    if (name === 'tail') {
      const ac = new AbortController();
      open.add(ac);
      res.on('close', () => (ac.abort(), open.delete(ac)));
      try {
        startTail(
          { es: o.es, index: o.index, now, pollMs: o.tailPollMs ?? 1000, lookbackMs: o.tailLookbackMs ?? 30_000 },
          url.searchParams,
          res,
          ac.signal,
        );
      } catch (err) {
        json(statusOf(err), { error: errorMessage(err) });
      }
      return;
    }
    if (name !== undefined) {
      const route = Object.hasOwn(api, name) ? api[name] : undefined;
      if (!route) return json(404, { error: `no API ${name}` });
      route(url.searchParams).then(
        (body) => json(200, body),
        (err: unknown) => {
          const status = statusOf(err);
          if (status >= 500) o.log.warn({ route: name, err: errorMessage(err) }, 'explorer request failed');
          json(status, { error: errorMessage(err) });
        },
      );
      return;
    }
    const asset = assets.get(url.pathname);
    if (!asset) return json(404, { error: 'not found' });
    res.writeHead(200, { 'content-type': asset.type, 'content-length': asset.body.length, 'cache-control': 'no-cache' });
    res.end(req.method === 'HEAD' ? undefined : asset.body);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => (server.off('error', reject), resolve()));
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}/${o.token ? `?token=${encodeURIComponent(o.token)}` : ''}`;
  return {
    url,
    address,
    async close() {
      for (const ac of open) ac.abort();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
