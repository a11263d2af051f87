// The sink's exact dedup: events delivered twice (produced twice, or the whole topic replayed by a new group) are
// one document each, the 409s are counted, and SIGTERM commits what is done and leaves the group.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogEvent } from '../../common/event.js';
import { esCount, makeEnv, metricValue, waitFor, type Proc, type TestEnv } from '../support/helpers.js';
import {
  committedToEnd,
  deriveConfig,
  expectExactlyOnce,
  groupState,
  produceEvents,
  startSink,
  testEvent,
} from '../support/sink-helpers.js';

const N = 3000;

describe('sink: exact dedup by event id', () => {
  let env: TestEnv;
  let sink: Proc;
  const events: LogEvent[] = [];
  const ids = () => events.map((e) => e.event.id);

  beforeAll(async () => {
    env = makeEnv('sink-dedup', { sink: { bulk: { max_docs: 250, concurrency: 2 } } });
    for (let i = 0; i < N; i++) events.push(testEvent(`web-${i % 3}`, `dedup-${i % 5}`, i));
    sink = await startSink(env.config);
  });

  afterAll(async () => {
    await sink?.stop('SIGKILL');
  });

  it('the same events produced twice are one document each, and the 409s are counted', async () => {
    const t0 = Date.now();
    await produceEvents(env.topic, events);
    await waitFor('every event indexed', async () => (await esCount(env.prefix)) === N || undefined, 60_000, 250);
    await waitFor(
      'every event counted as created',
      async () => (await metricValue(env.sinkMetrics, 'logship_sink_documents_created_total')) === N || undefined,
    );
    expect(await metricValue(env.sinkMetrics, 'logship_sink_documents_duplicate_total')).toBe(0);

    await produceEvents(env.topic, events);
    await waitFor(
      'the second copies counted as duplicates',
      async () => (await metricValue(env.sinkMetrics, 'logship_sink_documents_duplicate_total')) === N || undefined,
      60_000,
      250,
    );
    const summary = await expectExactlyOnce(env.prefix, ids());
    expect(await metricValue(env.sinkMetrics, 'logship_sink_documents_created_total')).toBe(N);
    expect(await metricValue(env.sinkMetrics, 'logship_sink_records_consumed_total')).toBe(2 * N);
    // Everything done is committed: the group is at the end of every partition.
    await waitFor('offsets committed to the end', async () => (await committedToEnd(env.group, env.topic)).ok || undefined);
    process.stderr.write(`[sink-dedup] ${2 * N} records of ${N} events: ${summary}; duplicates counted ${N}; ${Date.now() - t0} ms\n`);
  });

  it('SIGTERM: the sink commits what is done, leaves the group at once, and exits 0', async () => {
    const t0 = Date.now();
    expect(await sink.stop('SIGTERM')).toBe(0);
    const stopMs = Date.now() - t0;
    // Left the group (not waiting for the session timeout to notice it is gone).
    const g = await groupState(env.group);
    expect(g.members).toBe(0);
    expect(g.state).toBe('Empty');
    expect((await committedToEnd(env.group, env.topic)).ok).toBe(true);
    process.stderr.write(
      `[sink-dedup] SIGTERM: exit 0 after ${stopMs} ms, group ${g.state} with ${g.members} members, offsets at the end\n`,
    );
  });

  it('a replay of the topic from offset 0 by a new consumer group leaves the document count unchanged', async () => {
    const cfg = deriveConfig(env, 'replay', { sink: { group_id: `${env.group}-replay` } });
    const t0 = Date.now();
    sink = await startSink(cfg);
    const metrics = sink.metrics;
    await waitFor(
      'the whole topic replayed',
      async () => (await metricValue(metrics, 'logship_sink_documents_duplicate_total')) === 2 * N || undefined,
      90_000,
      250,
    );
    expect(await metricValue(metrics, 'logship_sink_documents_created_total')).toBe(0);
    const summary = await expectExactlyOnce(env.prefix, ids());
    await waitFor(
      'the replay group committed to the end',
      async () => (await committedToEnd(`${env.group}-replay`, env.topic)).ok || undefined,
    );
    expect(await sink.stop('SIGTERM')).toBe(0);
    process.stderr.write(
      `[sink-dedup] replay of ${2 * N} records by a new group: 0 created, ${2 * N} duplicates; ${summary}; ${Date.now() - t0} ms\n`,
    );
  });
});
