// Each host lands on the same partition whichever producer sends its events: our murmur2 partition (used by the
// @platformatic/kafka producer) against values the Java client computes (kafka-clients 4.1.1 Utils.murmur2 and
// toPositive(h) % n, printed by a small Java program; the first four are also in Kafka's own UtilsTest) and
// against kafkajs' DefaultPartitioner, which the kafkajs producer uses. The real-topic proof is in
// test/integration/partitions.test.ts.
import fc from 'fast-check';
import { Partitioners } from 'kafkajs';
import { compatibilityPartitioner, defaultPartitioner } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { javaPartition, memoizedPositiveHash, murmur2 } from '../../kafka/java-partitioner.js';
import { platformaticOptions } from '../../kafka/platformatic-producer.js';

/** [key, Java's Utils.murmur2, partition of 4, partition of 12] */
const JAVA: Array<[string, number, number, number]> = [
  ['21', -973932308, 0, 0],
  ['foobar', -790332482, 2, 6],
  ['a-little-bit-long-string', -985981536, 0, 8],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971, 1, 5],
  ['web-01', -1031871725, 3, 3],
  ['web-02', 376066694, 2, 2],
  ['db-primary', 1613532213, 1, 9],
  ['ip-10-0-3-17.eu-west-1.compute.internal', 1975697268, 0, 0],
  ['host-ümlaut', 1013216180, 0, 8],
  ['a', -1563381124, 0, 4],
  ['', 275646681, 1, 9],
  ['kafka-node-7', 1080129982, 2, 10],
  ['logship-test-host', -1611393967, 1, 1],
];

function kafkajsPartition(key: string, partitions: number): number {
  const p = Partitions(partitions);
  return Partitioners.DefaultPartitioner()({ topic: 't', partitionMetadata: p, message: { key, value: 'v' } });
}
const Partitions = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ partitionId: i, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));

describe('the Java-compatible partitioner', () => {
  it("murmur2 and the partition are the Java client's for known keys", () => {
    for (const [key, hash, of4, of12] of JAVA) {
      expect(murmur2(Buffer.from(key)), key).toBe(hash);
      expect(javaPartition(Buffer.from(key), 4), key).toBe(of4);
      expect(javaPartition(Buffer.from(key), 12), key).toBe(of12);
    }
  });

  it("agrees with kafkajs' DefaultPartitioner for the known keys and for any key and partition count", () => {
    for (const [key, , of4, of12] of JAVA) {
      expect(kafkajsPartition(key, 4), key).toBe(of4);
      expect(kafkajsPartition(key, 12), key).toBe(of12);
    }
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.integer({ min: 1, max: 64 }), (key, n) => {
        expect(javaPartition(Buffer.from(key), n)).toBe(kafkajsPartition(key, n));
      }),
      { numRuns: 2000 },
    );
  });

  it("is what the producer's partitioner gives once @platformatic/kafka takes it modulo the partitions", () => {
    const partitioner = platformaticOptions(
      { clientId: 'c', brokers: ['k:9092'], connectionTimeout: 1, requestTimeout: 1 },
      'none',
    ).partitioner!;
    for (const [key, , of4, of12] of JAVA) {
      const h = partitioner({ topic: 't', key: Buffer.from(key) }, Buffer.from(key), { metadata: undefined });
      expect(h % 4, key).toBe(of4);
      expect(h % 12, key).toBe(of12);
      expect(h % 12).toBe(compatibilityPartitioner({ topic: 't' }, Buffer.from(key)) % 12);
    }
  });

  it("@platformatic/kafka's own default partitioner differs for a key with a negative hash: not used", () => {
    const key = Buffer.from('web-01'); // murmur2 < 0; with a power of two as the count the two happen to agree
    expect(defaultPartitioner({ topic: 't' }, key) % 3).not.toBe(javaPartition(key, 3));
    expect(defaultPartitioner({ topic: 't' }, key) % 4).toBe(javaPartition(key, 4));
  });

  it('the memoized hash is the same on every call, for every key, also past its size bound', () => {
    const hash = memoizedPositiveHash();
    for (let round = 0; round < 2; round++)
      for (let i = 0; i < 3000; i++) {
        const k = Buffer.from(`host-${i}`);
        expect(hash(k)).toBe(murmur2(k) & 0x7fffffff);
      }
    expect(hash(undefined)).toBe(0);
  });
});
