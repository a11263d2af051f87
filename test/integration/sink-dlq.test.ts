// Dead letters: records the sink cannot decode and documents Elasticsearch refuses go to the DLQ topic with the
// reason, the rest is indexed, the partition moves on; `logship dlq list` shows them and `logship dlq replay` sends
// the originals back to the main topic.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeEvent, type LogEvent } from '../../common/event.js';
import type { DeadLetter } from '../../sink/dead-letter.js';
import { esCount, kafka, makeEnv, metricValue, readTopic, run, waitFor, type Proc, type TestEnv } from '../support/helpers.js';
import { committedToEnd, expectExactlyOnce, startSink, testEvent } from '../support/sink-helpers.js';

interface Bad {
  name: string;
  stage: 'decode' | 'index';
  reason: RegExp;
  value: Buffer | null;
  key: string;
}

function badRecords(): Bad[] {
  const ev = (offset: number, f: (e: Record<string, any>) => void): Buffer => {
    const e = JSON.parse(JSON.stringify(testEvent('dlq-a', 'bad', offset))) as Record<string, any>;
    f(e);
    return Buffer.from(JSON.stringify(e));
  };
  const mapping = /pars|date|boolean|integer|object/i;
  return [
    // Valid events whose fields conflict with the index mapping: Elasticsearch refuses them (400 per item).
    {
      name: 'event.created not a date',
      stage: 'index',
      reason: mapping,
      key: 'dlq-a',
      value: ev(1_000_001, (e) => (e.event.created = 'not-a-date')),
    },
    {
      name: 'log.level an object',
      stage: 'index',
      reason: mapping,
      key: 'dlq-b',
      value: ev(1_000_002, (e) => (e.log.level = { nested: 'object' })),
    },
    {
      name: 'log.truncated not a boolean',
      stage: 'index',
      reason: mapping,
      key: 'dlq-a',
      value: ev(1_000_003, (e) => (e.log.truncated = 'maybe')),
    },
    {
      name: 'logship.lines not an integer',
      stage: 'index',
      reason: mapping,
      key: 'dlq-b',
      value: ev(1_000_004, (e) => (e.logship.lines = 'three')),
    },
    // Date.parse reads it, Elasticsearch's strict_date_optional_time does not.
    {
      name: '@timestamp not ISO',
      stage: 'index',
      reason: mapping,
      key: 'dlq-a',
      value: ev(1_000_005, (e) => (e['@timestamp'] = '2026-11-27 04:13:55')),
    },
    // Records that are not events of this version.
    { name: 'not JSON', stage: 'decode', reason: /not JSON/, key: 'dlq-a', value: Buffer.from('GET /index.html 200 {not json') },
    { name: 'unknown version', stage: 'decode', reason: /unknown event version 99/, key: 'dlq-b', value: ev(1_000_006, (e) => (e.v = 99)) },
    { name: 'no event.id', stage: 'decode', reason: /missing event\.id/, key: 'dlq-a', value: ev(1_000_007, (e) => delete e.event.id) },
    { name: 'no message', stage: 'decode', reason: /missing message/, key: 'dlq-b', value: ev(1_000_008, (e) => delete e.message) },
    {
      name: 'log.offset a string',
      stage: 'decode',
      reason: /log\.offset/,
      key: 'dlq-a',
      value: ev(1_000_009, (e) => (e.log.offset = 'not-a-number')),
    },
    {
      name: 'host.name an object',
      stage: 'decode',
      reason: /host\.name/,
      key: 'dlq-b',
      value: ev(1_000_010, (e) => (e.host.name = { first: 'web' })),
    },
    { name: 'empty value', stage: 'decode', reason: /empty/, key: 'dlq-a', value: null },
    { name: 'binary value', stage: 'decode', reason: /not JSON/, key: 'dlq-b', value: Buffer.from([0xff, 0xfe, 0x00, 0x7b]) },
  ];
}

describe('sink: dead letters', () => {
  let env: TestEnv;
  let sink: Proc;
  const good: LogEvent[] = [];
  const bad = badRecords();
  const nDecode = bad.filter((b) => b.stage === 'decode').length;
  const nIndex = bad.filter((b) => b.stage === 'index').length;

  const listDlq = async (): Promise<DeadLetter[]> => {
    const r = await run(['dlq', 'list', '--json', '-c', env.config]);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as DeadLetter);
  };

  beforeAll(async () => {
    env = makeEnv('sink-dlq', { sink: { bulk: { max_docs: 20 } } });
    for (let i = 0; i < 300; i++) good.push(testEvent(['dlq-a', 'dlq-b', 'dlq-c', 'dlq-d'][i % 4], 'good', i));
    sink = await startSink(env.config);
  });

  afterAll(async () => {
    await sink?.stop('SIGKILL');
  });

  it('refused and undecodable records go to the DLQ with the reason; the rest is indexed; offsets move past them', async () => {
    const t0 = Date.now();
    // Bad records between good ones, in both partitions, so each bulk mixes 201s with 400s.
    const messages: Array<{ key: string; value: Buffer | null; partition: number }> = [];
    let b = 0;
    good.forEach((e, i) => {
      messages.push({ key: e.host.name, value: encodeEvent(e), partition: i % 2 });
      if (i % 20 === 10 && b < bad.length) messages.push({ key: bad[b].key, value: bad[b].value, partition: b++ % 2 });
    });
    // The last record of each partition is a bad one: the commit must still reach the end.
    while (b < bad.length) messages.push({ key: bad[b].key, value: bad[b].value, partition: b++ % 2 });
    const p = kafka().producer();
    await p.connect();
    await p.send({ topic: env.topic, acks: -1, messages });
    await p.disconnect();

    await waitFor('every good event indexed', async () => (await esCount(env.prefix)) === good.length || undefined, 60_000, 250);
    await waitFor(
      'every bad record dead-lettered',
      async () => (await metricValue(env.sinkMetrics, 'logship_sink_documents_dead_lettered_total')) === bad.length || undefined,
    );
    expect(await metricValue(env.sinkMetrics, 'logship_sink_documents_dead_lettered_total', { stage: 'decode' })).toBe(nDecode);
    expect(await metricValue(env.sinkMetrics, 'logship_sink_documents_dead_lettered_total', { stage: 'index' })).toBe(nIndex);
    const summary = await expectExactlyOnce(
      env.prefix,
      good.map((e) => e.event.id),
    );

    // The partitions moved on: committed past the dead letters, to the end.
    const committed = await waitFor('offsets committed to the end', async () => {
      const c = await committedToEnd(env.group, env.topic);
      if (!c.ok) throw new Error(c.text);
      return c.text;
    });

    const letters = await listDlq();
    expect(letters).toHaveLength(bad.length);
    const topicRecs = await readTopic(env.topic);
    for (const want of bad) {
      const original = want.value === null ? '' : want.value.toString('base64');
      const d = letters.find((l) => Buffer.from(l.original, l.original_encoding).toString('base64') === original);
      expect(d, want.name).toBeDefined();
      expect(d!.stage, want.name).toBe(want.stage);
      expect(d!.reason, want.name).toMatch(want.reason);
      expect(d!.source.topic).toBe(env.topic);
      expect(d!.source.key).toBe(want.key);
      // The source position is the record's.
      const rec = topicRecs.find((r) => r.partition === d!.source.partition && r.offset === d!.source.offset)!;
      expect(rec.key).toBe(want.key);
      if (want.stage === 'index') {
        expect(d!.status).toBe(400);
        expect(d!.event_id).toMatch(/^[0-9a-f]{32}$/);
        expect(d!.error_type).toMatch(/parsing|argument/);
      } else expect(d!.error_type).toBe('decode_error');
    }
    const text = await run(['dlq', 'list', '-c', env.config]);
    expect(text.stdout.trim().split('\n')).toHaveLength(bad.length);
    expect(text.stderr).toContain(`${bad.length} dead letter(s)`);
    process.stderr.write(
      `[sink-dlq] ${good.length} good + ${bad.length} bad records: ${summary}; DLQ ${letters.length} (decode ${nDecode}, index ${nIndex}); committed ${committed}; ${Date.now() - t0} ms\n` +
        letters.map((l) => `[sink-dlq]   ${l.stage} ${l.error_type} ${l.status ?? ''} ${l.reason.slice(0, 140)}\n`).join(''),
    );
  });

  it('`logship dlq replay` re-publishes the originals to the main topic, once', async () => {
    const before = await readTopic(env.topic);
    const r = await run(['dlq', 'replay', '-c', env.config]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`replayed ${bad.length} dead letter(s)`);
    const after = await readTopic(env.topic);
    expect(after.length).toBe(before.length + bad.length);
    const seen = new Set(before.map((x) => `${x.partition}/${x.offset}`));
    const replayed = after.filter((x) => !seen.has(`${x.partition}/${x.offset}`));
    expect(replayed.map((x) => Buffer.from(x.value).toString('base64')).sort()).toEqual(
      bad.map((b) => (b.value === null ? '' : Buffer.from(b.value.toString()).toString('base64'))).sort(),
    );
    for (const x of replayed) expect(bad.some((b) => b.key === x.key)).toBe(true);
    // They fail again for the same reasons and come back to the DLQ; nothing good is touched.
    await waitFor(
      'the replayed records dead-lettered again',
      async () => (await metricValue(env.sinkMetrics, 'logship_sink_documents_dead_lettered_total')) === 2 * bad.length || undefined,
    );
    expect(await esCount(env.prefix)).toBe(good.length);
    // The replay group remembers how far it got: a second replay sends only the letters that arrived since.
    const r2 = await run(['dlq', 'replay', '--dry-run', '-c', env.config]);
    expect(r2.stderr).toContain(`would replay ${2 * bad.length} dead letter(s)`);
    const r3 = await run(['dlq', 'replay', '-c', env.config]);
    expect(r3.stderr).toContain(`replayed ${bad.length} dead letter(s)`);
    process.stderr.write(
      `[sink-dlq] replay: ${bad.length} originals back in ${env.topic}, dead-lettered again; a second replay sent only the ${bad.length} new letters\n`,
    );
  });
});
