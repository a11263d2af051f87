// `node dist/bench/ui-bench.js`: the explorer's API over BENCH_UI_DOCS documents (default 1,000,000) in one daily
// index of its own prefix: time to first rows (the first /api/search, cold), then p50/p95 of a text query, a facet
// count and a histogram, each over the last 24 hours, through a real `logship ui` server in this process.
import { loadConfig } from '../config/loader.js';
import { createLogger } from '../common/logger.js';
import { createEs } from '../sink/es-client.js';
import { assetsDir } from '../ui/server/static-files.js';
import { startUiServer } from '../ui/server/ui-server.js';
import { ES, UI_BENCH_DOCS } from './lib/env.js';

const WORDS = ['GET', 'POST', '/api/orders', '/api/cart', '/health', 'timeout', 'paid', 'refund', 'user', 'retry', 'slow', 'ok'];
const LEVELS = ['info', 'info', 'info', 'warn', 'error', 'debug'];
const log = (s: string) => process.stderr.write(`[ui-bench] ${s}\n`);

async function es(method: string, p: string, body?: string, type = 'application/json'): Promise<unknown> {
  const r = await fetch(`${ES}${p}`, { method, headers: { 'content-type': type }, body });
  if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${(await r.text()).slice(0, 300)}`);
  return r.json();
}

/** N documents spread over the last 24 hours, 20 hosts, 50 sources, 6 levels, 5 services. */
async function load(prefix: string, n: number): Promise<void> {
  const now = Date.now();
  const index = `${prefix}-bench`;
  await es(
    'PUT',
    `/${index}`,
    JSON.stringify({
      settings: { number_of_shards: 1, number_of_replicas: 0, refresh_interval: '-1' },
      mappings: {
        dynamic: false,
        properties: {
          '@timestamp': { type: 'date' },
          message: { type: 'text' },
          event: { properties: { id: { type: 'keyword' } } },
          host: { properties: { name: { type: 'keyword' } } },
          log: {
            properties: { offset: { type: 'long' }, level: { type: 'keyword' }, file: { properties: { path: { type: 'keyword' } } } },
          },
          logship: { properties: { source: { properties: { name: { type: 'keyword' }, identity: { type: 'keyword' } } } } },
          json: { type: 'flattened' },
        },
      },
    }),
  );
  const BATCH = 5000;
  for (let i = 0; i < n; i += BATCH) {
    let body = '';
    for (let j = i; j < Math.min(n, i + BATCH); j++) {
      const src = `/var/log/app-${j % 50}.log`;
      const msg = Array.from({ length: 8 }, (_, k) => WORDS[(j * 7 + k * 13) % WORDS.length]).join(' ') + ` req=${j}`;
      body += `{"index":{"_id":"${j.toString(16)}"}}\n`;
      body +=
        JSON.stringify({
          '@timestamp': new Date(now - (j * 86_400_000) / n).toISOString(),
          message: msg,
          event: { id: j.toString(16) },
          host: { name: `web-${j % 20}` },
          log: { offset: j * 120, level: LEVELS[j % LEVELS.length], file: { path: src } },
          logship: { source: { name: src, identity: `id-${j % 50}` } },
          json: { service: { name: `svc-${j % 5}` } },
        }) + '\n';
    }
    await es('POST', `/${index}/_bulk`, body, 'application/x-ndjson');
    if (i % 100_000 === 0) log(`loaded ${i.toLocaleString('en-US')}`);
  }
  await es('POST', `/${index}/_refresh`);
  await es('PUT', `/${index}/_settings`, JSON.stringify({ index: { refresh_interval: '1s' } }));
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

async function main() {
  const prefix = `ui-bench-${Date.now().toString(36)}`;
  const t0 = Date.now();
  await load(prefix, UI_BENCH_DOCS);
  log(`loaded ${UI_BENCH_DOCS.toLocaleString('en-US')} documents in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  const cfg = loadConfig({
    env: {},
    overrides: [
      ['elasticsearch.url', ES],
      ['elasticsearch.index_prefix', prefix],
    ],
  });
  const client = createEs(cfg);
  const server = await startUiServer({
    es: client,
    index: `${prefix}-*`,
    host: '127.0.0.1',
    port: 0,
    assetsDir: assetsDir(),
    log: createLogger({ level: 'warn', name: 'ui-bench' }),
  });
  const base = server.url.replace(/\/$/, '');
  const time = async (p: string) => {
    const s = performance.now();
    const r = await fetch(`${base}${p}`);
    if (!r.ok) throw new Error(`${p}: ${r.status} ${await r.text()}`);
    await r.arrayBuffer();
    return performance.now() - s;
  };
  try {
    const first = await time('/api/search?from=24h&size=200');
    const cases: Array<[string, string]> = [
      ['text query (timeout refund, 200 rows)', '/api/search?from=24h&size=200&q=timeout%20refund'],
      ['facet counts (4 facets)', '/api/facets?from=24h'],
      ['histogram (80 bars)', '/api/histogram?from=24h&buckets=80'],
    ];
    const rows: string[] = [`| UI API over ${UI_BENCH_DOCS.toLocaleString('en-US')} docs | p50 ms | p95 ms |`, '|---|---|---|'];
    for (const [name, p] of cases) {
      const xs: number[] = [];
      for (let i = 0; i < 20; i++) xs.push(await time(`${p}&nocache=${i}`));
      rows.push(`| ${name} | ${pct(xs, 50).toFixed(0)} | ${pct(xs, 95).toFixed(0)} |`);
    }
    rows.push(`| time to first rows (first search, 200 newest of all) | ${first.toFixed(0)} | - |`);
    process.stdout.write(rows.join('\n') + '\n');
  } finally {
    await server.close();
    await client.close();
    await es('DELETE', `/${prefix}-*`).catch(() => undefined);
  }
}

await main();
