// End to end at a fixed rate: a writer appends lines to a file at `rate` lines/s (each line starts with its write
// time), a real agent and a real sink (default settings, refresh_interval 1s) carry them into Elasticsearch, and a
// poller searches every 100 ms for newly visible documents. write -> searchable = the first search response that
// showed the line's document minus the line's write time (so it includes up to one poll interval).
// A warm-up phase (3 s at the same rate, all lines visible before going on) keeps start-up out of the figures.
import fs from 'node:fs';
import path from 'node:path';
import { BIN, ROOT, childEnv } from './lib/env.js';
import { lineMaker } from './lib/lines.js';
import { procStats, sleep, start, until, type Child } from './lib/proc.js';
import { esDeletePrefix, esJson, freeAddress, metric } from './lib/services.js';
import { agentConfig } from './agent-bench.js';
import { runSinkProcess } from './sink-bench.js';

export interface LatencyResult {
  rate: number;
  seconds: number;
  lines: number;
  seen: number;
  missing: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Stages, from the document's event.created (the agent's read time, same clock): write -> read by the agent. */
  writeToReadP50Ms: number;
  writeToReadP99Ms: number;
  /** read by the agent -> searchable (agent batching, Kafka, sink, bulk, refresh, poll). */
  readToSearchableP50Ms: number;
  readToSearchableP99Ms: number;
  /** write -> acknowledged by Kafka / indexed by Elasticsearch (bulk answered, not yet searchable), from the agent's and
   * the sink's counters sampled every 100 ms, lines taken to complete in order: approximate. */
  writeToAckedP50Ms: number;
  writeToAckedP99Ms: number;
  writeToIndexedP50Ms: number;
  writeToIndexedP99Ms: number;
  /** Average time between two searches of the poller (100 ms sleep + the search itself). */
  pollIntervalMs: number;
  /** Over the whole run (warm-up included), from the processes' own histograms. */
  sinkBulks: number;
  sinkBulkAvgMs: number;
  sinkBulkAvgDocs: number;
  agentProduceAvgMs: number;
  agentProduceAvgLines: number;
  achievedRate: number;
  agentRssMb: number;
  sinkRssMb: number;
  /** Per second of the measured phase: lines written, acknowledged by Kafka, indexed by the sink, seen by the poller. */
  timeline: Array<{ t: number; written: number; produced: number; indexed: number; seen: number }>;
}

/**
 * Per line i (in write order), the first sample time at which a counter reached base + i + 1: when the line was
 * acknowledged (agent) or indexed (sink), assuming lines complete in order (one file, one partition) — approximate,
 * to the 100 ms of the sampling. Lines the counter never reached are left out.
 */
function counterLatencies(p: Phase, col: 1 | 2, base: number): number[] {
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < p.written.length; i++) {
    while (j < p.counts.length && !(p.counts[j][col] >= base + i + 1)) j++;
    if (j === p.counts.length) break;
    out.push(p.counts[j][0] - p.written[i]);
  }
  return out.sort((a, b) => a - b);
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

interface Phase {
  offsets: number[];
  written: number[];
  seenAt: Map<number, number>;
  readAt: Map<number, number>;
  timeline: LatencyResult['timeline'];
  /** Every 100 ms: [time, lines acknowledged by Kafka (agent counter), documents created (sink counter)]. */
  counts: Array<[number, number, number]>;
  polls: number;
  pollMs: number;
}

/** Writes `total` lines at `rate` lines/s and polls until every one is searchable (or 30 s after the last write). */
/** The parts of a _search response the poll reads (filter_path keeps only these). */
interface SearchHits {
  hits?: { hits?: { sort: (number | string)[]; fields?: Record<string, (number | string)[] | undefined> }[] };
}

async function phase(o: {
  fd: number;
  pos: { v: number };
  make: () => string;
  rate: number;
  total: number;
  prefix: string;
  agentMetrics: string;
  sinkMetrics: string;
}): Promise<Phase> {
  const p: Phase = { offsets: [], written: [], seenAt: new Map(), readAt: new Map(), timeline: [], counts: [], polls: 0, pollMs: 0 };
  const t0 = Date.now();
  let writing = true;
  const writer = (async () => {
    while (p.offsets.length < o.total) {
      const due = Math.min(o.total, Math.floor(((Date.now() - t0) / 1000) * o.rate)) - p.offsets.length;
      if (due > 0) {
        const now = Date.now();
        let chunk = '';
        for (let i = 0; i < due; i++) {
          const line = `t=${now} ${o.make().slice(16)}`; // the write time replaces the line's start (same length)
          p.offsets.push(o.pos.v + chunk.length);
          p.written.push(now);
          chunk += line;
        }
        fs.writeSync(o.fd, chunk);
        o.pos.v += chunk.length;
      }
      await sleep(5);
    }
    writing = false;
  })();
  let sampling = false;
  const sampler = setInterval(() => {
    if (sampling) return;
    sampling = true;
    const t = Date.now();
    void Promise.all([
      metric(o.agentMetrics, 'logship_agent_lines_produced_total').catch(() => NaN),
      metric(o.sinkMetrics, 'logship_sink_documents_created_total').catch(() => NaN),
    ]).then(([produced, indexed]) => {
      sampling = false;
      p.counts.push([Date.now(), produced, indexed]);
      const last = p.timeline.at(-1);
      if (!last || t - t0 - last.t >= 1000)
        p.timeline.push({ t: t - t0, written: p.offsets.length, produced, indexed, seen: p.seenAt.size });
    });
  }, 100);
  let low = 0; // index into offsets of the first line not yet seen
  let lastWrite = Date.now();
  const pollStart = Date.now();
  while (low < o.total) {
    if (writing) lastWrite = Date.now();
    else if (Date.now() - lastWrite > 30_000) break;
    if (low < p.offsets.length) {
      const r = await esJson<SearchHits>(
        'POST',
        `/${o.prefix}-*/_search?ignore_unavailable=true&allow_no_indices=true&filter_path=hits.hits.sort,hits.hits.fields`,
        {
          size: 10_000,
          _source: false,
          docvalue_fields: [{ field: 'event.created', format: 'epoch_millis' }],
          query: { range: { 'log.offset': { gte: p.offsets[low] } } },
          sort: [{ 'log.offset': 'asc' }],
        },
      ).catch((): SearchHits => ({}));
      const at = Date.now();
      p.polls++;
      for (const h of r.hits?.hits ?? []) {
        const off = Number(h.sort[0]);
        if (!p.seenAt.has(off)) {
          p.seenAt.set(off, at);
          p.readAt.set(off, Number(h.fields?.['event.created']?.[0]));
        }
      }
      while (low < p.offsets.length && p.seenAt.has(p.offsets[low])) low++;
    }
    await sleep(100);
  }
  p.pollMs = Date.now() - pollStart;
  clearInterval(sampler);
  await writer;
  return p;
}

export async function latencyBench(workDir: string, rate: number, seconds: number, log: (s: string) => void): Promise<LatencyResult> {
  const id = Date.now().toString(36);
  const dir = path.join(workDir, 'runs', `latency-${id}`);
  fs.mkdirSync(path.join(dir, 'logs'), { recursive: true });
  const topic = `bench-e2e-${id}`;
  const prefix = `bench-e2e-${id}`;
  const file = path.join(dir, 'logs', 'app.log');
  fs.writeFileSync(file, '');
  let agent: Child | undefined;
  let sink: Awaited<ReturnType<typeof runSinkProcess>> | undefined;
  const fd = fs.openSync(file, 'a');
  try {
    sink = await runSinkProcess(dir, { topic, prefix, group: `${prefix}-group` });
    const agentMetrics = await freeAddress();
    const cfg = agentConfig(dir, { topic, include: [path.join(dir, 'logs', '*.log')], metrics: agentMetrics });
    agent = start(process.execPath, [BIN, 'agent', '-c', cfg], { cwd: ROOT, env: childEnv() });
    await until('agent /healthz', () => fetch(`http://${agentMetrics}/healthz`).then((r) => (r.ok ? true : undefined)), {
      timeoutMs: 60_000,
      child: agent,
    });
    const common = { fd, pos: { v: 0 }, make: lineMaker(260, 11), rate, prefix, agentMetrics, sinkMetrics: sink.metrics };
    log(`e2e: warm-up, ${rate} lines/s for 3 s`);
    const warm = await phase({ ...common, total: rate * 3 });
    if (warm.seenAt.size < warm.offsets.length)
      throw new Error(`warm-up: only ${warm.seenAt.size} of ${warm.offsets.length} lines became searchable`);
    log(`e2e: measuring, ${rate} lines/s for ${seconds} s`);
    const p = await phase({ ...common, total: Math.round(rate * seconds) });
    const bulkSum = await metric(sink.metrics, 'logship_sink_bulk_latency_seconds_sum');
    const bulkCount = await metric(sink.metrics, 'logship_sink_bulk_latency_seconds_count');
    const produceSum = await metric(agentMetrics, 'logship_agent_produce_latency_seconds_sum');
    const produceCount = await metric(agentMetrics, 'logship_agent_produce_latency_seconds_count');
    const acked = counterLatencies(p, 1, warm.offsets.length);
    const indexed = counterLatencies(p, 2, warm.offsets.length);
    const lat: number[] = [];
    const toRead: number[] = [];
    const readToSeen: number[] = [];
    p.offsets.forEach((off, i) => {
      const s = p.seenAt.get(off);
      if (s === undefined) return;
      lat.push(s - p.written[i]);
      const r = p.readAt.get(off)!;
      toRead.push(r - p.written[i]);
      readToSeen.push(s - r);
    });
    for (const a of [lat, toRead, readToSeen]) a.sort((x, y) => x - y);
    return {
      rate,
      seconds,
      lines: p.offsets.length,
      seen: lat.length,
      missing: p.offsets.length - lat.length,
      p50Ms: percentile(lat, 50),
      p90Ms: percentile(lat, 90),
      p99Ms: percentile(lat, 99),
      maxMs: lat.at(-1) ?? NaN,
      writeToReadP50Ms: percentile(toRead, 50),
      writeToReadP99Ms: percentile(toRead, 99),
      readToSearchableP50Ms: percentile(readToSeen, 50),
      readToSearchableP99Ms: percentile(readToSeen, 99),
      writeToAckedP50Ms: percentile(acked, 50),
      writeToAckedP99Ms: percentile(acked, 99),
      writeToIndexedP50Ms: percentile(indexed, 50),
      writeToIndexedP99Ms: percentile(indexed, 99),
      pollIntervalMs: p.pollMs / Math.max(1, p.polls),
      sinkBulks: bulkCount,
      sinkBulkAvgMs: (bulkSum / Math.max(1, bulkCount)) * 1000,
      sinkBulkAvgDocs: (await metric(sink.metrics, 'logship_sink_documents_created_total')) / Math.max(1, bulkCount),
      agentProduceAvgMs: (produceSum / Math.max(1, produceCount)) * 1000,
      agentProduceAvgLines: (await metric(agentMetrics, 'logship_agent_lines_produced_total')) / Math.max(1, produceCount),
      achievedRate: p.offsets.length / ((p.written.at(-1)! - p.written[0]) / 1000 || 1),
      agentRssMb: procStats(agent.pid)?.hwmMb ?? 0,
      sinkRssMb: procStats(sink.pid)?.hwmMb ?? 0,
      timeline: p.timeline,
    };
  } finally {
    fs.closeSync(fd);
    await agent?.stop(5000);
    await sink?.stop(5000);
    await esDeletePrefix(prefix);
  }
}
