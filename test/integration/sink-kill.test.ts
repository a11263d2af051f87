// The sink killed with SIGKILL in the middle of its bulk requests, again and again, while events stream in: every
// event ends up in Elasticsearch exactly once (offsets are committed only past indexed records; re-deliveries are 409s).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEnv, waitFor, type Proc, type TestEnv } from '../support/helpers.js';
import { drained, expectExactlyOnce, metricOr0, startSink, streamEvents } from '../support/sink-helpers.js';

const KILLS = 10;

describe('sink: SIGKILL mid-bulk', () => {
  let env: TestEnv;
  let sink: Proc | undefined;

  beforeAll(() => {
    env = makeEnv('sink-kill', { sink: { bulk: { max_docs: 50, concurrency: 2, linger_ms: 20 }, session_timeout_ms: 6000 } });
  });

  afterAll(async () => {
    await sink?.stop('SIGKILL');
  });

  it(`killed with SIGKILL mid-bulk ${KILLS} times during a stream: every event indexed exactly once`, async () => {
    const t0 = Date.now();
    sink = await startSink(env.config);
    const stream = streamEvents(env.topic, 40, 100);
    const m = (name: string) => metricOr0(env.sinkMetrics, name);
    let midBulk = 0;
    let seenDup = 0;
    const kills: string[] = [];
    try {
      for (let k = 0; k < KILLS; k++) {
        if (k > 0) sink = await startSink(env.config);
        // Wait until this process is working: it has indexed something and has records in hand right now.
        await waitFor(
          `sink #${k + 1} indexing`,
          async () =>
            (await m('logship_sink_documents_created_total')) + (await m('logship_sink_documents_duplicate_total')) > 0 ? true : undefined,
          60_000,
          50,
        );
        await new Promise((r) => setTimeout(r, 300 + Math.random() * 1500));
        const inflight = await waitFor(
          `sink #${k + 1} with records in flight`,
          async () => {
            const n = await m('logship_sink_records_in_flight');
            return n > 0 ? n : undefined;
          },
          10_000,
          5,
        );
        const created = await m('logship_sink_documents_created_total');
        const dup = await m('logship_sink_documents_duplicate_total');
        sink.child.kill('SIGKILL');
        await sink.exited;
        midBulk++;
        seenDup += dup;
        kills.push(`#${k + 1}: ${inflight} in flight, ${created} created, ${dup} duplicates`);
      }
    } finally {
      await stream.stop();
    }
    const n = stream.events.length;
    sink = await startSink(env.config);
    await drained(env.group, env.topic, env.prefix, n, 90_000);
    const finalDup = await m('logship_sink_documents_duplicate_total');
    const summary = await expectExactlyOnce(
      env.prefix,
      stream.events.map((e) => e.event.id),
    );
    expect(midBulk).toBe(KILLS);
    // The kills did cut work short: records were delivered again and answered 409.
    expect(seenDup + finalDup).toBeGreaterThan(0);
    expect(await sink.stop('SIGTERM')).toBe(0);
    process.stderr.write(
      `[sink-kill] ${n} events streamed, ${KILLS} SIGKILLs with records in flight; ${summary}; duplicates seen ${seenDup} before the kills + ${finalDup} by the last sink; ${Date.now() - t0} ms\n` +
        kills.map((k) => `[sink-kill]   ${k}\n`).join(''),
    );
  }, 300_000);
});
