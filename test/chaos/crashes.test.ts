// Crash and outage scenarios. `[ci]` scenarios also run in .ci/run (CHAOS_SUBSET=ci).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { metricValue, ROOT, waitFor } from '../support/helpers.js';
import { fixInclude } from '../support/agent-harness.js';
import { rng } from '../support/rng.js';
import { sleep } from '../support/sleep.js';
import {
  CI_SUBSET,
  Pipeline,
  Writer,
  chaosEnv,
  expectBalanced,
  expectFreshLineSearchable,
  kafkaDuplicates,
  record,
  seedFor,
  verifyExactlyOnce,
} from './harness.js';

const STACK = path.join(ROOT, 'stack/stack.sh');
/** The agent's memory while Kafka is away, with the default max_inflight_bytes (16 MiB): what it holds is bounded. */
const AGENT_RSS_BOUND_MIB = 200;

function rssMiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : 0;
}

function logrotate(dir: string, file: string, mode: 'create' | 'copytruncate') {
  const conf = path.join(dir, `logrotate-${mode}.conf`);
  fs.writeFileSync(conf, `${file} {\n  rotate 100\n  missingok\n  notifempty\n  nocompress\n  ${mode}\n}\n`);
  const r = spawnSync('logrotate', ['-f', '-s', path.join(dir, 'logrotate.state'), conf], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`logrotate failed: ${r.stderr}`);
}

async function agentKillScenario(mode: 'create' | 'copytruncate') {
  const name = `agent SIGKILL + logrotate ${mode}`;
  const seed = seedFor(name);
  const rand = rng(seed);
  const t0 = Date.now();
  const env = chaosEnv(`kill-${mode}`, { agent: { files: { include: ['__LOGS__/app.log*'] } } });
  fixInclude(env);
  const file = path.join(env.logs, 'app.log');
  const p = new Pipeline(env);
  p.startSink();
  await p.startAgent().started(60_000);
  const w = new Writer(file, `kill-${mode}`);
  w.writeBatch(100);
  w.start(10, 10);
  const until = Date.now() + (CI_SUBSET ? 15_000 : 40_000);
  let kills = 0;
  let rotations = 0;
  let nextRotate = Date.now() + 2000;
  while (Date.now() < until) {
    await sleep(500 + rand() * 2000);
    await p.killAgent();
    kills++;
    if (Date.now() > nextRotate || rand() < 0.3) {
      logrotate(env.dir, file, mode); // while the agent is down, sometimes
      rotations++;
      nextRotate = Date.now() + 2000 + rand() * 2000;
    }
    await sleep(100 + rand() * 700);
    // The time until the next kill counts from the agent's start line, not from the spawn: under load a spawn can
    // take seconds to start reading, and kills that always land before it would leave nothing re-sent to prove.
    await p.startAgent().started(60_000);
    await sleep(300 + rand() * 1000);
    if (rand() < 0.5) {
      logrotate(env.dir, file, mode); // and while it runs
      rotations++;
    }
  }
  w.stop();
  const v = await verifyExactlyOnce(env, w.written, { timeoutMs: 180_000 });
  const dup = await kafkaDuplicates(env);
  expect(dup, 'a crash must have made the agent re-send something').toBeGreaterThan(0);
  await expectBalanced(env);
  const fresh = await expectFreshLineSearchable(env, file);
  await p.stop();
  record({
    scenario: name,
    fault: `agent kill -9 ×${kills}, ${rotations} rotations (logrotate ${mode})`,
    written: w.written.length,
    indexed: v.indexed,
    duplicates: v.duplicates,
    lost: v.lost,
    deadLettered: 0,
    kafkaDuplicates: dup,
    seed,
    seconds: Math.round((Date.now() - t0) / 1000),
    others:
      mode === 'copytruncate'
        ? 'Filebeat, Fluent Bit and Vector document copytruncate as lossy: lines written between the last read and the truncation are lost unless the copy is also read, which then duplicates them.'
        : 'Filebeat and Vector keep reading a renamed file through its open handle; a crash before the registry/checkpoint flush re-sends (duplicates in the index unless ids are set).',
  });
  process.stderr.write(
    `[chaos] ${name}: ${w.written.length} lines, ${kills} kills, ${rotations} rotations, ${dup} re-sent, fresh line in ${fresh} ms\n`,
  );
}

describe('chaos: crashes', () => {
  it('[ci] agent killed with SIGKILL at random moments while lines are written and rotated by logrotate (rename + create)', () =>
    agentKillScenario('create'));

  it('[ci] agent killed with SIGKILL at random moments while lines are written and rotated by logrotate (copytruncate)', () =>
    agentKillScenario('copytruncate'));

  it('[ci] sink killed with SIGKILL mid-bulk, repeatedly', async () => {
    const name = 'sink SIGKILL mid-bulk';
    const seed = seedFor(name);
    const rand = rng(seed);
    const t0 = Date.now();
    // Big bulks at a high rate: most kills land between a bulk and its commit, which is what this is about.
    const env = chaosEnv('sinkkill', { sink: { bulk: { max_docs: 2000, concurrency: 1 }, session_timeout_ms: 6000 } });
    const file = path.join(env.logs, 'app.log');
    const p = new Pipeline(env);
    p.startAgent();
    p.startSink();
    const w = new Writer(file, 'sinkkill');
    w.start(40, 10);
    let kills = 0;
    let redelivered = 0;
    const until = Date.now() + (CI_SUBSET ? 15_000 : 40_000);
    while (Date.now() < until) {
      // A killed member stays in the group until its session times out, so the successor gets partitions only
      // then. Wait until it is indexing (a backlog built meanwhile), then kill it mid-bulk: its own successor
      // must meet documents it already created (409s).
      await waitFor(
        'sink indexing',
        async () => (await metricValue(env.sinkMetrics, 'logship_sink_documents_created_total')) > 0 || undefined,
        60_000,
        100,
      );
      await sleep(100 + rand() * 400);
      redelivered += await metricValue(env.sinkMetrics, 'logship_sink_documents_duplicate_total').catch(() => 0);
      await p.killSink();
      kills++;
      await sleep(rand() * 300);
      p.startSink();
    }
    w.stop();
    const v = await verifyExactlyOnce(env, w.written, { timeoutMs: 180_000 });
    await sleep(1000);
    redelivered += await metricValue(env.sinkMetrics, 'logship_sink_documents_duplicate_total');
    expect(redelivered, 'a killed sink must have left re-deliveries (409s) to its successor').toBeGreaterThan(0);
    await expectBalanced(env);
    await expectFreshLineSearchable(env, file);
    await p.stop();
    record({
      scenario: name,
      fault: `sink kill -9 ×${kills}`,
      written: w.written.length,
      indexed: v.indexed,
      duplicates: v.duplicates,
      lost: v.lost,
      deadLettered: 0,
      kafkaDuplicates: redelivered,
      seed,
      seconds: Math.round((Date.now() - t0) / 1000),
      others:
        "Logstash's Kafka input commits offsets before events are indexed (loss on crash); Kafka Connect ES sink re-delivers and, without document ids, indexes twice.",
    });
  });

  it("[ci] Kafka stopped for longer than the clients' timeouts, then started", async () => {
    const name = 'Kafka stopped, then started';
    const seed = seedFor(name);
    const t0 = Date.now();
    const env = chaosEnv('kafkadown', { kafka: { request_timeout_ms: 5000, connection_timeout_ms: 2000 } });
    const file = path.join(env.logs, 'app.log');
    const p = new Pipeline(env);
    p.startSink();
    p.startAgent();
    const w = new Writer(file, 'kafkadown');
    w.start(10, 10);
    await sleep(3000);
    const down = spawnSync('bash', [STACK, 'stop-kafka'], { encoding: 'utf8' });
    expect(down.status).toBe(0);
    // Issue 3: 60 s under load (1000 lines/s: the default 16 MiB in flight fills after about 35 s), with the
    // agent's resident memory sampled every second against a stated bound.
    const outage = CI_SUBSET ? 20_000 : 60_000;
    const rss: number[] = [];
    const until = Date.now() + outage;
    while (Date.now() < until) {
      await sleep(1000);
      rss.push(rssMiB(p.agent!.child.pid!));
    }
    const maxRss = Math.max(...rss);
    // How much the agent holds for Kafka at the end of the outage (bounded by max_inflight_bytes, plus one read).
    const heldMiB = Math.round((await metricValue(env.agentMetrics, 'logship_agent_unacked_bytes')) / 1048576);
    expect(maxRss, `agent RSS during the outage (MiB, sampled each second): ${rss.join(' ')}`).toBeLessThan(AGENT_RSS_BOUND_MIB);
    const ready = await fetch(`http://${env.agentMetrics}/readyz`);
    expect(ready.status, 'agent not ready while Kafka is away').toBe(503);
    const up = spawnSync('bash', [STACK, 'start-kafka'], { encoding: 'utf8' });
    expect(up.status, up.stderr).toBe(0);
    await sleep(3000);
    w.stop();
    const v = await verifyExactlyOnce(env, w.written, { timeoutMs: 240_000 });
    await waitFor(
      'agent ready again',
      () =>
        fetch(`http://${env.agentMetrics}/readyz`)
          .then((r) => r.status === 200)
          .catch(() => false),
      60_000,
    );
    await expectBalanced(env);
    await expectFreshLineSearchable(env, file);
    const dup = await kafkaDuplicates(env);
    await p.stop();
    record({
      scenario: name,
      fault: `Kafka down ${outage / 1000} s (client timeouts 5 s); agent held ${heldMiB} MiB unacknowledged, RSS max ${maxRss} MiB (bound ${AGENT_RSS_BOUND_MIB})`,
      written: w.written.length,
      indexed: v.indexed,
      duplicates: v.duplicates,
      lost: v.lost,
      deadLettered: 0,
      kafkaDuplicates: dup,
      seed,
      seconds: Math.round((Date.now() - t0) / 1000),
      others:
        "Fluent Bit drops chunks after its retry limit; Vector's memory buffer drops or blocks by config; Filebeat blocks and resumes.",
    });
  });

  it.skipIf(CI_SUBSET)('Kafka paused with SIGSTOP for 30 s', async () => {
    const name = 'Kafka SIGSTOP 30 s';
    const seed = seedFor(name);
    const t0 = Date.now();
    const env = chaosEnv('kafkastop');
    const file = path.join(env.logs, 'app.log');
    const p = new Pipeline(env);
    p.startSink();
    p.startAgent();
    const w = new Writer(file, 'kafkastop');
    w.start(10, 10);
    await sleep(3000);
    const stackDir = process.env.LOGSHIP_STACK_DIR ?? '/var/tmp/logship-stack';
    const pid = fs.readFileSync(path.join(stackDir, 'run/kafka.pid'), 'utf8').trim();
    process.kill(Number(pid), 'SIGSTOP');
    await sleep(30_000);
    process.kill(Number(pid), 'SIGCONT');
    await sleep(3000);
    w.stop();
    const v = await verifyExactlyOnce(env, w.written, { timeoutMs: 240_000 });
    await expectBalanced(env);
    await expectFreshLineSearchable(env, file);
    const dup = await kafkaDuplicates(env);
    await p.stop();
    record({
      scenario: name,
      fault: 'Kafka frozen 30 s (SIGSTOP)',
      written: w.written.length,
      indexed: v.indexed,
      duplicates: v.duplicates,
      lost: v.lost,
      deadLettered: 0,
      kafkaDuplicates: dup,
      seed,
      seconds: Math.round((Date.now() - t0) / 1000),
      others: 'A frozen broker looks like a slow one: clients time out and retry; shippers with bounded retries drop.',
    });
  });
});
