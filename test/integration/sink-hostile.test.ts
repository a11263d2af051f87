// Hostile input on the sink's side: records in the topic that did not come from our agent (nested thousands deep,
// not objects, wrong types, huge numbers, __proto__ keys, invalid UTF-8, 5 MB), a dead-letter topic that keeps
// Kafka's default max.message.bytes, and decompression bombs in every codec. Each is a dead letter with the
// reason; the partition moves on (the records after it indexed, the offsets committed to the end).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import kafkajs from 'kafkajs';
import { encodeEvent, EVENT_VERSION, type LogEvent } from '../../common/event.js';
import type { DeadLetter } from '../../sink/dead-letter.js';
import { esCount, kafka, makeEnv, metricValue, readTopic, waitFor, type Proc, type TestEnv } from '../support/helpers.js';
import { eventWith, gzipBomb, lz4Bomb, nestedText, produceCompressedPayload, zstdBomb } from '../support/hostile-records.js';
import { committedToEnd, createTopic, expectExactlyOnce, sinkAccounting, startSink, testEvent } from '../support/sink-helpers.js';

const KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1048588;
const MiB = 1024 * 1024;

interface Hostile {
  name: string;
  value: Buffer | null;
  reason: RegExp;
}

function hostileRecords(): Hostile[] {
  const h = 'hostile';
  return [
    {
      name: 'nested 5,000 deep',
      reason: /deeper than/,
      value: textEdit(
        eventWith(h, 1, (e) => (e.json = 0)),
        '"json":0',
        `"json":${nestedText(5000)}`,
      ),
    },
    { name: 'a JSON array', reason: /not a JSON object/, value: Buffer.from('[1,2,3]') },
    { name: 'a JSON string', reason: /not a JSON object/, value: Buffer.from('"just a string"') },
    { name: 'a JSON number', reason: /not a JSON object/, value: Buffer.from('1e400') },
    { name: 'JSON null', reason: /not a JSON object/, value: Buffer.from('null') },
    {
      name: 'wrong types in every field',
      reason: /unknown event version/,
      value: Buffer.from(JSON.stringify({ v: '1', '@timestamp': 5, message: {}, event: [], host: 'h', log: null, logship: true })),
    },
    {
      name: 'version 1e400',
      reason: /unknown event version/,
      value: textEdit(
        eventWith(h, 2, () => {}),
        `"v":${EVENT_VERSION},`,
        '"v":1e400,',
      ),
    },
    {
      name: 'log.offset 1e400',
      reason: /log\.offset/,
      value: textEdit(
        eventWith(h, 3, () => {}),
        '"offset":3',
        '"offset":1e400',
      ),
    },
    {
      name: 'the event under __proto__',
      reason: /unknown event version/,
      value: Buffer.from(`{"__proto__":${eventWith(h, 4, () => {}).toString()}}`),
    },
    { name: 'invalid UTF-8 in the message', reason: /UTF-8/, value: invalidUtf8(eventWith(h, 5, (e) => (e.message = 'A##B'))) },
    {
      name: 'wider than 10,000 keys',
      reason: /keys/,
      value: eventWith(h, 6, (e) => (e.json = Object.fromEntries(Array.from({ length: 12_000 }, (_, i) => [`k${i}`, i])))),
    },
    { name: '5 MB, not JSON', reason: /not JSON/, value: Buffer.alloc(5 * MiB, 'x') },
  ];
}

function textEdit(v: Buffer, from: string, to: string): Buffer {
  const s = v.toString();
  if (!s.includes(from)) throw new Error(`${from} not in ${s}`);
  return Buffer.from(s.replace(from, to));
}

/** `##` in the value replaced by a lead byte and a byte that cannot follow it. */
function invalidUtf8(v: Buffer): Buffer {
  const i = v.indexOf('##');
  v[i] = 0xc3;
  v[i + 1] = 0x28;
  return v;
}

/** Valid events with odd content: indexed, not dead-lettered. */
function oddButValid(): LogEvent[] {
  const odd = (offset: number, json: Record<string, unknown>) => ({ ...testEvent('hostile-odd', 'odd', offset), json });
  return [
    odd(1, JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}')),
    odd(2, { big: 1e308, bigger: JSON.parse('123456789012345678901234567890'), small: -1e-300 }),
    odd(3, JSON.parse(nestedText(15)) as Record<string, unknown>),
  ];
}

const letters = async (dlq: string) =>
  (await readTopic(dlq)).map((r) => ({ bytes: Buffer.byteLength(r.value), d: JSON.parse(r.value) as DeadLetter }));

describe('sink: hostile input', () => {
  let env: TestEnv;
  let sink: Proc;
  const indexed: LogEvent[] = [];
  let dead = 0;
  const metric = (name: string, labels?: Record<string, string>) => metricValue(env.sinkMetrics, name, labels);

  /** Waits for every event in `indexed` to be in the index exactly once, `dead` dead letters, and the commits at the end. */
  async function settled(what: string) {
    try {
      return await settledOrThrow(what);
    } catch (err) {
      // The sink's warnings and errors say why (its debug lines are too many to print).
      const lines = sink
        .stderr()
        .split('\n')
        .filter((l) => /"level":(40|50|60)/.test(l));
      throw new Error(`${(err as Error).message}\nsink warnings:\n${lines.slice(-30).join('\n').slice(-6000)}`, { cause: err });
    }
  }

  async function settledOrThrow(what: string) {
    await waitFor(`${what}: every good event indexed`, async () => (await esCount(env.prefix)) >= indexed.length || undefined, 90_000, 250);
    await waitFor(
      `${what}: ${dead} dead letters`,
      async () => (await metric('logship_sink_documents_dead_lettered_total')) >= dead || undefined,
      60_000,
    );
    const committed = await waitFor(`${what}: offsets committed to the end`, async () => {
      const c = await committedToEnd(env.group, env.topic);
      if (!c.ok) throw new Error(c.text);
      return c.text;
    });
    expect(await metric('logship_sink_documents_dead_lettered_total')).toBe(dead);
    const summary = await expectExactlyOnce(
      env.prefix,
      indexed.map((e) => e.event.id),
    );
    const acc = await sinkAccounting(env.sinkMetrics);
    expect(acc.accounted).toBe(acc.consumed);
    expect(await metric('logship_sink_errors_total', { stage: 'consumer' })).toBe(0);
    return `${summary}; committed ${committed}`;
  }

  beforeAll(async () => {
    env = makeEnv('sink-hostile', { sink: { bulk: { max_docs: 50 } } });
    await createTopic(env.topic, 2);
    // The local stack raises the broker's message.max.bytes; a real broker keeps Kafka's default (1 MiB + 12).
    const admin = kafka().admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: env.dlq,
          numPartitions: 1,
          replicationFactor: 1,
          configEntries: [{ name: 'max.message.bytes', value: String(KAFKA_DEFAULT_MAX_MESSAGE_BYTES) }],
        },
      ],
    });
    await admin.disconnect();
    sink = await startSink(env.config);
  });

  afterAll(async () => {
    await sink?.stop('SIGKILL');
  });

  it('foreign records go to the DLQ with the reason; the partitions move on; a letter too large for the DLQ topic is cut to fit', async () => {
    const t0 = Date.now();
    const bad = hostileRecords();
    const good = Array.from({ length: 200 }, (_, i) => testEvent(`hostile-${i % 3}`, 'good', i));
    const odd = oddButValid();
    const messages: Array<{ key: string; value: Buffer | null; partition: number }> = [];
    let b = 0;
    good.forEach((e, i) => {
      messages.push({ key: e.host.name, value: encodeEvent(e), partition: i % 2 });
      if (i % 15 === 7 && b < bad.length) messages.push({ key: 'hostile', value: bad[b].value, partition: b++ % 2 });
    });
    for (const e of odd) messages.push({ key: e.host.name, value: encodeEvent(e), partition: 0 });
    while (b < bad.length) messages.push({ key: 'hostile', value: bad[b].value, partition: b++ % 2 });
    // After the last hostile record of each partition, good ones: they must be indexed too.
    const after = Array.from({ length: 20 }, (_, i) => testEvent('hostile-after', 'good', 1000 + i));
    after.forEach((e, i) => messages.push({ key: e.host.name, value: encodeEvent(e), partition: i % 2 }));
    const p = kafka().producer();
    await p.connect();
    for (let i = 0; i < messages.length; i += 40) await p.send({ topic: env.topic, acks: -1, messages: messages.slice(i, i + 40) });
    await p.disconnect();
    indexed.push(...good, ...odd, ...after);
    dead += bad.length;

    const summary = await settled('foreign records');
    const all = await letters(env.dlq);
    expect(all).toHaveLength(bad.length);
    for (const want of bad) {
      const value = want.value ?? Buffer.alloc(0);
      const l = all.find(({ d }) => {
        const o = Buffer.from(d.original, d.original_encoding);
        return o.equals(value) || (d.original_truncated === true && o.length > 0 && value.subarray(0, o.length).equals(o));
      });
      expect(l, want.name).toBeDefined();
      expect(l!.d.stage, want.name).toBe('decode');
      expect(l!.d.reason, want.name).toMatch(want.reason);
      expect(l!.bytes, want.name).toBeLessThanOrEqual(KAFKA_DEFAULT_MAX_MESSAGE_BYTES - 100);
    }
    const big = all.find(({ d }) => d.original_truncated)!;
    expect(big.d.original_size).toBe(5 * MiB);
    expect(big.d.original.length).toBeGreaterThan(900_000);
    expect(await metric('logship_sink_dead_letters_truncated_total', { cut: 'original' })).toBe(1);
    process.stderr.write(
      `[sink-hostile] ${good.length + after.length} good + ${odd.length} odd-but-valid + ${bad.length} hostile records: ${summary}; ` +
        `the 5 MiB letter cut to ${big.bytes} bytes; ${Date.now() - t0} ms\n` +
        all.map(({ d, bytes }) => `[sink-hostile]   ${d.error_type} ${bytes}B ${d.reason.slice(0, 120)}\n`).join(''),
    );
  });

  it('decompression bombs (gzip 1 GiB, lz4 and zstd 256 MiB): a dead letter with the reason each, no out-of-memory, the partition moves on', async () => {
    const t0 = Date.now();
    const bombs: Array<{ codec: 'gzip' | 'lz4' | 'zstd'; payload: Buffer; what: string }> = [
      { codec: 'gzip', payload: gzipBomb(1024 * MiB), what: '1 GiB of zeros' },
      { codec: 'lz4', payload: await lz4Bomb(256 * MiB), what: '256 MiB of zeros' },
      { codec: 'zstd', payload: await zstdBomb(256 * MiB, true), what: '256 MiB of zeros, content size in the frame' },
      { codec: 'zstd', payload: await zstdBomb(256 * MiB, false), what: '256 MiB of zeros, no content size' },
    ];
    const before = (await letters(env.dlq)).length;
    let n = 0;
    for (const bomb of bombs) {
      const around = Array.from({ length: 10 }, () => testEvent('bomb-around', 'good', n++));
      await produceEvents0(env.topic, around.slice(0, 5));
      await produceCompressedPayload(env.topic, 0, bomb.codec, bomb.payload);
      await produceEvents0(env.topic, around.slice(5));
      indexed.push(...around);
      dead++;
    }
    const summary = await settled('bombs');
    const rss = await metric('logship_sink_process_resident_memory_bytes');
    expect(rss).toBeLessThan(600 * MiB);
    const bombLetters = (await letters(env.dlq)).slice(before);
    expect(bombLetters).toHaveLength(bombs.length);
    expect(await metric('logship_sink_errors_total', { stage: 'decompress', error_type: 'too_large' })).toBe(bombs.length);
    for (const [i, l] of bombLetters.entries()) {
      expect(l.d.error_type).toBe('batch_refused');
      expect(l.d.reason).toContain(bombs[i].codec);
      expect(l.d.reason).toMatch(/decompress/);
      expect(l.d.original_truncated).toBe(true);
      expect(l.d.source.partition).toBe(0);
    }
    process.stderr.write(
      `[sink-hostile] bombs ${bombs.map((x) => `${x.codec} ${x.what} in ${x.payload.length} bytes`).join('; ')}: ${summary}; ` +
        `sink RSS ${(rss / MiB).toFixed(0)} MiB; ${Date.now() - t0} ms\n` +
        bombLetters.map(({ d }) => `[sink-hostile]   ${d.source.partition}/${d.source.offset} ${d.reason}\n`).join(''),
    );
  });

  it('a letter the DLQ topic refuses as too large (its limit lowered after the sink started) is cut further and published', async () => {
    const admin = kafka().admin();
    await admin.connect();
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        { type: kafkajs.ConfigResourceTypes.TOPIC, name: env.dlq, configEntries: [{ name: 'max.message.bytes', value: '100000' }] },
      ],
    });
    await admin.disconnect();
    const cutBefore = await metric('logship_sink_dead_letters_truncated_total');
    const before = (await letters(env.dlq)).length;
    const value = Buffer.alloc(600_000, 'y');
    const around = [testEvent('refused-around', 'good', 0), testEvent('refused-around', 'good', 1)];
    await produceEvents0(env.topic, [around[0]]);
    const p = kafka().producer();
    await p.connect();
    await p.send({ topic: env.topic, acks: -1, messages: [{ key: 'hostile', value, partition: 0 }] });
    await p.disconnect();
    await produceEvents0(env.topic, [around[1]]);
    indexed.push(...around);
    dead++;
    const summary = await settled('a letter refused as too large');
    const l = (await letters(env.dlq)).slice(before);
    expect(l).toHaveLength(1);
    expect(l[0].bytes).toBeLessThanOrEqual(100_000);
    expect(l[0].d.original_truncated).toBe(true);
    expect(l[0].d.original_size).toBe(value.length);
    expect(await metric('logship_sink_dead_letters_truncated_total')).toBeGreaterThan(cutBefore);
    // Kafka's refusal is a fault the sink handled: logged and counted with the same labels.
    expect(await metric('logship_sink_errors_total', { stage: 'dead_letter', error_type: 'too_large' })).toBe(1);
    process.stderr.write(
      `[sink-hostile] DLQ limit lowered to 100000: the 600000-byte letter refused, cut to ${l[0].bytes} bytes, published; ${summary}\n`,
    );
  });
});

async function produceEvents0(topic: string, events: LogEvent[]) {
  const p = kafka().producer();
  await p.connect();
  await p.send({ topic, acks: -1, messages: events.map((e) => ({ key: e.host.name, value: encodeEvent(e), partition: 0 })) });
  await p.disconnect();
}
