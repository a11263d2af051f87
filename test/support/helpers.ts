// Test helpers: real processes, real Kafka, real Elasticsearch. Each test uses its own topic, group, index
// prefix and state directory so tests cannot see each other's data.
import fs from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { registerCodecs } from '../../kafka/codecs.js';
import { tmpDir } from './paths.js';
import { trackMetrics } from './processes.js';

// One import for the integration tests: paths, processes and ports live in their own modules.
export { ROOT, tmpDir } from './paths.js';
export { logship, run, type Proc } from './processes.js';
export { freePort } from './ports.js';

// Topics written with lz4 or zstd are read back by the tests too.
registerCodecs();

export const BROKER = `127.0.0.1:${process.env.LOGSHIP_KAFKA_PORT ?? '9092'}`;
export const ES = `http://127.0.0.1:${process.env.LOGSHIP_ES_PORT ?? '9200'}`;
/** The agent's Kafka client in every test config (kafka.producer): .ci/run runs the agent's tests with each. */
export const TEST_PRODUCER = process.env.LOGSHIP_TEST_PRODUCER === 'platformatic' ? 'platformatic' : 'kafkajs';

let counter = 0;
export function uniq(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter++}`;
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
  /**
   * The metrics address of the agent, and of the sink, started last with a config in `dir` (they bind port 0 and
   * log the address they got). Throws until that process has logged it: read it in a waitFor, or after
   * `await proc.started()`.
   */
  readonly agentMetrics: string;
  readonly sinkMetrics: string;
}

export function makeEnv(name: string, extra: Record<string, unknown> = {}): TestEnv {
  const dir = tmpDir(`logship-${name}-`);
  const id = uniq(name)
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-');
  const metrics = trackMetrics(dir);
  const env: TestEnv = {
    dir,
    topic: `t-${id}`,
    dlq: `t-${id}-dlq`,
    group: `g-${id}`,
    prefix: `i-${id}`,
    host: `host-${id}`,
    logs: path.join(dir, 'logs'),
    config: path.join(dir, 'logship.yaml'),
    get agentMetrics() {
      return metrics('agent');
    },
    get sinkMetrics() {
      return metrics('sink');
    },
  };
  fs.mkdirSync(env.logs);
  const cfg = deepMerge(
    {
      host_name: env.host,
      log_level: 'debug',
      kafka: { brokers: [BROKER], topic: env.topic, dlq_topic: env.dlq, topic_partitions: 2, producer: TEST_PRODUCER },
      elasticsearch: { url: ES, index_prefix: env.prefix, refresh_interval: '200ms' },
      agent: {
        data_dir: path.join(dir, 'state'),
        files: { include: [`${env.logs}/*.log`] },
        scan_interval_ms: 200,
        poll_interval_ms: 50,
        metrics_listen: '127.0.0.1:0',
        batch: { linger_ms: 5 },
      },
      sink: { group_id: env.group, metrics_listen: '127.0.0.1:0', bulk: { linger_ms: 50 }, session_timeout_ms: 10000 },
    },
    extra,
  );
  fs.writeFileSync(env.config, JSON.stringify(cfg, null, 2)); // JSON is YAML
  return env;
}

export function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) {
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && typeof a[k] === 'object'
        ? deepMerge(a[k] as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
  everyMs = 200,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function esJson(method: string, p: string, body?: unknown): Promise<any> {
  const res = await fetch(`${ES}${p}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok && res.status !== 404) throw new Error(`${method} ${p}: ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : {};
}

export async function esCount(prefix: string, query?: unknown): Promise<number> {
  await esJson('POST', `/${prefix}-*/_refresh?ignore_unavailable=true&allow_no_indices=true`);
  const r = await esJson('POST', `/${prefix}-*/_count?ignore_unavailable=true&allow_no_indices=true`, query ? { query } : undefined);
  return r.count ?? 0;
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

export interface Rec {
  partition: number;
  offset: string;
  key: string | null;
  value: string;
}

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
