// Test helpers: real processes, real Kafka, real Elasticsearch. Each test uses its own topic, group, index
// prefix and state directory so tests cannot see each other's data.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { registerCodecs } from '../../agent/kafka-codecs.js';
import { encodeEvent, eventId, EVENT_VERSION, type LogEvent } from '../../common/event.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const BIN = path.join(ROOT, 'bin/logship.js');
// Topics written with lz4 or zstd are read back by the tests too.
registerCodecs();

export const BROKER = `127.0.0.1:${process.env.LOGSHIP_KAFKA_PORT ?? '9092'}`;
export const ES = `http://127.0.0.1:${process.env.LOGSHIP_ES_PORT ?? '9200'}`;

let counter = 0;
export function uniq(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter++}`;
}

export function tmpDir(prefix = 'logship-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

// Random base per test process: two runs (or a leftover process) must not fight over a port.
let portBase = 20000 + Math.floor(Math.random() * 25000);
export function freePort(): number {
  return portBase++;
}

export interface TestEnv {
  dir: string;
  topic: string;
  dlq: string;
  group: string;
  prefix: string;
  host: string;
  logs: string;
  config: string;
  agentMetrics: string;
  sinkMetrics: string;
}

export function makeEnv(name: string, extra: Record<string, unknown> = {}): TestEnv {
  const dir = tmpDir(`logship-${name}-`);
  const id = uniq(name).toLowerCase().replace(/[^a-z0-9-]/g, '-');
  const env: TestEnv = {
    dir,
    topic: `t-${id}`,
    dlq: `t-${id}-dlq`,
    group: `g-${id}`,
    prefix: `i-${id}`,
    host: `host-${id}`,
    logs: path.join(dir, 'logs'),
    config: path.join(dir, 'logship.yaml'),
    agentMetrics: `127.0.0.1:${freePort()}`,
    sinkMetrics: `127.0.0.1:${freePort()}`,
  };
  fs.mkdirSync(env.logs);
  const cfg = deepMerge(
    {
      host_name: env.host,
      log_level: 'debug',
      kafka: { brokers: [BROKER], topic: env.topic, dlq_topic: env.dlq, topic_partitions: 2 },
      elasticsearch: { url: ES, index_prefix: env.prefix, refresh_interval: '200ms' },
      agent: {
        data_dir: path.join(dir, 'state'),
        files: { include: [`${env.logs}/*.log`] },
        scan_interval_ms: 200,
        poll_interval_ms: 50,
        metrics_listen: env.agentMetrics,
        batch: { linger_ms: 5 },
      },
      sink: { group_id: env.group, metrics_listen: env.sinkMetrics, bulk: { linger_ms: 50 }, session_timeout_ms: 10000 },
    },
    extra,
  );
  fs.writeFileSync(env.config, JSON.stringify(cfg, null, 2)); // JSON is YAML
  return env;
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) {
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && typeof a[k] === 'object' ? deepMerge(a[k] as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}

export interface Proc {
  child: ChildProcess;
  stderr: () => string;
  stdout: () => string;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const live = new Set<ChildProcess>();
/** Kills every process a test started and did not stop (a failed test must not leave agents behind). */
export function killAll() {
  for (const c of live) c.kill('SIGKILL');
  live.clear();
}
process.on('exit', killAll);

export function logship(args: string[], opts: { env?: Record<string, string>; input?: string; cwd?: string } = {}): Proc {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  live.add(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  if (opts.input !== undefined) child.stdin!.end(opts.input);
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code, sig) => {
      live.delete(child);
      resolve(code ?? (sig ? 128 : null));
    }),
  );
  return {
    child,
    stderr: () => err,
    stdout: () => out,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export async function run(args: string[], opts: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {}) {
  const p = logship(args, opts);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
  const code = await p.exited;
  clearTimeout(timer);
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000, everyMs = 200): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function esJson(method: string, p: string, body?: unknown): Promise<any> {
  const res = await fetch(`${ES}${p}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok && res.status !== 404) throw new Error(`${method} ${p}: ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : {};
}

export async function esCount(prefix: string, query?: unknown): Promise<number> {
  await esJson('POST', `/${prefix}-*/_refresh?ignore_unavailable=true&allow_no_indices=true`);
  const r = await esJson('POST', `/${prefix}-*/_count?ignore_unavailable=true&allow_no_indices=true`, query ? { query } : undefined);
  return r.count ?? 0;
}

export async function esDocs(prefix: string, size = 10000): Promise<Array<{ _id: string; _index: string; _source: any }>> {
  await esJson('POST', `/${prefix}-*/_refresh?ignore_unavailable=true&allow_no_indices=true`);
  const r = await esJson('POST', `/${prefix}-*/_search?ignore_unavailable=true&allow_no_indices=true`, { size, query: { match_all: {} }, sort: [{ 'log.offset': 'asc' }] });
  return r.hits?.hits ?? [];
}

export async function metricValue(address: string, name: string, labels?: Record<string, string>): Promise<number> {
  const text = await (await fetch(`http://${address}/metrics`)).text();
  let sum = 0;
  let found = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    if (labels && !Object.entries(labels).every(([k, v]) => (m[2] ?? '').includes(`${k}="${v}"`))) continue;
    sum += Number(m[3]);
    found = true;
  }
  if (!found) return 0;
  return sum;
}

export function kafka() {
  return new Kafka({ clientId: 'logship-test', brokers: [BROKER], logLevel: logLevel.NOTHING });
}

export interface Rec { partition: number; offset: string; key: string | null; value: string }

/** Every record of a topic up to its current end. */
export async function readTopic(topic: string, timeoutMs = 20_000): Promise<Rec[]> {
  const k = kafka();
  const admin = k.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
  await admin.disconnect();
  const want = [...ends.values()].reduce((a, b) => a + b, 0n) - 0n;
  const out: Rec[] = [];
  if (want === 0n) return out;
  const consumer = k.consumer({ groupId: uniq('reader'), maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`read ${out.length} of ${want} records of ${topic}`)), timeoutMs);
    consumer
      .run({
        eachMessage: async ({ partition, message }) => {
          if (BigInt(message.offset) >= (ends.get(partition) ?? 0n)) return;
          out.push({ partition, offset: message.offset, key: message.key?.toString() ?? null, value: message.value?.toString() ?? '' });
          if (BigInt(out.length) >= want) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return out;
}

export async function produce(topic: string, messages: Array<{ key: string | null; value: string | Buffer }>) {
  const p = kafka().producer({ allowAutoTopicCreation: true });
  await p.connect();
  await p.send({ topic, acks: -1, messages });
  await p.disconnect();
}

// ---- Sink tests: events, configs, offsets, the stack instance ----

/** A config beside env.config with `extra` merged in (e.g. another group id or metrics port). Returns its path. */
export function deriveConfig(env: TestEnv, name: string, extra: Record<string, unknown>): string {
  const base = JSON.parse(fs.readFileSync(env.config, 'utf8')) as Record<string, unknown>;
  const file = path.join(env.dir, `${name}.yaml`);
  fs.writeFileSync(file, JSON.stringify(deepMerge(base, extra), null, 2));
  return file;
}

const T0 = Date.now();

/**
 * A valid wire event for (host, identity, offset), the same on every call: the id is eventId(host, identity,
 * offset) and @timestamp is derived from the offset (`dayOffset` moves it by whole days, to spread over indices).
 */
export function testEvent(host: string, identity: string, offset: number, opts: { dayOffset?: number; message?: string } = {}): LogEvent {
  const ts = new Date(T0 - (opts.dayOffset ?? 0) * 86_400_000 + offset).toISOString();
  return {
    v: EVENT_VERSION,
    '@timestamp': ts,
    message: opts.message ?? `line ${offset} of ${identity}`,
    event: { id: eventId(host, identity, offset), created: ts },
    host: { name: host },
    log: { offset, file: { path: `/var/log/${identity}.log` } },
    logship: { source: { type: 'file', name: `/var/log/${identity}.log`, identity } },
  };
}

/** Produces with acks=-1, keyed by host name, in chunks. */
export async function produceEvents(topic: string, events: LogEvent[], chunk = 500): Promise<void> {
  const p = kafka().producer({ allowAutoTopicCreation: true });
  await p.connect();
  try {
    for (let i = 0; i < events.length; i += chunk) {
      await p.send({ topic, acks: -1, messages: events.slice(i, i + chunk).map((e) => ({ key: e.host.name, value: encodeEvent(e) })) });
    }
  } finally {
    await p.disconnect();
  }
}

export async function createTopic(topic: string, partitions: number): Promise<void> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }] });
  } finally {
    await admin.disconnect();
  }
}

/** Per partition: the high watermark (the offset the next record will get). */
export async function topicEnds(topic: string): Promise<Map<number, string>> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p.high]));
  } finally {
    await admin.disconnect();
  }
}

/** Per partition: the group's committed offset ('-1' when none). */
export async function committedOffsets(group: string, topic: string): Promise<Map<number, string>> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    const r = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return new Map((r[0]?.partitions ?? []).map((p) => [p.partition, p.offset]));
  } finally {
    await admin.disconnect();
  }
}

export async function groupState(group: string): Promise<{ state: string; members: number }> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    const d = (await admin.describeGroups([group])).groups[0];
    return { state: d.state, members: d.members.length };
  } finally {
    await admin.disconnect();
  }
}

/** Every event.id in the indices with the number of documents carrying it (composite aggregation, all pages). */
export async function esIdCounts(prefix: string): Promise<Map<string, number>> {
  await esJson('POST', `/${prefix}-*/_refresh?ignore_unavailable=true&allow_no_indices=true`);
  const out = new Map<string, number>();
  let after: unknown;
  for (;;) {
    const r = await esJson('POST', `/${prefix}-*/_search?ignore_unavailable=true&allow_no_indices=true`, {
      size: 0,
      aggs: { ids: { composite: { size: 5000, sources: [{ id: { terms: { field: 'event.id' } } }], ...(after ? { after } : {}) } } },
    });
    const agg = r.aggregations?.ids;
    if (!agg || agg.buckets.length === 0) break;
    for (const b of agg.buckets) out.set(b.key.id, b.doc_count);
    after = agg.after_key;
    if (!after) break;
  }
  return out;
}

/** Asserts the index holds exactly the expected ids, each once. Returns a one-line summary for the test log. */
export async function expectExactlyOnce(prefix: string, ids: Iterable<string>): Promise<string> {
  const want = new Set(ids);
  const counts = await esIdCounts(prefix);
  const total = await esCount(prefix);
  const missing = [...want].filter((id) => !counts.has(id));
  const twice = [...counts].filter(([, n]) => n > 1);
  const extra = [...counts.keys()].filter((id) => !want.has(id));
  if (missing.length || twice.length || extra.length || total !== want.size)
    throw new Error(`index ${prefix}-*: ${total} documents for ${want.size} events; missing ${missing.length}, more than once ${twice.length}, unexpected ${extra.length}`);
  return `${total} documents, ${counts.size} distinct ids, each once`;
}

/** Runs stack/stack.sh on this test run's instance (LOGSHIP_STACK_DIR and the ports come from the environment). */
export function stackSh(args: string[], env: Record<string, string> = {}): void {
  const r = spawnSync('bash', [path.join(ROOT, 'stack/stack.sh'), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`stack.sh ${args.join(' ')} failed (exit ${r.status})`);
}

/** Starts `logship sink -c config` and waits until its /healthz answers (or /readyz, with ready: true). */
export async function startSink(config: string, metrics: string, opts: { ready?: boolean; timeoutMs?: number } = {}): Promise<Proc> {
  const p = logship(['sink', '-c', config]);
  const probe = opts.ready === false ? 'healthz' : 'readyz';
  const exited = p.exited.then((code) => {
    throw new Error(`sink exited ${code} before it was ready: ${p.stderr().slice(-2000)}`);
  });
  await Promise.race([
    exited,
    waitFor(`sink at ${metrics} ${probe}`, () => fetch(`http://${metrics}/${probe}`).then((r) => r.ok).catch(() => false), opts.timeoutMs ?? 60_000, 100),
  ]);
  exited.catch(() => undefined);
  return p;
}

/** A metric of a process that may be gone: 0 when it does not answer. */
export async function metricOr0(address: string, name: string, labels?: Record<string, string>): Promise<number> {
  return metricValue(address, name, labels).catch(() => 0);
}

/** Whether the group's committed offset is at the high watermark of every partition (an empty one needs none). */
export async function committedToEnd(group: string, topic: string): Promise<{ ok: boolean; text: string }> {
  const [ends, c] = await Promise.all([topicEnds(topic), committedOffsets(group, topic)]);
  const ok = [...ends].every(([p, h]) => c.get(p) === h || (h === '0' && (c.get(p) ?? '-1') === '-1'));
  return { ok, text: [...ends].sort(([a], [b]) => a - b).map(([p, h]) => `p${p} ${c.get(p) ?? '-1'}/${h}`).join(', ') };
}

/** Produces a steady stream of events until stopped; `events` holds every event Kafka acknowledged. */
export function streamEvents(topic: string, perTick: number, everyMs: number, name = 'stream') {
  const events: LogEvent[] = [];
  let stopped = false;
  const done = (async () => {
    const p = kafka().producer();
    await p.connect();
    try {
      for (let i = 0; !stopped; ) {
        const batch: LogEvent[] = [];
        for (let k = 0; k < perTick; k++, i++) batch.push(testEvent(`${name}-${i % 7}`, `${name}-${i % 3}`, i));
        await p.send({ topic, acks: -1, messages: batch.map((e) => ({ key: e.host.name, value: encodeEvent(e) })) });
        events.push(...batch);
        await new Promise((r) => setTimeout(r, everyMs));
      }
    } finally {
      await p.disconnect();
    }
  })();
  return {
    events,
    async stop() {
      stopped = true;
      await done;
    },
  };
}

export interface EsProxy {
  url: string;
  /** Sizes of the _bulk bodies Elasticsearch was given (passed through), and of those refused by the proxy. */
  passed: number[];
  refused: number[];
  /** Delayed requests the client aborted before they were forwarded (not forwarded). */
  aborted: number[];
  /** Replaces the fault for the requests that arrive from now on. */
  setBulk(f: BulkFault): void;
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of the real Elasticsearch, for faults the real one will not produce on demand: `bulk` sees
 * every _bulk body and may answer instead of Elasticsearch (e.g. 413), or delay it (`delayMs`).
 */
type BulkFault = (body: Buffer) => { status: number; body: unknown } | { delayMs: number } | undefined;

export async function startEsProxy(initial: BulkFault): Promise<EsProxy> {
  let bulk = initial;
  const passed: number[] = [];
  const refused: number[] = [];
  const aborted: number[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      try {
        if (req.url?.startsWith('/_bulk')) {
          const r = bulk(body);
          if (r && 'status' in r) {
            refused.push(body.length);
            res.writeHead(r.status, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
            return void res.end(JSON.stringify(r.body));
          }
          if (r && 'delayMs' in r) {
            await new Promise((ok) => setTimeout(ok, r.delayMs));
            // The client gave up (aborted) meanwhile: like a request that never reached Elasticsearch.
            if (res.destroyed || req.socket.destroyed) return void aborted.push(body.length);
          }
          passed.push(body.length);
        }
        const up = await fetch(`${ES}${req.url}`, {
          method: req.method,
          headers: Object.fromEntries(['content-type', 'accept'].filter((h) => req.headers[h]).map((h) => [h, String(req.headers[h])])),
          body: ['GET', 'HEAD'].includes(req.method ?? 'GET') ? undefined : body,
        });
        // The client refuses a server that does not say it is Elasticsearch.
        res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'application/json', 'x-elastic-product': up.headers.get('x-elastic-product') ?? 'Elasticsearch' });
        res.end(Buffer.from(await up.arrayBuffer()));
      } catch (err) {
        res.writeHead(502);
        res.end(String(err));
      }
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    passed,
    refused,
    aborted,
    setBulk: (f) => {
      bulk = f;
    },
    close: () => new Promise<void>((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    }),
  };
}

/**
 * Waits until the group has committed every partition to its end and the index holds `n` documents. A sink that
 * committed records it never indexed reaches the first and never the second: then this returns anyway after a
 * short wait, and expectExactlyOnce names what is missing.
 */
export async function drained(group: string, topic: string, prefix: string, n: number, timeoutMs = 120_000): Promise<void> {
  await waitFor('offsets committed to the end', async () => (await committedToEnd(group, topic)).ok || undefined, timeoutMs, 500);
  await waitFor(`${n} documents`, async () => (await esCount(prefix)) >= n || undefined, 15_000, 500).catch(() => undefined);
}

/** The sink's accounting: consumed = created + duplicate + dead-lettered + abandoned + in flight. Returns both sides. */
export async function sinkAccounting(address: string): Promise<{ consumed: number; accounted: number; abandoned: number }> {
  const v = (n: string) => metricValue(address, n);
  const consumed = await v('logship_sink_records_consumed_total');
  const abandoned = await v('logship_sink_records_abandoned_total');
  const accounted = (await v('logship_sink_documents_created_total')) + (await v('logship_sink_documents_duplicate_total'))
    + (await v('logship_sink_documents_dead_lettered_total')) + abandoned + (await v('logship_sink_records_in_flight'));
  return { consumed, accounted, abandoned };
}
