// A day boundary during a replay: events either side of midnight, delivered, then the whole topic replayed
// from offset 0 by a new consumer group. The daily index comes from each event's own @timestamp, so every
// re-delivery lands in the index of its first copy: still one document each.
import { describe, expect, it } from 'vitest';
import { encodeEvent, eventId, EVENT_VERSION, type LogEvent } from '../../common/event.js';
import { esJson, logship, produce, waitFor } from '../support/helpers.js';
import { deriveConfig } from '../support/sink-helpers.js';
import { CI_SUBSET, chaosEnv, indexed, record, seedFor } from './harness.js';

describe('chaos: replays', () => {
  it.skipIf(CI_SUBSET)('a day boundary during a replay: one document per event, each in the index of its own day', async () => {
    const name = 'day boundary during a replay';
    const seed = seedFor(name);
    const t0 = Date.now();
    const env = chaosEnv('midnight');
    const midnight = Date.UTC(2026, 10, 27);
    const events: LogEvent[] = [];
    for (let i = 0; i < 2000; i++) {
      const ts = midnight - 1000 + i; // 1 s before to 1 s after midnight
      events.push({
        v: EVENT_VERSION,
        '@timestamp': new Date(ts).toISOString(),
        message: `midnight ${i}`,
        event: { id: eventId('midnight-host', 'midnight-source', i), created: new Date(ts).toISOString() },
        host: { name: 'midnight-host' },
        log: { offset: i },
        logship: { source: { type: 'file', name: 'm', identity: 'midnight-source' } },
      });
    }
    await produce(
      env.topic,
      events.map((e) => ({ key: e.host.name, value: encodeEvent(e) })),
    );
    // Re-delivered twice more by the producer side (a crashed agent re-sending).
    await produce(
      env.topic,
      events.slice(900, 1100).map((e) => ({ key: e.host.name, value: encodeEvent(e) })),
    );
    let sink = logship(['sink', '-c', env.config]);
    await waitFor('2000 documents', async () => ((await indexed(env.prefix)).total >= 2000 ? true : undefined), 120_000, 1000);
    expect(await sink.stop()).toBe(0);
    // The replay: a new group reads the topic from offset 0.
    const replay = deriveConfig(env, 'replay', { sink: { group_id: `${env.group}-replay` } });
    sink = logship(['sink', '-c', replay]);
    await waitFor(
      'replay consumed',
      async () => {
        const r = await fetch(`http://${env.sinkMetrics}/metrics`)
          .then((x) => x.text())
          .catch(() => '');
        const m = /^logship_sink_documents_duplicate_total (\S+)/m.exec(r);
        return m && Number(m[1]) >= 2200 ? true : undefined;
      },
      120_000,
      500,
    );
    expect(await sink.stop()).toBe(0);
    const all = await indexed(env.prefix);
    expect(all.total).toBe(2000);
    expect([...all.byMessage.values()].every((c) => c === 1)).toBe(true);
    const days = await esJson('GET', `/_cat/indices/${env.prefix}-*?format=json&h=index,docs.count`);
    const byIndex = Object.fromEntries(
      days.map((d: { index: string; 'docs.count': string }) => [d.index.slice(env.prefix.length + 1), Number(d['docs.count'])]),
    );
    expect(byIndex).toEqual({ '2026.11.26': 1000, '2026.11.27': 1000 });
    record({
      scenario: name,
      fault: 'events ±1 s around midnight, 200 re-sent, whole topic replayed by a new group',
      written: 2000,
      indexed: all.total,
      duplicates: 0,
      lost: 0,
      deadLettered: 0,
      kafkaDuplicates: 200,
      seed,
      seconds: Math.round((Date.now() - t0) / 1000),
      others: "Shippers that stamp events with the time they read them put a re-read line into the next day's index: a second document.",
    });
  });
});
