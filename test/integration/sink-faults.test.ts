// Elasticsearch answers the real one will not give on demand, through a proxy in front of it: 413 for large bulk
// requests (the sink splits them), and bulk requests slower than the Kafka session timeout (the sink keeps its group
// membership: no rebalance).
import { afterEach, describe, expect, it } from 'vitest';
import type { LogEvent } from '../../common/event.js';
import { ES, esCount, makeEnv, metricValue, run, waitFor, type Proc } from '../support/helpers.js';
import {
  committedOffsets,
  committedToEnd,
  deriveConfig,
  drained,
  expectExactlyOnce,
  groupState,
  produceEvents,
  sinkAccounting,
  startSink,
  testEvent,
} from '../support/sink-helpers.js';
import { startEsProxy, type EsProxy } from '../support/es-proxy.js';

describe('sink: Elasticsearch faults through a proxy', () => {
  let sink: Proc | undefined;
  let proxy: EsProxy | undefined;
  const extra: Proc[] = [];

  afterEach(async () => {
    for (const p of extra.splice(0)) await p.stop('SIGKILL');
    await sink?.stop('SIGKILL');
    await proxy?.close();
    sink = undefined;
    proxy = undefined;
  });

  it('413: a bulk request that is too large is split until it fits; a lone document too large goes to the DLQ', async () => {
    const t0 = Date.now();
    const LIMIT = 16 * 1024;
    proxy = await startEsProxy((body) =>
      body.length > LIMIT
        ? {
            status: 413,
            body: {
              error: { type: 'content_too_long_exception', reason: `request body is too large (${body.length} > ${LIMIT})` },
              status: 413,
            },
          }
        : undefined,
    );
    const env = makeEnv('sink-413', { elasticsearch: { url: proxy.url }, sink: { bulk: { max_docs: 1000, concurrency: 2 } } });
    const events: LogEvent[] = [];
    for (let i = 0; i < 2000; i++) events.push(testEvent('big-1', 'split', i));
    const huge = testEvent('big-1', 'split', 1_000_000, { message: 'x'.repeat(LIMIT + 100) });
    sink = await startSink(env.config);
    await produceEvents(env.topic, [...events.slice(0, 1000), huge, ...events.slice(1000)]);
    await waitFor('every event indexed', async () => (await esCount(env.prefix)) === events.length || undefined, 60_000, 250);
    await waitFor(
      'the huge one dead-lettered',
      async () => (await metricValue(env.sinkMetrics, 'logship_sink_documents_dead_lettered_total')) === 1 || undefined,
    );
    await waitFor('offsets committed to the end', async () => (await committedToEnd(env.group, env.topic)).ok || undefined);
    const summary = await expectExactlyOnce(
      env.prefix,
      events.map((e) => e.event.id),
    );
    const splits = await metricValue(env.sinkMetrics, 'logship_sink_bulk_requests_total', { outcome: 'split' });
    expect(proxy.refused.length).toBeGreaterThan(0);
    expect(splits).toBeGreaterThan(0);
    expect(Math.max(...proxy.passed)).toBeLessThanOrEqual(LIMIT);
    const dlq = await run(['dlq', 'list', '--json', '-c', env.config]);
    const letters = dlq.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ stage: 'index', status: 413, event_id: huge.event.id });
    expect(await sink.stop('SIGTERM')).toBe(0);
    process.stderr.write(
      `[sink-faults] 413: ${proxy.refused.length} requests refused (largest ${Math.max(...proxy.refused)} B), ${splits} splits, ${proxy.passed.length} passed (largest ${Math.max(...proxy.passed)} B); ` +
        `${summary}; the ${huge.message.length} B event dead-lettered: ${letters[0].reason}; ${Date.now() - t0} ms\n`,
    );
  }, 120_000);

  it('bulk requests slower than the session timeout: the sink heartbeats meanwhile, no rebalance, everything committed', async () => {
    const t0 = Date.now();
    const DELAY = 9000;
    proxy = await startEsProxy(() => ({ delayMs: DELAY }));
    const env = makeEnv('sink-slow', {
      elasticsearch: { url: proxy.url, request_timeout_ms: 60_000 },
      sink: { bulk: { max_docs: 100, concurrency: 2 }, session_timeout_ms: 6000 },
    });
    const events: LogEvent[] = [];
    for (let i = 0; i < 400; i++) events.push(testEvent(`slow-${i % 4}`, 'slow', i));
    sink = await startSink(env.config);
    await produceEvents(env.topic, events);
    await waitFor('every event indexed', async () => (await esCount(env.prefix)) === events.length || undefined, 90_000, 500);
    await waitFor('offsets committed to the end', async () => (await committedToEnd(env.group, env.topic)).ok || undefined, 30_000);
    const summary = await expectExactlyOnce(
      env.prefix,
      events.map((e) => e.event.id),
    );
    const rebalances = await metricValue(env.sinkMetrics, 'logship_sink_rebalances_total');
    const dup = await metricValue(env.sinkMetrics, 'logship_sink_documents_duplicate_total');
    const joins = sink
      .stderr()
      .split('\n')
      .filter((l) => l.includes('joined the consumer group')).length;
    // Each request took longer than the session: without heartbeats meanwhile the group would have dropped the member.
    expect(rebalances).toBe(0);
    expect(joins).toBe(1);
    expect(dup).toBe(0);
    expect(await sink.stop('SIGTERM')).toBe(0);
    process.stderr.write(
      `[sink-faults] slow ES: ${proxy.passed.length} bulk requests of ${DELAY} ms each, session 6000 ms: ${rebalances} rebalances, ${joins} join, ${dup} duplicates; ${summary}; ${Date.now() - t0} ms\n`,
    );
  }, 150_000);

  it('SIGTERM with a bulk hanging: waits shutdown_grace_ms, abandons the rest, commits exactly what was indexed, leaves the group', async () => {
    const t0 = Date.now();
    const GRACE = 3000;
    let n = 0;
    // The first three bulk requests go through at once, the fourth hangs: SIGTERM finds three requests' worth of
    // documents indexed and (within the one-second commit cadence) not yet committed.
    proxy = await startEsProxy(() => (n++ < 3 ? undefined : { delayMs: 120_000 }));
    const env = makeEnv('sink-term', {
      elasticsearch: { url: proxy.url },
      sink: { bulk: { max_docs: 50, concurrency: 1 }, shutdown_grace_ms: GRACE },
    });
    const events: LogEvent[] = [];
    // One key: one partition, indexed in order, one request at a time, all in one batch.
    for (let i = 0; i < 1000; i++) events.push(testEvent('term-1', 'term', i));
    await produceEvents(env.topic, events);
    sink = await startSink(env.config);
    await waitFor('three bulk requests done and the fourth hanging', async () => (n >= 4 ? true : undefined), 60_000, 50);
    await new Promise((r) => setTimeout(r, 200));
    const t1 = Date.now();
    expect(await sink.stop('SIGTERM')).toBe(0);
    const stopMs = Date.now() - t1;
    // Waited for the grace period, not for the hanging request (aborted) nor the rest of the batch.
    expect(stopMs).toBeGreaterThanOrEqual(GRACE - 500);
    // Not the hanging request's 120 s (how long the exit itself takes on a loaded machine is not the point).
    expect(stopMs).toBeLessThan(60_000);
    expect(proxy.aborted.length + proxy.passed.length).toBeLessThanOrEqual(4);
    const indexed = await esCount(env.prefix);
    expect(indexed).toBe(150);
    // Everything Elasticsearch confirmed is committed, nothing beyond: the next owner starts right after it.
    const committed = await committedOffsets(env.group, env.topic);
    expect([...committed.values()].reduce((sum, o) => sum + Math.max(0, Number(o)), 0)).toBe(indexed);
    const g = await groupState(env.group);
    expect(g.members).toBe(0);
    await proxy.close();
    proxy = undefined;
    // The rest is indexed by the next sink (straight to Elasticsearch), without a single duplicate.
    const direct = deriveConfig(env, 'direct', { elasticsearch: { url: ES } });
    sink = await startSink(direct);
    await waitFor('every event indexed', async () => (await esCount(env.prefix)) === events.length || undefined, 60_000, 250);
    await waitFor('offsets committed to the end', async () => (await committedToEnd(env.group, env.topic)).ok || undefined);
    const summary = await expectExactlyOnce(
      env.prefix,
      events.map((e) => e.event.id),
    );
    expect(await metricValue(env.sinkMetrics, 'logship_sink_documents_duplicate_total')).toBe(0);
    expect(await sink.stop('SIGTERM')).toBe(0);
    process.stderr.write(
      `[sink-faults] SIGTERM mid-batch: exit 0 after ${stopMs} ms (grace ${GRACE} ms, one request hanging), ${indexed} indexed and committed, group ${g.state}; ` +
        `the next sink indexed the rest with 0 duplicates; ${summary}; ${Date.now() - t0} ms\n`,
    );
  }, 150_000);

  it('a rebalance while bulk requests hang: the member lets go at once (commits what is done, abandons the rest), the new one finishes', async () => {
    const t0 = Date.now();
    // Long enough that "B assigned in under DELAY / 2" tells letting go at once from waiting for the requests,
    // even when starting B takes seconds on a loaded machine.
    const DELAY = 60_000;
    proxy = await startEsProxy(() => ({ delayMs: DELAY }));
    const env = makeEnv('sink-rebal', {
      elasticsearch: { url: proxy.url, request_timeout_ms: 2 * DELAY },
      sink: { bulk: { max_docs: 50, concurrency: 2 } },
    });
    const events: LogEvent[] = [];
    for (let i = 0; i < 400; i++) events.push(testEvent(`rebal-${i % 5}`, 'rebal', i));
    await produceEvents(env.topic, events);
    const a = await startSink(env.config);
    extra.push(a);
    await waitFor(
      'sink A with bulk requests hanging',
      async () => ((await metricValue(a.metrics, 'logship_sink_records_in_flight')) > 0 ? true : undefined),
      30_000,
      100,
    );
    await new Promise((r) => setTimeout(r, 1500));
    // B joins: the group rebalances. A hears it on its next heartbeat, cancels its hanging requests and rejoins
    // without waiting for them (20 s) — its session stays alive all along, so the group does not wait for a timeout.
    const tJoin = Date.now();
    sink = await startSink(deriveConfig(env, 'b', {}));
    const bMetrics = sink.metrics;
    await waitFor(
      'B assigned partitions',
      async () => (sink!.stderr().includes('joined the consumer group') ? true : undefined),
      30_000,
      100,
    );
    const joinMs = Date.now() - tJoin;
    expect(joinMs).toBeLessThan(DELAY / 2);
    // From here on Elasticsearch answers at once: both members finish their partitions.
    proxy.setBulk(() => undefined);
    await drained(env.group, env.topic, env.prefix, events.length, DELAY + 90_000);
    const summary = await expectExactlyOnce(
      env.prefix,
      events.map((e) => e.event.id),
    );
    const accA = await sinkAccounting(a.metrics);
    const accB = await sinkAccounting(bMetrics);
    expect(accA.abandoned).toBeGreaterThan(0);
    expect(accA.accounted).toBe(accA.consumed);
    expect(accB.accounted).toBe(accB.consumed);
    expect(await metricValue(a.metrics, 'logship_sink_rebalances_total')).toBeGreaterThanOrEqual(1);
    expect(await a.stop('SIGTERM')).toBe(0);
    expect(await sink.stop('SIGTERM')).toBe(0);
    process.stderr.write(
      `[sink-faults] rebalance with requests hanging ${DELAY} ms: B assigned after ${joinMs} ms; A abandoned ${accA.abandoned} records (accounting ${accA.consumed} = ${accA.accounted}), ` +
        `${proxy.aborted.length} hanging requests cancelled; ${summary}; ${Date.now() - t0} ms\n`,
    );
  }, 300_000);
});
