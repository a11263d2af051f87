// lz4 and zstd against the real broker and the Java client: the agent's batches are Kafka's format (the broker
// accepts them and stores them with that codec, the Java console consumer reads them), and the sink reads
// batches the Java producer compressed (zstd frames without a content size, lz4 frames from lz4-java).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { codecSelfTest } from '../../kafka/codecs.js';
import { ZLIB_HAS_ZSTD } from '../../config/producer-check.js';
import { BROKER, esCount, logship, makeEnv, run, TEST_PRODUCER, waitFor, type TestEnv } from '../support/helpers.js';
import { expectExactlyOnce, startSink, testEvent } from '../support/sink-helpers.js';
import { append, expectExactly, lines, waitShipped } from '../support/agent-harness.js';

const STACK_DIR = process.env.LOGSHIP_STACK_DIR ?? '/var/tmp/logship-stack';
const KAFKA_LIBS = path.join(STACK_DIR, 'cache', 'kafka-4.1.1', 'libs');
const KAFKA_DATA = path.join(STACK_DIR, 'run', 'kafka-data');

function java(cls: string, args: string[], input?: string) {
  const r = spawnSync('java', ['-cp', `${KAFKA_LIBS}/*`, cls, ...args], {
    input,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`${cls} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  return r.stdout;
}

/** The codecs the broker wrote in the topic's log segments (DumpLogSegments prints `compresscodec: X` per batch). */
function codecsOnDisk(topic: string): Set<string> {
  const files = fs
    .readdirSync(KAFKA_DATA)
    .filter((d) => d.startsWith(`${topic}-`))
    .flatMap((d) =>
      fs
        .readdirSync(path.join(KAFKA_DATA, d))
        .filter((f) => f.endsWith('.log'))
        .map((f) => path.join(KAFKA_DATA, d, f)),
    );
  const out = java('kafka.tools.DumpLogSegments', ['--files', files.join(',')]);
  return new Set([...out.matchAll(/compresscodec: (\w+)/g)].map((m) => m[1].toLowerCase()));
}

async function agentShips(env: TestEnv, prefix: string) {
  const f = path.join(env.logs, 'app.log');
  const ls = lines(prefix, 0, 3000);
  append(f, ls);
  const agent = logship(['agent', '-c', env.config]);
  const s = await waitShipped(env, ls, 60_000);
  expect(await agent.stop()).toBe(0);
  expectExactly(s, ls);
  return ls;
}

describe('Kafka compression: lz4 and zstd', () => {
  it('the codecs round-trip on this machine', async () => {
    expect(await codecSelfTest('lz4')).toBe(true);
    expect(await codecSelfTest('zstd')).toBe(true);
  });

  // With kafka.producer: platformatic (LOGSHIP_TEST_PRODUCER) its own codecs compress: gzip too, zstd only where
  // node:zlib has it; elsewhere the config is refused (below).
  const platformatic = TEST_PRODUCER === 'platformatic';
  const agentCodecs = platformatic ? (['gzip', 'lz4', ...(ZLIB_HAS_ZSTD ? (['zstd'] as const) : [])] as const) : (['lz4', 'zstd'] as const);
  for (const codec of agentCodecs) {
    it(`agent (${TEST_PRODUCER}) with compression ${codec}: the broker stores ${codec} batches and the Java consumer reads every line`, async () => {
      const env = makeEnv(`comp-${codec}`, { agent: { compression: codec, batch: { max_events: 500, linger_ms: 20 } } });
      const ls = await agentShips(env, `c-${codec}`);
      expect([...codecsOnDisk(env.topic)]).toEqual([codec]);
      const out = java('org.apache.kafka.tools.consumer.ConsoleConsumer', [
        '--bootstrap-server',
        BROKER,
        '--topic',
        env.topic,
        '--from-beginning',
        '--max-messages',
        String(ls.length),
        '--timeout-ms',
        '30000',
      ]);
      const messages = new Set(
        out
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l).message as string),
      );
      expect(ls.filter((l) => !messages.has(l))).toEqual([]);
    });
  }

  // A config check: it needs no broker, so it runs whatever producer the suite runs with (on a Node without zstd).
  it.runIf(!ZLIB_HAS_ZSTD)('validate refuses zstd with kafka.producer: platformatic on this Node, saying why', async () => {
    const env = makeEnv('comp-plt-zstd', { kafka: { producer: 'platformatic' }, agent: { compression: 'zstd' } });
    const r = await run(['validate', env.config]);
    expect(r.code).toBe(78);
    expect(r.stdout + r.stderr).toMatch(/agent\.compression: zstd is not available with kafka\.producer: platformatic on Node v\d+/);
    expect(r.stdout + r.stderr).toMatch(/node:zlib, which has zstd only from Node 22\.15/);
  });

  for (const codec of ['lz4', 'zstd'] as const) {
    it(`sink reads ${codec} batches written by the Java producer`, async () => {
      const env = makeEnv(`comp-java-${codec}`);
      const events = Array.from({ length: 2000 }, (_, i) => testEvent(env.host, `java-${codec}`, i));
      java(
        'org.apache.kafka.tools.ConsoleProducer',
        [
          '--bootstrap-server',
          BROKER,
          '--topic',
          env.topic,
          '--compression-codec',
          codec,
          '--producer-property',
          'linger.ms=50',
          '--batch-size',
          '500',
        ],
        events.map((e) => JSON.stringify(e)).join('\n') + '\n',
      );
      expect([...codecsOnDisk(env.topic)]).toEqual([codec]);
      const sink = await startSink(env.config);
      await waitFor('every event indexed', async () => (await esCount(env.prefix)) === events.length || undefined, 60_000, 250);
      await sink.stop();
      await expectExactlyOnce(
        env.prefix,
        events.map((e) => e.event.id),
      );
    });
  }
});
