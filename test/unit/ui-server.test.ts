// The explorer's HTTP server against a fake Elasticsearch adapter: routes, errors, the access rules, static files
// and the live tail's stream. (The real thing, in a browser, is test/integration/ui-explorer.test.ts.)
import http from 'node:http';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LogshipError } from '../../common/errors.js';
import { createLogger } from '../../common/logger.js';
import type { EsSearch } from '../../ui/server/api.js';
import { startUiServer, type UiServer } from '../../ui/server/ui-server.js';

const ASSETS = path.resolve(import.meta.dirname, '../../ui/assets');
const log = createLogger({ level: 'silent', name: 'ui-test' });

type Hit = { _id: string; _index: string; _source: Record<string, unknown>; sort?: unknown[] };
function hit(id: string, offset: number, t = '2026-12-01T11:59:00.000Z'): Hit {
  return {
    _id: id,
    _index: 'logs-2026.12.01',
    _source: {
      '@timestamp': t,
      message: `line ${id}`,
      event: { id },
      host: { name: 'web-1' },
      log: { offset },
      logship: { source: { name: '/a.log', identity: 'gen1' } },
    },
    sort: [t, offset, id],
  };
}

function fakeEs(answer: (body: Record<string, unknown>) => { hits: Hit[]; total: number; aggregations?: Record<string, unknown> }) {
  const bodies: Array<Record<string, unknown>> = [];
  const es: EsSearch = {
    async search(_index, body) {
      bodies.push(body);
      return answer(body);
    },
  };
  return { es, bodies };
}

let server: UiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(es: EsSearch, extra: { token?: string; host?: string } = {}) {
  server = await startUiServer({
    es,
    index: 'logs-*',
    host: extra.host ?? '127.0.0.1',
    port: 0,
    token: extra.token,
    assetsDir: ASSETS,
    log,
    tailPollMs: 20,
  });
  return `http://127.0.0.1:${server.address.port}`;
}

/** A GET with headers fetch will not send (Host). */
function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      })
      .on('error', reject);
  });
}

describe('logship ui server', () => {
  it('answers the search, histogram, facets and context routes from fields it turns into queries', async () => {
    const { es, bodies } = fakeEs((b) => {
      if (JSON.stringify(b.aggs ?? {}).includes('over_time'))
        return { hits: [], total: 7, aggregations: { over_time: { buckets: [{ key: 1, doc_count: 7 }] } } };
      if (b.aggs) return { hits: [], total: 7, aggregations: { 'host.0': { buckets: [{ key: 'web-1', doc_count: 7 }] } } };
      const range = JSON.stringify(b.query).match(/"log.offset":\{"(lt|gt)"/)?.[1];
      if (range === 'lt') return { hits: [hit('b', 20), hit('a', 10)], total: 2 };
      if (range === 'gt') return { hits: [hit('d', 40)], total: 1 };
      return { hits: [hit('c', 30)], total: 7 };
    });
    const base = await start(es);
    const s = await (await fetch(`${base}/api/search?q=boom&f=host:web-1`)).json();
    expect(s).toMatchObject({ total: 7, rows: [{ id: 'c', message: 'line c', host: 'web-1', offset: 30 }] });
    expect(JSON.stringify(bodies[0])).toContain('"query":"boom"');
    const h = await (await fetch(`${base}/api/histogram?from=1h`)).json();
    expect(h).toMatchObject({ total: 7, interval_ms: 60_000, buckets: [{ t: 1, count: 7 }] });
    const f = await (await fetch(`${base}/api/facets`)).json();
    expect(f.facets).toEqual({ host: [{ value: 'web-1', count: 7 }], source: [], level: [], service: [] });
    const c = await (await fetch(`${base}/api/context?id=c&lines=2`)).json();
    expect([...c.before, c.row, ...c.after].map((r: any) => r.offset)).toEqual([10, 20, 30, 40]);
  });

  it('says what is wrong: 400 for bad fields, 404 for no such route, 405 for anything but GET, 503 when Elasticsearch is away', async () => {
    const { es } = fakeEs(() => {
      throw new LogshipError('LOGSHIP_ERR_ES_UNAVAILABLE', 'Elasticsearch at http://es:9200: connect ECONNREFUSED', { retriable: true });
    });
    const base = await start(es);
    const bad = await fetch(`${base}/api/search?f=_index:secret`);
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatch(/not facet:value/);
    expect((await fetch(`${base}/api/context?id=not-hex!`)).status).toBe(400);
    expect((await fetch(`${base}/api/raw`)).status).toBe(404);
    expect((await fetch(`${base}/api/search`, { method: 'POST', body: '{"query":{}}' })).status).toBe(405);
    const down = await fetch(`${base}/api/search`);
    expect(down.status).toBe(503);
    expect((await down.json()).error).toMatch(/ECONNREFUSED/);
  });

  it('serves only its own files, with a policy that loads nothing from elsewhere', async () => {
    const base = await start(fakeEs(() => ({ hits: [], total: 0 })).es);
    const index = await fetch(`${base}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(await index.text()).toContain('<script type="module" src="/app.js">');
    expect((await fetch(`${base}/app.js`)).headers.get('content-type')).toMatch(/text\/javascript/);
    expect((await get(`${base}/../package.json`)).status).toBe(404);
    expect((await get(`${base}/%2e%2e/package.json`)).status).toBe(404);
  });

  it('on loopback without a token, answers only to a loopback Host (no DNS rebinding)', async () => {
    const base = await start(fakeEs(() => ({ hits: [], total: 0 })).es);
    expect((await get(`${base}/`, { host: `localhost:${server!.address.port}` })).status).toBe(200);
    expect((await get(`${base}/`, { host: 'evil.example:80' })).status).toBe(403);
  });

  it('with a token: 401 without it; ?token= once sets a cookie that is enough after; Bearer works', async () => {
    const base = await start(fakeEs(() => ({ hits: [], total: 0 })).es, { token: 's3cret' });
    expect(server!.url).toBe(`${base}/?token=s3cret`);
    expect((await get(`${base}/api/search`)).status).toBe(401);
    expect((await get(`${base}/api/search?token=wrong`)).status).toBe(401);
    const first = await get(`${base}/?token=s3cret`, { host: 'explorer.example' });
    expect(first.status).toBe(200);
    const cookie = String(first.headers['set-cookie']);
    expect(cookie).toMatch(/^logship_ui=s3cret; HttpOnly; SameSite=Strict/);
    expect((await get(`${base}/api/search`, { cookie: cookie.split(';')[0] })).status).toBe(200);
    expect((await get(`${base}/api/search`, { authorization: 'Bearer s3cret' })).status).toBe(200);
  });

  it('refuses to listen off loopback without a token', async () => {
    await expect(
      startUiServer({ es: fakeEs(() => ({ hits: [], total: 0 })).es, index: 'x', host: '0.0.0.0', port: 0, assetsDir: ASSETS, log }),
    ).rejects.toThrow(/not a loopback address: give --token/);
  });

  it('streams each new match once over server-sent events', async () => {
    let polls = 0;
    // Lines from now on: the fake answers every poll with all of them, as the look-back window would.
    const t = new Date(Date.now() + 1000).toISOString();
    const { es } = fakeEs(() => {
      polls++;
      return { hits: polls < 3 ? [hit('a', 1, t)] : [hit('a', 1, t), hit('b', 2, t)], total: 2 };
    });
    const base = await start(es);
    const res = await fetch(`${base}/api/tail?q=x`);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('"id":"b"')) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    const ids = [...text.matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1]).id);
    expect(ids).toEqual(['a', 'b']);
  });
});
