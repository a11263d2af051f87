// The three-broker cluster the cluster scenarios run on (stack.sh up-cluster, beside this run's single node and
// sharing its Elasticsearch), what they ask of it (who leads a partition, who coordinates a group, is every
// replica in sync), and what they measure: the longest stall of the agent's acknowledged lines and of the sink's
// committed offsets, and the agent's RSS meanwhile. Results go to the main table (record) and to the cluster
// table of docs/RELIABILITY.md (recordCluster), between its markers.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { ROOT, metricValue, waitFor, type TestEnv } from '../support/helpers.js';
import { stackSh } from '../support/sink-helpers.js';
import { sleep } from '../support/sleep.js';
import { chaosEnv } from './harness.js';

const KAFKA_PORT = Number(process.env.LOGSHIP_KAFKA_PORT ?? 9092);
const CLUSTER_PORT = Number(process.env.LOGSHIP_CLUSTER_PORT ?? KAFKA_PORT + 20);
export const CLUSTER = [0, 1, 2].map((i) => `127.0.0.1:${CLUSTER_PORT + i}`);
/**
 * A cluster scenario's deadline: a killed broker's restart and catch-up took minutes on a loaded 2-core machine,
 * where a whole scenario ran past the chaos suite's 600 s (with nothing lost: 20430 lines, 20430 documents).
 */
export const CLUSTER_TEST_MS = 1_500_000;
/** Broker node ids are 1..3, broker N on CLUSTER[N-1]. */
export const BROKER_IDS = [1, 2, 3];

export function clusterUp() {
  stackSh(['up-cluster'], { LOGSHIP_STACK_TIMEOUT: process.env.LOGSHIP_STACK_TIMEOUT ?? '900' });
}
/**
 * stack.sh <cmd>-broker N, without blocking the event loop (a broker's start takes a minute on a busy machine, and
 * the writer, the rotation and the stall meter must go on meanwhile).
 */
export function broker(cmd: 'kill' | 'stop' | 'start' | 'freeze' | 'thaw', n: number): Promise<void> {
  return new Promise((resolve, reject) => {
    // A restarted node replays its log and catches up: minutes on a loaded 2-core machine.
    const env = { ...process.env, LOGSHIP_STACK_TIMEOUT: process.env.LOGSHIP_STACK_TIMEOUT ?? '900' };
    const c = spawn('bash', [path.join(ROOT, 'stack/stack.sh'), `${cmd}-broker`, String(n)], {
      env,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    c.on('error', reject);
    c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`stack.sh ${cmd}-broker ${n} failed (exit ${code})`))));
  });
}

export function clusterKafka() {
  return new Kafka({
    clientId: 'logship-test-cluster',
    brokers: CLUSTER,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    requestTimeout: 10_000,
    retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 },
  });
}

async function withAdmin<T>(fn: (a: ReturnType<Kafka['admin']>) => Promise<T>): Promise<T> {
  const admin = clusterKafka().admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export const partitionsOf = (topic: string) =>
  withAdmin(async (a) => (await a.fetchTopicMetadata({ topics: [topic] })).topics[0]?.partitions ?? []);

export const topicEnds = (topic: string) =>
  withAdmin(async (a) => new Map((await a.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)])));

export const committed = (group: string, topic: string) =>
  withAdmin(async (a) => {
    const r = await a.fetchOffsets({ groupId: group, topics: [topic] });
    return (r[0]?.partitions ?? []).reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
  });

/** The one partition the agent writes to (its key is the host name): the one with records. */
export async function agentPartition(topic: string): Promise<number> {
  const ends = await topicEnds(topic);
  const used = [...ends].filter(([, h]) => h > 0).map(([p]) => p);
  if (used.length !== 1) throw new Error(`expected the agent's records in one partition of ${topic}, found them in ${used.join(',')}`);
  return used[0];
}

export async function leaderOf(topic: string, partition: number): Promise<number> {
  const p = (await partitionsOf(topic)).find((x) => x.partitionId === partition);
  if (!p || p.leader < 0) throw new Error(`${topic}-${partition} has no leader`);
  return p.leader;
}

/** Kafka's rule: the coordinator of a group leads __consumer_offsets partition abs(hashCode(group)) % partitions. */
export async function coordinatorOf(group: string): Promise<number> {
  let h = 0;
  for (const c of group) h = (Math.imul(h, 31) + c.charCodeAt(0)) | 0;
  const parts = await partitionsOf('__consumer_offsets');
  return leaderOf('__consumer_offsets', (h & 0x7fffffff) % parts.length);
}

/** Waits until every partition of the topics has all three replicas in sync (a restarted broker rejoined). */
export async function waitInSync(topics: string[], timeoutMs = 600_000) {
  await waitFor(
    `every replica of ${topics.join(', ')} in sync`,
    async () => {
      for (const t of topics) {
        const ps = await partitionsOf(t).catch(() => []);
        if (ps.length === 0 || ps.some((p) => p.isr.length < p.replicas.length || p.leader < 0)) return undefined;
      }
      return true;
    },
    timeoutMs,
    1000,
  );
}

export function clusterEnv(name: string, extra: Record<string, unknown> = {}): TestEnv {
  return chaosEnv(`cluster-${name}`, {
    kafka: { brokers: CLUSTER, topic_partitions: 2, topics: { replication_factor: 3, min_insync_replicas: 2 } },
    ...extra,
  });
}

export function rssMiB(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

/**
 * Samples, every 500 ms until stopped, the agent's acknowledged lines (lines_produced_total: counted once Kafka
 * acknowledged them with acks=-1) and the sink's committed offsets; the longest stall of each is the longest time
 * either stayed the same, and the agent's RSS is kept at its highest during the agent's longest stall.
 */
export class StallMeter {
  private timer?: NodeJS.Timeout;
  private busy = false;
  private agent = { last: -1, since: Date.now(), longest: 0, rssNow: 0, rssInStall: 0 };
  private sink = { last: -1, since: Date.now(), longest: 0 };
  /** The agent's first acknowledgement after `markFault()`: how long producing took to resume. */
  resumedAfterMs?: number;
  private faultAt?: number;
  constructor(
    private env: TestEnv,
    private pid: () => number | undefined,
  ) {}
  start() {
    this.timer = setInterval(() => void this.sample(), 500);
  }
  markFault() {
    this.faultAt = Date.now();
    this.resumedAfterMs = undefined;
  }
  private async sample() {
    if (this.busy) return;
    this.busy = true;
    try {
      const now = Date.now();
      const acked = await metricValue(this.env.agentMetrics, 'logship_agent_lines_produced_total').catch(() => this.agent.last);
      const rss = this.pid() ? rssMiB(this.pid()!) : 0;
      if (acked !== this.agent.last) {
        if (this.faultAt !== undefined && this.resumedAfterMs === undefined && this.agent.last >= 0)
          this.resumedAfterMs = now - this.faultAt;
        this.agent.last = acked;
        this.agent.since = now;
        this.agent.rssNow = rss;
      } else {
        this.agent.rssNow = Math.max(this.agent.rssNow, rss);
        if (now - this.agent.since > this.agent.longest) {
          this.agent.longest = now - this.agent.since;
          this.agent.rssInStall = this.agent.rssNow;
        }
      }
      const c = await committed(this.env.group, this.env.topic).catch(() => this.sink.last);
      if (c !== this.sink.last) {
        this.sink.last = c;
        this.sink.since = now;
      } else this.sink.longest = Math.max(this.sink.longest, now - this.sink.since);
    } finally {
      this.busy = false;
    }
  }
  get acked() {
    return this.agent.last;
  }
  async stop() {
    if (this.timer) clearInterval(this.timer);
    while (this.busy) await sleep(50);
    return { agentStallMs: this.agent.longest, sinkStallMs: this.sink.longest, agentRssMiB: this.agent.rssInStall };
  }
}

export interface ClusterVerdict {
  scenario: string;
  written: number;
  lost: number;
  duplicates: number;
  resent: number;
  reordered: number;
  agentStallS: number;
  sinkStallS: number;
  agentRssMiB: number;
  resumedS: string;
  seconds: number;
}

const RESULTS = path.resolve(import.meta.dirname, '../../docs/.chaos-cluster-results.json');
const DOC = path.resolve(import.meta.dirname, '../../docs/RELIABILITY.md');
const BEGIN = '<!-- cluster results: written by test/chaos/cluster*.test.ts -->';
const END = '<!-- cluster results end -->';

/** Rewrites the cluster table of docs/RELIABILITY.md (between its markers, in the hand-kept part) with this result. */
export function recordCluster(v: ClusterVerdict) {
  let all: ClusterVerdict[] = [];
  try {
    all = JSON.parse(fs.readFileSync(RESULTS, 'utf8'));
  } catch {
    /* first */
  }
  all = [...all.filter((x) => x.scenario !== v.scenario), v];
  fs.writeFileSync(RESULTS, JSON.stringify(all, null, 2));
  const rows = all.map(
    (r) =>
      `| ${r.scenario} | ${r.written} | ${r.lost} | ${r.duplicates} | ${r.resent} | ${r.reordered} | ${r.agentStallS} | ${r.sinkStallS} | ${r.agentRssMiB} | ${r.resumedS} | ${r.seconds} |`,
  );
  const table = [
    BEGIN,
    '| scenario | lines written | lost | duplicate documents | re-sent to Kafka | out of order in Kafka | longest stall of acked lines (s) | longest stall of committed offsets (s) | agent RSS in that stall (MiB) | producing again after the fault (s) | run (s) |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `Last cluster run: ${new Date().toISOString()}.`,
    END,
  ].join('\n');
  const doc = fs.readFileSync(DOC, 'utf8');
  const a = doc.indexOf(BEGIN);
  const b = doc.indexOf(END);
  if (a < 0 || b < 0) throw new Error(`docs/RELIABILITY.md has no cluster table markers (${BEGIN})`);
  fs.writeFileSync(DOC, doc.slice(0, a) + table + doc.slice(b + END.length));
}
