// Each host lands on the same partition with every producer: kafkajs (kafka.producer: kafkajs), @platformatic/kafka
// (kafka.producer: platformatic) and the Java client (kafka-clients' ConsoleProducer, keyed) each send one record
// per host name to a real 12-partition topic; reading the topic back, every key is on one partition, the one
// javaPartition computes. The pure proof against known Java values is test/unit/java-partitioner.test.ts.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../common/logger.js';
import { javaPartition } from '../../kafka/java-partitioner.js';
import { createProducerOf, type ProducerKind } from '../../kafka/producer-factory.js';
import { BROKER, kafka, readTopic, uniq } from '../support/helpers.js';

const STACK_DIR = process.env.LOGSHIP_STACK_DIR ?? '/var/tmp/logship-stack';
const KAFKA_LIBS = path.join(STACK_DIR, 'cache', 'kafka-4.1.1', 'libs');
const PARTITIONS = 12;
const HOSTS = [
  'web-01',
  'web-02',
  'db-primary',
  'ip-10-0-3-17.eu-west-1.compute.internal',
  'host-ümlaut',
  'a',
  ...Array.from({ length: 60 }, (_, i) => `node-${i}.example.org`),
];

async function produceWith(kind: ProducerKind, topic: string) {
  const p = createProducerOf(
    kind,
    { clientId: `partitions-${kind}`, brokers: [BROKER], connectionTimeout: 10_000, requestTimeout: 30_000 },
    createLogger({ level: 'warn' }),
  );
  await p.connect();
  await p.send(
    topic,
    HOSTS.map((h) => ({ key: h, value: Buffer.from(kind) })),
  );
  await p.disconnect();
}

function produceWithJava(topic: string) {
  const input = HOSTS.map((h) => `${h}\tjava`).join('\n') + '\n';
  const r = spawnSync(
    'java',
    [
      '-cp',
      `${KAFKA_LIBS}/*`,
      'org.apache.kafka.tools.ConsoleProducer',
      '--bootstrap-server',
      BROKER,
      '--topic',
      topic,
      '--property',
      'parse.key=true',
      '--property',
      'key.separator=\t',
    ],
    { input, encoding: 'utf8', timeout: 120_000 },
  );
  if (r.status !== 0) throw new Error(`ConsoleProducer exited ${r.status}: ${r.stderr.slice(-2000)}`);
}

describe('partition of a key', () => {
  it('kafkajs, @platformatic/kafka and the Java client put each host on the same partition', async () => {
    const topic = uniq('t-partitions');
    const admin = kafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true });
    await admin.disconnect();
    await produceWith('kafkajs', topic);
    await produceWith('platformatic', topic);
    produceWithJava(topic);

    // At least once: a retried send may store a record twice (a leader moved under the new topic), on the same partition.
    const records = await readTopic(topic, 60_000);
    const where = new Map<string, Record<string, number[]>>(); // key -> producer -> partitions seen
    for (const r of records) {
      const byProducer = where.get(r.key!) ?? {};
      const seen = (byProducer[r.value] ??= []);
      if (!seen.includes(r.partition)) seen.push(r.partition);
      where.set(r.key!, byProducer);
    }
    for (const h of HOSTS) {
      const expected = [javaPartition(Buffer.from(h), PARTITIONS)];
      expect(where.get(h), h).toEqual({ kafkajs: expected, platformatic: expected, java: expected });
    }
    // The keys spread over the partitions: a partitioner that put everything on one would not pass the above by luck.
    expect(new Set(records.map((r) => r.partition)).size).toBeGreaterThan(PARTITIONS / 2);
  });
});
