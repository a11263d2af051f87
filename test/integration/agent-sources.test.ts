// Issue 14's acceptance against the real stack: named sources with their own multiline, plain lines parsed for
// time and level (found by `logship search --level warn --since`), exclude_lines counted and checkpointed, and
// redacted secrets absent from Kafka and Elasticsearch. Each test asserts the exact set of lines shipped.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { esJson, logship, metricValue, makeEnv, readTopic, run, waitFor, type TestEnv } from '../support/helpers.js';
import { append, checkpointOf, expectExactly, shipped, waitShipped } from '../support/agent-harness.js';
import { startSink } from '../support/sink-helpers.js';

/** A config with `sources` (globs relative to env.logs) instead of the implicit agent.files source. */
function withSources(env: TestEnv, sources: Array<Record<string, unknown>>) {
  const cfg = JSON.parse(fs.readFileSync(env.config, 'utf8'));
  cfg.agent.files.include = [];
  cfg.agent.sources = sources.map((s) => ({ ...s, include: (s.include as string[]).map((g) => path.join(env.logs, g)) }));
  fs.writeFileSync(env.config, JSON.stringify(cfg, null, 2));
}

async function startAgent(env: TestEnv) {
  const agent = logship(['agent', '-c', env.config]);
  await waitFor(
    'agent /healthz',
    () =>
      fetch(`http://${env.agentMetrics}/healthz`)
        .then((r) => r.ok)
        .catch(() => false),
    90_000,
  );
  return agent;
}

/** Every document of the env's indices (_source), after a refresh. */
async function esDocs(env: TestEnv): Promise<Array<Record<string, any>>> {
  await esJson('POST', `/${env.prefix}-*/_refresh?ignore_unavailable=true&allow_no_indices=true`);
  const r = await esJson('POST', `/${env.prefix}-*/_search?ignore_unavailable=true&allow_no_indices=true`, {
    size: 10_000,
    query: { match_all: {} },
  });
  return (r.hits?.hits ?? []).map((h: { _source: Record<string, any> }) => h._source);
}

async function waitIndexed(env: TestEnv, n: number) {
  return waitFor(`${n} documents in ${env.prefix}-*`, async () => ((await esDocs(env)).length >= n ? true : undefined), 120_000, 500);
}

// Wall-clock parts of an instant in UTC, or at a fixed offset (minutes east of UTC).
const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
function wall(ms: number, offsetMin = 0) {
  const d = new Date(ms + offsetMin * 60_000);
  return {
    y: d.getUTCFullYear(),
    mo: d.getUTCMonth() + 1,
    d: d.getUTCDate(),
    date: `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`,
    clock: `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`,
    frac: pad(d.getUTCMilliseconds(), 3),
    mon: MONTHS[d.getUTCMonth()],
  };
}

interface Sample {
  line: string;
  /** The instant the line's own time stands for (ms). */
  ms: number;
  level: string | undefined;
}

/**
 * One line per listed time format and level word, each with its own instant a few minutes before now (inside
 * the plausibility window), times without a zone in UTC (the source's timezone).
 */
function samples(base: number): Sample[] {
  const out: Sample[] = [];
  let k = 0;
  const add = (ms: number, level: string | undefined, make: (w: ReturnType<typeof wall>) => string, offsetMin = 0) => {
    out.push({ line: make(wall(ms, offsetMin)), ms, level });
  };
  const at = (withMs: boolean) => base + k++ * 7_000 + (withMs ? 123 : 0);
  // ISO 8601 / RFC 3339: T or space, with and without zone, '.' or ',' fractions.
  add(at(true), 'warn', (w) => `${w.date}T${w.clock}.${w.frac}Z WARN iso T zulu dot fraction`);
  add(at(true), 'warn', (w) => `${w.date}T${w.clock},${w.frac}+01:00 WARNING iso T offset comma fraction`, 60);
  add(at(true), 'info', (w) => `${w.date} ${w.clock}.${w.frac} INFO iso space no zone`);
  add(at(false), 'error', (w) => `${w.date}T${w.clock} ERROR iso T no zone no fraction`);
  add(at(false), 'warn', (w) => `${w.date} ${w.clock} -0500 [warn] iso space spaced offset`, -300);
  // RFC 3164 syslog (the year inferred), PRI 12 = user.warning, and without PRI.
  add(at(false), 'warn', (w) => `<12>${w.mon} ${String(w.d).padStart(2, ' ')} ${w.clock} web-1 app[42]: disk almost full`);
  add(at(false), 'error', (w) => `${w.mon} ${String(w.d).padStart(2, ' ')} ${w.clock} web-1 app[42]: ERROR syslog without pri`);
  // RFC 5424: PRI 164 = local4.warning; 134 = local0.info.
  add(at(true), 'warn', (w) => `<164>1 ${w.date}T${w.clock}.${w.frac}Z web-1 app 42 ID47 - rfc5424 warning`);
  add(at(true), 'info', (w) => `<134>1 ${w.date}T${w.clock}.${w.frac}Z web-1 app 42 ID47 - rfc5424 info`);
  // Apache/nginx common log (no level), and nginx's error log (year-first with '/').
  add(at(false), undefined, (w) => `10.0.0.1 - frank [${pad(w.d)}/${w.mon}/${w.y}:${w.clock} -0700] "GET /a HTTP/1.1" 200 2326`, -420);
  add(at(false), 'warn', (w) => `${w.date.replace(/-/g, '/')} ${w.clock} [warn] 7#7: *1 upstream timed out`);
  // log4j / logback.
  add(at(true), 'warn', (w) => `${w.date} ${w.clock},${w.frac} WARN  [main] com.example.Pool - pool low`);
  add(at(true), 'debug', (w) => `${w.date} ${w.clock},${w.frac} DEBUG [main] com.example.Pool - pool ok`);
  // Python logging's default asctime format.
  add(at(true), 'warn', (w) => `${w.date} ${w.clock},${w.frac} - root - WARNING - python warning`);
  add(at(true), 'critical', (w) => `${w.date} ${w.clock},${w.frac} - root - CRITICAL - python critical`);
  // Go klog: the level letter, microseconds, the year inferred.
  for (const [letter, level] of [
    ['I', 'info'],
    ['W', 'warn'],
    ['E', 'error'],
    ['F', 'fatal'],
  ]) {
    add(at(true), level, (w) => `${letter}${pad(w.mo)}${pad(w.d)} ${w.clock}.${w.frac}456    1234 main.go:42] klog ${level}`);
  }
  // Compact HDFS-style yyMMdd HHmmss.
  add(
    at(false),
    'warn',
    (w) => `${String(w.y).slice(2)}${pad(w.mo)}${pad(w.d)} ${w.clock.replace(/:/g, '')} 148 WARN dfs.DataNode: compact`,
  );
  add(
    at(false),
    'info',
    (w) => `${String(w.y).slice(2)}${pad(w.mo)}${pad(w.d)} ${w.clock.replace(/:/g, '')} 149 INFO dfs.DataNode: compact`,
  );
  // The other level words, after an ISO time.
  for (const [word, level] of [
    ['TRACE', 'trace'],
    ['NOTICE', 'notice'],
    ['ERR', 'error'],
    ['FATAL', 'fatal'],
    ['PANIC', 'fatal'],
  ]) {
    add(at(true), level, (w) => `${w.date}T${w.clock}.${w.frac}Z ${word} level word ${word.toLowerCase()}`);
  }
  return out;
}

describe('agent: sources, parsers and processors against the real stack', () => {
  it('two sources, java multiline and plain: the trace joined in one, not in the other; each event names its source', async () => {
    const env = makeEnv('src-multi');
    withSources(env, [
      { name: 'java', include: ['java/*.log'], multiline: { mode: 'java', timeout_ms: 300 } },
      { name: 'plain', include: ['plain/*.log'] },
    ]);
    fs.mkdirSync(path.join(env.logs, 'java'));
    fs.mkdirSync(path.join(env.logs, 'plain'));
    const trace = (who: string) => [
      `2026-12-01 07:00:00,123 ERROR [main] ${who}: request failed java.lang.IllegalStateException: boom`,
      `\tat com.${who}.Handler.handle(Handler.java:42)`,
      `\tat com.${who}.Server.run(Server.java:7)`,
      `Caused by: java.io.IOException: ${who} reset`,
      `\t... 3 more`,
      `2026-12-01 07:00:01,000 INFO [main] ${who}: next request ok`,
    ];
    const j = trace('java');
    const p = trace('plain');
    append(path.join(env.logs, 'java', 'app.log'), j);
    append(path.join(env.logs, 'plain', 'app.log'), p);
    const agent = await startAgent(env);
    const expected = [j.slice(0, 5).join('\n'), j[5], ...p];
    const s = await waitShipped(env, expected);
    expect(await agent.stop()).toBe(0);
    expectExactly(await shipped(env), expected);
    for (const e of s.events) {
      const want = e.message === expected[0] || e.message === expected[1] ? 'java' : 'plain';
      expect(e.logship.source.name, e.message).toBe(want);
      expect(e.log.file?.path, e.message).toBe(path.join(env.logs, want, 'app.log'));
    }
    expect(s.events.filter((e) => e.logship.source.name === 'java')).toHaveLength(2);
    expect(s.events.filter((e) => e.logship.source.name === 'plain')).toHaveLength(6);
  });

  it('every listed time format and level word is parsed: search --level warn --since finds exactly the WARN lines', async () => {
    const env = makeEnv('src-parse');
    withSources(env, [{ name: 'mixed', include: ['*.log'], parser: { format: 'auto', timezone: 'UTC' } }]);
    // Whole seconds, 20 minutes back: every instant is inside the window and after --since.
    const base = Math.floor(Date.now() / 60_000) * 60_000 - 20 * 60_000;
    const all = samples(base);
    append(path.join(env.logs, 'mixed.log'), ['no time and no level here', ...all.map((x) => x.line)]);
    const sink = await startSink(env.config);
    const agent = await startAgent(env);
    const expected = ['no time and no level here', ...all.map((x) => x.line)];
    const s = await waitShipped(env, expected);
    expectExactly(s, expected);
    for (const x of all) {
      const e = s.events.find((ev) => ev.message === x.line)!;
      expect(e['@timestamp'], x.line).toBe(new Date(x.ms).toISOString());
      expect(e.log.level, x.line).toBe(x.level);
    }
    await waitIndexed(env, expected.length);
    const since = new Date(base - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const warns = all.filter((x) => x.level === 'warn').map((x) => x.line);
    const r = await run(['search', '-c', env.config, '--level', 'warn', '--since', since, '-o', 'json', '--limit', 'all']);
    expect(r.code, r.stderr).toBe(0);
    const found = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { message: string; '@timestamp': string });
    expect(found.map((f) => f.message).sort()).toEqual([...warns].sort());
    for (const f of found) expect(f['@timestamp']).toBe(new Date(all.find((x) => x.line === f.message)!.ms).toISOString());
    expect(await agent.stop()).toBe(0);
    expect(await sink.stop()).toBe(0);
  });

  it('a line dropped by exclude_lines is counted as filtered and its offset still reaches the checkpoint', async () => {
    const env = makeEnv('src-filter');
    withSources(env, [{ name: 'app', include: ['*.log'], exclude_lines: ['GET /healthz', '^DEBUG '] }]);
    const f = path.join(env.logs, 'app.log');
    const kept = ['INFO request served', 'WARN slow request', 'ERROR request failed'];
    // The file ends with dropped lines: only the filtered lines' offsets can move the checkpoint to its end.
    const all = [kept[0], '"GET /healthz HTTP/1.1" 200', kept[1], kept[2], 'DEBUG noisy detail', '"GET /healthz HTTP/1.1" 200'];
    append(f, all);
    const agent = await startAgent(env);
    await waitShipped(env, kept);
    const size = fs.statSync(f).size;
    await waitFor(
      '3 lines discarded as filtered',
      async () => (await metricValue(env.agentMetrics, 'logship_agent_lines_discarded_total', { reason: 'filtered' })) === 3,
      60_000,
    );
    await waitFor(
      `checkpoint of app.log at its end (${size})`,
      () => Object.values(checkpointOf(env).files).some((c) => c.path === f && c.offset === size),
      60_000,
    );
    expect(await agent.stop()).toBe(0);
    expect(Object.values(checkpointOf(env).files).find((c) => c.path === f)!.offset).toBe(size);
    expectExactly(await shipped(env), kept);
  });

  it('a redacted secret is absent from every Kafka record and from Elasticsearch; the rest of the line is there', async () => {
    const env = makeEnv('src-redact');
    withSources(env, [
      {
        name: 'api',
        include: ['*.log'],
        redact: ['Bearer (?<secret>[A-Za-z0-9._~+/-]+=*)', '://[^:/@\\s]+:(?<secret>[^@\\s]+)@'],
      },
    ]);
    const secrets = ['abc.def.ghi', 'hunter2pass'];
    const raw = [
      'INFO GET /api/orders Authorization: Bearer abc.def.ghi user=42',
      'WARN connecting to postgres://app:hunter2pass@db.internal:5432/orders again',
      'INFO a line without secrets',
    ];
    const masked = [
      'INFO GET /api/orders Authorization: Bearer *** user=42',
      'WARN connecting to postgres://app:***@db.internal:5432/orders again',
      'INFO a line without secrets',
    ];
    append(path.join(env.logs, 'api.log'), raw);
    const sink = await startSink(env.config);
    const agent = await startAgent(env);
    await waitShipped(env, masked);
    expectExactly(await shipped(env), masked);
    // Every record's bytes, key and value: no secret anywhere.
    const recs = await readTopic(env.topic);
    expect(recs).toHaveLength(masked.length);
    for (const r of recs) for (const sec of secrets) expect(`${r.key ?? ''}${r.value}`).not.toContain(sec);
    await waitIndexed(env, masked.length);
    const docs = await esDocs(env);
    expect(docs.map((d) => d.message).sort()).toEqual([...masked].sort());
    for (const d of docs) for (const sec of secrets) expect(JSON.stringify(d)).not.toContain(sec);
    for (const sec of secrets) {
      const hits = await esJson('POST', `/${env.prefix}-*/_search`, { query: { query_string: { query: `"${sec}"` } } });
      expect(hits.hits.total.value, sec).toBe(0);
    }
    const rest = await esJson('POST', `/${env.prefix}-*/_search`, { query: { match_phrase: { message: 'db.internal:5432/orders' } } });
    expect(rest.hits.total.value).toBe(1);
    expect(await agent.stop()).toBe(0);
    expect(await sink.stop()).toBe(0);
  });
});
