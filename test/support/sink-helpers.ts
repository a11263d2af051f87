// Helpers of the sink, sink-fault and chaos tests: wire events, derived configs, offsets and groups, exact
// id checks in Elasticsearch, a sink process (the fault-injecting Elasticsearch proxy is in es-proxy.ts).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { encodeEvent, eventId, EVENT_VERSION, type LogEvent } from '../../common/event.js';
import { ROOT, type TestEnv, deepMerge, type Proc, logship, waitFor, esJson, esCount, metricValue, kafka } from './helpers.js';

/** A config beside env.config with `extra` merged in (e.g. another group id). Returns its path. */
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
    throw new Error(
      `index ${prefix}-*: ${total} documents for ${want.size} events; missing ${missing.length}, more than once ${twice.length}, unexpected ${extra.length}`,
    );
  return `${total} documents, ${counts.size} distinct ids, each once`;
}

/** Runs stack/stack.sh on this test run's instance (LOGSHIP_STACK_DIR and the ports come from the environment). */
export function stackSh(args: string[], env: Record<string, string> = {}): void {
  const r = spawnSync('bash', [path.join(ROOT, 'stack/stack.sh'), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`stack.sh ${args.join(' ')} failed (exit ${r.status})`);
}

/**
 * Starts `logship sink -c config` and waits until it has logged its metrics address (`proc.metrics`) and its
 * /readyz answers 200. Fails at once, with its output, if it exits first.
 */
export async function startSink(config: string, opts: { timeoutMs?: number } = {}): Promise<Proc> {
  const p = logship(['sink', '-c', config]);
  const timeoutMs = opts.timeoutMs ?? 60_000;
  await p.started(timeoutMs);
  const address = p.metrics;
  const exited = p.exited.then((code) => {
    throw new Error(`sink exited ${code} before it was ready: ${p.stderr().slice(-2000)}`);
  });
  await Promise.race([
    exited,
    waitFor(
      `sink at ${address} readyz`,
      () =>
        fetch(`http://${address}/readyz`)
          .then((r) => r.ok)
          .catch(() => false),
      timeoutMs,
      100,
    ),
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
  return {
    ok,
    text: [...ends]
      .sort(([a], [b]) => a - b)
      .map(([p, h]) => `p${p} ${c.get(p) ?? '-1'}/${h}`)
      .join(', '),
  };
}

/** Produces a steady stream of events until stopped; `events` holds every event Kafka acknowledged. */
export function streamEvents(topic: string, perTick: number, everyMs: number, name = 'stream') {
  const events: LogEvent[] = [];
  let stopped = false;
  const done = (async () => {
    const p = kafka().producer();
    await p.connect();
    try {
      for (let i = 0; !stopped;) {
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
  const accounted =
    (await v('logship_sink_documents_created_total')) +
    (await v('logship_sink_documents_duplicate_total')) +
    (await v('logship_sink_documents_dead_lettered_total')) +
    abandoned +
    (await v('logship_sink_records_in_flight'));
  return { consumed, accounted, abandoned };
}
