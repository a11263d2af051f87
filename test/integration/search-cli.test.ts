// `logship search` against the real Elasticsearch, on documents bulk-loaded into this file's own daily indices
// (its own index prefix): paging past 10,000 results, counts and the histogram equal to Elasticsearch's count,
// --where on JSON fields, and --follow across a day boundary without a gap or a repeat.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/loader.js';
import { indexTemplate } from '../../sink/index-template.js';
import { createEs, type Es } from '../../sink/es-client.js';
import { planOf } from '../../cli/search.js';
import { runSearch } from '../../cli/search-run.js';
import { ES, esCount, esJson, makeEnv, run, type TestEnv } from '../support/helpers.js';

const DAY1 = Date.UTC(2026, 5, 10, 23, 0, 0);
const N = 12_345;

function doc(prefix: string, i: number, ms: number, host = 'web-1', extra: Record<string, unknown> = {}) {
  return {
    '@timestamp': new Date(ms).toISOString(),
    message: `line ${i} GET /api/orders`,
    event: { id: `${prefix}-${String(i).padStart(8, '0')}`, created: new Date(ms).toISOString() },
    host: { name: host },
    log: { offset: i * 100, file: { path: '/var/log/app/app.log' }, level: i % 10 === 0 ? 'error' : 'info' },
    logship: { source: { type: 'file', name: '/var/log/app/app.log', identity: 'ident-1' } },
    json: { status: i % 10 === 0 ? 500 : 200, ms: i % 1000 },
    ...extra,
  };
}

async function bulk(docs: Array<ReturnType<typeof doc>>, prefix: string): Promise<void> {
  for (let k = 0; k < docs.length; k += 5000) {
    const body = docs
      .slice(k, k + 5000)
      .flatMap((d) => {
        const day = d['@timestamp'].slice(0, 10).replace(/-/g, '.');
        return [JSON.stringify({ create: { _index: `${prefix}-${day}`, _id: d.event.id } }), JSON.stringify(d)];
      })
      .join('\n');
    const res = await fetch(`${ES}/_bulk?filter_path=errors`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: body + '\n',
    });
    expect(await res.json()).toEqual({ errors: false });
  }
  await esJson('POST', `/${prefix}-*/_refresh`);
}

describe('logship search against Elasticsearch', () => {
  let env: TestEnv;

  beforeAll(async () => {
    env = makeEnv('search-cli');
    const cfg = loadConfig({ env: {}, overrides: [['elasticsearch.index_prefix', env.prefix]] });
    await esJson('PUT', `/_index_template/${env.prefix}-logship`, indexTemplate(cfg));
    // N lines, one every 0.5 s from 23:00 UTC (till 00:43): they cross midnight into a second daily index.
    await bulk(
      Array.from({ length: N }, (_, i) => doc(env.prefix, i, DAY1 + i * 500, i % 3 === 0 ? 'web-2' : 'web-1')),
      env.prefix,
    );
  }, 600_000);

  afterAll(async () => {
    await esJson('DELETE', `/${env.prefix}-*?ignore_unavailable=true`);
    await esJson('DELETE', `/_index_template/${env.prefix}-logship`);
  });

  const since = new Date(DAY1 - 1000).toISOString();
  const until = new Date(DAY1 + N * 500).toISOString();
  const search = (...args: string[]) =>
    run(['search', '-c', env.config, '--since', since, '--until', until, ...args], { timeoutMs: 600_000 });

  it('the documents are in two daily indices', async () => {
    const cat = await esJson('GET', `/_cat/indices/${env.prefix}-*?format=json&h=index`);
    expect((cat as Array<{ index: string }>).map((c) => c.index).sort()).toEqual([`${env.prefix}-2026.06.10`, `${env.prefix}-2026.06.11`]);
    expect(await esCount(env.prefix)).toBe(N);
  });

  it('pages past 10,000 results: --limit all prints every match once, oldest first', async () => {
    const r = await search('-o', 'json', '--limit', 'all');
    expect(r.code, r.stderr).toBe(0);
    const ids = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).event.id as string);
    expect(ids).toHaveLength(N);
    expect(new Set(ids).size).toBe(N);
    expect(ids).toEqual([...ids].sort());
  }, 900_000);

  it('--limit 11000 prints the newest 11,000, oldest first', async () => {
    const r = await search('-o', 'raw', '--limit', '11000');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(11_000);
    expect(lines[0]).toBe(`line ${N - 11_000} GET /api/orders`);
    expect(lines[lines.length - 1]).toBe(`line ${N - 1} GET /api/orders`);
  }, 900_000);

  it('--count-by and --histogram add up to the count, --where filters JSON fields and ranges', async () => {
    const hosts = await search('--count-by', 'host');
    expect(hosts.code, hosts.stderr).toBe(0);
    expect(hosts.stdout).toMatch(new RegExp(`^\\s*${(N - Math.ceil(N / 3)).toLocaleString('en-US')}\\s+\\S+\\s+web-1`, 'm'));
    expect(hosts.stdout).toMatch(new RegExp(`^\\s*${N.toLocaleString('en-US')}\\s+total`, 'm'));
    const hist = await search('--histogram', '--utc');
    expect(hist.code, hist.stderr).toBe(0);
    const bars = hist.stdout.trim().split('\n').slice(0, -1);
    const sum = bars.reduce((s, l) => s + Number(l.split(/\s+/)[2].replace(/,/g, '')), 0);
    expect(sum).toBe(N);
    expect(hist.stdout).toContain(`${N.toLocaleString('en-US')} matches`);
    const errors = await search('--where', 'json.status=500', '--count-by', 'level');
    expect(errors.stdout).toMatch(new RegExp(`^\\s*${Math.ceil(N / 10).toLocaleString('en-US')}\\s+100\\.0\\s+error`, 'm'));
    const slow = await search('--where', 'json.ms=990..999', '--where', 'service.name!=*', '-o', 'json', '--limit', 'all');
    const ms = slow.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).json.ms as number);
    expect(ms.length).toBe(Array.from({ length: N }, (_, i) => i % 1000).filter((m) => m >= 990).length);
    expect(ms.every((m) => m >= 990 && m <= 999)).toBe(true);
    expect((await search('--where', 'json.ms>5000')).code).toBe(1);
    expect((await search('--where', 'json.ms>=lots')).code).toBe(2);
  }, 900_000);

  it('--follow across a day boundary: a line that turns up late is printed, none twice', async () => {
    const es: Es = createEs(
      loadConfig({
        env: {},
        overrides: [
          ['elasticsearch.index_prefix', env.prefix],
          ['elasticsearch.url', ES],
        ],
      }),
    );
    const midnight = Date.UTC(2026, 6, 1);
    const host = 'follow-host';
    const written: string[][] = [
      // Poll 1: the last second of June 30 and the first of July 1, two daily indices.
      [doc(env.prefix, 900_001, midnight - 400, host), doc(env.prefix, 900_002, midnight + 300, host)].map((d) => d.event.id),
    ];
    const batches = [
      [doc(env.prefix, 900_001, midnight - 400, host), doc(env.prefix, 900_002, midnight + 300, host)],
      // Poll 2: one that became searchable late, with a time before the newest already printed.
      [doc(env.prefix, 900_003, midnight - 100, host), doc(env.prefix, 900_004, midnight + 900, host)],
      [],
    ];
    written.push(batches[1].map((d) => d.event.id));
    const out: string[] = [];
    const now = midnight - 2000;
    const plan = { ...planOf({ follow: true, host: [host], output: 'json' }, [], now, {}, false) };
    plan.spec = { ...plan.spec, sinceMs: now - 60_000 };
    try {
      const code = await runSearch({
        es,
        index: `${env.prefix}-*`,
        plan,
        now: () => now,
        write: (t) => out.push(JSON.parse(t).event.id),
        poll: async () => {
          const next = batches.shift();
          if (next === undefined) return false;
          if (next.length > 0) await bulk(next, env.prefix);
          return true;
        },
      });
      expect(code).toBe(0);
    } finally {
      await es.close();
    }
    expect(out).toEqual([...written[0], ...written[1].sort()]);
    expect(new Set(out).size).toBe(4);
  }, 600_000);
});
