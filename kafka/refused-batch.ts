// A compressed record batch the consumer will not decompress (larger than the bound, or corrupt) is replaced by
// records that stand for its offsets, so the partition moves on and each offset becomes a dead letter with the
// reason. Why here: kafkajs decompresses inside its fetch, and an exception there fails the whole fetch (every
// partition led by that broker) on every retry, for good: a crash loop that wedges the partitions.
//
// kafkajs 2.2.4 (protocol/recordBatch/v0/decoder.js) reads the batch header, then the record count, then hands the
// rest of the batch to the codec as a slice of the same fetch buffer: the 61 header bytes sit just before it. They
// are read back from there and checked (the batch length, magic 2, the codec bits); anything else is not a batch
// kafkajs is decoding, and the codec's error is thrown as before.

export interface BatchRefusal {
  codec: string;
  why: 'too_large' | 'corrupt';
  /** For the dead letters: what the batch was and why it was not decompressed. */
  reason: string;
  records: number;
  firstOffset: string;
  lastOffset: string;
}

export interface RefusedBatchHeader {
  firstOffset: bigint;
  lastOffsetDelta: number;
  count: number;
}

/**
 * Most records a refused batch may stand for: kafkajs pushes a batch's records with one spread call, which overflows
 * the stack past ~120,000 (a batch that large cannot be consumed by kafkajs at all, bomb or not).
 */
export const MAX_REFUSED_RECORDS = 100_000;

const HEADER = 61;
/** Records built here, by their buffer: a record is recognised by where it lives, never by what it says. */
const refusals = new WeakMap<ArrayBufferLike, BatchRefusal>();

/** The refusal a record stands for, when it is one of a refused batch's (its value lives in that batch's buffer). */
export function refusalOf(value: Buffer | null): BatchRefusal | undefined {
  return value ? refusals.get(value.buffer) : undefined;
}

/** The header of the batch whose compressed records are `records`, when kafkajs' batch decoder handed them over. */
export function batchHeaderBefore(records: Buffer, codecType: number): RefusedBatchHeader | undefined {
  if (records.byteOffset < HEADER) return undefined;
  const h = Buffer.from(records.buffer, records.byteOffset - HEADER, HEADER);
  if (h.readInt32BE(8) !== HEADER - 12 + records.length || h.readInt8(16) !== 2 || (h.readInt16BE(21) & 7) !== codecType) return undefined;
  const lastOffsetDelta = h.readInt32BE(23);
  const count = h.readInt32BE(57);
  if (count <= 0 || count > MAX_REFUSED_RECORDS || lastOffsetDelta < count - 1) return undefined;
  return { firstOffset: h.readBigInt64BE(0), lastOffsetDelta, count };
}

/** Kafka's varint: zigzag, then 7 bits a byte. */
function varint(n: number, out: number[]): void {
  let z = ((n << 1) ^ (n >> 31)) >>> 0;
  while (z >= 0x80) {
    out.push((z & 0x7f) | 0x80);
    z >>>= 7;
  }
  out.push(z);
}

/**
 * `count` records (v2 format, as the codec would have returned them) with no key and an empty value: the offset
 * deltas 0, 1, … and the batch's last delta for the last one, so the partition is committed past the whole batch
 * even when compaction left gaps in it.
 */
export function refusalRecords(h: RefusedBatchHeader, refusal: (h: RefusedBatchHeader) => BatchRefusal): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < h.count; i++) {
    const body: number[] = [0, 0]; // attributes, timestamp delta
    varint(i === h.count - 1 ? h.lastOffsetDelta : i, body);
    body.push(1, 0, 0); // key length -1 (null), value length 0, no headers
    varint(body.length, bytes);
    bytes.push(...body);
  }
  const ab = new ArrayBuffer(bytes.length);
  const out = Buffer.from(ab);
  out.set(bytes);
  refusals.set(ab, refusal(h));
  return out;
}
