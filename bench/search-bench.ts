// Terminal search latency: `logship search` (the command as an operator runs it, process start included) for a
// text query, a facet count (--count-by host) and a histogram, over BENCH_SEARCH_DOCS documents (1,000,000 by
// default) bulk-loaded with the raw bulk replay (raw-bulk-replay.ts), p50/p95 of BENCH_SEARCH_RUNS runs each.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { encodeEvent, eventId, EVENT_VERSION, type LogEvent } from '../common/event.js';
import { BIN, ES, childEnv } from './lib/env.js';
import { esJson } from './lib/services.js';
import { rawReplay } from './raw-bulk-replay.js';

export interface SearchBenchRow {
  what: string;
  p50Ms: number;
  p95Ms: number;
  runs: number;
}

export interface SearchBench {
  docs: number;
  loadSeconds: number;
  rows: SearchBenchRow[];
}

const HOSTS = ['web-1', 'web-2', 'web-3', 'api-1', 'api-2'];
const WORDS = ['GET', 'POST', '/api/orders', '/api/cart', 'timeout', 'ok', 'retry', 'checkout', 'payment', 'login'];

function event(i: number, t0: number): Buffer {
  const ts = new Date(t0 + i * 50).toISOString();
  const e: LogEvent = {
    v: EVENT_VERSION,
    '@timestamp': ts,
    message: `${WORDS[i % 10]} ${WORDS[(i * 7) % 10]} ${WORDS[(i * 3) % 10]} request ${i} took ${i % 997} ms`,
    event: { id: eventId('bench', 'search', i), created: ts },
    host: { name: HOSTS[i % HOSTS.length] },
    log: { offset: i * 100, level: i % 20 === 0 ? 'error' : 'info', file: { path: '/var/log/app/app.log' } },
    logship: { source: { type: 'file', name: '/var/log/app/app.log', identity: 'search-bench' } },
    json: { status: i % 20 === 0 ? 500 : 200, ms: i % 997 },
  };
  return encodeEvent(e);
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

export async function searchBench(workDir: string, docs: number, runs: number, log: (s: string) => void): Promise<SearchBench> {
  const prefix = `bench-search-${Date.now().toString(36)}`;
  const t0 = Date.now() - docs * 50;
  const started = Date.now();
  for (let from = 0; from < docs; from += 100_000) {
    const batch = Array.from({ length: Math.min(100_000, docs - from) }, (_, k) => event(from + k, t0));
    await rawReplay(batch, prefix, 5000, 10 * 2 ** 20, 2);
    log(`search: ${(from + batch.length).toLocaleString('en-US')} documents loaded`);
  }
  await esJson('POST', `/${prefix}-*/_refresh`);
  const loadSeconds = (Date.now() - started) / 1000;
  const cfg = path.join(workDir, `${prefix}.json`);
  fs.mkdirSync(workDir, { recursive: true });
  fs.writeFileSync(cfg, JSON.stringify({ elasticsearch: { url: ES, index_prefix: prefix } }));
  const since = new Date(t0 - 1000).toISOString();
  const cases: Array<[string, string[]]> = [
    ['text query (timeout payment, newest 100)', ['timeout payment']],
    ['facet count (--count-by host)', ['--count-by', 'host']],
    ['histogram (--histogram, all)', ['--histogram']],
  ];
  const rows: SearchBenchRow[] = [];
  for (const [what, args] of cases) {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const s = process.hrtime.bigint();
      const r = spawnSync(process.execPath, [BIN, 'search', '-c', cfg, '--since', since, ...args], {
        encoding: 'utf8',
        env: { ...childEnv(), NO_COLOR: '1' },
      });
      if (r.status !== 0) throw new Error(`logship search ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(0, 500)}`);
      times.push(Number(process.hrtime.bigint() - s) / 1e6);
    }
    rows.push({ what, p50Ms: pct(times, 50), p95Ms: pct(times, 95), runs });
    log(`search: ${what}: p50 ${pct(times, 50).toFixed(0)} ms, p95 ${pct(times, 95).toFixed(0)} ms`);
  }
  await esJson('DELETE', `/${prefix}-*`);
  fs.rmSync(cfg, { force: true });
  return { docs, loadSeconds, rows };
}

export function formatSearchBench(s: SearchBench): string {
  const head = `### Terminal search over ${s.docs.toLocaleString('en-US')} documents (loaded in ${s.loadSeconds.toFixed(0)} s)\n\n| query | p50 | p95 | runs |\n|---|---|---|---|\n`;
  return head + s.rows.map((r) => `| ${r.what} | ${r.p50Ms.toFixed(0)} ms | ${r.p95Ms.toFixed(0)} ms | ${r.runs} |`).join('\n') + '\n';
}
