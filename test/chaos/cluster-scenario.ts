// One cluster scenario: agent and sink on the three-broker cluster, numbered lines written and rotated (renamed
// every few seconds, a new file started) the whole time, a fault, then the oracle of the chaos suite: every line
// indexed exactly once, accounting balanced, a fresh line searchable; with the stall figures of StallMeter.
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { metricValue, waitFor, type TestEnv } from '../support/helpers.js';
import { sleep } from '../support/sleep.js';
import { Pipeline, Writer, expectBalanced, expectFreshLineSearchable, record, scenario, verifyExactlyOnce } from './harness.js';
import { StallMeter, clusterEnv, clusterKafka, clusterUp, recordCluster, waitInSync } from './cluster-harness.js';

export interface FaultContext {
  env: TestEnv;
  p: Pipeline;
  meter: StallMeter;
  w: Writer;
  /** What the fault tells the table, e.g. "leader 2 of t-...-1 killed". */
  notes: string[];
}

/**
 * Records that reached the topic more than once (same event id), and records that came in a partition after a
 * later line of the same source (a first copy, not a re-send): what a retry that overtook another batch leaves.
 */
async function resent(topic: string): Promise<{ resent: number; reordered: number }> {
  const k = clusterKafka();
  const admin = k.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
  await admin.disconnect();
  let want = [...ends.values()].reduce((a, b) => a + b, 0n);
  const ids = new Map<string, number>();
  const highest = new Map<string, number>();
  let reordered = 0;
  if (want === 0n) return { resent: 0, reordered: 0 };
  const consumer = k.consumer({ groupId: `reader-${process.pid}-${Date.now()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`read ${want} records short of the end of ${topic}`)), 120_000);
    consumer
      .run({
        eachMessage: async ({ partition, message }) => {
          if (BigInt(message.offset) >= (ends.get(partition) ?? 0n)) return;
          const e = JSON.parse(message.value!.toString());
          const id = e.event.id as string;
          const src = `${partition}/${e.logship.source.identity}`;
          if (!ids.has(id) && e.log.offset < (highest.get(src) ?? -1)) reordered++;
          highest.set(src, Math.max(highest.get(src) ?? -1, e.log.offset));
          ids.set(id, (ids.get(id) ?? 0) + 1);
          if (--want === 0n) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return { resent: [...ids.values()].reduce((a, c) => a + (c > 1 ? c - 1 : 0), 0), reordered };
}

export async function clusterScenario(name: string, fault: (c: FaultContext) => Promise<void>, opts: { writeMs?: number } = {}) {
  clusterUp();
  const sc = scenario(`cluster: ${name}`);
  const env = clusterEnv(name.replace(/[^a-z0-9]+/gi, '-').slice(0, 20));
  const p = new Pipeline(env);
  p.startSink();
  p.startAgent();
  const dir = env.logs;
  const file = path.join(dir, 'app.log');
  const w = new Writer(file, sc.name.replace(/\s+/g, '_'));
  w.start(2, 10);
  let rotations = 0;
  const rotator = setInterval(() => {
    if (fs.existsSync(file)) fs.renameSync(file, path.join(dir, `app-${++rotations}.log`));
  }, 5000);
  const meter = new StallMeter(env, () => p.agent?.child.pid);
  const notes: string[] = [];
  try {
    await waitFor(
      'a first commit of the sink',
      async () => ((await metricValue(env.sinkMetrics, 'logship_sink_commits_total').catch(() => 0)) > 0 ? true : undefined),
      // The first group of a fresh cluster also creates __consumer_offsets (RF 3), on a loaded machine.
      300_000,
      250,
    );
    // Every replica in sync before the fault (a previous scenario's restarted broker may still be catching up).
    await waitInSync([env.topic, '__consumer_offsets']);
    meter.start();
    await sleep(3000);
    await fault({ env, p, meter, w, notes });
    await sleep(opts.writeMs ?? 5000);
  } finally {
    w.stop();
    clearInterval(rotator);
  }
  const figures = await meter.stop();
  await waitInSync([env.topic, '__consumer_offsets']);
  const v = await verifyExactlyOnce(env, w.written, { timeoutMs: 300_000 });
  await expectBalanced(env);
  await expectFreshLineSearchable(env, file);
  const { resent: dup, reordered } = await resent(env.topic);
  await p.stop();
  expect(v.lost, 'lost lines').toBe(0);
  expect(v.duplicates, 'duplicate documents').toBe(0);
  const s = (ms: number) => Math.round(ms / 100) / 10;
  const verdict = {
    scenario: name,
    written: w.written.length,
    lost: v.lost,
    duplicates: v.duplicates,
    resent: dup,
    reordered,
    agentStallS: s(figures.agentStallMs),
    sinkStallS: s(figures.sinkStallMs),
    agentRssMiB: figures.agentRssMiB,
    resumedS: meter.resumedAfterMs === undefined ? '-' : String(s(meter.resumedAfterMs)),
    seconds: sc.seconds(),
  };
  process.stderr.write(`[chaos] ${sc.name}: ${JSON.stringify(verdict)} ${notes.join('; ')}\n`);
  recordCluster(verdict);
  record({
    scenario: sc.name,
    fault: `${name} (three brokers, RF 3, min.insync.replicas 2; ${rotations} rotations; ${notes.join('; ')}); longest stall: acked lines ${verdict.agentStallS} s, committed offsets ${verdict.sinkStallS} s`,
    written: w.written.length,
    indexed: v.indexed,
    duplicates: v.duplicates,
    lost: v.lost,
    deadLettered: 0,
    kafkaDuplicates: dup,
    seed: sc.seed,
    seconds: sc.seconds(),
    others:
      'Filebeat, Fluent Bit and Vector (librdkafka / rdkafka) retry NOT_LEADER_OR_FOLLOWER and NOT_ENOUGH_REPLICAS after a metadata refresh; with acks=all nothing acknowledged is lost.',
  });
  return verdict;
}
