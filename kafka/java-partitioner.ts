// The Java client's partition for a keyed record: toPositive(murmur2(key bytes)) % partitions (Utils.murmur2 and
// BuiltInPartitioner.partitionForKey in kafka-clients), which kafkajs' DefaultPartitioner also computes. Every
// producer logship can use must agree on it: a host's events stay on one partition, in order, whichever client sent
// them, and switching kafka.producer does not move a host to another partition mid-stream.
// @platformatic/kafka's own defaultPartitioner takes `murmur2 >>> 0` (unsigned), which differs for half the keys.

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Kafka's murmur2 (32-bit, signed like Java's int). */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // Java's switch on length % 4 falls through from the highest remaining byte down.
  switch (length & 3) {
    case 3:
      h ^= data[whole + 2] << 16;
    // falls through
    case 2:
      h ^= data[whole + 1] << 8;
    // falls through
    case 1:
      h ^= data[whole];
      h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition the Java client picks for `key` among `partitions`. */
export function javaPartition(key: Uint8Array, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions;
}

/**
 * The positive hash of a key, remembered per key (every event of a host has the same key, and hashing it for each
 * message would cost per line): the caller takes it modulo the partition count, as @platformatic/kafka does.
 */
export function memoizedPositiveHash(): (key: Buffer | undefined) => number {
  const known = new Map<string, number>();
  return (key) => {
    if (!key) return 0;
    const k = key.toString('latin1');
    let h = known.get(k);
    if (h === undefined) {
      h = murmur2(key) & 0x7fffffff;
      if (known.size >= 1024) known.clear();
      known.set(k, h);
    }
    return h;
  };
}
