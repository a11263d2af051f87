// Elasticsearch stopped for 60 s under load (slow: about two minutes). The sink keeps its group membership (no
// rebalance loop), commits nothing while nothing can be indexed, and indexes everything once Elasticsearch is back.
// Acts on this run's stack instance (stack.sh with LOGSHIP_STACK_DIR / LOGSHIP_ES_PORT from the environment).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEnv, metricValue, waitFor, type Proc, type TestEnv } from '../support/helpers.js';
import {
  committedOffsets,
  drained,
  expectExactlyOnce,
  sinkAccounting,
  stackSh,
  startSink,
  streamEvents,
  topicEnds,
} from '../support/sink-helpers.js';

const OUTAGE_MS = Number(process.env.LOGSHIP_TEST_OUTAGE_MS ?? 60_000);

describe('sink: Elasticsearch stopped for 60 s under load', () => {
  let env: TestEnv;
  let sink: Proc | undefined;
  let esStopped = false;

  beforeAll(() => {
    env = makeEnv('sink-outage', {
      sink: { bulk: { max_docs: 500, concurrency: 2, linger_ms: 20 }, retry_initial_ms: 200, retry_max_ms: 5000 },
    });
  });

  afterAll(async () => {
    await sink?.stop('SIGKILL');
    if (sink) fs.writeFileSync(path.join(env.dir, 'sink.log'), sink.stderr());
    process.stderr.write(`[sink-outage] sink log: ${path.join(env.dir, 'sink.log')}\n`);
    if (esStopped) stackSh(['start-es']);
  });

  it('no offset committed during the outage, no rebalance, nothing lost, nothing twice', async () => {
    const t0 = Date.now();
    sink = await startSink(env.config);
    const m = (name: string, labels?: Record<string, string>) => metricValue(env.sinkMetrics, name, labels);
    const stream = streamEvents(env.topic, 20, 200, 'outage'); // ~100 events/s
    const samples: string[] = [];
    let frozen = new Map<number, string>();
    let retriedDuring!: number;
    let lagDuring!: number;
    try {
      await waitFor(
        'the sink indexing',
        async () => ((await m('logship_sink_documents_created_total')) > 200 ? true : undefined),
        60_000,
        100,
      );
      await waitFor('a first commit', async () => ((await m('logship_sink_commits_total')) > 0 ? true : undefined), 30_000, 100);

      stackSh(['stop-es']);
      esStopped = true;
      const stoppedAt = Date.now();
      // Whatever Elasticsearch answered before it went away may still be committed in the next moment; from then on
      // nothing can be indexed, so nothing may be committed.
      await new Promise((r) => setTimeout(r, 3000));
      frozen = await committedOffsets(env.group, env.topic);
      const retriedAtFreeze = await m('logship_sink_items_retried_total');
      while (Date.now() - stoppedAt < OUTAGE_MS) {
        await new Promise((r) => setTimeout(r, 5000));
        const now = await committedOffsets(env.group, env.topic);
        samples.push(`${Math.round((Date.now() - stoppedAt) / 1000)}s ${[...now.values()].join('/')}`);
        expect(Object.fromEntries(now)).toEqual(Object.fromEntries(frozen));
        const ready = await fetch(`http://${env.sinkMetrics}/readyz`);
        expect(ready.status).toBe(503);
      }
      retriedDuring = (await m('logship_sink_items_retried_total')) - retriedAtFreeze;
      const ends = await topicEnds(env.topic);
      lagDuring = [...ends].reduce((sum, [p, h]) => sum + Number(h) - Number(frozen.get(p) ?? 0), 0);
      expect(retriedDuring).toBeGreaterThan(0);
      expect(lagDuring).toBeGreaterThan(OUTAGE_MS / 100); // events kept coming and waited in Kafka
      // Heartbeats went on while the batches in hand were retried: the group did not drop the member.
      expect(await m('logship_sink_rebalances_total')).toBe(0);

      stackSh(['start-es']);
      esStopped = false;
      await waitFor(
        'the sink indexing again',
        async () => ((await fetch(`http://${env.sinkMetrics}/readyz`)).ok ? true : undefined),
        60_000,
        250,
      );
      await new Promise((r) => setTimeout(r, 3000));
    } finally {
      await stream.stop();
    }
    const n = stream.events.length;
    await drained(env.group, env.topic, env.prefix, n, 120_000);
    const summary = await expectExactlyOnce(
      env.prefix,
      stream.events.map((e) => e.event.id),
    );
    const rebalances = await m('logship_sink_rebalances_total');
    expect(rebalances).toBe(0);
    const dup = await m('logship_sink_documents_duplicate_total');
    const acc = await sinkAccounting(env.sinkMetrics);
    expect(acc.accounted).toBe(acc.consumed);
    const retryAll = await m('logship_sink_bulk_requests_total', { outcome: 'retry_all' });
    expect(await sink.stop('SIGTERM')).toBe(0);
    process.stderr.write(
      `[sink-outage] ${n} events streamed through a ${OUTAGE_MS / 1000} s Elasticsearch outage: committed offsets frozen at ${[...frozen.values()].join('/')} ` +
        `(samples ${samples.join(', ')}), lag ${lagDuring} at the end of the outage, ${retriedDuring} item retries and ${retryAll} failed bulk requests during it, ` +
        `${rebalances} rebalances, ${dup} duplicates; ${summary}; ${Date.now() - t0} ms\n`,
    );
  }, 300_000);
});
