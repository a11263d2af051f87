// Sink throughput: a topic pre-filled with N events (built and encoded as the agent does) indexed by the real CLI
// (`node bin/logship.js sink -c cfg`) into a fresh index prefix, against a raw `_bulk` replay of the same documents
// (same ids, same bodies, same bulk size and concurrency, same index template) by a minimal fetch loader.
import fs from 'node:fs';
import path from 'node:path';
import { buildEvent } from '../agent/pipeline/event-builder.js';
import { encodeEvent } from '../common/event.js';
import { BIN, BROKER, childEnv, ES, ROOT } from './lib/env.js';
import { lineMaker } from './lib/lines.js';
import { procStats, sampleRss, start, until, type Child } from './lib/proc.js';
import { createTopic, esCount, esCpuS, esDeletePrefix, freeAddress, metric, producer } from './lib/services.js';
import { rawReplay, sinkCfg, type RawBulkResult } from './raw-bulk-replay.js';

export interface SinkResult {
  events: number;
  /** From the sink joining its group to the last document created. */
  seconds: number;
  wallSeconds: number;
  docsPerS: number;
  cpuS: number;
  peakRssMb: number;
  bulkRequests: number;
  docsPerBulk: number;
  esCount: number;
  /** From spawn to joining the group. */
  joinedAfterMs: number;
  /** [ms since spawn, documents done as last scraped] every 500 ms. */
  timeline: Array<[number, number]>;
}

export interface SinkBench {
  sink: SinkResult;
  raw: RawBulkResult;
  /** Sink over raw: geometric mean of the per-round ratios (see roundsRatio). */
  ratio: number;
  /** Best sink docs/s over best raw docs/s. */
  bestRatio: number;
  prefillSeconds: number;
  /** docs/s of every round, in order (raw and sink alternate). */
  rounds: { raw: number[]; sink: number[] };
  /** Elasticsearch's CPU seconds per 1,000 documents while each contender indexed (best round's), when readable. */
  esCpuPerKDocs?: { sink?: number; raw?: number };
  /** The sink's own CPU seconds per 1,000 documents (best round, start-up included). */
  sinkCpuPerKDocs: number;
}

const HOSTS = 16;

/** N encoded events from 260-byte lines, spread over 16 hosts (so over the topic's partitions, as in production). */
export function makeEvents(n: number): Array<{ key: string; value: Buffer }> {
  const line = lineMaker(260, 7);
  const now = Date.now();
  const out: Array<{ key: string; value: Buffer }> = [];
  const offsets = new Array<number>(HOSTS).fill(0);
  for (let i = 0; i < n; i++) {
    const h = i % HOSTS;
    const text = line().slice(0, -1);
    const src = {
      type: 'file' as const,
      name: '/var/log/nginx/access.log',
      identity: `bench-identity-${h}`,
      path: '/var/log/nginx/access.log',
    };
    const offset = offsets[h];
    offsets[h] += 260;
    const ev = buildEvent(`bench-host-${h}`, src, { offset, text, truncated: false, invalidUtf8: false }, now, true);
    out.push({ key: ev.host.name, value: encodeEvent(ev) });
  }
  return out;
}

export async function prefill(topic: string, events: Array<{ key: string; value: Buffer }>): Promise<number> {
  await createTopic(topic, 4);
  const t0 = Date.now();
  const p = await producer();
  try {
    const inflight: Promise<void>[] = [];
    for (let i = 0; i < events.length; i += 2000) {
      inflight.push(p.send(topic, events.slice(i, i + 2000)));
      if (inflight.length >= 4) await inflight.shift();
    }
    await Promise.all(inflight);
  } finally {
    await p.disconnect();
  }
  return (Date.now() - t0) / 1000;
}

function writeSinkConfig(dir: string, o: { topic: string; prefix: string; group: string; metrics: string }): string {
  const cfg = {
    host_name: 'bench-sink',
    log_level: 'info',
    kafka: { brokers: [BROKER], topic: o.topic, dlq_topic: `${o.topic}-dlq`, topic_partitions: 4 },
    elasticsearch: { url: ES, index_prefix: o.prefix },
    sink: { group_id: o.group, metrics_listen: o.metrics },
  };
  const file = path.join(dir, 'sink.yaml');
  fs.writeFileSync(file, JSON.stringify(cfg, null, 2));
  return file;
}

/** The time of the sink's "joined the consumer group" log line (JSON on stderr). */
function joinedAt(output: string): number | undefined {
  for (const line of output.split('\n')) {
    if (!line.includes('joined the consumer group')) continue;
    try {
      return Date.parse((JSON.parse(line) as { time: string }).time);
    } catch {
      /* a partial line: wait for the rest */
    }
  }
  return undefined;
}

/** Starts `logship sink -c cfg` and waits until it joined its group. */
export async function runSinkProcess(
  dir: string,
  o: { topic: string; prefix: string; group: string; nodeArgs?: string[] },
): Promise<Child & { metrics: string; t0: number; joined: number }> {
  const metrics = await freeAddress();
  const cfg = writeSinkConfig(dir, { ...o, metrics });
  const t0 = Date.now();
  const p = start(process.execPath, [...(o.nodeArgs ?? []), BIN, 'sink', '-c', cfg], { cwd: ROOT, env: childEnv() });
  const joined = await until('sink joined its group', () => joinedAt(p.output()), { timeoutMs: 90_000, everyMs: 50, child: p });
  return Object.assign(p, { metrics, t0, joined });
}

export async function runSink(dir: string, prefix: string, topic: string, n: number, nodeArgs?: string[]): Promise<SinkResult> {
  const p = await runSinkProcess(dir, { topic, prefix, group: `${prefix}-group`, nodeArgs });
  const rss = sampleRss(p.pid);
  const timeline: Array<[number, number]> = [];
  let last = 0;
  const sampler = setInterval(() => timeline.push([Date.now() - p.t0, last]), 500);
  try {
    // Scrapes cost the sink CPU: every 500 ms until near the end, then every 50 ms.
    let pollAt = 0;
    const done = await until(
      `sink: ${n} documents created`,
      async () => {
        if (last < n * 0.95 && Date.now() - pollAt < 500) return undefined;
        pollAt = Date.now();
        last =
          (await metric(p.metrics, 'logship_sink_documents_created_total')) +
          (await metric(p.metrics, 'logship_sink_documents_duplicate_total'));
        return last >= n ? Date.now() : undefined;
      },
      { timeoutMs: Math.max(180_000, (n / 500) * 1000), everyMs: 50, child: p },
    );
    const s = procStats(p.pid);
    const mem = rss.stop();
    const joined = p.joined;
    const bulkRequests = await metric(p.metrics, 'logship_sink_bulk_requests_total');
    const seconds = (done - joined) / 1000;
    return {
      events: n,
      seconds,
      wallSeconds: (done - p.t0) / 1000,
      docsPerS: n / seconds,
      cpuS: s?.cpuS ?? mem.cpuS,
      peakRssMb: Math.max(s?.hwmMb ?? 0, mem.hwmMb),
      bulkRequests,
      docsPerBulk: n / Math.max(1, bulkRequests),
      esCount: await esCount(prefix),
      joinedAfterMs: joined - p.t0,
      timeline,
    };
  } finally {
    clearInterval(sampler);
    rss.stop();
    await p.stop();
  }
}

export async function sinkBench(workDir: string, n: number, log: (s: string) => void, rounds = 2): Promise<SinkBench> {
  const dir = path.join(workDir, 'runs', `sink-${Date.now().toString(36)}`);
  fs.mkdirSync(dir, { recursive: true });
  const id = Date.now().toString(36);
  const topic = `bench-sink-${id}`;
  const cfg = sinkCfg('x');
  log(`sink: building ${n.toLocaleString('en-US')} events`);
  const messages = makeEvents(n);
  const events = messages.map((m) => m.value);
  log(`sink: pre-filling ${topic}`);
  const prefillSeconds = await prefill(topic, messages);
  // Warm Elasticsearch up (JIT, the first index of a template) so neither contender pays for it.
  await rawReplay(
    events.slice(0, Math.min(50_000, n)),
    `bench-warm-${id}`,
    cfg.sink.bulk.max_docs,
    cfg.sink.bulk.max_bytes,
    cfg.sink.bulk.concurrency,
  );
  await esDeletePrefix(`bench-warm-${id}`);
  // Alternated, best of `rounds` each: the machine is shared, and a neighbour's burst should not decide the ratio.
  // The raw replay sends max_docs per request; the sink's requests are bounded by what one Kafka fetch returns too
  // (docs / bulk in the table).
  const raws: RawBulkResult[] = [];
  const sinks: SinkResult[] = [];
  const esRaw: Array<number | undefined> = [];
  const esSink: Array<number | undefined> = [];
  const esDelta = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? undefined : b - a);
  for (let round = 1; round <= rounds; round++) {
    const doRaw = async () => {
      log(`sink: raw _bulk replay (round ${round} of ${rounds})`);
      const es0 = esCpuS();
      raws.push(
        await rawReplay(events, `bench-raw-${id}-${round}`, cfg.sink.bulk.max_docs, cfg.sink.bulk.max_bytes, cfg.sink.bulk.concurrency),
      );
      esRaw.push(esDelta(es0, esCpuS()));
      await esDeletePrefix(`bench-raw-${id}-${round}`);
    };
    const doSink = async () => {
      log(`sink: logship sink (round ${round} of ${rounds})`);
      const es0 = esCpuS();
      sinks.push(await runSink(dir, `bench-sink-${id}-${round}`, topic, n));
      esSink.push(esDelta(es0, esCpuS()));
      await esDeletePrefix(`bench-sink-${id}-${round}`);
    };
    // The order flips each round, so neither always runs on the heels of the other's segment merges.
    if (round % 2 === 1) {
      await doRaw();
      await doSink();
    } else {
      await doSink();
      await doRaw();
    }
  }
  const raw = raws.reduce((a, b) => (b.docsPerS > a.docsPerS ? b : a));
  const sink = sinks.reduce((a, b) => (b.docsPerS > a.docsPerS ? b : a));
  const r = { raw: raws.map((x) => x.docsPerS), sink: sinks.map((x) => x.docsPerS) };
  const perK = (s: number | undefined) => (s === undefined ? undefined : (s / n) * 1000);
  return {
    sink,
    raw,
    ratio: roundsRatio(r),
    bestRatio: sink.docsPerS / raw.docsPerS,
    prefillSeconds,
    rounds: r,
    esCpuPerKDocs: { sink: perK(esSink[sinks.indexOf(sink)]), raw: perK(esRaw[raws.indexOf(raw)]) },
    sinkCpuPerKDocs: (sink.cpuS / n) * 1000,
  };
}

/**
 * Geometric mean of the per-round ratios. The rounds run raw-sink, sink-raw (ABBA), so a steady drift of the
 * machine (Elasticsearch warming up, a neighbour's load going down) favours each side once and cancels out.
 */
export function roundsRatio(r: { raw: number[]; sink: number[] }): number {
  const logs = r.sink.map((s, i) => Math.log(s / r.raw[i]));
  return Math.exp(logs.reduce((a, b) => a + b, 0) / logs.length);
}
