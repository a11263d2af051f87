// The stack instance, Kafka (through the product's own adapter, so kafkajs stays imported by two files only),
// Elasticsearch over plain fetch, and Prometheus metrics scraped from /metrics.
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { createKafkaProducer, type Producer } from '../../kafka/producer.js';
import { describeTopic, ensureTopics } from '../../kafka/admin.js';
import type { KafkaClientOptions } from '../../kafka/options.js';
import { createLogger } from '../../common/logger.js';
import { BROKER, ES, ROOT, STACK_DIR } from './env.js';

const log = createLogger({ level: 'error', name: 'bench' });

export function kafkaOpts(clientId = 'logship-bench'): KafkaClientOptions {
  return { clientId, brokers: [BROKER], connectionTimeout: 5000, requestTimeout: 30_000 };
}

function stackSh(args: string[]): { status: number | null; out: string } {
  const r = spawnSync('bash', [path.join(ROOT, 'stack/stack.sh'), ...args], {
    env: process.env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** Brings the stack up; returns true when this call started it (so the caller stops it at the end). */
export function stackUp(): boolean {
  const before = stackSh(['status']).out;
  const running = /kafka\s+\S+\s+running/.test(before) && /elasticsearch\s+\S+\s+running/.test(before);
  if (running) return false;
  const r = stackSh(['up']);
  if (r.status !== 0) throw new Error(`stack/stack.sh up failed (exit ${r.status}):\n${r.out}`);
  return true;
}

export function stackDown(): void {
  const r = stackSh(['down']);
  if (r.status !== 0) process.stderr.write(`stack/stack.sh down failed: ${r.out}\n`);
}

const created = new Set<string>();

export async function createTopic(topic: string, partitions: number): Promise<void> {
  created.add(topic);
  await ensureTopics(kafkaOpts('logship-bench-admin'), log, [{ topic, partitions }]);
}

/** Deletes the topics this run created (and their dead-letter topics), so repeated runs do not fill the disk. */
export async function deleteCreatedTopics(): Promise<void> {
  if (created.size === 0) return;
  // Housekeeping only: the product's adapters have no delete, and this is the bench's own broker.
  const { Kafka, logLevel } = await import('kafkajs');
  const admin = new Kafka({ clientId: 'logship-bench-cleanup', brokers: [BROKER], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const topics = [...created].flatMap((t) => [t, `${t}-dlq`]).filter((t) => existing.has(t));
    if (topics.length) await admin.deleteTopics({ topics, timeout: 30_000 });
    created.clear();
  } finally {
    await admin.disconnect();
  }
}

/** Sum over partitions of the high watermark: records in the topic (nothing is deleted during a run). */
export async function topicRecords(topic: string): Promise<number> {
  const t = await describeTopic(kafkaOpts('logship-bench-admin'), log, topic);
  return t.partitions.reduce((a, p) => a + Number(p.high) - Number(p.low), 0);
}

/** Bytes the broker stores for a topic: its partitions' segment files in the bench instance's log directory. */
export function topicDiskBytes(topic: string): number {
  const data = path.join(STACK_DIR, 'run', 'kafka-data');
  let sum = 0;
  for (const d of fs.readdirSync(data).filter((x) => x.startsWith(`${topic}-`) && /-\d+$/.test(x))) {
    for (const f of fs.readdirSync(path.join(data, d))) if (f.endsWith('.log')) sum += fs.statSync(path.join(data, d, f)).size;
  }
  return sum;
}

export async function producer(): Promise<Producer> {
  const p = createKafkaProducer(kafkaOpts('logship-bench-fill'), log);
  await p.connect();
  return p;
}

/** One Elasticsearch request; the caller names the shape it reads (T), nothing is checked at run time. */
export async function esJson<T = unknown>(method: string, p: string, body?: unknown): Promise<T> {
  const res = await fetch(`${ES}${p}`, {
    method,
    headers: { 'content-type': typeof body === 'string' ? 'application/x-ndjson' : 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : {}) as T;
}

const IGN = 'ignore_unavailable=true&allow_no_indices=true';

export async function esCount(prefix: string, refresh = true): Promise<number> {
  if (refresh) await esJson('POST', `/${prefix}-*/_refresh?${IGN}`);
  return (await esJson<{ count?: number }>('POST', `/${prefix}-*/_count?${IGN}`)).count ?? 0;
}

export async function esDeletePrefix(prefix: string): Promise<void> {
  await esJson('DELETE', `/${prefix}-*?${IGN}`).catch(() => undefined);
  await esJson('DELETE', `/_index_template/${prefix}-logship`).catch(() => undefined);
}

/** The sum of a metric's samples (over all label sets) on a Prometheus /metrics page. */
export async function metric(address: string, name: string): Promise<number> {
  const text = await (await fetch(`http://${address}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (m && m[1] === name) sum += Number(m[3]);
  }
  return sum;
}

/** A free local port for a child's /metrics (asked of the kernel, so it cannot clash with a test run's). */
export async function freeAddress(): Promise<string> {
  const srv = net.createServer();
  await new Promise<void>((resolve, reject) => srv.once('error', reject).listen(0, '127.0.0.1', () => resolve()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return `127.0.0.1:${port}`;
}

/** Elasticsearch's CPU seconds so far (utime + stime of the stack's node, from its pid file), when it can be read. */
export function esCpuS(): number | undefined {
  try {
    const pid = Number(fs.readFileSync(path.join(STACK_DIR, 'run', 'es', 'es.pid'), 'utf8').trim());
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return undefined;
  }
}
