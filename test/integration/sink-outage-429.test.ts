// Per-item 429s from a real Elasticsearch (slow: restarts it twice). This run's Elasticsearch is restarted with a
// write queue of 1, and the sink sends many small bulk requests at once, each spanning several daily indices: the
// answers are HTTP 200 with errors: true, some items 201 and some 429. Only the refused items are sent again, until
// every one is indexed. The normal queue size is restored afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogEvent } from '../../common/event.js';
import { esCount, esJson, makeEnv, metricValue, waitFor, type Proc, type TestEnv } from '../support/helpers.js';
import { committedToEnd, createTopic, expectExactlyOnce, produceEvents, stackSh, startSink, testEvent } from '../support/sink-helpers.js';

async function writeRejections(): Promise<number> {
  const r = await esJson('GET', '/_nodes/stats/thread_pool?filter_path=nodes.*.thread_pool.write');
  return Object.values(r.nodes as Record<string, { thread_pool: { write: { rejected: number } } }>).reduce(
    (s, n) => s + n.thread_pool.write.rejected,
    0,
  );
}

describe('sink: per-item 429s from a write queue of 1', () => {
  let env: TestEnv;
  let sink: Proc | undefined;

  beforeAll(async () => {
    stackSh(['stop-es']);
    stackSh(['start-es'], { LOGSHIP_ES_WRITE_QUEUE_SIZE: '1' });
    const settings = await esJson('GET', '/_nodes/settings?filter_path=**.thread_pool.write');
    expect(JSON.stringify(settings)).toContain('"queue_size":"1"');
    env = makeEnv('sink-429', {
      kafka: { topic_partitions: 4 },
      sink: { bulk: { max_docs: 40, concurrency: 4, linger_ms: 20 }, retry_initial_ms: 50, retry_max_ms: 1000 },
    });
    await createTopic(env.topic, 4);
  }, 300_000);

  afterAll(async () => {
    await sink?.stop('SIGKILL');
    stackSh(['stop-es']);
    stackSh(['start-es']);
  }, 300_000);

  it('every item refused with 429 is retried alone and indexed once', async () => {
    const t0 = Date.now();
    const rejectedBefore = await writeRejections();
    const events: LogEvent[] = [];
    // Four daily indices in every bulk request: Elasticsearch runs one shard request per index, and with a queue of
    // 1 refuses some of them while others go through, so one response mixes 201s and 429s.
    for (let i = 0; i < 3000; i++) events.push(testEvent(`q-${i % 8}`, 'queue', i, { dayOffset: i % 4 }));
    await produceEvents(env.topic, events);
    sink = await startSink(env.config);
    await waitFor('every event indexed', async () => (await esCount(env.prefix)) === events.length || undefined, 120_000, 500);
    await waitFor('offsets committed to the end', async () => (await committedToEnd(env.group, env.topic)).ok || undefined, 30_000);
    const summary = await expectExactlyOnce(
      env.prefix,
      events.map((e) => e.event.id),
    );
    const m = (name: string, labels?: Record<string, string>) => metricValue(env.sinkMetrics, name, labels);
    const retried = await m('logship_sink_items_retried_total');
    const retriedAlone = await m('logship_sink_items_retried_total', { scope: 'item' });
    const created = await m('logship_sink_documents_created_total');
    const dup = await m('logship_sink_documents_duplicate_total');
    const perItem = await m('logship_sink_bulk_requests_total', { outcome: 'per_item' });
    const retryAll = await m('logship_sink_bulk_requests_total', { outcome: 'retry_all' });
    const rejected = (await writeRejections()) - rejectedBefore;
    expect(rejected).toBeGreaterThan(0);
    // Items refused one by one inside HTTP 200 answers (errors: true), not only whole requests refused.
    expect(retriedAlone).toBeGreaterThan(0);
    // Only refused items were sent again: an item that had been created and was re-sent would answer 409.
    expect(created).toBe(events.length);
    expect(dup).toBe(0);
    expect(await m('logship_sink_documents_dead_lettered_total')).toBe(0);
    expect(await sink.stop('SIGTERM')).toBe(0);
    process.stderr.write(
      `[sink-429] ${events.length} events over 4 daily indices, write queue 1: Elasticsearch rejected ${rejected} shard writes; ${retried} item retries (${retriedAlone} refused alone in a 200 answer), ` +
        `${perItem} bulk answers read per item, ${retryAll} retried whole; ${created} created, ${dup} duplicates; ${summary}; ${Date.now() - t0} ms\n`,
    );
  }, 240_000);
});
