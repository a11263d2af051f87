// Two sinks in one consumer group; one is killed with SIGKILL mid-stream. The other takes its partitions over once the
// group notices (session timeout): nothing is lost, nothing is indexed twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEnv, metricValue, waitFor, type Proc, type TestEnv } from '../support/helpers.js';
import {
  createTopic,
  deriveConfig,
  drained,
  expectExactlyOnce,
  groupState,
  metricOr0,
  sinkAccounting,
  startSink,
  streamEvents,
} from '../support/sink-helpers.js';

describe('sink: two instances in one group', () => {
  let env: TestEnv;
  let a: Proc | undefined;
  let b: Proc | undefined;

  beforeAll(async () => {
    env = makeEnv('sink-takeover', {
      kafka: { topic_partitions: 4 },
      sink: { bulk: { max_docs: 50, concurrency: 2, linger_ms: 20 }, session_timeout_ms: 6000 },
    });
    await createTopic(env.topic, 4);
  });

  afterAll(async () => {
    await a?.stop('SIGKILL');
    await b?.stop('SIGKILL');
  });

  it('one killed with SIGKILL mid-stream: the other takes over, nothing lost, nothing indexed twice', async () => {
    const t0 = Date.now();
    a = await startSink(env.config);
    b = await startSink(deriveConfig(env, 'b', {}));
    // Two sinks of one env: each is asked through its own address (env.sinkMetrics is the one started last).
    const aMetrics = a.metrics;
    const bMetrics = b.metrics;
    const stream = streamEvents(env.topic, 40, 100, 'takeover');
    const created = (addr: string) => metricOr0(addr, 'logship_sink_documents_created_total');
    let killedWith!: number;
    let bBefore!: number;
    try {
      // Both members own partitions and index.
      await waitFor(
        'both sinks indexing',
        async () => ((await created(aMetrics)) > 0 && (await created(bMetrics)) > 0) || undefined,
        60_000,
        100,
      );
      expect((await groupState(env.group)).members).toBe(2);
      await new Promise((r) => setTimeout(r, 1000 + Math.random() * 1000));
      killedWith = await waitFor(
        'sink A with records in flight',
        async () => {
          const n = await metricOr0(aMetrics, 'logship_sink_records_in_flight');
          return n > 0 ? n : undefined;
        },
        10_000,
        5,
      );
      a.child.kill('SIGKILL');
      await a.exited;
      bBefore = await created(bMetrics);
      // B gets A's partitions once the group drops A (session timeout), and goes on while events keep coming.
      await waitFor(
        'the group down to sink B alone',
        async () => ((await groupState(env.group)).members === 1 ? true : undefined),
        30_000,
        250,
      );
      await new Promise((r) => setTimeout(r, 5000));
    } finally {
      await stream.stop();
    }
    const n = stream.events.length;
    await drained(env.group, env.topic, env.prefix, n, 90_000);
    const summary = await expectExactlyOnce(
      env.prefix,
      stream.events.map((e) => e.event.id),
    );
    // B owns all four partitions now.
    const joins = b
      .stderr()
      .split('\n')
      .filter((l) => l.includes('joined the consumer group'));
    const last = JSON.parse(joins[joins.length - 1]) as { assignment: Record<string, number[]> };
    expect(last.assignment[env.topic].sort()).toEqual([0, 1, 2, 3]);
    const bAfter = await created(bMetrics);
    const dup = await metricValue(bMetrics, 'logship_sink_documents_duplicate_total');
    const rebalances = await metricValue(bMetrics, 'logship_sink_rebalances_total');
    expect(rebalances).toBeLessThanOrEqual(3);
    const acc = await sinkAccounting(bMetrics);
    expect(acc.accounted).toBe(acc.consumed);
    expect(await b.stop('SIGTERM')).toBe(0);
    process.stderr.write(
      `[sink-takeover] ${n} events over 4 partitions; A killed with ${killedWith} records in flight; B created ${bBefore} before and ${bAfter - bBefore} after the kill, ` +
        `${dup} duplicates (A's uncommitted work), ${rebalances} rebalances, ${joins.length} joins, ${acc.abandoned} abandoned by the rebalance, accounting ${acc.consumed} = ${acc.accounted}; ${summary}; ${Date.now() - t0} ms\n`,
    );
  }, 240_000);
});
